"""Captures in WARC files other tools made: a Browsertrix crawl (WARC/1.1, a gzip member per record,
`urn:pageinfo:` resource records, request records, identical-payload-digest revisits, pages of every
kind), a Wayback Machine or Heritrix capture (WARC/1.0, HTTP/1.1 responses with chunked or gzip
payloads, deduplicating revisits, warcinfo). `herts-scraper reparse --warc PATH...` replays them.

warcio reads them (ArchiveIterator: gzip members, WARC and HTTP headers, chunked and gzip payloads);
nothing here parses WARC by hand. Two passes: the first looks at every record, says why it cannot
use those it cannot (Unused), and indexes responses by record id and payload digest, so that a
revisit finds its original in any file given; the second reads the usable pages in WARC-Date order
and hands them to the crawl's archive writer in replay mode (one write path), each extracted with
the profile of the force whose host served it (forces.profile_for_host: the profiles' hosts and
origins), at its URL on that force's origin, captured at its WARC-Date.

What a file cannot give stays a counted reason, never a traceback: a file that is no WARC, a record
cut short, a payload whose gzip or chunking does not decode.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataException
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime

from herts_scraper.archive.schema import ReparseCounts
from herts_scraper.archive.writer import ArchiveWriter, WriterConfig
from herts_scraper.crawl.items import FetchedPage, NotModified
from herts_scraper.forces import profile_for_host
from herts_scraper.profiles import Profile

# Why a record was not used, in the order they are checked.
NOT_A_WARC = "not a WARC file"
NOT_RESPONSE = "not a response"
UNKNOWN_HOST = "unknown host"
NOT_200 = "HTTP status not 200"
NOT_HTML = "not HTML"
NOT_ARTICLE_URL = "not an article URL"
TRUNCATED = "truncated record"
DAMAGED = "damaged payload"  # its gzip or chunked encoding does not decode
NO_ORIGINAL = "revisit with no original"
MALFORMED = "malformed record"  # the rest of its file unread
NOT_ARTICLE_PAGE = "not an article page"  # extraction refused it
EXAMPLES = 3

OURS = "herts-scraper/"  # the warcinfo `software` of our own crawls' files
SERVER_NOT_MODIFIED = "/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "identical-payload-digest"  # also Heritrix's uri-agnostic-identical-payload-digest
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_LOOKS_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
# What warcio raises on bytes that are no WARC, a record cut short, a payload that does not decode.
_READ_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, ChunkedDataException, EOFError, zlib.error,
                OSError, ValueError, IndexError)


@dataclass
class Unused:
    """The records a replay could not use: a count per reason and the first few URLs of each."""

    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, where: str) -> None:
        self.counts[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < EXAMPLES:
            shown.append(where)

    def lines(self) -> list[str]:
        """One line per reason, most frequent first: `not HTML: 12 (URL, URL, URL, ...)`."""
        return [f"{reason}: {n} ({', '.join(self.examples[reason])}{', ...' if n > EXAMPLES else ''})"
                for reason, n in self.counts.most_common()]


def is_foreign(path: Path) -> bool:
    """Not one of our crawls' files: its first record is no warcinfo naming herts-scraper."""
    try:
        with path.open("rb") as fh:
            record = next(iter(ArchiveIterator(fh)), None)
            if record is None or record.rec_type != "warcinfo":
                return True
            info = record.content_stream().read(4096).decode("utf-8", "replace")
    except _READ_ERRORS:
        return True
    return not any(line.startswith(f"software: {OURS}") for line in info.splitlines())


@dataclass(slots=True)
class _Response:
    """A response record: where it lies and what it holds."""

    path: Path
    offset: int
    url: str
    status: int | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    html: bool
    problem: str | None  # TRUNCATED or DAMAGED: its payload cannot be used


@dataclass(slots=True)
class _Capture:
    """A usable capture: a page (its payload in `source`) or a sighting (a not-modified revisit)."""

    when: str
    url: str
    profile: Profile
    source: _Response | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class _Revisit:
    when: str
    url: str
    profile_uri: str
    refers_to: str | None
    refers_to_url: str | None
    digest: str | None
    status: int | None
    content_type: str | None
    etag: str | None
    last_modified: str | None


@dataclass
class _Scan:
    captures: list[_Capture] = field(default_factory=list)
    revisits: list[_Revisit] = field(default_factory=list)
    by_id: dict[str, _Response] = field(default_factory=dict)
    by_digest: dict[str, list[_Response]] = field(default_factory=dict)
    records: int = 0  # responses and revisits read


