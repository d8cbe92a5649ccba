"""The archive writer: in the crawl process and in its worker process, what it
stores, and what happens when either process dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from herts_scraper.archive.export import export
from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.store import Archive
from herts_scraper.archive.writer import ArchiveWriter, WorkerArchiveWriter, WriterConfig
from herts_scraper.crawl.items import FetchedPage, NotModified, PageFailure
from herts_scraper.replica.server import ReplicaServer
from herts_scraper.replica.site import ReplicaSite
from tests.conftest import wait_for_articles

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out

BASE = "http://127.0.0.1:9"
QUIET = ("-s", "LOG_LEVEL=WARNING", "-s", "RUN_REPORT=False")
ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}


def pages(site: ReplicaSite, indexes) -> list[FetchedPage]:
    out = []
    for i in indexes:
        path = site.stub(i).path("soh")
        response = site.respond("GET", path, base=BASE)
        assert response.status == 200
        out.append(FetchedPage(BASE + path, response.body, 200, "text/html; charset=utf-8", fetched_at="2026-11-21T00:00:00.000000+00:00"))
    return out


def config(db, **kw) -> WriterConfig:
    return WriterConfig(archive_path=str(db), run_id=None, profile="hertfordshire", base_url=BASE, **kw)


def test_the_writer_extracts_filters_and_stores_in_order(tmp_path):
    site = ReplicaSite(40)
    db = tmp_path / "herts.db"
    fetched = pages(site, range(40))
    since = site.expected_article(20).published[:10]
    writer = ArchiveWriter(config(db, since=since, batch_size=7))
    for page in fetched:
        writer.handle(page)
    writer.handle(FetchedPage(BASE + "/news/hertfordshire/news/junk/", b"\x00\x01\x02" * 50))
    writer.handle(NotModified(site.expected_article(30).url))
    writer.handle(PageFailure(BASE + "/gone/", "gone", "HTTP 404", 404, site.expected_article(39).url))
    writer.handle(PageFailure(BASE + "/never-archived/", "gone", "HTTP 404", 404, "https://x.example/never"))
    summary = writer.finish()
    kept = [i for i in range(40) if site.expected_article(i).published[:10] >= since]
    assert 0 < len(kept) < 40
    assert summary.counts.new == len(kept)
    assert summary.counts.skipped == 40 - len(kept)
    assert summary.counts.rejected == 1 and summary.counts.failed == 1  # the 404 of an unknown page
    assert summary.counts.not_modified == 1 and summary.counts.removed == 1
    assert summary.health.articles == len(kept) and not summary.health.problems()
    with Archive(db) as archive:
        assert archive.count() == len(kept)
        assert archive.article(site.expected_article(39).url)["removed_at"]
        assert archive.article(site.expected_article(kept[0]).url)["body"] == site.expected_article(kept[0]).body
        assert sorted(f["kind"] for f in archive.unresolved_failures()) == ["gone", "rejected"]


def test_the_worker_stores_everything_it_was_given_when_the_crawl_process_dies(tmp_path):
    db = tmp_path / "herts.db"
    site = ReplicaSite(60)
    writer = WorkerArchiveWriter(config(db, batch_size=1000))  # nothing is stored before the end
    for page in pages(site, range(60)):
        writer.handle(page)
    writer._items_out.close()  # the pipe closes without the end-of-items message, as when the crawl is killed
    assert writer.process.wait(30) == 0
    assert writer._done.wait(5)
    with Archive(db) as archive:
        assert archive.count() == 60
        assert archive.article(site.expected_article(59).url)["body"] == site.expected_article(59).body


def test_the_worker_keeps_the_archive_locked_until_it_has_stored_everything(tmp_path):
    db = tmp_path / "herts.db"
    site = ReplicaSite(5)
    lock = lock_archive(db)
    writer = WorkerArchiveWriter(config(db, batch_size=1000), lock.fileno())
    for page in pages(site, range(5)):
        writer.handle(page)
    lock.release()  # the crawl process lets go (or dies) while the writer still works
    try_lock = [sys.executable, "-c", f"from herts_scraper.archive.lock import lock_archive; lock_archive({str(db)!r})"]
    attempt = subprocess.run(try_lock, capture_output=True, text=True)
    assert attempt.returncode != 0 and "another crawl is writing" in attempt.stderr
    writer._items_out.close()
    assert writer.process.wait(30) == 0
    assert subprocess.run(try_lock, capture_output=True).returncode == 0
    with Archive(db) as archive:
        assert archive.count() == 5


def test_worker_and_in_process_writers_archive_the_same(tmp_path):
    with ReplicaServer(articles=150) as server:
        for name, in_worker in (("worker", True), ("inline", False)):
            cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={server.base_url}",
                   "-s", f"ARCHIVE_PATH={tmp_path / name / 'herts.db'}", "-s", f"ARCHIVE_WORKER={in_worker}", *QUIET]
            assert subprocess.run(cmd, env=ENV).returncode == 0
    outputs = {}
    for name in ("worker", "inline"):
        with Archive(tmp_path / name / "herts.db") as archive:
            assert archive.count() == 150
            export(archive, tmp_path / name / "out", "records")
        outputs[name] = {p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                         for p in (tmp_path / name / "out").rglob("*") if p.is_file()}
    assert len(outputs["worker"]) >= 150
    assert outputs["worker"] == outputs["inline"]


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the worker through /proc")
def test_a_dead_worker_fails_the_run_clearly_and_the_next_run_completes(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=3000) as server:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={server.base_url}",
               "-s", f"ARCHIVE_PATH={db}", *QUIET]
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for_articles(db, 100, proc)
        workers = [p for p in _children(proc.pid) if b"herts_scraper.archive.writer" in open(f"/proc/{p}/cmdline", "rb").read()]
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)  # as the OOM killer would
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 1
        assert "archive writer" in stderr
        with Archive(db) as archive:
            run = archive.runs()[-1]
            assert run["status"] == "failed:archive-writer"
            assert archive.count() < 3000
        assert subprocess.run(cmd, env=ENV).returncode == 0
    with Archive(db) as archive:
        assert archive.count() == 3000
        assert archive.runs()[-1]["mode"] == "full"  # after a failed run, everything is checked again


def test_sigterm_to_both_processes_ends_the_run_cleanly_with_nothing_lost(tmp_path):
    """systemd stops a unit by sending SIGTERM to every process in it."""
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=3000) as server:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={server.base_url}",
               "-s", f"ARCHIVE_PATH={db}", *QUIET]
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        wait_for_articles(db, 100, proc)
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(60) == 5  # interrupted: stopped on purpose, resumed by the next run
        with Archive(db) as archive:
            run = archive.runs()[-1]
            assert run["status"] == "interrupted"
            stored = archive.count()
            assert 100 <= stored < 3000
            assert run["new"] == stored  # every article the run counted is in the archive
        assert not list(_children(proc.pid))
