"""Schema migrations: an archive made by release 0.1.0 is brought up to date and keeps every row;
a migration adds a column; migrations run all or nothing.

tests/data/schema-0.1.0.sql is the `sqlite_master` SQL, in creation order, of an archive made by
release 0.1.0 (commit a134f55, sqlite-utils 4.2.1, which 0.1.0 required as >=4.2), produced with
that commit's own code in a git worktree:

    git worktree add /tmp/v010 a134f55
    cd /tmp/v010 && PYTHONPATH=/tmp/v010 python -c \\
        "from herts_scraper.archive.store import Archive; Archive('/tmp/v010.db').close()"
    select sql || ';' from sqlite_master where sql is not null order by rowid

It holds the FTS5 shadow tables too, as sqlite_master does; the build below leaves them to the
FTS5 table, which creates them, and checks the result is the file, statement for statement.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import zlib
from contextlib import closing
from pathlib import Path

import pytest

from herts_scraper.archive import schema
from herts_scraper.archive.export import export
from herts_scraper.archive.store import Archive, ArchiveError, Capture
from herts_scraper.record import Article

FROZEN = Path(__file__).parent / "data" / "schema-0.1.0.sql"
FTS_SHADOWS = ("articles_fts_data", "articles_fts_idx", "articles_fts_docsize", "articles_fts_config")
URL = "https://www.herts.police.uk/news-and-appeals/"


def frozen_statements() -> list[str]:
    statements, buffer = [], ""
    for line in FROZEN.read_text().splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip().removesuffix(";"))
            buffer = ""
    assert not buffer.strip()
    return statements


def schema_sql(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [r[0] for r in conn.execute("select sql from sqlite_master where sql is not null order by rowid")]


def rows(path: Path) -> dict[str, list[dict]]:
    """Every row of every table (the FTS index's own tables aside), in rowid order."""
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        return {t: [dict(row) for row in conn.execute(f"select * from [{t}] order by rowid")]
                for t in tables if not t.startswith("articles_fts")}


def as_migrated(before: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """0.1.0's rows as today's schema holds them: the raw HTML in article_html (with its size),
    last_modified in ISO 8601 UTC, a placeholder run for a run id no crawl_runs row held."""
    articles = [{k: v for k, v in row.items() if k != "raw_html"} for row in before["articles"]]
    for row in articles:
        row["last_modified"] = schema.iso_from_http_date(row["last_modified"])
    html = [{"url": row["url"], "raw_html": row["raw_html"], "size": len(zlib.decompress(row["raw_html"]))}
            for row in before["articles"] if row["raw_html"]]
    runs = {row["id"] for row in before["crawl_runs"]}
    unrecorded = sorted({row["run_id"] for t in ("articles", "versions", "failures") for row in before[t]} - runs - {None})
    crawl_runs = before["crawl_runs"] + [{"id": run, "status": "unrecorded"} for run in unrecorded]
    return {**before, "articles": articles, "article_html": html, "crawl_runs": crawl_runs}


def assert_kept(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> None:
    """Every row of `before` is in `after` as it was, in its place (rows may follow): columns added
    since and the schema_version a migration moves aside."""
    for table, old in before.items():
        new = [{k: row[k] for k in old[0]} for row in after[table]] if old else after[table]
        old = [{k: row.get(k) for k in old[0]} for row in old] if old else old  # the first row's columns
        if table == "meta":
            old, new = ([row for row in meta if row["key"] != "schema_version"] for meta in (old, new))
        assert new[:len(old)] == old, table


def article_row(article: Article, seen: str, version: int = 1, **columns) -> dict:
    """An articles row as 0.1.0 wrote one."""
    return {
        "url": article.url, "fetched_url": article.url, "area": article.area, "title": article.title,
        "description": article.description, "published": article.published, "body": article.body,
        "status": article.status, "generation": article.generation, "cms_id": article.cms_id,
        **{k: json.dumps(getattr(article, k), ensure_ascii=False)
           for k in ("missing", "problems", "found_by", "images")},
        "content_hash": article.content_hash(),
        "raw_html": zlib.compress(b"<html>" + article.body.encode() + b"</html>", 1),
        "http_status": 200, "etag": '"e1"', "last_modified": None, "first_seen": seen, "last_seen": seen,
        "last_changed": seen, "versions": version, "removed_at": None, "extractor_version": "1", "run_id": 1,
        **columns,
    }


def version_row(article: Article, version: int, first: str, last: str) -> dict:
    return {"url": article.url, "version": version, "content_hash": article.content_hash(), "title": article.title,
            "description": article.description, "published": article.published, "body": article.body,
            "status": article.status, "first_seen": first, "last_seen": last, "run_id": 1}


BURGLARY = Article(url=URL + "burglary-in-stevenage", area="Hertfordshire", title="Burglary in Stevenage",
                   description="Appeal for witnesses", published="2026-11-20T09:45:00+00:00",
                   body="Police are appealing after a burglary in Stevenage.\n", generation="soh", cms_id="101",
                   images=[{"src": "https://www.herts.police.uk/i.jpg", "alt": "Café"}],
                   found_by={"title": "profile", "published": "profile"})
EDITED = dataclasses.replace(BURGLARY, body="Police are appealing after a burglary in Stevenage. Updated.\n")
PARTIAL = Article(url=URL + "fraud-warning", area="Hertfordshire", title="Fraud warning", body="Beware of calls.\n",
                  missing=["published", "description"], problems=["no og:description"])


def build_010_archive(path: Path) -> Path:
    """An archive as 0.1.0 left one: its schema from the frozen SQL, a few rows of each table."""
    statements = frozen_statements()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("pragma journal_mode=wal")
        for sql in statements:
            if not any(f"'{name}'" in sql.split("(")[0] for name in FTS_SHADOWS):
                conn.execute(sql)
        contents = {
            "crawl_runs": [
                {"id": 1, "started": "2026-11-20T10:00:00.000000+00:00", "finished": "2026-11-20T10:01:00.000000+00:00",
                 "status": "ok", "spider": "news", "base_url": None, "args": "{}", "new": 2, "changed": 1,
                 "unchanged": 0, "not_modified": 0, "removed": 1, "partial": 1, "rejected": 0, "failed": 1,
                 "skipped": 0, "requests": 9, "bytes": 123456, "duration_s": 60.0, "mode": "full", "health": "[]",
                 "message": "{}"},
                {"id": 2, "started": "2026-11-21T10:00:00.000000+00:00", "status": "killed", "spider": "news",
                 "args": "{}", "mode": "incremental"},
            ],
            "articles": [
                article_row(EDITED, "2026-11-20T10:00:30.000000+00:00", version=2,
                            first_seen="2026-11-20T10:00:10.000000+00:00",
                            last_modified="Fri, 20 Nov 2026 09:50:00 GMT"),
                article_row(PARTIAL, "2026-11-20T10:00:20.000000+00:00",
                            removed_at="2026-11-20T10:01:00.000000+00:00", run_id=7),  # a run with no row
            ],
            "versions": [
                version_row(BURGLARY, 1, "2026-11-20T10:00:10.000000+00:00", "2026-11-20T10:00:10.000000+00:00"),
                version_row(PARTIAL, 1, "2026-11-20T10:00:20.000000+00:00", "2026-11-20T10:00:20.000000+00:00"),
                version_row(EDITED, 2, "2026-11-20T10:00:30.000000+00:00", "2026-11-20T10:00:30.000000+00:00"),
            ],
            "failures": [
                {"url": URL + "gone", "run_id": 1, "kind": "http", "reason": "HTTP 503", "http_status": 503,
                 "when": "2026-11-20T10:00:40.000000+00:00"},
            ],
            "meta": [{"key": "schema_version", "value": "1"},
                     {"key": "last_full_sweep", "value": "2026-11-20T10:00:00.000000+00:00"}],
        }
        for table, table_rows in contents.items():
            for row in table_rows:
                conn.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in row)}) "
                             f"values ({', '.join('?' * len(row))})", list(row.values()))
        conn.commit()
    assert schema_sql(path) == statements  # the frozen SQL is what it builds, shadow tables and all
    return path


