"""Nightly archiving against a replica that grows, changes and fails:
incremental runs, versions, tombstones, WARC rebuilds, kills and locks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from herts_scraper import EXTRACTOR_VERSION
from herts_scraper.archive.export import export
from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.store import Archive
from herts_scraper.demo import scrapy_crawl
from herts_scraper.replica.generator import generate_article
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import wait_for_articles

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out

QUIET = ("-s", "LOG_LEVEL=WARNING", "-s", "RUN_REPORT=False")


def crawl(server, db, *args):
    return scrapy_crawl(server.base_url, str(db), *QUIET, *args)


def article_responses(warc_file: Path) -> list[tuple[str, int]]:
    out = []
    with warc_file.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                url = record.rec_headers.get_header("WARC-Target-URI")
                if "/news/hertfordshire/news/" in url and url.count("/") > 7:
                    out.append((url, int(record.http_headers.get_statuscode())))
    return out


def url_of(index: int, generation="soh") -> str:
    return generate_article(index).expected_article(generation).url


def test_incremental_run_fetches_only_new_articles(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=300) as server:
        assert crawl(server, db) == 0
    with ReplicaServer(articles=310) as server:
        assert crawl(server, db) == 0
    with Archive(db) as archive:
        first, second = archive.runs()
        assert (first["mode"], second["mode"]) == ("full", "incremental")
        assert (second["new"], second["changed"], second["removed"]) == (10, 0, 0)
        assert archive.count() == 310
    warcs = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(warcs) == 2
    fetched = article_responses(warcs[1])
    assert len(fetched) == 10 and {status for _, status in fetched} == {200}
    assert second["requests"] <= 10 + 3 + 6  # articles + robots, feed, sitemap + a few listing pages


def test_full_sweep_uses_conditional_requests_and_records_removals(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=120) as server:
        assert crawl(server, db) == 0
    with ReplicaServer(articles=120, removed={7, 8}) as server:
        assert crawl(server, db, "-a", "mode=full") == 0
    with Archive(db) as archive:
        run = archive.runs()[-1]
        assert run["not_modified"] == 118 and run["removed"] == 2
        assert archive.article(url_of(7))["removed_at"]
        assert archive.count() == 120  # tombstones, never deletions
        export(archive, tmp_path / "live", "records")
        export(archive, tmp_path / "all", "records", include_removed=True)
    assert len(list((tmp_path / "live" / "Hertfordshire").glob("*.md"))) == 118
    assert len(list((tmp_path / "all" / "Hertfordshire").glob("*.md"))) == 120


def test_an_edit_gives_a_second_version_and_history_shows_the_diff(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=100) as server:
        assert crawl(server, db) == 0
    with ReplicaServer(articles=100, edits={95: 1}) as server:
        assert crawl(server, db) == 0  # incremental: the teaser's title changed
    url = url_of(95)
    with Archive(db) as archive:
        versions = archive.versions(url)
        assert len(versions) == 2 and archive.count() == 100
        assert versions[1]["title"].startswith("UPDATED: ")
        assert archive.runs()[-1]["changed"] == 1
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "history", url, "--db", str(db)],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0
    assert "2 version(s)" in result.stdout and "+title: 'UPDATED: " in result.stdout.replace('"', "'")
    assert "Updated News Post" in result.stdout


def test_a_404_on_an_archived_article_gives_a_tombstone(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=50) as server:
        assert crawl(server, db) == 0
    with ReplicaServer(articles=50, removed={3}, gone_status=410) as server:
        assert crawl(server, db, "-a", "mode=full") == 0
    with Archive(db) as archive:
        row = archive.article(url_of(3))
        assert row["removed_at"] and row["body"]


def test_rebuild_from_warc_alone_gives_the_same_records(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=80) as server:
        assert crawl(server, db) == 0
    with ReplicaServer(articles=80, edits={70: 1}) as server:
        assert crawl(server, db) == 0
    rebuilt = tmp_path / "rebuilt.db"
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "reparse", "--warc", str(tmp_path / "warc"),
                             "--db", str(rebuilt)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with Archive(db) as a, Archive(rebuilt) as b:
        export(a, tmp_path / "a", "records")
        export(b, tmp_path / "b", "records")
        assert b.db["versions"].count == a.db["versions"].count == 81
        assert {r["extractor_version"] for r in b.db.query("select extractor_version from articles")} == {EXTRACTOR_VERSION}
    files_a = {p.name: p.read_bytes() for p in (tmp_path / "a").rglob("*.md")}
    files_b = {p.name: p.read_bytes() for p in (tmp_path / "b").rglob("*.md")}
    assert len(files_a) == 80 and files_a == files_b


def test_a_second_crawl_on_the_same_archive_exits_at_once(tmp_path):
    db = tmp_path / "herts.db"
    lock = lock_archive(db)  # as a running crawl holds it
    try:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", "base_url=http://127.0.0.1:9",
                                 "-s", f"ARCHIVE_PATH={db}"], capture_output=True, text=True,
                                env={**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"})
        assert time.monotonic() - started < 15
    finally:
        lock.release()
    assert result.returncode == 75
    assert "another crawl is writing to" in result.stderr and f"pid {os.getpid()}" in result.stderr


def test_a_crawl_killed_with_sigkill_is_finished_by_the_next(tmp_path):
    db = tmp_path / "herts.db"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}
    with ReplicaServer(articles=1500) as server:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={server.base_url}",
               "-s", f"ARCHIVE_PATH={db}", *QUIET]
        for attempt in range(2):  # kill it twice, at different points
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for_articles(db, 200 * (attempt + 1), proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        lock_archive(db, wait=60).release()  # the archive writer has stored what it held, and let go
        conn = sqlite3.connect(db)
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        partial_count = conn.execute("select count(*) from articles").fetchone()[0]
        conn.close()
        assert 0 < partial_count < 1500
        assert subprocess.run(cmd, env=env).returncode == 0
    with Archive(db) as archive:
        assert archive.count() == 1500
        assert archive.db["versions"].count == 1500  # no duplicate, no spurious version
        statuses = [r["status"] for r in archive.runs()]
        assert statuses == ["killed", "killed", "ok"]
        last = archive.runs()[-1]
        assert last["mode"] == "full"  # the killed runs were full sweeps: the next one goes on with it
        # ... without redoing their work: only the articles they had not stored are fetched
        assert (last["new"], last["unchanged"], last["not_modified"]) == (1500 - partial_count, 0, 0)
        assert archive.get_meta("last_full_sweep") == archive.runs()[0]["started"]  # one sweep, over three runs


def test_a_crawl_under_faults_loses_nothing(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=300, faults=True, fault_timeout=3) as server:
        first = crawl(server, db, "-s", "DOWNLOAD_TIMEOUT=2")
        second = crawl(server, db, "-s", "DOWNLOAD_TIMEOUT=2")
    with Archive(db) as archive:
        archived = {r["url"] for r in archive.articles()}
        failed = {f["url"] for f in archive.unresolved_failures()}
        runs = archive.runs()
    expected = {url_of(i) for i in range(300)}
    # every article is archived, or recorded as failed (to be retried first next run)
    missing = expected - archived
    assert all(any(f.endswith(u.split(".uk", 1)[1]) for f in failed) for u in missing)
    assert len(archived & expected) >= 297
    # the redirect loop is a recorded failure, and the exit status says so
    assert any("redirect" in f for f in failed)
    assert first == 3 and second == 3 and runs[0]["failed"] >= 1
