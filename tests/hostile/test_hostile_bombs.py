"""Huge and compressed bodies: refused at a size that fits news pages and sitemaps, memory given back.

Four gzip bombs (5 MB on the wire, 5 GB expanded each) fetched one after the
other, a gzip-bombed sitemap, and a page simply too big: each is a recorded
failure, the rest of the site is archived, and no process of the crawl ever
grows past 600 MB. A huge sitemap of other URLs is read in steps: while it is
read, the crawl keeps fetching other pages.
"""

from __future__ import annotations

import gzip
import sys

import pytest

from tests.hostile.conftest import crawl
from tests.hostile.server import LISTING, HostileServer, Reply, article_html, article_path, listing_html

BOMBS = [f"bomb-{i}" for i in range(4)]


def gzip_bomb(expanded: int = 5 * 1024**3, member: int = 10 * 1024**2) -> bytes:
    """Concatenated gzip members of zeros: `expanded` bytes once inflated, about 1/1000 of it on the wire."""
    one = gzip.compress(b"\0" * member, compresslevel=9)
    return one * (expanded // member)


@pytest.fixture(scope="module")
def site():
    bomb = gzip_bomb()
    gz = {"Content-Encoding": "gzip"}
    server = HostileServer({
        LISTING: Reply(200, listing_html([article_path(s) for s in ("fine", "huge", *BOMBS)])),
        article_path("fine"): Reply(200, article_html("A fine story")),
        article_path("huge"): Reply(200, article_html("A huge story", body="<p>words</p>" * 2_000_000)),
        **{article_path(s): Reply(200, bomb, gz) for s in BOMBS},
        "/sitemap.xml": Reply(200, bomb, {**gz, "Content-Type": "application/xml"}),
    })
    with server:
        yield server


def test_bombs_and_monsters_are_refused_and_memory_stays_low(site, tmp_path):
    # Peak RSS of the crawl's processes, as the kernel counts it (ru_maxrss of waited-for children).
    probe = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
             "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    result = crawl(site.base_url, tmp_path / "herts.db", wrapper=[sys.executable, "-c", probe])
    peak_mb = int(result.stderr.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024
    assert peak_mb < 600, f"peak RSS {peak_mb:.0f} MB"
    failures = {f["url"].rsplit("/", 1)[-1]: f for f in result.failures()}
    for slug in ("huge", *BOMBS, "sitemap.xml"):
        assert failures[slug]["kind"] == "too-large", (slug, failures[slug]["reason"])
    assert "DOWNLOAD_MAXSIZE" in failures["bomb-0"]["reason"]
    assert {u.rsplit("/", 1)[-1] for u in result.articles()} == {"fine"}
    assert result.status == 3


def big_sitemap(others: int, last: str) -> bytes:
    """`others` URLs that are not articles, then one article: its request marks the end of reading."""
    entries = "".join(f"<url><loc>/about/page-{i}/</loc></url>" for i in range(others))
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
            f"<url><loc>{last}</loc></url></urlset>").encode()


def test_a_huge_sitemap_never_blocks_the_crawl(tmp_path):
    chain = 40  # listing pages, fetched one after another while the sitemap is read
    routes = {"/sitemap.xml": Reply(200, big_sitemap(100_000, article_path("last")),
                                    {"Content-Type": "application/xml"}),
              article_path("last"): Reply(200, article_html("The sitemap's last entry"))}
    for p in range(1, chain + 1):
        nxt = f'<a rel="next" href="{LISTING}?page={p + 1}">Next</a>' if p < chain else ""
        path = LISTING if p == 1 else f"{LISTING}?page={p}"
        # the first page answers after the sitemap has arrived
        routes[path] = Reply(200, listing_html([article_path(f"p{p}")], extra=nxt), delay=0.5 if p == 1 else 0)
        routes[article_path(f"p{p}")] = Reply(200, article_html(f"Page {p} story"))
    with HostileServer(routes) as server:
        result = crawl(server.base_url, tmp_path / "herts.db", "-s", "LOG_LEVEL=WARNING")
    order = server.paths_requested()
    assert result.status == 0 and len(result.articles()) == chain + 1
    # listing pages were fetched while the sitemap was being read, before its last entry
    before_last = order[order.index("/sitemap.xml"):order.index(article_path("last"))]
    assert sum(p.startswith(LISTING + "?page=") for p in before_last) >= 5, before_last[:20]


def test_the_bomb_is_what_it_claims():
    bomb = gzip_bomb(expanded=40 * 1024**2)
    assert len(bomb) < 100 * 1024 and len(gzip.decompress(bomb)) == 40 * 1024**2