def test_initial_creates_the_schema_of_0_1_0(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "MIGRATIONS", (schema.initial,))
    Archive(tmp_path / "new.db").close()
    assert [sql for sql in schema_sql(tmp_path / "new.db") if "_migrations" not in sql] == frozen_statements()


def test_an_archive_of_0_1_0_is_read_as_it_stands_and_never_written(tmp_path):
    db = build_010_archive(tmp_path / "herts.db")
    before, data = rows(db), db.read_bytes()
    with Archive(db, readonly=True) as archive:
        assert archive.count() == 2 and [r["url"] for r in archive.articles()] == [EDITED.url]
        assert [r["status"] for r in archive.runs()] == ["ok", "killed"]
        assert [hit["url"] for hit in archive.db["articles"].search("burglary")] == [EDITED.url]
    assert rows(db) == before and db.read_bytes() == data and "_migrations" not in rows(db)


def test_an_archive_of_0_1_0_is_brought_up_to_date(tmp_path):
    db = build_010_archive(tmp_path / "herts.db")
    before = rows(db)
    with Archive(db) as archive:
        after = rows(db)
        assert_kept(as_migrated(before), after)
        assert "raw_html" not in after["articles"][0] and len(after["article_html"]) == 2
        assert [r["last_modified"] for r in after["articles"]] == ["2026-11-20T09:50:00+00:00", None]
        assert [r["published_date"] for r in after["articles"]] == ["2026-11-20", None]
        assert after["crawl_runs"][-1] == {**dict.fromkeys(after["crawl_runs"][-1]), "id": 7, "status": "unrecorded"}
        assert archive.raw_html(EDITED.url) == b"<html>" + EDITED.body.encode() + b"</html>"
        assert archive.known()[EDITED.url].last_modified == "Fri, 20 Nov 2026 09:50:00 GMT"  # for If-Modified-Since
        assert [r["name"] for r in after["_migrations"]] == [m.__name__ for m in schema.MIGRATIONS]
        assert after["_migrations"][0]["name"] == "initial"
        assert archive.get_meta("schema_version") == str(len(schema.MIGRATIONS))
        assert [hit["url"] for hit in archive.db["articles"].search("burglary")] == [EDITED.url]

        # A crawl's writes: a new article, a new version of an old one, one seen again.
        run = archive.start_run("news", None, {})
        robbery = Article(url=URL + "robbery", area="Hertfordshire", title="Robbery in Watford", body="A robbery.\n")
        again = dataclasses.replace(EDITED, body="Police are appealing after a theft in Stevenage.\n")
        counts = archive.store_many([Capture(robbery, b"<html></html>"), Capture(again, b"<html></html>"),
                                     Capture(PARTIAL, b"<html></html>")], run)
        assert (counts["new"], counts["changed"], counts["unchanged"]) == (1, 1, 1)
        archive.finish_run(run, "ok", schema.RunCounts(**counts))
        assert [v["version"] for v in archive.versions(EDITED.url)] == [1, 2, 3]
        assert archive.article(PARTIAL.url)["removed_at"] is None  # seen again after its removal
        assert [hit["url"] for hit in archive.db["articles"].search("theft")] == [EDITED.url]
        assert list(archive.db["articles"].search("updated")) == []  # the old body left the index
        archive.db.execute("insert into articles_fts (articles_fts) values ('integrity-check')")  # raises if not
        assert archive.raw_html(robbery.url) == b"<html></html>"
        assert archive.article(robbery.url)["run_id"] == run

        jsonl = export(archive, tmp_path / "out", "jsonl")
        records = export(archive, tmp_path / "records", "records")
        export(archive, tmp_path / "out", "csv")
    exported = {r["url"]: r for r in map(json.loads, (tmp_path / "out" / "articles.jsonl").read_text().splitlines())}
    assert jsonl["articles"] == records["articles"] == 3
    assert exported[PARTIAL.url]["missing"] == ["published", "description"]
    assert exported[EDITED.url]["images"] == BURGLARY.images and exported[EDITED.url]["first_seen"] < "2026-11-21"
    record = tmp_path / "records" / "Hertfordshire" / PARTIAL.record_name()
    assert record.read_text() == PARTIAL.to_record()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
    # Migrated or made new, an archive has one schema (the migrations table aside, made first in a new one).
    Archive(tmp_path / "new.db").close()
    assert sorted(schema_sql(db)) == sorted(schema_sql(tmp_path / "new.db"))


