"""Item pipeline: the crawl run around the archive writer.

It opens the run's crawl_runs row, hands every item (article pages, 304s,
failures) to the archive writer (writer.py: extraction, health checks and
batched SQLite writes, by default in a worker process on a second core),
and at the end closes the run: full-sweep removals, status, health checks
and a one-screen report. Failures and removals are written as they come;
articles in transactions of ARCHIVE_BATCH_SIZE, so a killed crawl leaves
only whole articles behind.
"""

from __future__ import annotations

import json
import logging
import sys

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from .archive import Archive, now_iso
from .report import DISK_FULL, RunFacts, format_report, is_disk_full, run_status
from .writer import COUNT_KEYS, WriterConfig, WriterSummary, failure_message, writer_for

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.path = settings.get("ARCHIVE_PATH")
        self.batch_size = settings.getint("ARCHIVE_BATCH_SIZE", 50)
        self.in_worker = settings.getbool("ARCHIVE_WORKER", True)
        self.max_missing_share = settings.getfloat("HEALTH_MAX_MISSING_SHARE", 0.02)
        self.print_report = settings.getbool("RUN_REPORT", True)
        self.archive: Archive | None = None
        self.writer = None
        self.writer_failure: str | None = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.archive = Archive(self.path)
        profile = getattr(spider, "profile", None)
        args = {k: v for k, v in (("base_url", getattr(spider, "base_url", None)),
                                  ("max_pages", getattr(spider, "max_pages", None)),
                                  ("since", getattr(spider, "since", None)),
                                  ("profile", getattr(profile, "name", None))) if v}
        self.started = now_iso()
        self.run_id = self.archive.start_run(spider.name, getattr(spider, "base_url", None), args,
                                             getattr(spider, "mode", "full"))
        spider.run_id = self.run_id
        config = WriterConfig(
            archive_path=str(self.path), run_id=self.run_id,
            profile=getattr(spider, "profile_name", None) or self.crawler.settings.get("SITE_PROFILE"),
            base_url=getattr(spider, "base_url", None), since=getattr(spider, "since", None),
            batch_size=self.batch_size, max_missing_share=self.max_missing_share)
        lock = getattr(spider, "lock", None)
        self.writer = writer_for(config, self.in_worker, lock.fileno() if lock else None)
        logger.info("archiving into %s (crawl run %s%s)", self.path, self.run_id,
                    ", writer in a worker process" if self.in_worker else "")

    def process_item(self, item, spider=None):
        if self.writer_failure:
            return item  # the run is being closed as failed; the next run sweeps everything again
        try:
            self.writer.handle(item)
        except Exception as exc:
            self._writer_failed(exc)
        return item

    def _writer_failed(self, exc: Exception) -> None:
        self.writer_failure = failure_message(exc)
        logger.error("archive writer failed, stopping the crawl: %s", self.writer_failure)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_writer_failed"))

    def _finish_writer(self) -> WriterSummary:
        writer, self.writer = self.writer, None
        try:
            return writer.finish()
        except Exception as exc:  # ArchiveWriterFailed, or the in-process writer's own error
            if not self.writer_failure:
                self.writer_failure = failure_message(exc)
                logger.error("archive writer failed: %s", exc)
            return WriterSummary()

    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        for item in getattr(spider, "drain_refused", tuple)():  # refusals no callback has yielded yet
            self.process_item(item, spider)
        summary = self._finish_writer()
        if summary.cpu_s is not None:
            logger.info("archive writer process: %d items, %.1f s CPU, peak RSS %s MB",
                        summary.items, summary.cpu_s, summary.peak_rss_mb)
        try:
            self._close_run(spider, reason, summary)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            spider.run_status = f"failed:{DISK_FULL}"
            logger.error("disk full: the end of crawl run %s could not be recorded in %s (%s); "
                         "the next run will sweep everything", self.run_id, self.path, exc)
        finally:
            self.archive.close()
            self.archive = None

    def _close_run(self, spider, reason: str, summary: WriterSummary) -> None:
        """Removals of a complete sweep, the run's status and counts, the report."""
        assert self.archive is not None and self.run_id is not None  # opened by open_spider
        stats = self.crawler.stats
        counts = dict.fromkeys(COUNT_KEYS, 0) | summary.counts  # zeros when the writer failed
        stats.set_value("herts/skipped_since", counts.pop("skipped_since", 0))
        counts["requests"] = stats.get_value("downloader/request_count", 0)
        counts["bytes"] = stats.get_value("downloader/response_bytes", 0)
        counts["skipped"] = (stats.get_value("herts/skipped_since", 0) + stats.get_value("herts/skipped_since_teaser", 0)
                             + counts.pop("refused", 0))
        stored = counts["new"] + counts["changed"] + counts["unchanged"] + counts["not_modified"]
        mode = getattr(spider, "mode", "full")
        bounds = getattr(spider, "bounds_hit", {})
        complete_sweep = (reason == "finished" and not self.writer_failure and mode == "full"
                          and not getattr(spider, "limited", False) and not getattr(spider, "bounded", False)
                          and not counts["failed"] and not getattr(spider, "listing_failures", 0) and stored)
        if complete_sweep:
            # Everything the site lists was seen in this run: what was not is gone from the site.
            counts["removed"] += len(self.archive.sweep_removed(self.started))
            self.archive.set_meta("last_full_sweep", self.started)
        if reason == "finished" and getattr(spider, "start_pages_missing", None) is not None and stored:
            self.archive.set_meta("missing_start_pages", json.dumps(sorted(spider.start_pages_missing)))
        problems = summary.health.problems(stats.get_value("herts/listings_empty", 0))
        status = run_status(RunFacts(
            reason, self.writer_failure, stored, counts["skipped"], counts["removed"],
            stats.get_value("herts/teasers_known", 0), tuple(problems), counts["failed"], counts["rejected"]))
        message = {"reason": reason, **({"writer": self.writer_failure} if self.writer_failure else {}),
                   **({"bounds": bounds} if bounds else {})}
        self.archive.finish_run(self.run_id, status, counts, message=json.dumps(message), health=problems)
        spider.run_status = status
        run = self.archive.runs()[-1]
        report = format_report(run, problems, self.archive.count(), self.path, bounds=list(bounds.values()))
        for line in report.splitlines():
            logger.info(line)
        for problem in problems:
            logger.warning("health check failed: %s", problem)
        if self.print_report:
            print(report, file=sys.stdout, flush=True)
