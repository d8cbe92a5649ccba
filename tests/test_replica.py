"""The replica site: generated content, markup, HTTP behaviour (real HTTP on loopback)."""

from __future__ import annotations

import email.utils
import http.client
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from herts_scraper.profiles import load_profile
from herts_scraper.record import parse_record
from herts_scraper.replica import blocks as B, site as replica_site
from herts_scraper.replica.generator import article_stub, generate_article, stubs
from herts_scraper.replica.pages import page_from_record
from herts_scraper.replica.server import ReplicaServer
from herts_scraper.replica.site import ReplicaSite
from tests.conftest import ROOT, shared_path

PROFILE = load_profile("hertfordshire")
WORDS = re.compile(r"[^\W_]+")
STAMP = re.compile(rb"Current timestamp: \d\d/\d\d/\d{4} \d\d:\d\d:\d\d")
N = 300


# -- helpers ---------------------------------------------------------------------------


class Client:
    """One keep-alive connection to a server."""

    def __init__(self, server: ReplicaServer):
        self.server = server
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=10)

    def get(self, path: str, method: str = "GET", **headers):
        if path.startswith("http"):
            parts = urlsplit(path)
            path = parts.path + ("?" + parts.query if parts.query else "")
        self.conn.request(method, path, headers=headers)
        resp = self.conn.getresponse()
        return resp, resp.read()


@pytest.fixture(scope="module")
def soh():
    with ReplicaServer(articles=N, generation="soh") as server:
        yield server


@pytest.fixture(scope="module")
def legacy():
    with ReplicaServer(articles=N, generation="legacy") as server:
        yield server


@pytest.fixture(scope="module")
def articles():
    return [generate_article(i) for i in range(N)]


def doc(body: bytes):
    return lxml_html.fromstring(body)


def unstamped(body: bytes) -> bytes:
    return STAMP.sub(b"Current timestamp: -", body)


def visible_words(el) -> list[str]:
    """Words a reader sees: text_content plus the numbers browsers draw for <ol> items."""
    for ol in el.iter("ol"):
        n = int(ol.get("start", "1"))
        for li in ol.iterchildren("li"):
            li.text = f"{n}. " + (li.text or "")
            n += 1
    return WORDS.findall(el.text_content())


def crawl_search(client: Client, first: str) -> tuple[list[str], list[str]]:
    """Follow rel=next from the first search page: (pages visited, article hrefs)."""
    visited, hrefs, url = [], [], first
    while url:
        resp, body = client.get(url)
        assert resp.status == 200, url
        visited.append(url)
        page = doc(body)
        hrefs += page.xpath('//a[contains(concat(" ", @class, " "), " c-news-results_title ")]/@href')
        nxt = page.xpath('//nav[@aria-label="Pagination"]//a[@rel="next"]/@href')
        url = nxt[0] if nxt else None
        assert len(visited) < 1000
    return visited, hrefs


# -- blocks: Markdown conventions -------------------------------------------------------


def test_inline_conventions():
    md = B.blocks_to_markdown
    assert md([B.Paragraph([B.Strong((B.Text("Hi "),)), "there"])]) == "**Hi** there\n"
    assert md([B.Paragraph(["a", B.Strong((B.Text(" "),)), "b"])]) == "a b\n"
    assert md([B.Paragraph([B.Strong((B.Text("x"), B.Strong((B.Text("y"),))))])]) == "**xy**\n"
    assert md([B.Paragraph(["one\xa0 two\n three", B.Break(), " four"])]) == "one two three\nfour\n"
    assert md([B.Paragraph([B.Em((B.Text("quoted"),))])]) == "_quoted_\n"
    links = [B.Link("Action Fraud", "https://www.actionfraud.police.uk/"), " ",
             B.Link("www.actionfraud.police.uk", "https://actionfraud.police.uk"), " ",
             B.Link("mail", "mailto:a@b.uk"), " ", B.Link("", "https://x.uk/"), B.Link("report", "/report/")]
    assert md([B.Paragraph(links)], "https://www.herts.police.uk") == (
        "Action Fraud (https://www.actionfraud.police.uk/) www.actionfraud.police.uk mail report "
        "(https://www.herts.police.uk/report/)\n")


