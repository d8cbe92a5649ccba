"""The replica's request handling: a path and headers in, a response out.

No sockets here (server.py does HTTP). Every request goes through
`ReplicaSite.respond`, the one place where later work can hook per-article
edits and removals (`revision`) and a fault mode (503, timeouts, truncated
bodies). Pages are rendered once into a template with a timestamp slot and
kept in an LRU cache; a request only splices in the current render time.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from ..profiles import Profile, load_profile
from . import pages
from .blocks import blocks_to_html
from .generator import ArticleStub, ReplicaArticle, generate_article, stubs
from .pages import PageContent, Teaser

HTML = "text/html; charset=utf-8"
PER_PAGE = 10
LISTING_SIZE = 12
RSS_SIZE = 50
RELATED = 3
GENERATIONS = ("soh", "legacy")
TAGS = {"appeal": "Appeal", "missing": "Missing"}  # the SOH meta tag beside the date


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
    status: int
    headers: list = field(default_factory=list)
    body: bytes = b""


class _LRU:
    def __init__(self, size: int):
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
    """One generation of the site over `articles` generated articles."""

    def __init__(self, articles: int = 300, generation: str = "soh", seed: int = 0,
                 profile: str | Profile = "hertfordshire", cache_size: int = 4096):
        if generation not in GENERATIONS:
            raise ValueError(f"generation must be one of {', '.join(GENERATIONS)}, not {generation!r}")
        if articles < 0:
            raise ValueError("articles must be 0 or more")
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        if generation not in self.profile.generations:
            raise ValueError(f"profile {self.profile.name!r} has no {generation!r} generation")
        self.generation, self.seed, self.count = generation, seed, articles
        self.stubs: list[ArticleStub] = stubs(articles, seed, self.profile)
        self.by_path = {s.path(generation): s.index for s in self.stubs}
        self.newest_first = list(range(articles - 1, -1, -1))  # published time grows with the index
        self.news_path = f"/news/{self.profile.force_slug}/news/"
        self.rss_path = self.news_path + "GetNewsRss/"
        self._cache = _LRU(cache_size)

    # -- hooks for later work (edits, removals) -----------------------------------
    def revision(self, index: int) -> int:
        """The article's revision: part of every cache key, so an edit re-renders."""
        return 0

    # -- content -----------------------------------------------------------------------
    def article(self, index: int) -> ReplicaArticle:
        return generate_article(index, self.seed, self.profile)

    def teaser(self, index: int) -> Teaser:
        s = self.stubs[index]
        published = s.published if self.generation == "soh" or s.published is None else s.published.date()
        image = f"/globalassets/news-images/thumbnails/{index:05d}.jpg" if s.has_image else None
        return Teaser(s.title, s.path(self.generation), s.summary, published, image)

    def related(self, index: int) -> list[Teaser]:
        """Older articles only, so a page never depends on how many are served."""
        if index == 0:
            return []
        rng = random.Random(f"related:{self.seed}:{index}")
        picks = sorted({rng.randrange(max(0, index - 60), index) for _ in range(RELATED)}, reverse=True)
        return [self.teaser(i) for i in picks]

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
            body_html=blocks_to_html(a.blocks, self.profile.origin, char_refs=refs),
            cms_id=a.cms_id,
            og_image=images[0]["src"] if images else None,
            char_refs=refs,
            tag=TAGS.get(a.kind) if soh else None,
        )

    def render_article(self, index: int) -> str:
        a = self.article(index)
        return pages.render_article_page(self.page_content(a), self.generation, self.profile,
                                         timestamp=pages.TIMESTAMP_SLOT, related=self.related(index))

    # -- routing -----------------------------------------------------------------------
    def respond(self, method: str, target: str, headers=None, base: str = "http://127.0.0.1") -> Response:
        """The response to one request (GET or HEAD) for target (path and query)."""
        headers = headers or {}
        if method not in ("GET", "HEAD"):
            return Response(405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8"),
                                  ("Content-Length", "19")], b"Method not allowed\n")
        page = self.page_for(target, base)
        out = [("Content-Type", page.content_type), ("Cache-Control", "no-cache"), *page.headers]
        if page.etag:
            out.append(("ETag", page.etag))
        if page.last_modified:
            out.append(("Last-Modified", email.utils.format_datetime(page.last_modified.astimezone(dt.timezone.utc), usegmt=True)))
        if page.status == 200 and _not_modified(page, headers):
            return Response(304, [h for h in out if h[0] in ("ETag", "Last-Modified", "Cache-Control")], b"")
        if page.tail is None:
            body = page.head
        else:
            body = page.head + pages.format_timestamp().encode("ascii") + page.tail
        out.append(("Content-Length", str(len(body))))
        return Response(page.status, out, b"" if method == "HEAD" else body)

    def page_for(self, target: str, base: str) -> Page:
        parts = urlsplit(target)
        path, query = parts.path or "/", parse_qs(parts.query, keep_blank_values=True)
        if path == "/robots.txt":
            return self._cache.get(("robots", base), lambda: _template(pages.render_robots(self.profile, base), content_type="text/plain; charset=utf-8"))
        if path == "/sitemap.xml":
            return self._cache.get(("sitemap", base), lambda: _template(self._sitemap(base), content_type="application/xml; charset=utf-8"))
        index = self.by_path.get(path)
        if index is not None:
            key = ("article", index, self.revision(index))
            stub = self.stubs[index]
            return self._cache.get(key, lambda: _template(self.render_article(index), etag=True, last_modified=stub.moment))
        if self.generation == "soh" and not path.endswith("/") and path + "/" in self.by_path:
            return Page(301, HTML, b"", headers=(("Location", path + "/"),))
        if path in pages.STATIC_PAGES:
            return self._cache.get(("static", path), lambda: _template(
                pages.render_static_page(path, self.generation, self.profile, timestamp=pages.TIMESTAMP_SLOT), etag=True))
        if self.generation == "soh":
            if path == self.news_path:
                return self._cache.get(("listing",), lambda: _template(self._soh_listing(), etag=True))
            if path == "/news/news-search/":
                return self._search(query)
            if path == self.rss_path:
                return self._cache.get(("rss", base), lambda: _template(
                    pages.render_rss([self.teaser(i) for i in self.newest_first[:RSS_SIZE]], base, self.profile),
                    content_type="application/rss+xml; charset=utf-8"))
        elif path == "/news-and-appeals/":
            return self._legacy_listing(query)
        return self.not_found()

    def not_found(self) -> Page:
        return self._cache.get(("404",), lambda: _template(
            pages.render_not_found(self.generation, self.profile, timestamp=pages.TIMESTAMP_SLOT), status=404))

    # -- listings ------------------------------------------------------------------------
    def _soh_listing(self) -> str:
        teasers = [self.teaser(i) for i in self.newest_first[:LISTING_SIZE]]
        return pages.render_soh_listing(teasers, self.profile, timestamp=pages.TIMESTAMP_SLOT)

    def _page_number(self, query) -> int | None:
        raw = query.get("page", ["1"])[-1].strip() or "1"
        return int(raw) if raw.isdigit() else None

    def _search(self, query) -> Page:
        page = self._page_number(query)
        q = {k: (query.get(k, [""])[-1]).strip() for k in ("ct", "q", "fdte", "tdte")}
        ct = q["ct"] or "News"
        key = (ct.lower(), q["q"].lower(), q["fdte"], q["tdte"])
        found = self._cache.get(("search-index", key), lambda: self._filter(*key))
        pages_n = max(1, math.ceil(len(found) / PER_PAGE))
        if page is None or not 1 <= page <= pages_n:
            return self.not_found()
        return self._cache.get(("search", key, page), lambda: _template(pages.render_search_page(
            [self.teaser(i) for i in found[(page - 1) * PER_PAGE: page * PER_PAGE]], page, pages_n, len(found),
            self.profile, query={**q, "ct": ct}, timestamp=pages.TIMESTAMP_SLOT, per_page=PER_PAGE), etag=True))

    def _filter(self, ct: str, text: str, fdte: str, tdte: str) -> list[int]:
        if ct == "news" and not (text or fdte or tdte):
            return self.newest_first
        start, end = _parse_day(fdte), _parse_day(tdte)
        out = []
        for i in self.newest_first:
            s = self.stubs[i]
            if ct == "appeals" and s.kind not in ("appeal", "missing"):
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
        pages_n = max(1, math.ceil(self.count / PER_PAGE))
        if page is None or not 1 <= page <= pages_n:
            return self.not_found()
        return self._cache.get(("legacy-listing", page), lambda: _template(pages.render_legacy_listing(
            [self.teaser(i) for i in self.newest_first[(page - 1) * PER_PAGE: page * PER_PAGE]],
            page, pages_n, self.profile), etag=True))

    def _sitemap(self, base: str) -> str:
        listing = self.news_path if self.generation == "soh" else "/news-and-appeals/"
        newest = self.stubs[-1].moment if self.stubs else None
        entries = [("/", None), ("/contact-us/", None), (listing, newest)]
        entries += [(s.path(self.generation), s.moment) for s in reversed(self.stubs)]
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
