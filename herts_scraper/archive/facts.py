"""The police facts the archive stores with each version (extract.facts), found so that a
failure never costs a page: the archive writer, reparse and `reparse --fields-only` call this."""

from __future__ import annotations

import logging

from herts_scraper.extract.facts import Fact, extract_facts
from herts_scraper.profiles import Profile
from herts_scraper.record import Article

logger = logging.getLogger(__name__)


def facts_of(article: Article, profile: Profile | None) -> list[Fact] | None:
    """The article's facts; None (logged) when the extractor fails on it: the version is stored
    without facts (versions.facts_version null), and `reparse --fields-only` tries it again."""
    try:
        return extract_facts(article, profile)
    except Exception:
        logger.exception("fact extraction failed on %s; stored without facts", article.url)
        return None
