"""Health checks of a crawl run: the signs that the site changed under us.

Each check is a small object with its threshold: it sees every article the
run stores (`see`) and says at the end what is wrong, if anything
(`problem`). The checks are a registry, HEALTH_CHECKS, built once per run
from the run's configuration by `RunHealth.for_run`; a new check is a class
and a line in the registry (docs/extending.md). Any problem makes the run
unhealthy: `scrapy crawl news` exits 4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from herts_scraper.record import Article

TOLERATED_MISSING = 2  # in small runs a share says little: a couple of undated articles is normal


@dataclass(frozen=True)
class HealthConfig:
    """What the checks are built from, once per run."""

    furniture_phrases: tuple[str, ...] = ()
    max_missing_share: float = 0.02  # the setting HEALTH_MAX_MISSING_SHARE
    # A `since` run keeps every undated article (it cannot tell their age), so its
    # share of undated ones says nothing about coverage.
    check_dates: bool = True


class HealthCheck(Protocol):
    def see(self, article: Article) -> None: ...

    def problem(self, empty_listings: int) -> str | None: ...


@dataclass
class EmptyListings:
    """A listing page gave no articles: the listing selectors have probably broken."""

    def see(self, article: Article) -> None:
        pass

    def problem(self, empty_listings: int) -> str | None:
        if empty_listings:
            return f"{empty_listings} listing page(s) gave no articles: have the listing selectors broken?"
        return None


@dataclass
class MissingShare:
    """More than `max_share` of the run's articles (and more than TOLERATED_MISSING) lack `name`."""

    name: str  # "date" or "body"
    has: Callable[[Article], bool]
    max_share: float
    articles: int = 0
    missing: int = 0

    def see(self, article: Article) -> None:
        self.articles += 1
        self.missing += not self.has(article)

    def problem(self, empty_listings: int) -> str | None:
        n = self.missing
        if n > max(self.max_share * self.articles, TOLERATED_MISSING):
            return (f"{n} of {self.articles} articles ({n / self.articles:.1%}) have no {self.name}: "
                    f"more than {self.max_share:.0%}")
        return None


@dataclass
class FurnitureInBodies:
    """Furniture text (the profile's phrases) reached article bodies: the furniture selectors missed it."""

    phrases: tuple[str, ...]
    urls: list[str] = field(default_factory=list)

    def see(self, article: Article) -> None:
        if any(phrase in article.body for phrase in self.phrases):
            self.urls.append(article.url)

    def problem(self, empty_listings: int) -> str | None:
        if self.urls:
            return f"furniture text in {len(self.urls)} article bodies, e.g. {self.urls[0]}"
        return None


def _has_date(article: Article) -> bool:
    return bool(article.published)


def _has_body(article: Article) -> bool:
    return bool(article.body.strip())


# name -> how to build the check for a run (None: the check does not apply to that run)
HEALTH_CHECKS: dict[str, Callable[[HealthConfig], HealthCheck | None]] = {
    "empty-listings": lambda config: EmptyListings(),
    "missing-date": lambda config: MissingShare("date", _has_date, config.max_missing_share)
    if config.check_dates else None,
    "missing-body": lambda config: MissingShare("body", _has_body, config.max_missing_share),
    "furniture": lambda config: FurnitureInBodies(config.furniture_phrases),
}


@dataclass
class RunHealth:
    """The run's checks, fed every stored article; picklable (it crosses from the archive writer)."""

    checks: list = field(default_factory=list)
    articles: int = 0

    @classmethod
    def for_run(cls, config: HealthConfig) -> RunHealth:
        built = (make(config) for make in HEALTH_CHECKS.values())
        return cls([check for check in built if check is not None])

    def check(self, article: Article) -> None:
        self.articles += 1
        for check in self.checks:
            check.see(article)

    def problems(self, empty_listings: int = 0) -> list[str]:
        return [p for check in self.checks if (p := check.problem(empty_listings))]
