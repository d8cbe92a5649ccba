"""Item pipeline: articles and failures into the SQLite archive.

Articles are written in batches, one transaction each (ARCHIVE_BATCH_SIZE
articles or two seconds, whichever comes first), so a killed crawl leaves only
whole articles behind and costs at most one batch, which the next run fetches
again. Failures are written at once: they must never be lost.
"""

from __future__ import annotations

import json
import logging
import time

from scrapy import signals

from .archive import Archive, Capture
from .items import PageFailure

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.path = crawler.settings.get("ARCHIVE_PATH")
        self.batch_size = crawler.settings.getint("ARCHIVE_BATCH_SIZE", 50)
        self.buffer: list[Capture] = []
        self.last_flush = time.monotonic()
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "partial": 0,
                       "rejected": 0, "failed": 0, "skipped": 0}
        self.archive: Archive | None = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.archive = Archive(self.path)
        args = {k: v for k, v in (("base_url", getattr(spider, "base_url", None)),
                                  ("max_pages", getattr(spider, "max_pages", None)),
                                  ("since", getattr(spider, "since", None)),
                                  ("profile", getattr(getattr(spider, "profile", None), "name", None))) if v}
        self.run_id = self.archive.start_run(spider.name, getattr(spider, "base_url", None), args)
        spider.run_id = self.run_id
        logger.info("archiving into %s (crawl run %s)", self.path, self.run_id)

    def process_item(self, item, spider=None):
        if isinstance(item, Capture):
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size or time.monotonic() - self.last_flush > FLUSH_SECONDS:
                self.flush()
        elif isinstance(item, PageFailure):
            kind = "rejected" if item.kind == "rejected" else "failed"
            self.counts[kind] += 1
            self.archive.record_failure(item.url, item.kind, item.reason, item.http_status, self.run_id)
        return item

    def flush(self):
        if self.buffer:
            for key, n in self.archive.store_many(self.buffer, self.run_id).items():
                self.counts[key] += n
            self.buffer = []
        self.last_flush = time.monotonic()

    def close_spider(self, spider=None):
        self.flush()

    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        self.flush()
        stats = self.crawler.stats
        self.counts["requests"] = stats.get_value("downloader/request_count", 0)
        self.counts["bytes"] = stats.get_value("downloader/response_bytes", 0)
        self.counts["skipped"] = (stats.get_value("herts/skipped_since", 0)
                                  + stats.get_value("herts/skipped_since_teaser", 0))
        stored = self.counts["new"] + self.counts["changed"] + self.counts["unchanged"]
        if reason != "finished":
            status = "interrupted" if reason == "shutdown" else f"failed:{reason}"
        elif self.counts["failed"] or self.counts["rejected"]:
            status = "incomplete"
        elif not stored and not self.counts["skipped"]:
            status = "failed:no-articles"
        else:
            status = "ok"
        self.archive.finish_run(self.run_id, status, self.counts, message=json.dumps({"reason": reason}))
        spider.run_status = status
        logger.info(
            "crawl run %s %s: %d new, %d changed, %d unchanged, %d partial, %d rejected, %d failed, "
            "%d skipped (since), %d requests; archive %s holds %d articles",
            self.run_id, status, self.counts["new"], self.counts["changed"], self.counts["unchanged"],
            self.counts["partial"], self.counts["rejected"], self.counts["failed"], self.counts["skipped"],
            self.counts["requests"], self.path, self.archive.count(),
        )
        self.archive.close()
        self.archive = None
