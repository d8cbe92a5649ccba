"""Police facts in the archive: the archive writer stores them with every new version, extracted with
the page's own force profile; `herts-scraper reparse --fields-only [--all]` makes them again, and
refills the columns outside the content hash from the stored HTML, without network or WARC files,
in resumable batches, under the archive's lock. Real archives built by the real writer from replica
pages of two forces; the command run as users run it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from herts_scraper import EXTRACTOR_VERSION
from herts_scraper.archive import facts as archive_facts, schema
from herts_scraper.archive.fields import ALL_UNDER_WAY, FIELDS_AFTER, REFILLED, fill_fields
from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.store import Archive
from herts_scraper.archive.writer import ArchiveWriter, WriterConfig
from herts_scraper.crawl.items import FetchedPage
from herts_scraper.extract.facts import FACTS_VERSION, extract_facts
from herts_scraper.profiles import load_profile
from herts_scraper.record import Article
from herts_scraper.replica.site import ReplicaSite
from tests.test_migrations import build_010_archive

SITES = {"hertfordshire": "http://127.0.0.1:9", "kent": "http://127.0.0.1:10"}
PER_FORCE = 12
EDITED = 3  # each force's article 3 is edited once: two versions


def cli(*args):
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True,
                          encoding="utf-8")


def site_pages(force: str, edited: bool) -> list[FetchedPage]:
    site = ReplicaSite(PER_FORCE, profile=force, edits={EDITED: 1} if edited else None)
    base = SITES[force]
    indexes = [EDITED] if edited else range(PER_FORCE)
    out = []
    for i in indexes:
        path = site.stub(i).path("soh")
        response = site.respond("GET", path, base=base)
        assert response.status == 200
        when = f"2026-11-2{1 + edited}T00:00:00.000000+00:00"
        out.append(FetchedPage(base + path, response.body, 200, "text/html; charset=utf-8", fetched_at=when,
                               force=force))
    return out


def write(db: Path, pages: list[FetchedPage]) -> None:
    forces = {name: (name, base) for name, base in SITES.items()}
    writer = ArchiveWriter(WriterConfig(str(db), run_id=None, profile="hertfordshire", forces=forces, batch_size=5))
    for page in pages:
        writer.handle(page)
    writer.finish()


@pytest.fixture
def two_forces(tmp_path) -> Path:
    """An archive of 12 Hertfordshire and 12 Kent articles, one of each edited once, by the crawl's writer."""
    db = tmp_path / "archive" / "herts.db"
    write(db, [page for force in SITES for page in site_pages(force, edited=False)])
    write(db, [page for force in SITES for page in site_pages(force, edited=True)])
    return db


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def stored_facts(db: Path) -> dict[int, list[tuple]]:
    """Each version's facts rows, by version id."""
    out: dict[int, list[tuple]] = {v: [] for (v,) in query(db, "select id from versions")}
    for version_id, *fact in query(db, "select version_id, field, value, detail, how from facts order by id"):
        out[version_id].append(tuple(fact))
    return out


def expected_facts(db: Path) -> dict[int, list[tuple]]:
    """Each version's facts as the extractor gives them, with the profile of its article's force."""
    by_area = {load_profile(name).area: load_profile(name) for name in SITES}
    out = {}
    for version_id, url, area, title, description, published, body in query(
            db, "select v.id, v.url, a.area, v.title, v.description, v.published, v.body "
                "from versions v join articles a on a.url = v.url"):
        article = Article(url=url, area=area, title=title, description=description, published=published, body=body)
        out[version_id] = [(f.field, f.value, json.dumps(f.detail, ensure_ascii=False) if f.detail else None, f.how)
                           for f in extract_facts(article, by_area[area])]
    return out


def refilled_columns(db: Path) -> dict[str, tuple]:
    columns = ", ".join(f"[{c}]" for c in (*REFILLED, "extractor_version"))
    return {url: tuple(rest) for url, *rest in query(db, f"select url, {columns} from articles")}


def test_the_writer_stores_each_new_version_with_its_facts(two_forces):
    db = two_forces
    assert query(db, "select area, count(*) from articles group by area") == [("Hertfordshire", 12), ("Kent", 12)]
    assert query(db, "select count(*) from versions") == [(26,)]
    assert query(db, "select distinct facts_version from versions") == [(FACTS_VERSION,)]
    assert stored_facts(db) == expected_facts(db)


