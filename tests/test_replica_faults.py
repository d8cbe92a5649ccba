"""The replica as a site that changes and misbehaves: edits, removals, growth,
fault mode and the stats endpoint (real HTTP on loopback)."""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from itertools import pairwise
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from herts_scraper.extract import extract_article
from herts_scraper.profiles import load_profile
from herts_scraper.replica import blocks as B, site as replica_site
from herts_scraper.replica.faults import FaultPlan, parse_rates
from herts_scraper.replica.generator import EDIT_STEP, article_stub, generate_article, stubs
from herts_scraper.replica.server import ReplicaServer, parse_edit_spec, parse_index_spec
from herts_scraper.replica.site import STATS_PATH, ReplicaSite
from tests.conftest import ROOT

PROFILE = load_profile("hertfordshire")
STAMP = re.compile(rb"Current timestamp: \d\d/\d\d/\d{4} \d\d:\d\d:\d\d")
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
N = 300
ALL = stubs(N)
# Edits over every shape of article: already "UPDATED", dateless, one paragraph, no og:description.
EDITS = {3: 1, 42: 2, 150: 3, 298: 1, 299: 2}
EDITS[next(s.index for s in ALL if s.updated)] = 1
EDITS[next(s.index for s in ALL if s.published is None)] = 2
EDITS[next(s.index for s in ALL if s.description is None)] = 1
EDITS[next(i for i in range(N) if "\n" not in generate_article(i).body_markdown().strip())] = 1
REMOVED = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 77, 297}
SHAPES = ("soh", "legacy")


