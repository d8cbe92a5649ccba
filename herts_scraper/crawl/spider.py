"""The `news` spider: every article of a force's news pages, into the archive.

    scrapy crawl news [-a base_url=URL] [-a max_pages=N] [-a since=YYYY-MM-DD] [-a force=NAME]
                      [-a mode=incremental|full] [-a stop_after=N]
    scrapy crawl news -a force=kent,essex [-a base_url=kent=URL,essex=URL]   # or -a force=all

Several forces are crawled in parallel, each as its own site (crawl/sites.py):
its own origin, download slot, frontier, mode, resume and removals; `profile`
is an alias of `force`.

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
import sys
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
from herts_scraper.crawl.sites import FORCE_META, Site, parse_sites
from herts_scraper.crawl.warc import REVISIT_OF, WARC_DATE
from herts_scraper.distributed.frontier import acknowledged
from herts_scraper.extract.dates import parse_http_date
from herts_scraper.extract.discovery import (
    clean_url,
    iter_sitemap,
    parse_feed,
    parse_listing,
    parse_teaser_date,
    rebase,
)
from herts_scraper.profiles import Profile

MODES = ("incremental", "full")
ARGUMENTS = ("base_url", "max_pages", "since", "force", "profile", "mode", "stop_after")
# Discovered article URLs (sitemaps, listings) wait in the frontier as strings and become
# requests a few at a time, so a 20,000-article sitemap or a 300,000-teaser listing does
# not fill the scheduler (memory stays flat): this many in flight, shared by the forces
# crawled (each gets at least FORCE_IN_FLIGHT, so that a slow host never starves the others) ...
FRONTIER_IN_FLIGHT = 64
FORCE_IN_FLIGHT = 8
# ... and are read a step at a time, so a huge sitemap of other URLs never blocks the reactor.
FRONTIER_STEP = 500
# The run's request budget when CRAWL_MAX_REQUESTS is 0: this many, plus twice the articles
# the archive holds and the site's sitemaps and listings announce.
CRAWL_REQUESTS_FLOOR = 5000
_END = object()
# A CDN's challenge page ("Just a moment...") answered with a 200 instead of the page: never an article.
_CHALLENGE_MARKS = (b"challenge-platform", b"cf-chl")
_CHALLENGE_TITLE = re.compile(rb"<title>\s*just a moment\.\.\.")


def is_challenge(body: bytes) -> bool:
    # Every page is checked: byte searches on the lowered head, not a case-insensitive alternation
    # (which cost 0.7 ms on a 30 KB page, more than extracting it).
    head = body[:65536].lower()
    return any(mark in head for mark in _CHALLENGE_MARKS) or bool(_CHALLENGE_TITLE.search(head))


@dataclass(frozen=True)
class CrawlArguments:
    """The spider's -a arguments, checked."""

    base_url: str  # the first force's origin, e.g. https://www.herts.police.uk or http://127.0.0.1:8000
    profile: Profile  # the first force's
    profile_source: str  # the name or YAML path it was loaded from (the archive writer loads it again)
    sites: tuple[Site, ...] = ()  # every force crawled, the first one first
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
        force, profile_arg = kwargs.get("force"), kwargs.get("profile")
        if force and profile_arg and force != profile_arg:
            raise UsageError("give force or profile (its alias), not both")
        sites = parse_sites(force or profile_arg or settings.get("SITE_PROFILE"), kwargs.get("base_url"))
        first = sites[0]
        return cls(base_url=first.base_url, profile=first.profile, profile_source=first.profile_source,
                   sites=tuple(sites),
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
    sites: list[Site]  # the forces crawled; the first one is `site` (one force: the only one)
    by_name: dict[str, Site]
    by_origin: dict[str, Site]
    allowed_domains: list[str]
    max_pages: int | None
    since: str | None
    mode_arg: str | None
    stop_after: int
    site_hosts: frozenset  # every force's hosts (the boundary checks each request against its own force's)
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
        self.requested: set[str] = set()  # canonical URLs of the articles requested in this run
        self._pump_scheduled = False
        self.archive_run: ArchiveRun | None = None  # where fetched pages go; None: not archiving
        self.requests_made = 0  # requests this spider made (articles, listings, feeds, sitemaps)
        self.announced = 0  # article URLs the site's sitemaps and listings announce in this run
        self.bounds_hit: dict[str, str] = {}  # bound -> what it stopped (for the run report)
        self.bounded = False  # a bound cut the crawl short: this run's sweep is not complete
        self.chains: dict[str, set[str]] = {}  # listing chain (its first page) -> teaser URLs seen in it
        self.chain_pages: dict[str, int] = {}
        self.known: dict = {}
        self._next_site = 0  # round robin over the forces' frontiers
        self.shared_frontier = False  # a worker of a shared frontier: every URL to Redis at once

    # -- the first force, as a one-force crawl has always named it -----------------------
    @property
    def site(self) -> Site:
        return self.sites[0]

    @property
    def profile(self) -> Profile:
        return self.site.profile

    @property
    def profile_name(self) -> str:
        return self.site.profile_source

    @property
    def base_url(self) -> str:
        return self.site.base_url

    @property
    def origin(self) -> str:
        return self.site.origin

    @property
    def mode(self) -> str:
        """The run's mode: "full" when any force is swept in full."""
        return "full" if any(s.mode == "full" for s in self.sites) else "incremental"

    @property
    def listing_failures(self) -> int:
        return sum(s.listing_failures for s in self.sites)

    @property
    def start_pages_missing(self) -> list[str]:
        return self.site.start_pages_missing

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        if crawler.settings.get("FRONTIER"):  # a worker of a shared frontier (herts_scraper/distributed/)
            from herts_scraper.distributed.worker import worker_settings

            worker_settings(crawler.settings)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def configure(self, settings: Settings) -> None:
        """The checked arguments and the settings (the store process of a shared frontier calls this too)."""
        spider = self
        arguments = CrawlArguments.parse(spider.arguments_given, settings)
        spider.arguments = arguments
        spider.sites = list(arguments.sites)
        spider.by_name = {s.name: s for s in spider.sites}
        spider.by_origin = {s.origin: s for s in spider.sites}
        spider.max_pages, spider.since, spider.mode_arg = arguments.max_pages, arguments.since, arguments.mode
        spider.stop_after = arguments.stop_after
        spider.allowed_domains = [urlsplit(s.base_url).hostname or "" for s in spider.sites]
        spider.site_hosts = frozenset().union(*(s.hosts for s in spider.sites))
        spider.url_length_limit = settings.getint("URL_LENGTH_LIMIT")
        caps = [c for c in (settings.getint("LISTING_MAX_PAGES"), spider.max_pages) if c]
        spider.listing_max_pages = min(caps) if caps else 0  # 0: no bound
        spider.listing_max_stale = settings.getint("LISTING_MAX_STALE_PAGES")
        spider.sitemap_max_depth = settings.getint("SITEMAP_MAX_DEPTH")
        spider.sitemap_maxsize = settings.getint("SITEMAP_MAXSIZE")
        spider.max_requests_setting = settings.getint("CRAWL_MAX_REQUESTS")
        if all(is_loopback(s.base_url) for s in spider.sites):
            # Replicas on this machine: no one to be polite to, full speed.
            for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False),
                                ("CONCURRENT_REQUESTS_PER_DOMAIN", 16), ("DOWNLOAD_TIMEOUT", 5)):
                settings.set(name, value, priority="spider")
        # Each force's host takes a request a second at most: room for every force at once.
        if len(spider.sites) > settings.getint("CONCURRENT_REQUESTS"):
            settings.set("CONCURRENT_REQUESTS", len(spider.sites), priority="spider")
        spider._apply_state(ArchiveState())  # an empty archive until crawl.run.ArchiveRun gives the real one

    def site_of(self, request) -> Site:
        """The force a request (or a response's request) belongs to: its meta, else its origin."""
        name = request.meta.get(FORCE_META)
        if name in self.by_name:
            return self.by_name[name]
        return self.by_origin.get(origin_key(request.url) or "", self.site)

    def _meta(self, site: Site, **meta) -> dict:
        # Each force's origin is its own download slot: per-host delay and AutoThrottle, even
        # for replicas on one loopback address (Scrapy's slots are per host name otherwise).
        return {FORCE_META: site.name, "download_slot": site.origin, **meta}

    # -- the frontier: discovered URLs become requests a step at a time ---------------------
    def _on_idle(self, spider):
        for site in self.sites:
            site.in_flight = 0  # idle: nothing is in flight, whatever a lost callback left counted
        if any(site.frontier for site in self.sites):
            self._pump()
            raise DontCloseSpider

    def frontier_requests(self):
        """Top up article requests from the forces' frontiers, in turn: at most
        FRONTIER_IN_FLIGHT in flight (shared by the forces, FORCE_IN_FLIGHT each at
        least), at most FRONTIER_STEP entries read per call (the rest is read in a later
        turn of the reactor, so no sitemap blocks the crawl)."""
        cap = max(FORCE_IN_FLIGHT, FRONTIER_IN_FLIGHT // len(self.sites))
        examined = 0
        if self.shared_frontier:
            cap, examined = sys.maxsize, -sys.maxsize  # Redis holds the frontier: a killed worker leaves none behind
        for turn in range(len(self.sites)):
            site = self.sites[(self._next_site + turn) % len(self.sites)]
            while site.frontier and site.in_flight < cap:
                if examined >= FRONTIER_STEP:
                    self._next_site = (self._next_site + turn) % len(self.sites)
                    self._pump_later()
                    return
                source, urls = site.frontier[0]
                url = next(urls, _END)
                examined += 1
                if url is _END:
                    site.frontier.popleft()  # that sitemap or listing is done
                elif isinstance(url, str) and (request := self.article_request(site, url, source)):
                    yield request
        self._next_site = (self._next_site + 1) % len(self.sites)

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

    def _refuse(self, site: Site, url: str, reason: str, canonical: str | None = None) -> None:
        self.crawler.stats.inc_value("herts/refused")
        self._record(PageFailure(url, "refused", reason, canonical=canonical, force=site.name))

    def _bound(self, name: str, what: str) -> None:
        """A bound was hit: say so once in the log and in the run report."""
        if name not in self.bounds_hit:
            self.bounds_hit[name] = what
            self.logger.warning("bound hit: %s", what)
        self.crawler.stats.inc_value(f"herts/bound/{name}")

    def _may_request(self, site: Site, url: str) -> bool:
        """The run's request budget and the URL length limit, checked before any request."""
        if len(url) > self.url_length_limit:
            self._refuse(site, url[:200] + "...", f"URL of {len(url)} characters, longer than URL_LENGTH_LIMIT "
                                                  f"({self.url_length_limit})")
            return False
        budget = self.max_requests_setting or (CRAWL_REQUESTS_FLOOR * len(self.sites)
                                               + 2 * (len(self.known) + self.announced))
        if self.requests_made >= budget:
            self.bounded = True
            self._bound("requests", f"stopped making requests at {budget} (CRAWL_MAX_REQUESTS; by default "
                                    f"{CRAWL_REQUESTS_FLOOR:,} a force plus twice what the archive holds "
                                    "and the site announces)")
            return False
        self.requests_made += 1
        return True

    def use_archive(self, state: ArchiveState, run: ArchiveRun | None = None) -> None:
        """What the archive already holds decides each force's mode and what to fetch; fetched
        pages go to the run (crawl.run.ArchiveRun calls this when the spider opens, before start())."""
        self._apply_state(state)
        self.archive_run = run
        for site in self.sites:
            self.logger.info("%s crawl of %s (%s): the archive holds %d of its articles, %d pages to retry%s",
                             site.mode, site.base_url, site.name, len(site.known), len(site.retry_urls),
                             f"; resuming the runs stopped since {self.resume_from}" if self.resume_from else "")

    def _apply_state(self, state: ArchiveState) -> None:
        self.known = state.known
        self.resume_from, self.resume_full = state.resume_from, state.resume_full
        single = len(self.sites) == 1
        for site in self.sites:
            # One force alone keeps what the archive knew before forces: every article, every retry.
            site.known = state.known if single else {u: k for u, k in state.known.items() if site.owns(u)}
            site.retry_urls = [u for u in state.retry_urls
                               if single or site.profile.is_article_url(u) and self._retry_force(u) is site]
            last_full_sweep, site.missing_start_pages = state.for_force(site.name)
            can_be_incremental = bool(site.known and last_full_sweep)
            if self.mode_arg:
                site.mode = self.mode_arg
            elif state.resume_from:  # go on with what the stopped runs were doing
                site.mode = "full" if state.resume_full or not can_be_incremental else "incremental"
            elif can_be_incremental and state.previous_ok:
                site.mode = "incremental"
            else:
                site.mode = "full"  # first crawl, no complete sweep yet, or after a failed run
        self.limited = bool(self.max_pages or self.since)

    def _retry_force(self, url: str) -> Site | None:
        """The force of a page that failed before: the first whose article URLs it matches."""
        return next((s for s in self.sites if s.profile.is_article_url(url)), None)

    def done_before(self, site: Site, canonical: str) -> bool:
        """Resuming: the stopped runs archived this article already (fetched or confirmed by a 304)."""
        since = self.resume_from
        known = site.known.get(canonical) if since else None
        return bool(since and known and not known.removed_at and known.last_seen and known.last_seen >= since)

    # -- start ----------------------------------------------------------------
    async def start(self):
        seeding = self.archive_run is not None and hasattr(self.archive_run, "should_seed")
        if seeding and not self.archive_run.should_seed():  # type: ignore[union-attr]
            return  # a worker of a shared frontier: another one yields the start requests
        async for request in self._start_requests():
            yield request
        if seeding:
            self.archive_run.seeded()  # type: ignore[union-attr]

    async def _start_requests(self):
        for site in self.sites:
            for url in dict.fromkeys(site.retry_urls):
                parts = urlsplit(url)  # failures were on this site, maybe served from another origin then
                own = site.base_url + (parts.path or "/") + ("?" + parts.query if parts.query else "")
                if site.profile.is_article_url(own) and (
                        request := self.article_request(site, own, "retry", priority=20)):
                    yield request
        for site in self.sites:
            for url in site.profile.start_urls(site.base_url):
                if site.mode == "incremental" and url.replace(site.base_url, "", 1) in site.missing_start_pages:
                    continue  # it answered 404 last time: that generation is not live
                if not self._may_request(site, url):
                    continue
                site.start_pages += 1
                # A start page may be a sitemap or a feed: those may be as large as the sitemap protocol allows.
                yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed, dont_filter=True,
                                     meta=self._meta(site, listing_page=1, start_page=True, chain=url,
                                                     sitemap_depth=0, download_maxsize=self.sitemap_maxsize))

    @acknowledged
    def start_failed(self, failure):
        response = getattr(failure.value, "response", None)
        site = self.site_of(failure.request)
        if response is not None and response.status in (404, 410):
            # Only one generation of the site is live: the other's start pages 404.
            self.logger.info("start page %s answered %s (normal for a generation that is not live)",
                             failure.request.url, response.status)
            self.crawler.stats.inc_value("herts/start_pages_missing")
            site.start_pages_missing.append(failure.request.url.replace(site.base_url, "", 1))
            return
        yield from self.fetch_failed(failure)

    @acknowledged
    def parse_start(self, response):
        self.site_of(response.request).answered += 1
        if self._blocked(response):
            return
        if _XML_START.match(response.body[:200]):
            yield from self.parse_xml(response)
        else:
            yield from self.parse_listing_page(response)

    def _blocked(self, response) -> bool:
        """A 200 that is a CDN's challenge page: recorded as `blocked`, never parsed nor archived."""
        if response.status != 200 or not is_challenge(response.body):
            return False
        site = self.site_of(response.request)
        canonical = response.meta.get("canonical")
        self._count_blocked(site, response.meta)
        self._record(PageFailure((response.meta.get("redirect_urls") or [response.url])[0], "blocked",
                                 "a CDN challenge page (challenge-platform), not the page", response.status,
                                 canonical, force=site.name))
        if not canonical:
            site.listing_failures += 1
        return True

    def _count_blocked(self, site: Site, meta) -> None:
        site.blocked += 1
        if meta.get("start_page"):
            site.start_blocked += 1
        self.crawler.stats.inc_value("herts/blocked")
        self.crawler.stats.inc_value(f"herts/blocked/{site.name}")

    # -- discovery --------------------------------------------------------------
    def _own(self, site: Site, url: str) -> str | None:
        """url on the force's origin (a real-site URL moved onto a replica's), or None if off its site."""
        url = clean_url(rebase(url, site.base_url, site.profile)) or ""
        return url if origin_key(url) == site.origin else None

    def canonical(self, url: str, site: Site | None = None) -> str:
        site = site or self.by_origin.get(origin_key(url) or "", self.site)
        return site.profile.on_origin(url, site.base_url)

    def article_request(self, site: Site, url: str, source: str, priority: int = 10):
        """A request for an article page, once per article per run; conditional
        when the archive has it. Our own de-duplication, not Scrapy's, so that a
        redirect back to a URL already seen is followed and a loop is caught."""
        self.crawler.stats.inc_value(f"herts/discovered/{source}")
        canonical = self.canonical(url, site)
        if canonical in self.requested:
            return None
        self.requested.add(canonical)
        if self.done_before(site, canonical):
            self.crawler.stats.inc_value("herts/done_by_stopped_run")
            return None
        if not self._may_request(site, url):
            return None
        site.in_flight += 1
        headers = {}
        meta: dict = self._meta(site, source=source, canonical=canonical, handle_httpstatus_list=[304])
        known = site.known.get(canonical)
        if known and not known.removed_at:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta[REVISIT_OF] = known.last_changed  # the capture a 304 confirms, for its WARC revisit record
        # A shared frontier: scrapy-redis's de-duplication is the one that spans the workers.
        return scrapy.Request(url, callback=self.parse_article, errback=self.fetch_failed, headers=headers,
                              priority=priority, dont_filter=not self.shared_frontier, meta=meta)

    def is_known_unchanged(self, site: Site, url: str, title: str | None = None, lastmod: str | None = None) -> bool:
        """Incremental mode: the archive holds this article and nothing says it changed."""
        known = site.known.get(self.canonical(url, site))
        if not known or known.removed_at:
            return False
        if title and known.title and " ".join(title.split()) != known.title:
            return False
        if lastmod and known.last_modified and _newer(lastmod, known.last_modified):
            return False
        return True

    def _sitemap_urls(self, site: Site, body: bytes, sitemap_url: str) -> Iterator[str | None]:
        """The article URLs of a sitemap this crawl should fetch, one entry at a time
        (None for an entry it skips, so that reading a sitemap is done in steps)."""
        for _, page in iter_sitemap(body, sitemap_url):
            url = self._own(site, page.url)
            if not url or not site.profile.is_article_url(url) or self._too_old(page.date_text):
                yield None
                continue
            self.announced += 1
            if site.mode == "incremental" and self.is_known_unchanged(site, url, lastmod=page.date_text):
                yield None
                continue
            yield url

    @acknowledged
    def parse_xml(self, response):
        site = self.site_of(response.request)
        if not response.meta.get("start_page"):
            site.answered += 1
            if self._blocked(response):
                return
        body = response.body
        if b"<urlset" in body[:2000] or b"<sitemapindex" in body[:2000]:
            if self.max_pages:
                return  # the sitemap would reach past the max_pages limit
            if b"<sitemapindex" in body[:2000]:
                depth = response.meta.get("sitemap_depth", 0) + 1
                for _, entry in iter_sitemap(body, response.url):
                    url = self._own(site, entry.url)
                    if not url:
                        self.crawler.stats.inc_value("herts/sitemaps_off_site")
                    elif self.sitemap_max_depth and depth > self.sitemap_max_depth:
                        self.bounded = True
                        self._bound("sitemap-depth", f"sitemap indexes nested deeper than {self.sitemap_max_depth} "
                                                     f"(SITEMAP_MAX_DEPTH) at {response.url}")
                        break
                    elif self._may_request(site, url):
                        yield scrapy.Request(url, callback=self.parse_xml, errback=self.fetch_failed,
                                             meta=self._meta(site, sitemap_depth=depth,
                                                             download_maxsize=self.sitemap_maxsize))
                return
            # Read as requests are made: the sitemap waits as bytes, not as 20,000 strings.
            site.frontier.append(("sitemap", self._sitemap_urls(site, body, response.url)))
            yield from self.frontier_requests()
        else:
            for item in parse_feed(body, response.url):
                url = self._own(site, item.url)
                if not url or not site.profile.is_article_url(url) or self._too_old(item.date_text):
                    continue
                if site.mode == "incremental" and self.is_known_unchanged(site, url, title=item.title):
                    continue
                if request := self.article_request(site, url, "feed"):
                    yield request

    @acknowledged
    def parse_listing_page(self, response):
        site = self.site_of(response.request)
        if not response.meta.get("start_page"):
            site.answered += 1
            if self._blocked(response):
                return
        listing = parse_listing(response.body, response.url, site.profile)
        page_no = response.meta.get("listing_page", 1)
        chain = response.meta.get("chain", response.url)
        seen = self.chains.setdefault(chain, set())
        self.chain_pages[chain] = self.chain_pages.get(chain, 0) + 1
        if not listing.teasers and not listing.next_pages:
            self.logger.warning("listing %s gave no articles and no further pages", response.url)
            self.crawler.stats.inc_value("herts/listings_empty")
            self.crawler.stats.inc_value(f"herts/listings_empty/{site.name}")
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
            if self.done_before(site, self.canonical(teaser.url, site)):
                continue  # the stopped run this one resumes did it: neither new nor part of the known streak
            if site.mode == "incremental" and self.is_known_unchanged(site, teaser.url, title=teaser.title):
                streak += 1
                self.crawler.stats.inc_value("herts/teasers_known")
                continue
            streak = 0
            wanted.append(teaser.url)
        self.announced += new_in_chain
        if wanted:
            # Into the frontier: a listing of 300,000 teasers becomes requests as the crawl has room.
            site.frontier.append(("listing", iter(wanted)))
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
        meta = self._meta(site, listing_page=page_no + 1, known_streak=streak, chain=chain, stale=stale)
        if site.mode == "incremental":
            # One page after another, newest first, until enough known teasers in a row.
            if streak >= self.stop_after:
                self.crawler.stats.inc_value("herts/listings_stopped_known")
                return
            pages = [listing.next_page] if listing.next_page else []
        else:
            pages = listing.next_pages
        for page in pages:
            if self._may_request(site, page):
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
        if self.site_of(response.request).profile.is_article_url(response.url):
            return self.parse_article(response)
        return self.parse_start(response)

    @acknowledged
    async def parse_article(self, response):
        site = self.site_of(response.request)
        if response.meta.get("canonical"):  # one of our article requests (not `scrapy parse`'s)
            site.in_flight -= 1
            site.answered += 1
        for request in self.frontier_requests():
            yield request
        if self._blocked(response):
            return
        if response.status == 304:
            self.crawler.stats.inc_value("herts/not_modified")
            self._record(NotModified(response.meta.get("canonical") or self.canonical(response.url, site),
                                     seen_at=response.meta.get(WARC_DATE), force=site.name))
            return
        if not site.profile.is_article_url(response.url):
            # Redirected (or refreshed) within the site to a page that is not an article.
            self._record(PageFailure(response.request.meta.get("redirect_urls", [response.url])[0], "redirect",
                                     f"redirected to {response.url}, which is not an article URL",
                                     response.status, response.meta.get("canonical"), force=site.name))
            return
        page = FetchedPage(response.url, response.body, response.status, _header(response, b"Content-Type"),
                           etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                           # the capture's time: its WARC records' date (so a revisit can name them), as reparse has it
                           fetched_at=response.meta.get(WARC_DATE) or now_iso(), force=site.name)
        if self.archive_run is not None:
            # Extraction and storage happen in the archive writer (archive/writer.py); the item comes back.
            item = await maybe_deferred_to_future(self.archive_run.archive_page(page))
        else:
            item = self.extract(page, site)
        if item is not None:
            yield item

    def extract(self, page: FetchedPage, site: Site | None = None) -> ArticleItem | None:
        """Not archiving: the page's article, extracted here (no outcome, no versions)."""
        site = site or self.site
        article = extract_page(page, site.profile, site.base_url, self.since)
        if isinstance(article, PageFailure) or article is None:
            self.logger.info("not an article: %s", article or "older than since")
            return None
        return ArticleItem.of(article, page)

    @acknowledged
    def fetch_failed(self, failure):
        request = failure.request
        site = self.site_of(request)
        if request.callback == self.parse_article:
            site.in_flight -= 1
            yield from self.frontier_requests()
        site.answered += 1
        canonical = request.meta.get("canonical")
        # The URL the crawl asked for (a redirect's failure reaches us with its target's request).
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        item = failure_item(failure, url, canonical)
        item.force = site.name
        if item.kind == "blocked":
            self._count_blocked(site, request.meta)
        self._record(item)
        if not request.meta.get("canonical"):
            site.listing_failures += 1  # a listing, feed or sitemap: the sweep is not complete


def failure_item(failure, url: str, canonical: str | None) -> PageFailure:
    """What went wrong with a request, as the failures table records it."""
    exc = failure.value
    message = failure.getErrorMessage() or type(exc).__name__
    if failure.check(HttpError):
        status = exc.response.status
        if status == 403:  # refused: not retried (RETRY_HTTP_CODES), never a removal
            return PageFailure(url, "blocked", "HTTP 403: the site refused this machine", status, canonical)
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
