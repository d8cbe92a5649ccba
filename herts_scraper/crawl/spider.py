"""The `news` spider: every article of a force's news pages, into the archive.

    scrapy crawl news [-a base_url=URL] [-a max_pages=N] [-a since=YYYY-MM-DD] [-a profile=NAME]
                      [-a mode=incremental|full] [-a stop_after=N]

It starts from the start pages of every generation in the site profile (a 404
on one of them is normal: only one generation is live), finds articles
through listings and their pagination, the RSS feed and the sitemap, and
hands each article page to the archive writer (archive/writer.py, through
crawl/run.py), which extracts and stores it; it yields the stored article as
an `ArticleItem` (Scrapy's items and feeds are articles only). Without an
archive (`scrapy parse`, ARCHIVE_ENABLED=False) it extracts the page itself.
It never leaves base_url's host.

Modes. `full` fetches every article it finds (known ones with conditional
requests, so unchanged pages cost a 304) and, when the sweep is complete,
records as removed the archived articles it no longer finds. `incremental`
(the default once a full sweep has completed and the last run finished)
walks the listings newest first, fetches only teasers that are new or whose
title changed, and stops after `stop_after` known, unchanged teasers in a row;
from the sitemap it takes new URLs and those whose lastmod is newer than the
archived copy. Pages that failed in earlier runs are retried first. After
runs stopped early (Ctrl-C, CLOSESPIDER_*, killed) it resumes their work: the
articles they fetched are passed over, in the mode they had.

Hostile or broken sites cannot make it leave the site (crawl/boundary.py), hang
or balloon: discovered article URLs wait as strings in a frontier and become
requests a step at a time, never more than FRONTIER_IN_FLIGHT at once; listing
chains, sitemap indexes and the run's requests are bounded (settings.py:
LISTING_MAX_PAGES, LISTING_MAX_STALE_PAGES, SITEMAP_MAX_DEPTH,
CRAWL_MAX_REQUESTS), and every bound hit is reported. Every URL it decides not
to fetch is recorded (a `refused` failure) or counted and reported.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.settings import BaseSettings as Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError as TwistedTimeoutError

from herts_scraper.archive.store import now_iso
from herts_scraper.archive.writer import extract_page
from herts_scraper.crawl.boundary import OffsiteRefused, origin_key
from herts_scraper.crawl.config import UsageError
from herts_scraper.crawl.items import ArticleItem, FetchedPage, NotModified, PageFailure
from herts_scraper.crawl.run import ArchiveRun, ArchiveState
from herts_scraper.crawl.warc import REVISIT_OF, WARC_DATE
from herts_scraper.extract.dates import parse_http_date
from herts_scraper.extract.discovery import (
    clean_url,
    iter_sitemap,
    parse_feed,
    parse_listing,
    parse_teaser_date,
    rebase,
)
from herts_scraper.profiles import Profile, load_profile

MODES = ("incremental", "full")
ARGUMENTS = ("base_url", "max_pages", "since", "profile", "mode", "stop_after")
# Discovered article URLs (sitemaps, listings) wait in the frontier as strings and become
# requests a few at a time, so a 20,000-article sitemap or a 300,000-teaser listing does
# not fill the scheduler (memory stays flat) ...
FRONTIER_IN_FLIGHT = 64
# ... and are read a step at a time, so a huge sitemap of other URLs never blocks the reactor.
FRONTIER_STEP = 500
# The run's request budget when CRAWL_MAX_REQUESTS is 0: this many, plus twice the articles
# the archive holds and the site's sitemaps and listings announce.
CRAWL_REQUESTS_FLOOR = 5000
_END = object()


@dataclass(frozen=True)
class CrawlArguments:
    """The spider's -a arguments, checked."""

    base_url: str  # origin, e.g. https://www.herts.police.uk or http://127.0.0.1:8000
    profile: Profile
    profile_source: str  # the name or YAML path it was loaded from (the archive writer loads it again)
    max_pages: int | None = None
    since: str | None = None
    mode: str | None = None
    stop_after: int = 0  # set by parse: the argument, else the setting STOP_AFTER

    @classmethod
    def parse(cls, kwargs: dict, settings: Settings) -> CrawlArguments:
        """Raises UsageError (one line) for an unknown name or a bad value. Names starting
        with "_" are left alone (scrapyd passes `_job`)."""
        unknown = sorted(k for k in kwargs if k not in ARGUMENTS and not k.startswith("_"))
        if unknown:
            raise UsageError(f"unknown spider argument {', '.join(unknown)}; the news spider takes "
                             f"{', '.join(ARGUMENTS)}")
        mode = kwargs.get("mode") or None
        if mode not in (None, *MODES):
            raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        since = kwargs.get("since") or None
        try:
            since = dt.date.fromisoformat(since).isoformat() if since else None
        except ValueError:
            raise UsageError(f"since must be a date as YYYY-MM-DD, not {since!r}") from None
        profile_source = kwargs.get("profile") or settings.get("SITE_PROFILE")
        try:
            profile = load_profile(profile_source)
        except ValueError as exc:  # ProfileError: missing or malformed
            raise UsageError(str(exc)) from None
        base = (kwargs.get("base_url") or profile.origin).strip().rstrip("/")
        try:
            parts = urlsplit(base)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            raise UsageError(f"base_url must be an http(s) URL such as http://127.0.0.1:8000, not {base!r}")
        return cls(base_url=f"{parts.scheme}://{parts.netloc}", profile=profile, profile_source=profile_source,
                   max_pages=_positive_int("max_pages", kwargs.get("max_pages")),
                   since=since, mode=mode,
                   stop_after=_positive_int("stop_after", kwargs.get("stop_after")) or settings.getint("STOP_AFTER"))

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
    # set in from_crawler, from the checked arguments and the settings
    arguments: CrawlArguments
    profile: Profile
    profile_name: str
    base_url: str
    allowed_domains: list[str]
    max_pages: int | None
    since: str | None
    mode_arg: str | None
    mode: str
    stop_after: int
    origin: str | None  # base_url's host[:port] as the site boundary compares it
    site_hosts: frozenset
    url_length_limit: int
    listing_max_pages: int
    listing_max_stale: int
    sitemap_max_depth: int
    sitemap_maxsize: int
    max_requests_setting: int

    def __init__(self, *args, **kwargs):
        # Our arguments are checked in from_crawler (the default profile is a setting);
        # those starting with "_" (scrapyd's _job) go to Scrapy as usual.
        self.arguments_given = {k: kwargs.pop(k) for k in list(kwargs) if not k.startswith("_")}
        super().__init__(*args, **kwargs)
        self.listing_failures = 0  # listings, feeds, sitemaps that failed: the sweep is then incomplete
        self.start_pages_missing: list[str] = []
        self.requested: set[str] = set()  # canonical URLs of the articles requested in this run
        # Discovered article URLs not yet requested: (source, iterator of URLs; None for an entry skipped)
        self.frontier: deque[tuple[str, Iterator[str | None]]] = deque()
        self.in_flight = 0  # article requests made and not yet answered
        self._pump_scheduled = False
        self.archive_run: ArchiveRun | None = None  # where fetched pages go; None: not archiving
        self.requests_made = 0  # requests this spider made (articles, listings, feeds, sitemaps)
        self.announced = 0  # article URLs the site's sitemaps and listings announced in this run
        self.bounds_hit: dict[str, str] = {}  # bound -> what it stopped (for the run report)
        self.bounded = False  # a bound cut the crawl short: this run's sweep is not complete
        self.chains: dict[str, set[str]] = {}  # listing chain (its first page) -> teaser URLs seen in it
        self.chain_pages: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        arguments = CrawlArguments.parse(spider.arguments_given, settings)
        spider.arguments = arguments
        spider.profile, spider.profile_name = arguments.profile, arguments.profile_source
        spider.max_pages, spider.since, spider.mode_arg = arguments.max_pages, arguments.since, arguments.mode
        spider.stop_after = arguments.stop_after
        spider.base_url = arguments.base_url
        host = urlsplit(spider.base_url).hostname
        assert host  # CrawlArguments.parse takes only a base URL with a host
        spider.allowed_domains = [host]
        # The site: base_url's origin, and the real site's hosts when that is what we crawl
        # (www.herts.police.uk and herts.police.uk); a replica or mirror is its own site.
        spider.origin = origin_key(spider.base_url)
        on_real_site = host.lower() in spider.profile.hosts
        spider.site_hosts = frozenset({spider.origin, *(spider.profile.hosts if on_real_site else ())})
        spider.url_length_limit = settings.getint("URL_LENGTH_LIMIT")
        caps = [c for c in (settings.getint("LISTING_MAX_PAGES"), spider.max_pages) if c]
        spider.listing_max_pages = min(caps) if caps else 0  # 0: no bound
        spider.listing_max_stale = settings.getint("LISTING_MAX_STALE_PAGES")
        spider.sitemap_max_depth = settings.getint("SITEMAP_MAX_DEPTH")
        spider.sitemap_maxsize = settings.getint("SITEMAP_MAXSIZE")
        spider.max_requests_setting = settings.getint("CRAWL_MAX_REQUESTS")
        if is_loopback(spider.base_url):
            # The replica on this machine: no one to be polite to, full speed.
            for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False),
                                ("CONCURRENT_REQUESTS_PER_DOMAIN", 16), ("DOWNLOAD_TIMEOUT", 5)):
                settings.set(name, value, priority="spider")
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        spider._apply_state(ArchiveState())  # an empty archive until crawl.run.ArchiveRun gives the real one
        return spider

    # -- the frontier: discovered URLs become requests a step at a time ---------------------
    def _on_idle(self, spider):
        self.in_flight = 0  # idle: nothing is in flight, whatever a lost callback left counted
        if self.frontier:
            self._pump()
            raise DontCloseSpider

    def frontier_requests(self):
        """Top up article requests from the frontier: at most FRONTIER_IN_FLIGHT in flight,
        at most FRONTIER_STEP entries read per call (the rest is read in a later turn of
        the reactor, so no sitemap blocks the crawl)."""
        examined = 0
        while self.frontier and self.in_flight < FRONTIER_IN_FLIGHT:
            if examined >= FRONTIER_STEP:
                self._pump_later()
                return
            source, urls = self.frontier[0]
            url = next(urls, _END)
            examined += 1
            if url is _END:
                self.frontier.popleft()  # that sitemap or listing is done
            elif isinstance(url, str) and (request := self.article_request(url, source)):
                yield request

    def _pump(self):
        self._pump_scheduled = False
        for request in self.frontier_requests():
            self.crawler.engine.crawl(request)

    def _pump_later(self):
        from twisted.internet import reactor  # the one Scrapy installed (importing it early would install another)

        if not self._pump_scheduled:
            self._pump_scheduled = True
            # twisted types the reactor as its interfaces' methods, whose first parameter mypy takes for self
            reactor.callLater(0, self._pump)  # type: ignore[arg-type]

    def _record(self, item: NotModified | PageFailure) -> None:
        """A 304 or a page that gave no article: to the archive (not one of Scrapy's items)."""
        if self.archive_run is not None:
            self.archive_run.hand(item)
        else:
            self.logger.info("%s", item)

    def _refuse(self, url: str, reason: str, canonical: str | None = None) -> None:
        self.crawler.stats.inc_value("herts/refused")
        self._record(PageFailure(url, "refused", reason, canonical=canonical))

    def _bound(self, name: str, what: str) -> None:
        """A bound was hit: say so once in the log and in the run report."""
        if name not in self.bounds_hit:
            self.bounds_hit[name] = what
            self.logger.warning("bound hit: %s", what)
        self.crawler.stats.inc_value(f"herts/bound/{name}")

    def _may_request(self, url: str) -> bool:
        """The run's request budget and the URL length limit, checked before any request."""
        if len(url) > self.url_length_limit:
            self._refuse(url[:200] + "...", f"URL of {len(url)} characters, longer than URL_LENGTH_LIMIT "
                                            f"({self.url_length_limit})")
            return False
        budget = self.max_requests_setting or (CRAWL_REQUESTS_FLOOR + 2 * (len(self.known) + self.announced))
        if self.requests_made >= budget:
            self.bounded = True
            self._bound("requests", f"stopped making requests at {budget} (CRAWL_MAX_REQUESTS; by default "
                                    f"{CRAWL_REQUESTS_FLOOR:,} plus twice what the archive holds "
                                    "and the site announces)")
            return False
        self.requests_made += 1
        return True

    def use_archive(self, state: ArchiveState, run: ArchiveRun | None = None) -> None:
        """What the archive already holds decides the mode and what to fetch; fetched pages
        go to the run (crawl.run.ArchiveRun calls this when the spider opens, before start())."""
        self._apply_state(state)
        self.archive_run = run
        self.logger.info("%s crawl of %s: the archive holds %d articles, %d pages to retry%s",
                         self.mode, self.base_url, len(self.known), len(self.retry_urls),
                         f"; resuming the runs stopped since {self.resume_from}" if self.resume_from else "")

    def _apply_state(self, state: ArchiveState) -> None:
        self.known = state.known
        self.retry_urls = state.retry_urls
        self.missing_start_pages = state.missing_start_pages
        self.resume_from, self.resume_full = state.resume_from, state.resume_full
        can_be_incremental = bool(self.known and state.last_full_sweep)
        if self.mode_arg:
            self.mode = self.mode_arg
        elif state.resume_from:  # go on with what the stopped runs were doing
            self.mode = "full" if state.resume_full or not can_be_incremental else "incremental"
        elif can_be_incremental and state.previous_ok:
            self.mode = "incremental"
        else:
            self.mode = "full"  # first crawl, no complete sweep yet, or after a failed run
        self.limited = bool(self.max_pages or self.since)

    def done_before(self, canonical: str) -> bool:
        """Resuming: the stopped runs archived this article already (fetched or confirmed by a 304)."""
        since = self.resume_from
        known = self.known.get(canonical) if since else None
        return bool(since and known and not known.removed_at and known.last_seen and known.last_seen >= since)

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
            if not self._may_request(url):
                continue
            # A start page may be a sitemap or a feed: those may be as large as the sitemap protocol allows.
            yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed, dont_filter=True,
                                 meta={"listing_page": 1, "start_page": True, "chain": url, "sitemap_depth": 0,
                                       "download_maxsize": self.sitemap_maxsize})

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
        """url on this crawl's origin (a real-site URL moved onto a replica's), or None if off the site."""
        url = clean_url(rebase(url, self.base_url, self.profile)) or ""
        return url if origin_key(url) == self.origin else None

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
        if self.done_before(canonical):
            self.crawler.stats.inc_value("herts/done_by_stopped_run")
            return None
        if not self._may_request(url):
            return None
        self.in_flight += 1
        headers = {}
        meta: dict = {"source": source, "canonical": canonical, "handle_httpstatus_list": [304]}
        known = self.known.get(canonical)
        if known and not known.removed_at:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta[REVISIT_OF] = known.last_changed  # the capture a 304 confirms, for its WARC revisit record
        return scrapy.Request(url, callback=self.parse_article, errback=self.fetch_failed, headers=headers,
                              priority=priority, dont_filter=True, meta=meta)

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

    def _sitemap_urls(self, body: bytes, sitemap_url: str) -> Iterator[str | None]:
        """The article URLs of a sitemap this crawl should fetch, one entry at a time
        (None for an entry it skips, so that reading a sitemap is done in steps)."""
        for _, page in iter_sitemap(body, sitemap_url):
            url = self._own(page.url)
            if not url or not self.profile.is_article_url(url) or self._too_old(page.date_text):
                yield None
                continue
            self.announced += 1
            if self.mode == "incremental" and self.is_known_unchanged(url, lastmod=page.date_text):
                yield None
                continue
            yield url

    def parse_xml(self, response):
        body = response.body
        if b"<urlset" in body[:2000] or b"<sitemapindex" in body[:2000]:
            if self.max_pages:
                return  # the sitemap would reach past the max_pages limit
            if b"<sitemapindex" in body[:2000]:
                depth = response.meta.get("sitemap_depth", 0) + 1
                for _, entry in iter_sitemap(body, response.url):
                    url = self._own(entry.url)
                    if not url:
                        self.crawler.stats.inc_value("herts/sitemaps_off_site")
                    elif self.sitemap_max_depth and depth > self.sitemap_max_depth:
                        self.bounded = True
                        self._bound("sitemap-depth", f"sitemap indexes nested deeper than {self.sitemap_max_depth} "
                                                     f"(SITEMAP_MAX_DEPTH) at {response.url}")
                        break
                    elif self._may_request(url):
                        yield scrapy.Request(url, callback=self.parse_xml, errback=self.fetch_failed,
                                             meta={"sitemap_depth": depth, "download_maxsize": self.sitemap_maxsize})
                        return
            # Read as requests are made: the sitemap waits as bytes, not as 20,000 strings.
            self.frontier.append(("sitemap", self._sitemap_urls(body, response.url)))
            yield from self.frontier_requests()
        else:
            for item in parse_feed(body, response.url):
                url = self._own(item.url)
                if not url or not self.profile.is_article_url(url) or self._too_old(item.date_text):
                    continue
                if self.mode == "incremental" and self.is_known_unchanged(url, title=item.title):
                    continue
                if request := self.article_request(url, "feed"):
                    yield request

    def parse_listing_page(self, response):
        listing = parse_listing(response.body, response.url, self.profile)
        page_no = response.meta.get("listing_page", 1)
        chain = response.meta.get("chain", response.url)
        seen = self.chains.setdefault(chain, set())
        self.chain_pages[chain] = self.chain_pages.get(chain, 0) + 1
        if not listing.teasers and not listing.next_pages:
            self.logger.warning("listing %s gave no articles and no further pages", response.url)
            self.crawler.stats.inc_value("herts/listings_empty")
        if listing.found_by != "profile" and listing.teasers:
            self.crawler.stats.inc_value("herts/listings_by_url_pattern")
        fresh = new_in_chain = 0
        streak = response.meta.get("known_streak", 0)
        wanted: list[str] = []
        for teaser in listing.teasers:
            if teaser.url not in seen:
                seen.add(teaser.url)
                new_in_chain += 1
            if self._too_old(teaser.date_text):
                self.crawler.stats.inc_value("herts/skipped_since_teaser")
                continue
            fresh += 1
            if self.done_before(self.canonical(teaser.url)):
                continue  # the stopped run this one resumes did it: neither new nor part of the known streak
            if self.mode == "incremental" and self.is_known_unchanged(teaser.url, title=teaser.title):
                streak += 1
                self.crawler.stats.inc_value("herts/teasers_known")
                continue
            streak = 0
            wanted.append(teaser.url)
        self.announced += new_in_chain
        if wanted:
            # Into the frontier: a listing of 300,000 teasers becomes requests as the crawl has room.
            self.frontier.append(("listing", iter(wanted)))
            yield from self.frontier_requests()
        if listing.teasers and not fresh:
            return  # newest first: everything further back is older than `since`
        if self.max_pages and page_no >= self.max_pages:
            return
        # An endless chain (paging that never ends, "next month" forever) stops by itself:
        # after some pages in a row that show no teaser new to this listing, or at the cap.
        stale = 0 if new_in_chain else response.meta.get("stale", 0) + 1
        if self.listing_max_stale and stale >= self.listing_max_stale:
            self._bound("listing-stale", f"listing {chain}: stopped after {stale} pages in a row without a new "
                                         f"article (LISTING_MAX_STALE_PAGES)")
            return
        if self.listing_max_pages and self.chain_pages[chain] >= self.listing_max_pages:
            if not self.max_pages:  # the user's own limit is not a bound hit
                self.bounded = True
                self._bound("listing-pages", f"listing {chain}: stopped at {self.listing_max_pages} pages "
                                             f"(LISTING_MAX_PAGES)")
            return
        meta = {"listing_page": page_no + 1, "known_streak": streak, "chain": chain, "stale": stale}
        if self.mode == "incremental":
            # One page after another, newest first, until enough known teasers in a row.
            if streak >= self.stop_after:
                self.crawler.stats.inc_value("herts/listings_stopped_known")
                return
            pages = [listing.next_page] if listing.next_page else []
        else:
            pages = listing.next_pages
        for page in pages:
            if self._may_request(page):
                yield scrapy.Request(page, callback=self.parse_listing_page, errback=self.fetch_failed, meta=meta)

    def _too_old(self, date_text: str | None) -> bool:
        if not self.since or not date_text:
            return False
        day = parse_teaser_date(date_text)
        return bool(day) and day.isoformat() < self.since

    # -- articles ---------------------------------------------------------------------
    def parse(self, response):
        """Scrapy's default callback (`scrapy parse --spider news URL`): an article page, a
        listing, a feed or a sitemap, by its URL."""
        if self.profile.is_article_url(response.url):
            return self.parse_article(response)
        return self.parse_start(response)

    async def parse_article(self, response):
        if response.meta.get("canonical"):  # one of our article requests (not `scrapy parse`'s)
            self.in_flight -= 1
        for request in self.frontier_requests():
            yield request
        if response.status == 304:
            self.crawler.stats.inc_value("herts/not_modified")
            self._record(NotModified(response.meta.get("canonical") or self.canonical(response.url),
                                     seen_at=response.meta.get(WARC_DATE)))
            return
        if not self.profile.is_article_url(response.url):
            # Redirected (or refreshed) within the site to a page that is not an article.
            self._record(PageFailure(response.request.meta.get("redirect_urls", [response.url])[0], "redirect",
                                     f"redirected to {response.url}, which is not an article URL",
                                     response.status, response.meta.get("canonical")))
            return
        page = FetchedPage(response.url, response.body, response.status, _header(response, b"Content-Type"),
                           etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                           # the capture's time: its WARC records' date (so a revisit can name them), as reparse has it
                           fetched_at=response.meta.get(WARC_DATE) or now_iso())
        if self.archive_run is not None:
            # Extraction and storage happen in the archive writer (archive/writer.py); the item comes back.
            item = await maybe_deferred_to_future(self.archive_run.archive_page(page))
        else:
            item = self.extract(page)
        if item is not None:
            yield item

    def extract(self, page: FetchedPage) -> ArticleItem | None:
        """Not archiving: the page's article, extracted here (no outcome, no versions)."""
        article = extract_page(page, self.profile, self.base_url, self.since)
        if isinstance(article, PageFailure) or article is None:
            self.logger.info("not an article: %s", article or "older than since")
            return None
        return ArticleItem.of(article, page)

    def fetch_failed(self, failure):
        request = failure.request
        if request.callback == self.parse_article:
            self.in_flight -= 1
            yield from self.frontier_requests()
        canonical = request.meta.get("canonical")
        # The URL the crawl asked for (a redirect's failure reaches us with its target's request).
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        self._record(failure_item(failure, url, canonical))
        if not request.meta.get("canonical"):
            self.listing_failures += 1  # a listing, feed or sitemap: the sweep is not complete


