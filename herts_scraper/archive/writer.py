"""The archive writer: fetched pages in, archived articles out.

The spider only downloads and discovers; everything done with an article
page after that happens here, in order: extraction (the pure extractor),
the `since` filter, the run's health checks, the police facts of each new
version (with the page's own force profile; archive/facts.py), and batched writes to the
SQLite archive (one transaction per ARCHIVE_BATCH_SIZE articles or two
seconds), together with 304s, tombstones and failures.

`ArchiveWriter` does it in the calling process. `WorkerArchiveWriter` runs
an ArchiveWriter in a child process (`python -m herts_scraper.archive.writer`), fed
through a pipe, so extraction and SQLite use a second core while the crawl
process keeps downloading (the crawl is CPU-bound on one core otherwise). The pipe keeps the order of
items; when it is full the crawl waits (back-pressure, bounded memory).
The worker ignores SIGINT and SIGTERM: the crawl process shuts it down by
closing the pipe, and if the crawl process is killed the worker sees the
pipe close, stores what it holds and exits: a kill loses no page that had
reached the writer.
"""

from __future__ import annotations

import fcntl
import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from herts_scraper import EXTRACTOR_VERSION
from herts_scraper.archive.facts import facts_of
from herts_scraper.archive.health import HealthConfig, RunHealth
from herts_scraper.archive.report import DISK_FULL, is_disk_full
from herts_scraper.archive.schema import ReparseCounts, RunCounts
from herts_scraper.archive.store import Archive, Capture, outcome_counts
from herts_scraper.crawl.items import ArticleItem, FetchedPage, NotModified, PageFailure
from herts_scraper.extract import RejectedPage, extract_article
from herts_scraper.profiles import Profile, load_profile
from herts_scraper.record import Article

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
# A batch is stored once the crawl has paused this long: the articles of a slow crawl (and
# the last of a fast one) reach the archive, and Scrapy's feeds, without waiting FLUSH_SECONDS.
QUIET_SECONDS = 0.05
PIPE_BYTES = 1 << 20  # Linux's default pipe-max-size: room for ~30 pages before the crawl waits


@dataclass
class WriterConfig:
    """Everything a writer needs, picklable (it crosses to the worker process)."""

    archive_path: str
    run_id: int | None
    profile: str  # name or YAML path, as load_profile takes it (the first force's)
    base_url: str | None = None
    # A crawl of several forces: {force name: (profile name or YAML path, base_url)}; pages carry
    # their force and are extracted with its profile; empty: one force, `profile`.
    forces: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    since: str | None = None  # YYYY-MM-DD: articles published before it are not archived
    batch_size: int = 50
    max_missing_share: float = 0.02
    # reparse: captures replayed from WARC files, with their own dates, into an archive that may
    # hold them already (Archive.replay_many); failures are counted, not recorded again.
    replay: bool = False


@dataclass
class WriterSummary:
    counts: RunCounts = field(default_factory=RunCounts)
    health: RunHealth = field(default_factory=RunHealth)
    items: int = 0
    cpu_s: float | None = None  # the worker process's own CPU time and peak RSS
    peak_rss_mb: float | None = None
    # several forces: each one's counts and health checks, and its pages refused (403, challenge)
    forces: dict[str, RunCounts] = field(default_factory=dict)
    force_health: dict[str, RunHealth] = field(default_factory=dict)
    blocked: dict[str, int] = field(default_factory=dict)


# What became of a FetchedPage with a ticket: its ArticleItem once stored, or why it was not archived.
Result = tuple[int, "ArticleItem | str"]
ResultsCallback = Callable[[list[Result] | None], None]  # None: the writer stopped, no more results


class ArchiveWriterFailed(RuntimeError):
    """The archive writer stopped: the archive could not be written."""


def failure_message(exc: BaseException) -> str:
    """Why the writer stopped, in one line; "disk-full: ..." when the disk filled up."""
    text = str(exc) or type(exc).__name__
    return f"{DISK_FULL}: {text}" if is_disk_full(exc) else text


