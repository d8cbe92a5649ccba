"""`herts-scraper import records DIR`: records as the earliest known versions of their articles.

Real archives (SQLite files), real exports, the real CLI in a subprocess. The records written here
are made-up sentences; the real ones are read from ../shared/corpus at run time (slow test)."""

from __future__ import annotations

import fcntl
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from herts_scraper.archive.export import export
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import FACTS_VERSION
from herts_scraper.forces import profile_for_area
from herts_scraper.record import Article, parse_record, record_name
from herts_scraper.record_forms import is_soh_form
from herts_scraper.replica.generator import generate_article
from tests.conftest import shared_path

KENT = "https://www.kent.police.uk/news/kent/news2/appeals/2105/"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True, cwd=cwd)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def reference_record(slug: str, title: str, body: str, date: str | None = "4 Mar 2021", area: str = "Kent") -> str:
    date_lines = f"publish:\n  date: {date}\n" if date else ""
    return (f"```yaml\narea: {area}\nog:\n  description: Lead of {title}.\n{date_lines}title: {title}\n"
            f"url: {KENT}{slug}/\n```\n\n{body}\n")


def article(slug: str, body: str, title: str = "A made-up appeal", published: str = "2024-05-06T10:15:00+01:00"):
    return Article(url=f"{KENT}{slug}/", area="Kent", title=title, description="A lead.", published=published,
                   body=body)


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def table_rows(db: Path) -> dict[str, list[tuple]]:
    tables = [t for (t,) in rows(db, "select name from sqlite_master where type = 'table'")
              if not t.startswith("articles_fts")]
    return {t: rows(db, f"select * from [{t}] order by rowid") for t in tables}


# -- our own exports ------------------------------------------------------------------------------
def small_archive(db: Path) -> None:
    """A few replica articles of three forces and both Hertfordshire generations, one edited, as a
    crawl would have stored them."""
    captures = []
    for profile, generation in (("hertfordshire", "soh"), ("hertfordshire", "legacy"), ("kent", "soh"),
                                ("merseyside", "soh")):
        for index in range(4):
            expected = generate_article(index, profile=profile).expected_article(generation)
            captures.append(Capture(expected, b"<html></html>", fetched_at=f"2025-01-0{index + 1}T12:00:00+00:00"))
    edited = generate_article(1, profile="kent", revision=1).expected_article("soh")
    with Archive(db) as archive:
        archive.store_many(captures)
        archive.store_many([Capture(edited, fetched_at="2025-02-01T12:00:00+00:00")])


def test_our_export_imported_into_a_fresh_archive_exports_byte_identical(tmp_path):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    small_archive(first)
    with Archive(first, readonly=True) as archive:
        assert export(archive, tmp_path / "export")["articles"] == 16
    result = cli("import", "records", str(tmp_path / "export"), "--db", str(second), "--source", "our-export")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "16 records" in result.stdout and "16 imported (16 new articles), 0 duplicates, 0 already captured, " \
        "0 bad" in result.stdout
    with Archive(second, readonly=True) as archive:
        export(archive, tmp_path / "again")
    before = {p.relative_to(tmp_path / "export"): p.read_bytes() for p in (tmp_path / "export").rglob("*.md")}
    after = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*.md")}
    assert before == after and len(after) == 16
    versions = rows(second, "select imported_from, imported_at, facts_version, first_seen, published from versions")
    assert {(v[0], v[2]) for v in versions} == {("our-export", FACTS_VERSION)}
    # first seen: the publication day (the record's date: midnight in London), never the import time
    assert all(v[3] < v[1] and v[3][:10] in (v[4][:10], _day_before(v[4])) for v in versions)


def _day_before(day: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(day[:10]) - dt.timedelta(days=1)).isoformat()


