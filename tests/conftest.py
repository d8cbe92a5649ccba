"""Shared fixtures and helpers: paths to ../shared, a temporary archive path,
waiting for a running crawl to have archived some articles."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test where that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is only beside the project on team machines)")
    return path


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "archive" / "herts.db"


def wait_for_articles(db, n: int, proc, timeout: float = 60) -> None:
    """Wait until the crawl `proc` (a Popen) has archived n articles in db; fail if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db) as conn:
                if conn.execute("select count(*) from articles").fetchone()[0] >= n:
                    return
        except sqlite3.Error:
            pass  # not created yet, or busy
        time.sleep(0.02)
    pytest.fail(f"the crawl did not reach {n} articles")


def venv_with_dependencies(venv: Path) -> Path:
    """A new venv (its python returned) that sees this venv's installed packages through a .pth
    file, with no network, but not the project itself: an editable install is a .pth of its own,
    which a path added by a .pth does not read."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python
