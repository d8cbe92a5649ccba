"""`status`, `history` and `export --out -` on real archive files: what they read, that they never
write, and that a reader closing the pipe early (`| head`) ends them quietly."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.schema import RunCounts
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.cli import EXIT_BROKEN_PIPE
from herts_scraper.record import Article

ORIGIN = "https://www.herts.police.uk"
PATH = "/news/hertfordshire/news/2024/march/man-charged-after-burglary-in-hitchin/"
MIRROR = "http://127.0.0.1:8000"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd)


def capture(i: int, *, url: str | None = None, fetched_url: str | None = None, title: str = "Title") -> Capture:
    url = url or f"{ORIGIN}/news/hertfordshire/news/2024/march/article-{i}/"
    article = Article(url=url, area="Hertfordshire", title=f"{title} {i}", description="What happened.",
                      published=f"2024-03-{1 + i % 28:02d}", body=f"Paragraph {i}. " * 50)
    return Capture(article, b"<html></html>", fetched_url=fetched_url or url)


@pytest.fixture
def archive_with_runs(tmp_path) -> Path:
    """Run 1: a full sweep (new articles); run 2: a full sweep with 304s and removals."""
    db = tmp_path / "archive" / "herts.db"
    with Archive(db) as archive:
        run = archive.start_run("news", ORIGIN, {}, "full")
        archive.store_many([capture(i) for i in range(12)], run)
        archive.finish_run(run, "ok", RunCounts(new=12, requests=20))
        run = archive.start_run("news", ORIGIN, {}, "full")
        for i in range(10):
            archive.touch(capture(i).article.url, run_id=run)
        archive.mark_removed(capture(10).article.url)
        archive.mark_removed(capture(11).article.url)
        archive.finish_run(run, "ok", RunCounts(not_modified=10, removed=2, requests=14))
    return db


def run_table(stdout: str) -> dict[str, list[str]]:
    """status's table of runs: {run id: its cells}."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("run "))
    rows = {}
    for line in lines[start + 1:]:
        cells = line.split()
        if not cells or not cells[0].isdigit():
            break
        rows[cells[0]] = cells
    return rows


def test_status_shows_each_run_with_304s_removals_and_duration(archive_with_runs):
    result = cli("status", "--db", str(archive_with_runs))
    assert result.returncode == 0, result.stderr
    assert "12 articles (2 removed)" in result.stdout
    runs = run_table(result.stdout)
    # id, date, time, mode, status, new, changed, unchanged, 304, removed, failed, duration, unit
    assert runs["1"][3:11] == ["full", "ok", "12", "0", "0", "0", "0", "0"]
    assert runs["2"][3:11] == ["full", "ok", "0", "0", "0", "10", "2", "0"]
    assert runs["2"][-1] == "s" and float(runs["2"][-2]) >= 0


