"""Raw captures as WARC files, written and read with warcio.

Every request and response of a crawl (robots.txt, listings, redirects,
retried errors, 304s) goes into gzip-compressed WARC 1.1 files in the
`warc/` folder beside the archive (archive/warc/ for archive/herts.db), one
file per crawl, rotated at WARC_MAX_BYTES. Each record is its own gzip member,
so a crawl killed mid-write loses at most its last record, and the files are
readable by standard WARC tools.

A 304 to a conditional request is a `revisit` record (profile
server-not-modified) with an empty block, naming the response record whose
content it confirms: WARC-Refers-To, -Target-URI and -Date. Replay tools
(pywb, wabac.js) resolve it through those to the archived page; a block
holding the 304's own status line would replay as an empty 304 (pywb serves a
3xx revisit as it stands). The spider names that capture by its time
(request meta REVISIT_OF: the archive's `last_changed`), and response record
IDs are derived from URL and WARC-Date (response_record_id), so the archive's
times name records exactly: the response's WARC-Date goes into its meta
(WARC_DATE), and the spider gives it to the archive as the capture's time (as
reparse does). The 304's own headers go into a metadata record
beside the revisit.

Request records carry the Host header the downloader adds on the wire.
"""

from __future__ import annotations

import datetime as dt
import http
import logging
import os
import uuid
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
from herts_scraper.archive.reparse import iso_of
from herts_scraper.archive.report import DISK_FULL, is_disk_full
from herts_scraper.project import archive_path

logger = logging.getLogger(__name__)
GZIP_LEVEL = 1  # fastest: 10% larger than level 9, a third of the CPU
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
REVISIT_OF = "warc_revisit_of"  # request meta: when the capture a 304 would confirm was made (ISO 8601 UTC)
WARC_DATE = "warc_date"  # response meta: the WARC-Date of its records, as an ISO 8601 UTC time
_RECORD_IDS = uuid.UUID("0b5c7a52-3f3e-5d2a-9a57-6e1d1c1f2b10")  # namespace of our response record IDs


def warc_dir_for(db_path: str | Path) -> Path:
    return Path(db_path).parent / "warc"


def _warc_date(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def warc_date_of(iso: str) -> str:
    """The WARC-Date of an archive time (ISO 8601 with offset, as store.now_iso writes it)."""
    return _warc_date(dt.datetime.fromisoformat(iso).astimezone(dt.timezone.utc))


def response_record_id(url: str, warc_date: str) -> str:
    """The WARC-Record-ID of our response record for url at warc_date: a revisit names it from the
    archive's time alone. Unique as long as one URL is not fetched twice in one microsecond."""
    return f"<urn:uuid:{uuid.uuid5(_RECORD_IDS, f'{warc_date} {url}')}>"


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
                       response_headers: list[tuple[str, str]], body: bytes, revisit_of: str | None = None) -> str:
        """Write one exchange: a response record (a revisit record and the 304's headers as metadata for
        a 304) and its request record. revisit_of: when the capture a 304 confirms was made (ISO 8601).
        Returns the records' WARC-Date."""
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
        extra = []
        if status == 304:
            response = self._revisit(url, date, revisit_of)
            # The server's answer itself, beside the revisit (warc-fields: replay tools do not index it).
            about = {"WARC-Date": date, "WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID")}
            extra.append(w.create_warc_record(url, "metadata", payload=BytesIO(_http_fields(resp_headers)),
                                              warc_content_type="application/warc-fields", warc_headers_dict=about))
        else:
            response = w.create_warc_record(url, "response", payload=BytesIO(body), http_headers=resp_headers,
                                            warc_headers_dict={"WARC-Date": date,
                                                               "WARC-Record-ID": response_record_id(url, date)})
        parts = urlsplit(url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        if not any(k.lower() == "host" for k, _ in request_headers):
            # Twisted adds it on the wire; the request as sent had it first.
            request_headers = [("Host", parts.netloc.rpartition("@")[2]), *request_headers]
        req_headers = StatusAndHeaders(f"{method} {target} HTTP/1.1", request_headers, is_http_request=True)
        request = w.create_warc_record(url, "request", payload=BytesIO(b""), http_headers=req_headers,
                                       warc_headers_dict={"WARC-Date": date})
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        for record in (response, *extra, request):
            self._write(record)
        self.records += 2 + len(extra)
        return date

    def _revisit(self, url: str, date: str, revisit_of: str | None):
        """A server-not-modified revisit with an empty block, naming what it confirms when it is known
        (else replay tools take the capture of the URL closest in time). No payload digest: the
        profile forbids one (a 304 has no payload)."""
        assert self._writer is not None
        headers = {"WARC-Date": date, "WARC-Profile": SERVER_NOT_MODIFIED, "WARC-Refers-To-Target-URI": url}
        if revisit_of:
            refers_date = warc_date_of(revisit_of)
            headers |= {"WARC-Refers-To": response_record_id(url, refers_date), "WARC-Refers-To-Date": refers_date}
        record = self._writer.create_warc_record(url, "revisit", payload=BytesIO(b""), length=0,
                                                 warc_content_type="application/http; msgtype=response",
                                                 warc_headers_dict=headers)
        record.rec_headers.remove_header("WARC-Payload-Digest")
        return record

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = self._writer = None


def _http_fields(headers: StatusAndHeaders) -> bytes:
    """An HTTP response's status line and headers as application/warc-fields."""
    lines = [f"http-status: {headers.protocol} {headers.statusline}"]
    lines += [f"http-header-{name.lower()}: {value}" for name, value in headers.headers]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "replace")


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
            # several forces: each one's profile (name or YAML path) and origin, "name=source@base_url, ..."
            **({"forces": ", ".join(f"{s.name}={s.profile_source}@{s.base_url}" for s in spider.sites)}
               if len(getattr(spider, "sites", ())) > 1 else {}),
        }, max_bytes=self.max_bytes)

    def process_response(self, request, response, spider=None):
        if self.files is not None:
            before = self.files.records
            try:
                date = self.files.write_exchange(request.url, request.method, _pairs(request.headers),
                                                 response.status, _pairs(response.headers, response=True),
                                                 response.body, revisit_of=request.meta.get(REVISIT_OF))
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
            request.meta[WARC_DATE] = iso_of(date)  # response.meta is this dict
            self.crawler.stats.inc_value("herts/warc_records", self.files.records - before)
            if response.status == 304:
                self.crawler.stats.inc_value("herts/warc_revisits")
        return response

    def spider_closed(self, spider):
        if self.files is not None:
            self.files.close()
