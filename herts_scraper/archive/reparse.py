"""Rebuild the archive from raw WARC captures, with no network.

`herts-scraper reparse [--warc DIR] [--db PATH]` replays every capture in
time order (files by name, records in file order) through today's extractor:
200 article pages become versions, 304s mark an article as still seen, 404/410
give tombstones. Rows record the extractor version that made them, so a
better extractor can be applied to the whole history.

Reparse may write into an existing archive, the crawl's own included: it
adds only what the archive does not hold (Archive.replay_many), so running
it twice gives the same archive as once. It takes the archive's lock, as a
crawl does: a running crawl makes it wait or give up (ArchiveLocked).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from herts_scraper import EXTRACTOR_VERSION
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract import RejectedPage, extract_article
from herts_scraper.archive.lock import lock_archive
from herts_scraper.profiles import load_profile
from herts_scraper.archive.schema import RunCounts

logger = logging.getLogger(__name__)
BATCH = 200


def _iso(warc_date: str) -> str:
    # WARC-Date is UTC ("2026-11-21T16:10:06.123456Z"); the archive writes times as now_iso() does.
    when = dt.datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def iter_responses(folder: Path):
    """(file, warcinfo dict, response record) for every response in every WARC file, in order."""
    for path in sorted(folder.glob("*.warc.gz")) + sorted(folder.glob("*.warc")):
        info: dict = {}
        try:
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type == "warcinfo":
                        text = record.content_stream().read().decode("utf-8", "replace")
                        info = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
                    elif record.rec_type == "response":
                        yield path, info, record
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError) as exc:
            # A crawl killed mid-write leaves a partial last record; the rest stands.
            logger.warning("%s: stopped reading at a damaged record (%s)", path.name, exc)


@dataclass
class ReparseCounts(RunCounts):
    """A run's counts, and what only a replay counts."""

    captures: int = 0  # response records read
    articles: int = 0  # article pages extracted
    inserted: int = 0  # captures the archive never saw, put inside an article's history
    seconds: float = 0.0


def reparse(warc_dir: str | Path, db_path: str | Path, profile_name: str | None = None, wait: float = 0, *,
            default_profile: str) -> ReparseCounts:
    """Replay the WARC folder into db_path; `wait`: seconds to wait for a crawl holding the archive.
    profile_name: the profile for every capture; else the one each WARC file names, else default_profile."""
    folder = Path(warc_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"no WARC folder at {folder}")
    counts = ReparseCounts()
    lock = lock_archive(db_path, wait)
    try:
        _replay_folder(folder, db_path, profile_name, default_profile, counts)
    finally:
        lock.release()
    return counts


def _replay_folder(folder: Path, db_path: str | Path, profile_name: str | None, default_profile: str,
                   counts: ReparseCounts) -> None:
    started = time.perf_counter()
    buffer: list[Capture] = []
    with Archive(db_path) as archive:
        def flush():
            if buffer:
                counts.add(archive.replay_many(buffer))
                buffer.clear()

        for path, info, record in iter_responses(folder):
            counts.captures += 1
            profile = load_profile(profile_name or info.get("profile") or default_profile)
            base_url = info.get("base_url")
            url = record.rec_headers.get_header("WARC-Target-URI")
            when = _iso(record.rec_headers.get_header("WARC-Date"))
            status = int(record.http_headers.get_statuscode() or 0)
            if not profile.is_article_url(url):
                counts.skipped += 1
                continue
            if status == 200:
                body = record.content_stream().read()
                content_type = record.http_headers.get_header("Content-Type")  # extraction reads its charset
                try:
                    article = extract_article(body, url, profile, base_url=base_url, encoding=content_type)
                except RejectedPage:
                    counts.rejected += 1
                    continue
                counts.articles += 1
                buffer.append(Capture(article, body, fetched_url=url, http_status=200,
                                      etag=record.http_headers.get_header("ETag"),
                                      last_modified=record.http_headers.get_header("Last-Modified"),
                                      extractor_version=EXTRACTOR_VERSION, fetched_at=when))
                if len(buffer) >= BATCH:
                    flush()
            elif status in (304, 404, 410):
                flush()  # keep time order: a 304 or a removal follows the captures before it
                canonical = profile.on_origin(url, base_url)
                if status == 304:
                    counts.not_modified += archive.touch(canonical, when)
                else:
                    counts.removed += archive.mark_removed(canonical, when)
            else:
                counts.skipped += 1
        flush()
    counts.seconds = round(time.perf_counter() - started, 3)
