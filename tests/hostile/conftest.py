"""Running `scrapy crawl news` against a hostile server, as a user would, and reading what it left."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrawlResult:
    status: int
    stdout: str
    stderr: str
    db: Path

    def query(self, sql: str, *params) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def articles(self) -> dict[str, sqlite3.Row]:
        return {r["url"]: r for r in self.query("select * from articles")}

    def failures(self) -> list[sqlite3.Row]:
        return self.query("select * from failures order by id")

    def last_run(self) -> sqlite3.Row:
        return self.query("select * from crawl_runs order by id desc limit 1")[0]

    def bounds(self) -> dict:
        return json.loads(self.last_run()["message"] or "{}").get("bounds", {})


def crawl(base_url: str, db: Path, *args: str, timeout: float = 300, wrapper: list[str] | None = None) -> CrawlResult:
    """`scrapy crawl news -a base_url=...` into db, with its output captured."""
    cmd = [*(wrapper or []), sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={base_url}",
           "-s", f"ARCHIVE_PATH={db}", "-s", "RETRY_TIMES=0", *args]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr, db)


def pytest_collection_modifyitems(items):
    """Every hostile scenario runs a real crawl: slow (`make test-fast` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).parent == here:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "archive" / "herts.db"
