"""WARC captures as replay tools read them: after a crawl and a full sweep that got only 304s,
the sweep's captures are server-not-modified revisit records naming the captures they confirm,
a real pywb replays an article's latest capture with its headline, and reparse reads them."""

from __future__ import annotations

import html
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from herts_scraper.archive.reparse import iso_of
from herts_scraper.archive.store import Archive
from herts_scraper.crawl.warc import SERVER_NOT_MODIFIED
from herts_scraper.demo import scrapy_crawl
from herts_scraper.replica.server import ReplicaServer

pytestmark = pytest.mark.slow  # real crawls and a real pywb

ARTICLES = 40
QUIET = ("-s", "LOG_LEVEL=WARNING", "-s", "RUN_REPORT=False")
# pywb, in the venv of its own the Makefile gives it (it is a tool archivists install apart: pipx install pywb)
PYWB_BIN = Path(sys.prefix) / "tools" / "pywb" / "bin"


def crawl_and_sweep(folder: Path) -> Path:
    """A crawl of the replica, then a full sweep of the unchanged replica (only 304s): the archive."""
    db = folder / "archive" / "herts.db"
    with ReplicaServer(articles=ARTICLES) as server:
        assert scrapy_crawl(server.base_url, str(db), *QUIET) == 0
        assert scrapy_crawl(server.base_url, str(db), *QUIET, "-a", "mode=full") == 0
    with Archive(db) as archive:
        assert archive.runs()[-1]["not_modified"] == ARTICLES
    return db


def records(warc_dir: Path) -> list[tuple[str, object]]:
    """(file name, record) of every record, in order, with its block read (content kept as .block)."""
    out = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                record.block = record.content_stream().read()
                out.append((path.name, record))
    return out


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    return crawl_and_sweep(tmp_path_factory.mktemp("swept"))


def is_article(url: str) -> bool:
    return "/news/hertfordshire/news/" in url and url.count("/") > 7