def replay_foreign(files: list[Path], db_path: str | Path, counts: ReparseCounts, unused: Unused) -> None:
    """Replay the usable captures of `files` into the archive (the caller holds its lock)."""
    from herts_scraper.archive.reparse import BATCH, _finished  # reparse imports this module

    scan = _Scan()
    for path in files:
        _scan_file(path, scan, unused)
    for revisit in scan.revisits:
        _resolve(revisit, scan, unused)
    counts.captures += scan.records
    if not scan.captures:
        return
    scan.captures.sort(key=lambda c: c.when)
    forces: dict[str, tuple[str, str | None]] = {c.profile.name: (c.profile.name, None) for c in scan.captures}
    writer = ArchiveWriter(WriterConfig(str(db_path), run_id=None, profile=next(iter(forces)), forces=forces,
                                        batch_size=BATCH, replay=True))
    handles: dict[Path, BinaryIO] = {}
    try:
        for capture in scan.captures:
            _hand(capture, writer, handles, unused)
    finally:
        for fh in handles.values():
            fh.close()
        counts.add(_finished(writer))


def _on_origin(profile: Profile, url: str) -> str:
    """The URL on the force's origin (a capture of http://, or of the bare domain, is the same page)."""
    parts = urlsplit(url)
    return profile.origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _hand(capture: _Capture, writer: ArchiveWriter, handles: dict[Path, BinaryIO], unused: Unused) -> None:
    url = _on_origin(capture.profile, capture.url)
    if capture.source is None:
        writer.handle(NotModified(url, seen_at=capture.when, force=capture.profile.name))
        return
    source = capture.source
    fh = handles.get(source.path)
    if fh is None:
        fh = handles[source.path] = source.path.open("rb")
    try:
        fh.seek(source.offset)
        record = next(iter(ArchiveIterator(fh)))
        body = _decoded(record)
    except (*_READ_ERRORS, StopIteration):
        unused.add(DAMAGED, capture.url)
        return
    rejected = writer.counts.rejected
    writer.handle(FetchedPage(url, body, 200, capture.content_type, etag=capture.etag,
                              last_modified=capture.last_modified, fetched_at=capture.when,
                              force=capture.profile.name))
    if writer.counts.rejected > rejected:  # extraction refused it (the writer counts it: rejected)
        unused.add(NOT_ARTICLE_PAGE, capture.url)


def _scan_file(path: Path, scan: _Scan, unused: Unused) -> None:
    """Every record of one file: responses indexed and judged, revisits kept for later, the rest counted."""
    read = 0
    try:
        # warcio prints a warning on a record whose length looks wrong: the reasons below say it instead
        with path.open("rb") as fh, contextlib.redirect_stderr(io.StringIO()):
            records = ArchiveIterator(fh)
            for record in records:
                if record.format != "warc":  # warcio reads ARC files too, and takes any text for one
                    raise ArchiveLoadFailed(f"an {record.format.upper()} record, not WARC")
                read += 1
                kind = record.rec_type
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                if kind not in ("response", "revisit") or not url.startswith(("http:", "https:")):  # dns:, urn:
                    unused.add(NOT_RESPONSE, url or f"{path.name}: {kind} record")
                    continue
                scan.records += 1
                when = _warc_date(record.rec_headers.get_header("WARC-Date"))
                if when is None:
                    unused.add(MALFORMED, f"{url} (WARC-Date {record.rec_headers.get_header('WARC-Date')!r})")
                    continue
                http = record.http_headers
                status = _status(http)
                if kind == "revisit":
                    headers = record.rec_headers
                    scan.revisits.append(_Revisit(
                        when, url, headers.get_header("WARC-Profile") or "", headers.get_header("WARC-Refers-To"),
                        headers.get_header("WARC-Refers-To-Target-URI"), headers.get_header("WARC-Payload-Digest"),
                        status, *_validators(http)))
                    continue
                response = _read_response(record, path, url, status)
                response.offset = records.get_record_offset()
                scan.by_id[record.rec_headers.get_header("WARC-Record-ID") or ""] = response
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                if digest:
                    scan.by_digest.setdefault(digest, []).append(response)
                reason, profile = _judge(url, status, response.html, response.problem)
                if reason is not None:
                    unused.add(reason, url)
                elif profile is not None:
                    scan.captures.append(_Capture(when, url, profile, None if status == 304 else response,
                                                  response.content_type, response.etag, response.last_modified))
    except _READ_ERRORS as exc:
        if read == 0:
            unused.add(NOT_A_WARC, f"{path} ({_short(exc)})")
        else:
            cut = isinstance(exc, (EOFError, zlib.error))
            unused.add(TRUNCATED if cut else MALFORMED, f"{path.name} after record {read} ({_short(exc)})")