def test_block_conventions():
    body = [
        B.SummaryList(["First point", "Second point"]),
        B.Heading(4, "Sub head"),
        B.BulletList(["a", B.item("b", nested=[B.NumberedList(["c", "d"], start=3)])]),
        B.BulletList([B.item("p one", paragraph=True), "plain"]),
        B.NumberedList(["x", "y"]),
        B.Quote([B.Paragraph("q1"), B.Paragraph("q2")]),
        B.Figure("/i.jpg", alt="alt", caption="A caption", kind="picture"),
        B.Figure("/j.jpg"),
        B.Table([("A", "B"), ("1", "2")], header=True),
        B.Rule(),
        B.Paragraph("  "),
    ]
    assert B.blocks_to_markdown(body) == (
        "* ### First point\n\n * ### Second point\n\n#### Sub head\n\n"
        " * a\n * b\n     3. c\n     4. d\n\n"
        " * p one\n\n * plain\n\n 1. x\n 2. y\n\n> q1\n>\n> q2\n\nA caption\n\nA | B\n1 | 2\n")
    html = B.blocks_to_html(body, "https://www.herts.police.uk")
    page = lxml_html.fragment_fromstring(html, create_parent="div")
    assert page.xpath("//ul/li/h3") and page.xpath('//ol[@start="3"]') and page.xpath("//blockquote/p")
    assert page.xpath('//div[@class="image-block"]//picture/source[@srcset]') and page.xpath("//figcaption")
    assert page.xpath("//table//th") and page.xpath("//hr")


def test_char_refs_in_html_decode_to_the_same_text():
    blocks = [B.Paragraph("Zoë paid £5 – “fine”")]
    html = B.blocks_to_html(blocks, char_refs=True)
    assert html.isascii() and "&#163;" in html
    assert lxml_html.fragment_fromstring(html).text_content() == "Zoë paid £5 – “fine”"


def test_markdown_to_blocks_keeps_quirks_literal_and_round_trips():
    md = ("* ### One\n\n * ### Two\n\n * ## Three\n\n**Bold** and **glued**text and ** ** and _ _ and **open\n"
          "continued line\n\n##### Small\n\n###nospace\n\n• bullet text\n\n 1. first\n 2. second\n\n"
          " * item\n     * nested\n\nEnd _of_ story.\n")
    blocks = B.markdown_to_blocks(md)
    assert B.blocks_to_markdown(blocks) == md
    assert isinstance(blocks[0], B.BulletList) and [i.heading for i in blocks[0].items] == [3, 3, 2]
    page = lxml_html.fragment_fromstring(B.blocks_to_html(blocks), create_parent="div")
    assert visible_words(page) == WORDS.findall(md)
    assert page.xpath("//strong[.='Bold']") and page.xpath("//em[.='of']") and not page.xpath("//strong[.='glued']")


@pytest.mark.slow  # the whole corpus
def test_every_corpus_body_keeps_its_words_through_blocks_and_html():
    files = sorted(shared_path("corpus").glob("*/*.md"))
    assert len(files) > 1500
    exact = 0
    for f in files:
        _, body = parse_record(f.read_text(encoding="utf-8"))
        blocks = B.markdown_to_blocks(body)
        page = lxml_html.fragment_fromstring(B.blocks_to_html(blocks), create_parent="div")
        assert visible_words(page) == WORDS.findall(body), f.name
        exact += B.blocks_to_markdown(blocks) == body
    print(f"corpus bodies re-rendered byte for byte: {exact}/{len(files)}")
    assert exact / len(files) > 0.95  # the rest differ only in whitespace the conventions collapse


# -- the generator -----------------------------------------------------------------------


