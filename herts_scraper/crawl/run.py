"""The crawl run's bookkeeping, in one Scrapy extension (Scrapy's
extensions/spiderstate.py is the model: state loaded when the spider opens,
kept when it closes).

When the spider opens, `ArchiveRun` takes the archive's lock, marks runs
left "running" by a killed crawl, loads what the spider needs to know of the
archive (`ArchiveState`: known articles, pages to retry, whether a full sweep
has completed) and hands it to the spider, which decides its mode; then it
opens the run's crawl_runs row and starts the archive writer (archive/writer.py).
The spider hands it what it fetched (`hand`: 304s, failures; `archive_page`:
article pages, whose ArticleItem comes back once stored, for Scrapy's item
pipelines and feeds). When the spider closes, it finishes the
writer, records the removals of a complete full sweep, decides the status
(report.run_status), writes the run's row and prints the report; the lock
goes when the engine stops, after the writer has stored its last batch.

The spider only discovers and downloads. A run stopped on purpose (Ctrl-C,
CLOSESPIDER_*) or killed is resumed by the next one: ArchiveState says since
when, and the spider passes over what was done since then.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict, dataclass, field

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall

from herts_scraper.archive.lock import ArchiveLock, lock_archive
from herts_scraper.archive.report import (
    DISK_FULL,
    RunFacts,
    format_report,
    is_disk_full,
    run_status,
    stopped_early,
)
from herts_scraper.archive.schema import RunCounts
from herts_scraper.archive.store import Archive, Known, now_iso
from herts_scraper.archive.writer import (
    QUIET_SECONDS,
    ArchiveWriter,
    WorkerArchiveWriter,
    WriterConfig,
    WriterSummary,
    failure_message,
    writer_for,
)
from herts_scraper.crawl.items import ArticleItem, FetchedPage
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
    # The last runs were stopped early (Ctrl-C, CLOSESPIDER_*, killed): what they did since
    # resume_from (the first one's start) is not done again; resume_full: one of them was a full sweep.
    resume_from: str | None = None
    resume_full: bool = False
    meta: dict[str, str] = field(default_factory=dict)  # the archive's meta, for each force's keys

    def for_force(self, name: str) -> tuple[str | None, set[str]]:
        """A force's last complete sweep and missing start pages: its own keys (`last_full_sweep:kent`),
        else the archive's (written by one-force crawls, and by every release before forces)."""
        sweep = self.meta.get(f"last_full_sweep:{name}", self.last_full_sweep)
        missing = self.meta.get(f"missing_start_pages:{name}")
        return sweep, set(json.loads(missing)) if missing else self.missing_start_pages

    @classmethod
    def load(cls, archive: Archive) -> ArchiveState:
        archive.close_dead_runs()  # we hold the lock: runs still "running" were killed
        runs = archive.runs()
        stopped: list[dict] = []
        for run in reversed(runs):
            if not stopped_early(run["status"]):
                break
            stopped.append(run)
        return cls(
            known=archive.known(),
            last_full_sweep=archive.get_meta("last_full_sweep"),
            # A killed, interrupted or failed run may have left holes anywhere: the next run sweeps it all.
            previous_ok=not runs or runs[-1]["status"] in ("ok", "incomplete", "unhealthy"),
            missing_start_pages=set(json.loads(archive.get_meta("missing_start_pages") or "[]")),
            # Pages refused on purpose (robots.txt, too long) and gone ones are not retried.
            retry_urls=[f["url"] for f in archive.unresolved_failures() if f["kind"] not in ("gone", "refused")],
            resume_from=stopped[-1]["started"] if stopped else None,
            resume_full=any(run["mode"] == "full" for run in stopped),
            meta={key: value for key, value in archive.db.execute("select key, value from meta")
                  if ":" in key},
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
        self.tickets = 0  # article pages handed to the writer so far
        self.waiting: dict[int, Deferred] = {}  # ticket -> the page's ArticleItem, once stored
        self._quiet_flush: IDelayedCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        # Off for Scrapy's inspection commands (shell, fetch, view, parse: see herts_scraper/commands/).
        if not crawler.settings.getbool("ARCHIVE_ENABLED") or not crawler.settings.get("ARCHIVE_PATH"):
            raise NotConfigured
        if crawler.settings.get("FRONTIER"):  # a worker of a shared frontier: distributed/worker.py's WorkerRun
            raise NotConfigured
        return cls(crawler)

    # -- opening ------------------------------------------------------------------------
    def spider_opened(self, spider):
        if not hasattr(spider, "use_archive"):
            return
        self.lock = lock_archive(self.path)
        self.archive = Archive(self.path)
        spider.use_archive(ArchiveState.load(self.archive), self)
        self.open_run(spider, self.lock.fileno())

    def open_run(self, spider, lock_fd: int | None) -> None:
        """The run's crawl_runs row and the archive writer (the store process of a shared frontier too)."""
        assert self.archive is not None
        sites = spider.sites
        args = {k: v for k, v in (("base_url", spider.base_url), ("max_pages", spider.max_pages),
                                  ("since", spider.since), ("profile", spider.profile.name)) if v}
        if len(sites) > 1:
            args["forces"] = {s.name: s.base_url for s in sites}
        self.started = now_iso()
        self.run_id = self.archive.start_run(spider.name, spider.base_url, args, spider.mode)
        config = WriterConfig(archive_path=str(self.path), run_id=self.run_id, profile=spider.profile_name,
                              base_url=spider.base_url, since=spider.since, batch_size=self.batch_size,
                              max_missing_share=self.max_missing_share,
                              forces={s.name: (s.profile_source, s.base_url) for s in sites})
        # The worker holds the lock's descriptor too: a killed crawl stays locked until it has stored everything.
        on_results = self._results_from_worker if self.in_worker else self._results
        self.writer = writer_for(config, self.in_worker, lock_fd, on_results)
        logger.info("archiving into %s (crawl run %s%s)", self.path, self.run_id,
                    ", writer in a worker process" if self.in_worker else "")

    # -- what the spider hands over ---------------------------------------------------
    def hand(self, item) -> None:
        """Give an item (FetchedPage, NotModified, PageFailure) to the archive writer."""
        if self.writer is None or self.writer_failure:
            return  # the run is being closed as failed; the next run sweeps everything again
        try:
            self.writer.handle(item)
        except Exception as exc:
            self._writer_failed(failure_message(exc))
            return
        if isinstance(self.writer, ArchiveWriter) and self.writer.buffer and self._quiet_flush is None:
            self._schedule_quiet_flush()

    def _schedule_quiet_flush(self) -> None:
        from twisted.internet import reactor  # the one Scrapy installed

        # twisted types the reactor as its interfaces' methods, whose first parameter mypy takes for self
        self._quiet_flush = reactor.callLater(QUIET_SECONDS, self._flush_quietly)  # type: ignore[arg-type]

    def archive_page(self, page: FetchedPage) -> Deferred:
        """Hand an article page to the writer; the Deferred fires with its ArticleItem once
        stored, or None when it was not archived (rejected, older than `since`, the writer failed)."""
        self.tickets += 1
        page.ticket = self.tickets
        waiting: Deferred = Deferred()
        self.waiting[page.ticket] = waiting
        self.hand(page)
        if self.writer is None or self.writer_failure:
            self._release_waiting()  # not taken: the run is closing as failed
        return waiting

    def _results(self, results: list | None) -> None:
        """Stored pages, as ArticleItems (or why not), from the writer; None: the writer stopped."""
        if results is None:
            if self.writer is not None and not self.writer_failure:  # it died: not finished by us
                self._writer_failed(getattr(self.writer, "failure", None) or "the archive writer stopped")
            self._release_waiting()
            return
        stats = self.crawler.stats
        for ticket, result in results:
            waiting = self.waiting.pop(ticket, None)
            if isinstance(result, ArticleItem):
                stats.inc_value(f"herts/articles/{result.outcome}")
            if waiting is not None:
                waiting.callback(result if isinstance(result, ArticleItem) else None)

    def _results_from_worker(self, results: list | None) -> None:
        from twisted.internet import reactor

        reactor.callFromThread(self._results, results)

    def _release_waiting(self) -> None:
        waiting, self.waiting = self.waiting, {}
        for deferred in waiting.values():
            deferred.callback(None)

    def _flush_quietly(self) -> None:
        """In-process writer: the crawl paused, store the batch (its pages' items are waited for)."""
        self._quiet_flush = None
        if isinstance(self.writer, ArchiveWriter) and not self.writer_failure:
            try:
                self.writer.flush()
            except Exception as exc:
                self._writer_failed(failure_message(exc))

    def _writer_failed(self, why: str) -> None:
        self.writer_failure = why
        logger.error("archive writer failed, stopping the crawl: %s", why)
        self._release_waiting()
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
        summary = self._finish_writer()
        self._release_waiting()
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
        """Removals of each force's complete sweep, the run's status and counts, the report."""
        assert self.archive is not None and self.run_id is not None  # opened by spider_opened
        stats = self.crawler.stats
        counts = summary.counts  # zeros when the writer failed
        counts.requests = stats.get_value("downloader/request_count", 0)
        counts.bytes = stats.get_value("downloader/response_bytes", 0)
        counts.skipped += stats.get_value("herts/skipped_since_teaser", 0)
        done_before = stats.get_value("herts/done_by_stopped_run", 0)  # resuming: passed over, done already
        sites = spider.sites
        several = len(sites) > 1
        run_whole = (reason == "finished" and not self.writer_failure and not spider.limited
                     and not spider.bounded)
        problems: list[str] = []
        blocked: list[str] = []
        forces: dict[str, dict] = {}
        for site in sites:
            mine = summary.forces.get(site.name) or RunCounts()
            refused = site.refused
            complete_sweep = (run_whole and site.mode == "full" and not mine.failed and not site.listing_failures
                              and not refused and (mine.stored or done_before))
            if complete_sweep:
                # Everything the force's site lists was seen since the sweep began (this run's start, or that
                # of the stopped runs it resumes, whose articles it passed over): what was not is gone from the
                # site. Only its own articles.
                sweep_start = spider.resume_from or self.started
                removed = len(self.archive.sweep_removed(sweep_start, hosts=site.archive_hosts))
                counts.removed += removed
                mine.removed += removed
                self._set_meta("last_full_sweep", site.name, sweep_start, several)
            if reason == "finished" and mine.stored:
                self._set_meta("missing_start_pages", site.name, json.dumps(sorted(site.start_pages_missing)),
                               several)
            if several:
                health = summary.force_health.get(site.name)
                found = health.problems(stats.get_value(f"herts/listings_empty/{site.name}", 0)) if health else []
                mine_problems = [f"{site.name}: {p}" for p in found]
            else:
                mine_problems = summary.health.problems(stats.get_value("herts/listings_empty", 0))
            if refused:
                blocked.append(refused)
                mine_problems.append(refused)
            problems += mine_problems
            status = run_status(RunFacts(reason, self.writer_failure, mine.stored, mine.skipped, mine.removed,
                                         done_before, tuple(mine_problems), mine.failed, mine.rejected,
                                         (refused,) if refused else ()))
            forces[site.name] = {**asdict(mine), "blocked": summary.blocked.get(site.name, 0), "status": status,
                                 "mode": site.mode, "base_url": site.base_url, "health": mine_problems}
        status = run_status(RunFacts(reason, self.writer_failure, counts.stored, counts.skipped, counts.removed,
                                     stats.get_value("herts/teasers_known", 0) + done_before, tuple(problems),
                                     counts.failed, counts.rejected, tuple(blocked)))
        bounds = spider.bounds_hit
        message = {"reason": reason, **({"writer": self.writer_failure} if self.writer_failure else {}),
                   **({"bounds": bounds} if bounds else {})}
        self.archive.finish_run(self.run_id, status, counts, message=json.dumps(message), health=problems,
                                forces=forces)
        stats.set_value(RUN_STATUS_STAT, status)
        run = self.archive.runs()[-1]
        report = format_report(run, problems, self.archive.count(), self.path, bounds=list(bounds.values()),
                               forces=forces if several else None)
        for line in report.splitlines():
            logger.info(line)
        for problem in problems:
            logger.warning("health check failed: %s", problem)
        if self.print_report:
            print(report, file=sys.stdout, flush=True)

    def _set_meta(self, key: str, force: str, value: str, several: bool) -> None:
        """A force's own key (`last_full_sweep:kent`); a crawl of one force also keeps the archive's
        (`last_full_sweep`), as every release before forces did."""
        assert self.archive is not None
        self.archive.set_meta(f"{key}:{force}", value)
        if not several:
            self.archive.set_meta(key, value)

    def engine_stopped(self):
        # After every spider_closed handler: the writer has stored the run's last batch.
        if self.lock is not None:
            self.lock.release()
            self.lock = None