KILLED_CRAWL = textwrap.dedent("""
    import os, signal, sys
    from herts_scraper.archive.lock import lock_archive
    from herts_scraper.archive.store import Archive
    from tests.test_cli_read import capture
    lock = lock_archive(sys.argv[1])  # as a crawl holds it
    archive = Archive(sys.argv[1])
    run = archive.start_run("news", "https://www.herts.police.uk", {}, "full")
    archive.store_many([capture(i, title="Killed") for i in range(20, 27)], run)
    archive.record_failure("https://www.herts.police.uk/news/x/", "http", "503", 503, run)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def contents(folder: Path) -> dict[str, bytes]:
    """The archive, its WAL and its lock file (not -shm: SQLite's shared index, which readers use)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.endswith("-shm")}


def test_status_reads_a_killed_run_without_the_lock_and_without_writing(archive_with_runs):
    db = archive_with_runs
    killed = subprocess.run([sys.executable, "-c", KILLED_CRAWL, str(db)], cwd=Path(__file__).parents[1])
    assert killed.returncode == -signal.SIGKILL
    before = contents(db.parent)

    result = cli("status", "--db", str(db))
    assert result.returncode == 0, result.stderr
    runs = run_table(result.stdout)
    # the run's row has no counts (it never ended): they come from what it stored
    assert runs["3"][3:11] == ["full", "killed", "7", "0", "?", "?", "?", "1"]
    assert runs["3"][11] == ">="
    assert "killed: run 3 is still marked running, but its crawl is gone" in result.stdout
    assert contents(db.parent) == before  # read only: the run is still marked running, for the next crawl to close
    with Archive(db, readonly=True) as archive:
        assert archive.runs()[-1]["status"] == "running"


def test_status_shows_a_live_crawl_as_running(archive_with_runs):
    db = archive_with_runs
    lock = lock_archive(db)  # this process is the crawl: alive
    try:
        with Archive(db) as archive:
            run = archive.start_run("news", ORIGIN, {}, "incremental")
            archive.store_many([capture(30)], run)
        result = cli("status", "--db", str(db))
    finally:
        lock.release()
    assert result.returncode == 0, result.stderr
    row = run_table(result.stdout)[str(run)]
    assert row[3:7] == ["incremental", "running", "1", "0"] and row[-2:] == ["so", "far"]
    assert "killed" not in result.stdout


@pytest.fixture
def mirrored(tmp_path) -> Path:
    """An article archived from a mirror (keyed on the real site), edited once; and its neighbours."""
    db = tmp_path / "herts.db"
    with Archive(db) as archive:
        archive.store_many([capture(i) for i in range(5)])
        archive.store_many([capture(0, url=ORIGIN + PATH, fetched_url=MIRROR + PATH)])
        archive.store_many([capture(0, url=ORIGIN + PATH, fetched_url=MIRROR + PATH, title="UPDATED: Title")])
    return db


@pytest.mark.parametrize("given", [
    ORIGIN + PATH,                              # the canonical URL
    ORIGIN + PATH.rstrip("/"),                  # without its trailing slash
    MIRROR + PATH,                              # as fetched (articles.fetched_url)
    MIRROR + PATH.rstrip("/"),                  # as fetched, without the slash
    "HTTP://WWW.Herts.Police.UK" + PATH,        # scheme and host in capitals
    "http://localhost:9999" + PATH,             # another mirror: the same path on the profile's origin
    ORIGIN + "/news/hertfordshire/news/2024/x/../march/man-charged-after-burglary-in-hitchin",
])
def test_history_finds_an_article_however_its_url_is_given(mirrored, given):
    result = cli("history", given, "--db", str(mirrored))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{ORIGIN + PATH}: 2 version(s)")
    assert "+title: 'UPDATED: Title 0'" in result.stdout.replace('"', "'")


def test_history_says_in_one_line_when_nothing_matches_with_the_closest(mirrored):
    result = cli("history", ORIGIN + "/news/hertfordshire/news/2024/march/man-charged-after-burglary-in-hitchen/",
                 "--db", str(mirrored))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "is not in" in result.stderr
    assert f"closest: {ORIGIN + PATH}" in result.stderr
    result = cli("history", "https://www.herts.police.uk/news/nothing-like-it/", "--db", str(mirrored))
    assert result.returncode == 1 and "closest" not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_to_stdout_is_the_export_file(tmp_path, archive_with_runs, fmt):
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "export", "--db", str(archive_with_runs),
                             "--format", fmt, "--out", "-", "--include-removed"], capture_output=True)
    assert result.returncode == 0 and result.stderr == b""
    assert cli("export", "--db", str(archive_with_runs), "--format", fmt, "--out", str(tmp_path / "e"),
               "--include-removed").returncode == 0
    assert result.stdout == (tmp_path / "e" / f"articles.{fmt}").read_bytes()
    text = result.stdout.decode("utf-8")
    rows = ([json.loads(line) for line in text.splitlines()] if fmt == "jsonl"
            else list(csv.DictReader(io.StringIO(text, newline=""))))
    assert len(rows) == 12


def test_export_to_stdout_takes_only_stream_formats(archive_with_runs):
    result = cli("export", "--db", str(archive_with_runs), "--out", "-")
    assert result.returncode == 2 and result.stdout == ""
    assert "--out - writes one stream: --format jsonl or csv" in result.stderr


def closed_early(*args: str, read: int = 0) -> tuple[int, bytes]:
    """Run the command into a pipe whose reader reads `read` bytes, then closes it (as `head` does)."""
    proc = subprocess.Popen([sys.executable, "-m", "herts_scraper", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    if read:
        proc.stdout.read(read)
    proc.stdout.close()
    stderr = proc.stderr.read()
    return proc.wait(30), stderr


@pytest.fixture
def big_archive(tmp_path) -> Path:
    """An export of it is far bigger than a pipe's buffer."""
    db = tmp_path / "big.db"
    with Archive(db) as archive:
        archive.store_many([capture(i) for i in range(400)])
    return db


@pytest.mark.parametrize("command", [
    ("status",), ("history", ORIGIN + PATH), ("export", "--out", "-", "--format", "jsonl"),
    ("export", "--out", "-", "--format", "csv"), ("--help",), ("export", "--help"), ("--version",),
])
def test_a_reader_that_closes_the_pipe_early_ends_it_quietly(mirrored, big_archive, command):
    db = big_archive if command[0] == "export" and "--help" not in command else mirrored
    args = [*command, "--db", str(db)] if "-" not in command[0] else list(command)
    status, stderr = closed_early(*args)  # closed before the command wrote anything
    assert stderr == b""
    # argparse's help and version swallow the error themselves (and end 0)
    assert status == EXIT_BROKEN_PIPE or (status == 0 and command[-1] in ("--help", "--version"))
    if command[0] == "export" and "--help" not in command:
        assert closed_early(*args, read=1000) == (EXIT_BROKEN_PIPE, b"")  # `| head -c 1000`: mid-stream