def test_article_is_independent_of_count_and_deterministic():
    a, b = generate_article(42), generate_article(42)
    assert a.expected_article("soh").to_record() == b.expected_article("soh").to_record()
    assert stubs(50)[:40] == stubs(40)
    assert article_stub(42, seed=1).title != article_stub(42).title or generate_article(42, seed=1).blocks != a.blocks


def test_dates_grow_with_index_and_paths_are_unique(articles):
    moments = [a.moment for a in articles]
    assert moments == sorted(moments) and len(set(moments)) == N
    assert len({a.soh_path for a in articles}) == N and len({a.legacy_path.lower() for a in articles}) == N
    soh = PROFILE.generations["soh"]
    leg = PROFILE.generations["legacy"]
    for a in articles:
        assert soh.is_article_path(a.soh_path) and leg.is_article_path(a.legacy_path)
        assert re.fullmatch(r"/news/hertfordshire/news/\d{4}/[a-z]+-\d{4}/[a-z0-9-]+/", a.soh_path)
    suffixes = {re.sub(r"\d", "9", a.legacy_path.rsplit("-", 1)[-1]) for a in articles}
    assert {"999", "9999"} <= suffixes and any(re.fullmatch(r"9{4}[A-Za-z]+", s) for s in suffixes)
    assert any(a.legacy_path != a.legacy_path.lower() for a in articles)


def test_slug_collisions_go_to_the_lower_index():
    many = stubs(5000)
    assert len({s.soh_path for s in many}) == 5000
    clashed = [s for s in many if re.search(r"-\d+/$", s.soh_path) and not s.title[-1].isdigit()]
    assert clashed, "5,000 articles should produce some title clash"
    for s in clashed[:20]:
        base = re.sub(r"-\d+/$", "/", s.soh_path)
        owner = next(o for o in many if o.soh_path == base)
        assert owner.index < s.index


def test_expected_article_forms(articles):
    a = next(x for x in articles if x.published is not None)
    soh, leg = a.expected_article("soh"), a.expected_article("legacy")
    assert soh.url == "https://www.herts.police.uk" + a.soh_path and soh.area == "Hertfordshire"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d", soh.published)
    assert leg.published == soh.published[:10] and leg.url.endswith(a.legacy_path)
    assert soh.body == leg.body == B.blocks_to_markdown(a.blocks, PROFILE.origin)
    assert soh.cms_id == a.cms_id and leg.cms_id is None


def test_generated_bodies_vary(articles):
    records = [a.expected_article("soh") for a in articles]
    bodies = [r.body for r in records]
    count = lambda pred: sum(1 for x in bodies if pred(x))  # noqa: E731
    assert count(lambda b: b.startswith("* ### ") or "\n\n* ### " in b or "\n\n * ### " in b) > N // 2
    assert count(lambda b: "\n 1. " in b) >= 5
    assert count(lambda b: "\n> " in b) >= 5
    assert count(lambda b: "(https://" in b) >= 30
    assert count(lambda b: "www.herts.police.uk/report," in b) >= 10  # a link whose text is its address
    assert count(lambda b: "£" in b) >= 20
    assert count(lambda b: re.search(r"[ëéáñöüęłć]", b) is not None) >= 20
    assert count(lambda b: re.search(r"41/\d{5}/\d\d", b) is not None) >= 50
    assert count(lambda b: "\u201c" in b) >= 50
    assert count(lambda b: "\n" not in b.strip()) >= 5                       # one paragraph
    assert count(lambda b: b.count("\n\n") >= 60) >= 3                        # 60+ blocks
    assert sum(1 for a in articles if a.images) >= 30
    assert sum(1 for a in articles if any(i.get("caption") for i in a.images)) >= 10
    updated = [r for r in records if r.title.startswith("UPDATED: ")]
    assert len(updated) >= 3 and all(r.body.startswith("Updated News Post\n\n") for r in updated)
    assert not any(r.body.startswith("Updated News Post") for r in records if r not in updated)
    assert sum(1 for r in records if r.description is None) >= 2
    assert sum(1 for r in records if r.published is None) >= 2


