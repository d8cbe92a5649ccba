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

The declarations keep their history, so that `initial` still builds 0.1.0's schema: a
column moved out of its table names that migration (`until`), a foreign key added later
its migration (`references_since`), a table or index added later its own (`since`).
Migrations that rebuild a table (sqlite-utils' transform: a new table, the rows copied with
their rowids) go through `_rebuild`, which keeps the table's triggers (the FTS index's).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

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
    until: str | None = None  # the migration that takes it out of the table (moved elsewhere)
    references_since: str = "initial"  # the migration that adds its foreign key


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool = False
    since: str = "initial"  # the migration that creates it


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    pk: str
    indexes: tuple[Index, ...] = ()
    fts: tuple[str, ...] = ()  # the columns of its FTS5 index (porter stemming), kept by triggers
    since: str = "initial"  # the migration that creates it

    def names(self, **flags) -> tuple[str, ...]:
        """Its column names in order, as the table has them now (not those moved out); with flags
        (json=True, ...), of the columns that have them."""
        return tuple(c.name for c in self.columns
                     if c.until is None and all(getattr(c, k) == v for k, v in flags.items()))


RUN_ID = Column("run_id", int, references=("crawl_runs", "id"), references_since="link_runs")  # the run that wrote it


ARTICLES = Table("articles", pk="url", indexes=(Index(("published",)), Index(("last_seen",)),
                                                Index(("published_date",), since="add_published_date")),
                 fts=("title", "description", "body"), columns=(
    Column("url", extracted=True),
    Column("fetched_url"),
    Column("area", not_null=True, extracted=True),
    Column("title", extracted=True, hashed=True, versioned=True),
    Column("description", extracted=True, hashed=True, versioned=True),
    Column("published", extracted=True, hashed=True, versioned=True),
    Column("published_date", since="add_published_date"),  # the calendar date of `published` in London
    Column("body", extracted=True, hashed=True, versioned=True),
    Column("status", extracted=True, versioned=True),
    Column("missing", json=True, extracted=True),
    Column("problems", json=True, extracted=True),
    Column("found_by", json=True, extracted=True),
    Column("images", json=True, extracted=True),
    Column("generation", extracted=True),
    Column("cms_id", extracted=True),
    Column("category", extracted=True, since="add_category"),  # the date block's tag; not in the hash
    Column("content_hash"),  # versions has it too, as what tells one version from another
    Column("raw_html", bytes, exported=False, until="move_raw_html"),  # zlib; now in article_html
    Column("http_status", int),
    Column("etag"),
    Column("last_modified"),  # ISO 8601 UTC since iso_last_modified (an HTTP-date before)
    Column("first_seen"),
    Column("last_seen"),
    Column("last_changed"),
    Column("versions", int),
    Column("removed_at"),
    Column("extractor_version"),
    RUN_ID,
))

VERSIONS = Table("versions", pk="id", indexes=(Index(("url", "version"), unique=True),), columns=(
    Column("id", int),
    Column("url", references=("articles", "url")),
    Column("version", int),
    Column("content_hash"),
    *(c for c in ARTICLES.columns if c.versioned),
    Column("first_seen"),
    Column("last_seen"),
    RUN_ID,
    # extract.facts.FACTS_VERSION of the extractor that made its rows in `facts` (null: none yet;
    # `herts-scraper reparse --fields-only` fills them)
    Column("facts_version", since="add_facts"),
    # A version loaded by `herts-scraper import records` rather than captured: where it came from
    # (--source, default the folder) and when it was imported; null for captured versions.
    Column("imported_from", since="add_imports"),
    Column("imported_at", since="add_imports"),
))

# Police facts (docs/facts.md), one row per fact of a version: the tidy form SQL, Datasette and
# pandas group and count by. extract.facts.Fact's fields; `detail` JSON (a place's lat and lon, a
# person's age and gender, a reference's type).
FACTS = Table("facts", pk="id", since="add_facts",
              indexes=(Index(("version_id",), since="add_facts"), Index(("field", "value"), since="add_facts")),
              columns=(
    Column("id", int),
    Column("version_id", int, references=("versions", "id"), not_null=True),
    Column("field", not_null=True),
    Column("value", not_null=True),
    Column("detail", json=True),
    Column("how"),
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
    # {force: {new, changed, ..., blocked, status, health}}: a crawl of several forces, per force
    Column("forces", json=True, since="add_run_forces"),
))

