"""Exports of the archive: normalised records, JSON Lines, CSV or a WACZ (FORMATS, a registry).

records: <out>/<area>/<sha1 of url>.md, exactly the reference record format.
jsonl / csv: one file, <out>/articles.jsonl or <out>/articles.csv, or one stream (STREAMS:
standard output, say), every exported column (schema.ARTICLES: all but the raw HTML)
of the latest version of each article.
wacz: <out>/herts.wacz, the raw WARC captures packaged for replay (archive/wacz.py).

Every name derived from the data stays inside <out>: an area that is not a
plain name (`../x`, `/tmp`, a NUL) gets a folder name made safe (area_folder),
and no file is written where <out> does not contain it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from herts_scraper.archive.schema import ARTICLES
from herts_scraper.archive.store import Archive, article_from_row
from herts_scraper.profiles import is_plain_name

_JSON_FIELDS = ARTICLES.names(json=True, exported=True)  # decoded by Archive.articles, encoded again for csv

# name -> writer(rows of Archive.articles, out folder) -> {"articles", "written", "path"}; the CLI's
# --format offers every name, so a new format is one registered function.
Writer = Callable[..., dict]
FORMATS: dict[str, Writer] = {}
_WANT_ARCHIVE: set[str] = set()  # formats whose writer also takes archive= (the Archive: its path, its WARCs)


def export_format(name: str, archive: bool = False) -> Callable[[Writer], Writer]:
    """Register the decorated function as the writer of export format `name`; archive=True: it
    is called with the Archive as the keyword argument `archive` too."""
    def register(writer: Writer) -> Writer:
        FORMATS[name] = writer
        if archive:
            _WANT_ARCHIVE.add(name)
        return writer
    return register


class UnsafePath(ValueError):
    """A path the export would write lies outside the folder it was given (a symlink out of it)."""


class ExportUnavailable(Exception):
    """This export cannot be made here: what it needs is missing (a package, the WARC captures)."""


def area_folder(area: str | None) -> str:
    """The records folder of an area: the area itself when it is a plain name (every profile's
    is), else one safe path component made from it, told apart from others by a hash."""
    if is_plain_name(area):
        return area
    area = area or ""
    cleaned = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", area).lstrip(". \t")[:60]
    return f"{cleaned or 'area'}-{hashlib.sha1(area.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Atomic write (temp file + rename) that leaves identical files untouched."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def export(archive: Archive, out: str | Path, fmt: str = "records", include_removed: bool = False) -> dict:
    """Write the export; returns {"articles": n, "written": files changed, "path": ...}."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    extra = {"archive": archive} if fmt in _WANT_ARCHIVE else {}
    return FORMATS[fmt](archive.articles(include_removed=include_removed), out, **extra)


@export_format("records")
def _export_records(rows, out: Path) -> dict:
    n = written = 0
    real_out = out.resolve()
    folders: dict[str, Path] = {}
    for row in rows:
        article = article_from_row(row)
        folder = folders.get(article.area)
        if folder is None:
            folder = out / area_folder(article.area)
            if folder.resolve().parent != real_out:
                raise UnsafePath(f"refusing to write records to {folder}: it leads outside {out}")
            folder.mkdir(exist_ok=True)
            folders[article.area] = folder
        written += _write_if_changed(folder / article.record_name(), article.to_record().encode("utf-8"))
        n += 1
    return {"articles": n, "written": written, "path": str(out)}


@contextmanager
def _file_in_place(path: Path):
    """The file to write, renamed into place once whole: a reader never sees half an export."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        yield fh
    os.replace(tmp, path)


def _with_record_date(rows: Iterable[dict]) -> Iterator[dict]:
    for row in rows:
        row["record_date"] = article_from_row(row).meta().get("publish", {}).get("date")
        yield row


# Formats that are one stream of text also write to any open file (`export --out -`: standard output).
Stream = Callable[[Iterable[dict], TextIO], int]
STREAMS: dict[str, Stream] = {}


def stream_format(name: str) -> Callable[[Stream], Stream]:
    """Register the decorated function(rows, text file) -> articles written as the stream writer of
    format `name`, and as its folder writer (<out>/articles.<name>, renamed into place once whole)."""
    def register(stream: Stream) -> Stream:
        STREAMS[name] = stream

        def to_folder(rows, out: Path) -> dict:
            path = out / f"articles.{name}"
            with _file_in_place(path) as fh:
                n = stream(rows, fh)
            return {"articles": n, "written": 1, "path": str(path)}

        FORMATS[name] = to_folder
        return stream
    return register


def export_stream(archive: Archive, fh: TextIO, fmt: str, include_removed: bool = False) -> int:
    """Write the export in a stream format to an open text file; returns the articles written."""
    if fmt not in STREAMS:
        raise ValueError(f"format {fmt!r} is not one stream; to a file or standard output: {', '.join(STREAMS)}")
    return STREAMS[fmt](archive.articles(include_removed=include_removed), fh)


@stream_format("jsonl")
def _stream_jsonl(rows, fh: TextIO) -> int:
    n = 0
    for row in _with_record_date(rows):
        fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


@stream_format("csv")
def _stream_csv(rows, fh: TextIO) -> int:
    n, writer = 0, None
    for row in _with_record_date(rows):
        for key in _JSON_FIELDS:
            row[key] = json.dumps(row.get(key), ensure_ascii=False)
        if writer is None:  # the columns are the first row's
            writer = csv.DictWriter(fh, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
        n += 1
    return n


from herts_scraper.archive import wacz as _wacz  # noqa: E402, F401  (registers "wacz"; it needs export_format)
