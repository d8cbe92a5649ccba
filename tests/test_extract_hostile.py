"""Hostile pages: a page claiming another's address, nesting past libxml2's
limits, unusable dates, UTF-16 without a BOM, and text or links shaped as
Markdown syntax. Pure extraction, no crawl."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from lxml import etree

from herts_scraper.extract import RejectedPage, extract_article
from herts_scraper.extract.conventions import escape_markdown
from herts_scraper.extract.dates import parse_http_date, parse_iso_date, to_iso
from herts_scraper.extract.markdown import element_to_markdown, html_to_markdown

REPLICA = "http://127.0.0.1:8765"
ORIGIN = "https://www.herts.police.uk"
NEWS = "/news/hertfordshire/news/2024/"
PATH = NEWS + "og-steal/"
VICTIM = ORIGIN + NEWS + "victim/"
WORD = re.compile(r"[^\W_]+")


def soh_page(body: str, *, og_url: str | None = ORIGIN + PATH, head: str = "",
             date: str = '<span class="c-meta-tag-time_date">04/03/2024</span>') -> str:
    """The replica's SOH article page, cut down to what extraction reads."""
    og = f'<meta property="og:url" content="{og_url}">' if og_url is not None else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>A story | Hertfordshire Constabulary</title>
<meta property="og:title" content="A story"><meta property="og:description" content="d">{og}{head}
</head><body data-content-id="692765">
<main id="main-content"><div class="c-page-header"><h1 class="c-page-header_title">A story</h1></div>
<article class="l-grid_main c-news-article-wrapper">
<div class="c-meta-tag-time"><span class="c-meta-tag-time_info"><span class="c-meta-tag-time_label">Published</span>
<span class="c-meta-tag-time_label">at</span> <span class="c-meta-tag-time_time"></span> {date}</span></div>
<div class="c-news-article s-cms">
{body}
</div>
<div class="c-share"><h2 class="c-share_title">Share this page</h2></div>
</article></main>
<footer class="c-footer"><p>&#169; Hertfordshire Constabulary</p></footer>
</body></html>
"""


def legacy_page(time_el: str, head: str = "") -> str:
    """The legacy article markup of tests/test_crawl_bad_pages.py."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Dated story | Hertfordshire Constabulary</title>
