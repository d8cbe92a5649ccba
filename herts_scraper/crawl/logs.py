"""Crawl logs kept under the archive (archive/logs/crawl.log), rotated by size.

Scrapy's LOG_FILE does not rotate; this extension adds a standard library
RotatingFileHandler for every crawl, whatever LOG_FILE says, so nightly runs
leave a bounded history of logs beside the archive they wrote.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from herts_scraper.project import archive_path


class RotatingLogFile:
    def __init__(self, crawler):
        settings = crawler.settings
        folder = Path(settings.get("LOG_DIR") or archive_path(settings).parent / "logs")
        folder.mkdir(parents=True, exist_ok=True)
        self.handler = _QuietRotatingFileHandler(
            folder / "crawl.log", maxBytes=settings.getint("LOG_ROTATE_BYTES"),
            backupCount=settings.getint("LOG_ROTATE_KEEP"), encoding="utf-8")
        self.handler.setLevel(settings.get("LOG_LEVEL"))
        self.handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
        logging.getLogger().addHandler(self.handler)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_ENABLED") or not crawler.settings.get("ARCHIVE_PATH"):
            raise NotConfigured  # Scrapy's shell, fetch, view, parse leave the archive's folder alone
        return cls(crawler)

    def engine_stopped(self):
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()


class _QuietRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """On the first failed write (a full disk), one line on stderr and no more file logging:
    the standard handler would print a traceback for every record after it."""

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        print(f"herts-scraper: cannot write the crawl log {self.baseFilename} ({exc}); "
              "logging to it stops", file=sys.stderr)
        logging.getLogger().removeHandler(self)
        try:
            self.close()
        except OSError:
            pass