FAILURES = Table("failures", pk="id", indexes=(Index(("url",)),), columns=(
    Column("id", int),
    Column("url"),
    RUN_ID,
    Column("kind"),
    Column("reason"),
    Column("http_status", int),
    Column("when"),
    Column("resolved_at"),
))

META = Table("meta", pk="key", columns=(Column("key"), Column("value")))

# Each article's latest raw HTML, as SQLite's sqlar archives keep files: zlib-compressed unless that
# saves nothing, `size` the length uncompressed, so that the sqlite3 shell's own
# sqlar_uncompress(raw_html, size) reads it (the project registers the same function: register_functions).
ARTICLE_HTML = Table("article_html", pk="url", since="move_raw_html", columns=(
    Column("url", references=("articles", "url")),
    Column("raw_html", bytes),
    Column("size", int),
))

# The raw HTML as text (the page's own bytes: a page not in UTF-8 needs a tolerant reader, as Datasette's is).
ARTICLE_PAGES = "article_pages"
ARTICLE_PAGES_SQL = (f"create view [{ARTICLE_PAGES}] as select url, "
                     f"cast(sqlar_uncompress(raw_html, size) as text) as html, size from [{ARTICLE_HTML.name}]")

# The facts of each article's latest version, with the article's url, title, date and area.
ARTICLE_FACTS = "article_facts"
ARTICLE_FACTS_SQL = (
    f"create view [{ARTICLE_FACTS}] as select a.url, a.title, a.published_date, a.area, "
    "f.field, f.value, f.detail, f.how "
    "from articles a join versions v on v.url = a.url and v.version = a.versions "
    f"join [{FACTS.name}] f on f.version_id = v.id")

# Each article's latest facts again, in the two forms that read fast at 100,000 articles (the view
# above joins three tables per row: 0.45 s to count kinds). Derived rows, never written by code:
# the triggers of LATEST_TRIGGERS keep them, whatever writes articles, versions or facts.
# article_facets: one row per article, its kinds, offences and places as JSON arrays (Datasette's
# array facets and filters, `herts-scraper stats`), with the columns filters need.
ARTICLE_FACETS = Table("article_facets", pk="article", since="add_article_facets",
                       indexes=(Index(("version_id",), since="add_article_facets"),
                                Index(("area", "published_date"), since="add_article_facets"),
                                Index(("published_date",), since="add_article_facets")),
                       columns=(
    Column("article", int),  # the article's rowid in articles (and articles_fts)
    Column("url"),
    Column("title"),
    Column("published_date"),
    Column("area"),
    Column("kinds", json=True),
    Column("offences", json=True),
    Column("places", json=True),
    Column("version_id", int),  # its latest version (versions.id): the one whose facts these are
))
# latest_facts: one row per fact of each article's latest version, with the article's rowid: a filter
# (kind, offence, place, reference) is one index range, intersected with a full-text search's rowids.
LATEST_FACTS = Table("latest_facts", pk="id", since="add_article_facets",
                     # Each read from an index alone, and so chosen by SQLite's planner without statistics
                     # (an archive never ANALYZEd: a join through a non-covering index was 1,000 times slower).
                     indexes=(Index(("field", "value", "article"), unique=True, since="add_article_facets"),
                              Index(("article", "field", "value"), since="add_article_facets"),
                              # places by name and coordinates (the map, stats by place)
                              Index(("field", "value", "latitude", "longitude", "article"),
                                    since="add_article_facets")),
                     columns=(
    Column("id", int),
    Column("article", int),  # articles.rowid
    Column("field", not_null=True),
    Column("value", not_null=True),
    Column("latitude", float),  # a place's, from the fact's detail
    Column("longitude", float),
))
FACET_FIELDS = ("kinds", "offences", "places")  # the fields article_facets holds as arrays

TABLES = (CRAWL_RUNS, ARTICLES, VERSIONS, FAILURES, META, ARTICLE_HTML, FACTS,
          ARTICLE_FACETS, LATEST_FACTS)  # in the order they were created