def test_no_furniture_in_titles_or_bodies(articles):
    phrases = [p.lower() for p in PROFILE.furniture_phrases]
    for a in articles:
        text = (a.title + "\n" + B.block_text(a.blocks) + "\n" + a.summary).lower()
        for p in phrases:
            assert p not in text, (a.index, p)
        assert "|" not in a.title


# -- pages and HTTP ---------------------------------------------------------------------


def test_soh_article_page_has_the_seen_markup(soh, articles):
    client = Client(soh)
    a = next(x for x in articles if x.published and x.description and x.images)
    resp, body = client.get(a.soh_path)
    assert resp.status == 200 and resp.getheader("Content-Type") == "text/html; charset=utf-8"
    page = doc(body)
    assert page.findtext(".//title") == f"{a.title} | Hertfordshire Constabulary"
    og = {m.get("property"): m.get("content") for m in page.xpath("//meta[@property]")}
    assert og["og:title"] == a.title and og["og:description"] == a.description
    assert og["og:url"] == "https://www.herts.police.uk" + a.soh_path and og["og:url"].endswith("/")
    assert og["og:type"] == "website" and og["og:locale"] == "en_GB" and og["og:image"].startswith("https://")
    assert page.xpath("//body/@data-content-id") == [a.cms_id]
    assert [h.text_content() for h in page.xpath('//h1[@class="c-page-header_title"]')] == [a.title]
    spans = page.xpath('//span[@class="c-meta-tag-time_info"]/span')
    assert len(spans) == 4
    assert spans[2].text == a.published.strftime("%H:%M") and spans[3].text == a.published.strftime("%d/%m/%Y")
    region = page.xpath('//div[contains(@class, "c-news-article") and contains(@class, "s-cms")]')
    assert len(region) == 1 and page.xpath("//div[@class='c-news-article s-cms']//img[@src]")
    stamp = page.xpath('//div[@class="u-hidden u-no-print"]')
    assert re.fullmatch(r"Current timestamp: \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", stamp[0].text_content())
    assert b"application/ld+json" not in body and b"article:published_time" not in body
    share = page.xpath('//div[@class="c-share"]')[0]
    assert share.getparent() is region[0].getparent()  # furniture beside the body, not in it
    text = page.text_content()
    for phrase in ("Quickly exit this site by pressing the Escape key", "Leave this site", "Customise Cookies",
                   "We use some essential cookies", "You can manage your preferences",
                   "Sorry, there was a technical problem. Please try again.", "This site is a beta",
                   "Share this page", "Is there a problem with this page", "Please report any comments",
                   "Without JavaScript enabled forms will not work."):
        assert phrase in text, phrase
    assert text.count("Your cookie preferences have been saved") == 2
    related = page.xpath('//*[@class="c-related"]//h3')
    titles = {x.title for x in articles}
    assert related and all(h.text_content() in titles and h.text_content() != a.title for h in related)


def test_images_use_source_srcset_and_image_blocks(soh, articles):
    client = Client(soh)
    seen = set()
    for a in [x for x in articles if x.images][:40]:
        page = doc(client.get(a.soh_path)[1])
        if page.xpath("//div[@class='c-news-article s-cms']//source[@srcset]"):
            seen.add("source")
        if page.xpath("//div[@class='c-news-article s-cms']//div[@class='image-block']"):
            seen.add("image-block")
        if page.xpath("//div[@class='c-news-article s-cms']//figure/figcaption"):
            seen.add("figcaption")
    assert seen == {"source", "image-block", "figcaption"}


def test_og_description_sometimes_uses_character_references(soh, articles):
    client = Client(soh)
    refs = 0
    for a in [x for x in articles if x.description and "£" in x.description][:30]:
        body = client.get(a.soh_path)[1]
        refs += b'content="' in body and b"&#163;" in body
        assert doc(body).xpath('//meta[@property="og:description"]/@content') == [a.description]
    assert refs >= 1


