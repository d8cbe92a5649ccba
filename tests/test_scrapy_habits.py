"""Scrapy habits work on the news spider: feeds get the articles, Scrapy's
inspection commands leave the archive alone, `scrapy parse` shows the article,
and a crawl stopped on purpose is reported as such and resumed by the next."""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper.archive.store import Archive
from herts_scraper.demo import scrapy_crawl
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import wait_for_articles

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out

QUIET = ("-s", "LOG_LEVEL=WARNING", "-s", "RUN_REPORT=False")
ENV = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}
# What two crawls of the same site must agree on (timestamps and run ids differ).
SAME = "url, title, description, published, body, area, status, versions, content_hash"


def crawl(server, db, *args, cwd=None):
    return scrapy_crawl(server.base_url, str(db), *QUIET, *args, cwd=cwd)


def resumable_crawl(server, db, *args):
    """A crawl whose share of undated articles may be past the health limit: a stopped run and
    the one resuming it each see part of the replica, whose few undated articles may fall in either."""
    return crawl(server, db, "-s", "HEALTH_MAX_MISSING_SHARE=0.5", *args)


def archived(db) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        return {row[0]: row for row in conn.execute(f"select {SAME} from articles")}


@pytest.fixture(scope="module")
def feed_crawl(tmp_path_factory):
    """The same 300-article replica crawled with a JSON lines feed, and without."""
    tmp = tmp_path_factory.mktemp("feeds")
    with ReplicaServer(articles=300) as server:
        feeds = {str(tmp / "a.jsonl"): {"format": "jsonlines"}, str(tmp / "a.csv"): {"format": "csv"}}
        with_feed = crawl(server, tmp / "with.db", "-s", f"FEEDS={json.dumps(feeds)}")
        # ... with a progress line every 0.2 s
        without = scrapy_crawl(server.base_url, str(tmp / "without.db"), "-s", "RUN_REPORT=False", "-s",
                               "PROGRESS_INTERVAL=0.2", log_file=str(tmp / "without.log"))
        # a full sweep of an unchanged site: every article answers 304, so no item
        sweep = crawl(server, tmp / "with.db", "-a", "mode=full", "-O", str(tmp / "sweep.jsonl"))
    return tmp, (with_feed, without, sweep)


def test_a_feed_gets_one_item_per_article_with_the_archives_fields(feed_crawl):
    tmp, (with_feed, _, _) = feed_crawl
    assert with_feed == 0
    items = [json.loads(line) for line in (tmp / "a.jsonl").read_text().splitlines()]
    assert len(items) == 300
    rows = archived(tmp / "with.db")
    assert {item["url"] for item in items} == set(rows)
    for item in items:
        row = rows[item["url"]]
        assert (item["title"], item["description"], item["published"], item["body"], item["area"]) == row[1:6]
        assert (item["outcome"], item["versions"], item["status"]) == ("new", 1, row[6])
        assert item["found_by"]["title"] and item["fetched_url"].startswith("http://127.0.0.1")
    with (tmp / "a.csv").open(newline="") as fh:
        assert {row["url"] for row in csv.DictReader(fh)} == set(rows)  # text, not bytes of raw HTML


def test_a_feed_changes_nothing_in_the_archive(feed_crawl):
    tmp, (_, without, _) = feed_crawl
    assert without == 0
    assert archived(tmp / "with.db") == archived(tmp / "without.db")


def test_a_long_crawl_logs_its_progress(feed_crawl):
    tmp, _ = feed_crawl
    lines = [line.split("progress: ", 1)[1] for line in (tmp / "without.log").read_text().splitlines()
             if "progress: " in line]
    assert lines, "no progress line"
    counts = [re.match(r"([\d,]+) articles \(([\d,]+) new, 0 changed, 0 unchanged, 0 by 304\); [\d.]+ pages/s; "
                       r"[\d,]+ requests queued, \d+ downloading$", line) for line in lines]
    assert all(counts), lines
    totals = [int(m.group(1).replace(",", "")) for m in counts if m]
    assert totals == sorted(totals) and 0 < totals[-1] <= 300  # the articles archived so far


