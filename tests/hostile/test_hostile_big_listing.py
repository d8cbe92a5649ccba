"""A listing with thousands of teasers is read in linear time and archived whole.

Before, a listing cost time in the square of its teasers (each teaser's date
was looked for in the whole shared container): 8,000 teasers took 80 s to
parse, 300,000 never got to an article request. Here 8,000 teasers in one
container are archived whole, and a 200,000-teaser listing starts fetching
articles (the crawl is stopped after 50 of them).
"""

from __future__ import annotations

import pytest

from tests.hostile.conftest import crawl
from tests.hostile.server import LISTING, HostileServer, Reply, article_html, article_path

TEASERS = 8000


def flat_listing(n: int) -> bytes:
    """Every teaser in one container, each with its date beside it, the worst case for the date lookup."""
    items = "".join(f'<a class="news-list__link" href="{article_path(f"s-{i}")}">Story {i}</a>'
                    f'<span class="news-list__date">4 Mar 2021</span>' for i in range(n))
    return f"<!DOCTYPE html><html><body><div>{items}</div></body></html>".encode()


class Articles(dict):
    """Every /news-and-appeals/s-N is a small article page."""

    def get(self, path, default=None):
        if path in self:
            return self[path]
        if path.startswith(article_path("s-")):
            return Reply(200, article_html(f"Story {path.rsplit('-', 1)[1]}"))
        return default


@pytest.fixture(scope="module")
def site():
    server = HostileServer()
    server.routes = Articles({LISTING: Reply(200, flat_listing(TEASERS))})
    with server:
        yield server


def test_an_8000_teaser_listing_is_archived_whole(site, tmp_path):
    result = crawl(site.base_url, tmp_path / "herts.db", "-s", "LOG_LEVEL=WARNING")
    assert result.status == 0, result.stderr[-2000:]
    assert result.query("select count(*) n from articles")[0]["n"] == TEASERS
    run = result.last_run()
    assert (run["new"], run["failed"], run["status"]) == (TEASERS, 0, "ok")


def test_a_200000_teaser_listing_gets_to_its_articles(tmp_path):
    server = HostileServer()
    server.routes = Articles({LISTING: Reply(200, flat_listing(200_000))})
    with server:
        result = crawl(server.base_url, tmp_path / "herts.db", "-s", "CLOSESPIDER_ITEMCOUNT=50",
                       "-s", "LOG_LEVEL=WARNING")
    assert result.query("select count(*) n from articles")[0]["n"] >= 50
    # the frontier held the rest as URLs, not as 200,000 scheduled requests
    assert sum(p.startswith(article_path("s-")) for p in server.paths_requested()) < 1000