def extract_page(page: FetchedPage, profile: Profile, base_url: str | None = None,
                 since: str | None = None) -> Article | PageFailure | None:
    """The article of a fetched page; a PageFailure when extraction refuses it (or raises:
    a bug must not stop the crawl nor lose the page); None when it is older than `since`."""
    try:
        article = extract_article(page.body, page.url, profile, base_url=base_url, encoding=page.content_type)
    except RejectedPage as exc:
        logger.warning("rejected %s: %s", page.url, exc)
        return PageFailure(page.url, "rejected", str(exc), page.http_status)
    except Exception as exc:
        logger.exception("extraction failed on %s", page.url)
        return PageFailure(page.url, "error", f"{type(exc).__name__}: {exc}", page.http_status)
    if since and article.published and article.published[:10] < since:
        return None
    return article


class ArchiveWriter:
    """Turns spider items into archive rows, in the order they come. Pages handed with a
    ticket come back, once stored, as ArticleItems through `on_results` (Scrapy's items)."""

    def __init__(self, config: WriterConfig, on_results: ResultsCallback | None = None):
        self.config = config
        self.on_results = on_results
        self.profile = load_profile(config.profile)
        self.archive = Archive(config.archive_path)
        self.health = RunHealth.for_run(HealthConfig(self.profile.furniture_phrases, config.max_missing_share,
                                                     check_dates=not config.since))
        self.counts = ReparseCounts() if config.replay else RunCounts()
        # Several forces: each page is extracted with its own force's profile, counted and checked per force.
        self.sites = {name: (load_profile(source), base) for name, (source, base) in config.forces.items()}
        self.force_counts = {name: RunCounts() for name in self.sites}
        self.force_health = {name: RunHealth.for_run(HealthConfig(profile.furniture_phrases,
                                                                  config.max_missing_share,
                                                                  check_dates=not config.since))
                             for name, (profile, _) in self.sites.items()}
        self.blocked = dict.fromkeys(self.sites, 0)
        self.items = 0
        self.buffer: list[Capture] = []
        self.buffer_pages: list[FetchedPage] = []
        self.last_flush = time.monotonic()

    def handle(self, item) -> None:
        self.items += 1
        if isinstance(item, FetchedPage):
            self._page(item)
            return
        self.flush()  # keep the order: a 304 or a 404 may concern an article still in the batch
        if isinstance(item, NotModified):
            touched = self.archive.touch(item.url, item.seen_at, run_id=self.config.run_id)
            self.counts.not_modified += touched
            self._add(item.force, not_modified=touched)
        elif isinstance(item, PageFailure):
            self._failure(item)
        else:
            raise TypeError(f"the archive writer cannot store a {type(item).__name__}")

    def _add(self, force: str | None, **counts: int) -> None:
        """Count for the page's force too (a crawl of several forces)."""
        per_force = self.force_counts.get(force or "")
        if per_force is not None:
            per_force.add(counts)

    def _site(self, page: FetchedPage) -> tuple[Profile, str | None]:
        """The page's force profile and base_url (a crawl of several forces: its own force's)."""
        return self.sites.get(page.force or "") or (self.profile, self.config.base_url)

    def _page(self, page: FetchedPage) -> None:
        profile, base_url = self._site(page)
        article = extract_page(page, profile, base_url, self.config.since)
        if not isinstance(article, Article):
            if article is None:
                self.counts.skipped += 1
                self._add(page.force, skipped=1)
            else:
                article.force = page.force
                self._failure(article)
            self._tell(page, f"not archived: {article.reason if article else 'older than since'}")
            return
        self.health.check(article)
        if page.force in self.force_health:
            self.force_health[page.force].check(article)
        if isinstance(self.counts, ReparseCounts):
            self.counts.articles += 1
        self.buffer.append(Capture(article, page.body, fetched_url=page.url, http_status=page.http_status,
                                   etag=page.etag, last_modified=page.last_modified,
                                   extractor_version=EXTRACTOR_VERSION, fetched_at=page.fetched_at))
        self.buffer_pages.append(page)
        if len(self.buffer) >= self.config.batch_size or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def _failure(self, item: PageFailure) -> None:
        if item.kind == "gone" and item.canonical and self.archive.has(item.canonical):
            # An archived article answers 404/410: a tombstone, never a deletion.
            removed = self.archive.mark_removed(item.canonical, item.when)
            self.counts.removed += removed
            self._add(item.force, removed=removed)
            return
        # A page the site refused (403, a challenge page) is a failure, retried next run, and
        # never a removal; its force's share of them says whether the site refuses this machine.
        kind = {"rejected": "rejected", "refused": "skipped"}.get(item.kind, "failed")  # refused: on purpose
        setattr(self.counts, kind, getattr(self.counts, kind) + 1)
        self._add(item.force, **{kind: 1})
        if item.kind == "blocked" and item.force in self.blocked:
            self.blocked[item.force] += 1
        if not self.config.replay:
            self.archive.record_failure(item.url, item.kind, item.reason, item.http_status, self.config.run_id)

    def _tell(self, page: FetchedPage, result: ArticleItem | str) -> None:
        if page.ticket is not None and self.on_results is not None:
            self.on_results([(page.ticket, result)])

    def _find_facts(self) -> None:
        """The police facts of each buffered page that makes a new version, with its force's profile.
        A page that repeats its article's current content is stored as seen again: its facts would go
        unused (on a site that answers no conditional request, most pages of a full sweep). A replayed
        capture may make a version anywhere in its article's history: each gets its facts."""
        current = {} if self.config.replay else self.archive.content_hashes(cap.article.url for cap in self.buffer)
        for cap, page in zip(self.buffer, self.buffer_pages, strict=True):
            if current.get(cap.article.url) != cap.article.content_hash():
                cap.facts = facts_of(cap.article, self._site(page)[0])

    def flush(self) -> None:
        if self.buffer:
            self._find_facts()
            if self.config.replay:
                self.counts.add(self.archive.replay_many(self.buffer))
            else:
                outcomes = self.archive.store_batch(self.buffer, self.config.run_id)
                self.counts.add(outcome_counts(self.buffer, outcomes))
                for cap, page, (outcome, _) in zip(self.buffer, self.buffer_pages, outcomes, strict=True):
                    self._add(page.force, **{outcome: 1}, partial=int(cap.article.status == "partial"))
                if self.on_results is not None:
                    self.on_results([(page.ticket, ArticleItem.of(cap.article, page, outcome, versions,
                                                                  self.config.run_id))
                                     for cap, page, (outcome, versions) in zip(self.buffer, self.buffer_pages,
                                                                               outcomes, strict=True)
                                     if page.ticket is not None])
            self.buffer, self.buffer_pages = [], []
        self.last_flush = time.monotonic()

    def finish(self) -> WriterSummary:
        """Store what is buffered, close the archive, say what was done."""
        self.flush()
        self.archive.close()
        return WriterSummary(self.counts, self.health, self.items, forces=self.force_counts,
                             force_health=self.force_health, blocked=self.blocked)