def test_opening_an_up_to_date_archive_writes_nothing(db_path):
    Archive(db_path).close()
    applied = rows(db_path)["_migrations"]
    with Archive(db_path) as archive:
        assert archive.db.conn.total_changes == 0 and schema.pending(archive.db) == []
    assert rows(db_path)["_migrations"] == applied


def test_a_second_opener_finds_the_migrations_done(db_path, monkeypatch):
    """Two processes open a new archive at once: the one that looked first but writes second
    finds, once it holds the write lock, nothing left to do."""
    looked = []

    def pending_then_another_opens(db):
        todo = real_pending(db)
        if not looked:
            looked.append(todo)
            monkeypatch.setattr(schema, "pending", real_pending)
            Archive(db_path).close()  # the other process
        return todo

    real_pending = schema.pending
    monkeypatch.setattr(schema, "pending", pending_then_another_opens)
    with Archive(db_path) as archive:
        assert looked == [list(schema.MIGRATIONS)]
        assert [r["name"] for r in archive.db["_migrations"].rows] == [m.__name__ for m in schema.MIGRATIONS]


def declare_summary(monkeypatch) -> None:
    """The two-line change: a column declared since a new migration, and that migration."""
    articles = dataclasses.replace(schema.ARTICLES, columns=(
        *schema.ARTICLES.columns, schema.Column("summary", since="add_summary")))

    def add_summary(db):
        schema.add_columns(db, "add_summary")

    monkeypatch.setattr(schema, "TABLES", tuple(articles if t is schema.ARTICLES else t for t in schema.TABLES))
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, add_summary))


