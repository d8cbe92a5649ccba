"""The SQLite archive, written with sqlite-utils.

Tables:
- `articles`: one row per canonical URL, the latest version with every field,
  the raw HTML (zlib), first_seen / last_seen / last_changed, content_hash.
- `versions`: every distinct content of every article, with when it was seen.
- `crawl_runs`: one row per crawl: start, end, counts, status.
- `failures`: pages that were rejected or could not be fetched, per run, so
  nothing is lost silently and the next run can retry them first.
- `articles_fts`: full-text index over title, description and body (SQLite FTS5).

Writes go through `store_many`, one transaction per batch: a crawl killed at
any moment leaves a consistent database holding only whole articles.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import sqlite_utils

from .record import Article

SCHEMA_VERSION = 1
DEFAULT_PATH = "archive/herts.db"

ARTICLE_COLUMNS = {
    "url": str,
    "fetched_url": str,
    "area": str,
    "title": str,
    "description": str,
    "published": str,
    "body": str,
    "status": str,
    "missing": str,
    "problems": str,
    "found_by": str,
    "images": str,
    "generation": str,
    "cms_id": str,
    "content_hash": str,
    "raw_html": bytes,
    "http_status": int,
    "etag": str,
    "last_modified": str,
    "first_seen": str,
    "last_seen": str,
    "last_changed": str,
    "versions": int,
    "removed_at": str,
    "extractor_version": str,
    "run_id": int,
}
_JSON_FIELDS = ("missing", "problems", "found_by", "images")
RUN_COUNTS = ("new", "changed", "unchanged", "not_modified", "removed", "partial", "rejected", "failed",
              "skipped", "requests", "bytes")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class Archive:
    """An archive database. `Archive(path)` creates the schema when it is new."""

    def __init__(self, path: str | Path = DEFAULT_PATH):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=30))
        # WAL keeps readers (analysts) working during a crawl and makes a
        # killed writer harmless; NORMAL sync is safe in WAL mode.
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._ensure_schema()

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- schema ---------------------------------------------------------------
    def _ensure_schema(self) -> None:
        db = self.db
        if "articles" in db.table_names():
            return
        with db.conn:
            db["crawl_runs"].create(
                {
                    "id": int, "started": str, "finished": str, "status": str,
                    "spider": str, "base_url": str, "args": str, "new": int,
                    "changed": int, "unchanged": int, "not_modified": int, "removed": int,
                    "partial": int, "rejected": int, "failed": int, "skipped": int,
                    "requests": int, "bytes": int, "duration_s": float, "mode": str,
                    "health": str, "message": str,
                },
                pk="id",
            )
            db["articles"].create(ARTICLE_COLUMNS, pk="url", not_null={"area"})
            db["articles"].create_index(["published"])
            db["articles"].create_index(["last_seen"])
            db["versions"].create(
                {
                    "id": int, "url": str, "version": int, "content_hash": str,
                    "title": str, "description": str, "published": str, "body": str,
                    "status": str, "first_seen": str, "last_seen": str, "run_id": int,
                },
                pk="id",
                foreign_keys=[("url", "articles", "url")],
            )
            db["versions"].create_index(["url", "version"], unique=True)
            db["failures"].create(
                {
                    "id": int, "url": str, "run_id": int, "kind": str, "reason": str,
                    "http_status": int, "when": str, "resolved_at": str,
                },
                pk="id",
            )
            db["failures"].create_index(["url"])
            db["meta"].create({"key": str, "value": str}, pk="key")
            db["meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)})
            db["articles"].enable_fts(["title", "description", "body"], create_triggers=True, tokenize="porter")

    # -- crawl runs -------------------------------------------------------------
    def start_run(self, spider: str, base_url: str | None, args: dict, mode: str = "full") -> int:
        with self.db.atomic():
            row = self.db["crawl_runs"].insert(
                {"started": now_iso(), "status": "running", "spider": spider, "mode": mode,
                 "base_url": base_url, "args": json.dumps(args, sort_keys=True)}
            )
        return row.last_pk

    def finish_run(self, run_id: int, status: str, counts: dict, message: str = "",
                   health: list[str] | None = None) -> None:
        started = self.db["crawl_runs"].get(run_id)["started"]
        duration = (dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(started)).total_seconds()
        fields = {k: counts.get(k, 0) for k in RUN_COUNTS}
        with self.db.atomic():
            self.db["crawl_runs"].update(
                run_id,
                {**fields, "finished": now_iso(), "status": status, "duration_s": round(duration, 3),
                 "message": message, "health": json.dumps(health or [])},
            )

    def close_dead_runs(self) -> int:
        """Runs still "running" when the caller holds the lock were killed."""
        with self.db.atomic():
            cur = self.db.execute("update crawl_runs set status = 'killed' where status = 'running'")
        return cur.rowcount

    # -- articles -----------------------------------------------------------------
    def store_many(self, captures: Iterable[Capture], run_id: int | None = None) -> dict:
        """Store a batch of captures in one transaction. Returns counts by outcome."""
        counts = {"new": 0, "changed": 0, "unchanged": 0, "partial": 0}
        now = now_iso()
        with self.db.atomic():
            for cap in captures:
                outcome = self._store(cap, cap.fetched_at or now, run_id)
                counts[outcome] += 1
                if cap.article.status == "partial":
                    counts["partial"] += 1
        return counts

    def _store(self, cap: Capture, seen: str, run_id: int | None) -> str:
        art = cap.article
        digest = art.content_hash()
        row = self.db.execute(
            "select content_hash, versions from articles where url = ?", [art.url]
        ).fetchone()
        http = {"fetched_url": cap.fetched_url, "http_status": cap.http_status,
                "etag": cap.etag, "last_modified": cap.last_modified, "run_id": run_id}
        if row and row[0] == digest:
            self.db.execute(
                "update articles set last_seen = max(last_seen, ?), removed_at = null, fetched_url = ?, "
                "etag = ?, last_modified = ?, run_id = ? where url = ?",
                [seen, cap.fetched_url, cap.etag, cap.last_modified, run_id, art.url],
            )
            self.db.execute(
                "update versions set last_seen = max(last_seen, ?) where url = ? and version = ?",
                [seen, art.url, row[1]],
            )
            self._resolve_failures(cap.fetched_url, art.url, seen)
            return "unchanged"
        version = (row[1] if row else 0) + 1
        fields = {
            **http,
            "url": art.url, "area": art.area, "title": art.title, "description": art.description,
            "published": art.published, "body": art.body, "status": art.status,
            "generation": art.generation, "cms_id": art.cms_id, "content_hash": digest,
            "raw_html": zlib.compress(cap.raw_html, 1) if cap.raw_html else None,
            "last_seen": seen, "last_changed": seen, "versions": version, "removed_at": None,
            "extractor_version": cap.extractor_version,
            **{k: json.dumps(getattr(art, k), ensure_ascii=False) for k in _JSON_FIELDS},
        }
        if row:
            self._execute_update("articles", fields, "url", art.url)
        else:
            self._execute_insert("articles", {**fields, "first_seen": seen})
        self._execute_insert(
            "versions",
            {"url": art.url, "version": version, "content_hash": digest, "title": art.title,
             "description": art.description, "published": art.published, "body": art.body,
             "status": art.status, "first_seen": seen, "last_seen": seen, "run_id": run_id}
        )
        self._resolve_failures(cap.fetched_url, art.url, seen)
        return "changed" if row else "new"

    # The per-article writes are plain SQL: sqlite-utils' insert() and update() check the
    # table and build the query on every call, which cost more than the write itself here.
    # The column names are ours (ARTICLE_COLUMNS, the versions schema), never a page's.
    def _execute_insert(self, table: str, fields: dict) -> None:
        self.db.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in fields)}) "
                        f"values ({', '.join('?' * len(fields))})", list(fields.values()))

    def _execute_update(self, table: str, fields: dict, key: str, value) -> None:
        self.db.execute(f"update [{table}] set {', '.join(f'[{c}] = ?' for c in fields)} where [{key}] = ?",
                        [*fields.values(), value])

    def _resolve_failures(self, fetched_url: str | None, url: str, when: str) -> None:
        self.db.execute(
            "update failures set resolved_at = ? where resolved_at is null and url in (?, ?)",
            [when, fetched_url or url, url],
        )

    def touch(self, url: str, when: str | None = None, run_id: int | None = None) -> bool:
        """A page answered 304 Not Modified: it is still there, unchanged."""
        when = when or now_iso()
        with self.db.atomic():
            cur = self.db.execute(
                "update articles set last_seen = max(last_seen, ?), removed_at = null, run_id = ? where url = ?",
                [when, run_id, url])
            self.db.execute("update versions set last_seen = max(last_seen, ?) where url = ? and version = "
                            "(select versions from articles where url = ?)", [when, url, url])
            self._resolve_failures(url, url, when)
        return cur.rowcount > 0

    def mark_removed(self, url: str, when: str | None = None) -> bool:
        """Tombstone: the article answered 404/410. It stays, with its removal time."""
        with self.db.atomic():
            cur = self.db.execute(
                "update articles set removed_at = ? where url = ? and removed_at is null", [when or now_iso(), url])
        return cur.rowcount > 0

    def sweep_removed(self, seen_since: str, when: str | None = None) -> list[str]:
        """After a complete sweep: articles not seen since `seen_since` are removed."""
        with self.db.atomic():
            urls = [r[0] for r in self.db.execute(
                "select url from articles where removed_at is null and last_seen < ?", [seen_since])]
            self.db.execute("update articles set removed_at = ? where removed_at is null and last_seen < ?",
                            [when or now_iso(), seen_since])
        return urls

    def known(self) -> dict[str, "Known"]:
        """What a crawl needs to know of each archived article, by URL."""
        return {r[0]: Known(*r[1:]) for r in self.db.execute(
            "select url, title, etag, last_modified, removed_at from articles")}

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("select value from meta where key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.db.atomic():
            self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    def versions(self, url: str) -> list[dict]:
        return list(self.db.query("select * from versions where url = ? order by version", [url]))

    def record_failure(self, url: str, kind: str, reason: str, http_status: int | None = None,
                       run_id: int | None = None) -> None:
        with self.db.atomic():
            self.db["failures"].insert(
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

    def article(self, url: str) -> dict | None:
        rows = list(self.db.query("select * from articles where url = ?", [url]))
        return decode_row(rows[0]) if rows else None

    def articles(self, include_removed: bool = False) -> Iterator[dict]:
        """Every article's latest version, oldest first, JSON fields decoded, no raw HTML."""
        cols = ", ".join(c for c in ARTICLE_COLUMNS if c != "raw_html")
        where = "" if include_removed else "where removed_at is null"
        for row in self.db.query(f"select {cols} from articles {where} order by published, url"):
            yield decode_row(row)

    def raw_html(self, url: str) -> bytes | None:
        row = self.db.execute("select raw_html from articles where url = ?", [url]).fetchone()
        return zlib.decompress(row[0]) if row and row[0] else None

    def runs(self) -> list[dict]:
        return list(self.db.query("select * from crawl_runs order by id"))


def decode_row(row: dict) -> dict:
    out = dict(row)
    for key in _JSON_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


def article_from_row(row: dict) -> Article:
    """Rebuild an Article from an archive row (for exports)."""
    return Article(
        url=row["url"], area=row["area"], title=row.get("title"), description=row.get("description"),
        published=row.get("published"), body=row.get("body") or "", generation=row.get("generation"),
        cms_id=row.get("cms_id"), images=row.get("images") or [], found_by=row.get("found_by") or {},
        missing=row.get("missing") or [], problems=row.get("problems") or [],
    )


class Known(NamedTuple):
    title: str | None
    etag: str | None
    last_modified: str | None
    removed_at: str | None


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
