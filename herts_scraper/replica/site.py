"""The replica's request handling: a path and headers in, a response out.

No sockets here (server.py does HTTP). Every request goes through
`ReplicaSite.respond`. Pages are rendered once into a template with a
timestamp slot and kept in an LRU cache; a request only splices in the
current render time.

A site can be served as it stands after some changes, all fixed when it is
built and all deterministic:
- growth: `articles` n serves articles 0..n-1; more articles add newer ones
  and leave the older pages byte-identical (edits and removals included).
- edits {index: revision}: the article at that revision (generator.py): new
  title, body, maybe og:description, ETag and Last-Modified (the edit time);
  same URL; listings, search, RSS and sitemap show the new title (lastmod =
  the edit time) and keep the original publication order.
- removals: those articles answer `gone_status` (404 or 410) with the 404
  page and leave listings, search (pagination recomputed), RSS and sitemap.
  Edits and removals of indexes beyond `articles` wait until the site grows.
  A page's "related news" block is as it was when that page was published
  (it names other articles' original titles, removed ones too): a page
  changes only when its own article does.
- fault mode (faults.py): per request, 503 + Retry-After, hangs, truncated
  bodies and connection resets, plus one listed article URL that redirects to
  itself forever. Never on /robots.txt: a robots.txt that fails with a 5xx or
  times out makes Scrapy treat the whole site as allowed.
- blocked mode (`block`: "403" or "challenge"): every request, robots.txt
  included, answers a 403 or a CDN's JS challenge page with a 200, as a
  police site answers a machine it refuses.

GET /__replica__/stats answers JSON counters: requests by path kind and by
status, and faults injected by kind. It is test and benchmark
instrumentation: the real site has nothing like it, so no spider may use it.
It is never faulted and its own requests are not counted.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from herts_scraper.profiles import Profile, load_profile
from herts_scraper.replica import pages
from herts_scraper.replica.blocks import blocks_to_html
from herts_scraper.replica.faults import (
    KINDS as FAULT_KINDS,
    REDIRECT_LOOP,
    FaultInjector,
    FaultPlan,
    block_page,
    make_plan,
)
from herts_scraper.replica.generator import (
    ArticleStub,
    ReplicaArticle,
    article_stub,
    corpus_shows,
    generate_article,
    stubs,
)
from herts_scraper.replica.pages import PageContent, Teaser
from herts_scraper.replica.stats import RequestStats

HTML = "text/html; charset=utf-8"
PER_PAGE = 10
LISTING_SIZE = 12
RSS_SIZE = 50
RELATED = 3
GENERATIONS = ("soh", "legacy")
GONE_STATUSES = (404, 410)
STATS_PATH = "/__replica__/stats"
LOOP_TITLE = "Redirect loop"  # fault mode's looping teaser (the page never loads)
TAGS = {"appeal": "Appeal", "missing": "Missing"}  # the SOH meta tag beside the date
TAGGED_SHARE = 0.3  # of pages show a tag, on forces whose date block carries one
WIDGET_SHARE = 0.2  # of pages carry the force's widget inside the article region


@dataclass
class Page:
    """A rendered page: body = head + timestamp + tail when tail is not None."""

    status: int
    content_type: str
    head: bytes
    tail: bytes | None = None
    etag: str | None = None
    last_modified: dt.datetime | None = None
    headers: tuple = ()


@dataclass
class Response:
    """fault: None, or what server.py must do instead of (or to) this
    response: "timeout" (send nothing for `hold` seconds, then close),
    "reset" (RST the connection) or "truncate" (send the headers and part of
    the body, then close)."""

    status: int
    headers: list = field(default_factory=list)
    body: bytes = b""
    fault: str | None = None
    hold: float = 0.0


class _LRU:
    def __init__(self, size: int):
        self.data: OrderedDict[object, object]
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = make()
        with self.lock:
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


def _template(text: str, status: int = 200, content_type: str = HTML, *, etag: bool = False,
              last_modified=None, headers=()) -> Page:
    raw = text.encode("utf-8")
    slot = pages.TIMESTAMP_SLOT.encode("utf-8")
    head, sep, tail = raw.partition(slot)
    tag = f'"{hashlib.sha1(raw).hexdigest()[:20]}"' if etag else None
    return Page(status, content_type, head, tail if sep else None, tag, last_modified, tuple(headers))


class ReplicaSite:
    """One generation of the site over `articles` generated articles.

    edits: {index: revision} (or indexes: revision 1); removed: indexes;
    gone_status: what removed articles answer (404 or 410); faults: True, a
    FaultPlan, or None/False; fault_seed, fault_timeout and fault_rates
    adjust the plan (and imply fault mode). See the module docstring.
    """

    def __init__(self, articles: int = 300, generation: str = "soh", seed: int = 0,
                 profile: str | Profile = "hertfordshire", cache_size: int = 4096, *,
                 edits=None, removed=None, gone_status: int = 404, faults: bool | FaultPlan | None = None,
                 fault_seed: int | None = None, fault_timeout: float | None = None, fault_rates: dict | None = None,
                 block: str | None = None):
        if block is not None:
            block_page(block)  # a ValueError for an unknown mode
        self.block = block
        if generation not in GENERATIONS:
            raise ValueError(f"generation must be one of {', '.join(GENERATIONS)}, not {generation!r}")
        if articles < 0:
            raise ValueError("articles must be 0 or more")
        if gone_status not in GONE_STATUSES:
            raise ValueError(f"gone_status must be 404 or 410, not {gone_status!r}")
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        if generation not in self.profile.generations:
            raise ValueError(f"profile {self.profile.name!r} has no {generation!r} generation")
        self.generation, self.seed, self.count = generation, seed, articles
        self.gone_status = gone_status
        self.edits: dict[int, int] = _edits(edits)
        self.removed: frozenset[int] = _indexes(removed)
        self.stubs: list[ArticleStub] = stubs(articles, seed, self.profile)
        self.by_path = {s.path(generation): s.index for s in self.stubs}
        # published time grows with the index; edits keep their place
        if self.removed:
            self.newest_first = [i for i in range(articles - 1, -1, -1) if i not in self.removed]
        else:
            self.newest_first = list(range(articles - 1, -1, -1))
        self._revised = {i: article_stub(i, seed, self.profile, revision=r)
                         for i, r in self.edits.items() if i < articles and i not in self.removed}
        self.news_path = pages._news_path(self.profile)  # the force listing (Kent: /news/kent/latest/)
        self.rss_path = pages.rss_path(self.profile)
        self.all_ct = pages.default_ct(self.profile)
        self.date_tags = corpus_shows(self.profile, "date_tags")
        self.widgets = corpus_shows(self.profile, "widgets")
        self.og_host = (corpus_shows(self.profile, "og_url_host") or (None,))[0]
        self._cache = _LRU(cache_size)
        plan = make_plan(faults, seed=fault_seed, timeout=fault_timeout, rates=fault_rates)
        self.faults: FaultInjector | None = FaultInjector(plan) if plan else None
        self.loop_path = self._loop_path() if self.faults and self.faults.plan.redirect_loop else None
        self.request_stats = RequestStats()

    # -- state -------------------------------------------------------------------------
    def revision(self, index: int) -> int:
        """The article's revision: part of every cache key, so an edit re-renders."""
        return self.edits.get(index, 0)

    def stub(self, index: int) -> ArticleStub:
        """What listings show of article `index`: its current revision."""
        return self._revised.get(index) or self.stubs[index]

    @property
    def served(self) -> list[int]:
        """Indexes of the articles served (not removed), newest first."""
        return self.newest_first

    @property
    def fault_counts(self) -> dict:
        """Faults injected so far, by kind (all 0 when fault mode is off)."""
        if self.faults is None:
            return dict.fromkeys((*FAULT_KINDS, REDIRECT_LOOP), 0)
        return self.faults.snapshot()

    @property
    def request_counts(self) -> dict:
        """Requests answered so far: total, by path kind, by status."""
        return self.request_stats.snapshot()

    def stats(self) -> dict:
        """What GET /__replica__/stats answers."""
        plan = self.faults.plan if self.faults else None
        return {
            "site": {"articles": self.count, "served": len(self.newest_first), "generation": self.generation,
                     "seed": self.seed, "edits": {str(i): r for i, r in sorted(self.edits.items())},
                     "removed": len(self.removed), "gone_status": self.gone_status},
            "requests": self.request_counts,
            "block": self.block,
            "faults": {"enabled": plan is not None, "seed": plan.seed if plan else None,
                       "rates": plan.rates if plan else None, "timeout": plan.timeout if plan else None,
                       "redirect_loop": self.loop_path, "injected": self.fault_counts},
        }

    def reset_stats(self) -> None:
        """Zero the request and fault counters (the fault RNG goes on)."""
        self.request_stats.reset()
        if self.faults is not None:
            self.faults.reset_counts()

    # -- content -----------------------------------------------------------------------
    def article(self, index: int) -> ReplicaArticle:
        return generate_article(index, self.seed, self.profile, revision=self.revision(index))

    def expected_article(self, index: int, generation: str | None = None):
        """The record an exact extractor makes of article `index` as served."""
        return self.article(index).expected_article(generation or self.generation)

    def _teaser_of(self, s: ArticleStub) -> Teaser:
        published = s.published if self.generation == "soh" or s.published is None else s.published.date()
        image = f"/globalassets/news-images/thumbnails/{s.index:05d}.jpg" if s.has_image else None
        return Teaser(s.title, s.path(self.generation), s.summary, published, image)

    def teaser(self, index: int) -> Teaser:
        return self._teaser_of(self.stub(index))

    def related(self, index: int) -> list[Teaser]:
        """Older articles only, as first published, so a page never depends on
        how many are served nor on what happened to other articles since."""
        if index == 0:
            return []
        rng = random.Random(f"related:{self.seed}:{index}")
        picks = sorted({rng.randrange(max(0, index - 60), index) for _ in range(RELATED)}, reverse=True)
        return [self._teaser_of(self.stubs[i]) for i in picks]

    def page_content(self, a: ReplicaArticle) -> PageContent:
        soh = self.generation == "soh"
        published = a.published if soh or a.published is None else a.published.date()
        images = a.images
        refs = bool(a.facts.get("char_refs"))
        return PageContent(
            path=a.path(self.generation),
            title=a.title,
            description=a.description,
            published=published,
            body_html=self._body_html(a, refs),
            cms_id=a.cms_id,
            og_image=images[0]["src"] if images else None,
            char_refs=refs,
            tag=self._tag(a) if soh else None,
            og_url=f"https://{self.og_host}{a.path('soh')}" if soh and self.og_host else None,
        )

    def _tag(self, a: ReplicaArticle) -> str | None:
        """The date block's tag: the force's own (profile `corpus_shows: date_tags`), on some
        pages; none on the pages of a force whose records show none; else the replica's."""
        if self.date_tags:
            rng = random.Random(f"tag:{self.seed}:{a.index}")
            return self.date_tags[rng.randrange(len(self.date_tags))] if rng.random() < TAGGED_SHARE else None
        return None if self.profile.checked and self.profile.corpus != "Hertfordshire" else TAGS.get(a.kind)

    def _body_html(self, a: ReplicaArticle, refs: bool) -> str:
        html_text = blocks_to_html(a.blocks, self.profile.origin, char_refs=refs)
        if self.generation == "soh" and "station_finder" in self.widgets and \
                random.Random(f"widget:{self.seed}:{a.index}").random() < WIDGET_SHARE:
            html_text += "\n" + pages.STATION_FINDER  # inside the article region, as the force's pages have it
        return html_text

    def render_article(self, index: int) -> str:
        a = self.article(index)
        return pages.render_article_page(self.page_content(a), self.generation, self.profile,
                                         timestamp=pages.TIMESTAMP_SLOT, related=self.related(index))

    # -- routing -----------------------------------------------------------------------
    def respond(self, method: str, target: str, headers=None, base: str = "http://127.0.0.1") -> Response:
        """The response to one request (GET or HEAD) for target (path and query)."""
        headers = headers or {}
        path, query = _split(target)
        if path == STATS_PATH:
            return self._stats_response(method)
        if method not in ("GET", "HEAD"):
            self.request_stats.count("other", 405)
            return Response(405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8"),
                                  ("Content-Length", "19")], b"Method not allowed\n")
        kind, page = self._route(path, query, base)
        if self.block is not None:
            status, body = block_page(self.block)
            self.request_stats.count(kind, status)
            return Response(status, [("Content-Type", HTML), ("Cache-Control", "no-store"),
                                     ("Content-Length", str(len(body)))], b"" if method == "HEAD" else body)
        fault = None
        if self.faults is not None and kind != "robots":
            fault = self.faults.draw()
            if fault is not None and fault != "truncate":
                return self._fault(fault, kind, method)
        out = [("Content-Type", page.content_type), ("Cache-Control", "no-cache"), *page.headers]
        if page.etag:
            out.append(("ETag", page.etag))
        if page.last_modified:
            out.append(("Last-Modified",
                        email.utils.format_datetime(page.last_modified.astimezone(dt.timezone.utc), usegmt=True)))
        if page.status == 200 and _not_modified(page, headers):
            resp = Response(304, [h for h in out if h[0] in ("ETag", "Last-Modified", "Cache-Control")], b"")
        else:
            body = page.head if page.tail is None else page.head + pages.format_timestamp().encode("ascii") + page.tail
            out.append(("Content-Length", str(len(body))))
            resp = Response(page.status, out, b"" if method == "HEAD" else body)
        if fault == "truncate":
            if len(resp.body) < 2:  # nothing to cut (HEAD, 304, redirect): reset instead
                return self._fault("reset", kind, method)
            assert self.faults is not None  # it drew the fault
            self.faults.record(fault)
            resp.fault = fault
        elif page.status == 302 and path == self.loop_path:
            assert self.faults is not None  # a loop path only in fault mode
            self.faults.record(REDIRECT_LOOP)
        self.request_stats.count(kind, resp.status)
        return resp

    def _fault(self, fault: str, kind: str, method: str) -> Response:
        assert self.faults is not None  # only in fault mode
        self.faults.record(fault)
        if fault == "503":
            self.request_stats.count(kind, 503)
            body = pages.render_unavailable().encode("utf-8")
            return Response(503, [("Content-Type", HTML), ("Retry-After", "1"), ("Cache-Control", "no-store"),
                                  ("Content-Length", str(len(body)))], b"" if method == "HEAD" else body)
        self.request_stats.count(kind, fault)
        return Response(0, fault=fault, hold=self.faults.plan.timeout if fault == "timeout" else 0.0)

    def _stats_response(self, method: str) -> Response:
        body = (json.dumps(self.stats(), indent=2, sort_keys=True) + "\n").encode("utf-8")
        return Response(200, [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store"),
                              ("Content-Length", str(len(body)))], b"" if method == "HEAD" else body)

    def _route(self, path: str, query: str, base: str) -> tuple[str, Page]:
        """-> (path kind for the counters, page)."""
        index = self.by_path.get(path)
        if index is not None:
            if index in self.removed:
                return "article", self.not_found(self.gone_status)
            key = ("article", index, self.revision(index))
            return "article", self._cache.get(key, lambda: _template(
                self.render_article(index), etag=True, last_modified=self.stub(index).last_modified))
        if path == "/robots.txt":
            return "robots", self._cache.get(("robots", base), lambda: _template(
                pages.render_robots(self.profile, base), content_type="text/plain; charset=utf-8"))
        if path == "/sitemap.xml":
            return "sitemap", self._cache.get(("sitemap", base), lambda: _template(
                self._sitemap(base), content_type="application/xml; charset=utf-8"))
        if path == self.loop_path:
            return "article", Page(302, HTML, b"", headers=(("Location", path),))
        if self.generation == "soh" and not path.endswith("/") and path + "/" in self.by_path:
            return "article", Page(301, HTML, b"", headers=(("Location", path + "/"),))
        if path in pages.STATIC_PAGES:
            return "other", self._cache.get(("static", path), lambda: _template(
                pages.render_static_page(path, self.generation, self.profile, timestamp=pages.TIMESTAMP_SLOT),
                etag=True))
        if self.generation == "soh":
            if path == self.news_path:
                return "listing", self._cache.get(("listing",), lambda: _template(self._soh_listing(), etag=True))
            if path == "/news/news-search/":
                return "search", self._search(parse_qs(query, keep_blank_values=True))
            if path == self.rss_path:
                return "rss", self._cache.get(("rss", base), lambda: _template(
                    pages.render_rss([self.teaser(i) for i in self.newest_first[:RSS_SIZE]], base, self.profile),
                    content_type="application/rss+xml; charset=utf-8"))
        elif path == "/news-and-appeals/":
            return "listing", self._legacy_listing(parse_qs(query, keep_blank_values=True))
        return "other", self.not_found()

    def not_found(self, status: int = 404) -> Page:
        """The site's 404 page (also what removed articles answer, with 404 or 410)."""
        return self._cache.get(("404", status), lambda: _template(
            pages.render_not_found(self.generation, self.profile, timestamp=pages.TIMESTAMP_SLOT), status=status))

    # -- fault mode's looping URL --------------------------------------------------------
    def _loop_path(self) -> str:
        if self.generation == "soh":
            return f"/news/{self.profile.force_slug}/news/2024/january-2024/redirect-loop/"
        return "/news-and-appeals/Redirect-loop-0000"

    def _with_loop(self, teasers: list[Teaser]) -> list[Teaser]:
        """Page 1 of listings and search in fault mode: the looping URL last."""
        if not self.loop_path:
            return teasers
        return teasers + [Teaser(LOOP_TITLE, self.loop_path, "This story redirects to itself.")]

    # -- listings ------------------------------------------------------------------------
    def _soh_listing(self) -> str:
        teasers = self._with_loop([self.teaser(i) for i in self.newest_first[:LISTING_SIZE]])
        return pages.render_soh_listing(teasers, self.profile, timestamp=pages.TIMESTAMP_SLOT)

    def _page_number(self, query) -> int | None:
        raw = query.get("page", ["1"])[-1].strip() or "1"
        return int(raw) if raw.isdigit() else None

    def _search(self, query) -> Page:
        page = self._page_number(query)
        q = {k: (query.get(k, [""])[-1]).strip() for k in ("ct", "q", "fdte", "tdte")}
        ct = q["ct"] or self.all_ct
        key = (ct.lower(), q["q"].lower(), q["fdte"], q["tdte"])
        found = self._cache.get(("search-index", key), lambda: self._filter(*key))
        pages_n = max(1, math.ceil(len(found) / PER_PAGE))
        if page is None or not 1 <= page <= pages_n:
            return self.not_found()
        loop = page == 1 and found is self.newest_first  # the plain News search
        return self._cache.get(("search", key, page), lambda: _template(pages.render_search_page(
            (self._with_loop if loop else list)(
                [self.teaser(i) for i in found[(page - 1) * PER_PAGE: page * PER_PAGE]]),
            page, pages_n, len(found),
            self.profile, query={**q, "ct": ct}, timestamp=pages.TIMESTAMP_SLOT, per_page=PER_PAGE), etag=True))

    def _filter(self, ct: str, text: str, fdte: str, tdte: str) -> list[int]:
        if ct in ("news", self.all_ct.lower()) and not (text or fdte or tdte):
            return self.newest_first
        start, end = _parse_day(fdte), _parse_day(tdte)
        out = []
        for i in self.newest_first:
            s = self.stub(i)
            if ct in ("appeals", "most wanted") and s.kind not in ("appeal", "missing"):
                continue
            if ct == "updates" and not s.updated:
                continue
            if text and text not in s.title.lower() and text not in s.summary.lower():
                continue
            day = s.moment.date()
            if (start and day < start) or (end and day > end):
                continue
            out.append(i)
        return out

    def _legacy_listing(self, query) -> Page:
        page = self._page_number(query)
        pages_n = max(1, math.ceil(len(self.newest_first) / PER_PAGE))
        if page is None or not 1 <= page <= pages_n:
            return self.not_found()
        teasers = [self.teaser(i) for i in self.newest_first[(page - 1) * PER_PAGE: page * PER_PAGE]]
        return self._cache.get(("legacy-listing", page), lambda: _template(pages.render_legacy_listing(
            self._with_loop(teasers) if page == 1 else teasers,
            page, pages_n, self.profile), etag=True))

    def _sitemap(self, base: str) -> str:
        listing = self.news_path if self.generation == "soh" else "/news-and-appeals/"
        newest = self.stubs[self.newest_first[0]].moment if self.newest_first else None
        entries = [("/", None), ("/contact-us/", None), (listing, newest)]
        if self.loop_path:
            entries.append((self.loop_path, newest))
        entries += [(s.path(self.generation), s.last_modified) for s in map(self.stub, self.newest_first)]
        return pages.render_sitemap(entries, base)


def _parse_day(text: str) -> dt.date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _not_modified(page: Page, headers) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        if not page.etag:
            return False
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or page.etag in tags
    ims = headers.get("If-Modified-Since")
    if ims and page.last_modified:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        return page.last_modified.replace(microsecond=0) <= since
    return False


def _split(target: str) -> tuple[str, str]:
    """Request target -> (path, query); absolute-form targets too."""
    if not target.startswith("/"):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path.partition("#")[0] or "/", query.partition("#")[0]


def _edits(edits) -> dict[int, int]:
    """{index: revision} or indexes (revision 1) -> {index: revision > 0}."""
    if not edits:
        return {}
    pairs = edits.items() if hasattr(edits, "items") else ((i, 1) for i in edits)
    out = {}
    for index, revision in pairs:
        index, revision = int(index), int(revision)
        if index < 0 or revision < 0:
            raise ValueError(f"bad edit {index}:{revision}: indexes and revisions are 0 or more")
        if revision:
            out[index] = revision
    return out


def _indexes(indexes) -> frozenset[int]:
    out = frozenset(int(i) for i in (indexes or ()))
    if any(i < 0 for i in out):
        raise ValueError("article indexes are 0 or more")
    return out
