"""`herts-scraper import records DIR`: records (our own exports, or the public police-news archive in
its SOH form: record_forms.py) as the earliest known versions of their articles.

Each record becomes a version marked imported (versions.imported_from: the source; imported_at: when),
never overwriting a captured one:
- an article the archive does not hold: a new article, its one version imported;
- an article it holds: the imported version goes before the versions a crawl saw, the later ones
  renumbered (as Archive._replay does for a capture inside a history); among other imported
  versions it takes its place in time;
- the same content as the article's earliest version, or as another imported one: a duplicate,
  dropped and counted (importing twice changes nothing); the same content as a later captured
  version: "already captured" (an export of this archive, imported back), dropped and counted.

first_seen is when the content is known to have been there, never the import's own time: --as-of
DATE when given, else the record's publication date (a date alone: midnight in London); a record
with neither is first seen at the import time and counted as undated. It is never later than the
first capture of its article (an imported version is the earliest).

The article's force profile comes from its `area` (forces.profile_for_area), else from its URL's
host; its facts (extract.facts.extract_facts) are written with it. A file that is no usable record
is one line through `on_bad` and counted; the import goes on, and never changes the file.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.schema import london_date, london_instant
from herts_scraper.archive.store import _ARTICLE_COLUMNS, _INSERT_ARTICLE, Archive, Capture, _content, now_iso
from herts_scraper.extract.facts import Fact, extract_facts
from herts_scraper.forces import profile_for_area, profile_for_host
from herts_scraper.profiles import Profile
from herts_scraper.record import Article, record_date
from herts_scraper.record_forms import MAX_RECORD_BYTES, BadRecord, article_from_record, read_record_file

BATCH = 200  # records per transaction
Report = Callable[[str], None]  # one line about one file


@dataclass
class ImportCounts:
    records: int = 0  # files read
    imported: int = 0  # versions added
    new_articles: int = 0  # of those, articles the archive did not hold
    duplicates: int = 0  # the content of the article's earliest (or an imported) version
    already_captured: int = 0  # the content of a later version a crawl captured
    bad: int = 0  # files that are no usable record
    undated: int = 0  # imported with the import time as first_seen: no date, no --as-of
    seconds: float = 0.0


def parse_as_of(text: str) -> str:
    """--as-of: a date (midnight in London) or an ISO 8601 time (London when it has no offset), as
    the archive writes times (UTC). ValueError when it is neither."""
    when = london_instant(text)
    if when is None:
        raise ValueError(f"--as-of {text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time")
    return _utc(when)


def _utc(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _published_time(published: str | None) -> str | None:
    """A record's publication date or time (ISO 8601: record_forms made it), as the archive writes times."""
    when = london_instant(published)
    return _utc(when) if when else None


def record_files(path: Path) -> Iterator[Path]:
    """The .md files under a folder (every depth, in name order), or the one file given."""
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*.md") if p.is_file())