APPLIED = Table("_migrations", pk="name", columns=(Column("name"), Column("applied_at")))
RUN_COUNTS = CRAWL_RUNS.names(count=True)


def _facet_arrays(version_id: str) -> str:
    """SQL setting article_facets' arrays to the facts of the version `version_id` (an expression,
    qualified: inside the subqueries a bare version_id is the facts table's)."""
    return ", ".join(
        f"[{field}] = (select json_group_array(value) from (select value from [{FACTS.name}] "
        f"where version_id = {version_id} and field = '{field}' order by id))" for field in FACET_FIELDS)


def _refresh_latest(article: str, version_id: str) -> str:
    """Statements giving an article (its rowid, an expression) the facts of its latest version
    (`version_id`, an expression evaluated once, into article_facets.version_id)."""
    this = f"(select version_id from [{ARTICLE_FACETS.name}] where article = {article})"
    return (f"update [{ARTICLE_FACETS.name}] set version_id = {version_id} where article = {article};\n"
            f"update [{ARTICLE_FACETS.name}] set {_facet_arrays(f'[{ARTICLE_FACETS.name}].version_id')} "
            f"where article = {article};\n"
            f"delete from [{LATEST_FACTS.name}] where article = {article};\n"
            f"insert or ignore into [{LATEST_FACTS.name}] (article, field, value, latitude, longitude) "
            f"select {article}, field, value, json_extract(detail, '$.lat'), json_extract(detail, '$.lon') "
            f"from [{FACTS.name}] where version_id = {this} order by id;")


_LATEST_OF_ARTICLE = "(select id from versions where url = new.url and version = new.versions)"
_ARTICLE_ROW = (f"insert or replace into [{ARTICLE_FACETS.name}] (article, url, title, published_date, area) "
                "values (new.rowid, new.url, new.title, new.published_date, new.area);")
_OF_LATEST = f"(select 1 from [{ARTICLE_FACETS.name}] where version_id = {{}}.version_id)"
_ARTICLE_OF = f"(select article from [{ARTICLE_FACETS.name}] where version_id = {{}}.version_id)"

# The triggers that keep article_facets and latest_facts (name: SQL). The store writes an article's
# row, then its new version, then the version's facts; replay renumbers versions and sets the
# article's count last; `reparse --fields-only` deletes and writes a version's facts: each step
# leaves both tables right for the article's latest version (the one numbered articles.versions).
LATEST_TRIGGERS = {
    "latest_on_article_insert": f"after insert on articles begin\n{_ARTICLE_ROW}\n"
                                f"{_refresh_latest('new.rowid', _LATEST_OF_ARTICLE)}\nend",
    "latest_on_article_update": f"after update of url, title, published_date, area, versions on articles begin\n"
                                f"{_ARTICLE_ROW}\n{_refresh_latest('new.rowid', _LATEST_OF_ARTICLE)}\nend",
    "latest_on_version_insert": "after insert on versions "
                                "when new.version = (select versions from articles where url = new.url) begin\n"
                                + _refresh_latest("(select rowid from articles where url = new.url)", "new.id")
                                + "\nend",
    # One fact more: its row, and its value at the end of its array (values are listed once each).
    "latest_on_fact_insert": (
        f"after insert on [{FACTS.name}] when exists {_OF_LATEST.format('new')} begin\n"
        f"insert or ignore into [{LATEST_FACTS.name}] (article, field, value, latitude, longitude) "
        f"values ({_ARTICLE_OF.format('new')}, new.field, new.value, "
        "json_extract(new.detail, '$.lat'), json_extract(new.detail, '$.lon'));\n"
        f"update [{ARTICLE_FACETS.name}] set "
        + ", ".join(f"[{f}] = case when new.field = '{f}' and new.value not in (select value from json_each([{f}])) "
                    f"then json_insert([{f}], '$[#]', new.value) else [{f}] end" for f in FACET_FIELDS)
        + f" where version_id = new.version_id and new.field in ({', '.join(repr(f) for f in FACET_FIELDS)});\nend"),
    "latest_on_fact_delete": (
        f"after delete on [{FACTS.name}] when exists {_OF_LATEST.format('old')} begin\n"
        f"delete from [{LATEST_FACTS.name}] where article = {_ARTICLE_OF.format('old')} "
        "and field = old.field and value = old.value and not exists (select 1 from "
        f"[{FACTS.name}] where version_id = old.version_id and field = old.field and value = old.value);\n"
        f"update [{ARTICLE_FACETS.name}] set {_facet_arrays('old.version_id')} "
        "where version_id = old.version_id;\nend"),
    "latest_on_fact_update": (
        f"after update on [{FACTS.name}] begin\n"
        + _refresh_latest(_ARTICLE_OF.format("old"), "old.version_id") + "\n"
        + _refresh_latest(_ARTICLE_OF.format("new"), "new.version_id") + "\nend"),
}

