"""The `news` spider: every article of a force's news pages, into the archive.

    scrapy crawl news [-a base_url=URL] [-a max_pages=N] [-a since=YYYY-MM-DD] [-a profile=NAME]
                      [-a mode=incremental|full] [-a stop_after=N]

It starts from the start pages of every generation in the site profile (a 404
on one of them is normal: only one generation is live), finds articles
through listings and their pagination, the RSS feed and the sitemap, and
hands each article page to the archive writer (writer.py), which extracts and
stores it. It never leaves base_url's host.

Modes. `full` fetches every article it finds (known ones with conditional
requests, so unchanged pages cost a 304) and, when the sweep is complete,
records as removed the archived articles it no longer finds. `incremental`
(the default once a full sweep has completed and the last run finished)
walks the listings newest first, fetches only teasers that are new or whose
title changed, and stops after `stop_after` known, unchanged teasers in a row;
from the sitemap it takes new URLs and those whose lastmod is newer than the
archived copy. Pages that failed in earlier runs are retried first.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections import deque
from collections.abc import Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError as TwistedTimeoutError

from ..archive import Archive, now_iso
from ..discovery import iter_sitemap, parse_feed, parse_listing, parse_teaser_date, rebase
from ..extract.dates import parse_http_date
from ..items import FetchedPage, NotModified, PageFailure
from ..lock import lock_archive
from ..profiles import load_profile

MODES = ("incremental", "full")
DEFAULT_STOP_AFTER = 20
# Sitemap entries are read and become requests a few at a time, so a
# 20,000-article sitemap does not fill the scheduler (memory stays flat).
SITEMAP_IN_FLIGHT = 64

_XML_START = re.compile(rb"^\s*(<\?xml|<rss|<feed|<urlset|<sitemapindex)", re.I)


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, base_url: str | None = None, max_pages: str | None = None,
                 since: str | None = None, profile: str | None = None, mode: str | None = None,
                 stop_after: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile_name = profile
        self.base_url_arg = base_url
        self.max_pages = _positive_int("max_pages", max_pages)
        self.stop_after = _positive_int("stop_after", stop_after) or DEFAULT_STOP_AFTER
        if mode not in (None, "", *MODES):
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode_arg = mode or None
        self.listing_failures = 0  # listings, feeds, sitemaps that failed: the sweep is then incomplete
        self.start_pages_missing: list[str] = []
        self.requested: set[str] = set()  # canonical URLs of the articles requested in this run
        self.sitemap_queue: deque[Iterator[str]] = deque()  # each sitemap's article URLs not yet requested
        self.in_flight = 0  # article requests made and not yet answered
        try:
            self.since = dt.date.fromisoformat(since).isoformat() if since else None
        except ValueError:
            raise ValueError(f"since must be a date as YYYY-MM-DD, not {since!r}") from None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profile = load_profile(spider.profile_name or crawler.settings.get("SITE_PROFILE"))
        base = (spider.base_url_arg or spider.profile.origin).rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL such as http://127.0.0.1:8000, not {base!r}")
        spider.base_url = f"{parts.scheme}://{parts.netloc}"
        spider.allowed_domains = [parts.hostname]
        if is_loopback(spider.base_url):
            # The replica on this machine: no one to be polite to, full speed.
            for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False),
                                ("CONCURRENT_REQUESTS_PER_DOMAIN", 16), ("DOWNLOAD_TIMEOUT", 5)):
                crawler.settings.set(name, value, priority="spider")
        spider.lock = lock_archive(crawler.settings.get("ARCHIVE_PATH"))
        # After every spider_closed handler: the pipeline still writes the run's last batch then.
        crawler.signals.connect(spider._release_lock, signal=signals.engine_stopped)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        spider._load_state(crawler.settings.get("ARCHIVE_PATH"))
        return spider

    def _release_lock(self):
        self.lock.release()

    def _on_idle(self, spider):
        if self.sitemap_queue:
            for request in self.sitemap_requests():
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def sitemap_requests(self):
        """Top up article requests from the sitemaps read so far (in-flight bounded)."""
        while self.sitemap_queue and self.in_flight < SITEMAP_IN_FLIGHT:
            url = next(self.sitemap_queue[0], None)
            if url is None:
                self.sitemap_queue.popleft()  # that sitemap is done
            elif request := self.article_request(url, "sitemap"):
                yield request

    def _sitemap_urls(self, body: bytes, sitemap_url: str) -> Iterator[str]:
        """The article URLs of a sitemap this crawl should fetch, one at a time."""
        for _, page in iter_sitemap(body, sitemap_url):
            url = self._own(page.url)
            if not url or not self.profile.is_article_url(url) or self._too_old(page.date_text):
                continue
            if self.mode == "incremental" and self.is_known_unchanged(url, lastmod=page.date_text):
                continue
            yield url

    def _load_state(self, db_path) -> None:
        """What the archive already holds decides the mode and what to fetch."""
        with Archive(db_path) as archive:
            archive.close_dead_runs()
            self.known = archive.known()
            last_sweep = archive.get_meta("last_full_sweep")
            runs = archive.runs()
            # A killed, interrupted or failed run may have left holes anywhere: sweep it all.
            previous_ok = not runs or runs[-1]["status"] in ("ok", "incomplete", "unhealthy")
            self.missing_start_pages = set(json.loads(archive.get_meta("missing_start_pages") or "[]"))
            self.retry_urls = [f["url"] for f in archive.unresolved_failures() if f["kind"] != "gone"]
        if self.mode_arg:
            self.mode = self.mode_arg
        elif self.known and last_sweep and previous_ok:
            self.mode = "incremental"
        else:
            self.mode = "full"  # first crawl, no complete sweep yet, or resuming after an interrupted run
        self.limited = bool(self.max_pages or self.since)
        self.logger.info("%s crawl of %s: the archive holds %d articles, %d pages to retry",
                         self.mode, self.base_url, len(self.known), len(self.retry_urls))

    # -- start ----------------------------------------------------------------
    async def start(self):
        for url in dict.fromkeys(self.retry_urls):
            parts = urlsplit(url)  # failures were on this site, maybe served from another origin then
            own = self.base_url + (parts.path or "/") + ("?" + parts.query if parts.query else "")
            if self.profile.is_article_url(own) and (request := self.article_request(own, "retry", priority=20)):
                yield request
        for url in self.profile.start_urls(self.base_url):
            if self.mode == "incremental" and url.replace(self.base_url, "", 1) in self.missing_start_pages:
                continue  # it answered 404 last time: that generation is not live
            yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed,
                                 meta={"listing_page": 1, "start_page": True}, dont_filter=True)

    def start_failed(self, failure):
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in (404, 410):
            # Only one generation of the site is live: the other's start pages 404.
            self.logger.info("start page %s answered %s (normal for a generation that is not live)",
                             failure.request.url, response.status)
            self.crawler.stats.inc_value("herts/start_pages_missing")
            self.start_pages_missing.append(failure.request.url.replace(self.base_url, "", 1))
            return
        yield from self.fetch_failed(failure)

    def parse_start(self, response):
        if _XML_START.match(response.body[:200]):
            yield from self.parse_xml(response)
        else:
            yield from self.parse_listing_page(response)

    # -- discovery --------------------------------------------------------------
    def _own(self, url: str) -> str | None:
        url = rebase(url, self.base_url, self.profile)
        return url if urlsplit(url).netloc == urlsplit(self.base_url).netloc else None

    def canonical(self, url: str) -> str:
        return self.profile.on_origin(url, self.base_url)

    def article_request(self, url: str, source: str, priority: int = 10):
        """A request for an article page, once per article per run; conditional
        when the archive has it. Our own de-duplication, not Scrapy's, so that a
        redirect back to a URL already seen is followed and a loop is caught."""
        self.crawler.stats.inc_value(f"herts/discovered/{source}")
        canonical = self.canonical(url)
        if canonical in self.requested:
            return None
        self.requested.add(canonical)
        self.in_flight += 1
        headers = {}
        known = self.known.get(canonical)
        if known and not known.removed_at:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(url, callback=self.parse_article, errback=self.fetch_failed, headers=headers,
                              priority=priority, dont_filter=True,
                              meta={"source": source, "canonical": canonical, "handle_httpstatus_list": [304]})

    def is_known_unchanged(self, url: str, title: str | None = None, lastmod: str | None = None) -> bool:
        """Incremental mode: the archive holds this article and nothing says it changed."""
        known = self.known.get(self.canonical(url))
        if not known or known.removed_at:
            return False
        if title and known.title and " ".join(title.split()) != known.title:
            return False
        if lastmod and known.last_modified and _newer(lastmod, known.last_modified):
            return False
        return True

    def parse_xml(self, response):
        body = response.body
        if b"<urlset" in body[:2000] or b"<sitemapindex" in body[:2000]:
            if self.max_pages:
                return  # the sitemap would reach past the max_pages limit
            if b"<sitemapindex" in body[:2000]:
                for _, entry in iter_sitemap(body, response.url):
                    if (url := self._own(entry.url)):
                        yield scrapy.Request(url, callback=self.parse_xml, errback=self.fetch_failed)
                return
            # Read as requests are made: the sitemap waits as bytes, not as 20,000 strings.
            self.sitemap_queue.append(self._sitemap_urls(body, response.url))
            yield from self.sitemap_requests()
        else:
            for item in parse_feed(body, response.url):
                url = self._own(item.url)
                if not url or self._too_old(item.date_text):
                    continue
                if self.mode == "incremental" and self.is_known_unchanged(url, title=item.title):
                    continue
                if request := self.article_request(url, "feed"):
                    yield request

    def parse_listing_page(self, response):
        listing = parse_listing(response.body, response.url, self.profile)
        page_no = response.meta.get("listing_page", 1)
        if not listing.teasers and not listing.next_pages:
            self.logger.warning("listing %s gave no articles and no further pages", response.url)
            self.crawler.stats.inc_value("herts/listings_empty")
        if listing.found_by != "profile" and listing.teasers:
            self.crawler.stats.inc_value("herts/listings_by_url_pattern")
        fresh = 0
        streak = response.meta.get("known_streak", 0)
        for teaser in listing.teasers:
            if self._too_old(teaser.date_text):
                self.crawler.stats.inc_value("herts/skipped_since_teaser")
                continue
            fresh += 1
            if self.mode == "incremental" and self.is_known_unchanged(teaser.url, title=teaser.title):
                streak += 1
                self.crawler.stats.inc_value("herts/teasers_known")
                continue
            streak = 0
            if request := self.article_request(teaser.url, "listing"):
                yield request
        if listing.teasers and not fresh:
            return  # newest first: everything further back is older than `since`
        if self.max_pages and page_no >= self.max_pages:
            return
        meta = {"listing_page": page_no + 1, "known_streak": streak}
        if self.mode == "incremental":
            # One page after another, newest first, until enough known teasers in a row.
            if streak >= self.stop_after:
                self.crawler.stats.inc_value("herts/listings_stopped_known")
                return
            pages = [listing.next_page] if listing.next_page else []
        else:
            pages = listing.next_pages
        for page in pages:
            yield scrapy.Request(page, callback=self.parse_listing_page, errback=self.fetch_failed, meta=meta)

    def _too_old(self, date_text: str | None) -> bool:
        if not self.since or not date_text:
            return False
        day = parse_teaser_date(date_text)
        return bool(day) and day.isoformat() < self.since

    # -- articles ---------------------------------------------------------------------
    def parse_article(self, response):
        self.in_flight -= 1
        yield from self.sitemap_requests()
        if response.status == 304:
            self.crawler.stats.inc_value("herts/not_modified")
            yield NotModified(response.meta.get("canonical") or self.canonical(response.url))
            return
        # Extraction and storage happen in the archive writer (see writer.py).
        yield FetchedPage(response.url, response.body, response.status, _header(response, b"Content-Type"),
                          etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                          fetched_at=now_iso())

    def fetch_failed(self, failure):
        request = failure.request
        if request.callback == self.parse_article:
            self.in_flight -= 1
            yield from self.sitemap_requests()
        canonical = request.meta.get("canonical")
        if failure.check(HttpError):
            status = failure.value.response.status
            kind = "gone" if status in (404, 410) else "http"
            yield PageFailure(request.url, kind, f"HTTP {status}", status, canonical)
        elif failure.check(DNSLookupError, TCPTimedOutError, TwistedTimeoutError):
            yield PageFailure(request.url, "network", failure.getErrorMessage() or type(failure.value).__name__,
                              canonical=canonical)
        else:
            yield PageFailure(request.url, "network", f"{type(failure.value).__name__}: {failure.getErrorMessage()}",
                              canonical=canonical)
        if not request.meta.get("canonical"):
            self.listing_failures += 1  # a listing, feed or sitemap: the sweep is not complete


def _positive_int(name: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if number >= 1:
            return number
    except ValueError:
        pass
    raise ValueError(f"{name} must be a whole number of 1 or more, not {value!r}")


def _when(text: str) -> dt.datetime | None:
    """An ISO 8601 (sitemap lastmod) or HTTP date as an aware datetime; fast, no dateparser."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return parse_http_date(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _newer(lastmod: str, archived_last_modified: str) -> bool:
    a, b = _when(lastmod), _when(archived_last_modified)
    return bool(a and b and a > b)


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
