"""The `news` spider: every article of a force's news pages, into the archive.

    scrapy crawl news [-a base_url=URL] [-a max_pages=N] [-a since=YYYY-MM-DD] [-a profile=NAME]

It starts from the start pages of every generation in the site profile (a 404
on one of them is normal: only one generation is live), finds articles
through listings and their pagination, the RSS feed and the sitemap, and
hands each article page to the pure extractor. It never leaves base_url's host.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from urllib.parse import urlsplit

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError as TwistedTimeoutError

from .. import EXTRACTOR_VERSION
from ..archive import Capture
from ..discovery import parse_feed, parse_listing, parse_sitemap, parse_teaser_date, rebase
from ..extract import RejectedPage, extract_article
from ..items import PageFailure
from ..profiles import load_profile

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
                 since: str | None = None, profile: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile_name = profile
        self.base_url_arg = base_url
        try:
            self.max_pages = int(max_pages) if max_pages not in (None, "") else None
            if self.max_pages is not None and self.max_pages < 1:
                raise ValueError
        except ValueError:
            raise ValueError(f"max_pages must be a whole number of 1 or more, not {max_pages!r}") from None
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
                                ("CONCURRENT_REQUESTS_PER_DOMAIN", 16), ("DOWNLOAD_TIMEOUT", 15)):
                crawler.settings.set(name, value, priority="spider")
        return spider

    # -- start ----------------------------------------------------------------
    async def start(self):
        for url in self.profile.start_urls(self.base_url):
            yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed,
                                 meta={"listing_page": 1}, dont_filter=True)

    def start_failed(self, failure):
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in (404, 410):
            # Only one generation of the site is live: the other's start pages 404.
            self.logger.info("start page %s answered %s (normal for a generation that is not live)",
                             failure.request.url, response.status)
            self.crawler.stats.inc_value("herts/start_pages_missing")
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

    def article_request(self, url: str, source: str):
        self.crawler.stats.inc_value(f"herts/discovered/{source}")
        return scrapy.Request(url, callback=self.parse_article, errback=self.fetch_failed,
                              priority=10, meta={"source": source})

    def parse_xml(self, response):
        body = response.body
        if b"<urlset" in body[:2000] or b"<sitemapindex" in body[:2000]:
            if self.max_pages:
                return  # the sitemap would reach past the max_pages limit
            pages, sitemaps = parse_sitemap(body, response.url)
            for sm in sitemaps:
                if (url := self._own(sm)):
                    yield scrapy.Request(url, callback=self.parse_xml, errback=self.fetch_failed)
            for page in pages:
                url = self._own(page.url)
                if url and self.profile.is_article_url(url) and not self._too_old(page.date_text):
                    yield self.article_request(url, "sitemap")
        else:
            for item in parse_feed(body, response.url):
                url = self._own(item.url)
                if url and not self._too_old(item.date_text):
                    yield self.article_request(url, "feed")

    def parse_listing_page(self, response):
        listing = parse_listing(response.body, response.url, self.profile)
        page_no = response.meta.get("listing_page", 1)
        if not listing.teasers and not listing.next_pages:
            self.logger.warning("listing %s gave no articles and no further pages", response.url)
            self.crawler.stats.inc_value("herts/listings_empty")
        if listing.found_by != "profile" and listing.teasers:
            self.crawler.stats.inc_value("herts/listings_by_url_pattern")
        fresh = 0
        for teaser in listing.teasers:
            if self._too_old(teaser.date_text):
                self.crawler.stats.inc_value("herts/skipped_since_teaser")
                continue
            fresh += 1
            yield self.article_request(teaser.url, "listing")
        if listing.teasers and not fresh:
            return  # newest first: everything further back is older than `since`
        if self.max_pages and page_no >= self.max_pages:
            return
        for page in listing.next_pages:
            yield scrapy.Request(page, callback=self.parse_listing_page, errback=self.fetch_failed,
                                 meta={"listing_page": page_no + 1})

    def _too_old(self, date_text: str | None) -> bool:
        if not self.since or not date_text:
            return False
        day = parse_teaser_date(date_text)
        return bool(day) and day.isoformat() < self.since

    # -- articles ---------------------------------------------------------------------
    def parse_article(self, response):
        charset = None
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip() or None
        try:
            article = extract_article(response.body, response.url, self.profile,
                                      base_url=self.base_url, encoding=charset)
        except RejectedPage as exc:
            self.logger.warning("rejected %s: %s", response.url, exc)
            yield PageFailure(response.url, "rejected", str(exc), response.status)
            return
        except Exception as exc:  # a bug must not stop the crawl nor lose the page
            self.logger.exception("extraction failed on %s", response.url)
            yield PageFailure(response.url, "error", f"{type(exc).__name__}: {exc}", response.status)
            return
        if self.since and article.published and article.published[:10] < self.since:
            self.crawler.stats.inc_value("herts/skipped_since")
            return
        yield Capture(
            article=article,
            raw_html=response.body,
            fetched_url=response.url,
            http_status=response.status,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            extractor_version=EXTRACTOR_VERSION,
        )

    def fetch_failed(self, failure):
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            kind = "gone" if status in (404, 410) else "http"
            yield PageFailure(request.url, kind, f"HTTP {status}", status)
        elif failure.check(DNSLookupError, TCPTimedOutError, TwistedTimeoutError):
            yield PageFailure(request.url, "network", failure.getErrorMessage() or type(failure.value).__name__)
        else:
            yield PageFailure(request.url, "network", f"{type(failure.value).__name__}: {failure.getErrorMessage()}")


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
