"""Raw captures as WARC files, written and read with warcio.

Every request and response of a crawl (robots.txt, listings, redirects,
retried errors, 304s) goes into gzip-compressed WARC 1.1 files in the
`warc/` folder beside the archive (archive/warc/ for archive/herts.db), one
file per crawl, rotated at WARC_MAX_BYTES. Each record is its own gzip member,
so a crawl killed mid-write loses at most its last record, and the files are
readable by standard WARC tools.
"""

from __future__ import annotations

import datetime as dt
import http
import logging
import os
import zlib
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from herts_scraper import __version__
from herts_scraper.archive.report import DISK_FULL, is_disk_full
from herts_scraper.project import archive_path

logger = logging.getLogger(__name__)
GZIP_LEVEL = 1  # fastest: 10% larger than level 9, a third of the CPU


def warc_dir_for(db_path: str | Path) -> Path:
    return Path(db_path).parent / "warc"


def _warc_date(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcFiles:
    """Rotating WARC output: <folder>/<prefix>-<UTC time>-<pid>-<nnnnn>.warc.gz."""

    def __init__(self, folder: str | Path, info: dict, max_bytes: int, prefix: str = "herts"):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.info = info
        self.max_bytes = max_bytes
        self.stem = f"{prefix}-{dt.datetime.now(dt.timezone.utc):%Y%m%d%H%M%S}-{os.getpid()}"
        self.serial = 0
        self.records = 0
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    def _open(self) -> None:
        name = f"{self.stem}-{self.serial:05d}.warc.gz"
        self.serial += 1
        self._fh = open(self.folder / name, "wb")
        # warcio serialises each record into a buffer; we gzip it as its own member
        # at a moderate level (warcio's own gzip uses level 9, a third of our crawl's WARC cost).
        self._buffer = BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version="WARC/1.1")
        info = {"software": f"herts-scraper/{__version__} (Scrapy, warcio)", "format": "WARC File Format 1.1",
                **{k: str(v) for k, v in self.info.items() if v is not None}}
        self._write(self._writer.create_warcinfo_record(name, info))

    def _write(self, record) -> None:
        assert self._writer is not None and self._fh is not None  # opened by _open
        self._writer.write_record(record)
        # One gzip member (wbits=31); zlib.compress takes wbits only from Python 3.11 on.
        gz = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        self._fh.write(gz.compress(self._buffer.getbuffer()) + gz.flush())
        self._buffer.seek(0)
        self._buffer.truncate()

    def write_exchange(self, url: str, method: str, request_headers: list[tuple[str, str]], status: int,
                       response_headers: list[tuple[str, str]], body: bytes) -> None:
        if self._writer is None or self._fh is None or self._fh.tell() >= self.max_bytes:
            self.close()
            self._open()
        w = self._writer
        assert w is not None  # opened above
        date = _warc_date()
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        resp_headers = StatusAndHeaders(f"{status} {reason}", response_headers, protocol="HTTP/1.1")
        response = w.create_warc_record(url, "response", payload=BytesIO(body), http_headers=resp_headers,
                                        warc_headers_dict={"WARC-Date": date})
        parts = urlsplit(url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        req_headers = StatusAndHeaders(f"{method} {target} HTTP/1.1", request_headers, is_http_request=True)
        request = w.create_warc_record(url, "request", payload=BytesIO(b""), http_headers=req_headers,
                                       warc_headers_dict={"WARC-Date": date})
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        self._write(response)
        self._write(request)
        self.records += 2

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = self._writer = None


def _pairs(headers, response: bool = False) -> list[tuple[str, str]]:
    pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]
    if response:
        # The body we get is already de-chunked: say so, or WARC readers would de-chunk it again.
        pairs = [("X-Archive-Orig-" + k if k.lower() == "transfer-encoding" else k, v) for k, v in pairs]
    return pairs


class WarcCaptureMiddleware:
    """Downloader middleware: sits next to the downloader, so it sees every
    raw response (redirects and errors included) before other middlewares."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.folder = settings.get("WARC_DIR") or warc_dir_for(archive_path(settings))
        self.max_bytes = settings.getint("WARC_MAX_BYTES")
        self.files: WarcFiles | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("ARCHIVE_ENABLED") or not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider):
        profile = getattr(spider, "profile", None)
        self.files = WarcFiles(self.folder, {
            "base_url": getattr(spider, "base_url", None),
            "profile": getattr(profile, "name", None),
            "spider": spider.name,
            "http-header-user-agent": self.crawler.settings.get("USER_AGENT"),
            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }, max_bytes=self.max_bytes)

    def process_response(self, request, response, spider=None):
        if self.files is not None:
            try:
                self.files.write_exchange(request.url, request.method, _pairs(request.headers), response.status,
                                          _pairs(response.headers, response=True), response.body)
            except OSError as exc:
                if not is_disk_full(exc):
                    raise
                # One line, and the crawl ends: every further page would fail the same way.
                logger.error("disk full: cannot write WARC captures to %s (%s); stopping the crawl",
                             self.folder, exc.strerror)
                files, self.files = self.files, None
                try:
                    files.close()
                except OSError:
                    pass
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=DISK_FULL))
                return response
            self.crawler.stats.inc_value("herts/warc_records", 2)
        return response

    def spider_closed(self, spider):
        if self.files is not None:
            self.files.close()
