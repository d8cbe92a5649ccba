"""The SQLite archive, written with sqlite-utils.

Tables:
- `articles`: one row per canonical URL, the latest version with every field,
  first_seen / last_seen / last_changed, content_hash; `published_date` (its London date)
  and `last_modified` (ISO 8601) derived on every write.
- `article_html`: each article's latest raw HTML (zlib, sqlar's form; the view
  `article_pages` reads it as text).
- `versions`: every distinct content of every article, with when it was seen.
- `crawl_runs`: one row per crawl: start, end, counts, status (every run_id is a foreign key to it).
- `failures`: pages that were rejected or could not be fetched, per run, so
  nothing is lost silently and the next run can retry them first.
- `articles_fts`: full-text index over title, description and body (SQLite FTS5).
- `meta`: keys and values: schema_version, what a crawl needs to know of the last one.
- `_migrations`: the schema migrations applied (schema.py).

Their columns are declared once, in schema.py; the lists of columns below derive from it.

Writes go through `store_many`, one transaction per batch: a crawl killed at
any moment leaves a consistent database holding only whole articles.
`replay_many` does the same for reparse, which may replay captures the
archive already holds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields as dataclass_fields
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from herts_scraper.archive import schema
from herts_scraper.archive.schema import ARTICLE_HTML, ARTICLES, FACTS, VERSIONS, RunCounts
from herts_scraper.extract.facts import FACTS_VERSION, Fact
from herts_scraper.record import Article

_ARTICLE_COLUMNS = ARTICLES.names()
_JSON_FIELDS = ARTICLES.names(json=True)
_EXTRACTED = tuple((c.name, c.json) for c in ARTICLES.columns if c.extracted)
_ARTICLE_FIELDS = tuple(f.name for f in dataclass_fields(Article) if f.name in dict(_EXTRACTED))  # not status: derived


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})"


# The per-article writes are plain SQL built here once: sqlite-utils' insert() and update() check
# the table and build the query on every call, which cost more than the write itself.
_INSERT_ARTICLE = _insert_sql(ARTICLES.name, _ARTICLE_COLUMNS)
_CHANGED = tuple(c for c in _ARTICLE_COLUMNS if c not in ("url", "first_seen"))  # what a new version sets
_UPDATE_ARTICLE = f"update [{ARTICLES.name}] set {', '.join(f'[{c}] = ?' for c in _CHANGED)} where url = ?"
_SET_HTML = f"insert or replace into [{ARTICLE_HTML.name}] (url, raw_html, size) values (?, ?, ?)"
_VERSION_COLUMNS = tuple(c for c in VERSIONS.names() if c != VERSIONS.pk)
_INSERT_VERSION = _insert_sql(VERSIONS.name, _VERSION_COLUMNS)
_INSERT_FACT = _insert_sql(FACTS.name, ("version_id", "field", "value", "detail", "how"))
# The facts of a version, copied to its copy (the version just inserted: last_insert_rowid()).
_COPY_FACTS = (f"insert into [{FACTS.name}] (version_id, field, value, detail, how) "
               f"select last_insert_rowid(), field, value, detail, how from [{FACTS.name}] "
               f"where version_id = (select id from [{VERSIONS.name}] where url = ? and version = ?)")
# A copy of a version, seen again later (reparse): parameters number, first_seen, last_seen (in the
# order of the table's columns), then the url and number of the version copied. The copy is a
# capture, whatever the version copied was (an imported one: versions.imported_from).
_CAPTURED = ("imported_from", "imported_at")
_COPY_VERSION = (
    f"insert into [{VERSIONS.name}] ({', '.join(f'[{c}]' for c in _VERSION_COLUMNS)}) select "
    + ", ".join("?" if c in ("version", "first_seen", "last_seen") else "null" if c in _CAPTURED else f"[{c}]"
                for c in _VERSION_COLUMNS)
    + f" from [{VERSIONS.name}] where url = ? and version = ?"
)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class ArchiveError(Exception):
    """The file is no usable archive: a folder, not a database, damaged, not ours, unreadable, read-only."""


def archive_problem(path: str | Path, exc: sqlite3.DatabaseError) -> str:
    """One line saying what SQLite found wrong with the archive file."""
    text = str(exc)
    if "not a database" in text:
        return f"{path} is not an archive (not an SQLite database)"
    if "malformed" in text:
        return (f"the archive {path} is damaged ({text}); `herts-scraper reparse --db NEW.db` "
                "rebuilds it from its WARC files")
    return f"the archive {path}: {text}"


class Archive:
    """An archive database. `Archive(path)` creates the schema when it is new and runs the
    migrations an older archive has not had (schema.migrate); `Archive(path, readonly=True)`
    reads an existing one (in a read-only file or folder too) and never writes. Both raise
    ArchiveError when the file is no usable archive.

    Read-only opening never migrates: an older archive is read as it stands. Every release's
    archive reads so (0.1.0's schema is `initial`'s), and the crawl's read-only check of the
    file (commands/crawl.py) must not refuse an archive the crawl itself would bring up to date."""

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = Path(path)
        conn = self._connect_readonly() if readonly else self._connect()
        schema.register_functions(conn)
        try:
            self.db = sqlite_utils.Database(conn)
            tables = self.db.table_names()  # the first read: "not a database", "malformed"
            if tables and "articles" not in tables:
                raise ArchiveError(f"{path} is not a herts-scraper archive (it has no articles table)")
            if readonly and not tables:
                # A new archive (an empty file, say): read as one that holds nothing yet.
                conn.close()
                conn = sqlite3.connect(":memory:")
                schema.register_functions(conn)
                self.db = sqlite_utils.Database(conn)
                schema.migrate(self.db, now_iso())
            elif not readonly:
                # WAL keeps readers (analysts) working during a crawl and makes a
                # killed writer harmless; NORMAL sync is safe in WAL mode.
                self.db.enable_wal()
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute("PRAGMA foreign_keys=ON")
                schema.migrate(self.db, now_iso())
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ArchiveError(archive_problem(path, exc)) from None
        except BaseException:
            conn.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        path = self.path
        if str(path) == ":memory:":
            return sqlite3.connect(":memory:")
        if path.is_dir():
            raise ArchiveError(f"{path} is a folder, not an archive file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot create the archive's folder {path.parent}: {exc.strerror}") from None
        # SQLite itself would only fail at the first write, or say "unable to open database file".
        for target, what in ((path, "it"), (path.parent, "its folder")):
            if target.exists() and not os.access(target, os.W_OK):
                raise ArchiveError(f"cannot write the archive {path}: {what} is read-only")
        return sqlite3.connect(str(path), timeout=30)

    def _connect_readonly(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise ArchiveError(f"{path} is a folder, not an archive file")
        if not path.exists():
            raise ArchiveError(f"no archive at {path}")
        if not os.access(path, os.R_OK):
            raise ArchiveError(f"cannot read the archive {path}: permission denied")
        uri = path.resolve().as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if not isinstance(exc, sqlite3.OperationalError) or os.access(path.parent, os.W_OK):
                raise ArchiveError(archive_problem(path, exc)) from None
        # SQLite cannot create the WAL index (-shm) in a folder it may not write: read the file as
        # it stands (what a killed writer left in a -wal file, never checkpointed, is not seen).
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- crawl runs -------------------------------------------------------------
    def start_run(self, spider: str, base_url: str | None, args: dict, mode: str = "full") -> int:
        with self.db.atomic():
            row = self.db.table("crawl_runs").insert(
                {"started": now_iso(), "status": "running", "spider": spider, "mode": mode,
                 "base_url": base_url, "args": json.dumps(args, sort_keys=True)}
            )
        assert row.last_pk is not None  # set by the insert
        return row.last_pk

    def finish_run(self, run_id: int, status: str, counts: RunCounts, message: str = "",
                   health: list[str] | None = None, forces: dict | None = None) -> None:
        started = self.db.table("crawl_runs").get(run_id)["started"]
        duration = (dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(started)).total_seconds()
        fields = asdict(counts)
        with self.db.atomic():
            self.db.table("crawl_runs").update(
                run_id,
                {**fields, "finished": now_iso(), "status": status, "duration_s": round(duration, 3),
                 "message": message, "health": json.dumps(health or []),
                 **({"forces": json.dumps(forces)} if forces else {})},
            )

    def close_dead_runs(self) -> int:
        """Runs still "running" when the caller holds the lock were killed."""
        with self.db.atomic():
            cur = self.db.execute("update crawl_runs set status = 'killed' where status = 'running'")
        return cur.rowcount

    # -- articles -----------------------------------------------------------------
    def store_many(self, captures: Iterable[Capture], run_id: int | None = None) -> dict:
        """Store a batch of captures in one transaction. Returns counts by outcome."""
        captures = list(captures)
        return outcome_counts(captures, self.store_batch(captures, run_id))

    def store_batch(self, captures: Iterable[Capture], run_id: int | None = None) -> list[tuple[str, int]]:
        """Store a batch of captures in one transaction. Returns, for each capture, its
        outcome ("new", "changed", "unchanged") and how many versions its article now has."""
        now = now_iso()
        with self.db.atomic():
            return [self._store(cap, cap.fetched_at or now, run_id) for cap in captures]

    def _store(self, cap: Capture, seen: str, run_id: int | None) -> tuple[str, int]:
        art = cap.article
        digest = art.content_hash()
        row = self.db.execute(
            "select content_hash, versions, removed_at from articles where url = ?", [art.url]
        ).fetchone()
        # A removal recorded after this capture still stands (reparse replays old captures).
        removed_at = row[2] if row and row[2] and row[2] > seen else None
        last_modified = schema.iso_from_http_date(cap.last_modified)
        http = {"fetched_url": cap.fetched_url, "http_status": cap.http_status,
                "etag": cap.etag, "last_modified": last_modified, "run_id": run_id}
        if row and row[0] == digest:
            self.db.execute(
                "update articles set last_seen = max(last_seen, ?), removed_at = ?, fetched_url = ?, "
                "etag = ?, last_modified = ?, run_id = coalesce(?, run_id) where url = ?",
                [seen, removed_at, cap.fetched_url, cap.etag, last_modified, run_id, art.url],
            )
            self.db.execute(
                "update versions set last_seen = max(last_seen, ?) where url = ? and version = ?",
                [seen, art.url, row[1]],
            )
            self._resolve_failures(cap.fetched_url, art.url, seen)
            return "unchanged", row[1]
        version = (row[1] if row else 0) + 1
        fields = {
            **_content(art, digest), **http, "published_date": schema.london_date(art.published),
            "first_seen": seen, "last_seen": seen, "last_changed": seen, "versions": version,
            "removed_at": removed_at, "extractor_version": cap.extractor_version,
        }
        if row:
            self.db.execute(_UPDATE_ARTICLE, [*(fields[c] for c in _CHANGED), art.url])
        else:
            self.db.execute(_INSERT_ARTICLE, [fields[c] for c in _ARTICLE_COLUMNS])
        if cap.raw_html:
            self.db.execute(_SET_HTML, [art.url, *schema.pack_html(cap.raw_html)])
        else:  # as before the move: a version without its HTML has none
            self.db.execute(f"delete from [{ARTICLE_HTML.name}] where url = ?", [art.url])
        self._insert_version(fields, version, seen, run_id, cap.facts)
        self._resolve_failures(cap.fetched_url, art.url, seen)
        return ("changed" if row else "new"), version

    def _insert_version(self, content: dict, version: int, seen: str, run_id: int | None,
                        facts: list[Fact] | None, imported: tuple[str, str] | None = None) -> None:
        """Version `version` of an article, first seen `seen`; content: its columns, as _content gives
        them; facts: its police facts (None: not extracted, left to `reparse --fields-only`);
        imported: (source, when) of a version loaded from records (archive/imports.py), not captured."""
        row = {**content, "version": version, "first_seen": seen, "last_seen": seen, "run_id": run_id,
               "facts_version": FACTS_VERSION if facts is not None else None,
               **dict(zip(_CAPTURED, imported or (None, None), strict=True))}
        version_id = self.db.execute(_INSERT_VERSION, [row[c] for c in _VERSION_COLUMNS]).lastrowid
        if facts:
            assert version_id is not None  # an insert's rowid
            self.write_facts(version_id, facts)

    def write_facts(self, version_id: int, facts: list[Fact]) -> None:
        """A version's facts rows (the caller deletes any it had)."""
        self.db.conn.executemany(_INSERT_FACT, [
            (version_id, f.field, f.value, json.dumps(f.detail, ensure_ascii=False) if f.detail else None, f.how)
            for f in facts])

    # -- replaying captures (reparse) ---------------------------------------------------
    def replay_many(self, captures: list[Capture]) -> dict:
        """Store captures replayed from WARC files (time order, fetched_at = the WARC-Date) in one
        transaction, into an archive that may hold them already (a crawl stored them, or an earlier
        reparse): replaying twice gives what replaying once gave. Counts by outcome; "inserted" are
        captures the archive never saw from inside an article's history, put at their place in time.
        Meant for batches of a few hundred (one query fetches the batch's histories)."""
        counts = {"new": 0, "changed": 0, "unchanged": 0, "inserted": 0, "partial": 0}
        with self.db.atomic():
            urls = list({cap.article.url for cap in captures})
            histories: dict[str, list[_Span]] = defaultdict(list)
            for url, *span in self.db.execute(
                    "select url, version, content_hash, first_seen, last_seen from versions "
                    f"where url in ({', '.join('?' * len(urls))}) order by url, version", urls):
                histories[url].append(_Span(*span))
            for cap in captures:
                counts[self._replay(cap, histories[cap.article.url])] += 1
                if cap.article.status == "partial":
                    counts["partial"] += 1
        return counts

    def _replay(self, cap: Capture, history: list[_Span]) -> str:
        """A capture of URL U with content hash H at time T is held by the version current at T
        (the latest whose first_seen <= T) if that has H, or by the next one if that has H and T is
        past the current one's window (the crawl's fetch time is a few ms off the WARC-Date): that
        version's window takes T in. Otherwise H is a new version: U's latest if T is past U's
        history, else inserted at its place in time."""
        art, when = cap.article, cap.fetched_at or now_iso()
        digest = art.content_hash()
        at = bisect_right([span.first_seen for span in history], when)
        current = history[at - 1] if at else None
        following = history[at] if at < len(history) else None
        past_current = current is None or when >= current.last_seen
        if current and current.content_hash == digest:
            return self._widen(cap, when, history, current)
        if following and following.content_hash == digest and past_current:
            return self._widen(cap, when, history, following)
        if following is None and past_current:
            history.append(_Span(len(history) + 1, digest, when, when))
            return self._store(cap, when, None)[0]
        # From inside the history: versions after T move up to make room.
        base = current.version if current else 0
        added = [_Span(base + 1, digest, when, when)]
        if not past_current:  # T is inside the current version's window: its content was seen again later
            assert current is not None  # past_current when there is none
            added.append(_Span(base + 2, current.content_hash, current.last_seen, current.last_seen))
        for span in history[at:]:
            span.version += len(added)
        self.make_room(art.url, base, len(added))
        self._insert_version(_content(art, digest), base + 1, when, None, cap.facts)
        last_changed = None
        if not past_current:
            assert current is not None
            self.db.execute(_COPY_VERSION, [base + 2, current.last_seen, current.last_seen, art.url, base])
            self.db.execute(_COPY_FACTS, [art.url, base])
            self.db.execute("update versions set last_seen = first_seen where url = ? and version = ?",
                            [art.url, base])
            if current is history[-1]:
                last_changed = current.last_seen  # the latest content is the one seen again
            current.last_seen = current.first_seen
        history[at:at] = added
        self.db.execute("update articles set versions = versions + ?, first_seen = min(first_seen, ?), "
                        "last_changed = coalesce(?, last_changed) where url = ?",
                        [len(added), when, last_changed, art.url])
        return "inserted"

    def make_room(self, url: str, after: int, count: int) -> None:
        """Renumber the article's versions after number `after` up by `count`: room for versions put
        inside its history (a replayed capture, an imported record)."""
        # Through negative numbers: the unique index on (url, version) holds after every row.
        self.db.execute("update versions set version = -(version + ?) where url = ? and version > ?",
                        [count, url, after])
        self.db.execute("update versions set version = -version where url = ? and version < 0", [url])

    def _widen(self, cap: Capture, when: str, history: list[_Span], span: _Span) -> str:
        """A capture the archive holds: its version's window, and the article's, take its time in."""
        latest = span is history[-1]
        if latest and when >= span.last_seen:
            span.last_seen = when
            return self._store(cap, when, None)[0]  # as a crawl seeing it again: last_seen, validators, removal
        span.first_seen, span.last_seen = min(span.first_seen, when), max(span.last_seen, when)
        url = cap.article.url
        self.db.execute("update versions set first_seen = ?, last_seen = ? where url = ? and version = ?",
                        [span.first_seen, span.last_seen, url, span.version])
        self.db.execute("update articles set first_seen = min(first_seen, ?), last_changed = coalesce(?, last_changed) "
                        "where url = ?", [when, span.first_seen if latest else None, url])
        return "unchanged"

    def _resolve_failures(self, fetched_url: str | None, url: str, when: str) -> None:
        """Failures recorded before `when` (a replayed old capture resolves no later failure)."""
        self.db.execute(
            "update failures set resolved_at = ? where resolved_at is null and url in (?, ?) and [when] <= ?",
            [when, fetched_url or url, url, when],
        )

    def touch(self, url: str, when: str | None = None, run_id: int | None = None) -> bool:
        """A page answered 304 Not Modified: it is still there, unchanged (a removal recorded
        after `when` stands: reparse replays old 304s)."""
        when = when or now_iso()
        with self.db.atomic():
            cur = self.db.execute(
                "update articles set last_seen = max(last_seen, ?), run_id = coalesce(?, run_id), "
                "removed_at = case when removed_at > ? then removed_at end where url = ?",
                [when, run_id, when, url])
            self.db.execute("update versions set last_seen = max(last_seen, ?) where url = ? and version = "
                            "(select versions from articles where url = ?)", [when, url, url])
            self._resolve_failures(url, url, when)
        return cur.rowcount > 0

    def mark_removed(self, url: str, when: str | None = None) -> bool:
        """Tombstone: the article answered 404/410. It stays, with its removal time. Only a 404
        newer than the article's last sighting counts (reparse replays old ones)."""
        when = when or now_iso()
        with self.db.atomic():
            cur = self.db.execute(
                "update articles set removed_at = ? where url = ? and removed_at is null and last_seen < ?",
                [when, url, when])
        return cur.rowcount > 0

    def sweep_removed(self, seen_since: str, when: str | None = None, hosts: Iterable[str] = ()) -> list[str]:
        """After a complete sweep: articles not seen since `seen_since` are removed (only those
        on `hosts`, when given: the one force a sweep covered)."""
        where, params = "removed_at is null and last_seen < ?", [seen_since]
        hosts = list(hosts)
        if hosts:  # url like 'https://host/%' for each of the force's hosts (escaped: no wildcard inside)
            where += " and (" + " or ".join("url like ? escape '\\'" for _ in hosts) + ")"
            params += [f"%://{_like(h)}/%" for h in hosts]
        with self.db.atomic():
            urls = [r[0] for r in self.db.execute(f"select url from articles where {where}", params)]
            self.db.execute(f"update articles set removed_at = ? where {where}", [when or now_iso(), *params])
        return urls

    def known(self) -> dict[str, Known]:
        """What a crawl needs to know of each archived article, by URL; last_modified as an
        HTTP-date, ready for If-Modified-Since."""
        return {url: Known(title, etag, schema.http_date(last_modified), removed_at, last_seen, last_changed)
                for url, title, etag, last_modified, removed_at, last_seen, last_changed in self.db.execute(
                    "select url, title, etag, last_modified, removed_at, last_seen, last_changed from articles")}

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("select value from meta where key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.db.atomic():
            self.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    def versions(self, url: str) -> list[dict]:
        return list(self.db.query("select * from versions where url = ? order by version", [url]))

    def record_failure(self, url: str, kind: str, reason: str, http_status: int | None = None,
                       run_id: int | None = None) -> None:
        with self.db.atomic():
            self.db.table("failures").insert(
                {"url": url, "run_id": run_id, "kind": kind, "reason": reason,
                 "http_status": http_status, "when": now_iso()}
            )

    def unresolved_failures(self) -> list[dict]:
        return list(self.db.query("select * from failures where resolved_at is null order by id"))

    # -- reading ---------------------------------------------------------------------
    def count(self) -> int:
        return self.db["articles"].count

    def has(self, url: str) -> bool:
        return self.db.execute("select 1 from articles where url = ?", [url]).fetchone() is not None

    def content_hashes(self, urls: Iterable[str]) -> dict[str, str]:
        """The content hash of each archived article's current version, by URL (those not archived left out)."""
        urls = list(dict.fromkeys(urls))
        found: dict[str, str] = {}
        for start in range(0, len(urls), 500):  # SQLite's limit on parameters
            chunk = urls[start:start + 500]
            found.update(self.db.execute(f"select url, content_hash from articles where url in "
                                         f"({', '.join('?' * len(chunk))})", chunk).fetchall())
        return found

    def article(self, url: str) -> dict | None:
        rows = list(self.db.query("select * from articles where url = ?", [url]))
        return decode_row(rows[0]) if rows else None

    def articles(self, include_removed: bool = False) -> Iterator[dict]:
        """Every article's latest version, oldest first, JSON fields decoded: the exported columns
        (no raw HTML)."""
        where = "" if include_removed else "where removed_at is null"
        present = set(self.db["articles"].columns_dict)  # an older archive read as it stands lacks the newer ones
        columns = ", ".join(f"[{c}]" for c in ARTICLES.names(exported=True) if c in present)
        for row in self.db.query(f"select {columns} from articles {where} order by published, url"):
            yield decode_row(row)

    def raw_html(self, url: str) -> bytes | None:
        """The article's latest raw HTML, as fetched. An archive not yet migrated (read-only) has it in articles."""
        if ARTICLE_HTML.name not in self.db.table_names():
            row = self.db.execute("select raw_html from articles where url = ?", [url]).fetchone()
            return zlib.decompress(row[0]) if row and row[0] else None
        row = self.db.execute(f"select raw_html, size from [{ARTICLE_HTML.name}] where url = ?", [url]).fetchone()
        return schema.sqlar_uncompress(*row) if row and row[0] else None

    def runs(self) -> list[dict]:
        return list(self.db.query("select * from crawl_runs order by id"))

    # -- reading for the CLI (status, history): read-only queries, kept together ---------
    def find_url(self, candidates: Iterable[str]) -> str | None:
        """The archived URL of the first candidate that is one, or is the URL an article was fetched
        from (a replica's, a mirror's); None if none is."""
        for url in candidates:
            row = self.db.execute("select url from articles where url = ? union all "
                                  "select url from articles where fetched_url = ? limit 1", [url, url]).fetchone()
            if row:
                return row[0]
        return None

    def urls_like(self, url: str, limit: int = 3) -> list[str]:
        """Archived URLs closest to `url` (not archived): those holding its last path segment (an
        article's slug), newest first, else those whose last segment is most alike."""
        import difflib

        slug = next((part for part in reversed(url.split("?")[0].split("/")) if part), "")
        if not slug:
            return []
        escaped = slug.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = [r[0] for r in self.db.execute(
            "select url from articles where url like ? escape '\\' order by published desc limit ?",
            [f"%{escaped}%", limit])]
        if found:
            return found
        by_slug = {u.rstrip("/").rsplit("/", 1)[-1]: u for (u,) in self.db.execute("select url from articles")}
        return [by_slug[s] for s in difflib.get_close_matches(slug, list(by_slug), n=limit, cutoff=0.75)]

    def run_progress(self, run_id: int) -> dict:
        """What an unfinished run (killed, or still running) has stored so far, from the rows it wrote:
        its row's counts are written only when it ends. "seen": articles it last stored or confirmed."""
        new, changed, last_version = self.db.execute(
            "select count(*) filter (where version = 1), count(*) filter (where version > 1), max(first_seen) "
            "from versions where run_id = ?", [run_id]).fetchone()
        seen, last_seen = self.db.execute(
            "select count(*), max(last_seen) from articles where run_id = ?", [run_id]).fetchone()
        failed, last_failure = self.db.execute(
            "select count(*), max([when]) from failures where run_id = ?", [run_id]).fetchone()
        return {"new": new, "changed": changed, "seen": seen, "failed": failed,
                "last_write": max(filter(None, (last_version, last_seen, last_failure)), default=None)}


def outcome_counts(captures: list[Capture], outcomes: list[tuple[str, int]]) -> dict:
    """Counts by outcome of a stored batch, partial articles counted apart too."""
    counts = {"new": 0, "changed": 0, "unchanged": 0, "partial": 0}
    for cap, (outcome, _) in zip(captures, outcomes, strict=True):
        counts[outcome] += 1
        counts["partial"] += cap.article.status == "partial"
    return counts


def decode_row(row: dict) -> dict:
    out = dict(row)
    for key in _JSON_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


def article_from_row(row: dict) -> Article:
    """Rebuild an Article from a decoded archive row (for exports): a null column is the Article's
    default (status it derives itself)."""
    return Article(**{name: row[name] for name in _ARTICLE_FIELDS if row.get(name) is not None})


def _content(art: Article, digest: str) -> dict:
    """The article's columns extraction fills, JSON-encoded where declared so, and its content hash."""
    content = {name: json.dumps(getattr(art, name), ensure_ascii=False) if is_json else getattr(art, name)
               for name, is_json in _EXTRACTED}
    content["content_hash"] = digest
    return content


@dataclass(slots=True)
class _Span:
    """One version as replay places captures in time: its number, content and window."""

    version: int
    content_hash: str
    first_seen: str
    last_seen: str


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Known(NamedTuple):
    title: str | None
    etag: str | None
    last_modified: str | None
    removed_at: str | None
    last_seen: str | None = None  # the last time a crawl fetched it or had a 304 for it
    last_changed: str | None = None  # when the current version was captured: what a 304 confirms (crawl/warc.py)


@dataclass(slots=True)
class Capture:
    """One fetched article page: the extracted Article plus what HTTP said."""

    article: Article
    raw_html: bytes = b""
    fetched_url: str | None = None
    http_status: int | None = 200
    etag: str | None = None
    last_modified: str | None = None
    extractor_version: str | None = None
    fetched_at: str | None = None  # ISO 8601 UTC; default: when stored (reparse gives the capture's date)
    facts: list[Fact] | None = None  # the article's police facts (None: not extracted)
