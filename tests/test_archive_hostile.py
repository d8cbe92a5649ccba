"""The archive against what it may meet: reparse into an archive that already
holds the captures, old 404s, one archive reached through symlinks, areas that
are paths, damaged and read-only files."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper.archive.export import UnsafePath, area_folder, export
from herts_scraper.archive.lock import ArchiveLocked, lock_archive, lock_path
from herts_scraper.archive.store import Archive, ArchiveError, Capture
from herts_scraper.demo import scrapy_crawl
from herts_scraper.record import Article
from herts_scraper.replica.generator import generate_article
from herts_scraper.replica.server import ReplicaServer

QUIET = ("-s", "LOG_LEVEL=WARNING", "-s", "RUN_REPORT=False")
URL = "https://www.herts.police.uk/news-and-appeals/a-1"


def at(second: int) -> str:
    return f"2026-01-01T00:00:{second:02d}.000000+00:00"


def capture(body: str, second: int, url: str = URL, area: str = "Hertfordshire") -> Capture:
    article = Article(url=url, area=area, title="Title", description="d", published="2026-01-01", body=body)
    return Capture(article, b"<html></html>", fetched_url=url, fetched_at=at(second))


def history(archive: Archive, url: str = URL) -> list[tuple[int, str, str, str]]:
    """(version, body, first_seen, last_seen) of each version."""
    return [(v["version"], v["body"], v["first_seen"], v["last_seen"]) for v in archive.versions(url)]


def snapshot(db: Path) -> tuple[list, list]:
    with sqlite3.connect(db) as conn:
        return (conn.execute("select * from versions order by url, version").fetchall(),
                conn.execute("select * from articles order by url").fetchall())


# -- replaying captures into an archive that holds them ---------------------------------

def test_replay_places_captures_in_time_and_twice_is_once(db_path):
    with Archive(db_path) as archive:
        # As a crawl stored them: A, then B, then A again (a revert is a third version).
        for body, second in (("A", 10), ("B", 20), ("A", 30)):
            archive.store_many([capture(body, second)])
        crawled = snapshot(db_path)
        held = [capture("A", 10), capture("B", 20), capture("A", 30)]
        assert archive.replay_many(held)["unchanged"] == 3
        assert snapshot(db_path) == crawled

        # A capture the archive never saw, between two versions: inserted at its time, not the latest.
        assert archive.replay_many([capture("C", 15)])["inserted"] == 1
        assert history(archive) == [(1, "A", at(10), at(10)), (2, "C", at(15), at(15)),
                                    (3, "B", at(20), at(20)), (4, "A", at(30), at(30))]
        row = archive.article(URL)
        assert (row["versions"], row["body"], row["first_seen"], row["last_seen"]) == (4, "A", at(10), at(30))

        # Seen again later by a crawl; then a capture from inside that window: the latest content resumes after it.
        archive.store_many([capture("A", 40)])
        assert archive.replay_many([capture("D", 35)])["inserted"] == 1
        assert history(archive)[3:] == [(4, "A", at(30), at(30)), (5, "D", at(35), at(35)), (6, "A", at(40), at(40))]
        row = archive.article(URL)
        assert (row["versions"], row["body"], row["last_changed"]) == (6, "A", at(40))

        # Before everything: the first version, and the article's first sighting.
        assert archive.replay_many([capture("Z", 5)])["inserted"] == 1
        assert history(archive)[0] == (1, "Z", at(5), at(5)) and archive.article(URL)["first_seen"] == at(5)

        once = snapshot(db_path)
        everything = [capture(body, second) for body, second in
                      (("Z", 5), ("A", 10), ("C", 15), ("B", 20), ("A", 30), ("D", 35), ("A", 40))]
        assert archive.replay_many(everything)["unchanged"] == 7
        assert snapshot(db_path) == once
        firsts = [v[2] for v in history(archive)]
        assert firsts == sorted(firsts)


def test_a_capture_a_few_ms_before_the_crawls_fetch_time_is_the_same_version(db_path):
    """A crawl's first_seen is its fetch time, the WARC-Date of the same response is a little earlier."""
    with Archive(db_path) as archive:
        archive.store_many([capture("A", 10)])
        archive.store_many([capture("B", 20)])
        counts = archive.replay_many([capture("A", 9), capture("B", 19)])
        assert counts["unchanged"] == 2 and counts["inserted"] == 0
        assert history(archive) == [(1, "A", at(9), at(10)), (2, "B", at(19), at(20))]
        assert archive.article(URL)["last_changed"] == at(19)


