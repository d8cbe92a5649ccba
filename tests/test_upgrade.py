"""An archive made by release 0.1.0 (commit a134f55), crawled by today's code.

Release 0.1.0's own code (taken from the repository's history with `git
archive`) crawls the replica into an archive; today's `scrapy crawl news`
then crawls the same replica, with an edited article, into that archive. The
archive is upgraded in place: exit 0, every article and version kept, the
migrations recorded, `status` and `export` working. Skipped where the history
is not at hand (a copy of the tree without .git).
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import tarfile

import pytest

from herts_scraper.archive.schema import MIGRATIONS
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import ROOT

RELEASE_0_1_0 = "a134f55"

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out


@pytest.fixture(scope="module")
def old_release(tmp_path_factory):
    """Release 0.1.0's package in a folder of its own."""
    tree = subprocess.run(["git", "archive", "--format=tar", RELEASE_0_1_0, "herts_scraper"], cwd=ROOT,
                          capture_output=True)
    if tree.returncode:
        pytest.skip(f"release 0.1.0 is not in this checkout's history ({tree.stderr.decode().strip()})")
    folder = tmp_path_factory.mktemp("release-0.1.0")
    with tarfile.open(fileobj=io.BytesIO(tree.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def crawl(code_root, base_url, db, cwd):
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings", "PYTHONPATH": str(code_root)}
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={base_url}",
                           "-s", f"ARCHIVE_PATH={db}", "-s", "LOG_LEVEL=WARNING"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def rows(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_an_archive_of_release_0_1_0_is_crawled_and_upgraded_in_place(old_release, tmp_path):
    db = tmp_path / "archive" / "herts.db"
    with ReplicaServer(articles=60, generation="soh") as server:
        old = crawl(old_release, server.base_url, db, cwd=old_release)
        assert old.returncode == 0, old.stderr[-2000:]
    assert rows(db, "select count(*) from sqlite_master where name = '_migrations'") == [(0,)]  # truly 0.1.0's
    before_versions = set(rows(db, "select url, version, content_hash from versions"))
    assert len(before_versions) == 60

    with ReplicaServer(articles=70, generation="soh", edits={5: 1}) as server:
        new = crawl(ROOT, server.base_url, db, cwd=ROOT)
    assert new.returncode == 0, new.stderr[-2000:]
    after_versions = set(rows(db, "select url, version, content_hash from versions"))
    assert before_versions < after_versions and len(after_versions) == 60 + 10 + 1  # kept, 10 new, 1 edit
    assert [name for (name,) in rows(db, "select name from _migrations order by rowid")] == \
        [m.__name__ for m in MIGRATIONS]
    assert rows(db, "pragma integrity_check") == [("ok",)]

    cli = [sys.executable, "-m", "herts_scraper"]
    status = subprocess.run([*cli, "status", "--db", str(db)], capture_output=True, text=True, cwd=ROOT)
    assert status.returncode == 0 and "70 articles" in status.stdout, status.stderr
    export = subprocess.run([*cli, "export", "--db", str(db), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=ROOT)
    assert export.returncode == 0 and len(list((tmp_path / "out").rglob("*.md"))) == 70, export.stderr


def test_an_archive_of_release_0_1_0_gets_its_facts_and_fields_without_network(old_release, tmp_path):
    """Made before the facts (migration add_facts) and the category column: `reparse --fields-only`
    upgrades it in place, fills the facts of every version, and the columns outside the content hash
    as today's crawl of the same pages fills them."""
    from herts_scraper.archive.fields import REFILLED
    from herts_scraper.extract.facts import FACTS_VERSION

    db, today = tmp_path / "archive" / "herts.db", tmp_path / "today" / "herts.db"
    with ReplicaServer(articles=40, generation="soh", edits={3: 1}) as server:
        assert crawl(old_release, server.base_url, db, cwd=old_release).returncode == 0
    with ReplicaServer(articles=40, generation="soh", edits={3: 2}) as server:  # a second version of one
        assert crawl(old_release, server.base_url, db, cwd=old_release).returncode == 0
        assert crawl(ROOT, server.base_url, today, cwd=ROOT).returncode == 0
    assert rows(db, "select count(*) from versions") == [(41,)]
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "reparse", "--fields-only", "--db", str(db)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "facts of 41 versions made again" in result.stdout and "40 articles extracted again" in result.stdout
    assert "40 refilled" in result.stdout and result.stdout.strip().endswith("would change: 0")
    assert rows(db, "select distinct facts_version from versions") == [(FACTS_VERSION,)]
    assert [name for (name,) in rows(db, "select name from _migrations order by rowid")] == \
        [m.__name__ for m in MIGRATIONS]
    columns = f"select url, {', '.join(REFILLED)}, extractor_version from articles order by url"
    assert rows(db, columns) == rows(today, columns)
    assert rows(db, "select count(*) from articles where category is not null")[0][0] > 0  # 0.1.0 had none