def test_adding_a_column_is_a_declaration_and_a_migration(tmp_path, monkeypatch):
    db = build_010_archive(tmp_path / "herts.db")
    with Archive(db) as archive:
        archive.store_many([Capture(Article(url=URL + "new", area="Hertfordshire", title="New", body="New.\n"))])
    before = rows(db)
    declare_summary(monkeypatch)
    with Archive(db) as archive:
        assert archive.db["articles"].columns[-1].name == "summary"
        after = rows(db)
        assert_kept(before, after)
        assert [row["summary"] for row in after["articles"]] == [None] * 3
        assert [r["name"] for r in after["_migrations"]] == [m.__name__ for m in schema.MIGRATIONS]
        assert archive.get_meta("schema_version") == str(len(schema.MIGRATIONS))
        archive.store_many([Capture(Article(url=URL + "newer", area="Hertfordshire", title="Newer", body="N.\n"))])
        assert archive.count() == 4
    Archive(tmp_path / "new.db").close()  # a new archive runs every migration: the same schema
    assert sorted(schema_sql(db)) == sorted(schema_sql(tmp_path / "new.db"))


def test_pending_migrations_run_all_or_nothing(tmp_path, monkeypatch):
    db = build_010_archive(tmp_path / "herts.db")
    before, schema_before = rows(db), schema_sql(db)
    declare_summary(monkeypatch)

    def broken(db):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    with pytest.raises(ArchiveError, match="disk I/O error"):
        Archive(db)
    assert rows(db) == before and schema_sql(db) == schema_before  # still 0.1.0's, no _migrations
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:-1])
    with Archive(db) as archive:
        assert [r["name"] for r in archive.db["_migrations"].rows] == [m.__name__ for m in schema.MIGRATIONS]


def test_the_declaration_says_what_the_content_hash_covers():
    changed = {"title": "Other", "description": "Other", "published": "2020-01-01", "body": "Other.\n",
               "area": "Other", "generation": "legacy", "cms_id": "9", "category": "Wanted", "images": [{"src": "x"}],
               "found_by": {"title": "h1"}, "missing": ["title"], "problems": ["x"]}
    hashed = {name for name in changed
              if dataclasses.replace(BURGLARY, **{name: changed[name]}).content_hash() != BURGLARY.content_hash()}
    assert hashed == set(schema.ARTICLES.names(hashed=True))
    assert set(changed) | {"url", "status"} == set(schema.ARTICLES.names(extracted=True))
