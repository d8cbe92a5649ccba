"""The demo: serve the replica, crawl it with `scrapy crawl news`, export.

Everything runs as real processes, as a user would run them: the replica in
one, Scrapy in another, talking HTTP over loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from herts_scraper.archive.export import export
from herts_scraper.archive.report import EXIT_CODES
from herts_scraper.archive.store import Archive
from herts_scraper.crawl.warc import warc_dir_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the replica exited with status {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url + "/robots.txt", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the replica did not answer at {url} within {seconds} s")


def start_replica(articles: int, generation: str = "soh", seed: int = 0) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "herts_scraper", "replica", "--port", str(port), "--articles", str(articles),
           "--generation", generation, "--seed", str(seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
    except Exception:
        proc.kill()
        raise
    return proc, base


def scrapy_crawl(base_url: str, db: str, *args: str, log_file: str | None = None, cwd: str | None = None) -> int:
    """Run `scrapy crawl news` as a user would; returns its exit status."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"base_url={base_url}",
           "-s", f"ARCHIVE_PATH={db}", *args]
    if log_file:
        cmd += ["-s", f"LOG_FILE={log_file}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}
    return subprocess.run(cmd, env=env, cwd=cwd).returncode


def run_demo(articles: int, db: str | Path, out: str | Path, generation: str = "soh") -> int:
    db_path = Path(db).resolve()
    print(f"serving a {articles}-article replica of the site ({generation}) ...", flush=True)
    proc, base = start_replica(articles, generation)
    try:
        print(f"crawling {base} with `scrapy crawl news` into {db_path} ...", flush=True)
        log = db_path.parent / "logs" / "demo-crawl.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        status = scrapy_crawl(base, str(db_path), log_file=str(log))
    finally:
        proc.terminate()
        proc.wait(10)
    if status not in (EXIT_CODES["ok"], EXIT_CODES["incomplete"], EXIT_CODES["unhealthy"]):
        print(f"the crawl failed (exit status {status}); see {log}", file=sys.stderr)
        return status
    with Archive(db_path) as archive:
        result = export(archive, out, "records")
        total = archive.count()
    print(f"log: {log}")
    print(f"archive: {db_path} ({total} articles; WARC captures in {warc_dir_for(db_path)})")
    folders = ", ".join(str(p.resolve()) for p in sorted(Path(result["path"]).iterdir()) if p.is_dir())
    print(f"records: {folders} ({result['articles']} records)")
    db = f" --db {db_path}"
    print(f"next: herts-scraper search burglary{db}; herts-scraper stats --by kind{db}; "
          f"herts-scraper plot kinds-by-month --out -{db}; herts-scraper serve{db}")
    return 0
