"""Endless chains end by themselves, and say so.

rel=next paging that never ends (every page the same teasers), a calendar
whose "Next month" link never runs out (empty months), a sitemap index whose
every page names the next: the crawl must end on its own in well under 1,500
requests, report which bound it hit, and still archive the site's articles.
A long but honest listing (every page new articles) is walked to its end.
"""

from __future__ import annotations

import re

import pytest

from tests.hostile.conftest import crawl
from tests.hostile.server import LISTING, HostileServer, Reply, article_html, article_path, listing_html

HONEST_PAGES = 30


def endless_paging(request):
    page = int(re.search(r"page=(\d+)", request.path).group(1))
    return Reply(200, listing_html([article_path("a-1"), article_path("a-2")],
                                   extra=f'<a rel="next" href="{LISTING}?page={page + 1}">Next</a>'))


def endless_calendar(request):
    month = int(re.search(r"month=(\d+)", request.path).group(1))
    return Reply(200, listing_html([], extra=f'<p>No news this month.</p><a href="{LISTING}?month={month + 1}">'
                                             "Next month</a>"))


def endless_sitemaps(request):
    n = int(re.search(r"sitemap-(\d+)", request.path).group(1))
    body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>/sitemap-{n + 1}.xml</loc></sitemap></sitemapindex>")
    return Reply(200, body.encode(), {"Content-Type": "application/xml"})


class Routes(dict):
    """Fixed routes, and endless families of paths by pattern."""

    def get(self, path, default=None):
        if path in self:
            return self[path]
        for pattern, route in FAMILIES:
            if re.fullmatch(pattern, path):
                return route
        return default


FAMILIES = [
    (re.escape(LISTING) + r"\?page=\d+", endless_paging),
    (re.escape(LISTING) + r"\?month=\d+", endless_calendar),
    (r"/sitemap-\d+\.xml", endless_sitemaps),
    (r"/honest/\?p=\d+", lambda r: honest_page(int(r.path.rsplit("=", 1)[1]))),
]


def honest_page(p: int) -> Reply:
    nxt = f'<a rel="next" href="/honest/?p={p + 1}">Next</a>' if p < HONEST_PAGES else ""
    return Reply(200, listing_html([article_path(f"h-{p}-{i}") for i in range(3)], extra=nxt))


@pytest.fixture(scope="module")
def site():
    server = HostileServer()
    server.routes = Routes({
        LISTING: Reply(200, listing_html([article_path("a-1"), article_path("a-2")], extra=(
            f'<a rel="next" href="{LISTING}?page=2">Next</a> <a href="{LISTING}?month=1">Next month</a>'
            ' <a href="/honest/?p=1">More</a>'))),
        "/sitemap.xml": endless_sitemaps(type("R", (), {"path": "/sitemap-0.xml"})),
        **{article_path(s): Reply(200, article_html(f"Story {s}")) for s in ("a-1", "a-2")},
    })
    with server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    return crawl(site.base_url, tmp_path_factory.mktemp("chains") / "herts.db", "-a", "mode=full")


def test_endless_chains_end_by_themselves(site, crawled):
    requests = site.paths_requested()
    assert len(requests) < 300, f"{len(requests)} requests"
    assert sum("?page=" in p for p in requests) <= 10
    assert sum("?month=" in p for p in requests) <= 10
    assert sum(p.startswith("/sitemap-") for p in requests) <= 5


def test_the_report_names_the_bounds_hit(crawled):
    bounds = crawled.bounds()
    assert "listing-stale" in bounds and "sitemap-depth" in bounds, bounds
    assert "BOUND:" in crawled.stdout and "SITEMAP_MAX_DEPTH" in crawled.stdout
    assert crawled.last_run()["status"] in ("ok", "incomplete")


def test_the_articles_and_an_honest_long_listing_are_archived(site, crawled):
    urls = {u.rsplit("/", 1)[-1] for u in crawled.articles()}
    honest = {f"h-{p}-{i}" for p in range(1, HONEST_PAGES + 1) for i in range(3)}
    # the honest listing's articles 404 here (not served): each is a recorded failure, none lost
    failed = {f["url"].rsplit("/", 1)[-1] for f in crawled.failures()}
    assert {"a-1", "a-2"} <= urls
    assert honest <= failed
    assert f"/honest/?p={HONEST_PAGES}" in site.paths_requested()


def test_the_request_budget_ends_a_run_and_says_so(site, tmp_path):
    before = len(site.hits)
    result = crawl(site.base_url, tmp_path / "herts.db", "-a", "mode=full", "-s", "CRAWL_MAX_REQUESTS=15")
    made = [h.path for h in site.hits[before:] if h.path != "/robots.txt"]
    assert len(made) == 15, made
    assert "requests" in result.bounds() and "CRAWL_MAX_REQUESTS" in result.stdout
    # a run cut short by a bound is no complete sweep: nothing is marked removed after it
    assert result.query("select value from meta where key = 'last_full_sweep'") == []
