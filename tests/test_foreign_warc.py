"""`herts-scraper reparse --warc PATH...` on WARC files other tools made, built here with warcio's
WARCWriter in the shapes those tools write, around pages the replica renders:

- a Browsertrix crawl: WARC/1.1, a gzip member per record, warcinfo, request records, a
  `urn:pageinfo:` resource record per page, responses of every kind (pages, listings, images,
  scripts, another host), identical-payload-digest revisits, a record cut at a size limit
  (WARC-Truncated);
- a Wayback Machine / Heritrix capture: WARC/1.0, HTTP/1.1 responses with chunked and gzip
  payloads, on http:// and the bare domain, a dns: record, deduplicating revisits (one whose
  original is in another file, one whose original is nowhere), a 404, warcinfo;
- a file cut short, and a file that is no WARC at all.

The real CLI replays them: each article archived at its WARC-Date, extracted with its force's
profile (found by host), and one line per reason for the records it could not use."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
from base64 import b32encode
from contextlib import closing
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from herts_scraper.archive.store import Archive
from herts_scraper.crawl.warc import WarcFiles
from herts_scraper.record import Article
from herts_scraper.replica.site import ReplicaSite

BROWSERTRIX = "Browsertrix-Crawler 1.1.3 (with warcio.js 2.2.1)"
HERITRIX = "Heritrix/3.4.0-20220727 https://github.com/internetarchive/heritrix3"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True)


def sha1_digest(payload: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def chunked(body: bytes, size: int = 1000) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


class Warc:
    """One WARC file being written, in a given tool's shape."""

    def __init__(self, path: Path, version: str, software: str, gzip_records: bool = True):
        self.path, self.fh = path, path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=gzip_records, warc_version=version)
        info = {"software": software, "format": f"WARC File Format {version[5:]}", "isPartOf": "a test crawl"}
        self.write(self.writer.create_warcinfo_record(path.name, info))

    def write(self, record) -> None:
        self.writer.write_record(record)

    def response(self, url: str, date: str, status: int, headers: list[tuple[str, str]], payload: bytes,
                 **warc_headers: str) -> str:
        """A response record (its block as given: chunked or gzip payloads stay so); its record id."""
        http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Not Found'}", headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(url, "response", payload=BytesIO(payload), http_headers=http,
                                                warc_headers_dict={"WARC-Date": date, **warc_headers})
        self.write(record)
        return record.rec_headers.get_header("WARC-Record-ID")

    def request(self, url: str, date: str) -> None:
        host = url.split("/")[2]
        http = StatusAndHeaders(f"GET /{url.split('/', 3)[3]} HTTP/1.1", [("Host", host), ("User-Agent", "test")],
                                is_http_request=True)
        self.write(self.writer.create_warc_record(url, "request", payload=BytesIO(b""), http_headers=http,
                                                  warc_headers_dict={"WARC-Date": date}))

    def pageinfo(self, url: str, date: str) -> None:
        info = json.dumps({"pageid": "x", "url": url, "ts": date, "urls": {}}).encode()
        self.write(self.writer.create_warc_record(f"urn:pageinfo:{url}", "resource", payload=BytesIO(info),
                                                  warc_content_type="application/json",
                                                  warc_headers_dict={"WARC-Date": date}))

    def revisit(self, url: str, date: str, payload: bytes, refers_to_date: str, refers_to: str | None = None,
                uri_agnostic: bool = False) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        extra = {"WARC-Date": date, **({"WARC-Refers-To": refers_to} if refers_to else {})}
        record = self.writer.create_revisit_record(url, sha1_digest(payload), url, refers_to_date,
                                                   http_headers=http, warc_headers_dict=extra)
        if uri_agnostic:  # Heritrix's form of the profile
            record.rec_headers.replace_header(
                "WARC-Profile", "http://netpreserve.org/warc/1.0/revisit/uri-agnostic-identical-payload-digest")
        self.write(record)

    def close(self) -> None:
        self.fh.close()