def test_soh_listing_and_search_markup(soh, articles):
    client = Client(soh)
    resp, body = client.get("/news/hertfordshire/news/")
    assert resp.status == 200
    page = doc(body)
    panels = page.xpath('//a[@class="c-news-panel"]')
    assert len(panels) == 12
    newest = articles[-1]
    assert panels[0].get("href") == newest.soh_path
    assert panels[0].xpath('.//h3[@class="c-news-panel_title"]')[0].text_content() == newest.title
    assert panels[0].xpath('.//p[@class="c-news-panel_text"]')[0].text_content() == newest.summary
    statuses = page.xpath('//*[@class="c-news-panel_status"]/text()')
    assert statuses and all(re.fullmatch(r"Published: \d\d:\d\d \d\d/\d\d/\d{4}", s) for s in statuses)
    more = page.xpath('//a[contains(., "View all news")]/@href')
    assert more and more[0].startswith("/news/news-search/?ct=News")

    page = doc(client.get("/news/news-search/?ct=News&page=3")[1])
    titles = page.xpath('//h3/a[@class="c-news-results_title"]')
    assert len(titles) == 10 and titles[0].get("href") == articles[N - 21].soh_path
    assert titles[0].getparent().getnext().tag == "p"
    assert page.xpath('//a[@class="c-news-results_image"]')  # text-less image links to the same href
    for img_link in page.xpath('//a[@class="c-news-results_image"]'):
        assert not img_link.text_content().strip()
        assert img_link.get("href") in {t.get("href") for t in titles}
    nav = page.xpath('//nav[@class="c-pagination"][@aria-label="Pagination"]')[0]
    labels = [a.text_content() for a in nav.xpath(".//a")]
    assert labels[0] == "Previous" and labels[-1] == "Next" and "1" in labels and "30" in labels
    assert nav.xpath('.//a[@rel="prev"]') and nav.xpath('.//a[@rel="next"]')
    assert client.get("/news/news-search/?ct=News")[1].count(b"c-news-results_title") == 10
    appeals = doc(client.get("/news/news-search/?ct=Appeals")[1])
    assert appeals.xpath('//a[@class="c-news-results_title"]')
    found = doc(client.get("/news/news-search/?ct=News&q=" + articles[0].title.split()[-1])[1])
    assert found.xpath('//a[@class="c-news-results_title"]')


def test_search_pagination_reaches_every_article_from_page_one(soh, articles):
    client = Client(soh)
    visited, hrefs = crawl_search(client, "/news/news-search/?ct=News&page=1")
    assert len(visited) == 30 and len(hrefs) == len(set(hrefs)) == N
    assert set(hrefs) == {a.soh_path for a in articles}
    for href in hrefs:
        resp, _ = client.get(href)
        assert resp.status == 200, href
    for bad in ("/news/news-search/?ct=News&page=31", "/news/news-search/?ct=News&page=0",
                "/news/news-search/?ct=News&page=x"):
        assert client.get(bad)[0].status == 404


def test_legacy_site(legacy, articles):
    client = Client(legacy)
    seen, url, pages_visited = [], "/news-and-appeals/", 0
    while url:
        resp, body = client.get(url)
        assert resp.status == 200
        pages_visited += 1
        page = doc(body)
        seen += page.xpath('//a[@class="news-list__link"]/@href')
        dates = page.xpath('//*[@class="news-list__date"]/text()')
        assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", d) for d in dates)
        assert page.xpath('//div[@class="pagination"]//a')
        nxt = page.xpath('//a[@rel="next"]/@href')
        url = nxt[0] if nxt else None
    assert pages_visited == 30 and len(set(seen)) == N == len(seen)
    a = next(x for x in articles[1:] if x.published and x.description)
    resp, body = client.get(a.legacy_path)
    assert resp.status == 200
    page = doc(body)
    assert page.findtext(".//title") == f"{a.title} | Hertfordshire Constabulary"
    assert page.xpath('//link[@rel="canonical"]/@href') == ["https://www.herts.police.uk" + a.legacy_path]
    assert page.xpath('//meta[@property="og:description"]/@content') == [a.description]
    assert page.xpath('//h1[@class="news-article__title"]')[0].text_content() == a.title
    time_el = page.xpath('//time[@class="news-article__date"]')[0]
    assert time_el.get("datetime") == a.published.date().isoformat()
    assert time_el.text == f"{a.published.day} {a.published:%b %Y}"
    assert page.xpath('//div[@class="news-article__body"]/*')
    text = page.text_content()
    assert "Skip to content" in text and "Quick exit" in text and re.search(r"Our new website .* live in 2022", text)
    assert page.xpath('//aside[@class="related-news"]//a')
    assert b"Current timestamp" not in body
    assert client.get(a.soh_path)[0].status == 404
    assert client.get("/news/hertfordshire/news/GetNewsRss/")[0].status == 404
    assert client.get("/news-and-appeals/?page=31")[0].status == 404


