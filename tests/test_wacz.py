"""`herts-scraper export --format wacz`: a WACZ that `wacz validate` accepts and pywb replays,
made from a crawl and a full sweep of the replica; clear refusals when it cannot be made."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from herts_scraper.archive.store import Archive
from herts_scraper.crawl.warc import warc_date_of
from tests.test_warc_replay import (
    ARTICLES,
    Wayback,
    assert_replays_with_headline,
    crawl_and_sweep,
    latest_capture,
    wb_manager,
)

if sys.version_info < (3, 11):
    pytest.skip("py-wacz (the wacz extra) needs Python 3.11 or newer", allow_module_level=True)


def herts_scraper(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "herts_scraper", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    return crawl_and_sweep(tmp_path_factory.mktemp("swept"))


@pytest.fixture(scope="module")
def exported(swept, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "out"
    result = herts_scraper("export", "--db", swept, "--format", "wacz", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported {ARTICLES} articles (1 files written) to {out / 'herts.wacz'}"
    return out / "herts.wacz"


@pytest.mark.slow
def test_the_export_is_one_wacz_file_that_wacz_validate_accepts(exported):
    assert [p.name for p in exported.parent.iterdir()] == ["herts.wacz"]  # nothing else left in --out
    result = subprocess.run([Path(sys.executable).parent / "wacz", "validate", "-f", exported], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Version detected as 1.1.1" in result.stdout and "the passed WACZ is valid" in result.stdout


@pytest.mark.slow
def test_the_wacz_holds_the_warcs_an_index_with_the_revisits_and_the_articles_pages(swept, exported):
    warcs = sorted(p.name for p in (swept.parent / "warc").glob("*.warc.gz"))
    with zipfile.ZipFile(exported) as z:
        names = z.namelist()
        assert sorted(n.removeprefix("archive/") for n in names if n.startswith("archive/")) == warcs
        for name in warcs:
            assert z.read(f"archive/{name}") == (swept.parent / "warc" / name).read_bytes()
        index = [line.split(" ", 2) for line in gzip.decompress(z.read("indexes/index.cdx.gz")).decode().splitlines()]
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
        package = json.loads(z.read("datapackage.json"))
    assert package["wacz_version"] == "1.1.1"
    captures = {(json.loads(rest)["url"], ts): json.loads(rest) for _, ts, rest in index}
    assert sum(c.get("mime") == "warc/revisit" for c in captures.values()) == ARTICLES
    assert pages[0]["format"] == "json-pages-1.0"
    with Archive(swept, readonly=True) as archive:
        rows = {row["fetched_url"]: row for row in archive.articles()}
    assert len(pages[1:]) == ARTICLES
    for page in pages[1:]:
        row = rows[page["url"]]
        assert page["title"] == row["title"] and page["ts"] == warc_date_of(row["last_changed"])
        # each page is a capture of the index: the response that brought the archived version
        timestamp = "".join(c for c in page["ts"] if c.isdigit())[:14]
        assert captures[(page["url"], timestamp)]["status"] == "200"


@pytest.mark.slow
def test_pywb_replays_the_wacz(swept, exported, tmp_path):
    wb_manager(tmp_path, "init", "herts")
    wb_manager(tmp_path, "add", "--unpack-wacz", "herts", exported)
    url, timestamp = latest_capture(swept.parent / "warc")
    with Archive(swept, readonly=True) as archive:
        title = next(row["title"] for row in archive.articles() if row["fetched_url"] == url)
    with Wayback(tmp_path) as wayback:
        assert_replays_with_headline(wayback, "herts", url, timestamp, title)


def small_archive_without_warcs(tmp_path: Path) -> Path:
    db = tmp_path / "archive" / "herts.db"
    Archive(db).close()
    return db


def test_without_warcs_the_export_refuses_in_one_line(tmp_path):
    db = small_archive_without_warcs(tmp_path)
    out = tmp_path / "out"
    result = herts_scraper("export", "--db", db, "--format", "wacz", "--out", out)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("herts-scraper export: no WARC files in ") and str(db.parent / "warc") in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_without_py_wacz_the_export_says_how_to_install_it(tmp_path):
    db = small_archive_without_warcs(tmp_path)
    (db.parent / "warc").mkdir()
    (db.parent / "warc" / "x.warc.gz").write_bytes(b"")
    hide = ("import sys; sys.modules['wacz'] = None; from herts_scraper.cli import main; "
            f"sys.exit(main(['export', '--db', {str(db)!r}, '--format', 'wacz', '--out', {str(tmp_path / 'out')!r}]))")
    result = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == ("herts-scraper export: the wacz format needs py-wacz, which is not installed: "
                                     "pip install 'herts-scraper[wacz]'")
