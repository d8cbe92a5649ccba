"""`herts-scraper` when something is wrong: one line on stderr naming the command,
the right exit status, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from herts_scraper.profiles import ProfileError, load_profile
from tests.test_archive_hostile import (
    bad_header,
    held_by_another_process,
    immutable,
    small_archive,
    text_file,
    truncate,
)

PROFILE = """\
name: test
area: Testshire
origin: https://www.test.police.uk
force_slug: test
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True)


def fails(result: subprocess.CompletedProcess, command: str, status: int, *words: str) -> str:
    """The command failed with `status` and one clear line on stderr; returns that line."""
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"herts-scraper {command}: "), result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize("damage", [truncate, bad_header, text_file])
def test_a_damaged_archive_is_said_so(tmp_path, damage):
    db = small_archive(tmp_path / "herts.db")
    damage(db)
    (tmp_path / "warc").mkdir()
    for command in (["status"], ["export", "--out", str(tmp_path / "out")], ["history", "https://x/"], ["reparse"]):
        fails(cli(*command, "--db", str(db)), command[0], 1, str(db))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_status_on_a_folder_or_a_text_file(tmp_path):
    fails(cli("status", "--db", str(tmp_path)), "status", 2, "is a folder")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an archive\n")
    fails(cli("status", "--db", str(notes)), "status", 1, "not an archive")
    fails(cli("status", "--db", str(tmp_path / "none.db")), "status", 2, "no archive at")


def test_export_to_a_file(tmp_path):
    db = small_archive(tmp_path / "herts.db", articles=3)
    out = tmp_path / "exports"
    out.write_text("a file, not a folder\n")
    fails(cli("export", "--db", str(db), "--out", str(out)), "export", 2, "is a file")


def test_an_unimportable_settings_module_is_a_usage_error(tmp_path):
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "no_such_settings"}
    for command in (["status"], ["export", "--out", str(tmp_path / "out")]):
        result = subprocess.run([sys.executable, "-m", "herts_scraper", *command], capture_output=True, text=True,
                                env=env)
        fails(result, command[0], 2, "Scrapy settings", "no_such_settings")
    assert not (tmp_path / "out").exists()


def test_extract_with_an_invalid_url(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Title</h1></body></html>")
    fails(cli("extract", str(page), "--url", "http://[::1"), "extract", 2, "not a valid URL")
    fails(cli("extract", str(page), "--url", "ftp://example.org/x"), "extract", 2, "not an http(s) URL")


def bad_profiles(folder: Path) -> dict[str, Path]:
    profiles = {
        "a list": "- name: test\n- area: Testshire\n",
        "generations a list": PROFILE + "generations: [soh, legacy]\n",
        "a generation a list": PROFILE + "generations:\n  soh: [start_paths]\n",
        "listing a list": PROFILE + "generations:\n  soh:\n    listing: [a]\n",
        "paths a number": PROFILE + "generations:\n  soh:\n    start_paths: 5\n",
        "hosts a number": PROFILE + "hosts: 5\ngenerations:\n  soh: {}\n",
        "origin a list": PROFILE.replace("origin: https://www.test.police.uk", "origin: [x]")
        + "generations:\n  soh: {}\n",
        "not YAML": "name: [test\n",
        "area a path": PROFILE.replace("area: Testshire", "area: ../../escape") + "generations:\n  soh: {}\n",
        "area absolute": PROFILE.replace("area: Testshire", "area: /tmp/abs") + "generations:\n  soh: {}\n",
        "area hidden": PROFILE.replace("area: Testshire", "area: .hidden") + "generations:\n  soh: {}\n",
        "extends a number": "extends: 5\n" + PROFILE,
    }
    paths = {}
    for i, (name, text) in enumerate(profiles.items()):
        paths[name] = folder / f"bad-{i}.yaml"
        paths[name].write_text(text)
    return paths


def test_load_profile_raises_a_one_line_profile_error(tmp_path):
    for name, path in [*bad_profiles(tmp_path).items(), ("missing", tmp_path / "nonexistent.yaml")]:
        with pytest.raises(ProfileError) as raised:
            load_profile(str(path))
        assert "\n" not in str(raised.value), name
    good = tmp_path / "good.yaml"
    good.write_text(PROFILE.replace("Testshire", "City of London") + "generations:\n  soh: {}\n")
    assert load_profile(str(good)).area == "City of London"


def test_a_missing_or_malformed_profile_is_a_usage_error(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Title</h1></body></html>")
    (tmp_path / "warc").mkdir()
    paths = [Path("/nonexistent.yaml"), *bad_profiles(tmp_path).values()]
    for path in paths[:4]:
        fails(cli("extract", str(page), "--url", "https://www.herts.police.uk/x", "--profile", str(path)),
              "extract", 2, str(path))
    fails(cli("extract", str(page), "--url", "https://www.herts.police.uk/x", "--profile", "nowhere"),
          "extract", 2, "no site profile")
    fails(cli("reparse", "--db", str(tmp_path / "herts.db"), "--profile", str(paths[1])), "reparse", 2, "list")


@pytest.mark.slow
def test_reparse_beside_a_running_crawl_exits_75_or_waits(tmp_path):
    db = small_archive(tmp_path / "herts.db", articles=3)
    (tmp_path / "warc").mkdir()
    with held_by_another_process(db) as holder:
        started = time.monotonic()
        line = fails(cli("reparse", "--db", str(db)), "reparse", 75, "a crawl holds the archive", f"pid {holder.pid},")
        assert time.monotonic() - started < 10 and "--wait" in line
        fails(cli("reparse", "--db", str(db), "--wait", "0.5"), "reparse", 75, "after waiting 0.5 s")
        waiting = subprocess.Popen([sys.executable, "-m", "herts_scraper", "reparse", "--db", str(db), "--wait", "60"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        assert waiting.poll() is None  # still waiting for the crawl
    out, err = waiting.communicate(timeout=60)  # the crawl ended: the reparse goes on
    assert waiting.returncode == 0, err
    assert out.startswith("reparsed 0 captures")


def test_a_read_only_archive_is_read_but_not_written(tmp_path):
    db = small_archive(tmp_path / "ro" / "herts.db", articles=4)
    out = tmp_path / "out"
    with immutable(db, db.parent):
        status = cli("status", "--db", str(db))
        assert status.returncode == 0 and "4 articles" in status.stdout, status.stderr
        exported = cli("export", "--db", str(db), "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        (tmp_path / "warc").mkdir()
        fails(cli("reparse", "--db", str(db), "--warc", str(tmp_path / "warc")), "reparse", 1, "cannot")
    assert len(list((out / "Hertfordshire").glob("*.md"))) == 4
    assert sorted(os.listdir(db.parent)) == ["herts.db"]