def test_an_export_imported_back_into_its_own_archive_changes_nothing(tmp_path):
    db = tmp_path / "herts.db"
    small_archive(db)
    with Archive(db, readonly=True) as archive:
        export(archive, tmp_path / "export")
    before = table_rows(db)
    result = cli("import", "records", str(tmp_path / "export"), "--db", str(db))
    assert result.returncode == 0, result.stderr
    # the edited article's export is its latest version: "already captured"; the others its only one
    assert "0 imported (0 new articles), 15 duplicates, 1 already captured, 0 bad" in result.stdout
    assert table_rows(db) == before


def test_importing_twice_changes_nothing(tmp_path):
    folder, db = tmp_path / "records", tmp_path / "a.db"
    for n in range(3):
        write(folder, f"r{n}.md", reference_record(f"case-{n}", f"Appeal number {n}", f"Body of appeal {n}."))
    assert cli("import", "records", str(folder), "--db", str(db)).returncode == 0
    before = table_rows(db)
    result = cli("import", "records", str(folder), "--db", str(db))
    assert result.returncode == 0 and "0 imported (0 new articles), 3 duplicates" in result.stdout
    assert table_rows(db) == before


# -- before the captured versions --------------------------------------------------------------------
def test_an_imported_version_goes_before_the_captured_ones(tmp_path):
    db, folder = tmp_path / "a.db", tmp_path / "records"
    with Archive(db) as archive:
        archive.store_many([Capture(article("bridge", "First captured text."), fetched_at="2025-03-01T09:00:00+00:00")])
        archive.store_many([Capture(article("bridge", "Second captured text."), fetched_at="2025-04-01T09:00:00+00:00")])
        ids = dict(rows(db, "select version, id from versions"))
    write(folder, "old.md", reference_record("bridge", "A made-up appeal", "The text as it first was.",
                                             date="6 May 2024"))
    result = cli("import", "records", str(folder), "--db", str(db), "--source", "an old copy")
    assert result.returncode == 0, result.stderr
    assert "1 imported (0 new articles)" in result.stdout
    versions = rows(db, "select version, id, body, imported_from, first_seen from versions order by version")
    assert [(v[0], v[2], v[3]) for v in versions] == [
        (1, "The text as it first was.", "an old copy"), (2, "First captured text.", None),
        (3, "Second captured text.", None)]
    assert [v[1] for v in versions[1:]] == [ids[1], ids[2]]  # renumbered, not rewritten: their facts stay theirs
    assert versions[0][4] == "2024-05-05T23:00:00.000000+00:00"  # 6 May 2024, midnight in London
    (count, first_seen, body, last_changed), = rows(db, "select versions, first_seen, body, last_changed from articles")
    assert (count, first_seen, body) == (3, versions[0][4], "Second captured text.")  # the latest stays the latest
    assert last_changed == "2025-04-01T09:00:00+00:00"
    # `history` shows it first; a later crawl that sees new text adds a version after the captured ones
    history = cli("history", f"{KENT}bridge/", "--db", str(db), "--no-diff")
    assert history.returncode == 0 and history.stdout.splitlines()[1].split()[0] == "v1"
    assert history.stdout.splitlines()[1].endswith("  [imported from an old copy]")
    assert "imported" not in history.stdout.splitlines()[2]
    with Archive(db) as archive:
        archive.store_many([Capture(article("bridge", "Third captured text."), fetched_at="2025-05-01T09:00:00+00:00")])
    assert rows(db, "select version, imported_from from versions order by version")[-1] == (4, None)