def test_a_fact_extraction_error_loses_no_page_and_fields_only_retries_it(tmp_path, monkeypatch, caplog):
    """The extractor failing on a page (injected: the extractor has no such page yet) stores the
    version without facts; `reparse --fields-only` fills them once it does not fail."""
    db = tmp_path / "herts.db"
    pages = site_pages("kent", edited=False)

    calls = []

    def failing(article, profile):
        calls.append(article.url)
        if article.url.endswith(pages[2].url.removeprefix(SITES["kent"])):
            raise ValueError("the extractor met something new")
        return extract_facts(article, profile)

    monkeypatch.setattr(archive_facts, "extract_facts", failing)
    write(db, pages)
    assert query(db, "select count(*) from articles") == [(PER_FORCE,)]
    assert query(db, "select count(*) from versions where facts_version is null") == [(1,)]
    assert len(calls) == PER_FORCE
    write(db, pages + site_pages("kent", edited=True))  # seen again: only the new version's facts are made
    assert len(calls) == PER_FORCE + 1 and query(db, "select count(*) from versions") == [(PER_FORCE + 1,)]
    assert [r.message for r in caplog.records if "fact extraction failed" in r.message] == [
        f"fact extraction failed on {load_profile('kent').on_origin(pages[2].url, SITES['kent'])}; "
        "stored without facts"]
    monkeypatch.undo()

    result = cli("reparse", "--fields-only", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "facts of 1 versions made again" in result.stdout
    assert query(db, "select distinct facts_version from versions") == [(FACTS_VERSION,)]


def damage(db: Path) -> str:
    """What an older extractor left: facts of another FACTS_VERSION (or none), columns outside the
    content hash empty or different; and one article whose stored page now gives another body
    (its URL)."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("update versions set facts_version = '0' where id % 2 = 0")
        conn.execute("update versions set facts_version = null where id % 3 = 0")
        conn.execute("insert into facts (version_id, field, value, how) select id, 'kinds', 'other', 'an old rule' "
                     "from versions where facts_version = '0'")
        conn.execute("update articles set category = null, cms_id = null, images = '[]', generation = null, "
                     "found_by = json_remove(found_by, '$.title'), extractor_version = '1'")
        url, blob, size, title = conn.execute("select h.url, raw_html, size, title from article_html h "
                                              "join articles a on a.url = h.url order by h.url limit 1").fetchone()
        html = schema.sqlar_uncompress(blob, size)
        assert html is not None and title.encode() in html
        conn.execute("update article_html set raw_html = ?, size = ? where url = ?",
                     [*schema.pack_html(html.replace(title.encode(), b"A headline no version has")), url])
    return url


def test_fields_only_makes_the_facts_and_refills_the_columns_without_a_new_version(two_forces):
    db = two_forces
    complete = refilled_columns(db)
    versions_before = query(db, "select id, url, version, content_hash, title, body, first_seen, last_seen "
                                "from versions order by id")
    changed = damage(db)
    articles_before = {r[0]: r for r in query(db, "select * from articles")}
    stale = query(db, "select count(*) from versions where facts_version is null or facts_version != ?",
                  [FACTS_VERSION])[0][0]

    result = cli("reparse", "--fields-only", "--db", str(db))
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.count("\n") == 0 and line.startswith("reparse --fields-only: ")
    assert f"facts of {stale} versions made again" in line and "24 articles extracted again" in line
    assert "23 refilled" in line and line.endswith("would change: 1, run a full reparse (herts-scraper reparse, "
                                                   "from the WARC files) for their new versions")
    assert query(db, "select distinct facts_version from versions") == [(FACTS_VERSION,)]
    assert stored_facts(db) == expected_facts(db)  # the old rows replaced
    now = refilled_columns(db)
    assert now[changed] == refilled_columns_of(articles_before[changed], db)  # left as it was
    assert {u: v for u, v in now.items() if u != changed} == {u: v for u, v in complete.items() if u != changed}
    assert all(v[-1] == EXTRACTOR_VERSION for u, v in now.items() if u != changed)
    assert query(db, "select id, url, version, content_hash, title, body, first_seen, last_seen "
                     "from versions order by id") == versions_before  # no version made or changed

    again = cli("reparse", "--fields-only", "--db", str(db))
    assert "facts of 0 versions made again" in again.stdout and "0 refilled" in again.stdout
    every = cli("reparse", "--fields-only", "--all", "--db", str(db))
    assert every.returncode == 0 and "facts of 26 versions made again" in every.stdout
    assert stored_facts(db) == expected_facts(db)
    assert query(db, "select count(*) from meta where key in (?, ?)", [ALL_UNDER_WAY, FIELDS_AFTER]) == [(0,)]


def refilled_columns_of(row: tuple, db: Path) -> tuple:
    names = [d[1] for d in query(db, "pragma table_info(articles)")]
    return tuple(row[names.index(c)] for c in (*REFILLED, "extractor_version"))


class Killed(BaseException):
    """The run dies here (as a SIGKILL would end it: nothing after runs)."""


def killed_at(stage: str, batch: int):
    """A progress callback that kills the run after its `batch`-th batch of that pass (facts or fields)."""
    done = []

    def progress(counts):
        if (counts.articles > 0) == (stage == "fields"):
            done.append(counts)
            if len(done) == batch:
                raise Killed

    return progress


def test_a_killed_run_leaves_its_finished_batches_done_and_the_next_goes_on(two_forces):
    db = two_forces
    changed = damage(db)
    (changed_rowid,) = query(db, "select rowid from articles where url = ?", [changed])[0]

    # Killed in the --all facts pass after two batches of 5: those 10 versions are done, and it says so.
    with pytest.raises(Killed):
        fill_fields(db, every_version=True, batch=5, progress=killed_at("facts", 2))
    assert query(db, "select count(*) from versions where facts_version = ?", [FACTS_VERSION]) == [(10,)]
    assert query(db, "select count(*) from meta where key = ?", [ALL_UNDER_WAY]) == [(1,)]

    # The next run (--all or not) takes up the other 16, none marked again; killed in the fields pass.
    with pytest.raises(Killed):
        fill_fields(db, batch=5, progress=killed_at("fields", 2))
    assert query(db, "select count(*) from versions where facts_version is not ?", [FACTS_VERSION]) == [(0,)]
    assert stored_facts(db) == expected_facts(db)
    assert query(db, "select value from meta where key = ?", [FIELDS_AFTER]) == [("10",)]
    assert query(db, "select count(*) from articles where rowid <= 10 and extractor_version = ?",
                 [EXTRACTOR_VERSION]) == [(10 - (changed_rowid <= 10),)]
    assert query(db, "select count(*) from articles where rowid > 10 and extractor_version = ?",
                 [EXTRACTOR_VERSION]) == [(0,)]

    counts = fill_fields(db, batch=5)
    assert counts.resumed and counts.versions == 0 and counts.articles == 14
    assert query(db, "select url from articles where extractor_version != ?", [EXTRACTOR_VERSION]) == [(changed,)]
    assert query(db, "select count(*) from meta where key in (?, ?)", [ALL_UNDER_WAY, FIELDS_AFTER]) == [(0,)]


def test_fields_only_refuses_while_a_crawl_writes(two_forces):
    lock = lock_archive(two_forces)  # this process is the crawl
    try:
        result = cli("reparse", "--fields-only", "--db", str(two_forces))
    finally:
        lock.release()
    assert result.returncode == 75 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "a crawl holds the archive" in result.stderr


@pytest.mark.parametrize("args, message", [
    (("--all",), "--all goes with --fields-only"),
    (("--fields-only", "--warc", "."), "leave out --warc"),
])
def test_fields_only_usage_errors(two_forces, args, message):
    result = cli("reparse", *args, "--db", str(two_forces))
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_fields_only_needs_an_archive(tmp_path):
    result = cli("reparse", "--fields-only", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2 and "no archive at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_an_archive_made_before_the_facts_is_upgraded_and_filled(tmp_path):
    db = build_010_archive(tmp_path / "herts.db")
    result = cli("reparse", "--fields-only", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "facts of 3 versions made again" in result.stdout
    with Archive(db, readonly=True) as archive:
        assert not schema.pending(archive.db)
        assert [v for (v,) in archive.db.execute("select facts_version from versions")] == [FACTS_VERSION] * 3
