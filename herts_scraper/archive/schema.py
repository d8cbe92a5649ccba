"""The archive's shape, declared once, and the migrations that build it.

Each table is a `Table` of `Column`s. archive.py and export.py derive what they
list from these declarations: the columns a write fills, the JSON-encoded ones,
those a version keeps, those the exports hold, how a row becomes an Article.

The schema changes only through migrations: MIGRATIONS, in order, each a function
of the sqlite-utils Database, known by its name. `migrate` runs the pending ones
in one transaction and records each in `_migrations` (name, applied_at); opening an
archive for writing runs it, read-only opening never does (archive.Archive). Adding a
column later takes a declaration and a migration:

    Column("summary", since="add_summary"),                 # in its table below
    def add_summary(db): add_columns(db, "add_summary")     # and add_summary at the end of MIGRATIONS

An archive made by release 0.1.0 has no `_migrations` table; its schema is the one
`initial` creates, so `initial` is recorded as applied without running. meta's
schema_version is the number of the last migration, as 0.1.0 wrote it (1).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import sqlite_utils


@dataclass(frozen=True)
class Column:
    name: str
    type: type = str  # str, int, float, bytes: TEXT, INTEGER, REAL, BLOB (sqlite-utils' mapping)
    not_null: bool = False
    references: tuple[str, str] | None = None  # (table, column): a foreign key
    json: bool = False  # a list or dict, stored JSON-encoded
    extracted: bool = False  # the extracted Article's attribute of that name
    hashed: bool = False  # in the content hash (record.Article.content_hash): its change is a new version
    versioned: bool = False  # content each version keeps (a column of `versions` too)
    exported: bool = True  # in the jsonl and csv exports of articles
    count: bool = False  # one of a crawl run's counts
    since: str = "initial"  # the migration that adds it


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    pk: str
    indexes: tuple[Index, ...] = ()
    fts: tuple[str, ...] = ()  # the columns of its FTS5 index (porter stemming), kept by triggers

    def names(self, **flags) -> tuple[str, ...]:
        """Its column names in order; with flags (json=True, ...), of the columns that have them."""
        return tuple(c.name for c in self.columns if all(getattr(c, k) == v for k, v in flags.items()))


ARTICLES = Table("articles", pk="url", indexes=(Index(("published",)), Index(("last_seen",))),
                 fts=("title", "description", "body"), columns=(
    Column("url", extracted=True),
    Column("fetched_url"),
    Column("area", not_null=True, extracted=True),
    Column("title", extracted=True, hashed=True, versioned=True),
    Column("description", extracted=True, hashed=True, versioned=True),
    Column("published", extracted=True, hashed=True, versioned=True),
    Column("body", extracted=True, hashed=True, versioned=True),
    Column("status", extracted=True, versioned=True),
    Column("missing", json=True, extracted=True),
    Column("problems", json=True, extracted=True),
    Column("found_by", json=True, extracted=True),
    Column("images", json=True, extracted=True),
    Column("generation", extracted=True),
    Column("cms_id", extracted=True),
    Column("content_hash"),  # versions has it too, as what tells one version from another
    Column("raw_html", bytes, exported=False),  # zlib
    Column("http_status", int),
    Column("etag"),
    Column("last_modified"),
    Column("first_seen"),
    Column("last_seen"),
    Column("last_changed"),
    Column("versions", int),
    Column("removed_at"),
    Column("extractor_version"),
    Column("run_id", int),
))

VERSIONS = Table("versions", pk="id", indexes=(Index(("url", "version"), unique=True),), columns=(
    Column("id", int),
    Column("url", references=("articles", "url")),
    Column("version", int),
    Column("content_hash"),
    *(c for c in ARTICLES.columns if c.versioned),
    Column("first_seen"),
    Column("last_seen"),
    Column("run_id", int),
))

@dataclass
class RunCounts:
    """A run's counts, one vocabulary for the archive writer, the run's row and reparse:
    each field is a column of crawl_runs, in this order."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0  # a 304 to a conditional request
    removed: int = 0
    partial: int = 0
    rejected: int = 0  # pages extraction refused
    failed: int = 0  # pages that could not be fetched (recorded in failures, retried first next run)
    skipped: int = 0  # older than `since`, or refused on purpose (robots.txt, URL too long)
    requests: int = 0
    bytes: int = 0

    def add(self, outcomes: dict[str, int]) -> None:
        """Add {field: n} (what Archive.store_many returns)."""
        for name, n in outcomes.items():
            setattr(self, name, getattr(self, name) + n)

    @property
    def stored(self) -> int:
        """Articles the run found on the site, changed or not."""
        return self.new + self.changed + self.unchanged + self.not_modified


