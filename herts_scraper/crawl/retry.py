"""Retries that wait as long as the site asks.

Scrapy's RetryMiddleware re-sends a 503 or 429 at once; a site that says
`Retry-After: 30` is asking us to back off. This middleware is Scrapy's,
plus that wait: before a 429 or 503 is retried it sleeps for the
Retry-After delay (seconds or an HTTP date), capped at RETRY_AFTER_MAX
seconds. The waiting request keeps its place among CONCURRENT_REQUESTS, so
when many pages answer "come back later" the whole crawl slows down too.
"""

from __future__ import annotations

import datetime as dt
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

from herts_scraper import settings as defaults
from herts_scraper.extract.dates import parse_http_date

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """A Retry-After header value as seconds from now (None when absent or unreadable)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", defaults.RETRY_AFTER_MAX)  # usable outside the project too

    # Scrapy awaits a coroutine process_response; the base class's method is synchronous.
    async def process_response(self, request, response):  # type: ignore[override]
        if (response.status in RETRY_AFTER_STATUSES and response.status in self.retry_http_codes
                and not request.meta.get("dont_retry")
                and request.meta.get("retry_times", 0) < request.meta.get("max_retry_times", self.max_retry_times)):
            delay = retry_after_seconds(response.headers.get(b"Retry-After"))
            if delay:
                wait = min(delay, self.max_wait)
                logger.info("%s answered %s with Retry-After %s: waiting %.1f s before retrying",
                            request.url, response.status, response.headers.get(b"Retry-After").decode("latin-1"),
                            wait)
                self.crawler.stats.inc_value("herts/retry_after_waits")
                await maybe_deferred_to_future(task.deferLater(reactor, wait))  # any reactor
        return super().process_response(request, response)