# The triggers that follow single facts: a bulk rewrite of facts (`reparse --fields-only`) pauses them
# and refreshes its articles once (refresh_latest), as they cost more than the facts' own writes.
FACT_TRIGGERS = ("latest_on_fact_insert", "latest_on_fact_delete", "latest_on_fact_update")


@contextmanager
def fact_triggers_paused(db: sqlite_utils.Database) -> Iterator[None]:
    """Within the caller's transaction, the fact triggers dropped, then made again: the caller
    rewrites facts and calls refresh_latest for the articles it touched. Rolled back together."""
    for name in FACT_TRIGGERS:
        db.execute(f"drop trigger if exists [{name}]")
    yield
    for name in FACT_TRIGGERS:
        db.execute(f"create trigger [{name}] {LATEST_TRIGGERS[name]}")


def refresh_latest(db: sqlite_utils.Database, articles: Iterable[int]) -> None:
    """article_facets and latest_facts of these articles (articles.rowid) made again from the facts of
    their latest versions: what the triggers do, for articles whose facts were written without them."""
    latest = ("(select v.id from versions v join articles a on v.url = a.url and v.version = a.versions "
              "where a.rowid = :article)")
    statements = [sql for sql in _refresh_latest(":article", latest).split(";\n") if sql.strip()]
    for article in articles:
        for sql in statements:
            db.execute(sql.rstrip(";"), {"article": article})


# Places on a map (datasette-cluster-map reads latitude and longitude): one row per place and
# coordinates, with its articles and appeals.
PLACE_MAP = "place_map"
PLACE_MAP_SQL = (
    f"create view [{PLACE_MAP}] as select value as place, latitude, longitude, count(*) as articles, "
    f"sum(article in (select article from [{LATEST_FACTS.name}] where field = 'kinds' and value = 'appeal')) "
    "as appeals "
    f"from [{LATEST_FACTS.name}] where field = 'places' and latitude is not null and longitude is not null "
    "group by value, latitude, longitude")


# -- values the archive derives or normalises, and the SQL functions every connection has ----------
LONDON = ZoneInfo("Europe/London")


def london_instant(text: str | None) -> dt.datetime | None:
    """An ISO 8601 date or time as an aware datetime: without an offset it is London's (a date
    alone, its day's start there); None when it is not ISO 8601."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=LONDON)


def london_date(published: str | None) -> str | None:
    """The calendar date (YYYY-MM-DD) in Europe/London of an ISO 8601 `published`: a time at another
    offset may fall on another day there; a date alone is its own date."""
    when = london_instant(published)
    return when.astimezone(LONDON).date().isoformat() if when else None


def iso_from_http_date(value: str | None) -> str | None:
    """An HTTP-date (Last-Modified) as ISO 8601 UTC; what does not parse is kept as the server sent it."""
    # The project's one HTTP-date parser; imported here, as the extraction package is heavy for read-only commands.
    from herts_scraper.extract.dates import parse_http_date

    when = parse_http_date(value) if value else None
    return when.astimezone(dt.timezone.utc).isoformat() if when else value


def http_date(value: str | None) -> str | None:
    """An archived last_modified (ISO 8601) as an HTTP-date, for If-Modified-Since."""
    if not value:
        return value
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value  # stored as the server sent it
    when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return email.utils.format_datetime(when.astimezone(dt.timezone.utc), usegmt=True)


def pack_html(raw: bytes) -> tuple[bytes, int]:
    """(raw_html, size) of article_html, as sqlar stores a file: compressed unless that saves nothing."""
    packed = zlib.compress(raw, 1)
    return (packed if len(packed) < len(raw) else raw), len(raw)


def sqlar_uncompress(data: bytes | None, size: int | None) -> bytes | None:
    """The sqlite3 shell's sqlar_uncompress: data as is when it is `size` long, else inflated."""
    if data is None or size is None or size <= 0 or len(data) == size:
        return data
    return zlib.decompress(data)


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the archive's views need, on a connection (every one the project opens,
    and Datasette's through the plugin in herts_scraper.serve)."""
    conn.create_function("sqlar_uncompress", 2, sqlar_uncompress, deterministic=True)


