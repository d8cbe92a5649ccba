"""`herts-scraper plot`: each chart's numbers, its matplotlib Figure (title, labelled axes, size),
the PNG and SVG files the command writes (opened with Pillow), the same chart as text, and the
text charts the docs show, made again by the command on the demo's archive.

The archive is a real SQLite file written through the store, its facts made by hand."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from herts_scraper.analysis import charts
from herts_scraper.analysis.selection import AnalysisError, Selection
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article
from tests.conftest import ROOT

CLI = [sys.executable, "-m", "herts_scraper"]
SIZE = (round(charts.FIGSIZE[0] * charts.DPI), round(charts.FIGSIZE[1] * charts.DPI))

# (area, month, kinds, places): made-up articles
ARTICLES = [
    ("Hertfordshire", "2024-01", ["appeal"], ["Watford"]),
    ("Hertfordshire", "2024-01", ["appeal", "missing"], ["Watford"]),
    ("Hertfordshire", "2024-02", ["charge"], ["Stevenage"]),
    ("Hertfordshire", "2024-03", ["appeal"], ["Stevenage"]),
    ("Hertfordshire", "2024-03", ["court"], []),
    ("Kent", "2024-01", ["appeal"], ["Dover"]),
    ("Kent", "2024-02", ["event"], ["Dover"]),
    ("Essex", "2024-02", ["appeal"], ["Harlow"]),
    ("Essex", "2024-03", ["appeal"], ["Watford"]),
]
COORDINATES = {"Watford": (51.656, -0.390), "Stevenage": (51.902, -0.202), "Dover": (51.127, 1.313),
               "Harlow": (51.772, 0.102)}


@pytest.fixture
def archive_db(db_path) -> Path:
    with Archive(db_path) as archive:
        archive.store_many([
            Capture(Article(url=f"https://example.police.uk/{n}", area=area, title=f"Story {n}",
                            published=f"{month}-1{n}T10:00:00+00:00", body=f"Story {n}."),
                    facts=[Fact("kinds", k, "t") for k in kinds]
                    + [Fact("places", p, "t", dict(zip(("lat", "lon"), COORDINATES[p], strict=True))) for p in places])
            for n, (area, month, kinds, places) in enumerate(ARTICLES)])
    return db_path


def chart_of(db: Path, what: str, **filters) -> charts.Chart:
    with Archive(db, readonly=True) as archive:
        return charts.chart(archive, what, Selection(**filters))


def plot(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "plot", *args, "--db", str(db)], capture_output=True, text=True, timeout=120)


# -- the numbers ------------------------------------------------------------------------------
def test_the_charts_numbers(archive_db):
    months = chart_of(archive_db, "kinds-by-month")
    assert months.categories == ["2024-01", "2024-02", "2024-03"] and months.style == "stacked"
    assert months.series["appeal"] == [3, 1, 2] and months.series["missing"] == [1, 0, 0]
    places = chart_of(archive_db, "appeals-by-place")
    assert list(zip(places.categories, places.series["appeals"], strict=True)) == [
        ("Watford", 3), ("Dover", 1), ("Harlow", 1), ("Stevenage", 1)]
    kent = chart_of(archive_db, "force-by-month", forces=["kent"])
    assert kent.series == {"Kent": [1, 1, 0], "other forces (mean of 2)": [1.0, 1.0, 1.5]}
    shares = chart_of(archive_db, "force-kinds", forces=["Hertfordshire"])
    assert shares.categories[0] == "appeal" and shares.series["Hertfordshire"][0] == 60.0  # 3 of 5
    assert shares.series["other forces (2)"][0] == 75.0  # 3 of 4
    assert chart_of(archive_db, "appeals-by-place", forces=["Essex"]).categories == ["Harlow", "Watford"]


# -- matplotlib ---------------------------------------------------------------------------------
@pytest.mark.parametrize("what", list(charts.CHARTS))
def test_every_figure_has_a_title_and_labelled_axes(archive_db, what):
    chart = chart_of(archive_db, what, forces=["Kent"] if what.startswith("force") else [])
    fig = charts.figure(chart)
    (ax,) = fig.axes
    assert ax.get_title() == chart.title and ax.get_title()
    assert ax.get_xlabel() == chart.xlabel and ax.get_ylabel() == chart.ylabel and ax.get_xlabel() and ax.get_ylabel()
    assert tuple(fig.get_size_inches()) == charts.FIGSIZE and fig.dpi == charts.DPI
    labels = [t.get_text() for t in (ax.get_yticklabels() if chart.horizontal else ax.get_xticklabels())]
    assert labels[0] == chart.categories[0]
    if len(chart.series) > 1:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == list(chart.series)


def test_the_command_writes_a_png_that_opens(archive_db, tmp_path):
    out = tmp_path / "months.png"
    result = plot(archive_db, "kinds-by-month", "--out", str(out))
    assert result.returncode == 0 and result.stdout == f"kinds-by-month: {out}\n", result.stderr
    with Image.open(out) as image:
        image.load()  # the whole file decodes
        assert image.format == "PNG" and image.size == SIZE
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 10  # drawn on, not a blank page
    from matplotlib.image import imread

    assert imread(out).shape[:2] == (SIZE[1], SIZE[0])


def test_svg_and_text_files(archive_db, tmp_path):
    assert plot(archive_db, "force-kinds", "--force", "kent", "--out", str(tmp_path / "k.svg")).returncode == 0
    svg = (tmp_path / "k.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and "Kinds of article: Kent" in svg
    assert plot(archive_db, "appeals-by-place", "--out", str(tmp_path / "p.txt")).returncode == 0
    shown = plot(archive_db, "appeals-by-place", "--out", "-")
    assert shown.returncode == 0 and shown.stdout == (tmp_path / "p.txt").read_text()
    assert shown.stdout == charts.text(chart_of(archive_db, "appeals-by-place"))


def test_the_text_chart(archive_db):
    text = charts.text(chart_of(archive_db, "kinds-by-month"), width=12)
    assert text.splitlines() == [
        "Articles per month by kind",
        "==========================",
        "█ appeal  ▓ charge  ▒ court  ░ event  # missing",
        "month    articles (counted under each of their kinds)",
        "2024-01 |█████████### 4",
        "2024-02 |███▓▓▓░░░ 3",
        "2024-03 |██████▒▒▒ 3",
    ]
    kent = charts.text(chart_of(archive_db, "force-by-month", forces=["Kent"]), width=10).splitlines()
    assert kent[3:5] == ["2024-01 Kent                     |███████ 1",
                         "        other forces (mean of 2) |███████ 1"]
    assert kent[-2:] == ["2024-03 Kent                     | 0",
                         "        other forces (mean of 2) |██████████ 1.5"]


@pytest.mark.parametrize(("args", "message"), [
    (["kinds-by-month", "--out", "chart.jpg"], "--out chart.jpg: give a .png or .svg file"),
    (["kinds-by-month", "--out", "no/such/folder/c.png"], "no folder no/such/folder"),
    (["force-by-month", "--out", "-"], "give one or more with --force"),
    (["force-kinds", "--out", "-", "--force", "Atlantis"], "--force Atlantis: no force"),
    (["appeals-by-place", "--out", "-", "--top", "0"], "--top must be 1 or more"),
    (["appeals-by-place", "--out", "-", "--force", "kent", "--since", "2030"], "nothing to plot"),
    (["pie", "--out", "-"], "invalid choice: 'pie'"),
])
def test_bad_requests_are_one_line_errors(archive_db, args, message, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([*CLI, "plot", *args, "--db", str(archive_db)], capture_output=True, text=True,
                            timeout=120, cwd=work)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 or "usage:" in result.stderr
    assert list(work.iterdir()) == []  # nothing written


def test_an_archive_without_facts_has_nothing_to_plot(db_path):
    with Archive(db_path) as archive:
        archive.store_many([Capture(Article(url="https://example.police.uk/1", area="Kent", title="T",
                                            published="2024-01-01", body="B"))])
    with Archive(db_path, readonly=True) as archive, pytest.raises(AnalysisError, match="reparse --fields-only"):
        charts.chart(archive, "kinds-by-month")


# -- the charts in the docs, made again on the demo's archive ------------------------------------
CHART_BLOCK = re.compile(r"<!-- plot: herts-scraper plot (?P<args>[^>]*?) -->\n```text\n(?P<chart>.*?)```", re.S)


def doc_charts() -> list[tuple[str, str, str]]:
    """(file, arguments, chart) of every text chart the docs show, marked with the command that made it."""
    return [(path.name, m["args"], m["chart"]) for path in (ROOT / "README.md", ROOT / "docs" / "analysis.md")
            if path.exists() for m in CHART_BLOCK.finditer(path.read_text(encoding="utf-8"))]


@pytest.mark.slow  # a demo: the replica crawled, 300 articles
def test_the_docs_charts_are_what_the_command_makes_of_the_demo(tmp_path):
    shown = doc_charts()
    assert any(name == "analysis.md" for name, _, _ in shown), "docs/analysis.md shows no text chart"
    db = tmp_path / "archive" / "herts.db"
    demo = subprocess.run([*CLI, "demo", "--db", str(db), "--out", str(tmp_path / "exports")],
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    for name, args, expected in shown:
        made = subprocess.run([*CLI, "plot", *args.split(), "--db", str(db)], capture_output=True, text=True,
                              timeout=120)
        assert made.returncode == 0 and made.stdout == expected, f"{name}: herts-scraper plot {args}"
