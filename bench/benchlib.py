"""What the benchmark sections share: replica processes, measured
subprocesses (wall time, peak RSS), Scrapy stats from a log, the URL list
of a replica, machine facts, word F1.

Everything runs as real processes talking HTTP over loopback, as users run them.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = sys.executable
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- processes -------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    """`python -m herts_scraper replica` in its own process, on a free port.

        with Replica(5000) as rep: ... rep.base ...
    """

    def __init__(self, articles: int, generation: str = "soh", seed: int = 0, extra: tuple = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cmd = [PY, "-m", "herts_scraper", "replica", "--port", str(self.port), "--articles", str(articles),
                    "--generation", generation, "--seed", str(seed), *extra]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Replica:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"replica exited with status {self.proc.returncode}: {' '.join(self.cmd)}")
            try:
                with urllib.request.urlopen(self.base + "/robots.txt", timeout=2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"replica did not answer at {self.base}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def run_measured(cmd: list[str], *, cwd=ROOT, env=None, log: Path | None = None, timeout: float = 600) -> dict:
    """Run cmd to its end through bench/measure.py: exit status, wall seconds
    (start to exit), peak RSS in MB (the kernel's ru_maxrss, and VmHWM polled
    from /proc as a cross-check), CPU seconds. log gets stdout and stderr."""
    import json
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    try:
        launcher = [PY, str(BENCH / "measure.py"), "--out", str(out), "--timeout", str(timeout)]
        if log:
            launcher += ["--stdout", str(log)]
        subprocess.run([*launcher, "--", *cmd], cwd=cwd, env=env, check=True, timeout=timeout + 60)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def scrapy_env() -> dict:
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "herts_scraper.settings"}


def crawl_cmd(base: str, db: Path, *args: str, log_file: Path | None = None) -> list[str]:
    """`scrapy crawl news` exactly as a user runs it (see herts_scraper.demo.scrapy_crawl)."""
    cmd = [PY, "-m", "scrapy", "crawl", "news", "-a", f"base_url={base}", "-s", f"ARCHIVE_PATH={db}", *args]
    if log_file:
        cmd += ["-s", f"LOG_FILE={log_file}"]
    return cmd


_STAT = re.compile(r"'([\w/.-]+)':\s*([0-9.]+)[,}]")


def scrapy_stats_from_log(log: Path) -> dict:
    """The numbers of the last 'Dumping Scrapy stats' block of a log."""
    text = log.read_text(encoding="utf-8", errors="replace")
    at = text.rfind("Dumping Scrapy stats")
    if at < 0:
        return {}
    block = text[at: text.find("}", at) + 1]
    return {k: float(v) if "." in v else int(v) for k, v in _STAT.findall(block)}


def last_run(db: Path) -> dict:
    import sqlite3

    con = sqlite3.connect(str(db))
    con.row_factory = sqlite3.Row
    try:
        row = con.execute("select * from crawl_runs order by id desc limit 1").fetchone()
        return dict(row) if row else {}
    finally:
        con.close()


# -- the replica's URLs ------------------------------------------------------------
def site_paths(base: str, profile_name: str = "hertfordshire") -> dict[str, list[str]]:
    """Every path a full crawl of the replica at base fetches: start pages,
    listing pagination (walked with the project's own listing parser),
    article pages from the sitemap. Paths, so other ports can reuse them."""
    from herts_scraper.extract.discovery import parse_listing, parse_sitemap
    from herts_scraper.profiles import load_profile

    profile = load_profile(profile_name)

    def get(url: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""

    def path(url: str) -> str:
        return url[len(base):] if url.startswith(base) else url

    start = profile.start_urls(base)
    articles: list[str] = []
    listings: list[str] = []
    seen = set(start)
    queue = []
    for url in start:
        status, body = get(url)
        if status != 200:
            continue
        if b"<urlset" in body[:2000]:
            pages, _ = parse_sitemap(body, url)
            articles += [path(p.url) for p in pages if profile.is_article_url(p.url)]
        elif profile.is_listing_url(url):
            queue.append((url, body))
    while queue:
        url, body = queue.pop()
        for nxt in parse_listing(body, url, profile).next_pages:
            if nxt not in seen:
                seen.add(nxt)
                listings.append(path(nxt))
                status, page = get(nxt)
                if status == 200:
                    queue.append((nxt, page))
    return {"start": [path(u) for u in start], "listings": listings, "articles": list(dict.fromkeys(articles))}


# -- figures ---------------------------------------------------------------------------
WORDS = re.compile(r"[^\W_]+")


def word_f1(predicted: str | None, expected: str | None) -> float:
    """F1 of the multiset overlap of lowercased words."""
    p = Counter(w.lower() for w in WORDS.findall(predicted or ""))
    e = Counter(w.lower() for w in WORDS.findall(expected or ""))
    if not p and not e:
        return 1.0
    common = sum((p & e).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(e.values())
    return 2 * precision * recall / (precision + recall)


def median(values) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def machine_info() -> dict:
    import lxml.etree
    import scrapy

    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024} MB"
                break
    except OSError:
        pass
    info = {"cpu_model": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "platform": platform.platform(), "scrapy": scrapy.__version__,
            "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
            "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION)),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    try:
        import trafilatura

        info["trafilatura"] = trafilatura.__version__
    except ImportError:
        info["trafilatura"] = None
    return info
