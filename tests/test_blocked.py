"""A site that refuses this machine (a 403, a CDN challenge page) is said to do so: nothing
of it is archived as an article, nothing is marked removed, the run is unhealthy (exit 4) with
a message naming the force and the cause, and the other forces of the crawl are archived."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper.archive.store import Archive
from herts_scraper.crawl.spider import is_challenge
from herts_scraper.profiles import load_profile
from herts_scraper.replica.faults import block_page, parse_block
from herts_scraper.replica.server import ReplicaServer, main as replica_main
from herts_scraper.replica.site import ReplicaSite
from tests.conftest import ROOT

FORCES = Path(__file__).parent / "data" / "forces"
QUIET = ("-s", "LOG_LEVEL=WARNING")


def crawl(db: Path, force: str, base_url: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"force={force}", "-a", f"base_url={base_url}",
           "-s", f"ARCHIVE_PATH={db}", *QUIET, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def failures(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select kind, http_status from failures").fetchall()


def test_replica_block_modes():
    site = ReplicaSite(articles=5, block="403")
    for path in ("/robots.txt", "/news/hertfordshire/news/", site.stubs[0].path("soh")):
        assert site.respond("GET", path).status == 403
    challenge = ReplicaSite(articles=5, block="challenge").respond("GET", "/news/hertfordshire/news/")
    assert challenge.status == 200 and is_challenge(challenge.body)
    assert ReplicaSite(articles=5, block="403").respond("GET", "/__replica__/stats").status == 200
    assert not is_challenge(ReplicaSite(articles=5).respond("GET", site.stubs[0].path("soh")).body)
    assert parse_block("403") == {None: "403"}
    assert parse_block("kent=403,essex=challenge") == {"kent": "403", "essex": "challenge"}
    with pytest.raises(ValueError, match="bad block"):
        parse_block("kent=teapot")
    with pytest.raises(ValueError):
        block_page("418")


def test_replica_cli_refuses_a_block_of_a_force_not_served(capsys):
    assert replica_main(["--port", "0", "--block", "kent=403"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--block names kent" in err


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["403", "challenge"])
def test_a_blocked_site_fails_the_run_naming_the_block(tmp_path, mode):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=20, block=mode) as server:
        result = crawl(db, "hertfordshire", server.base_url)
        requests = server.stats()["requests"]
    assert result.returncode == 4, result.stderr[-2000:]
    assert "the site is refusing this machine" in result.stdout and "hertfordshire" in result.stdout
    assert "UNHEALTHY" in result.stdout
    with Archive(db) as archive:
        assert archive.count() == 0  # a challenge page is never an article
        run = archive.runs()[-1]
        assert run["status"] == "unhealthy" and "refusing this machine" in run["health"]
    kinds = failures(db)
    assert kinds and {k for k, _ in kinds} == {"blocked"}
    # not hammered: robots.txt and each start page once (a 403 is not retried)
    assert requests["total"] == 1 + len(load_profile("hertfordshire").start_urls())


@pytest.mark.slow
def test_a_block_never_marks_known_articles_removed(tmp_path):
    db = tmp_path / "herts.db"
    with ReplicaServer(articles=20) as server:
        assert crawl(db, "hertfordshire", server.base_url).returncode == 0
    with ReplicaServer(articles=20, block="403") as server:
        result = crawl(db, "hertfordshire", server.base_url, "-a", "mode=full")
    assert result.returncode == 4
    with Archive(db) as archive:
        assert archive.count() == 20
        assert archive.db.execute("select count(*) from articles where removed_at is not null").fetchone()[0] == 0
        assert archive.runs()[-1]["removed"] == 0


@pytest.mark.slow
def test_one_blocked_force_does_not_hide_the_others(tmp_path):
    db = tmp_path / "all.db"
    kent, essex = (str(FORCES / f"{name}.yaml") for name in ("kent", "essex"))
    with ReplicaServer(articles=30, profile=kent) as ok, ReplicaServer(articles=30, profile=essex,
                                                                         block="challenge") as refused:
        result = crawl(db, f"{kent},{essex}", f"kent={ok.base_url},essex={refused.base_url}")
    assert result.returncode == 4, result.stderr[-2000:]
    assert "essex: the site is refusing this machine" in result.stdout
    with Archive(db) as archive:
        assert archive.count() == 30
        assert {row["area"] for row in archive.articles()} == {"Kent"}
        forces = json.loads(archive.runs()[-1]["forces"])
    assert (forces["kent"]["status"], forces["kent"]["new"]) == ("ok", 30)
    assert forces["essex"]["status"] == "unhealthy" and forces["essex"]["blocked"] >= 1
    assert forces["essex"]["new"] == 0