def _warc_date(text: str | None) -> str | None:
    """A WARC-Date (any precision warcio reads) as the archive writes times: ISO 8601 UTC, microseconds."""
    try:
        when = iso_date_to_datetime(text or "", tz_aware=True)
    except (ValueError, TypeError, IndexError):
        return None
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _status(http) -> int | None:
    try:
        return int(http.get_statuscode()) if http is not None else None
    except ValueError:
        return None


def _validators(http) -> tuple[str | None, str | None, str | None]:
    """(Content-Type, ETag, Last-Modified) of HTTP headers, if any."""
    if http is None:
        return None, None, None
    return http.get_header("Content-Type"), http.get_header("ETag"), http.get_header("Last-Modified")


def _is_html(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in _HTML_TYPES


def _decoded(record) -> bytes:
    """The record's payload, chunking and Content-Encoding undone by warcio; ValueError when they do not
    decode. (warcio is lenient: a payload that is not gzip from its first bytes comes through as it is,
    which a server mislabelling plain HTML needs; one that stops decoding midway comes through cut.)"""
    stream = record.content_stream()
    with contextlib.redirect_stderr(io.StringIO()):  # warcio prints a decoding failure midway
        body = stream.read()
    decompressor = getattr(stream, "decompressor", None)
    if getattr(stream, "decomp_type", None) and decompressor is None and body[:2] == b"\x1f\x8b":
        raise ValueError("its gzip payload does not decode")
    if decompressor is not None and not getattr(decompressor, "eof", True):
        raise ValueError("its compressed payload ends early or does not decode")
    return body


def _read_response(record, path: Path, url: str, status: int | None) -> _Response:
    """What a response holds; its payload decoded where it may be an article page (a 200 that is, or
    may be, HTML), so that a cut or damaged one is known now; the rest of its block read, so that a
    record cut short is seen whatever it holds."""
    content_type, etag, last_modified = _validators(record.http_headers)
    html, problem = _is_html(content_type), None
    if record.rec_headers.get_header("WARC-Truncated"):  # the tool stopped recording it (a size or time limit)
        problem = TRUNCATED
    elif status == 200 and (html or not content_type):
        try:
            head = _decoded(record)
        except _READ_ERRORS:
            problem = DAMAGED
        else:
            html = html or bool(_LOOKS_HTML.match(head[:1024]))
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    if isinstance(raw, LimitReader) and raw.limit > 0:  # the file ended inside the record
        problem = TRUNCATED
    return _Response(path, 0, url, status, content_type, etag, last_modified, html, problem)


def _judge(url: str, status: int | None, html: bool = False,
           problem: str | None = None) -> tuple[str | None, Profile | None]:
    """(why a capture cannot be used, or None; its force's profile). A 304 is a sighting."""
    profile = profile_for_host(_host(url))
    if profile is None:
        return UNKNOWN_HOST, None
    if status == 304:
        return (None, profile) if profile.is_article_url(url) else (NOT_ARTICLE_URL, None)
    if status != 200:
        return NOT_200, None
    if not html:
        return NOT_HTML, None
    if not profile.is_article_url(url):
        return NOT_ARTICLE_URL, None
    if problem:
        return problem, None
    return None, profile


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _resolve(revisit: _Revisit, scan: _Scan, unused: Unused) -> None:
    """A revisit: a not-modified one is a sighting; a deduplicating one is its original's payload, seen
    again at its own date (found by WARC-Refers-To, else by payload digest, the same URL first)."""
    if revisit.profile_uri.endswith(SERVER_NOT_MODIFIED):
        reason, profile = _judge(revisit.url, 304)
        if reason is not None:
            unused.add(reason, revisit.url)
        elif profile is not None:
            scan.captures.append(_Capture(revisit.when, revisit.url, profile, None))
        return
    if IDENTICAL_PAYLOAD not in revisit.profile_uri:
        unused.add(NOT_RESPONSE, revisit.url)
        return
    original = scan.by_id.get(revisit.refers_to or "")
    if original is None and revisit.digest:
        same = scan.by_digest.get(revisit.digest, [])
        wanted = (revisit.refers_to_url, revisit.url)
        original = next((r for r in same if r.url in wanted), same[0] if same else None)
    if original is None:
        unused.add(NO_ORIGINAL, revisit.url)
        return
    content_type = revisit.content_type or original.content_type
    html = _is_html(revisit.content_type) if revisit.content_type else original.html
    reason, profile = _judge(revisit.url, revisit.status or original.status, html, original.problem)
    if reason is not None:
        unused.add(reason, revisit.url)
    elif profile is not None:
        scan.captures.append(_Capture(revisit.when, revisit.url, profile, original, content_type,
                                      revisit.etag or original.etag, revisit.last_modified or original.last_modified))
