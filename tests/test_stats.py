"""`herts-scraper stats`: articles counted by month, force, kind, offence and place, each group
with its counts of each kind; tidy CSV (one header line, one line per group), JSON and a table.
The archive is a real SQLite file written through the store, its facts made by hand."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper.analysis.selection import Selection
from herts_scraper.analysis.stats import stats
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article

CLI = [sys.executable, "-m", "herts_scraper", "stats"]


def story(n: int, area: str, published: str | None, kinds: list[str], offences=(), places=()) -> Capture:
    facts = [Fact("kinds", k, "t") for k in kinds] + [Fact("offences", o, "t") for o in offences]
    facts += [Fact("places", name, "t", {"lat": lat, "lon": lon}) for name, lat, lon in places]
    return Capture(Article(url=f"https://example.police.uk/news/{n}", area=area, title=f"Story {n}",
                           published=published, body=f"Story number {n}."), facts=facts)


WATFORD = ("Watford", 51.656, -0.390)
STEVENAGE = ("Stevenage", 51.902, -0.202)
DOVER = ("Dover", 51.127, 1.313)


@pytest.fixture
def archive_db(db_path) -> Path:
    with Archive(db_path) as archive:
        archive.store_many([
            story(1, "Hertfordshire", "2024-01-05T10:00:00+00:00", ["appeal"], ["burglary"], [WATFORD]),
            story(2, "Hertfordshire", "2024-01-20T10:00:00+00:00", ["appeal", "missing"], [], [STEVENAGE]),
            story(3, "Hertfordshire", "2024-02-01T00:30:00+00:00", ["charge"], ["burglary"], [WATFORD, STEVENAGE]),
            story(4, "Kent", "2024-01-31T23:30:00+00:00", ["court"], ["robbery"], [DOVER]),  # GMT in winter: still January in London
            story(5, "Kent", "2024-03-10T10:00:00+00:00", ["appeal"], ["robbery", "burglary"], [DOVER]),
            story(6, "Kent", None, ["event"]),
        ])
    return db_path


def counted(db: Path, by: str, **filters) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return stats(archive, by, Selection(**filters)).rows


def test_by_month_in_time_order_with_the_kinds(archive_db):
    with Archive(archive_db, readonly=True) as archive:
        table = stats(archive, "month")
    assert table.columns == ["month", "articles", "appeal", "charge", "court", "event", "missing"]
    assert table.rows == [
        {"month": "2024-01", "articles": 3, "appeal": 2, "charge": 0, "court": 1, "event": 0, "missing": 1},
        {"month": "2024-02", "articles": 1, "appeal": 0, "charge": 1, "court": 0, "event": 0, "missing": 0},
        {"month": "2024-03", "articles": 1, "appeal": 1, "charge": 0, "court": 0, "event": 0, "missing": 0},
        {"month": None, "articles": 1, "appeal": 0, "charge": 0, "court": 0, "event": 1, "missing": 0},
    ]


def test_by_force_kind_offence_and_place(archive_db):
    assert [(r["force"], r["articles"], r["appeal"]) for r in counted(archive_db, "force")] == [
        ("Hertfordshire", 3, 2), ("Kent", 3, 1)]
    assert counted(archive_db, "kind") == [{"kind": "appeal", "articles": 3}, {"kind": "charge", "articles": 1},
                                           {"kind": "court", "articles": 1}, {"kind": "event", "articles": 1},
                                           {"kind": "missing", "articles": 1}]
    assert [(r["offence"], r["articles"], r["appeal"], r["court"]) for r in counted(archive_db, "offence")] == [
        ("burglary", 3, 2, 0), ("robbery", 2, 1, 1)]
    assert [(r["place"], r["latitude"], r["longitude"], r["articles"], r["appeal"])
            for r in counted(archive_db, "place")] == [
        ("Dover", 51.127, 1.313, 2, 1), ("Stevenage", 51.902, -0.202, 2, 1), ("Watford", 51.656, -0.390, 2, 1)]


def test_filters(archive_db):
    assert [(r["month"], r["articles"]) for r in counted(archive_db, "month", forces=["kent"])] == [
        ("2024-01", 1), ("2024-03", 1), (None, 1)]
    assert [(r["force"], r["articles"]) for r in counted(archive_db, "force", kinds=["appeal"], since="2024-01-10")] \
        == [("Hertfordshire", 1), ("Kent", 1)]
    assert [(r["place"], r["articles"]) for r in counted(archive_db, "place", offences=["burglary"])] == [
        ("Watford", 2), ("Dover", 1), ("Stevenage", 1)]
    assert counted(archive_db, "kind", places=["dover"], until="2024-02") == [{"kind": "court", "articles": 1}]


def test_an_archive_without_facts_counts_articles(db_path):
    with Archive(db_path) as archive:
        archive.store_many([Capture(Article(url=f"https://example.police.uk/{n}", area="Kent", title="T",
                                            published=f"2024-0{n}-01", body="B")) for n in (1, 2, 2)])
    with Archive(db_path, readonly=True) as archive:
        table = stats(archive, "month")
        assert table.columns == ["month", "articles"] and table.rows == [{"month": "2024-01", "articles": 1},
                                                                          {"month": "2024-02", "articles": 1}]
        assert stats(archive, "kind").rows == []


def test_csv_json_and_table_on_the_command_line(archive_db):
    def cli(*args: str) -> str:
        result = subprocess.run([*CLI, "--db", str(archive_db), *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        return result.stdout

    text = cli("--by", "force", "--format", "csv")
    assert text.splitlines()[0] == "force,articles,appeal,charge,court,event,missing"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["force"], int(r["articles"]), int(r["appeal"])) for r in rows] == [("Hertfordshire", 3, 2), ("Kent", 3, 1)]
    months = list(csv.DictReader(io.StringIO(cli("--format", "csv"))))
    assert months[-1]["month"] == "" and months[-1]["articles"] == "1"  # undated: an empty cell, as pandas reads NaN
    assert json.loads(cli("--by", "kind", "--format", "json", "--force", "Kent"))[0] == {"kind": "appeal", "articles": 1}
    table = cli("--by", "offence").splitlines()
    assert table[0].split() == ["offence", "articles", "appeal", "charge", "court", "event", "missing"]
    assert table[1].split() == ["burglary", "3", "2", "1", "0", "0", "0"]
    assert table[1].index("3") == table[0].index("articles") + len("articles") - 1  # numbers to the right


def test_bad_options_are_one_line_errors(archive_db):
    for args, message in ((["--by", "week"], "invalid choice: 'week'"),
                          (["--place", "Atlantis"], "--place Atlantis: no article of the archive is about a place"),
                          (["--until", "yesterday"], "'yesterday' is not a date")):
        result = subprocess.run([*CLI, "--db", str(archive_db), *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and result.stdout == "" and message in result.stderr
        assert "Traceback" not in result.stderr