def import_records(path: str | Path, db_path: str | Path, source: str | None = None, as_of: str | None = None,
                   wait: float = 0, on_bad: Report | None = None) -> ImportCounts:
    """Import every record under `path` into the archive `db_path` (made when new); `source` names
    where they come from (default: the folder, as an absolute path); `as_of`: an ISO time (UTC) that is
    every record's first_seen; `wait`: seconds to wait for a crawl holding the archive."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no folder {path}")
    source = source or str(path.resolve())
    report = on_bad or (lambda line: None)
    counts = ImportCounts()
    started = time.perf_counter()
    lock = lock_archive(db_path, wait)
    try:
        with Archive(db_path) as archive:
            importer = _Importer(archive, source, now_iso(), as_of, counts)
            batch: list[tuple[Path, Article, Profile | None]] = []
            for file in record_files(path):
                counts.records += 1
                try:
                    batch.append((file, *_read(file)))
                except BadRecord as exc:
                    counts.bad += 1
                    report(f"{file}: {exc}")
                if len(batch) >= BATCH:
                    importer.store(batch, report)
                    batch = []
            importer.store(batch, report)
    finally:
        lock.release()
    counts.seconds = round(time.perf_counter() - started, 3)
    return counts


def _read(file: Path) -> tuple[Article, Profile | None]:
    """A record file's Article and its force's profile; BadRecord when it is no usable record."""
    try:
        if file.stat().st_size > MAX_RECORD_BYTES:
            raise BadRecord(f"{file.stat().st_size:,} bytes: too large for a record (at most {MAX_RECORD_BYTES:,})")
        with file.open("rb") as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
    except OSError as exc:
        raise BadRecord(f"cannot read it: {exc.strerror}") from None
    meta, body = read_record_file(data)
    area = meta.get("area")
    if area is not None and not isinstance(area, str):
        raise BadRecord(f"area is not text ({type(area).__name__})")
    profile = profile_for_area(area) if area else None
    if not area:  # the force whose site the URL is on
        host = urlsplit(meta["url"]).hostname if isinstance(meta.get("url"), str) else None
        profile = profile_for_host(host)
        if profile is None:
            raise BadRecord(f"no area, and no force profile has the host {host}" if host else "no url")
        area = profile.area
    return article_from_record(meta, body, area, profile), profile


class _Importer:
    """Places imported versions in the archive's histories, one transaction per batch."""

    def __init__(self, archive: Archive, source: str, imported_at: str, as_of: str | None, counts: ImportCounts):
        self.archive, self.db = archive, archive.db
        self.imported = (source, imported_at)
        self.as_of, self.counts = as_of, counts

    def store(self, batch: list[tuple[Path, Article, Profile | None]], report: Report) -> None:
        """Each record as a Capture, as the crawl stores a page: not fetched (no HTML, no HTTP status),
        at the time its content is known from (None: undated), with its facts."""
        with self.db.atomic():
            for file, article, profile in batch:
                known = self.as_of or _published_time(article.published)
                self._place(Capture(article, http_status=None, fetched_at=known,
                                    facts=self._facts(file, article, profile, report)))

    def _facts(self, file: Path, article: Article, profile: Profile | None, report: Report) -> list[Fact] | None:
        try:
            return extract_facts(article, profile)
        except Exception as exc:  # a bug in one rule must not lose the record: reparse --fields-only retries
            report(f"{file}: imported without its facts ({type(exc).__name__}: {exc}); "
                   "`herts-scraper reparse --fields-only` fills them")
            return None

    def _place(self, cap: Capture) -> None:
        article, facts, dated = cap.article, cap.facts, cap.fetched_at
        digest, url = article.content_hash(), article.url
        when = dated or self.imported[1]
        versions = [_Version(*row) for row in self.db.execute(
            "select version, content_hash, first_seen, last_seen, imported_from, title, description, published, "
            "body from versions where url = ? order by version", [url])]
        same = [v for v in versions if v.content_hash == digest or v.record() == _record_of(article)]
        self.counts.undated += not dated and not same
        if not versions:
            self._new_article(article, digest, when, facts)
            return
        if versions[0] in same or any(v.imported_from is not None for v in same):
            self.counts.duplicates += 1
            return
        if same:
            self.counts.already_captured += 1
            return
        # Its place: after the imported versions no crawl saw (last_seen = first_seen) that are not
        # later than it, before everything else.
        at = 0
        while at < len(versions) and versions[at].unconfirmed_import() and versions[at].first_seen <= when:
            at += 1
        if at < len(versions):
            when = min(when, versions[at].first_seen)
        self.archive.make_room(url, at, 1)
        self.archive._insert_version(_content(article, digest), at + 1, when, None, facts, self.imported)
        if at == len(versions):  # later than every (imported) version it has: its latest content
            content = _content(article, digest) | {"published_date": london_date(article.published)}
            self.db.execute(
                f"update articles set {', '.join(f'[{c}] = ?' for c in content)}, last_changed = ?, "
                "last_seen = max(last_seen, ?), versions = versions + 1 where url = ?",
                [*content.values(), when, when, url])
        else:
            self.db.execute("update articles set versions = versions + 1, first_seen = min(first_seen, ?) "
                            "where url = ?", [when, url])
        self.counts.imported += 1

    def _new_article(self, article: Article, digest: str, when: str, facts: list[Fact] | None) -> None:
        fields = {**_content(article, digest), "published_date": london_date(article.published),
                  "first_seen": when, "last_seen": when, "last_changed": when, "versions": 1}
        self.db.execute(_INSERT_ARTICLE, [fields.get(c) for c in _ARTICLE_COLUMNS])
        self.archive._insert_version(_content(article, digest), 1, when, None, facts, self.imported)
        self.counts.imported += 1
        self.counts.new_articles += 1


def _record_of(article: Article) -> tuple:
    return _record_form(article.title, article.description, article.published, article.body)


def _record_form(title: str | None, description: str | None, published: str | None, body: str | None) -> tuple:
    """What a version's record holds: its publication day without the time (the reference form
    writes "D Mon YYYY"), so that an export imported back is the version it was exported from."""
    try:
        day = record_date(published)
    except ValueError:  # not ISO 8601: compared as it stands
        day = published
    return title or None, description or None, day, (body or "").strip("\n")


@dataclass
class _Version:
    version: int
    content_hash: str
    first_seen: str
    last_seen: str
    imported_from: str | None
    title: str | None
    description: str | None
    published: str | None
    body: str | None

    def record(self) -> tuple:
        return _record_form(self.title, self.description, self.published, self.body)

    def unconfirmed_import(self) -> bool:
        """Imported, and no crawl has seen it since (a crawl seeing the same content widens last_seen)."""
        return self.imported_from is not None and self.first_seen == self.last_seen


def summary(counts: ImportCounts) -> str:
    """The import's one summary line."""
    undated = (f"; {counts.undated} undated (first seen = the import time; --as-of DATE gives another)"
               if counts.undated else "")
    rate = counts.records / counts.seconds if counts.seconds else 0
    return (f"{counts.records} records in {counts.seconds} s ({rate:.0f}/s): {counts.imported} imported "
            f"({counts.new_articles} new articles), {counts.duplicates} duplicates, "
            f"{counts.already_captured} already captured, {counts.bad} bad{undated}")


__all__ = ["ImportCounts", "import_records", "parse_as_of", "record_files", "summary"]
