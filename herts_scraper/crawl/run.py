"""The crawl run's bookkeeping, in one Scrapy extension (Scrapy's
extensions/spiderstate.py is the model: state loaded when the spider opens,
kept when it closes).

When the spider opens, `ArchiveRun` takes the archive's lock, marks runs
left "running" by a killed crawl, loads what the spider needs to know of the
archive (`ArchiveState`: known articles, pages to retry, whether a full sweep
has completed) and hands it to the spider, which decides its mode; then it
opens the run's crawl_runs row and starts the archive writer (archive/writer.py).
The pipeline hands it every item. When the spider closes, it finishes the
writer, records the removals of a complete full sweep, decides the status
(report.run_status), writes the run's row and prints the report; the lock
goes when the engine stops, after the writer has stored its last batch.

The spider only discovers and downloads; the pipeline only hands items on.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from herts_scraper.archive.lock import ArchiveLock, lock_archive
from herts_scraper.archive.report import DISK_FULL, RunFacts, format_report, is_disk_full, run_status
from herts_scraper.archive.store import Archive, Known, now_iso
from herts_scraper.archive.writer import (
    ArchiveWriter,
    WorkerArchiveWriter,
    WriterConfig,
    WriterSummary,
    failure_message,
    writer_for,
)
from herts_scraper.project import archive_path

logger = logging.getLogger(__name__)
RUN_STATUS_STAT = "herts/run_status"  # where `scrapy crawl` finds the status for its exit code


@dataclass
class ArchiveState:
    """What a crawl needs to know of the archive before it starts."""

    known: dict[str, Known] = field(default_factory=dict)
    last_full_sweep: str | None = None
    previous_ok: bool = True  # the last run ended ok, incomplete or unhealthy (not killed, not failed)
    missing_start_pages: set[str] = field(default_factory=set)  # start paths that answered 404 last time
    retry_urls: list[str] = field(default_factory=list)  # pages that failed before, to fetch first

    @classmethod
    def load(cls, archive: Archive) -> ArchiveState:
        archive.close_dead_runs()  # we hold the lock: runs still "running" were killed
        runs = archive.runs()
        return cls(
            known=archive.known(),
            last_full_sweep=archive.get_meta("last_full_sweep"),
            # A killed, interrupted or failed run may have left holes anywhere: the next run sweeps it all.
            previous_ok=not runs or runs[-1]["status"] in ("ok", "incomplete", "unhealthy"),
            missing_start_pages=set(json.loads(archive.get_meta("missing_start_pages") or "[]")),
            # Pages refused on purpose (robots.txt, too long) and gone ones are not retried.
            retry_urls=[f["url"] for f in archive.unresolved_failures() if f["kind"] not in ("gone", "refused")],
        )


class ArchiveRun:
    """The extension: one crawl run of one archive (spiders without `use_archive` are left alone)."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.path = archive_path(settings)
        self.batch_size = settings.getint("ARCHIVE_BATCH_SIZE")
        self.in_worker = settings.getbool("ARCHIVE_WORKER")
        self.max_missing_share = settings.getfloat("HEALTH_MAX_MISSING_SHARE")
        self.print_report = settings.getbool("RUN_REPORT")
        self.lock: ArchiveLock | None = None
        self.archive: Archive | None = None
        self.writer: ArchiveWriter | WorkerArchiveWriter | None = None
        self.writer_failure: str | None = None
        self.run_id: int | None = None
        self.started = ""
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("ARCHIVE_PATH"):
            raise NotConfigured
        return cls(crawler)

    # -- opening ------------------------------------------------------------------------
    def spider_opened(self, spider):
        if not hasattr(spider, "use_archive"):
            return
        self.lock = lock_archive(self.path)
        self.archive = Archive(self.path)
        spider.use_archive(ArchiveState.load(self.archive))
        args = {k: v for k, v in (("base_url", spider.base_url), ("max_pages", spider.max_pages),
                                  ("since", spider.since), ("profile", spider.profile.name)) if v}
        self.started = now_iso()
        self.run_id = self.archive.start_run(spider.name, spider.base_url, args, spider.mode)
        config = WriterConfig(archive_path=str(self.path), run_id=self.run_id, profile=spider.profile_name,
                              base_url=spider.base_url, since=spider.since, batch_size=self.batch_size,
                              max_missing_share=self.max_missing_share)
        # The worker holds the lock's descriptor too: a killed crawl stays locked until it has stored everything.
        self.writer = writer_for(config, self.in_worker, self.lock.fileno())
        logger.info("archiving into %s (crawl run %s%s)", self.path, self.run_id,
                    ", writer in a worker process" if self.in_worker else "")

    # -- items (from the pipeline) -----------------------------------------------------
    def hand(self, item) -> None:
        """Give an item (FetchedPage, NotModified, PageFailure) to the archive writer."""
        if self.writer is None or self.writer_failure:
            return  # the run is being closed as failed; the next run sweeps everything again
        try:
            self.writer.handle(item)
        except Exception as exc:
            self.writer_failure = failure_message(exc)
            logger.error("archive writer failed, stopping the crawl: %s", self.writer_failure)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_writer_failed"))

    # -- closing ------------------------------------------------------------------------
    def _finish_writer(self) -> WriterSummary:
        writer, self.writer = self.writer, None
        if writer is None:
            return WriterSummary()
        try:
            return writer.finish()
        except Exception as exc:  # ArchiveWriterFailed, or the in-process writer's own error
            if not self.writer_failure:
                self.writer_failure = failure_message(exc)
                logger.error("archive writer failed: %s", self.writer_failure)
            return WriterSummary()

    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        for item in spider.drain_refused():  # refusals no callback has yielded yet
            self.hand(item)
        summary = self._finish_writer()
        if summary.cpu_s is not None:
            logger.info("archive writer process: %d items, %.1f s CPU, peak RSS %s MB",
                        summary.items, summary.cpu_s, summary.peak_rss_mb)
        try:
            self._close_run(spider, reason, summary)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            self.crawler.stats.set_value(RUN_STATUS_STAT, f"failed:{DISK_FULL}")
            logger.error("disk full: the end of crawl run %s could not be recorded in %s (%s); "
                         "the next run will sweep everything", self.run_id, self.path, exc)
        finally:
            self.archive.close()
            self.archive = None

    def _close_run(self, spider, reason: str, summary: WriterSummary) -> None:
        """Removals of a complete sweep, the run's status and counts, the report."""
        assert self.archive is not None and self.run_id is not None  # opened by spider_opened
        stats = self.crawler.stats
        counts = summary.counts  # zeros when the writer failed
        counts.requests = stats.get_value("downloader/request_count", 0)
        counts.bytes = stats.get_value("downloader/response_bytes", 0)
        counts.skipped += stats.get_value("herts/skipped_since_teaser", 0)
        complete_sweep = (reason == "finished" and not self.writer_failure and spider.mode == "full"
                          and not spider.limited and not spider.bounded and not counts.failed
                          and not spider.listing_failures and counts.stored)
        if complete_sweep:
            # Everything the site lists was seen in this run: what was not is gone from the site.
            counts.removed += len(self.archive.sweep_removed(self.started))
            self.archive.set_meta("last_full_sweep", self.started)
        if reason == "finished" and counts.stored:
            self.archive.set_meta("missing_start_pages", json.dumps(sorted(spider.start_pages_missing)))
        problems = summary.health.problems(stats.get_value("herts/listings_empty", 0))
        status = run_status(RunFacts(reason, self.writer_failure, counts.stored, counts.skipped, counts.removed,
                                     stats.get_value("herts/teasers_known", 0), tuple(problems),
                                     counts.failed, counts.rejected))
        bounds = spider.bounds_hit
        message = {"reason": reason, **({"writer": self.writer_failure} if self.writer_failure else {}),
                   **({"bounds": bounds} if bounds else {})}
        self.archive.finish_run(self.run_id, status, counts, message=json.dumps(message), health=problems)
        stats.set_value(RUN_STATUS_STAT, status)
        run = self.archive.runs()[-1]
        report = format_report(run, problems, self.archive.count(), self.path, bounds=list(bounds.values()))
        for line in report.splitlines():
            logger.info(line)
        for problem in problems:
            logger.warning("health check failed: %s", problem)
        if self.print_report:
            print(report, file=sys.stdout, flush=True)

    def engine_stopped(self):
        # After every spider_closed handler: the writer has stored the run's last batch.
        if self.lock is not None:
            self.lock.release()
            self.lock = None
