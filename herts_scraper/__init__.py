"""herts-scraper: an archive of Hertfordshire Constabulary news."""

__version__ = "0.1.0"
EXTRACTOR_VERSION = "3"  # bump when extraction output changes, so reparse can tell rows apart