def failure_item(failure, url: str, canonical: str | None) -> PageFailure:
    """What went wrong with a request, as the failures table records it."""
    exc = failure.value
    message = failure.getErrorMessage() or type(exc).__name__
    if failure.check(HttpError):
        status = exc.response.status
        return PageFailure(url, "gone" if status in (404, 410) else "http", f"HTTP {status}", status, canonical)
    if failure.check(OffsiteRefused):
        return PageFailure(url, "offsite", message, canonical=canonical)
    if "DOWNLOAD_MAXSIZE" in message or "max size" in message:
        # Scrapy refused the body (or its decompression) past DOWNLOAD_MAXSIZE: a bomb or a monster.
        return PageFailure(url, "too-large", message, canonical=canonical)
    if failure.check(IgnoreRequest):
        if "robots.txt" in message:  # refused on purpose, not retried
            return PageFailure(url, "refused", message, canonical=canonical)
        return PageFailure(url, "redirect" if "redirect" in message else "network", message, canonical=canonical)
    if failure.check(DNSLookupError, TCPTimedOutError, TwistedTimeoutError, DownloadCancelledError):
        return PageFailure(url, "network", message, canonical=canonical)
    return PageFailure(url, "network", f"{type(exc).__name__}: {message}", canonical=canonical)


def _positive_int(name: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if number >= 1:
            return number
    except ValueError:
        pass
    raise UsageError(f"{name} must be a whole number of 1 or more, not {value!r}")


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
