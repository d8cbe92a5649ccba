"""herts-scraper installed from its wheel, as a user installs it, into an empty folder: `herts-scraper
crawl` runs the news spider there without the repository's scrapy.cfg, as `scrapy crawl news` does."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper import __version__
from herts_scraper.replica.server import ReplicaServer
from tests.conftest import ROOT, venv_with_dependencies

pytestmark = pytest.mark.slow  # builds a wheel and runs real crawls

QUIET = ("-s", "LOG_LEVEL=WARNING")


def project_copy(dest: Path) -> Path:
    """What a source distribution holds: the package, its metadata, no build leftovers."""
    dest.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "scrapy.cfg"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "herts_scraper", dest / "herts_scraper",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A new venv holding only the wheel; it sees the project venv's dependencies through a .pth
    file (no network), but not the project itself (an editable install is a .pth of its own,
    which a path added by a .pth does not read)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = project_copy(tmp / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(tmp / "dist"), str(source)], check=True)
    wheel = next((tmp / "dist").glob("herts_scraper-*.whl"))
    venv = tmp / "venv"
    python = venv_with_dependencies(venv)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--quiet", str(wheel)], check=True)
    return venv


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "herts-scraper"), *args], capture_output=True, text=True, cwd=cwd)


def test_the_wheel_is_what_runs(installed, tmp_path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import herts_scraper; print(herts_scraper.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert where.startswith(str(installed)), where
    result = run(installed, "--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith(f"herts-scraper {__version__} ")


def test_crawl_from_an_empty_folder_archives_the_replica(installed, tmp_path):
    folder = tmp_path / "anywhere"
    folder.mkdir()
    with ReplicaServer(articles=60) as server:
        # -O: Scrapy's feed export (the page bodies are bytes, which JSON cannot hold: fields named)
        result = run(installed, "crawl", "-a", f"base_url={server.base_url}", *QUIET, "-O", "items.jsonl",
                     "-s", "FEED_EXPORT_FIELDS=url,http_status", cwd=folder)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "crawl run 1 (full): OK" in result.stdout  # the run report
        db = folder / "archive" / "herts.db"  # the default ARCHIVE_PATH, in the current folder
        with sqlite3.connect(db) as conn:
            assert conn.execute("select count(*) from articles").fetchone()[0] == 60
        items = [json.loads(line) for line in (folder / "items.jsonl").read_text().splitlines()]
        assert len(items) >= 60 and all("url" in item for item in items)
        assert "Traceback" not in result.stderr
        assert list((folder / "archive" / "warc").glob("*.warc.gz"))

        # Again, with the spider's name, into another archive: incremental there is nothing; a new archive is full.
        result = run(installed, "crawl", "news", "-a", f"base_url={server.base_url}", *QUIET,
                     "-s", "ARCHIVE_PATH=other/x.db", "-s", "RUN_REPORT=False", cwd=folder)
        assert result.returncode == 0, result.stderr[-3000:]
        with sqlite3.connect(folder / "other" / "x.db") as conn:
            assert conn.execute("select count(*) from articles").fetchone()[0] == 60

    status = run(installed, "status", cwd=folder)  # the same archive, found the same way
    assert status.returncode == 0 and "60 articles" in status.stdout
    assert not (folder / "scrapy.cfg").exists()


@pytest.mark.parametrize(("args", "status", "says"), [
    (("-a", "bogus=1"), 2, "unknown spider argument bogus"),
    (("-a", "since=garbage"), 2, "since"),
    (("-s", "ARCHIVE_BATCH_SIZE=abc"), 2, "ARCHIVE_BATCH_SIZE"),
])
def test_crawl_usage_errors_are_scrapy_crawl_news_ones(installed, tmp_path, args, status, says):
    result = run(installed, "crawl", *args, cwd=tmp_path)
    assert result.returncode == status and says in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "archive").exists()  # nothing started


def test_crawl_help_names_both_commands(installed, tmp_path):
    result = run(installed, "crawl", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "herts-scraper crawl [news] [scrapy crawl options]" in result.stdout and "--set" in result.stdout