class Client:
    """Keep-alive requests that reopen the connection after a fault closed it."""

    def __init__(self, server, timeout: float = 10):
        self.server, self.timeout = server, timeout
        self.conn = None

    def _open(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=self.timeout)
        return self.conn

    def get(self, path: str, method: str = "GET", **headers):
        if path.startswith("http"):
            parts = urlsplit(path)
            path = parts.path + ("?" + parts.query if parts.query else "")
        conn = self._open()
        try:
            conn.request(method, path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except Exception:
            conn.close()
            self.conn = None
            raise
        if resp.getheader("Connection") == "close":
            conn.close()
            self.conn = None
        return resp, body

    def outcome(self, path: str) -> str:
        """What a request met: its status, or the kind of failure."""
        try:
            return str(self.get(path)[0].status)
        except http.client.IncompleteRead:
            return "truncate"
        except http.client.RemoteDisconnected:  # (a ConnectionResetError subclass: test it first)
            return "timeout"  # the server said nothing, then closed
        except ConnectionResetError:
            return "reset"


def doc(body: bytes):
    return lxml_html.fromstring(body)


def unstamped(body: bytes) -> bytes:
    return STAMP.sub(b"Current timestamp: -", body)


def crawl_search(client: Client) -> list[str]:
    """Article hrefs of every search page, following rel=next from page 1."""
    hrefs, url, visited = [], "/news/news-search/?ct=News&page=1", 0
    while url:
        resp, body = client.get(url)
        assert resp.status == 200, url
        visited += 1
        page = doc(body)
        hrefs += page.xpath('//a[@class="c-news-results_title"]/@href')
        nxt = page.xpath('//nav[@aria-label="Pagination"]//a[@rel="next"]/@href')
        url = nxt[0] if nxt else None
        assert visited < 1000
    return hrefs


def crawl_legacy(client: Client) -> list[str]:
    hrefs, url = [], "/news-and-appeals/"
    while url:
        resp, body = client.get(url)
        assert resp.status == 200, url
        page = doc(body)
        hrefs += page.xpath('//a[@class="news-list__link"]/@href')
        nxt = page.xpath('//a[@rel="next"]/@href')
        url = nxt[0] if nxt else None
    return hrefs


def sitemap(client: Client) -> dict[str, str | None]:
    root = ET.fromstring(client.get("/sitemap.xml")[1])
    return {urlsplit(u.findtext("s:loc", namespaces=SITEMAP_NS)).path: u.findtext("s:lastmod", namespaces=SITEMAP_NS)
            for u in root.findall("s:url", SITEMAP_NS)}


def http_date(when: dt.datetime) -> str:
    return email.utils.format_datetime(when.astimezone(dt.timezone.utc), usegmt=True)


@pytest.fixture(scope="module")
def plain():
    with ReplicaServer(articles=N) as server:
        yield server


@pytest.fixture(scope="module")
def changed():
    with ReplicaServer(articles=N, edits=EDITS, removed=REMOVED) as server:
        yield server


# -- edits ----------------------------------------------------------------------------------


def test_revisions_are_deterministic_and_change_title_body_and_date():
    for i, r in EDITS.items():
        orig, a = generate_article(i), generate_article(i, revision=r)
        again = generate_article(i, seed=0, profile="hertfordshire", revision=r)
        assert a.expected_article("soh").to_record() == again.expected_article("soh").to_record()
        assert a.soh_path == orig.soh_path and a.legacy_path == orig.legacy_path and a.cms_id == orig.cms_id
        assert a.title == ("" if orig.title.startswith("UPDATED: ") else "UPDATED: ") + orig.title
        body = a.body_markdown()
        assert body.startswith("Updated News Post\n\n") and body.count("Updated News Post") == 1
        assert body != orig.body_markdown() and body.endswith(orig.body_markdown().removeprefix("Updated News Post\n\n"))
        assert a.last_modified == orig.moment + r * EDIT_STEP and a.published == orig.published
        assert a.revision == r and a.updated
        stub = article_stub(i, revision=r)  # listings' view agrees with the page
        assert (stub.title, stub.summary, stub.description) == (a.title, a.summary, a.description)
        assert (orig.description is None) == (a.description is None)
        if r > 1:
            prev = generate_article(i, revision=r - 1).body_markdown()
            assert body != prev and body.endswith(prev.removeprefix("Updated News Post\n\n"))
    assert generate_article(5, seed=1, revision=1).body_markdown() != generate_article(5, revision=1).body_markdown()
    with pytest.raises(ValueError):
        generate_article(5, revision=-1)


def test_some_revisions_change_the_description_and_none_add_furniture():
    changed_desc = kept = 0
    phrases = [p.lower() for p in PROFILE.furniture_phrases]
    for s in ALL[:120]:
        for r in (1, 2):
            a = generate_article(s.index, revision=r)
            if s.description is not None:
                changed_desc += a.description != s.description
                kept += a.description == s.description
            text = (a.title + "\n" + B.block_text(a.blocks) + "\n" + a.summary).lower()
            assert not [p for p in phrases if p in text], (s.index, r)
    assert changed_desc >= 20 and kept >= 20


def test_edited_page_has_new_etag_last_modified_title_and_body_at_the_same_url(plain, changed):
    c0, c1 = Client(plain), Client(changed)
    for i, r in EDITS.items():
        a = generate_article(i, revision=r)
        (r0, _), (r1, b1) = c0.get(a.soh_path), c1.get(a.soh_path)
        assert r0.status == r1.status == 200
        assert r0.getheader("ETag") != r1.getheader("ETag")
        assert email.utils.parsedate_to_datetime(r1.getheader("Last-Modified")) == a.last_modified > a.moment
        assert email.utils.parsedate_to_datetime(r0.getheader("Last-Modified")) == a.moment
        page = doc(b1)
        assert page.xpath('//h1[@class="c-page-header_title"]')[0].text_content() == a.title
        assert page.findtext(".//title") == f"{a.title} | Hertfordshire Constabulary"
        first = page.xpath("//div[@class='c-news-article s-cms']/*[1]")[0]
        assert first.tag == "p" and first.text_content() == "Updated News Post"
        og = page.xpath('//meta[@property="og:description"]/@content')
        assert og == ([a.description] if a.description is not None else [])
        # conditional requests: the old validators no longer match, the new ones do
        assert c1.get(a.soh_path, **{"If-None-Match": r0.getheader("ETag")})[0].status == 200
        assert c1.get(a.soh_path, **{"If-Modified-Since": r0.getheader("Last-Modified")})[0].status == 200
        assert c1.get(a.soh_path, **{"If-None-Match": r1.getheader("ETag")})[0].status == 304
        assert changed.site.expected_article(i).to_record() == a.expected_article("soh").to_record()


@pytest.mark.parametrize("generation", SHAPES)
def test_edited_pages_extract_to_the_expected_records(generation):
    """Both revisions of each edited article: the extractor's record, byte for byte."""
    edits2 = {i: r + 1 for i, r in EDITS.items()}
    for edits in (EDITS, edits2):
        with ReplicaServer(articles=N, generation=generation, edits=edits) as server:
            client = Client(server)
            for i, r in edits.items():
                a = generate_article(i, revision=r)
                path = a.path(generation)
                got = extract_article(client.get(path)[1], server.base_url + path, PROFILE, base_url=server.base_url)
                assert got.to_record() == a.expected_article(generation).to_record(), (generation, i, r)
                assert got.images == a.expected_article(generation).images


def test_unedited_pages_are_identical_to_a_site_without_changes(plain, changed):
    c0, c1 = Client(plain), Client(changed)
    for s in ALL:
        if s.index in EDITS or s.index in REMOVED:
            continue
        (r0, b0), (r1, b1) = c0.get(s.soh_path), c1.get(s.soh_path)
        assert unstamped(b0).replace(plain.base_url.encode(), b"") == unstamped(b1).replace(changed.base_url.encode(), b"")
        assert r0.getheader("ETag") == r1.getheader("ETag") and r0.getheader("Last-Modified") == r1.getheader("Last-Modified")


def test_listings_search_rss_and_sitemap_show_edits_in_publication_order(changed):
    client = Client(changed)
    served = [i for i in range(N - 1, -1, -1) if i not in REMOVED]
    current = {i: article_stub(i, revision=EDITS.get(i, 0)) for i in served}

    page = doc(client.get("/news/hertfordshire/news/")[1])
    panels = page.xpath('//a[@class="c-news-panel"]')
    assert [p.get("href") for p in panels] == [current[i].soh_path for i in served[:12]]
    assert [p.xpath('.//h3')[0].text_content() for p in panels] == [current[i].title for i in served[:12]]
    assert [p.xpath('.//p[@class="c-news-panel_text"]')[0].text_content() for p in panels] == [current[i].summary for i in served[:12]]

    assert crawl_search(client) == [current[i].soh_path for i in served]
    results = doc(client.get("/news/news-search/?ct=News&page=1")[1]).xpath('//a[@class="c-news-results_title"]')
    assert [a.text_content() for a in results] == [current[i].title for i in served[:10]]

    items = ET.fromstring(client.get("/news/hertfordshire/news/GetNewsRss/")[1]).findall("./channel/item")
    assert [i.findtext("title") for i in items] == [current[i].title for i in served[:50]]
    assert [urlsplit(i.findtext("link")).path for i in items] == [current[i].soh_path for i in served[:50]]

    lastmods = sitemap(client)
    for i in served:
        assert dt.datetime.fromisoformat(lastmods[current[i].soh_path]) == current[i].last_modified
    for i, r in EDITS.items():
        if i not in REMOVED:
            assert current[i].last_modified == ALL[i].moment + r * EDIT_STEP
    found = doc(client.get("/news/news-search/?ct=Updates")[1]).xpath('//a[@class="c-news-results_title"]/@href')
    assert current[299].soh_path in found


# -- removals ------------------------------------------------------------------------------


def test_removed_articles_are_gone_from_every_listing(changed):
    client = Client(changed)
    removed_paths = {ALL[i].soh_path for i in REMOVED}
    for path in removed_paths:
        resp, body = client.get(path)
        assert resp.status == 404 and b"Page not found" in body and b"Quickly exit this site" in body
        assert resp.getheader("ETag") is None and resp.getheader("Last-Modified") is None
    hrefs = crawl_search(client)
    assert len(hrefs) == len(set(hrefs)) == N - len(REMOVED) and not removed_paths & set(hrefs)
    assert doc(client.get("/news/news-search/?ct=News&page=29")[1]).xpath("//p[@class='c-news-results_count']")[0] \
        .text_content() == f"Showing 281 to {N - len(REMOVED)} of {N - len(REMOVED)} results"
    assert client.get("/news/news-search/?ct=News&page=30")[0].status == 404  # 288 results: 29 pages
    listing = set(doc(client.get("/news/hertfordshire/news/")[1]).xpath('//a[@class="c-news-panel"]/@href'))
    rss = {urlsplit(i.findtext("link")).path for i in
           ET.fromstring(client.get("/news/hertfordshire/news/GetNewsRss/")[1]).findall("./channel/item")}
    assert len(rss) == 50
    in_sitemap = set(sitemap(client))
    assert not removed_paths & (listing | rss | in_sitemap)
    assert {s.soh_path for s in ALL} - removed_paths <= in_sitemap
    for href in hrefs[::7]:
        assert client.get(href)[0].status == 200


def test_removed_articles_can_answer_410_and_legacy_pagination_stays_whole():
    with ReplicaServer(articles=N, generation="legacy", removed=REMOVED, gone_status=410) as server:
        client = Client(server)
        for i in REMOVED:
            resp, body = client.get(ALL[i].legacy_path)
            assert resp.status == 410 and b"Page not found" in body and b"Skip to content" in body
        hrefs = crawl_legacy(client)
        assert len(hrefs) == len(set(hrefs)) == N - len(REMOVED)
        assert hrefs == [ALL[i].legacy_path for i in range(N - 1, -1, -1) if i not in REMOVED]
        assert client.get("/news-and-appeals/?page=30")[0].status == 404
        assert client.get("/news-and-appeals/?page=29")[0].status == 200
        in_sitemap = set(sitemap(client))
        assert not {ALL[i].legacy_path for i in REMOVED} & in_sitemap
    with pytest.raises(ValueError):
        ReplicaSite(10, gone_status=500)


def test_growth_with_edits_and_removals_keeps_the_older_site():
    """5,010 = the 5,000 (edited and removed alike) + 10 newer; an edit or
    removal of an article not yet published waits for it."""
    edits = {7: 1, 2500: 2, 4999: 1, 5003: 1}
    removed = {100, 4998, 5005}
    with ReplicaServer(articles=5000, edits=edits, removed=removed) as small, \
            ReplicaServer(articles=5010, edits=edits, removed=removed) as big:
        cs, cb = Client(small), Client(big)
        for i in list(range(0, 5000, 211)) + [7, 100, 2500, 4997, 4998, 4999]:
            path = small.site.stubs[i].soh_path
            (r1, a), (r2, b) = cs.get(path), cb.get(path)
            assert r1.status == r2.status and unstamped(a) == unstamped(b), i
            assert r1.getheader("ETag") == r2.getheader("ETag")
        assert cb.get(big.site.stubs[5005].soh_path)[0].status == 404
        assert cs.get(big.site.stubs[5003].soh_path)[0].status == 404  # not published yet
        top = doc(cb.get("/news/hertfordshire/news/")[1]).xpath('//a[@class="c-news-panel"]')
        assert top[0].get("href") == big.site.stubs[5009].soh_path
        newer = {big.site.stubs[i].soh_path for i in range(5000, 5010) if i != 5005}
        assert {a.get("href") for a in top[:9]} == newer
        edited = next(a for a in top if a.get("href") == big.site.stubs[5003].soh_path)
        assert edited.xpath(".//h3")[0].text_content() == article_stub(5003, revision=1).title
        small_hrefs = doc(cs.get("/news/news-search/?ct=News&page=2")[1]).xpath('//a[@class="c-news-results_title"]/@href')
        big_hrefs = doc(cb.get("/news/news-search/?ct=News&page=2")[1]).xpath('//a[@class="c-news-results_title"]/@href')
        assert big_hrefs[9:] == small_hrefs[:1]  # everything shifted by the 9 newer articles served
        assert len(sitemap(cb)) == len(sitemap(cs)) + 9


# -- fault mode ----------------------------------------------------------------------------

FAST = 0.05  # seconds a hang lasts in these tests


def fault_sample(paths, plan: FaultPlan, requests: int = 300):
    """Outcomes of `requests` sequential requests over paths, and the server's stats."""
    with ReplicaServer(articles=N, faults=plan) as server:
        client = Client(server, timeout=5)
        outcomes = [client.outcome(paths[k % len(paths)]) for k in range(requests)]
        stats = json.loads(Client(server).get(STATS_PATH)[1])
        assert stats == server.stats()
        return outcomes, stats, server.site.fault_counts


def test_fault_mode_injects_roughly_the_configured_rates_deterministically():
    paths = [s.soh_path for s in ALL[::3]] + ["/news/hertfordshire/news/", "/news/news-search/?ct=News&page=2",
                                              "/sitemap.xml", "/news/hertfordshire/news/GetNewsRss/", "/nope"]
    plan = FaultPlan(seed=7, timeout=FAST)
    outcomes, stats, counts = fault_sample(paths, plan)
    seen = {k: outcomes.count(k) for k in ("503", "timeout", "truncate", "reset")}
    # what the client met is what the server says it injected
    assert seen == {k: counts[k] for k in seen} == {k: stats["faults"]["injected"][k] for k in seen}
    # 300 draws at 5%, 2%, 1%, 1% (expected 15, 6, 3, 3): wide bounds, which all of 2,000 seeds meet
    assert 3 <= seen["503"] <= 32 and seen["timeout"] <= 18 and seen["truncate"] <= 12 and seen["reset"] <= 12
    assert 12 <= sum(seen.values()) <= 55 and seen["timeout"] + seen["truncate"] + seen["reset"] >= 2
    assert all(seen.values())  # this seed meets every kind
    assert outcomes.count("200") + outcomes.count("404") + sum(seen.values()) == 300
    assert stats["requests"]["total"] == 300 and stats["faults"]["rates"] == plan.rates
    assert fault_sample(paths, plan)[0] == outcomes  # the same seed meets the same faults
    assert fault_sample(paths, FaultPlan(seed=8, timeout=FAST))[0] != outcomes


def test_faults_are_per_request_so_retries_succeed():
    with ReplicaServer(articles=20, faults=FaultPlan(rates={"503": 0.6}, seed=1)) as server:
        client = Client(server)
        path = server.site.stubs[5].soh_path
        statuses = []
        for _ in range(40):
            resp, body = client.get(path)
            statuses.append(resp.status)
            if resp.status == 503:
                assert resp.getheader("Retry-After") == "1" and b"Service Unavailable" in body
        assert set(statuses) == {200, 503} and (503, 200) in set(pairwise(statuses))  # a retry succeeds
        assert 12 <= statuses.count(503) <= 36 and server.site.fault_counts["503"] == statuses.count(503)


def test_truncated_bodies_are_really_cut():
    with ReplicaServer(articles=20, faults=FaultPlan(rates={"truncate": 1.0}, redirect_loop=False)) as server:
        for path in (server.site.stubs[3].soh_path, "/news/hertfordshire/news/", "/sitemap.xml"):
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            conn.request("GET", path)
            resp = conn.getresponse()
            assert resp.status == 200 and int(resp.getheader("Content-Length")) > 100
            with pytest.raises(http.client.IncompleteRead) as exc:
                resp.read()
            assert 0 < len(exc.value.partial) < int(resp.getheader("Content-Length"))
            conn.close()
        assert server.site.fault_counts["truncate"] == 3


def test_resets_really_reset():
    with ReplicaServer(articles=20, faults=FaultPlan(rates={"reset": 1.0})) as server:
        for path in (server.site.stubs[3].soh_path, "/news/news-search/?ct=News"):
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            with pytest.raises(ConnectionResetError) as exc:
                conn.request("GET", path)
                conn.getresponse().read()
            assert exc.value.errno == errno.ECONNRESET  # a real RST, not an orderly close
            assert not isinstance(exc.value, http.client.RemoteDisconnected)
            conn.close()
        assert server.site.fault_counts["reset"] == 2


def test_hangs_send_nothing_then_close():
    with ReplicaServer(articles=20, faults=FaultPlan(rates={"timeout": 1.0}, timeout=0.4)) as server:
        path = server.site.stubs[3].soh_path
        conn = http.client.HTTPConnection(server.host, server.port, timeout=0.1)
        conn.request("GET", path)
        with pytest.raises(socket.timeout):  # the client gives up first
            conn.getresponse()
        conn.close()
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        started = time.monotonic()
        conn.request("GET", path)
        with pytest.raises(http.client.RemoteDisconnected):  # nothing, then the server hangs up
            conn.getresponse()
        assert time.monotonic() - started >= 0.35
        assert server.site.fault_counts["timeout"] == 2


def test_robots_txt_never_faults():
    plan = FaultPlan(rates={"503": 0.25, "timeout": 0.25, "truncate": 0.25, "reset": 0.25}, timeout=FAST)
    with ReplicaServer(articles=20, faults=plan) as server:
        client = Client(server)
        expected = client.get("/robots.txt")[1]
        assert expected.startswith(b"User-agent: *\n")
        for _ in range(60):
            resp, body = client.get("/robots.txt")
            assert resp.status == 200 and body == expected
        assert sum(server.site.fault_counts.values()) == 0
        assert client.outcome(server.site.stubs[2].soh_path) != "200"  # everything else always faults here
        stats = json.loads(client.get(STATS_PATH)[1])  # and neither does the stats endpoint
        assert stats["requests"]["by_kind"]["robots"] == 61


@pytest.mark.parametrize("generation", SHAPES)
def test_fault_mode_lists_a_url_that_redirects_to_itself(generation):
    with ReplicaServer(articles=30, generation=generation, faults=FaultPlan(rates={})) as server:
        client = Client(server)
        loop = server.site.loop_path
        gen = PROFILE.generations[generation]
        assert gen.is_article_path(loop)
        if generation == "soh":
            assert loop == "/news/hertfordshire/news/2024/january-2024/redirect-loop/"
            listing = doc(client.get("/news/hertfordshire/news/")[1]).xpath('//a[@class="c-news-panel"]/@href')
            search = doc(client.get("/news/news-search/?ct=News")[1]).xpath('//a[@class="c-news-results_title"]/@href')
            page2 = doc(client.get("/news/news-search/?ct=News&page=2")[1]).xpath('//a[@class="c-news-results_title"]/@href')
            assert loop in listing and loop in search and loop not in page2
            assert crawl_search(client).count(loop) == 1
        else:
            assert loop == "/news-and-appeals/Redirect-loop-0000"
            assert crawl_legacy(client).count(loop) == 1
        assert loop in sitemap(client)
        url = loop
        for _ in range(25):
            resp, body = client.get(url)
            assert resp.status == 302 and body == b""
            url = resp.getheader("Location")
            assert url == loop
        assert server.site.fault_counts["redirect_loop"] == 25
    with ReplicaServer(articles=30, faults=FaultPlan(rates={}, redirect_loop=False)) as server:
        assert server.site.loop_path is None
        assert "redirect-loop" not in str(sitemap(Client(server)))


def test_fault_plans_validate():
    assert parse_rates("503=0.05,timeout=0.02, truncate=0.01,reset=0.01") == FaultPlan().rates
    assert FaultPlan(rates=parse_rates("reset=0.5")).rates == {"503": 0.0, "timeout": 0.0, "truncate": 0.0, "reset": 0.5}
    for bad in ("503", "oops=0.1", "503=x"):
        with pytest.raises(ValueError):
            parse_rates(bad)
    for rates in ({"503": 0.7, "reset": 0.5}, {"503": -0.1}, {"slow": 0.1}):
        with pytest.raises(ValueError):
            FaultPlan(rates=rates)
    assert ReplicaSite(5).faults is None and ReplicaSite(5, faults=False).faults is None
    plan = ReplicaSite(5, faults=True, fault_timeout=3).faults.plan  # a keyword alone adjusts the default plan
    assert plan == FaultPlan(timeout=3) and plan.rates == FaultPlan().rates
    plan = ReplicaSite(5, fault_seed=9, fault_rates={"reset": 0.1}).faults.plan  # and implies fault mode
    assert plan.seed == 9 and plan.rates["reset"] == 0.1 and plan.rates["503"] == 0
    plan = ReplicaSite(5, faults=FaultPlan(seed=3, redirect_loop=False), fault_timeout=1).faults.plan
    assert (plan.seed, plan.timeout, plan.redirect_loop) == (3, 1, False)


# -- the stats endpoint ----------------------------------------------------------------------


def test_stats_endpoint_counts_requests_without_fault_mode():
    with ReplicaServer(articles=30, removed={3}) as server:
        client = Client(server)
        stubs30 = server.site.stubs
        for path in (stubs30[1].soh_path, stubs30[2].soh_path, stubs30[3].soh_path, "/news/hertfordshire/news/",
                     "/news/news-search/?ct=News", "/news/news-search/?ct=News&page=2",
                     "/news/hertfordshire/news/GetNewsRss/", "/sitemap.xml", "/robots.txt", "/nope", "/contact-us/"):
            client.get(path)
        etag = client.get(stubs30[1].soh_path)[0].getheader("ETag")
        client.get(stubs30[1].soh_path, **{"If-None-Match": etag})
        client.get(stubs30[1].soh_path, method="HEAD")
        resp, body = client.get(STATS_PATH)
        assert resp.status == 200 and resp.getheader("Content-Type") == "application/json; charset=utf-8"
        stats = json.loads(body)
        requests = stats["requests"]
        assert requests["total"] == 14
        assert requests["by_kind"] == {"article": 6, "listing": 1, "search": 2, "rss": 1, "sitemap": 1,
                                       "robots": 1, "other": 2}
        assert requests["by_status"] == {"200": 11, "304": 1, "404": 2}
        assert requests["by_kind_and_status"]["article"] == {"200": 4, "304": 1, "404": 1}
        assert stats["faults"]["enabled"] is False and set(stats["faults"]["injected"].values()) == {0}
        assert stats["site"] == {"articles": 30, "served": 29, "generation": "soh", "seed": 0, "edits": {},
                                 "removed": 1, "gone_status": 404}
        assert json.loads(client.get(STATS_PATH)[1])["requests"]["total"] == 14  # it does not count itself
        assert server.stats()["requests"] == requests and server.site.request_counts == requests
        server.site.reset_stats()
        assert server.site.request_counts["total"] == 0


# -- the command line and start-up --------------------------------------------------------------


def test_change_specs():
    assert parse_edit_spec("3,17,42:2") == {3: 1, 17: 1, 42: 2}
    assert parse_edit_spec("10-12:3, 5") == {10: 3, 11: 3, 12: 3, 5: 1}
    assert parse_index_spec("10-19,25") == set(range(10, 20)) | {25}
    for bad in ("x", "3:y", "5-2", "-3", "1-"):
        with pytest.raises(ValueError):
            parse_edit_spec(bad)
        with pytest.raises(ValueError):
            parse_index_spec(bad.replace(":y", "x"))


def test_cli_serves_edits_removals_and_faults():
    proc = subprocess.Popen([sys.executable, "-m", "herts_scraper", "replica", "--port", "0", "--articles", "25",
                             "--edit", "3,4:2", "--edit", "20", "--remove", "10-12", "--remove", "15",
                             "--gone-status", "410", "--fault-seed", "4", "--fault-rates", "503=0.0",
                             "--fault-timeout", "0.1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "3 edited" in line and "4 removed (410)" in line and "fault mode, seed 4" in line
        base = urlsplit(re.search(r"http://127\.0\.0\.1:\d+", line).group())
        conn = http.client.HTTPConnection(base.hostname, base.port, timeout=5)
        conn.request("GET", STATS_PATH)
        stats = json.loads(conn.getresponse().read())
        assert stats["site"]["edits"] == {"3": 1, "4": 2, "20": 1} and stats["site"]["removed"] == 4
        assert stats["faults"]["enabled"] and stats["faults"]["seed"] == 4 and stats["faults"]["timeout"] == 0.1
        conn.request("GET", article_stub(11).soh_path)
        resp = conn.getresponse()
        assert resp.status == 410 and resp.read()
        conn.request("GET", article_stub(4).soh_path)
        assert doc(conn.getresponse().read()).findtext(".//h1").strip() == article_stub(4, revision=2).title
    finally:
        proc.terminate()
        proc.wait(10)
    bad = subprocess.run([sys.executable, "-m", "herts_scraper", "replica", "--edit", "3:x"], cwd=ROOT,
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "bad revision" in bad.stderr


def test_large_changed_site_starts_without_rendering(monkeypatch):
    """Edits and removals are applied to stubs at start-up, never by generating bodies
    (the start-up time is measured in bench/, never asserted here)."""
    generated = []
    real = replica_site.generate_article
    monkeypatch.setattr(replica_site, "generate_article", lambda *a, **k: generated.append(a) or real(*a, **k))
    site = ReplicaSite(articles=20000, seed=4321, edits={i: 1 + i % 3 for i in range(0, 20000, 40)},
                       removed=range(5, 20000, 40), faults=True)
    assert len(site.served) == 19500 and len(site._revised) == 500
    assert not generated and not site._cache.data