def page(site: ReplicaSite, index: int) -> tuple[str, bytes, list[tuple[str, str]]]:
    """(URL on the force's site, body, headers) of an article page the replica serves."""
    path = site.stub(index).path("soh")
    resp = site.respond("GET", path)
    assert resp.status == 200
    headers = [(k, v) for k, v in resp.headers if k in ("Content-Type", "ETag", "Last-Modified")]
    return site.profile.origin + path, resp.body, headers


def rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def same_fields(got: dict, want: Article) -> bool:
    return (got["url"], got["title"], got["description"], got["published"], got["body"]) == \
        (want.url, want.title, want.description, want.published, want.body)


@pytest.fixture
def kent():
    return ReplicaSite(articles=6, profile="kent")


@pytest.fixture
def herts():
    return ReplicaSite(articles=6, profile="hertfordshire")


# -- Browsertrix ---------------------------------------------------------------------------------------
def browsertrix_crawl(folder: Path, kent: ReplicaSite) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    warc = Warc(folder / "rec-20240301120000-crawl.warc.gz", "WARC/1.1", BROWSERTRIX)
    for i in range(4):
        url, body, headers = page(kent, i)
        date = f"2024-03-01T12:0{i}:00Z"
        warc.request(url, date)
        warc.response(url, date, 200, headers, body)
        warc.pageinfo(url, date)
        warc.response(f"https://www.kent.police.uk/SysSiteAssets/img{i}.jpg", date, 200,
                      [("Content-Type", "image/jpeg")], b"\xff\xd8\xff\xe0 not really a jpeg")
    warc.response("https://www.kent.police.uk/news/kent/latest/", "2024-03-01T12:10:00Z", 200,
                  [("Content-Type", "text/html; charset=utf-8")], kent.respond("GET", "/news/kent/latest/").body)
    warc.response("https://www.kent.police.uk/static/site.js", "2024-03-01T12:10:01Z", 200,
                  [("Content-Type", "application/javascript")], b"var x = 1;")
    warc.response("https://www.googletagmanager.com/gtm.js", "2024-03-01T12:10:02Z", 200,
                  [("Content-Type", "application/javascript")], b"var y = 2;")
    # a page recorded only in part (the crawler's size limit)
    url, body, headers = page(kent, 4)
    warc.response(url, "2024-03-01T12:11:00Z", 200, headers, body[: len(body) // 2], **{"WARC-Truncated": "length"})
    # a second visit the next day: pages 0 and 1 unchanged (deduplicated), page 2 edited
    for i in (0, 1):
        url, body, _ = page(kent, i)
        warc.request(url, f"2024-03-02T09:0{i}:00Z")
        warc.revisit(url, f"2024-03-02T09:0{i}:00Z", body, f"2024-03-01T12:0{i}:00Z")
    edited = ReplicaSite(articles=6, profile="kent", edits={2: 1})
    url, body, headers = page(edited, 2)
    warc.response(url, "2024-03-02T09:05:00Z", 200, headers, body)
    warc.close()
    return warc.path


def test_a_browsertrix_crawl_is_replayed_and_what_it_could_not_use_is_said(tmp_path, kent):
    path = browsertrix_crawl(tmp_path / "crawl", kent)
    db = tmp_path / "herts.db"
    result = cli("reparse", "--warc", str(path), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "4 new, 1 changed" in out
    with Archive(db, readonly=True) as archive:
        got = {row["url"]: row for row in archive.articles()}
        assert set(got) == {kent.expected_article(i).url for i in range(4)}
        for i in range(4):
            want = kent.expected_article(i) if i != 2 else ReplicaSite(
                articles=6, profile="kent", edits={2: 1}).expected_article(2)
            assert same_fields(got[want.url], want), i
            assert got[want.url]["area"] == "Kent"
        first = kent.expected_article(0).url
        assert got[first]["first_seen"] == "2024-03-01T12:00:00.000000+00:00"  # the WARC-Date
        assert got[first]["last_seen"] == "2024-03-02T09:00:00.000000+00:00"  # the revisit
        assert [v["first_seen"][:10] for v in archive.versions(kent.expected_article(2).url)] == \
            ["2024-03-01", "2024-03-02"]
    lines = out.splitlines()
    head = lines.index(next(ln for ln in lines if ln.startswith("could not use ")))
    reasons = {ln.strip().split(":")[0]: ln.strip() for ln in lines[head + 1:]}
    assert set(reasons) == {"not a response", "not HTML", "not an article URL", "unknown host", "truncated record"}
    assert reasons["not HTML"].startswith("not HTML: 5 (https://www.kent.police.uk/SysSiteAssets/img0.jpg, ")
    assert reasons["not an article URL"] == "not an article URL: 1 (https://www.kent.police.uk/news/kent/latest/)"
    assert reasons["unknown host"] == "unknown host: 1 (https://www.googletagmanager.com/gtm.js)"
    assert reasons["truncated record"] == f"truncated record: 1 ({kent.expected_article(4).url})"
    # 1 warcinfo, 6 requests, 4 pageinfo resource records
    assert reasons["not a response"].startswith("not a response: 11 (")
    # again: nothing new
    again = cli("reparse", "--warc", str(path), "--db", str(db))
    assert "0 new, 0 changed" in again.stdout and "0 earlier versions inserted" in again.stdout


# -- Wayback Machine / Heritrix --------------------------------------------------------------------------
def heritrix_capture(folder: Path, herts: ReplicaSite) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    first = Warc(folder / "IA-20230510-00000.warc.gz", "WARC/1.0", HERITRIX)
    first.write(first.writer.create_warc_record("dns:www.herts.police.uk", "response",
                                                payload=BytesIO(b"20230510 www.herts.police.uk. 300 IN A 1.2.3.4\n"),
                                                warc_content_type="text/dns",
                                                warc_headers_dict={"WARC-Date": "2023-05-10T08:00:00Z"}))
    url, body, headers = page(herts, 0)  # chunked, over http://
    chunked_headers = [*headers, ("Transfer-Encoding", "chunked")]
    original_id = first.response(url.replace("https://", "http://"), "2023-05-10T08:00:01Z", 200, chunked_headers,
                                 chunked(body))
    url, body, headers = page(herts, 1)  # gzip, on the bare domain
    first.response(url.replace("www.herts", "herts"), "2023-05-10T08:00:02Z", 200,
                   [*headers, ("Content-Encoding", "gzip")], gzip.compress(body))
    url, body, headers = page(herts, 2)  # gzip and chunked
    first.response(url, "2023-05-10T08:00:03Z", 200, [*headers, ("Content-Encoding", "gzip"),
                                                      ("Transfer-Encoding", "chunked")], chunked(gzip.compress(body)))
    first.response("https://www.herts.police.uk/news/hertfordshire/news/no-such-story/", "2023-05-10T08:00:04Z", 404,
                   [("Content-Type", "text/html")], b"<html><body>Not found</body></html>")
    url, body, headers = page(herts, 3)  # a gzip payload that does not decode
    first.response(url, "2023-05-10T08:00:05Z", 200, [*headers, ("Content-Encoding", "gzip")],
                   gzip.compress(body)[:200] + b"garbage")
    first.close()
    # a later visit, in another file: page 0 deduplicated against the first file's record, page 5's
    # original in no file given
    second = Warc(folder / "IA-20230601-00001.warc", "WARC/1.0", HERITRIX, gzip_records=False)
    url, body, _ = page(herts, 0)
    second.revisit(url.replace("https://", "http://"), "2023-06-01T10:00:00Z", body, "2023-05-10T08:00:01Z",
                   refers_to=original_id, uri_agnostic=True)
    url, body, _ = page(herts, 5)
    second.revisit(url, "2023-06-01T10:00:01Z", body, "2023-05-01T00:00:00Z")
    url, body, headers = page(herts, 4)  # a record whose date is no date: that record alone is left out
    second.response(url, "the day after", 200, headers, body)
    second.close()
    return [first.path, second.path]


def test_a_heritrix_capture_with_chunked_and_gzip_payloads_and_revisits(tmp_path, herts):
    files = heritrix_capture(tmp_path / "ia", herts)
    db = tmp_path / "herts.db"
    result = cli("reparse", "--warc", *map(str, files), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with Archive(db, readonly=True) as archive:
        got = {row["url"]: row for row in archive.articles()}
        assert set(got) == {herts.expected_article(i).url for i in range(3)}  # on the https origin, www
        for i in range(3):
            assert same_fields(got[herts.expected_article(i).url], herts.expected_article(i)), i
        zero = got[herts.expected_article(0).url]
        assert (zero["first_seen"], zero["last_seen"]) == ("2023-05-10T08:00:01.000000+00:00",
                                                           "2023-06-01T10:00:00.000000+00:00")
        assert zero["versions"] == 1
    reasons = {ln.strip().split(":")[0]: ln.strip() for ln in result.stdout.splitlines()[2:]}
    assert reasons["HTTP status not 200"] == ("HTTP status not 200: 1 "
                                              "(https://www.herts.police.uk/news/hertfordshire/news/no-such-story/)")
    assert reasons["damaged payload"] == f"damaged payload: 1 ({herts.expected_article(3).url})"
    assert reasons["revisit with no original"] == f"revisit with no original: 1 ({herts.expected_article(5).url})"
    assert reasons["not a response"].startswith("not a response: 3 (")  # 2 warcinfo and the dns: record
    assert reasons["malformed record"] == f"malformed record: 1 ({herts.expected_article(4).url} " \
                                          "(WARC-Date 'the day after'))"


# -- broken files ---------------------------------------------------------------------------------------------
def test_a_cut_file_and_a_file_that_is_no_warc_are_reasons_not_tracebacks(tmp_path, kent):
    whole = browsertrix_crawl(tmp_path / "crawl", kent)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    plain = tmp_path / "plain.warc"  # the same records uncompressed, cut inside a record
    with gzip.open(whole) as fh:
        raw = fh.read()
    plain.write_bytes(raw[: raw.rindex(b"WARC-Type: response") + 3000])  # inside the last page
    junk = tmp_path / "notes.warc.gz"
    junk.write_bytes(b"these are my notes, not a WARC\n" * 20)
    db = tmp_path / "herts.db"
    result = cli("reparse", "--warc", str(cut), str(plain), str(junk), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    reasons = {ln.strip().split(":")[0]: ln.strip() for ln in result.stdout.splitlines()[2:]}
    assert reasons["not a WARC file"].startswith(f"not a WARC file: 1 ({junk} (")
    # the page the gzip file's cut falls in; in the plain file, the page the crawler recorded in
    # part and the page its cut falls in
    edited = ReplicaSite(articles=6, profile="kent", edits={2: 1}).expected_article(2).url
    assert reasons["truncated record"].startswith("truncated record: 3 (")
    assert edited in reasons["truncated record"] and kent.expected_article(4).url in reasons["truncated record"]
    assert rows(db, "select count(*) from articles")[0][0] >= 3  # what came before the cuts is archived
    assert not rows(db, "select 1 from versions where first_seen like '2024-03-02%'")  # the cut page is not


def test_our_own_warc_folder_still_replays_as_before(tmp_path):
    """A folder of our crawl's files and another tool's file, in one run: ours by its warcinfo."""
    site = ReplicaSite(articles=3, profile="hertfordshire")
    ours = WarcFiles(tmp_path / "warc", {"profile": "hertfordshire"}, 10 << 20)
    for i in range(2):
        url, body, headers = page(site, i)
        ours.write_exchange(url, "GET", [], 200, headers, body)
    ours.close()
    other = browsertrix_crawl(tmp_path / "crawl", ReplicaSite(articles=6, profile="kent"))
    db = tmp_path / "herts.db"
    result = cli("reparse", "--warc", str(tmp_path / "warc"), str(other), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert rows(db, "select area, count(*) from articles group by area") == [("Hertfordshire", 2), ("Kent", 4)]
    missing = cli("reparse", "--warc", str(tmp_path / "nowhere.warc.gz"), "--db", str(db))
    assert missing.returncode == 2 and "no WARC folder at" in missing.stderr
