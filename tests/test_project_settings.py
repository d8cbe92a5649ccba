"""The commands read the project's Scrapy settings as `scrapy` does, and a relative
ARCHIVE_PATH means one archive whichever folder of the project they start in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.conf import closest_scrapy_cfg

from tests.conftest import ROOT
from tests.test_archive_hostile import small_archive
from tests.test_cli_errors import PROFILE

PAGE = ("<html><head><title>Man charged</title></head><body><main><h1>Man charged</h1>"
        "<p>A man from Hitchin has been charged with burglary and will appear at court next month.</p>"
        "</main></body></html>")


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without a settings module of its own, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}
    return {**env, **extra}


def cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)


def settings_module(path: Path, **settings: str) -> Path:
    """A settings module: herts_scraper's, with these settings changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("from herts_scraper.settings import *  # noqa: F403\n"
                    + "".join(f"{name} = {value!r}\n" for name, value in settings.items()))
    return path


def test_status_finds_the_same_archive_from_the_root_and_a_subfolder(tmp_path):
    db = small_archive(tmp_path / "elsewhere" / "herts.db", articles=3)
    settings_module(tmp_path / "modules" / "absolute_settings.py", ARCHIVE_PATH=str(db))
    env = environment(SCRAPY_SETTINGS_MODULE="absolute_settings", PYTHONPATH=str(tmp_path / "modules"))
    from_root = cli("status", cwd=ROOT, env=env)
    from_tests = cli("status", cwd=ROOT / "tests", env=env)
    assert from_root.returncode == 0, from_root.stderr
    assert f"archive {db}: 3 articles" in from_root.stdout
    assert from_tests.returncode == 0 and from_tests.stdout == from_root.stdout, from_tests.stderr


def test_the_default_archive_is_the_projects_from_any_of_its_folders():
    show = "from herts_scraper.project import archive_path, project_settings; print(archive_path(project_settings()))"
    for cwd in (ROOT, ROOT / "tests", ROOT / "herts_scraper" / "profiles"):
        result = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, cwd=cwd,
                                env=environment())
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(ROOT / "archive" / "herts.db"), cwd


def test_outside_any_project_the_commands_use_herts_scrapers_settings(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    if closest_scrapy_cfg(empty):
        pytest.skip(f"{closest_scrapy_cfg(empty)} makes {empty} part of a project")
    missing = cli("status", cwd=empty, env=environment())
    assert missing.returncode == 2 and f"no archive at {empty / 'archive' / 'herts.db'}" in missing.stderr
    small_archive(empty / "archive" / "herts.db", articles=2)
    found = cli("status", cwd=empty, env=environment())
    assert found.returncode == 0 and "2 articles" in found.stdout, found.stderr
    (empty / "page.html").write_text(PAGE)
    url = "https://www.herts.police.uk/news-and-appeals/Man-charged-0101"
    extracted = cli("extract", "page.html", "--url", url, "--format", "json", cwd=empty, env=environment())
    assert extracted.returncode == 0 and json.loads(extracted.stdout)["area"] == "Hertfordshire", extracted.stderr


def test_a_relative_archive_path_lies_in_the_project_folder(tmp_path):
    project = tmp_path / "project"
    profile = tmp_path / "testshire.yaml"
    profile.write_text(PROFILE + "generations:\n  soh:\n    article_paths: ['^/news/']\n")
    settings_module(project / "project_settings.py", ARCHIVE_PATH="data/project.db", SITE_PROFILE=str(profile))
    (project / "scrapy.cfg").write_text("[settings]\ndefault = project_settings\n")
    db = small_archive(project / "data" / "project.db", articles=2)
    deeper = project / "sub" / "deeper"
    deeper.mkdir(parents=True)
    for cwd in (project, deeper):
        result = cli("status", cwd=cwd, env=environment())
        assert result.returncode == 0, result.stderr
        assert f"archive {db}: 2 articles" in result.stdout, cwd
    assert not (deeper / "data").exists()

    small_archive(deeper / "local.db", articles=1)  # --db is a flag: relative to the current folder
    result = cli("status", "--db", "local.db", cwd=deeper, env=environment())
    assert result.returncode == 0 and "archive local.db: 1 articles" in result.stdout, result.stderr

    (deeper / "page.html").write_text(PAGE)  # and SITE_PROFILE is the project's too
    extracted = cli("extract", "page.html", "--url", "https://www.test.police.uk/news/man-charged", "--format",
                    "json", cwd=deeper, env=environment())
    assert extracted.returncode == 0, extracted.stderr
    assert json.loads(extracted.stdout)["area"] == "Testshire"