class WorkerArchiveWriter:
    """An ArchiveWriter in a worker process: same interface, a second core."""

    def __init__(self, config: WriterConfig, lock_fd: int | None = None, on_results: ResultsCallback | None = None):
        """on_results is called from a thread of its own (the one reading the worker's reports)."""
        self.on_results = on_results
        # A plain child process (`python -m herts_scraper.archive.writer`), not multiprocessing's
        # spawn: that would re-import the crawl's main module (Scrapy) and add a tracker process.
        items_r, items_w = os.pipe()
        reports_r, reports_w = os.pipe()
        # The child finds this package where the crawl found it, installed or not.
        package_root = str(Path(__file__).resolve().parents[2])  # the folder holding herts_scraper/
        path = os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))
        env = {**os.environ, "PYTHONPATH": path}
        self.process = subprocess.Popen([sys.executable, "-m", "herts_scraper.archive.writer",
                                         str(items_r), str(reports_w)],
                                        pass_fds=(items_r, reports_w, *([lock_fd] if lock_fd is not None else [])),
                                        stdin=subprocess.DEVNULL, env=env)
        os.close(items_r)
        os.close(reports_w)
        self._items_out = Connection(items_w, readable=False)
        self._reports_in = Connection(reports_r, writable=False)
        _widen_pipe(items_w)
        self.failure: str | None = None  # why the worker stopped, if it did
        self._summary: WriterSummary | None = None
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read_reports, name="archive-writer-reports", daemon=True)
        self._reader.start()
        self._items_out.send(config)

    def handle(self, item) -> None:
        if self.failure:
            raise ArchiveWriterFailed(self.failure)
        try:
            self._items_out.send(item)
        except OSError:  # BrokenPipeError: the worker is gone
            self._done.wait(5)
            raise ArchiveWriterFailed(self.failure or "the archive writer process died") from None

    def finish(self, timeout: float = 600) -> WriterSummary:
        """Close the pipe, wait for the worker to store everything, return its summary."""
        try:
            self._items_out.send(None)
        except OSError:
            pass
        self._items_out.close()
        if not self._done.wait(timeout):
            self.process.kill()
            raise ArchiveWriterFailed(f"the archive writer did not finish within {timeout:.0f} s")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self._summary is None:
            raise ArchiveWriterFailed(self.failure or "the archive writer process died")
        return self._summary

    def _read_reports(self) -> None:
        """Log what the worker logs; keep its summary or why it failed."""
        try:
            while True:
                kind, payload = self._reports_in.recv()
                if kind == "articles":
                    if self.on_results is not None:
                        self.on_results(payload)
                elif kind == "log":
                    level, name, message = payload
                    logging.getLogger(name).log(level, "%s", message)
                elif kind == "done":
                    self._summary = payload
                    return
                elif kind == "failed":
                    self.failure = payload
                    if "\n" in payload:  # a bug: its traceback goes to the log (the pipeline says the rest)
                        logger.error("the archive writer failed:\n%s", payload)
                    return
        except (EOFError, OSError):
            self.failure = self.failure or f"the archive writer process died (exit code {self.process.poll()})"
            logger.error("%s", self.failure)
        finally:
            self._done.set()
            if self.on_results is not None:
                self.on_results(None)  # no more results: pages still waiting for theirs will not get them


