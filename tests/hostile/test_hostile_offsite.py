"""Never leave the site, never archive what is not an article, never take another page's identity.

The site links, redirects and refreshes to another loopback address, to
`localhost` (the same server under another host name), to a page of the site
outside the news section; a teaser climbs out of the section with `../`; a
page claims (og:url) to be another article; a teaser's URL is 5,000
characters long. No request may reach another host, nothing but article URLs
may become articles, and every URL not fetched must be recorded.
"""

from __future__ import annotations

import pytest

from tests.hostile.conftest import crawl
from tests.hostile.server import LISTING, HostileServer, Reply, article_html, article_path, listing_html

REAL = "https://www.herts.police.uk"


@pytest.fixture(scope="module")
def elsewhere():
    with HostileServer({article_path("stolen"): Reply(200, article_html("Stolen from elsewhere"))},
                       address="127.0.0.2") as server:
        yield server


@pytest.fixture(scope="module")
def site(elsewhere):
    server = HostileServer()
    other, localhost = elsewhere.base_url, f"http://localhost:{server.port}"
    long_slug = "x" * 5000
    server.routes.update({
        LISTING: Reply(200, listing_html([
            article_path("good"), article_path("victim"), article_path("og-steal"),
            article_path("redirect-302"), article_path("redirect-301"), article_path("refresh"),
            article_path("to-admin"), "../admin/secret/", LISTING + "../admin/secret/",
            f"{other}{article_path('stolen')}", article_path(long_slug)])),
        article_path("good"): Reply(200, article_html("A good story")),
        article_path("victim"): Reply(200, article_html("The victim story")),
        article_path("og-steal"): Reply(200, article_html(
            "A page that claims to be another",
            head=f'<meta property="og:url" content="{REAL}{article_path("victim")}">'
                 f'<link rel="canonical" href="{REAL}{article_path("victim")}">')),
        article_path("redirect-302"): Reply(302, b"", {"Location": f"{other}{article_path('stolen')}"}),
        article_path("redirect-301"): Reply(301, b"", {"Location": f"{localhost}{article_path('good')}"}),
        article_path("refresh"): Reply(200, (
            f'<html><head><meta http-equiv="refresh" content="0; url={other}{article_path("stolen")}">'
            "</head><body>moved</body></html>").encode()),
        article_path("to-admin"): Reply(302, b"", {"Location": "/admin/secret/"}),
        "/admin/secret/": Reply(200, article_html("Admin secrets")),
        article_path(long_slug): Reply(200, article_html("A very long address")),
    })
    with server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, elsewhere, tmp_path_factory):
    db = tmp_path_factory.mktemp("offsite") / "herts.db"
    first = crawl(site.base_url, db, "-a", "mode=full")
    second = crawl(site.base_url, db, "-a", "mode=full")
    return first, second


def test_no_request_reaches_another_host(site, elsewhere, crawled):
    assert elsewhere.hits == []
    hosts = {h.host for h in site.hits}
    assert hosts == {f"127.0.0.1:{site.port}"}, hosts  # localhost:PORT is another host, never asked


def test_off_site_redirects_and_refreshes_are_failures_naming_the_target(crawled, elsewhere):
    first, _ = crawled
    failures = {f["url"].rsplit("/", 1)[-1]: f for f in first.failures() if f["run_id"] == 1}
    for slug, target in (("redirect-302", elsewhere.base_url), ("redirect-301", "localhost"),
                         ("refresh", elsewhere.base_url)):
        assert failures[slug]["kind"] == "offsite", slug
        assert target in failures[slug]["reason"], failures[slug]["reason"]
    assert failures["to-admin"]["kind"] == "redirect" and "/admin/secret/" in failures["to-admin"]["reason"]
    assert first.status == 3  # incomplete: articles could not be archived, and the report says so


def test_only_article_urls_become_articles(crawled, site):
    first, _ = crawled
    urls = set(first.articles())
    assert urls == {f"{REAL}{article_path(s)}" for s in ("good", "victim", "og-steal")}, urls
    assert "/admin/secret/" not in site.paths_requested()


def test_a_page_never_takes_another_articles_identity(crawled):
    first, second = crawled
    articles = second.articles()
    victim = articles[f"{REAL}{article_path('victim')}"]
    assert victim["title"] == "The victim story" and victim["versions"] == 1  # never flips
    steal = articles[f"{REAL}{article_path('og-steal')}"]
    assert steal["title"] == "A page that claims to be another"
    assert f"{REAL}{article_path('victim')}" in steal["found_by"]  # the claim is recorded
    assert second.query("select count(*) n from versions")[0]["n"] == 3


def test_an_overlong_url_is_a_recorded_refusal(crawled, site):
    first, _ = crawled
    refused = [f for f in first.failures() if f["kind"] == "refused" and f["run_id"] == 1]
    assert len(refused) == 1 and "URL_LENGTH_LIMIT" in refused[0]["reason"]
    assert first.last_run()["skipped"] >= 1
    assert not any(len(p) > 2083 for p in site.paths_requested())