def test_the_sweeps_304s_are_revisit_records_naming_the_captures_they_confirm(swept):
    warc_dir = swept.parent / "warc"
    first, sweep = sorted(p.name for p in warc_dir.glob("*.warc.gz"))
    all_records = records(warc_dir)
    responses = {r.rec_headers.get_header("WARC-Record-ID"): r for name, r in all_records
                 if name == first and r.rec_type == "response"}
    revisits = [r for name, r in all_records if name == sweep and r.rec_type == "revisit"]
    assert len(revisits) == ARTICLES
    assert not [r for name, r in all_records if r.rec_type == "response" and r.http_headers.get_statuscode() == "304"]
    with Archive(swept, readonly=True) as archive:
        titles = {row["fetched_url"]: row["title"] for row in archive.articles()}
    for revisit in revisits:
        h = revisit.rec_headers
        url = h.get_header("WARC-Target-URI")
        assert is_article(url) and url in titles
        assert h.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
        assert revisit.block == b"" and h.get_header("Content-Length") == "0"
        assert h.get_header("WARC-Payload-Digest") is None  # the profile forbids one: a 304 has no payload
        original = responses[h.get_header("WARC-Refers-To")]
        assert original.http_headers.get_statuscode() == "200"
        assert original.rec_headers.get_header("WARC-Target-URI") == h.get_header("WARC-Refers-To-Target-URI") == url
        assert original.rec_headers.get_header("WARC-Date") == h.get_header("WARC-Refers-To-Date")
        assert titles[url] in html.unescape(original.block.decode("utf-8"))
    # the 304 itself is kept beside its revisit, as a metadata record referring to it
    metadata = {r.rec_headers.get_header("WARC-Refers-To"): r.block for _, r in all_records if r.rec_type == "metadata"}
    for revisit in revisits:
        assert metadata[revisit.rec_headers.get_header("WARC-Record-ID")].startswith(b"http-status: HTTP/1.1 304 ")
    # and standard tools find the files sound
    check = subprocess.run([Path(sys.executable).parent / "warcio", "check", *sorted(warc_dir.glob("*.warc.gz"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_request_records_carry_their_host_header(swept):
    requests = [r for _, r in records(swept.parent / "warc") if r.rec_type == "request"]
    assert len(requests) > 2 * ARTICLES
    for request in requests:
        host = request.rec_headers.get_header("WARC-Target-URI").split("/")[2]
        assert request.http_headers.get_header("Host") == host
        assert request.http_headers.headers[0][0] == "Host"


def test_the_archives_capture_times_are_the_warc_dates(swept):
    dates: dict[str, list[tuple[str, str]]] = {}
    for _, r in records(swept.parent / "warc"):
        if r.rec_type in ("response", "revisit"):
            dates.setdefault(r.rec_headers.get_header("WARC-Target-URI"), []).append(
                (r.rec_type, iso_of(r.rec_headers.get_header("WARC-Date"))))
    with Archive(swept, readonly=True) as archive:
        rows = list(archive.articles())
    assert len(rows) == ARTICLES
    for row in rows:
        assert dates[row["fetched_url"]] == [("response", row["first_seen"]), ("revisit", row["last_seen"])]
        assert row["last_changed"] == row["first_seen"]


def test_reparse_reads_revisits_as_sightings(swept, tmp_path):
    rebuilt = tmp_path / "rebuilt.db"
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "reparse", "--warc", str(swept.parent / "warc"),
                             "--db", str(rebuilt)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{ARTICLES} new" in result.stdout and f"{ARTICLES} not modified" in result.stdout
    with Archive(swept, readonly=True) as a, Archive(rebuilt, readonly=True) as b:
        assert b.count() == ARTICLES and b.db["versions"].count == ARTICLES
        assert b.db["failures"].count == 0
        times = "select url, first_seen, last_seen, last_changed, versions, removed_at from articles order by url"
        assert list(a.db.query(times)) == list(b.db.query(times))


# -- pywb ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Wayback:
    """A pywb `wayback` serving the collections of `root` on a free loopback port."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.proc = subprocess.Popen([PYWB_BIN / "wayback", "-p", str(self.port), "-b", "127.0.0.1"], cwd=root,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.close()
        pytest.fail(f"wayback did not start: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")

    def get(self, path: str) -> tuple[int, dict, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wb_manager(root: Path, *args) -> None:
    result = subprocess.run([PYWB_BIN / "wb-manager", *map(str, args)], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def latest_capture(warc_dir: Path) -> tuple[str, str]:
    """(URL, 14-digit timestamp) of the last revisit record: an article's latest capture."""
    revisit = [r for _, r in records(warc_dir) if r.rec_type == "revisit"][-1]
    date = revisit.rec_headers.get_header("WARC-Date")
    return revisit.rec_headers.get_header("WARC-Target-URI"), "".join(c for c in date if c.isdigit())[:14]


def assert_replays_with_headline(wayback: Wayback, collection: str, url: str, timestamp: str, title: str) -> None:
    status, headers, body = wayback.get(f"/{collection}/{timestamp}mp_/{url}")
    assert status == 200, body[:500]
    # the revisit itself is the memento served (its time), with the content of the capture it names
    assert headers["Memento-Datetime"] == time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                        time.strptime(timestamp, "%Y%m%d%H%M%S"))
    assert f">{title}</h1>" in html.unescape(body)


def test_pywb_replays_the_latest_capture_of_an_article_with_its_headline(swept, tmp_path):
    warc_dir = swept.parent / "warc"
    wb_manager(tmp_path, "init", "herts")
    wb_manager(tmp_path, "add", "herts", *sorted(warc_dir.glob("*.warc.gz")))
    url, timestamp = latest_capture(warc_dir)
    with Archive(swept, readonly=True) as archive:
        title = next(row["title"] for row in archive.articles() if row["fetched_url"] == url)
    with Wayback(tmp_path) as wayback:
        assert_replays_with_headline(wayback, "herts", url, timestamp, title)