def test_old_404s_and_304s_do_not_undo_newer_sightings(db_path):
    with Archive(db_path) as archive:
        archive.store_many([capture("A", 10)])
        archive.store_many([capture("A", 30)])
        assert not archive.mark_removed(URL, at(20))  # the article was seen after that 404
        assert archive.article(URL)["removed_at"] is None
        assert archive.mark_removed(URL, at(40))
        archive.touch(URL, at(35))  # a 304 older than the removal
        archive.replay_many([capture("A", 36)])  # so is this capture
        assert archive.article(URL)["removed_at"] == at(40)
        archive.touch(URL, at(45))
        assert archive.article(URL)["removed_at"] is None


def url_of(index: int) -> str:
    return generate_article(index).expected_article("soh").url


@pytest.mark.slow
def test_reparse_into_the_crawls_own_archive_adds_nothing(tmp_path):
    db = tmp_path / "herts.db"
    edited, removed = 25, 3
    # An edit (v2), a removal, the article's return, then a revert of the edit (v3, with v1's content).
    runs = [({}, ()), ({"edits": {edited: 1}}, ()), ({"edits": {edited: 1}, "removed": {removed}}, ("-a", "mode=full")),
            ({"edits": {edited: 1}}, ("-a", "mode=full")), ({}, ())]
    for options, args in runs:
        with ReplicaServer(articles=30, generation="soh", **options) as server:
            assert scrapy_crawl(server.base_url, str(db), *QUIET, *args) == 0
    with Archive(db) as archive:
        versions = archive.versions(url_of(edited))
        assert len(versions) == 3 and versions[0]["content_hash"] == versions[2]["content_hash"]
        assert archive.article(url_of(removed))["removed_at"] is None
    crawled_versions, _ = snapshot(db)

    def reparse(into: Path, warc: Path = tmp_path / "warc"):
        result = subprocess.run([sys.executable, "-m", "herts_scraper", "reparse", "--warc", str(warc),
                                 "--db", str(into)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return snapshot(into)

    def identities(versions):
        return sorted((v[1], v[2], v[3]) for v in versions)  # url, version, content_hash

    once = reparse(db)
    assert identities(once[0]) == identities(crawled_versions) and len(once[0]) == 32
    assert reparse(db) == once  # twice is once, to the row
    assert identities(reparse(tmp_path / "fresh.db")[0]) == identities(crawled_versions)

    # Replaying only the runs up to the removal: that old 404 does not remove the article that came back.
    old = tmp_path / "old-warc"
    old.mkdir()
    for path in sorted((tmp_path / "warc").glob("*.warc.gz"))[:3]:
        shutil.copy(path, old)
    assert reparse(db, old) == once
    with Archive(db) as archive:
        assert archive.article(url_of(removed))["removed_at"] is None


# -- one archive, one lock, however it is reached ---------------------------------------

HOLD = ("import sys, time; from herts_scraper.archive.lock import lock_archive; lock_archive(sys.argv[1]); "
        "print('held', flush=True); time.sleep(60)")


@contextlib.contextmanager
def held_by_another_process(db: Path):
    """The archive's lock held by a second process, as a running crawl holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("link", ["file", "folder"])
def test_the_lock_is_the_real_files_whatever_path_reaches_it(tmp_path, link):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    db = real_dir / "herts.db"
    Archive(db).close()
    if link == "file":
        other = tmp_path / "alias.db"
        other.symlink_to(db)
    else:
        (tmp_path / "alias").symlink_to(real_dir, target_is_directory=True)
        other = tmp_path / "alias" / "herts.db"
    assert lock_path(other) == lock_path(db) == real_dir / "herts.db.lock"
    for held, taken in ((other, db), (db, other)):
        with held_by_another_process(held) as holder:
            with pytest.raises(ArchiveLocked) as raised:
                lock_archive(taken)
            assert f"pid {holder.pid}," in raised.value.holder
    lock_archive(other).release()  # free again once the holder is gone


# -- names from the data stay inside the export folder ------------------------------------

def test_hostile_areas_never_write_outside_out(tmp_path):
    db = tmp_path / "db" / "herts.db"
    # The absolute path is inside tmp_path, so that a failure harms nothing.
    hostile = ["../../escape", str(tmp_path / "abs"), "..", ".hidden", "a\\..\\b", "nul\x00byte", ""]
    areas = hostile + ["Hertfordshire", "City of London"]
    with Archive(db) as archive:
        archive.store_many([capture("Body.\n", 10, url=f"{URL}-{i}", area=area) for i, area in enumerate(areas)])
    before = set(tmp_path.rglob("*"))
    out = tmp_path / "deep" / "out"
    with Archive(db, readonly=True) as archive:
        for fmt in ("records", "jsonl", "csv"):
            export(archive, out, fmt)
    written = {p for p in set(tmp_path.rglob("*")) - before if db.parent not in p.parents}
    assert written and all(p in (out.parent, out) or out in p.parents for p in written)
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(folders) == len(areas)
    assert "Hertfordshire" in folders and "City of London" in folders  # ordinary areas as they are
    assert all(len((out / f).resolve().relative_to(out.resolve()).parts) == 1 for f in folders)
    assert len(list(out.rglob("*.md"))) == len(areas)
    assert area_folder("Greater Manchester") == "Greater Manchester"
    assert area_folder("../../escape") != area_folder("..//escape")  # made safe, still told apart


def test_an_area_folder_that_leads_elsewhere_is_refused(tmp_path):
    db = tmp_path / "herts.db"
    with Archive(db) as archive:
        archive.store_many([capture("Body.\n", 10)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "Hertfordshire").symlink_to(elsewhere, target_is_directory=True)
    with Archive(db, readonly=True) as archive, pytest.raises(UnsafePath):
        export(archive, out, "records")
    assert list(elsewhere.iterdir()) == []


# -- files that are no usable archive -------------------------------------------------------

def small_archive(db: Path, articles: int = 200) -> Path:
    with Archive(db) as archive:
        archive.store_many([capture(f"Paragraph {i}. " * 200, 10, url=f"{URL}-{i}") for i in range(articles)])
    return db


def truncate(db: Path) -> None:
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 2)


def bad_header(db: Path) -> None:
    with db.open("r+b") as fh:
        fh.write(b"NOT SQLITE AT ALL")


def text_file(db: Path) -> None:
    db.write_text("date,title\n2026-01-01,hello\n")


@pytest.mark.parametrize("damage", [truncate, bad_header, text_file])
@pytest.mark.parametrize("readonly", [False, True])
def test_a_damaged_file_is_an_archive_error(tmp_path, damage, readonly):
    db = small_archive(tmp_path / "herts.db")
    damage(db)
    before = db.read_bytes()
    with pytest.raises(ArchiveError) as raised:
        Archive(db, readonly=readonly)
    assert "\n" not in str(raised.value) and str(db) in str(raised.value)
    assert db.read_bytes() == before


def test_someone_elses_database_is_not_made_an_archive(tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table customers (name text)")
    for readonly in (False, True):
        with pytest.raises(ArchiveError, match="not a herts-scraper archive"):
            Archive(db, readonly=readonly)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("select name from sqlite_master")] == ["customers"]


def test_a_folder_or_a_missing_file_is_an_archive_error(tmp_path):
    with pytest.raises(ArchiveError, match="is a folder"):
        Archive(tmp_path)
    with pytest.raises(ArchiveError, match="no archive at"):
        Archive(tmp_path / "none.db", readonly=True)
    assert not (tmp_path / "none.db").exists()


def test_an_empty_file_is_a_new_archive(tmp_path):
    db = tmp_path / "herts.db"
    db.touch()  # as sqlite3.connect() leaves it
    with Archive(db, readonly=True) as archive:
        assert archive.count() == 0 and archive.runs() == []
    assert db.stat().st_size == 0
    with Archive(db) as archive:
        assert archive.count() == 0
    with Archive(db, readonly=True) as archive:
        assert "versions" in archive.db.table_names()


def test_the_schema_is_created_all_at_once(tmp_path, monkeypatch):
    """A writer killed while creating the schema leaves no half archive (that would read as someone else's)."""
    db = tmp_path / "herts.db"

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sqlite_utils.db.Table.enable_fts", fail)  # the last step
    with pytest.raises(KeyboardInterrupt):
        Archive(db)
    monkeypatch.undo()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from sqlite_master").fetchone()[0] == 0
    with Archive(db) as archive:
        assert archive.count() == 0


@contextlib.contextmanager
def immutable(*paths: Path):
    """Make paths immutable (chattr +i): read-only even for root, as tests here run.
    Skips the test where the file system or the user cannot."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr here")
    done = []
    try:
        for path in paths:
            if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                pytest.skip("chattr +i is not available here")
            done.append(path)
        yield
    finally:
        for path in done:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_archive_reads_and_refuses_writes(tmp_path):
    db = small_archive(tmp_path / "ro" / "herts.db", articles=5)
    before = sorted(p.name for p in db.parent.iterdir())
    with immutable(db, db.parent):
        with pytest.raises(ArchiveError, match="read-only"):
            Archive(db)
        with Archive(db, readonly=True) as archive:
            assert archive.count() == 5 and len(list(archive.articles())) == 5
    assert sorted(p.name for p in db.parent.iterdir()) == before
