"""Health checks of a crawl run: the signs that the site changed under us.

A run is unhealthy when a listing page gave no articles (the selectors
broke), when field coverage drops (more than HEALTH_MAX_MISSING_SHARE of the
run's articles, and more than two, without a date or a body), or when furniture text reached an
article body. Any of these makes `scrapy crawl news` exit non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .record import Article

TOLERATED_MISSING = 2  # in small runs a share says little: a couple of undated articles is normal


@dataclass
class RunHealth:
    furniture_phrases: tuple[str, ...] = ()
    max_missing_share: float = 0.02
    # A `since` run keeps every undated article (it cannot tell their age), so its
    # share of undated ones says nothing about coverage.
    check_dates: bool = True
    articles: int = 0
    without_date: int = 0
    without_body: int = 0
    furniture_urls: list[str] = field(default_factory=list)

    def check(self, article: Article) -> None:
        self.articles += 1
        self.without_date += not article.published
        self.without_body += not article.body.strip()
        body = article.body
        if any(phrase in body for phrase in self.furniture_phrases):
            self.furniture_urls.append(article.url)

    def problems(self, empty_listings: int = 0) -> list[str]:
        found = []
        if empty_listings:
            found.append(f"{empty_listings} listing page(s) gave no articles: have the listing selectors broken?")
        for name, n in (("date", self.without_date if self.check_dates else 0), ("body", self.without_body)):
            if n > max(self.max_missing_share * self.articles, TOLERATED_MISSING):
                found.append(f"{n} of {self.articles} articles ({n / self.articles:.1%}) have no {name}: "
                             f"more than {self.max_missing_share:.0%}")
        if self.furniture_urls:
            found.append(f"furniture text in {len(self.furniture_urls)} article bodies, e.g. {self.furniture_urls[0]}")
        return found
