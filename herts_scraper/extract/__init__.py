"""Article extraction: page bytes + URL -> Article (pure functions, lxml, no Scrapy)."""

from herts_scraper.extract.article import RejectedPage, extract_article, parse_html
from herts_scraper.extract.markdown import collect_images, element_to_markdown, html_to_markdown

__all__ = ["RejectedPage", "extract_article", "parse_html", "element_to_markdown", "html_to_markdown", "collect_images"]