def _serve(items, reports) -> None:
    """The worker process: its config, then items until None (or the pipe closes), then the summary out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the crawl process decides when we stop
    root = logging.getLogger()
    root.handlers[:] = [_PipeLogHandler(reports)]
    root.setLevel(logging.INFO)
    try:
        writer = ArchiveWriter(items.recv(), on_results=lambda results: reports.send(("articles", results)))
        while True:
            if not items.poll(QUIET_SECONDS if writer.buffer else FLUSH_SECONDS):
                writer.flush()  # a quiet moment: nothing waits long in memory
                continue
            try:
                item = items.recv()
            except EOFError:
                logging.getLogger(__name__).warning("the crawl process went away; storing what was fetched")
                break
            if item is None:
                break
            writer.handle(item)
        summary = writer.finish()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        summary.cpu_s, summary.peak_rss_mb = round(usage.ru_utime + usage.ru_stime, 3), _peak_rss_mb()
        reports.send(("done", summary))
    except BaseException as exc:
        # A full disk is said in one line; anything else is a bug, with its traceback.
        reports.send(("failed", failure_message(exc) if is_disk_full(exc) else traceback.format_exc()))


def _peak_rss_mb() -> float | None:
    """VmHWM: unlike ru_maxrss, it does not count the crawl process's pages from before exec."""
    try:
        with open("/proc/self/status") as fh:
            return next(round(int(line.split()[1]) / 1024, 1) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return None


class _PipeLogHandler(logging.Handler):
    def __init__(self, reports):
        super().__init__()
        self.reports = reports

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            self.reports.send(("log", (record.levelno, record.name, message)))
        except Exception:
            self.handleError(record)


def _widen_pipe(fd: int) -> None:
    """A larger pipe buffer lets the crawl run ahead of the writer by a few dozen pages."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass  # not Linux, or a lower pipe-max-size: the default buffer works, with more waiting


def writer_for(config: WriterConfig, in_worker: bool, lock_fd: int | None = None,
               on_results: ResultsCallback | None = None) -> ArchiveWriter | WorkerArchiveWriter:
    """lock_fd: the archive lock's descriptor, held by the worker too while it lives.
    on_results: where stored pages come back as ArticleItems (from the worker's reading thread)."""
    if in_worker:
        return WorkerArchiveWriter(config, lock_fd, on_results)
    return ArchiveWriter(config, on_results)


__all__ = ["QUIET_SECONDS", "ArchiveWriter", "ArchiveWriterFailed", "WorkerArchiveWriter", "WriterConfig",
           "WriterSummary", "extract_page", "writer_for"]


if __name__ == "__main__":  # the worker process: python -m herts_scraper.archive.writer ITEMS_FD REPORTS_FD
    # Through the package module, so that what crosses the pipe is pickled by its importable name.
    from herts_scraper.archive import writer

    writer._serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
