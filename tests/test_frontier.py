"""The crawl past one machine: workers (`scrapy crawl news -s FRONTIER=redis://...`) on a shared
scrapy-redis frontier, a real redis-server on loopback, and the store process
(`herts-scraper store --frontier ...`) beside the archive."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from herts_scraper.archive.store import Archive
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import wait_for_articles

ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}
WORKER_TIMEOUT = "3"  # seconds: a SIGKILLed worker's requests are queued again soon after


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on loopback, without persistence; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (Debian's package redis-server; .ci/run installs it)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                             "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def start_store(url: str, db: Path, log: Path, worker_timeout: str = WORKER_TIMEOUT) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "herts_scraper", "store", "--frontier", url, "--db", str(db),
                             "--worker-timeout", worker_timeout], env=ENV, stdout=subprocess.PIPE,
                            stderr=log.open("w"), text=True)


def start_worker(url: str, base_url: str, folder: Path, *args: str) -> subprocess.Popen:
    """A worker, as on another machine: its own folder (its WARC files and crawl.log), no archive."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "news", "-s", f"FRONTIER={url}",
                             "-s", f"ARCHIVE_PATH={folder / 'herts.db'}", "-s", "LOG_LEVEL=INFO",
                             "-a", f"base_url={base_url}", *args], env=ENV, cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=(folder / "worker.log").open("w"))


def finish(store: subprocess.Popen, workers: list[subprocess.Popen]) -> str:
    out, _ = store.communicate(timeout=300)
    for worker in workers:
        worker.wait(60)
    return out


def assert_archived_once(db: Path, articles: int) -> dict:
    """Every article archived, each once; the run's row."""
    with Archive(db) as archive:
        assert archive.count() == articles
        assert archive.db["versions"].count == articles
        assert archive.db.execute("select max(versions) from articles").fetchone()[0] == 1
        assert archive.db.execute("select count(distinct url) from articles").fetchone()[0] == articles
        runs = archive.runs()
    assert len(runs) == 1
    return runs[0]


def archived(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from articles").fetchone()[0]


@pytest.mark.slow
def test_two_workers_and_a_store_archive_every_article_once(tmp_path, redis_url):
    db = tmp_path / "store" / "herts.db"
    with ReplicaServer(articles=1000) as server:
        store = start_store(redis_url, db, tmp_path / "store.log")
        workers = [start_worker(redis_url, server.base_url, tmp_path / f"worker{i}") for i in (1, 2)]
        out = finish(store, workers)
        fetched = server.stats()
    assert store.returncode == 0, (tmp_path / "store.log").read_text()[-3000:]
    assert [w.returncode for w in workers] == [0, 0]
    run = assert_archived_once(db, 1000)
    assert (run["status"], run["mode"], run["new"], run["changed"], run["failed"]) == ("ok", "full", 1000, 0, 0)
    assert run["requests"] >= 1000  # the workers' requests, summed
    assert "articles: 1000 new" in out and "(full): OK" in out  # the report, as a one-machine crawl prints it
    # Both workers did part of the work, each into its own WARC files.
    for i in (1, 2):
        assert list((tmp_path / f"worker{i}" / "warc").glob("*.warc.gz"))
        assert "worker " in (tmp_path / f"worker{i}" / "worker.log").read_text()
    # De-duplicated across the workers (scrapy-redis's fingerprints): each article page fetched once.
    assert fetched["requests"]["by_kind"]["article"] == 1000

    # The next run over the frontier is incremental: the store gave the workers what the archive knows.
    # A worker started with other arguments than the run's stops, without touching it.
    with ReplicaServer(articles=1010) as server:
        store = start_store(redis_url, db, tmp_path / "store2.log", worker_timeout="60")
        workers = [start_worker(redis_url, server.base_url, tmp_path / "worker1")]
        deadline = time.monotonic() + 60
        while "archiving into" not in (tmp_path / "store2.log").read_text():
            assert time.monotonic() < deadline and store.poll() is None, "the store never opened the run"
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGSTOP)  # the run cannot end while the odd worker comes
        try:
            odd = start_worker(redis_url, server.base_url, tmp_path / "worker3", "-a", "max_pages=2")
            odd.wait(60)
        finally:
            workers[0].send_signal(signal.SIGCONT)
        finish(store, workers)
    assert store.returncode == 0
    assert odd.returncode == 1
    assert "differ from the run's" in (tmp_path / "worker3" / "worker.log").read_text()
    with Archive(db) as archive:
        last = archive.runs()[-1]
        assert archive.count() == 1010
    assert (last["status"], last["mode"], last["new"]) == ("ok", "incremental", 10)


@pytest.mark.slow
def test_a_worker_killed_midway_loses_nothing(tmp_path, redis_url):
    db = tmp_path / "store" / "herts.db"
    with ReplicaServer(articles=1000) as server:
        store = start_store(redis_url, db, tmp_path / "store.log")
        doomed = start_worker(redis_url, server.base_url, tmp_path / "worker1")
        survivor = start_worker(redis_url, server.base_url, tmp_path / "worker2")
        wait_for_articles(db, 300, store, timeout=120)
        assert doomed.poll() is None, "the worker finished before it could be killed"
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        out = finish(store, [survivor])
    log = (tmp_path / "store.log").read_text()
    assert store.returncode == 0, log[-3000:]
    assert survivor.returncode == 0
    assert "silent for" in log  # the store saw the worker die and queued its requests again
    run = assert_archived_once(db, 1000)
    assert (run["status"], run["new"], run["changed"], run["failed"]) == ("ok", 1000, 0, 0)
    assert "articles: 1000 new" in out


def test_a_bad_frontier_url_is_one_line_and_status_2(tmp_path):
    worker = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-s", "FRONTIER=http://127.0.0.1:6379",
                             "-s", f"ARCHIVE_PATH={tmp_path / 'herts.db'}"], env=ENV, capture_output=True, text=True)
    store = subprocess.run([sys.executable, "-m", "herts_scraper", "store", "--frontier", "redis://127.0.0.1:x/0",
                            "--db", str(tmp_path / "herts.db")], capture_output=True, text=True, env=ENV)
    for result in (worker, store):
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "FRONTIER must be a Redis URL" in result.stderr


def test_a_frontier_that_does_not_answer_is_one_line_and_status_1(tmp_path):
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "store", "--frontier",
                             f"redis://127.0.0.1:{free_port()}/0", "--db", str(tmp_path / "herts.db")],
                            capture_output=True, text=True, timeout=60, env=ENV)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "does not answer" in result.stderr
    assert not (tmp_path / "herts.db").exists()
