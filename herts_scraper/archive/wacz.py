"""The WACZ export: the archive's raw WARC captures packaged for replay (WACZ 1.1.1).

`herts-scraper export --format wacz --out DIR` writes DIR/herts.wacz with py-wacz
(the `wacz` extra): every WARC file of the archive (the WARC_DIR setting, else
warc/ beside the archive), a CDXJ index of them, and pages/pages.jsonl listing
each exported article at its capture: the URL fetched, the time of the capture
that brought the archived version (`last_changed`, its response record's
WARC-Date) and the title. ReplayWeb.page and pywb open it as it is.

Everything is written inside DIR: the pages list and the WACZ go to temporary
files there, and the WACZ is renamed into place once whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

from herts_scraper.archive.export import ExportUnavailable, export_format

WACZ_NAME = "herts.wacz"
INSTALL_HINT = "pip install 'herts-scraper[wacz]'"


def warc_folder(db_path: str | Path) -> Path:
    """Where the crawls of this archive write their WARC files: the project's WARC_DIR, else warc/
    beside the archive (as the crawl decides it)."""
    from herts_scraper.crawl.warc import warc_dir_for  # Scrapy: only for this format
    from herts_scraper.project import project_settings

    return Path(project_settings().get("WARC_DIR") or warc_dir_for(db_path))


def warc_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz")) + sorted(folder.glob("*.warc"))


def page_entries(rows: Iterable[dict]) -> Iterable[dict]:
    """pages.jsonl entries (json-pages-1.0) of archived articles: replay opens url at ts."""
    from herts_scraper.crawl.warc import warc_date_of

    for row in rows:
        when = row.get("last_changed") or row.get("first_seen")
        if not when:
            continue
        yield {"id": hashlib.sha1(row["url"].encode("utf-8")).hexdigest(), "url": row.get("fetched_url") or row["url"],
               "ts": warc_date_of(when), "title": row.get("title") or row["url"]}


def _fresh(path: Path) -> Path:
    """path, with nothing there: a symlink left at a temporary name must not lead the write elsewhere."""
    path.unlink(missing_ok=True)
    return path


@export_format("wacz", archive=True)
def _export_wacz(rows, out: Path, archive) -> dict:
    folder = warc_folder(archive.path)
    warcs = warc_files(folder)
    if not warcs:
        raise ExportUnavailable(f"no WARC files in {folder}: a WACZ packages a crawl's WARC captures "
                                "(crawl with WARC_ENABLED on first)")
    try:
        with warnings.catch_warnings():
            # py-wacz imports pywb, whose pyamf says on stderr that pkg_resources is deprecated: not our user's news
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            from wacz.main import main as py_wacz
    except ImportError:
        raise ExportUnavailable(f"the wacz format needs py-wacz, which is not installed: {INSTALL_HINT}") from None
    target = out / WACZ_NAME
    pages = _fresh(out / f".{WACZ_NAME}-{os.getpid()}-pages.jsonl")  # py-wacz wants the .jsonl suffix
    tmp = _fresh(out / f".{WACZ_NAME}-{os.getpid()}.tmp")
    n = 0
    try:
        with pages.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Archived articles"}) + "\n")
            for entry in page_entries(rows):
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
                n += 1
        title = f"herts-scraper archive {archive.path.name}"
        log = io.StringIO()  # py-wacz reports its steps on stdout; our command prints one line
        with contextlib.redirect_stdout(log):
            status = py_wacz(["create", "-o", str(tmp), "--pages", str(pages), "--copy-pages", "--title", title,
                              "--desc", f"{len(warcs)} WARC file(s) of {folder}", *map(str, warcs)])
        if status != 0:
            said = log.getvalue().strip().splitlines()
            raise ExportUnavailable(f"py-wacz could not package {folder}: {said[-1] if said else f'status {status}'}")
        os.replace(tmp, target)
    finally:
        pages.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return {"articles": n, "written": 1, "path": str(target)}
