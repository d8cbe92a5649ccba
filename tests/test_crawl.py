"""End to end: `scrapy crawl news` over the replica, the archive, the export."""

from __future__ import annotations

import sqlite3

import pytest

from herts_scraper.archive.export import export
from herts_scraper.archive.store import Archive
from herts_scraper.demo import scrapy_crawl
from herts_scraper.record import parse_record, record_name, redumps_identically
from herts_scraper.replica.generator import generate_article
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out


def expected_records(count: int, generation: str) -> dict[str, str]:
    out = {}
    for i in range(count):
        article = generate_article(i).expected_article(generation)
        out[record_name(article.url)] = article.to_record()
    return out


@pytest.fixture(scope="module")
def soh_crawl(tmp_path_factory):
    """Two crawls of a 300-article SOH replica into one archive."""
    tmp = tmp_path_factory.mktemp("soh")
    db = tmp / "herts.db"
    with ReplicaServer(articles=300, generation="soh") as server:
        first = scrapy_crawl(server.base_url, str(db), "-s", "LOG_LEVEL=WARNING")
        second = scrapy_crawl(server.base_url, str(db), "-s", "LOG_LEVEL=WARNING")
    return tmp, db, first, second


def test_crawl_archives_every_article(soh_crawl):
    _, db, first, _ = soh_crawl
    assert first == 0
    with Archive(db) as archive:
        assert archive.count() == 300
        run = archive.runs()[0]
        assert (run["status"], run["new"], run["failed"], run["rejected"]) == ("ok", 300, 0, 0)
        assert run["requests"] >= 300 and run["bytes"] > 0 and run["finished"]
        # raw HTML is kept, compressed, and is the page that was served
        row = next(archive.articles())
        assert b"c-news-article" in archive.raw_html(row["url"])


def test_second_crawl_adds_no_duplicate(soh_crawl):
    _, db, _, second = soh_crawl
    assert second == 0
    with Archive(db) as archive:
        assert archive.count() == 300
        assert archive.db["versions"].count == 300  # the render timestamp is not a change
        run = archive.runs()[1]
        assert (run["mode"], run["new"], run["changed"], run["status"]) == ("incremental", 0, 0, "ok")


def test_export_gives_exactly_the_expected_records(soh_crawl):
    tmp, db, _, _ = soh_crawl
    out = tmp / "exports"
    with Archive(db) as archive:
        result = export(archive, out, "records")
    assert result["articles"] == 300
    files = {p.name: p.read_text(encoding="utf-8") for p in (out / "Hertfordshire").glob("*.md")}
    assert len(files) == 300
    for name, text in files.items():
        assert redumps_identically(text), name
        meta, _ = parse_record(text)
        assert record_name(meta["url"]) == name
    expected = expected_records(300, "soh")
    assert files.keys() == expected.keys()
    mismatched = [n for n in expected if files[n] != expected[n]]
    assert not mismatched, f"{len(mismatched)} records differ, e.g. {mismatched[:3]}"
    # exporting again rewrites nothing
    with Archive(db) as archive:
        assert export(archive, out, "records")["written"] == 0


def test_jsonl_and_csv_exports(soh_crawl):
    import csv
    import json

    tmp, db, _, _ = soh_crawl
    with Archive(db) as archive:
        export(archive, tmp / "x", "jsonl")
        export(archive, tmp / "x", "csv")
    rows = [json.loads(line) for line in (tmp / "x" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 300 and {"url", "title", "body", "published", "record_date", "found_by"} <= rows[0].keys()
    with (tmp / "x" / "articles.csv").open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 300 and table[0]["url"] == rows[0]["url"]


def test_archive_is_sound(soh_crawl):
    _, db, _, _ = soh_crawl
    conn = sqlite3.connect(db)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(*) from articles_fts where articles_fts match 'Hertfordshire'").fetchone()[0] > 0


def test_legacy_generation_crawl(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=60, generation="legacy") as server:
        assert scrapy_crawl(server.base_url, str(db), "-s", "LOG_LEVEL=WARNING") == 0
    with Archive(db) as archive:
        export(archive, tmp_path / "out", "records")
        assert archive.count() == 60
    files = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "Hertfordshire").glob("*.md")}
    assert files == expected_records(60, "legacy")


def test_max_pages_and_since_limit_the_crawl(tmp_path):
    with ReplicaServer(articles=300, generation="soh") as server:
        db1 = tmp_path / "pages.db"
        assert scrapy_crawl(server.base_url, str(db1), "-a", "max_pages=2", "-s", "LOG_LEVEL=WARNING") == 0
        cutoff = generate_article(250).published.date()
        db2 = tmp_path / "since.db"
        assert scrapy_crawl(server.base_url, str(db2), "-a", f"since={cutoff}", "-s", "LOG_LEVEL=WARNING") == 0
    with Archive(db1) as archive:
        # two pages of the news listing and of the search, plus the RSS feed; no sitemap
        assert 20 <= archive.count() < 100
    expected = {generate_article(i).expected_article("soh").url for i in range(300)
                if generate_article(i).published and generate_article(i).published.date() >= cutoff}
    with Archive(db2) as archive:
        got = {row["url"] for row in archive.articles()}
    # undated articles cannot be judged by date and are kept
    assert expected <= got
    assert all(row_date is None or row_date[:10] >= cutoff.isoformat()
               for row_date in (r["published"] for r in Archive(db2).articles()))


def test_a_profile_given_as_a_yaml_path_reaches_the_archive_writer(tmp_path):
    """The writer process loads the profile again: by the path given, not by the profile's name."""
    custom = tmp_path / "my-herts.yaml"
    text = (ROOT / "herts_scraper" / "profiles" / "hertfordshire.yaml").read_text(encoding="utf-8")
    custom.write_text(text.replace("name: hertfordshire", "name: my-herts"), encoding="utf-8")
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=20, generation="soh") as server:
        assert scrapy_crawl(server.base_url, str(db), "-a", f"profile={custom}", "-s", "LOG_LEVEL=WARNING") == 0
    with Archive(db) as archive:
        assert archive.count() == 20
        assert '"profile": "my-herts"' in archive.runs()[0]["args"]
