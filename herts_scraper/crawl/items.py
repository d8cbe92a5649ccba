"""What the news spider yields, and what it hands the archive.

Scrapy's items (what item pipelines and feed exports get) are articles only:
one `ArticleItem` per article page fetched and extracted. The rest goes from
the spider to the archive writer directly (crawl.run.ArchiveRun): the page as
downloaded (`FetchedPage`), a 304 (`NotModified`), a page that gave no article
(`PageFailure`). Scrapy handles dataclass items through itemadapter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from herts_scraper.archive.store import Capture  # an archived article page (Article + HTTP facts)
from herts_scraper.record import Article

__all__ = ["ArticleItem", "Capture", "FetchedPage", "NotModified", "PageFailure"]


@dataclass(slots=True)
class ArticleItem:
    """An article as extracted from a page the crawl fetched: the archive's fields.

    `outcome` is what the archive made of it ("new", "changed" or "unchanged")
    and `versions` how many versions it now holds; both are None when the
    crawl does not archive (`scrapy parse`, ARCHIVE_ENABLED=False).
    """

    url: str  # the archive key: the canonical URL on the real site
    title: str | None
    description: str | None
    published: str | None  # ISO 8601 (see record.Article)
    area: str
    body: str  # Markdown
    status: str  # "ok" or "partial"
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    found_by: dict[str, str] = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    generation: str | None = None
    cms_id: str | None = None
    category: str | None = None  # the date block's tag, where the force shows one
    fetched_url: str | None = None  # where it was fetched (a replica or mirror, a redirect's target)
    fetched_at: str | None = None  # ISO 8601 UTC
    http_status: int | None = None
    outcome: str | None = None
    versions: int | None = None
    run_id: int | None = None

    @classmethod
    def of(cls, article: Article, page: FetchedPage, outcome: str | None = None, versions: int | None = None,
           run_id: int | None = None) -> ArticleItem:
        return cls(**asdict(article), status=article.status, fetched_url=page.url, fetched_at=page.fetched_at,
                   http_status=page.http_status, outcome=outcome, versions=versions, run_id=run_id)


@dataclass(slots=True, repr=False)
class FetchedPage:
    """An article page as downloaded (200): the archive writer extracts and stores it.
    `ticket` numbers it in the run, so that its ArticleItem finds its way back."""

    url: str
    body: bytes
    http_status: int = 200
    content_type: str | None = None  # the header; extraction reads its charset
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None  # ISO 8601 UTC, when the response arrived
    ticket: int | None = None

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