def test_unknown_paths_and_other_generation_paths_are_404(soh, articles):
    client = Client(soh)
    for path in ("/nope", "/news/hertfordshire/news/2099/january-2099/nothing/", articles[5].legacy_path,
                 "/news-and-appeals/"):
        resp, body = client.get(path)
        assert resp.status == 404 and resp.getheader("Content-Type") == "text/html; charset=utf-8"
        assert b"Quickly exit this site" in body and b"Current timestamp" in body
    resp, _ = client.get(articles[5].soh_path.rstrip("/"))
    assert resp.status == 301 and resp.getheader("Location") == articles[5].soh_path


def test_sitemap_and_robots(soh, articles):
    client = Client(soh)
    resp, body = client.get("/sitemap.xml")
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/xml; charset=utf-8"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(body)
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert {urlsplit(x).path for x in locs} >= {a.soh_path for a in articles} | {"/contact-us/", "/news/hertfordshire/news/"}
    assert all(x.startswith(soh.base_url) for x in locs)
    for loc in locs:
        if not PROFILE.generations["soh"].is_article_path(urlsplit(loc).path):
            assert client.get(loc)[0].status == 200, loc
    assert all(u.findtext("s:lastmod", namespaces=ns) for u in root.findall("s:url", ns)[3:])

    resp, body = client.get("/robots.txt")
    assert resp.getheader("Content-Type") == "text/plain; charset=utf-8"
    lines = body.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert lines[1:-1] == [f"Disallow: {d}" for d in PROFILE.robots_disallow]
    assert lines[-1] == f"Sitemap: {soh.base_url}/sitemap.xml"


def test_rss_parses_and_lists_the_latest_fifty(soh, articles):
    client = Client(soh)
    resp, body = client.get("/news/hertfordshire/news/GetNewsRss/")
    assert resp.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) == 50
    newest = articles[::-1][:50]
    assert [urlsplit(i.findtext("link")).path for i in items] == [a.soh_path for a in newest]
    assert [i.findtext("title") for i in items] == [a.title for a in newest]
    for item, a in zip(items, newest, strict=True):
        if a.published:
            assert email.utils.parsedate_to_datetime(item.findtext("pubDate")) == a.published


def test_etag_last_modified_and_304(soh, articles):
    client = Client(soh)
    a = articles[10]
    resp, body = client.get(a.soh_path)
    etag, modified = resp.getheader("ETag"), resp.getheader("Last-Modified")
    assert etag and email.utils.parsedate_to_datetime(modified) == a.moment
    resp, body = client.get(a.soh_path, **{"If-None-Match": etag})
    assert resp.status == 304 and body == b"" and resp.getheader("ETag") == etag
    resp, body = client.get(a.soh_path, **{"If-Modified-Since": modified})
    assert resp.status == 304 and body == b""
    older = email.utils.format_datetime(a.moment.replace(year=a.moment.year - 1), usegmt=False)
    assert client.get(a.soh_path, **{"If-Modified-Since": older})[0].status == 200
    assert client.get(a.soh_path, **{"If-None-Match": '"other"'})[0].status == 200
    resp, body = client.get(a.soh_path, method="HEAD")
    assert resp.status == 200 and body == b"" and int(resp.getheader("Content-Length")) > 1000