def _create(db: sqlite_utils.Database, table: Table, migration: str = "initial") -> None:
    """Create the table as `migration` declares it (columns and foreign keys added later come from
    their own migrations)."""
    with_table = ("initial", migration)  # "initial": the default, with the table whenever it is made
    db.table(table.name).create(
        {c.name: c.type for c in table.columns if c.since in with_table}, pk=table.pk,
        not_null={c.name for c in table.columns if c.not_null},
        foreign_keys=[(c.name, *c.references) for c in table.columns
                      if c.references and c.references_since in with_table],
    )
    for index in table.indexes:
        if index.since in with_table:
            db.table(table.name).create_index(list(index.columns), unique=index.unique)


def add_indexes(db: sqlite_utils.Database, migration: str) -> None:
    """Create the indexes declared `since` this migration on tables made before it."""
    for table in TABLES:
        for index in table.indexes:
            if index.since == migration and table.since != migration:
                db.table(table.name).create_index(list(index.columns), unique=index.unique)


def add_columns(db: sqlite_utils.Database, migration: str) -> None:
    """Add the columns declared `since` this migration, where they belong."""
    for table in TABLES:
        for column in table.columns:
            if column.since == migration:
                db.table(table.name).add_column(column.name, column.type)


# -- migrations, oldest first: never edit one an archive may have had, add another ----------------
def _rebuild(db: sqlite_utils.Database, table: Table, **transform) -> None:
    """sqlite-utils' transform of the table (a new table, the rows copied with their rowids, so the
    FTS index still matches), putting back the triggers that dropping the old table drops."""
    triggers = [sql for (sql,) in db.execute(
        "select sql from sqlite_master where type = 'trigger' and tbl_name = ? order by rowid", [table.name])]
    db.table(table.name).transform(**transform)
    for sql in triggers:
        db.execute(sql)


def initial(db: sqlite_utils.Database) -> None:
    """The schema of release 0.1.0 (tests/data/schema-0.1.0.sql)."""
    for table in TABLES:
        if table.since == "initial":
            _create(db, table)
    for table in TABLES:  # last, as 0.1.0 did
        if table.fts:
            db.table(table.name).enable_fts(list(table.fts), create_triggers=True, tokenize="porter")


def add_published_date(db: sqlite_utils.Database) -> None:
    """articles.published_date, filled from `published` (london_date), indexed: a date to group by."""
    add_columns(db, "add_published_date")
    db.register_function(london_date, deterministic=True, replace=True)
    db.execute("update articles set published_date = london_date(published) where published is not null")
    add_indexes(db, "add_published_date")


def iso_last_modified(db: sqlite_utils.Database) -> None:
    """articles.last_modified: HTTP-dates become ISO 8601 UTC (archive.Archive.known gives the
    spider the HTTP-date back)."""
    db.register_function(iso_from_http_date, deterministic=True, replace=True)
    db.execute("update articles set last_modified = iso_from_http_date(last_modified) "
                "where last_modified is not null")


def move_raw_html(db: sqlite_utils.Database) -> None:
    """The raw HTML leaves `articles` for its own table, article_html (with its size: sqlar's form)."""
    _create(db, ARTICLE_HTML, "move_raw_html")
    insert = f"insert into [{ARTICLE_HTML.name}] (url, raw_html, size) values (?, ?, ?)"
    for url, blob in db.execute("select url, raw_html from articles where raw_html is not null order by rowid"):
        raw = zlib.decompress(blob)
        db.execute(insert, [url, blob if len(blob) != len(raw) else raw, len(raw)])
    _rebuild(db, ARTICLES, drop={"raw_html"})


