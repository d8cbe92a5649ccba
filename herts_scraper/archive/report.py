"""The one-screen summary of a crawl run, printed at its end (cron mails it)."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_CODES = {
    "ok": 0,
    "failed": 1,          # the crawl itself failed: no articles, a crash, the archive writer
    "usage": 2,           # a bad spider argument or setting: nothing was started
    "incomplete": 3,      # pages failed or were rejected; they are recorded and retried first next time
    "unhealthy": 4,       # a health check failed: the site's markup has probably changed, or a site refuses us
    "stopped": 5,         # stopped on purpose (CLOSESPIDER_*: stopped:<limit>); the next run goes on from there
    "interrupted": 5,     # stopped by Ctrl-C or SIGTERM; the next run goes on from there
    "locked": 75,         # another crawl holds the archive (EX_TEMPFAIL: try later)
}


DISK_FULL = "disk-full"  # why a run failed when the archive's disk filled up: failed:disk-full


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT, as the OS or SQLite ("database or disk is full") says it."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


@dataclass(frozen=True)
class RunFacts:
    """What decides a crawl run's status, gathered when it ends."""

    reason: str  # why Scrapy closed the spider: "finished", "shutdown" (Ctrl-C, SIGTERM), a CLOSESPIDER_*, ...
    writer_failure: str | None = None  # why the archive writer stopped, if it did
    stored: int = 0  # articles new, changed, unchanged or confirmed by a 304
    skipped: int = 0  # older than `since`, or refused on purpose
    removed: int = 0
    teasers_known: int = 0  # known articles passed over: unchanged teasers, or done by the stopped run resumed
    problems: tuple[str, ...] = ()  # health checks that failed
    failed: int = 0
    rejected: int = 0
    blocked: tuple[str, ...] = ()  # forces whose site refuses this machine (403, a challenge page), why


def run_status(facts: RunFacts) -> str:
    """The run's status, first reason first: "ok", "incomplete", "unhealthy",
    "interrupted" (Ctrl-C, SIGTERM), "stopped:<limit>" (CLOSESPIDER_<LIMIT>) or
    "failed:<why>" (see EXIT_CODES for what each exits with)."""
    if facts.reason == DISK_FULL or (facts.writer_failure or "").startswith(DISK_FULL):
        return f"failed:{DISK_FULL}"
    if facts.writer_failure:
        return "failed:archive-writer"
    if facts.reason == "shutdown":
        return "interrupted"
    if facts.reason.startswith("closespider_"):  # Scrapy's CloseSpider extension: a limit the user set
        return f"stopped:{facts.reason.removeprefix('closespider_')}"
    if facts.reason != "finished":
        return f"failed:{facts.reason}"
    if facts.blocked:
        return "unhealthy"  # a site refuses this machine: said as such, even when nothing else came
    if not (facts.stored or facts.skipped or facts.removed or facts.teasers_known):
        return "failed:no-articles"  # the site gave nothing we could recognise
    if facts.problems:
        return "unhealthy"
    if facts.failed or facts.rejected:
        return "incomplete"
    return "ok"


def stopped_early(status: str) -> bool:
    """A run that stopped before the end without failing: Ctrl-C, a CLOSESPIDER_* limit, a kill.
    The next run resumes it (crawl.run.ArchiveState)."""
    return status in ("interrupted", "killed") or status.startswith("stopped:")


def exit_code(status: str | None) -> int:
    """The exit status of `scrapy crawl` for a run status ("failed:..." is 1, "stopped:..." 5)."""
    if not status:
        return EXIT_CODES["failed"]
    return EXIT_CODES.get(status.split(":")[0], EXIT_CODES["failed"])


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def format_report(run: dict, problems: list[str], total: int, db_path: str | Path, bounds: Sequence[str] = (),
                  forces: dict | None = None) -> str:
    lines = [
        f"herts-scraper crawl run {run['id']} ({run.get('mode') or 'full'}): {run['status'].upper()}",
        f"  {run.get('base_url')}  {run['started']} -> {run['finished']}  ({run['duration_s']} s)",
        f"  articles: {run['new']} new, {run['changed']} changed, {run['unchanged'] + run['not_modified']} unchanged"
        f" ({run['not_modified']} by 304), {run['removed']} removed",
        f"  problems: {run['partial']} partial, {run['rejected']} rejected, {run['failed']} failed"
        f"{' (recorded; retried first next run)' if run['failed'] or run['rejected'] else ''}",
        f"  skipped: {run['skipped']} (older than `since`, or refused: robots.txt, URLs too long)",
        f"  traffic: {run['requests']} requests, {_size(run['bytes'] or 0)}",
        f"  archive: {db_path}, {total} articles",
    ]
    if forces:  # a crawl of several forces: a line each
        width = max(len(name) for name in forces)
        lines += [f"  {name:<{width}}  {f['status'].upper()}: {f['new']} new, {f['changed']} changed, "
                  f"{f['unchanged'] + f['not_modified']} unchanged, {f['removed']} removed, {f['failed']} failed"
                  f"{' (' + str(f['blocked']) + ' blocked)' if f.get('blocked') else ''}"
                  for name, f in forces.items()]
    lines += [f"  BOUND: {b}" for b in bounds]
    lines += [f"  HEALTH: {p}" for p in problems]
    return "\n".join(lines)