def test_timestamp_changes_while_etag_stays(soh, articles):
    client = Client(soh)
    path = articles[20].soh_path
    r1, b1 = client.get(path)
    time.sleep(1.05)
    r2, b2 = client.get(path)
    assert STAMP.search(b1).group() != STAMP.search(b2).group()
    assert unstamped(b1) == unstamped(b2) and r1.getheader("ETag") == r2.getheader("ETag")


def test_same_seed_same_site_other_seed_other_site(soh, articles):
    sample = [articles[i].soh_path for i in (0, 1, 150, 299)] + [
        "/news/hertfordshire/news/", "/news/news-search/?ct=News&page=7", "/sitemap.xml",
        "/news/hertfordshire/news/GetNewsRss/", "/nope"]
    with ReplicaServer(articles=N) as again, ReplicaServer(articles=N, seed=1) as other:
        c0, c1, c2 = Client(soh), Client(again), Client(other)
        for path in sample:
            a, b = c0.get(path)[1], c1.get(path)[1]
            assert unstamped(a).replace(soh.base_url.encode(), b"") == unstamped(b).replace(again.base_url.encode(), b"")
        assert c2.get(sample[0])[0].status == 404 or c2.get(sample[0])[1] != c0.get(sample[0])[1]
        assert unstamped(c2.get("/news/hertfordshire/news/")[1]) != unstamped(c0.get("/news/hertfordshire/news/")[1])


def test_growing_the_site_keeps_older_pages_identical():
    with ReplicaServer(articles=5000) as small, ReplicaServer(articles=5010) as big:
        cs, cb = Client(small), Client(big)
        assert [s.soh_path for s in small.site.stubs] == [s.soh_path for s in big.site.stubs[:5000]]
        for i in list(range(0, 5000, 97)) + list(range(4990, 5000)):
            path = small.site.stubs[i].soh_path
            (r1, a), (r2, b) = cs.get(path), cb.get(path)
            assert unstamped(a) == unstamped(b) and r1.getheader("ETag") == r2.getheader("ETag")
        resp, body = cb.get("/news/hertfordshire/news/")
        assert doc(body).xpath('//a[@class="c-news-panel"]/@href')[0] == big.site.stubs[5009].soh_path
        assert cs.get(big.site.stubs[5009].soh_path)[0].status == 404


def test_every_response_declares_utf8_and_keeps_the_connection_alive(soh, articles):
    client = Client(soh)
    for path in ("/", "/contact-us/", articles[0].soh_path, "/news/hertfordshire/news/",
                 "/news/news-search/?ct=News", "/sitemap.xml", "/robots.txt", "/news/hertfordshire/news/GetNewsRss/", "/x"):
        resp, body = client.get(path)
        assert resp.getheader("Content-Type").endswith("; charset=utf-8"), path
        assert int(resp.getheader("Content-Length")) == len(body)
        assert resp.getheader("Connection") != "close"
    sock = client.conn.sock
    client.get("/robots.txt")
    assert client.conn.sock is sock  # still the same connection


def test_large_site_starts_without_rendering(monkeypatch):
    """A 20,000-article site starts from stubs alone: no body generated, no page rendered
    (its start-up time is measured in bench/, never asserted here)."""
    generated = []
    real = replica_site.generate_article
    monkeypatch.setattr(replica_site, "generate_article", lambda *a, **k: generated.append(a) or real(*a, **k))
    site = ReplicaSite(articles=20000, seed=12345)
    assert len(site.by_path) == 20000 and len(site.served) == 20000
    assert not generated and not site._cache.data
    path = next(iter(site.by_path))
    assert site.respond("GET", path).status == 200  # the first request does the work, once
    assert len(generated) == 1 and len(site._cache.data) == 1


