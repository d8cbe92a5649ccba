"""Retries wait as long as a 429 or 503 asks (Retry-After), within RETRY_AFTER_MAX."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from herts_scraper.crawl.retry import retry_after_seconds

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out

SPIDER = '''
import scrapy

class Once(scrapy.Spider):
    name = "once"
    custom_settings = {
        "DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                                   "herts_scraper.crawl.retry.RetryAfterMiddleware": 550},
        "RETRY_TIMES": 2, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING",
    }

    def __init__(self, url, **kw):
        super().__init__(**kw)
        self.start_urls = [url]

    def parse(self, response):
        yield {"status": response.status}
'''


class _Site(ThreadingHTTPServer):
    """Answers each path once with the given status and Retry-After, then 200; logs when."""

    def __init__(self, first_status: int, retry_after: str | None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.first_status, self.retry_after = first_status, retry_after
        self.hits: list[tuple[float, int]] = []


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        site = self.server
        status = site.first_status if not site.hits else 200
        site.hits.append((time.monotonic(), status))
        self.send_response(status)
        if status != 200 and site.retry_after is not None:
            self.send_header("Retry-After", site.retry_after)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def crawl_once(tmp_path, first_status: int, retry_after: str | None, *settings: str) -> list[tuple[float, int]]:
    site = _Site(first_status, retry_after)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    spider = tmp_path / "once.py"
    spider.write_text(SPIDER)
    out = tmp_path / "items.jsonl"
    try:
        cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a",
               f"url=http://127.0.0.1:{site.server_address[1]}/page", "-o", f"{out}:jsonlines", *settings]
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        subprocess.run(cmd, check=True, timeout=60, env=env, cwd=tmp_path)
    finally:
        site.shutdown()
    assert [json.loads(line)["status"] for line in out.read_text().splitlines()] == [200]
    return site.hits


def test_a_503_is_retried_after_the_delay_it_asks_for(tmp_path):
    hits = crawl_once(tmp_path, 503, "2")
    assert [status for _, status in hits] == [503, 200]
    assert 1.9 <= hits[1][0] - hits[0][0] < 10


def test_the_wait_is_capped_and_a_429_date_works_too(tmp_path):
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    hits = crawl_once(tmp_path, 429, later, "-s", "RETRY_AFTER_MAX=1")
    assert [status for _, status in hits] == [429, 200]
    assert 0.9 <= hits[1][0] - hits[0][0] < 5


def test_without_retry_after_the_retry_is_immediate(tmp_path):
    hits = crawl_once(tmp_path, 503, None)
    assert [status for _, status in hits] == [503, 200]
    assert hits[1][0] - hits[0][0] < 0.9


@pytest.mark.parametrize("value, seconds", [("120", 120.0), (" 5 ", 5.0), (b"7", 7.0), ("", None), (None, None),
                                            ("soon", None), ("Sat, 21 Nov 2026 10:00:30 GMT", 30.0),
                                            ("Sat, 21 Nov 2026 09:00:00 GMT", 0.0)])
def test_retry_after_values(value, seconds):
    now = dt.datetime(2026, 11, 21, 10, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds(value, now) == seconds
