"""The site's boundary: no request ever leaves the site's hosts.

Article requests carry `dont_filter=True` (the spider de-duplicates them
itself, so that a redirect back to a URL already seen is followed and a loop
is caught), and `dont_filter` switches Scrapy's OffsiteMiddleware off. This
downloader middleware is the one gate every request passes, whatever made
it: the spider, a redirect (3xx), a meta refresh, a retry, robots.txt. It
sits first in the chain (before RobotsTxtMiddleware, which would otherwise
fetch the other host's robots.txt) and refuses any request whose origin is
not one of the spider's `site_hosts` (in a crawl of several forces: of the
request's own force), and an article's redirect to a page
that is not an article; the refusal reaches the request's errback, so the
spider records it as a failure naming the target.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

_DEFAULT_PORTS = {"http": 80, "https": 443}


class OffsiteRefused(IgnoreRequest):
    """A request (a redirect, a refresh, a link) to a host outside the site."""


def origin_key(url: str) -> str | None:
    """host[:port] as compared at the boundary: lower case, default port dropped."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if not host:
        return None
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


class SiteBoundaryMiddleware:
    """Refuses requests to hosts outside `spider.site_hosts` (spiders without it are not bounded)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = spider or self.crawler.spider
        hosts = getattr(spider, "site_hosts", None)
        if not hosts:
            return None
        site = spider.site_of(request) if hasattr(spider, "site_of") else None
        if site is not None:
            hosts = site.hosts  # each force stays on its own hosts
        chain = request.meta.get("redirect_urls") or []
        if origin_key(request.url) not in hosts:
            self.crawler.stats.inc_value("herts/offsite_refused")
            via = f" (redirected from {chain[0]})" if chain else ""
            raise OffsiteRefused(f"off the site: {request.url}{via}")
        if chain and request.meta.get("canonical") and not (site or spider).profile.is_article_url(request.url):
            # An article's redirect (or refresh) to a page of the site that is no article: not fetched.
            raise IgnoreRequest(f"redirected to {request.url}, which is not an article URL")
        return None
