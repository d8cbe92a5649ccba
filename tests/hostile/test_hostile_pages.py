"""Hostile article pages, crawled: never lose text silently, never reject a good article, never pass on a live link.

400 unclosed <div>s around the body, a <time> at +99:00 or in year 9999,
UTF-16LE without a BOM declared in Content-Type, Markdown links in the page
text and an href built to break out of the body's `text (URL)` form.
"""

from __future__ import annotations

import json

import pytest

from herts_scraper.archive.export import export
from herts_scraper.archive.store import Archive
from tests.hostile.conftest import crawl
from tests.hostile.server import LISTING, HostileServer, Reply, article_html, article_path, listing_html

REAL = "https://www.herts.police.uk"
DEEP = "<div>" * 400 + "".join(f"<p>Deep paragraph {i} stays.</p>" for i in range(20))
BAD_TIMES = {
    "offset-99": '<time datetime="2024-05-01T10:00:00+99:00">whenever</time>',
    "year-9999": '<time datetime="9999-12-31T23:59:59-14:00">later</time>',
}
INJECTION = ("<p>Click [md](javascript:alert(5)) now.</p>"
             '<p><a href="https://example.org/a)[x](javascript:alert(1))">the form</a></p>'
             "<p>[split]<span>(javascript:alert(2))</span></p>")


def without_date(title: str, extra_body: str) -> bytes:
    page = article_html(title, body=extra_body).decode()
    return page.replace('<time class="news-article__date" datetime="2021-03-04">4 Mar 2021</time>', "").encode()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    utf16 = article_html("Sixteen bits wide, \u00a3500 fine").decode().replace('<meta charset="utf-8">', "")
    routes = {
        article_path("deep"): Reply(200, article_html("Deeply nested", body=DEEP)),
        article_path("utf16"): Reply(200, utf16.encode("utf-16-le"), {"Content-Type": "text/html; charset=utf-16le"}),
        article_path("injection"): Reply(200, article_html("Injected links", body=INJECTION)),
        **{article_path(slug): Reply(200, without_date(f"Bad date {slug}", time))
           for slug, time in BAD_TIMES.items()},
    }
    routes[LISTING] = Reply(200, listing_html(list(routes)))
    tmp = tmp_path_factory.mktemp("pages")
    with HostileServer(routes) as server:
        result = crawl(server.base_url, tmp / "herts.db")
    return result, tmp


def test_every_hostile_page_is_archived(crawled):
    result, _ = crawled
    slugs = {u.rsplit("/", 1)[-1] for u in result.articles()}
    assert slugs == {"deep", "utf16", "injection", *BAD_TIMES}, (slugs, [dict(f) for f in result.failures()])


def test_deep_nesting_loses_no_paragraph(crawled):
    result, _ = crawled
    deep = result.articles()[f"{REAL}{article_path('deep')}"]
    assert all(f"Deep paragraph {i} stays." in deep["body"] for i in range(20)), deep["body"][-500:]
    assert deep["status"] == "ok"


def test_a_bad_date_is_a_missing_date_with_a_problem(crawled):
    result, _ = crawled
    for slug in BAD_TIMES:
        row = result.articles()[f"{REAL}{article_path(slug)}"]
        assert row["published"] is None and row["status"] == "partial", slug
        assert "published" in json.loads(row["missing"]) and json.loads(row["problems"]), slug
        assert "happened in Watford" in row["body"]


def test_utf16_declared_in_the_header_is_read(crawled):
    result, _ = crawled
    row = result.articles()[f"{REAL}{article_path('utf16')}"]
    assert row["title"] == "Sixteen bits wide, \u00a3500 fine"


def test_no_exported_body_carries_a_live_link(crawled):
    result, tmp = crawled
    with Archive(result.db) as archive:
        export(archive, tmp / "out", "records")
    bodies = "".join(p.read_text(encoding="utf-8") for p in (tmp / "out").rglob("*.md"))
    assert "](javascript:" not in bodies and "](" not in bodies
    injected = result.articles()[f"{REAL}{article_path('injection')}"]["body"]
    assert "javascript:alert(5)" in injected  # the text is kept, only made inert