def link_runs(db: sqlite_utils.Database) -> None:
    """run_id columns become foreign keys to crawl_runs (Datasette shows them as links). A run id
    no crawl_runs row holds (a run row is written before its articles, so none should) gets a
    placeholder row, status "unrecorded": every link holds and nothing is dropped."""
    linked = [(table, [(c.name, *c.references) for c in table.columns
                       if c.references and c.references_since == "link_runs"]) for table in TABLES]
    linked = [(table, keys) for table, keys in linked if keys]
    run_ids = " union ".join(f"select run_id from [{table.name}]" for table, _ in linked)
    db.execute(f"insert into crawl_runs (id, status) select distinct run_id, 'unrecorded' from ({run_ids}) "
               "where run_id is not null and run_id not in (select id from crawl_runs)")
    for table, keys in linked:
        _rebuild(db, table, add_foreign_keys=keys)


def add_article_pages(db: sqlite_utils.Database) -> None:
    """The view article_pages: each article's url and raw HTML, decompressed."""
    db.execute(ARTICLE_PAGES_SQL)


def add_category(db: sqlite_utils.Database) -> None:
    """articles.category: the tag some forces show in an article's date block (null before)."""
    add_columns(db, "add_category")


def add_run_forces(db: sqlite_utils.Database) -> None:
    """crawl_runs.forces: a run's figures per force (one crawl may archive several forces)."""
    add_columns(db, "add_run_forces")


def add_facts(db: sqlite_utils.Database) -> None:
    """The facts table, versions.facts_version and the article_facts view. The rows come from
    `herts-scraper reparse --fields-only` (the extractor, not SQL, finds facts) and from every
    version stored after this."""
    add_columns(db, "add_facts")
    _create(db, FACTS, "add_facts")
    db.execute(ARTICLE_FACTS_SQL)


def add_imports(db: sqlite_utils.Database) -> None:
    """versions.imported_from and imported_at: versions loaded from records (archive/imports.py), not
    captured (null before: every version was captured)."""
    add_columns(db, "add_imports")


def add_article_facets(db: sqlite_utils.Database) -> None:
    """article_facets and latest_facts (each article's latest facts, for analysis), filled from the
    facts there are, the triggers that keep them, and the view place_map."""
    _create(db, ARTICLE_FACETS, "add_article_facets")
    _create(db, LATEST_FACTS, "add_article_facets")
    db.execute(f"insert into [{ARTICLE_FACETS.name}] (article, url, title, published_date, area, version_id) "
               "select a.rowid, a.url, a.title, a.published_date, a.area, v.id from articles a "
               "left join versions v on v.url = a.url and v.version = a.versions")
    db.execute(f"update [{ARTICLE_FACETS.name}] set {_facet_arrays(f'[{ARTICLE_FACETS.name}].version_id')}")
    db.execute(f"insert or ignore into [{LATEST_FACTS.name}] (article, field, value, latitude, longitude) "
               "select af.article, f.field, f.value, json_extract(f.detail, '$.lat'), json_extract(f.detail, '$.lon') "
               f"from [{ARTICLE_FACETS.name}] af join [{FACTS.name}] f on f.version_id = af.version_id "
               "order by f.id")
    for name, sql in LATEST_TRIGGERS.items():
        db.execute(f"create trigger [{name}] {sql}")
    db.execute(PLACE_MAP_SQL)


MIGRATIONS = (initial, add_published_date, iso_last_modified, move_raw_html, link_runs, add_article_pages,
              add_category, add_run_forces, add_facts, add_imports, add_article_facets)


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
    # Foreign keys off while tables are rebuilt (SQLite's own procedure: dropping a table others
    # reference would otherwise fail); they are checked before committing instead.
    foreign_keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys=OFF")
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
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise sqlite3.IntegrityError(f"migrated rows whose foreign keys point nowhere: {broken[:3]}")
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    finally:
        db.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")


def _record(db: sqlite_utils.Database, name: str, now: str) -> None:
    db.execute(f"insert into [{APPLIED.name}] (name, applied_at) values (?, ?)", [name, now])