<meta property="og:description" content="Dated story summary">{head}</head><body>
<h1 class="news-article__title">Dated story</h1>{time_el}
<div class="news-article__body"><p>Dated story happened in Watford and officers want to hear from witnesses.</p>
<p>Anyone with information should call 101.</p></div></body></html>"""


def extract(page: str | bytes, path: str = PATH, **kw):
    data = page.encode("utf-8") if isinstance(page, str) else page
    return extract_article(data, REPLICA + path, "hertfordshire", base_url=REPLICA, **kw)


# -- 1. identity: the fetched URL, unless the page's claim names the same article ---
def test_og_url_naming_another_article_is_recorded_not_taken():
    a = extract(soh_page("<p>Stolen words.</p>", og_url=VICTIM))
    assert a.url == ORIGIN + PATH
    assert a.found_by["url"] == "fetched" and a.found_by["url_claimed"] == VICTIM
    assert a.status == "ok" and a.problems == []


@pytest.mark.parametrize("claim, recorded", [
    (ORIGIN + "/", ORIGIN + "/"),
    (REPLICA + NEWS + "victim/", VICTIM),
    ("/news/hertfordshire/news/", ORIGIN + "/news/hertfordshire/news/"),
    ("https://elsewhere.example" + PATH, "https://elsewhere.example" + PATH),
])
def test_claims_of_the_home_page_or_another_article_do_not_collapse_articles(claim, recorded):
    a = extract(soh_page("<p>Words.</p>", og_url=None, head=f'<link rel="canonical" href="{claim}">'))
    assert a.url == ORIGIN + PATH and a.found_by["url"] == "fetched"
    assert a.found_by["url_claimed"] == recorded


@pytest.mark.parametrize("claim, url", [
    (ORIGIN + PATH, ORIGIN + PATH),                      # the replica names the real origin
    (REPLICA + PATH, ORIGIN + PATH),                     # the replica's own address
    ("http://WWW.Herts.Police.UK" + PATH.rstrip("/"),) * 2,  # scheme, host case, trailing slash
    (ORIGIN + PATH + "?utm_source=x#top", ORIGIN + PATH + "?utm_source=x"),  # query; a fragment is no address
    (ORIGIN + PATH.replace("og-steal", "og%2Dsteal"),) * 2,  # percent-encoding
])
def test_a_claim_naming_the_same_article_is_taken(claim, url):
    a = extract(soh_page("<p>Words.</p>", og_url=claim))
    assert (a.url, a.found_by["url"]) == (url, "og:url") and "url_claimed" not in a.found_by


def test_canonical_is_taken_when_og_url_claims_another_article():
    a = extract(soh_page("<p>Words.</p>", og_url=VICTIM, head=f'<link rel="canonical" href="{ORIGIN}{PATH}">'))
    assert (a.url, a.found_by["url"]) == (ORIGIN + PATH, "canonical")


# -- 2. deep nesting ---------------------------------------------------------------
def paragraphs(n: int) -> list[str]:
    return [f"Paragraph {i} says word{i} here." for i in range(n)]


def test_400_unclosed_divs_keep_every_paragraph_as_its_own_block():
    paras = paragraphs(400)
    a = extract(soh_page("".join(f"<div><p>{p}</p>" for p in paras)))
    blocks = a.body.strip().split("\n\n")
    assert all(p in blocks for p in paras)
    assert a.status == "ok", (a.missing, a.problems)


def test_3000_unclosed_divs_keep_what_libxml2_builds_and_say_text_was_lost():
    paras = paragraphs(3000)
    a = extract(soh_page("".join(f"<div><p>{p}</p>" for p in paras)))
    blocks = a.body.strip().split("\n\n")
    assert all(p in blocks for p in paras[:2000])
    assert a.status == "partial" and "nesting-too-deep" in a.problems


def test_400_nested_spans_keep_every_word():
    paras = paragraphs(400)
    a = extract(soh_page("<p>" + "".join(f"<span>{p} " for p in paras) + "</p>"))
    assert WORD.findall(a.body) == WORD.findall(" ".join(paras))
    assert a.status == "ok", (a.missing, a.problems)


def test_nesting_deeper_than_python_recursion_converts_to_separate_blocks():
    root = etree.Element("div")
    el = root
    for i in range(1500):  # built directly: no parser limit
        etree.SubElement(el, "p").text = f"p{i}"
        el = etree.SubElement(el, "section" if i % 2 else "div")
        el.text = f"t{i}"
        span = etree.SubElement(el, "span")
        span.text, span.tail = "in", "line"
    blocks = element_to_markdown(root, ORIGIN + "/").split("\n\n")
    assert blocks[:4] == ["p0", "t0inline", "p1", "t1inline"]
    assert len(blocks) == 3000 and blocks[-1] == "t1499inline\n"


# -- 3. dates that cannot be read are missing, not fatal -------------------------------
BAD_DATES = ["2024-01-01T10:00:00+99:00", "9999-12-31T23:00:00-14:00", "0001-01-01T00:30:00+14:00",
             "2024-13-01T10:00:00Z", "1" * 300 + "-01-01"]


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_bad_time_element_is_a_missing_date(value):
    a = extract(legacy_page(f'<time class="news-article__date" datetime="{value}"></time>'),
                "/news-and-appeals/Dated-story-1")
    assert a.title == "Dated story" and "Anyone with information should call 101." in a.body
    assert a.published is None and "published" in a.missing and "bad-date" in a.problems


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_bad_date_gives_way_to_another_source(value):
    a = extract(legacy_page(f'<time datetime="{value}"></time>',
                            head='<meta property="article:published_time" content="2021-03-04T10:30:00Z">'),
                "/news-and-appeals/Dated-story-1")
    assert a.published == "2021-03-04T10:30:00+00:00" and a.status == "ok"


def test_date_functions_never_raise():
    for value in BAD_DATES:
        assert parse_iso_date(value) is None
    assert parse_http_date("Sat, 21 Nov " + "9" * 300 + " 10:00:00 GMT") is None
    assert to_iso(dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-14))), True) is None


# -- 4. UTF-16 and UTF-32 declared in the Content-Type, no BOM ----------------------------
@pytest.mark.parametrize("codec, header", [
    ("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be"), ("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"),
    ("utf-32-le", "utf-32le"),
])
def test_utf16_without_bom_declared_in_the_header(codec, header):
    page = soh_page("<p>Caf\u00e9 owners \u2013 \u00a3500 fine.</p>").replace('<meta charset="utf-8">', "")
    a = extract(page.encode(codec), encoding=f"text/html; charset={header}")
    assert a.title == "A story" and a.body == "Caf\u00e9 owners \u2013 \u00a3500 fine.\n"
    assert a.status == "ok", (a.missing, a.problems)


@pytest.mark.parametrize("data", [bytes(range(256)) * 20, random.Random(5).randbytes(8000)])
def test_binary_declared_utf16_is_still_rejected(data):
    with pytest.raises(RejectedPage) as info:
        extract(data, encoding="text/html; charset=utf-16le")
    assert info.value.reason == "not-html"


# -- 5. page text and hrefs cannot become live Markdown ---------------------------------
def md(html: str) -> str:
    return html_to_markdown(html, ORIGIN + "/")


def test_text_shaped_as_a_markdown_link_is_escaped():
    assert md("<p>[md](javascript:alert(5))</p>") == "[md]\\(javascript:alert(5))\n"
    assert md("<p>![img](https://evil.example/x.png)</p>") == "![img]\\(https://evil.example/x.png)\n"
    # split across elements: escaped once per inline run
    assert md("<p><span>[md]</span><span>(javascript:x)</span></p>") == "[md]\\(javascript:x)\n"
    assert md("<p>[md<span>](javascript:x)</span></p>") == "[md]\\(javascript:x)\n"


def test_link_reference_definitions_are_escaped():
    assert md("<p>[x]: javascript:alert(1)</p><p>[x]</p>") == "\\[x]: javascript:alert(1)\n\n[x]\n"
    assert md("<p>first<br>[y]: http://evil.example</p>") == "first\n\\[y]: http://evil.example\n"
    assert md("<ul><li>[z]: javascript:alert(1)</li></ul>") == "* \\[z]: javascript:alert(1)\n"
    assert md("<p>He said [sic]: it was so.</p>") == "He said [sic]: it was so.\n"


@pytest.mark.parametrize("text, want", [
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)>"),
    ("<javascript:alert(1)>", "\\<javascript:alert(1)>"),
    ("<script>alert(1)</script>", "\\<script>alert(1)\\</script>"),
    ("a <!-- c --> b <?php ?> <![CDATA[x]]>", "a \\<!-- c --> b \\<?php ?> \\<![CDATA[x]]>"),
    ("\\<b>x", "\\<b>x"),        # already escaped: left alone
    ("\\\\<b>x", "\\\\\\<b>x"),  # an escaped backslash, then a live tag
    ("if a < b and 3<4", "if a < b and 3<4"),
    ("<help@example.org> <a/onmouseover=alert`1`//@x.org>", "\\<help@example.org> \\<a/onmouseover=alert`1`//@x.org>"),
])
def test_raw_html_and_unsafe_autolinks_are_escaped(text, want):
    assert escape_markdown(text) == want


def test_http_and_mailto_autolinks_stay_byte_identical():
    text = ("website, www.stopitnow.org.uk<http://www.stopitnow.org.uk/>, or help@stopitnow.org.uk"
            "<mailto:help@stopitnow.org.uk> or <HTTPS://Example.org/a?b=c>")
    assert escape_markdown(text) == text
    assert md(f"<p>{text.replace('<', '&lt;').replace('>', '&gt;')}</p>") == text + "\n"


def test_an_href_cannot_break_out_of_its_parentheses():
    out = md('<p><a href="https://x.example/a)[x](javascript:alert(1))">click</a></p>')
    assert out == "click (https://x.example/a%29%5Bx%5D%28javascript:alert%281%29%29)\n"
    out = md('<p><a href="https://x.example/<b>\x01">t</a> <a href="/Foo_(bar)">/Foo_(bar)</a></p>')
    assert out == "t (https://x.example/%3Cb%3E%01) /Foo_(bar) (https://www.herts.police.uk/Foo_%28bar%29)\n"
    assert md(f'<p><a href="{ORIGIN}/a_(b)">{ORIGIN}/a_(b)</a></p>') == f"{ORIGIN}/a_(b)\n"


def test_an_extracted_body_never_carries_a_live_link():
    page = soh_page('<p>[md](javascript:alert(5)) and <a href="https://x.example/a)[x](javascript:alert(1))">here</a>'
                    " &lt;img src=x onerror=alert(1)&gt;</p>")
    a = extract(page)
    assert "](" not in a.body and "<img" not in a.body.replace("\\<img", "")