def test_304s_are_not_items(feed_crawl):
    tmp, (_, _, sweep) = feed_crawl
    assert sweep == 0
    assert (tmp / "sweep.jsonl").read_text() == ""
    with Archive(tmp / "with.db") as archive:
        assert archive.runs()[-1]["not_modified"] == 300


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under folder, with a digest of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_scrapys_inspection_commands_leave_the_archive_alone(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "scrapy.cfg").write_text("[settings]\ndefault = herts_scraper.settings\n")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}  # the project's scrapy.cfg
    with ReplicaServer(articles=30) as server:
        assert crawl(server, "archive/herts.db", cwd=str(project)) == 0
        archive_folder = project / "archive"
        before = snapshot(archive_folder)
        assert "herts.db" in before and any(name.startswith("warc/") for name in before)
        url = f"{server.base_url}/news/hertfordshire/news/"
        with Archive(archive_folder / "herts.db") as archive:
            article = next(archive.articles())
        page = server.base_url + article["url"].split(".uk", 1)[1]

        def scrapy(*args):
            return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=project, env=env,
                                  capture_output=True, text=True, timeout=120)

        fetched = scrapy("fetch", "--nolog", page)
        shell = scrapy("shell", "--nolog", "-c", "response.status", url)
        parsed = scrapy("parse", "--nolog", "--spider", "news", "-c", "parse_article", "-a",
                        f"base_url={server.base_url}", page)
        by_default = scrapy("parse", "--nolog", "--spider", "news", "-a", f"base_url={server.base_url}", page)
    assert fetched.returncode == 0 and "<h1" in fetched.stdout
    assert shell.returncode == 0 and shell.stdout.strip() == "200"
    for result in (parsed, by_default):  # the default callback knows an article page by its URL
        assert result.returncode == 0, result.stderr
        printed = result.stdout.split("# Scraped Items", 1)[1].split("\n", 1)[1].split("# Requests", 1)[0]
        [item] = ast.literal_eval(printed)  # Scrapy pretty-prints the items
        assert (item["url"], item["title"], item["body"]) == (article["url"], article["title"], article["body"])
        assert item["outcome"] is None  # extracted, not archived
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert snapshot(archive_folder) == before  # no run, no WARC, no log line
    with Archive(archive_folder / "herts.db") as archive:
        assert len(archive.runs()) == 1


def test_a_crawl_stopped_by_a_closespider_limit_is_resumed_by_the_next(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=300) as server:
        first = resumable_crawl(server, db, "-s", "CLOSESPIDER_ITEMCOUNT=60")
        with Archive(db) as archive:
            stopped = archive.runs()[-1]
            done = archive.count()
        second = resumable_crawl(server, db)
    assert first == 5  # stopped: not a failure
    assert stopped["status"] == "stopped:itemcount" and 60 <= done < 300
    assert second == 0
    with Archive(db) as archive:
        runs = archive.runs()
        assert archive.count() == 300 and archive.db["versions"].count == 300
        assert archive.get_meta("last_full_sweep") == runs[0]["started"]  # the sweep the first run began
    resumed = runs[-1]
    assert resumed["mode"] == "full" and resumed["status"] == "ok"
    # what the stopped run archived is neither fetched again nor confirmed by a 304
    assert (resumed["new"], resumed["unchanged"], resumed["not_modified"]) == (300 - done, 0, 0)


def test_an_incremental_crawl_stopped_early_is_finished_incrementally(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=200) as server:
        assert resumable_crawl(server, db) == 0
    with ReplicaServer(articles=320) as server:  # 120 newer articles
        assert resumable_crawl(server, db, "-s", "CLOSESPIDER_ITEMCOUNT=40") == 5
        with Archive(db) as archive:
            stopped_at = archive.count()
        assert resumable_crawl(server, db) == 0
    with Archive(db) as archive:
        runs = archive.runs()
        assert archive.count() == 320
    assert [r["mode"] for r in runs] == ["full", "incremental", "incremental"]
    assert runs[-1]["new"] == 320 - stopped_at and runs[-1]["not_modified"] == 0


def test_ctrl_c_is_an_interruption_that_the_next_run_resumes(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=1500) as server:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={server.base_url}",
               "-s", f"ARCHIVE_PATH={db}", *QUIET]
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for_articles(db, 100, proc)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(120) == 5
        assert "Traceback" not in proc.stderr.read()
        with Archive(db) as archive:
            interrupted, done = archive.runs()[-1], archive.count()
        assert resumable_crawl(server, db) == 0
    assert interrupted["status"] == "interrupted" and done < 1500
    with Archive(db) as archive:
        assert archive.count() == 1500
        last = archive.runs()[-1]
    assert (last["new"], last["not_modified"]) == (1500 - done, 0)


def test_a_full_sweep_after_a_stopped_incremental_run_removes_only_what_is_gone(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=200) as server:
        assert resumable_crawl(server, db) == 0
    with ReplicaServer(articles=260, removed=range(0, 5)) as server:  # 60 newer, 5 gone
        assert resumable_crawl(server, db, "-s", "CLOSESPIDER_ITEMCOUNT=20") == 5
        assert resumable_crawl(server, db, "-a", "mode=full") == 0  # passes over what the stopped run archived
    with Archive(db) as archive:
        removed = [r["url"] for r in archive.articles(include_removed=True) if r["removed_at"]]
        assert archive.count() == 260 and len(removed) == 5
