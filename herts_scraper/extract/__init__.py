"""Article extraction: page bytes + URL -> Article (pure functions, lxml, no Scrapy).

The names below load on first use (PEP 562), so that a light submodule (extract.facts' Fact, read
by the archive) does not pull lxml and the HTML extractor into read-only commands.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from herts_scraper.extract.article import RejectedPage, extract_article, parse_html
    from herts_scraper.extract.markdown import collect_images, element_to_markdown, html_to_markdown

_HOMES = {"RejectedPage": "article", "extract_article": "article", "parse_html": "article",
          "element_to_markdown": "markdown", "html_to_markdown": "markdown", "collect_images": "markdown"}

__all__ = ["RejectedPage", "extract_article", "parse_html", "element_to_markdown", "html_to_markdown", "collect_images"]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