def test_cli_serves_until_stopped():
    proc = subprocess.Popen([sys.executable, "-m", "herts_scraper", "replica", "--port", "0", "--articles", "25",
                             "--generation", "legacy", "--seed", "3"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", line).group()
        conn = http.client.HTTPConnection(urlsplit(base).hostname, urlsplit(base).port, timeout=5)
        conn.request("GET", "/news-and-appeals/")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read().count(b"news-list__link") == 10
    finally:
        proc.terminate()
        proc.wait(10)


# -- pages built from records -------------------------------------------------------------


def test_page_from_seed_004_record():
    text = shared_path("seeds", "004_ee92c0a2811ca956.txt").read_text(encoding="utf-8")
    meta, body = parse_record(text)
    page = doc(page_from_record(meta, body, "legacy", PROFILE).encode("utf-8"))
    assert page.xpath('//h1[@class="news-article__title"]')[0].text_content() == meta["title"]
    assert page.xpath('//time[@class="news-article__date"]/text()') == [meta["publish"]["date"]]
    assert page.xpath('//link[@rel="canonical"]/@href') == [meta["url"]]
    region = page.xpath('//div[@class="news-article__body"]')[0]
    assert visible_words(region) == WORDS.findall(body)
    assert region.xpath("./ul/li/h3")


def test_page_from_seed_000_puts_its_furniture_lines_in_furniture_blocks():
    lines = shared_path("seeds", "000_94a107ee318c299d.txt").read_text(encoding="utf-8").split("\n")
    furniture = [x for x in lines[:7] if x.strip()]
    body = "\n\n".join(x for x in lines[7:] if x.strip()) + "\n"
    meta = {"area": "Hertfordshire", "title": "Seed page", "publish": {"date": "16 Feb 2023"},
            "url": "https://www.herts.police.uk/news/hertfordshire/news/2023/february-2023/seed-page/"}
    page = doc(page_from_record(meta, body, "soh", PROFILE, furniture_lines=furniture).encode("utf-8"))
    region = page.xpath("//div[@class='c-news-article s-cms']")[0]
    assert visible_words(region) == WORDS.findall(body)
    furniture_css = ", ".join(PROFILE.generations["soh"].furniture_css)
    blocks = [" ".join(el.text_content().split()) for el in page.cssselect(furniture_css)]
    for line in furniture:
        assert " ".join(line.split()) in blocks, line
    assert page.xpath('//span[@class="c-meta-tag-time_info"]/span[4]/text()') == ["16/02/2023"]


def test_generated_pages_extract_to_the_expected_records(soh, legacy, articles):
    """The contract with herts_scraper.extract: page -> the record the replica expects."""
    extract = pytest.importorskip("herts_scraper.extract")
    for server, gen in ((soh, "soh"), (legacy, "legacy")):
        client = Client(server)
        for a in articles[::5]:
            path = a.path(gen)
            got = extract.extract_article(client.get(path)[1], server.base_url + path, PROFILE,
                                          base_url=server.base_url)
            assert got.to_record() == a.expected_article(gen).to_record(), (gen, a.index)


def test_soh_form_records_give_their_meta_line_back_to_the_meta_block():
    files = sorted(shared_path("corpus", "Merseyside").glob("*.md"))
    profile = load_profile("merseyside")
    tagged = 0
    for f in files:
        meta, body = parse_record(f.read_text(encoding="utf-8"))
        page = doc(page_from_record(meta, body, "soh", profile).encode("utf-8"))
        spans = page.xpath('//span[@class="c-meta-tag-time_info"]/span/text()')
        region = page.xpath("//div[@class='c-news-article s-cms']")[0]
        line = re.search(r"^(?:([A-Z][a-z]+)\n\n)?(\d\d:\d\d) (\d\d/\d\d/\d{4})\n", body)
        assert line, f.name
        assert spans[-2:] == [line.group(2), line.group(3)], f.name
        rest = body[line.end():]
        assert visible_words(region) == WORDS.findall(rest), f.name
        if line.group(1):
            tagged += 1
            assert page.xpath('//span[@class="c-meta-tag"]/text()') == [line.group(1)]
    assert tagged >= 1

