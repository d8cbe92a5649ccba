"""A careless operator: bad arguments, bad settings, bad profiles, a damaged archive, a full disk.

Each gets one line saying what is wrong and the README's exit status, never a
traceback, and the archive is left as it was.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from herts_scraper.replica.server import ReplicaServer
from tests.hostile.conftest import crawl

BAD_PROFILE = "extends: soh-platform\nname: broken\narea: Broken\norigin: https://broken.example\nforce_slug: b\ngenerations: [1, 2]\n"


@pytest.mark.parametrize("args, words", [
    (["-a", "since=garbage"], "since"),
    (["-a", "max_pages=-3"], "max_pages"),
    (["-a", "base_url=ftp://x"], "base_url"),
    (["-a", "mode=weird"], "mode"),
    (["-a", "profile=/nonexistent.yaml"], "nonexistent"),
    (["-a", "profile={bad_profile}"], "generations"),
    (["-a", "bogus=1"], "bogus"),
    (["-s", "ARCHIVE_BATCH_SIZE=abc"], "ARCHIVE_BATCH_SIZE"),
    (["-s", "LISTING_MAX_PAGES=-1"], "LISTING_MAX_PAGES"),
])
def test_bad_arguments_and_settings_give_one_line_and_status_2(tmp_path, args, words):
    bad_profile = tmp_path / "broken.yaml"
    bad_profile.write_text(BAD_PROFILE)
    args = [a.format(bad_profile=bad_profile) for a in args]
    # base_url first, so that the bad one in args wins where it is the one tested
    result = crawl("http://127.0.0.1:9", tmp_path / "herts.db", *args)
    assert result.status == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("herts-scraper: ") and words in lines[0], lines
    assert not (tmp_path / "herts.db").exists()  # nothing started


@pytest.mark.parametrize("damage", ["text", "truncated", "header"])
def test_a_damaged_archive_is_one_line_and_left_alone(tmp_path, damage):
    db = tmp_path / "herts.db"
    if damage == "text":
        db.write_text("these are my notes, not an archive\n" * 50)
    else:
        conn = sqlite3.connect(db)
        conn.execute("create table articles (url text primary key, body text)")
        conn.executemany("insert into articles values (?, ?)", [(f"u{i}", "x" * 2000) for i in range(200)])
        conn.commit()
        conn.close()
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 3] if damage == "truncated" else b"NOT SQLITE AT ALL" + data[17:])
    before = db.read_bytes()
    result = crawl("http://127.0.0.1:9", db)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.status == 1 and len(lines) == 1 and lines[0].startswith("herts-scraper: "), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs: the archive fills it in the middle of a crawl."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                                           capture_output=True).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_ends_the_run_with_one_line(tiny_disk: Path):
    with ReplicaServer(articles=400, generation="soh") as server:
        result = crawl(server.base_url, tiny_disk / "herts.db", "-s", "LOG_LEVEL=WARNING")
    assert result.status == 1, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if "disk full" in line.lower() or "No space" in line]
    assert errors, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr, result.stderr[-3000:]
    # what was written is sound
    conn = sqlite3.connect(tiny_disk / "herts.db")
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