def test_same_content_as_the_earliest_version_is_a_duplicate_and_as_a_later_one_already_captured(tmp_path):
    db, folder = tmp_path / "a.db", tmp_path / "records"
    with Archive(db) as archive:
        archive.store_many([Capture(article("pier", "Old text.", published="2024-05-06"),
                                    fetched_at="2025-03-01T09:00:00+00:00")])
        archive.store_many([Capture(article("pier", "New text.", published="2024-05-06"),
                                    fetched_at="2025-04-01T09:00:00+00:00")])
    write(folder, "a.md", reference_record("pier", "A made-up appeal", "Old text.", date="6 May 2024")
          .replace("Lead of A made-up appeal.", "A lead."))
    write(folder, "b.md", reference_record("pier", "A made-up appeal", "New text.", date="6 May 2024")
          .replace("Lead of A made-up appeal.", "A lead."))
    before = table_rows(db)
    result = cli("import", "records", str(folder), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "0 imported (0 new articles), 1 duplicates, 1 already captured, 0 bad" in result.stdout
    assert table_rows(db) == before


def test_imported_versions_of_several_sources_keep_their_order_in_time(tmp_path):
    db = tmp_path / "a.db"
    write(tmp_path / "late", "x.md", reference_record("quay", "Quay appeal", "Later words.", date="9 May 2021"))
    write(tmp_path / "early", "x.md", reference_record("quay", "Quay appeal", "Earlier words.", date="2 May 2021"))
    assert cli("import", "records", str(tmp_path / "late"), "--db", str(db)).returncode == 0
    assert cli("import", "records", str(tmp_path / "early"), "--db", str(db)).returncode == 0
    assert [b for (b,) in rows(db, "select body from versions order by version")] == ["Earlier words.", "Later words."]
    assert rows(db, "select body, versions from articles") == [("Later words.", 2)]
    # a third source, later than both: now the latest content
    write(tmp_path / "latest", "x.md", reference_record("quay", "Quay appeal", "Latest words.", date="20 May 2021"))
    assert cli("import", "records", str(tmp_path / "latest"), "--db", str(db)).returncode == 0
    assert rows(db, "select body, versions from articles") == [("Latest words.", 3)]
    assert [v for (v,) in rows(db, "select version from versions order by first_seen")] == [1, 2, 3]


# -- when: the publication date, --as-of, or (said) the import time ---------------------------------
def test_first_seen_is_as_of_when_given_and_the_import_time_only_for_undated_records(tmp_path):
    folder = tmp_path / "records"
    write(folder, "dated.md", reference_record("dated", "Dated appeal", "Words."))
    write(folder, "undated.md", reference_record("undated", "Undated appeal", "Words.", date=None))
    as_of = cli("import", "records", str(folder), "--db", str(tmp_path / "a.db"), "--as-of", "2021-04-30")
    assert as_of.returncode == 0 and "undated" not in as_of.stdout
    assert {f for (f,) in rows(tmp_path / "a.db", "select first_seen from versions")} == {
        "2021-04-29T23:00:00.000000+00:00"}
    plain = cli("import", "records", str(folder), "--db", str(tmp_path / "b.db"))
    assert "; 1 undated (first seen = the import time" in plain.stdout
    seen = dict(rows(tmp_path / "b.db", "select url, first_seen = imported_at from versions"))
    assert seen == {f"{KENT}dated/": 0, f"{KENT}undated/": 1}
    bad = cli("import", "records", str(folder), "--db", str(tmp_path / "c.db"), "--as-of", "last spring")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--as-of 'last spring'" in bad.stderr


# -- the SOH form of the public archive -----------------------------------------------------------------
SOH_RECORD = """```yaml
area: Merseyside
og:
  description: Officers are appealing for witnesses after a made-up collision in Bootle on Tuesday &#39;evening&#39;.
  image: https://www.merseyside.police.uk/SysSiteAssets/og.png?crop=(5,0,195,100)&amp;w=600
  locale: en_GB
  title: Witness appeal after made-up collision
  type: website
  url: https://www.merseyside.police.uk/news/merseyside/news/2021/march/witness-appeal-made-up/
title: Witness appeal after made-up collision &amp; arrest | Merseyside Police
url: https://www.merseyside.police.uk/news/merseyside/news/2021/march/witness-appeal-made-up/
```

Safer Neighbourhood

09:05 02/03/2021

Updated News Post

Officers are appealing for witnesses after a made-up collision in Bootle.

A made-up sentence about the road.
"""


def test_an_soh_form_record_reads_as_extraction_would_have_read_its_page(tmp_path):
    write(tmp_path / "records", "m.md", SOH_RECORD)
    db = tmp_path / "a.db"
    assert cli("import", "records", str(tmp_path / "records"), "--db", str(db)).returncode == 0
    with Archive(db, readonly=True) as archive:
        (row,) = list(archive.articles())
    assert row["title"] == "Witness appeal after made-up collision & arrest"  # entities decoded, suffix cut
    assert row["description"] == "Officers are appealing for witnesses after a made-up collision in Bootle on " \
                                 "Tuesday 'evening'."
    assert row["published"] == "2021-03-02T09:05:00+00:00"  # the body's meta line, London time
    assert row["category"] == "Safer Neighbourhood"
    assert row["body"].startswith("Updated News Post\n\nOfficers are appealing")  # the marker is article text
    assert row["found_by"]["update"] == "Updated News Post" and row["found_by"]["published"] == "meta line"
    assert row["area"] == "Merseyside" and row["generation"] == "soh" and row["status"] == "ok"
    assert rows(db, "select first_seen from versions") == [("2021-03-02T09:05:00.000000+00:00",)]


def test_a_record_saved_with_windows_line_ends_and_a_bom_reads_the_same(tmp_path):
    text = reference_record("crlf", "Line ends", "First paragraph.\n\nSecond paragraph.")
    write(tmp_path / "unix", "x.md", text)
    write(tmp_path / "windows", "x.md", ("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    for name in ("unix", "windows"):
        assert cli("import", "records", str(tmp_path / name), "--db", str(tmp_path / f"{name}.db")).returncode == 0
    assert rows(tmp_path / "unix.db", "select content_hash, body from versions") == \
        rows(tmp_path / "windows.db", "select content_hash, body from versions")


def test_a_record_without_area_takes_its_force_from_the_url_host(tmp_path):
    text = reference_record("hostless", "Host appeal", "Words.").replace("area: Kent\n", "")
    write(tmp_path / "records", "x.md", text)
    assert cli("import", "records", str(tmp_path / "records"), "--db", str(tmp_path / "a.db")).returncode == 0
    assert rows(tmp_path / "a.db", "select area from articles") == [("Kent",)]


# -- bad records ------------------------------------------------------------------------------------
BAD = {
    "no-yaml.md": "Just some words, no YAML block.\n",
    "unclosed.md": "```yaml\narea: Kent\nurl: https://www.kent.police.uk/x/\n",
    "broken-yaml.md": "```yaml\narea: [Kent\nurl: https://www.kent.police.uk/x/\n```\n\nBody.\n",
    "list-yaml.md": "```yaml\n- a\n- b\n```\n\nBody.\n",
    "no-url.md": "```yaml\narea: Kent\ntitle: No address\n```\n\nBody.\n",
    "ftp-url.md": "```yaml\narea: Kent\ntitle: Wrong scheme\nurl: ftp://www.kent.police.uk/x/\n```\n\nBody.\n",
    "number-url.md": "```yaml\narea: Kent\nurl: 12\n```\n\nBody.\n",
    "bad-date.md": "```yaml\narea: Kent\npublish:\n  date: soon\nurl: https://www.kent.police.uk/x/\n```\n\nB.\n",
    "no-area.md": "```yaml\ntitle: Nowhere\nurl: https://example.org/x/\n```\n\nBody.\n",
    "junk.md": bytes(range(256)) * 4,
    "latin1.md": "```yaml\narea: Kent\ntitle: Caf\xe9\nurl: https://www.kent.police.uk/x/\n```\n\nB.\n".encode("latin-1"),
}


def test_bad_records_are_one_line_each_counted_and_the_import_goes_on(tmp_path):
    folder = tmp_path / "records"
    for name, text in BAD.items():
        write(folder, name, text)
    huge = write(folder, "huge.md", reference_record("huge", "Huge", "x" * (5 << 20)))
    write(folder, "sub/good.md", reference_record("good", "The good one", "Fine words."))
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = cli("import", "records", str(folder), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(BAD) + 1, result.stderr
    for name in [*BAD, huge.name]:
        (line,) = [ln for ln in lines if f"/{name}:" in ln]
        assert line.startswith("herts-scraper import: ") and "Traceback" not in line
    said = {name: next(ln for ln in lines if f"/{name}:" in ln) for name in [*BAD, huge.name]}
    assert "no url" in said["no-url.md"] and "not an http(s) URL" in said["ftp-url.md"]
    assert "not a date" in said["bad-date.md"] and "too large" in said["huge.md"]
    assert "binary" in said["junk.md"] and "not UTF-8" in said["latin1.md"]
    assert "no force profile has the host example.org" in said["no-area.md"]
    assert f"{len(BAD) + 2} records" in result.stdout
    assert "1 imported (1 new articles), 0 duplicates, 0 already captured, 12 bad" in result.stdout
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before  # nothing changed or added
    assert rows(tmp_path / "a.db", "select url from articles") == [(f"{KENT}good/",)]


def test_usage_errors_and_a_held_lock(tmp_path):
    missing = cli("import", "records", str(tmp_path / "nowhere"), "--db", str(tmp_path / "a.db"))
    assert missing.returncode == 2 and "no folder" in missing.stderr and not (tmp_path / "a.db").exists()
    write(tmp_path / "records", "x.md", reference_record("locked", "Locked", "Words."))
    lock = tmp_path / "a.db.lock"
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write("pid 1, started then\n")
        fh.flush()
        held = cli("import", "records", str(tmp_path / "records"), "--db", str(tmp_path / "a.db"))
    assert held.returncode == 75 and "holds the archive" in held.stderr


# -- the real corpus ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_whole_corpus_imports(tmp_path):
    """Every record of ../shared/corpus: the SOH-form ones read as extraction reads their pages
    (tests/test_corpus_forces.py's expectations), the reference-form ones export to their own bytes."""
    from tests.test_corpus_forces import WIDGET_LINES, WORDS, expected

    corpus = shared_path("corpus")
    db = tmp_path / "corpus.db"
    files = sorted(corpus.glob("*/*.md"))
    result = cli("import", "records", str(corpus), "--db", str(db), "--source", "police-news")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [f"herts-scraper import: {corpus / 'README.md'}: not a record (no ```yaml block at the start)"]
    # 5,783 records (1,011 of them Hertfordshire's in the reference form) and the folder's README
    assert f"{len(files) + 1} records" in result.stdout and len(files) > 5000
    assert f"{len(files)} imported ({len(files)} new articles), 0 duplicates, 0 already captured, 1 bad" in result.stdout
    export_dir = tmp_path / "export"
    with Archive(db, readonly=True) as archive:
        by_url = {row["url"]: row for row in archive.articles(include_removed=True)}
        export(archive, export_dir)
    meta_fail, body_fail, bytes_fail = [], [], []
    for f in files:
        text = f.read_text(encoding="utf-8")
        meta, body = parse_record(text)
        row = by_url[meta["url"]]
        if is_soh_form(meta):
            meta_want, words_want = expected(meta, body, profile_for_area(meta["area"]))
            if (row["title"], row["description"], row["published"], row["url"], row["category"]) != meta_want:
                meta_fail.append(f.name)
            if WORDS.findall(WIDGET_LINES.sub("", row["body"])) != words_want:
                body_fail.append(f.name)
        elif (export_dir / meta["area"] / record_name(meta["url"])).read_text(encoding="utf-8") != text:
            bytes_fail.append(f.name)
    assert (meta_fail, body_fail, bytes_fail) == ([], [], [])
    again = cli("import", "records", str(corpus), "--db", str(db), "--source", "police-news")
    assert f"0 imported (0 new articles), {len(files)} duplicates" in again.stdout
