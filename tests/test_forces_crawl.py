"""One crawl, several forces: `scrapy crawl news -a force=a,b,c -a base_url=a=URL,...` over
replicas of three forces (test-only profiles, tests/data/forces/), each on its own port."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper.archive.reparse import reparse
from herts_scraper.archive.store import Archive
from herts_scraper.crawl.config import UsageError
from herts_scraper.crawl.sites import parse_sites
from herts_scraper.forces import bundled_forces
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import ROOT

FORCES = Path(__file__).parent / "data" / "forces"
NAMES = ("kent", "essex", "surrey")
QUIET = ("-s", "LOG_LEVEL=WARNING")


def profile(name: str) -> str:
    return str(FORCES / f"{name}.yaml")


def crawl(db: Path, servers: dict[str, ReplicaServer], *args: str) -> subprocess.CompletedProcess:
    """`scrapy crawl news` of these forces, as a user runs it from the project folder."""
    forces = ",".join(profile(name) for name in servers)
    bases = ",".join(f"{name}={server.base_url}" for name, server in servers.items())
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"force={forces}", "-a", f"base_url={bases}",
           "-s", f"ARCHIVE_PATH={db}", *QUIET, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def articles_of(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select url, area, title, published, body, content_hash from articles order by url").fetchall()


def by_area(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select area, count(*) from articles group by area").fetchall())


@pytest.mark.slow
def test_one_crawl_archives_three_forces_with_figures_per_force(tmp_path):
    db = tmp_path / "all.db"
    sizes = {"kent": 40, "essex": 25, "surrey": 30}
    servers = {name: ReplicaServer(articles=sizes[name], profile=profile(name)).start() for name in NAMES}
    try:
        first = crawl(db, servers)
        assert first.returncode == 0, first.stderr[-2000:]
        assert by_area(db) == {"Kent": 40, "Essex": 25, "Surrey": 30}
        # the report has a line per force
        for name in NAMES:
            assert f"  {name}" in first.stdout and "OK:" in first.stdout
        # each force's pages were fetched from its own replica, in its own URL shapes
        for name, server in servers.items():
            assert server.stats()["requests"]["by_kind"]["article"] == sizes[name]
        with Archive(db) as archive:
            run = archive.runs()[-1]
            forces = json.loads(run["forces"])
            assert {n: forces[n]["new"] for n in NAMES} == sizes
            assert all(forces[n]["status"] == "ok" and forces[n]["mode"] == "full" for n in NAMES)
            assert run["new"] == sum(sizes.values())
            urls = [row["url"] for row in archive.articles()]
        assert all(url.startswith(("https://www.kent.police.uk/news/kent/", "https://www.essex.police.uk/news/essex/",
                                   "https://www.surrey.police.uk/news/surrey/")) for url in urls)
    finally:
        for server in servers.values():
            server.stop()
    # `herts-scraper status` gives the last run's figures by force
    status = subprocess.run([sys.executable, "-m", "herts_scraper", "status", "--db", str(db)],
                            capture_output=True, text=True, check=True).stdout
    for name, n in sizes.items():
        assert f"  {name}: ok (full), {n} new, 0 changed, 0 unchanged, 0 by 304, 0 removed, 0 failed, 0 blocked" in status
    # The WARC captures of the crawl of three forces rebuild the same archive, each page with its force's profile.
    reparse(db.parent / "warc", tmp_path / "rebuilt.db", default_profile="hertfordshire")
    assert articles_of(tmp_path / "rebuilt.db") == articles_of(db)
    # Next night: essex grew and lost an article; kent and surrey did not change. Each force is
    # incremental on its own; a full sweep of essex alone records its removal, and no one else's.
    servers = {"kent": ReplicaServer(articles=40, profile=profile("kent")).start(),
               "essex": ReplicaServer(articles=28, profile=profile("essex"), removed={3}).start()}
    try:
        second = crawl(db, servers)
        assert second.returncode == 0, second.stderr[-2000:]
        with Archive(db) as archive:
            forces = json.loads(archive.runs()[-1]["forces"])
        assert (forces["kent"]["mode"], forces["kent"]["new"]) == ("incremental", 0)
        assert (forces["essex"]["mode"], forces["essex"]["new"]) == ("incremental", 3)
        third = crawl(db, servers, "-a", "mode=full")
        assert third.returncode == 0, third.stderr[-2000:]
        with Archive(db) as archive:
            forces = json.loads(archive.runs()[-1]["forces"])
            removed = [r["url"] for r in archive.db.query("select url from articles where removed_at is not null")]
        assert forces["essex"]["removed"] == 1 and forces["kent"]["removed"] == 0
        assert len(removed) == 1 and "/news/essex/" in removed[0]  # surrey, not crawled, keeps everything
        assert by_area(db) == {"Kent": 40, "Essex": 28, "Surrey": 30}
    finally:
        for server in servers.values():
            server.stop()


def test_force_arguments():
    sites = parse_sites(f"{profile('kent')},{profile('essex')}",
                        "kent=http://127.0.0.1:8001,essex=http://127.0.0.1:8002/")
    assert [(s.name, s.base_url) for s in sites] == [("kent", "http://127.0.0.1:8001"),
                                                     ("essex", "http://127.0.0.1:8002")]
    assert sites[0].hosts == {"127.0.0.1:8001"}
    # without base_url each force is crawled on its own site, its real hosts
    kent = parse_sites(profile("kent"), None)[0]
    assert kent.base_url == "https://www.kent.police.uk" and "kent.police.uk" in kent.hosts
    # one URL keeps its meaning for one force
    assert parse_sites("hertfordshire", "http://127.0.0.1:8000")[0].base_url == "http://127.0.0.1:8000"
    assert "hertfordshire" in bundled_forces() and "soh-platform" not in bundled_forces()
    assert [s.name for s in parse_sites("all", None)] == bundled_forces()


@pytest.mark.parametrize("force, base, message", [
    ("kent,essex", "http://127.0.0.1:8000", "one URL each"),
    ("kent,essex", "kent=http://127.0.0.1:8000,essex=http://127.0.0.1:8000", "origin of its own"),
    ("kent", "surrey=http://127.0.0.1:8000", "not one of the forces"),
    ("kent,kent", None, "twice"),
    ("all,kent", None, "stands alone"),
    ("nowhere", None, "no site profile"),
])
def test_bad_force_arguments_are_one_line(force, base, message):
    force = ",".join(profile(f) if f in NAMES else f for f in force.split(","))
    with pytest.raises(UsageError, match=message):
        parse_sites(force, base)


def test_each_force_is_polite_on_its_own_host_and_stays_on_it(monkeypatch, tmp_path):
    import asyncio

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.project import get_project_settings

    from herts_scraper.crawl.boundary import OffsiteRefused, SiteBoundaryMiddleware
    from herts_scraper.crawl.spider import NewsSpider

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "herts_scraper.settings")
    monkeypatch.setattr("herts_scraper.settings.ARCHIVE_PATH", str(tmp_path / "herts.db"))
    crawler = Crawler(NewsSpider, get_project_settings())
    spider = NewsSpider.from_crawler(crawler, force=",".join(profile(n) for n in NAMES))
    crawler.spider = spider
    crawler.stats = MemoryStatsCollector(crawler)
    settings = crawler.settings
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0 and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1

    async def first_requests():
        return [r async for r in spider.start()]

    requests = asyncio.run(first_requests())
    slots = {r.meta["force"]: r.meta["download_slot"] for r in requests}
    assert slots == {"kent": "www.kent.police.uk", "essex": "www.essex.police.uk", "surrey": "www.surrey.police.uk"}
    boundary = SiteBoundaryMiddleware(crawler)
    kent_page = "https://www.kent.police.uk/news/kent/news/"
    assert boundary.process_request(Request(kent_page, meta={"force": "kent"})) is None
    # a kent page's redirect to essex's host is off kent's site
    with pytest.raises(OffsiteRefused):
        boundary.process_request(Request("https://www.essex.police.uk/news/essex/news/",
                                         meta={"force": "kent", "redirect_urls": [kent_page]}))
    with pytest.raises(OffsiteRefused):
        boundary.process_request(Request("https://www.example.org/", meta={"force": "kent"}))


def test_replica_serves_several_forces_each_on_its_own_port():
    kent, essex = profile("kent"), profile("essex")
    proc = subprocess.Popen([sys.executable, "-m", "herts_scraper", "replica", "--port", "0", "--articles", "3",
                             "--forces", f"{kent},{essex}", "--block", "essex=403"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert lines[0].startswith("serving kent: 3 articles") and "refusing" not in lines[0]
    assert lines[1].startswith("serving essex: 3 articles") and "refusing every request (403)" in lines[1]
    assert f"-a force={kent},{essex} -a base_url=kent=http://127.0.0.1:" in lines[2]
