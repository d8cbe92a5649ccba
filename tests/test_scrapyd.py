"""Deployed to a real scrapyd, as users deploy it: the egg built and uploaded by scrapyd-deploy
(addversion.json), a crawl of the replica scheduled through schedule.json, polled through
listjobs.json. scrapyd runs in a venv that has the dependencies but not herts-scraper itself:
everything the crawl needs (its settings, the profiles, the archive writer process) comes from the egg."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from herts_scraper.replica.server import ReplicaServer
from tests.conftest import venv_with_dependencies
from tests.test_wheel import project_copy

pytestmark = pytest.mark.slow  # a real scrapyd and a real crawl

PROJECT = "herts_scraper"  # scrapy.cfg's [deploy] project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None, timeout: float = 10) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=timeout) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """scrapyd on loopback, started from a folder holding its scrapyd.conf, in a venv without the project."""
    python = venv_with_dependencies(tmp_path / "venv")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home / "eggs"}
logs_dir = {home / "logs"}
dbs_dir = {home / "dbs"}
items_dir =
jobs_to_keep = 5
max_proc = 2
poll_interval = 0.2
""")
    probe = subprocess.run([str(python), "-c", "import herts_scraper"], capture_output=True, cwd=home)
    assert probe.returncode != 0, "scrapyd's venv must not see the project: the egg has to bring it"
    proc = subprocess.Popen([str(python), "-m", "scrapyd"], cwd=home, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert api(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"scrapyd did not start: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                time.sleep(0.1)
        yield base, home
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_crawl_scheduled_on_scrapyd_archives_the_replica(scrapyd, tmp_path):
    base, home = scrapyd
    source = project_copy(tmp_path / "src")
    with (source / "scrapy.cfg").open("a") as cfg:
        cfg.write(f"\n[deploy:test]\nurl = {base}/\nproject = {PROJECT}\n")
    deploy = subprocess.run([str(Path(sys.executable).parent / "scrapyd-deploy"), "test", "--version", "r1"],
                            cwd=source, capture_output=True, text=True)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout and '"spiders": 1' in deploy.stdout
    assert api(base, f"listspiders.json?project={PROJECT}")["spiders"] == ["news"]

    db = tmp_path / "data" / "herts.db"
    with ReplicaServer(articles=50) as server:
        job = api(base, "schedule.json", [("project", PROJECT), ("spider", "news"),
                                          ("base_url", server.base_url), ("setting", f"ARCHIVE_PATH={db}")])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while True:
            jobs = api(base, f"listjobs.json?project={PROJECT}")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(0.3)

    log = (home / "logs" / PROJECT / "news" / f"{job['jobid']}.log").read_text()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    assert f"archiving into {db} (crawl run 1, writer in a worker process)" in log
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 50
        assert conn.execute("select status from crawl_runs").fetchall() == [("ok",)]
