"""The archive as analysts read it: a London date to group by, ISO 8601 validators, the raw HTML
in its own table (readable from SQL, the sqlite3 shell included), run ids as foreign keys."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import subprocess
from contextlib import closing

import pytest

from herts_scraper.archive import schema
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.record import Article

URL = "https://www.herts.police.uk/news-and-appeals/"


def article(name: str, published: str | None, body: str = "Police are appealing.\n") -> Article:
    return Article(url=URL + name, area="Hertfordshire", title=name.title(), published=published, body=body)


@pytest.mark.parametrize(("published", "date"), [
    ("2026-07-01T23:30:00+00:00", "2026-07-02"),  # 00:30 BST
    ("2026-12-01T23:30:00+00:00", "2026-12-01"),  # GMT
    ("2026-07-02T00:15:00+01:00", "2026-07-02"),
    ("2026-03-29T00:30:00Z", "2026-03-29"),
    ("2026-07-01", "2026-07-01"),  # a date alone is its own date
    ("2026-07-01T23:30:00", "2026-07-01"),  # no offset: as written
    ("not a date", None),
    (None, None),
])
def test_london_date(published, date):
    assert schema.london_date(published) == date


def test_published_date_is_written_with_every_version_and_replay(db_path):
    late = article("late-night-arrest", "2026-07-01T23:30:00+00:00")
    with Archive(db_path) as archive:
        archive.store_many([Capture(late, b"<html>1</html>")])
        assert archive.article(late.url)["published_date"] == "2026-07-02"
        archive.store_many([Capture(dataclasses.replace(late, published="2026-06-30"), b"<html>2</html>")])
        assert archive.article(late.url)["published_date"] == "2026-06-30"
        replayed = article("replayed", "2026-10-25T23:59:00+00:00")  # GMT again that day
        archive.replay_many([Capture(replayed, b"<html></html>", fetched_at="2026-10-26T08:00:00+00:00")])
        assert archive.article(replayed.url)["published_date"] == "2026-10-25"


def test_last_modified_is_iso_8601_and_the_spider_gets_an_http_date_back(db_path):
    cap = Capture(article("a", "2026-11-20"), b"<html></html>", last_modified="Fri, 20 Nov 2026 09:50:00 GMT")
    odd = Capture(article("b", "2026-11-20"), b"<html></html>", last_modified="last tuesday")
    with Archive(db_path) as archive:
        archive.store_many([cap, odd])
        assert archive.article(cap.article.url)["last_modified"] == "2026-11-20T09:50:00+00:00"
        assert archive.article(odd.article.url)["last_modified"] == "last tuesday"  # kept as sent
        known = archive.known()
        assert known[cap.article.url].last_modified == "Fri, 20 Nov 2026 09:50:00 GMT"
        assert known[odd.article.url].last_modified == "last tuesday"
        archive.store_many([dataclasses.replace(cap, last_modified="Sat, 21 Nov 2026 10:00:00 +0100")])  # unchanged
        assert archive.article(cap.article.url)["last_modified"] == "2026-11-21T09:00:00+00:00"


def test_raw_html_has_its_own_table_and_sql_reads_it(db_path):
    page = b"<html><body>" + "Caf\u00e9 burglary. ".encode() * 200 + b"</body></html>"
    tiny = b"<p>"  # compression would not save anything: stored as is, as sqlar does
    with Archive(db_path) as archive:
        archive.store_many([Capture(article("page", "2026-11-20"), page), Capture(article("tiny", "2026-11-20"), tiny)])
        assert "raw_html" not in archive.db["articles"].columns_dict
        assert archive.raw_html(URL + "page") == page and archive.raw_html(URL + "tiny") == tiny
        stored = dict(archive.db.execute("select url, length(raw_html) < size from article_html").fetchall())
        assert stored == {URL + "page": 1, URL + "tiny": 0}
        pages = dict(archive.db.execute("select url, html from article_pages").fetchall())
        assert pages == {URL + "page": page.decode(), URL + "tiny": tiny.decode()}
        archive.store_many([Capture(article("tiny", "2026-11-20", body="Edited.\n"))])  # a version without HTML
        assert archive.raw_html(URL + "tiny") is None
    with Archive(db_path, readonly=True) as archive:  # read-only connections have the function too
        assert archive.db.execute("select html from article_pages").fetchall() == [(page.decode(),)]


def test_the_sqlite3_shell_reads_the_raw_html(db_path):
    """README's recipe for plain sqlite3 users: the shell's own sqlar_uncompress, and the view."""
    if shutil.which("sqlite3") is None:
        pytest.fail("the sqlite3 shell is not installed (apt-get install sqlite3; .ci/run does)")
    page = b"<html><body>" + b"A burglary in Stevenage. " * 100 + b"</body></html>"
    with Archive(db_path) as archive:
        archive.store_many([Capture(article("page", "2026-11-20"), page)])
    for sql in (f"select sqlar_uncompress(raw_html, size) from article_html where url = '{URL}page'",
                "select html from article_pages"):
        shell = subprocess.run(["sqlite3", "-readonly", str(db_path), sql], capture_output=True, timeout=30)
        assert shell.returncode == 0 and shell.stdout == page + b"\n", shell.stderr


def test_run_ids_are_foreign_keys_to_crawl_runs(db_path):
    with Archive(db_path) as archive:
        for table in ("articles", "versions", "failures"):
            keys = {(fk.column, fk.other_table, fk.other_column) for fk in archive.db[table].foreign_keys}
            assert ("run_id", "crawl_runs", "id") in keys, table
        run = archive.start_run("news", None, {})
        archive.store_many([Capture(article("a", "2026-11-20"))], run)
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            archive.store_many([Capture(article("b", "2026-11-20"))], run + 1)
        assert archive.count() == 1
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("pragma foreign_key_check").fetchall() == []
