"""What the spiders yield. Scrapy handles dataclass items through itemadapter."""

from __future__ import annotations

from dataclasses import dataclass

from herts_scraper.archive.store import Capture  # an archived article page (Article + HTTP facts)

__all__ = ["Capture", "FetchedPage", "NotModified", "PageFailure"]


@dataclass(slots=True, repr=False)
class FetchedPage:
    """An article page as downloaded (200): the archive writer extracts and stores it."""

    url: str
    body: bytes
    http_status: int = 200
    content_type: str | None = None  # the header; extraction reads its charset
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None  # ISO 8601 UTC, when the response arrived

    def __repr__(self) -> str:  # Scrapy logs items at DEBUG: not the whole page
        return f"FetchedPage({self.url!r}, {len(self.body)} bytes, HTTP {self.http_status})"


@dataclass(slots=True)
class PageFailure:
    """A page that gave no article: rejected by extraction or not fetched.

    kind: "rejected" (extraction refused the page), "http" (an error status
    after retries), "gone" (404/410), "network" (timeout, reset, DNS),
    "offsite" (a redirect or refresh off the site), "redirect" (to a page of
    the site that is not an article), "too-large" (past DOWNLOAD_MAXSIZE,
    compressed or not), "refused" (not fetched on purpose: robots.txt, a URL
    past URL_LENGTH_LIMIT; counted as skipped, not retried), "error" (a bug:
    the extractor raised). Every one is archived in the failures table.
    """

    url: str
    kind: str
    reason: str
    http_status: int | None = None
    canonical: str | None = None  # the article's archive key, when the spider knows it
    when: str | None = None  # ISO 8601 UTC; default: when stored (reparse gives the capture's date)


@dataclass(slots=True)
class NotModified:
    """A known article answered 304 to a conditional request: still there, unchanged."""

    url: str  # the archive key (canonical URL)
    seen_at: str | None = None  # ISO 8601 UTC; default: when stored (reparse gives the capture's date)
