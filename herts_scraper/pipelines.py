"""Item pipeline: articles, 304s, removals and failures into the SQLite archive.

Articles are written in batches, one transaction each (ARCHIVE_BATCH_SIZE
articles or two seconds, whichever comes first), so a killed crawl leaves only
whole articles behind and costs at most one batch, which the next run fetches
again. Failures and removals are written at once: they must never be lost.
At the end the run gets its crawl_runs row, its health checks and a
one-screen report.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from scrapy import signals

from .archive import Archive, Capture, now_iso
from .health import RunHealth
from .items import NotModified, PageFailure
from .report import format_report

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.path = settings.get("ARCHIVE_PATH")
        self.batch_size = settings.getint("ARCHIVE_BATCH_SIZE", 50)
        self.max_missing_share = settings.getfloat("HEALTH_MAX_MISSING_SHARE", 0.02)
        self.print_report = settings.getbool("RUN_REPORT", True)
        self.buffer: list[Capture] = []
        self.last_flush = time.monotonic()
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "not_modified": 0, "removed": 0,
                       "partial": 0, "rejected": 0, "failed": 0, "skipped": 0}
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.health: RunHealth | None = None
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
        self.started = now_iso()
        self.run_id = self.archive.start_run(spider.name, getattr(spider, "base_url", None), args,
                                             getattr(spider, "mode", "full"))
        spider.run_id = self.run_id
        profile = getattr(spider, "profile", None)
        self.health = RunHealth(profile.furniture_phrases if profile else (), self.max_missing_share,
                                check_dates=not getattr(spider, "since", None))
        logger.info("archiving into %s (crawl run %s)", self.path, self.run_id)

    def process_item(self, item, spider=None):
        if isinstance(item, Capture):
            self.health.check(item.article)
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size or time.monotonic() - self.last_flush > FLUSH_SECONDS:
                self.flush()
        elif isinstance(item, NotModified):
            self.counts["not_modified"] += 1
            self.archive.touch(item.url, run_id=self.run_id)
        elif isinstance(item, PageFailure):
            self._failure(item)
        return item

    def _failure(self, item: PageFailure) -> None:
        if item.kind == "gone" and item.canonical and self.archive.has(item.canonical):
            # An archived article answers 404/410: a tombstone, never a deletion.
            self.counts["removed"] += self.archive.mark_removed(item.canonical)
            return
        self.counts["rejected" if item.kind == "rejected" else "failed"] += 1
        self.archive.record_failure(item.url, item.kind, item.reason, item.http_status, self.run_id)

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
        counts = self.counts
        counts["requests"] = stats.get_value("downloader/request_count", 0)
        counts["bytes"] = stats.get_value("downloader/response_bytes", 0)
        counts["skipped"] = stats.get_value("herts/skipped_since", 0) + stats.get_value("herts/skipped_since_teaser", 0)
        stored = counts["new"] + counts["changed"] + counts["unchanged"] + counts["not_modified"]
        mode = getattr(spider, "mode", "full")
        complete_sweep = (reason == "finished" and mode == "full" and not getattr(spider, "limited", False)
                          and not counts["failed"] and not getattr(spider, "listing_failures", 0) and stored)
        if complete_sweep:
            # Everything the site lists was seen in this run: what was not is gone from the site.
            counts["removed"] += len(self.archive.sweep_removed(self.started))
            self.archive.set_meta("last_full_sweep", self.started)
        if reason == "finished" and getattr(spider, "start_pages_missing", None) is not None and stored:
            self.archive.set_meta("missing_start_pages", json.dumps(sorted(spider.start_pages_missing)))
        problems = self.health.problems(stats.get_value("herts/listings_empty", 0))
        if reason != "finished":
            status = "interrupted" if reason == "shutdown" else f"failed:{reason}"
        elif not (stored or counts["skipped"] or counts["removed"] or stats.get_value("herts/teasers_known", 0)):
            status = "failed:no-articles"  # the site gave nothing we could recognise
        elif problems:
            status = "unhealthy"
        elif counts["failed"] or counts["rejected"]:
            status = "incomplete"
        else:
            status = "ok"
        self.archive.finish_run(self.run_id, status, counts, message=json.dumps({"reason": reason}),
                                health=problems)
        spider.run_status = status
        run = self.archive.runs()[-1]
        report = format_report(run, problems, self.archive.count(), self.path)
        for line in report.splitlines():
            logger.info(line)
        for problem in problems:
            logger.warning("health check failed: %s", problem)
        if self.print_report:
            print(report, file=sys.stdout, flush=True)
        self.archive.close()
        self.archive = None
