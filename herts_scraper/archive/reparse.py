"""Rebuild the archive from raw WARC captures, with no network.

`herts-scraper reparse [--warc PATH...] [--db PATH]` replays every capture in
time order (files by name, records in file order) through today's extractor:
200 article pages become versions (with their police facts), 304s mark an article as still seen (a
server-not-modified revisit record, as crawls write them, or an older crawl's
304 response record), 404/410 give tombstones. The captures go through the crawl's own archive writer (in
replay mode), as the items a crawl would have made of them: one write path.
Rows record the extractor version that made them, so a better extractor can
be applied to the whole history.

WARC files other tools made (a Browsertrix crawl, a Wayback or Heritrix capture) are replayed
by foreign_warc.py, which says which of their records it could not use.

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
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from herts_scraper.archive.foreign_warc import Unused, is_foreign, replay_foreign
from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.schema import ReparseCounts
from herts_scraper.archive.store import Archive
from herts_scraper.archive.writer import ArchiveWriter, WriterConfig
from herts_scraper.crawl.items import FetchedPage, NotModified, PageFailure
from herts_scraper.profiles import Profile, load_profile

logger = logging.getLogger(__name__)
BATCH = 200


NOT_MODIFIED_PROFILE = "/revisit/server-not-modified"  # the end of the WARC/1.0 and /1.1 profile URIs


def iso_of(warc_date: str) -> str:
    """The archive time of a WARC-Date (UTC, "2026-11-21T16:10:06.123456Z"): as now_iso() writes times."""
    when = dt.datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def is_not_modified(record) -> bool:
    """A revisit record saying the server answered 304 (its block, when it has one, is that answer)."""
    return record.rec_type == "revisit" and (record.rec_headers.get_header("WARC-Profile") or "").endswith(
        NOT_MODIFIED_PROFILE)


def warc_files(paths: list[Path]) -> list[Path]:
    """The WARC files of the paths given: a folder's .warc.gz and .warc files (by name), a file itself.
    FileNotFoundError for a path that is neither."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.warc.gz")) + sorted(path.glob("*.warc"))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no WARC file or folder at {path}")
    return list(dict.fromkeys(files))


def iter_responses(files: list[Path]):
    """(file, warcinfo dict, record) for every response and 304 revisit in every WARC file, in order."""
    for path in files:
        info: dict = {}
        try:
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type == "warcinfo":
                        text = record.content_stream().read().decode("utf-8", "replace")
                        info = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
                    elif record.rec_type == "response" or is_not_modified(record):
                        yield path, info, record
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError) as exc:
            # A crawl killed mid-write leaves a partial last record; the rest stands.
            logger.warning("%s: stopped reading at a damaged record (%s)", path.name, exc)


def reparse(warc: str | Path | list, db_path: str | Path, profile_name: str | None = None, wait: float = 0, *,
            default_profile: str, unused: Unused | None = None) -> ReparseCounts:
    """Replay WARC files into db_path: a folder (our crawl's), files or folders (a list), ours or other
    tools' (foreign_warc.py); `wait`: seconds to wait for a crawl holding the archive. In our files,
    profile_name is the profile for every capture; else the one each file names, else default_profile.
    Other tools' files go by each URL's host; what they hold that cannot be used is added to `unused`."""
    paths = [Path(p) for p in (warc if isinstance(warc, list) else [warc])]
    if len(paths) == 1 and not paths[0].exists():
        raise FileNotFoundError(f"no WARC folder at {paths[0]}")
    files = warc_files(paths)
    counts = ReparseCounts()
    lock = lock_archive(db_path, wait)
    try:
        Archive(db_path).close()  # an unusable file is an ArchiveError now, whatever the folder holds
        foreign = [f for f in files if is_foreign(f)]
        started = time.perf_counter()
        _replay_folder([f for f in files if f not in foreign], db_path, profile_name, default_profile, counts)
        if foreign:
            replay_foreign(foreign, db_path, counts, unused if unused is not None else Unused())
        counts.seconds = round(time.perf_counter() - started, 3)
    finally:
        lock.release()
    return counts


def crawl_forces(info: dict) -> dict[str, tuple[str, str | None]]:
    """The forces a crawl of several wrote into its warcinfo ("forces: name=source@base_url, ..."):
    {name: (profile name or YAML path, base_url)}; empty for a crawl of one force."""
    forces: dict[str, tuple[str, str | None]] = {}
    for part in filter(None, (p.strip() for p in info.get("forces", "").split(", "))):
        name, _, rest = part.partition("=")
        source, _, base_url = rest.rpartition("@")
        if name and source:
            forces[name] = (source, base_url or None)
    return forces


def _force_of(url: str, forces: dict[str, tuple[Profile, str | None]]) -> str | None:
    """Which force of a crawl of several a captured URL belongs to: the one whose origin served it."""
    origin = urlsplit(url)[:2]
    return next((name for name, (_, base_url) in forces.items() if base_url and urlsplit(base_url)[:2] == origin),
                None)


def _replay_folder(files: list[Path], db_path: str | Path, profile_name: str | None, default_profile: str,
                   counts: ReparseCounts) -> None:
    """Every capture, in time order, as the crawl's items, through the crawl's archive writer
    (in replay mode): one write path. A writer serves the forces and origins one WARC file names:
    a file that names others gets a writer of its own; a capture of a crawl of several forces is
    extracted with the profile of the force whose origin served it."""
    writer: ArchiveWriter | None = None
    loaded: dict[str, Profile] = {}

    def profile_of(source: str) -> Profile:
        if source not in loaded:
            loaded[source] = load_profile(source)
        return loaded[source]

    for _path, info, record in iter_responses(files):
        counts.captures += 1
        source = profile_name or info.get("profile") or default_profile  # a name or a YAML path
        base_url = info.get("base_url")
        forces = {} if profile_name else crawl_forces(info)
        if writer is None or (writer.config.profile, writer.config.base_url, writer.config.forces) != (
                source, base_url, forces):
            if writer is not None:
                counts.add(_finished(writer))
            writer = ArchiveWriter(WriterConfig(str(db_path), run_id=None, profile=source, base_url=base_url,
                                                forces=forces, batch_size=BATCH, replay=True))
        sites = {name: (profile_of(src), base) for name, (src, base) in forces.items()}
        url = record.rec_headers.get_header("WARC-Target-URI")
        force = _force_of(url, sites)
        profile, base = sites[force] if force else (profile_of(source), base_url)
        when = iso_of(record.rec_headers.get_header("WARC-Date"))
        status = 304 if is_not_modified(record) else int(record.http_headers.get_statuscode() or 0)
        if not profile.is_article_url(url):
            counts.skipped += 1
        elif status == 200:
            headers = record.http_headers
            writer.handle(FetchedPage(url, record.content_stream().read(), 200, headers.get_header("Content-Type"),
                                      etag=headers.get_header("ETag"),
                                      last_modified=headers.get_header("Last-Modified"), fetched_at=when,
                                      force=force))
        elif status == 304:
            writer.handle(NotModified(profile.on_origin(url, base), seen_at=when, force=force))
        elif status in (404, 410):
            writer.handle(PageFailure(url, "gone", f"HTTP {status}", status, profile.on_origin(url, base),
                                      when=when, force=force))
        else:
            counts.skipped += 1
    if writer is not None:
        counts.add(_finished(writer))


def _finished(writer: ArchiveWriter) -> dict:
    """What a replaying writer counted (captures, skipped and seconds are reparse's own)."""
    done = asdict(writer.finish().counts)
    return {k: v for k, v in done.items() if k not in ("captures", "seconds") and v}
