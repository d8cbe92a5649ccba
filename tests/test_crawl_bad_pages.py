"""A crawl over a site of broken pages: every article page ends in the archive
(whole or marked partial) or in the failures table, and the crawl finishes."""

from __future__ import annotations

import http.server
import threading

import pytest

from herts_scraper.archive.store import Archive
from herts_scraper.demo import scrapy_crawl

pytestmark = pytest.mark.slow  # real crawls: `make test-fast` leaves them out

GOOD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} | Hertfordshire Constabulary</title>
<meta property="og:description" content="{title} summary"></head><body>
<h1 class="news-article__title">{title}</h1><time class="news-article__date" datetime="2021-03-04">4 Mar 2021</time>
<div class="news-article__body"><p>{title} happened in Watford and officers want to hear from witnesses.</p>
<p>Anyone with information should call 101.</p></div></body></html>"""

PAGES = {
    "/news-and-appeals/Good-story-1": ("200", GOOD.format(title="Good story").encode("utf-8")),
    "/news-and-appeals/Truncated-story-2": ("200", GOOD.format(title="Truncated story").encode()[:-180]),
    "/news-and-appeals/Empty-page-3": ("200", b""),
    "/news-and-appeals/Binary-page-4": ("200", bytes(range(256)) * 20),
    "/news-and-appeals/Cp1252-story-5": ("200", GOOD.format(title="Fine of \u00a3500 story").encode("cp1252")),
    "/news-and-appeals/Server-error-6": ("500", b"oops"),
    "/news-and-appeals/Missing-7": ("404", b"not here"),
    "/news-and-appeals/No-date-story-8": ("200", GOOD.format(title="No date story").replace(
        '<time class="news-article__date" datetime="2021-03-04">4 Mar 2021</time>', "").encode()),
}
LISTING = ("<html><body><ul>" + "".join(
    f'<li><a class="news-list__link" href="{p}">x</a></li>' for p in PAGES) + "</ul></body></html>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/news-and-appeals/":
            status, body = "200", LISTING
        elif self.path == "/robots.txt":
            status, body = "200", b"User-agent: *\nDisallow: /private/\n"
        else:
            status, body = PAGES.get(self.path, ("404", b"no"))
        self.send_response(int(status))
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def broken_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_no_page_is_lost_and_the_crawl_finishes(broken_site, tmp_path):
    db = tmp_path / "herts.db"
    # exit status 3: incomplete, the failures are recorded and will be retried first next run
    assert scrapy_crawl(broken_site, str(db), "-s", "RETRY_TIMES=1", "-s", "LOG_LEVEL=WARNING") == 3
    with Archive(db) as archive:
        stored = {r["fetched_url"].replace(broken_site, ""): r for r in archive.articles()}
        failed = {f["url"].replace(broken_site, ""): f for f in archive.unresolved_failures()}
        run = archive.runs()[-1]
    assert set(stored) | set(failed) >= set(PAGES), "a page was silently lost"
    assert stored["/news-and-appeals/Good-story-1"]["status"] == "ok"
    assert stored["/news-and-appeals/Truncated-story-2"]["status"] == "partial"
    assert "truncated" in stored["/news-and-appeals/Truncated-story-2"]["problems"]
    assert "\u00a3500" in stored["/news-and-appeals/Cp1252-story-5"]["title"]
    assert stored["/news-and-appeals/No-date-story-8"]["missing"] == ["published"]
    assert failed["/news-and-appeals/Empty-page-3"]["kind"] == "rejected"
    assert failed["/news-and-appeals/Binary-page-4"]["kind"] == "rejected"
    assert failed["/news-and-appeals/Server-error-6"]["http_status"] == 500
    assert failed["/news-and-appeals/Missing-7"]["kind"] == "gone"
    assert run["status"] == "incomplete" and run["rejected"] == 2 and run["failed"] >= 2