@dataclass
class ReparseCounts(RunCounts):
    """A run's counts, and what only a replay of WARC captures counts."""

    captures: int = 0  # response records read
    articles: int = 0  # article pages extracted
    inserted: int = 0  # captures the archive never saw, put inside an article's history
    seconds: float = 0.0


CRAWL_RUNS = Table("crawl_runs", pk="id", columns=(
    Column("id", int),
    Column("started"),
    Column("finished"),
    Column("status"),
    Column("spider"),
    Column("base_url"),
    Column("args"),
    *(Column(f.name, int, count=True) for f in fields(RunCounts)),
    Column("duration_s", float),
    Column("mode"),
    Column("health"),
    Column("message"),
))

FAILURES = Table("failures", pk="id", indexes=(Index(("url",)),), columns=(
    Column("id", int),
    Column("url"),
    Column("run_id", int),
    Column("kind"),
    Column("reason"),
    Column("http_status", int),
    Column("when"),
    Column("resolved_at"),
))

META = Table("meta", pk="key", columns=(Column("key"), Column("value")))

TABLES = (CRAWL_RUNS, ARTICLES, VERSIONS, FAILURES, META)  # in the order 0.1.0 created them
APPLIED = Table("_migrations", pk="name", columns=(Column("name"), Column("applied_at")))
RUN_COUNTS = CRAWL_RUNS.names(count=True)


def _create(db: sqlite_utils.Database, table: Table) -> None:
    """Create the table as `initial` declares it (columns added since come from their migrations)."""
    db.table(table.name).create(
        {c.name: c.type for c in table.columns if c.since == "initial"}, pk=table.pk,
        not_null={c.name for c in table.columns if c.not_null},
        foreign_keys=[(c.name, *c.references) for c in table.columns if c.references],
    )
    for index in table.indexes:
        db.table(table.name).create_index(list(index.columns), unique=index.unique)


def add_columns(db: sqlite_utils.Database, migration: str) -> None:
    """Add the columns declared `since` this migration, where they belong."""
    for table in TABLES:
        for column in table.columns:
            if column.since == migration:
                db.table(table.name).add_column(column.name, column.type)


# -- migrations, oldest first: never edit one an archive may have had, add another ----------------
def initial(db: sqlite_utils.Database) -> None:
    """The schema of release 0.1.0 (tests/data/schema-0.1.0.sql)."""
    for table in TABLES:
        _create(db, table)
    for table in TABLES:  # last, as 0.1.0 did
        if table.fts:
            db.table(table.name).enable_fts(list(table.fts), create_triggers=True, tokenize="porter")


MIGRATIONS = (initial,)


def pending(db: sqlite_utils.Database) -> list:
    """The migrations the archive has not had, oldest first. Reads only."""
    if APPLIED.name not in db.table_names():
        return list(MIGRATIONS)
    applied = {row[0] for row in db.execute(f"select name from [{APPLIED.name}]")}
    return [m for m in MIGRATIONS if m.__name__ not in applied]


def migrate(db: sqlite_utils.Database, now: str) -> None:
    """Run the pending migrations and record them as applied `now`, in one transaction: all or nothing.
    BEGIN IMMEDIATE takes the write lock before reading what is applied, so a second process
    opening the archive at the same moment waits, then finds nothing left to do."""
    if not pending(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if APPLIED.name not in db.table_names():
            made_by_010 = ARTICLES.name in db.table_names()
            _create(db, APPLIED)
            if made_by_010:
                _record(db, initial.__name__, now)
        for migration in pending(db):
            migration(db)
            _record(db, migration.__name__, now)
        db.table(META.name).upsert({"key": "schema_version", "value": str(len(MIGRATIONS))}, pk="key")
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def _record(db: sqlite_utils.Database, name: str, now: str) -> None:
    db.execute(f"insert into [{APPLIED.name}] (name, applied_at) values (?, ?)", [name, now])
