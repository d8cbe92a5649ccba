"""`herts-scraper reparse --fields-only`: what the archive derives from what it holds, made again
with today's extractors, without network and without WARC files.

Two passes, in batches of `batch` rows, each batch one transaction:

1. facts: every version whose facts_version is not extract.facts.FACTS_VERSION (every version with
   --all) gets its police facts again, from its stored title, description, body and published date,
   with its force's profile (the article's area names it: forces.profile_for_area); its rows in
   `facts` are replaced and facts_version set. A version the extractor fails on keeps what it had,
   facts_version null: the next run tries it again.
2. fields: every article whose HTML is stored (article_html) is extracted again with its profile,
   and the columns outside the content hash (schema.ARTICLES: extracted, not hashed: category,
   cms_id, generation, images, found_by, missing, problems, and status, which those two give) are
   refilled in place with extractor_version. A page whose content would come out otherwise (another
   content hash) is left as it is and counted: that is a new version, which only a full reparse
   from the WARC files may make. No version is ever made or changed.

Resumable: a killed run leaves its finished batches done. The facts pass takes the versions not
yet filled; --all first marks every version as not filled (facts_version null, one statement)
and notes that in meta, so that a killed --all run is resumed by the next, not begun again. The
fields pass notes in meta the last article it did, so that the next run goes on after it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from herts_scraper import EXTRACTOR_VERSION
from herts_scraper.archive import schema
from herts_scraper.archive.facts import facts_of
from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.schema import ARTICLE_HTML, ARTICLES, FACTS, META, VERSIONS
from herts_scraper.archive.store import Archive, now_iso
from herts_scraper.extract.facts import FACTS_VERSION
from herts_scraper.forces import profile_for_area
from herts_scraper.profiles import Profile
from herts_scraper.record import Article

logger = logging.getLogger(__name__)

BATCH = 500
# meta keys: an --all facts pass under way (when it began); the last article (rowid) the fields pass did
ALL_UNDER_WAY = "fields_only_all"
FIELDS_AFTER = "fields_only_after"

# The articles' columns a page gives besides its content: refilled in place (url and area name the article).
REFILLED = tuple(c for c in ARTICLES.names(extracted=True, hashed=False) if c not in ("url", "area"))
_JSON = frozenset(ARTICLES.names(json=True))
_STALE = "(facts_version is null or facts_version != ?)"


@dataclass
class FieldsCounts:
    """What a --fields-only run did."""

    versions: int = 0  # versions whose facts were made again
    facts: int = 0  # rows written to `facts`
    facts_failed: int = 0  # versions the fact extractor failed on (left as they were, tried again next run)
    versions_to_do: int = 0
    articles: int = 0  # articles extracted again from their stored HTML
    refilled: int = 0  # ... whose columns changed
    would_change: int = 0  # ... whose content would change: left as they were (a full reparse makes the version)
    rejected: int = 0  # ... whose HTML the extractor refused, or failed on (left as they were)
    no_profile: int = 0  # articles of an area no profile has (their facts use the national gazetteer)
    no_html: int = 0  # articles without stored HTML (their columns stay as they are)
    articles_to_do: int = 0
    resumed: bool = False  # a killed run was taken up
    seconds: float = 0.0


Progress = Callable[[FieldsCounts], None]


def fill_fields(db_path: str | Path, *, every_version: bool = False, profiles: Iterable[Profile] = (),
                wait: float = 0, batch: int = BATCH, progress: Progress | None = None) -> FieldsCounts:
    """Fill the archive's facts and extracted columns again (the module's docstring says how).
    every_version: the facts of every version (--all), not only those another extractor made.
    profiles: the profiles to use for their areas before the bundled ones (a crawl's own YAML file).
    wait: seconds to wait for a crawl that holds the archive (else ArchiveLocked at once).
    progress: called with the counts after every batch."""
    started = time.perf_counter()
    counts = FieldsCounts()
    own = tuple(profiles)
    lock = lock_archive(db_path, wait)
    try:
        with Archive(db_path) as archive:  # migrates an older archive first: the columns to fill exist
            _fill_facts(archive, own, every_version, counts, batch, progress)
            _refill_columns(archive, own, counts, batch, progress)
    finally:
        lock.release()
    counts.seconds = round(time.perf_counter() - started, 3)
    return counts


def _fill_facts(archive: Archive, own: tuple[Profile, ...], every_version: bool, counts: FieldsCounts,
                batch: int, progress: Progress | None) -> None:
    db = archive.db
    if every_version and archive.get_meta(ALL_UNDER_WAY) is None:
        with db.atomic():
            db.execute(f"update [{VERSIONS.name}] set facts_version = null")
            _set_meta(archive, ALL_UNDER_WAY, now_iso())
    elif archive.get_meta(ALL_UNDER_WAY) is not None:
        counts.resumed = True
    counts.versions_to_do = db.execute(f"select count(*) from [{VERSIONS.name}] where {_STALE}",
                                       [FACTS_VERSION]).fetchone()[0]
    last = 0  # by id: a version the extractor fails on stays stale, and is not read again this run
    while True:
        rows = db.execute(
            "select v.id, a.rowid, a.area, v.url, v.title, v.description, v.published, v.body "
            f"from [{VERSIONS.name}] v join [{ARTICLES.name}] a on a.url = v.url "
            f"where v.id > ? and {_STALE.replace('facts', 'v.facts')} "
            "order by v.id limit ?", [last, FACTS_VERSION, batch]).fetchall()
        if not rows:
            break
        made = []
        for version_id, _, area, url, title, description, published, body in rows:
            article = Article(url=url, area=area, title=title, description=description, published=published,
                              body=body or "")
            facts = facts_of(article, profile_for_area(area, own))
            if facts is None:
                counts.facts_failed += 1
            else:
                made.append((version_id, facts))
        with db.atomic(), schema.fact_triggers_paused(db):
            db.conn.executemany(f"delete from [{FACTS.name}] where version_id = ?", [(v,) for v, _ in made])
            for version_id, facts in made:
                archive.write_facts(version_id, facts)
            db.conn.executemany(f"update [{VERSIONS.name}] set facts_version = ? where id = ?",
                                [(FACTS_VERSION, v) for v, _ in made])
            schema.refresh_latest(db, sorted({row[1] for row in rows}))
        last = rows[-1][0]
        counts.versions += len(made)
        counts.facts += sum(len(f) for _, f in made)
        if progress:
            progress(counts)
    with db.atomic():
        db.execute(f"delete from [{META.name}] where key = ?", [ALL_UNDER_WAY])


def _refill_columns(archive: Archive, own: tuple[Profile, ...], counts: FieldsCounts, batch: int,
                    progress: Progress | None) -> None:
    from herts_scraper.extract import RejectedPage, extract_article  # lxml: loaded only when pages are read

    db = archive.db
    after = int(archive.get_meta(FIELDS_AFTER) or 0)
    counts.resumed = counts.resumed or after > 0
    counts.articles_to_do = db.execute(
        f"select count(*) from [{ARTICLES.name}] a join [{ARTICLE_HTML.name}] h on h.url = a.url "
        "where a.rowid > ?", [after]).fetchone()[0]
    counts.no_html = db.execute(f"select count(*) from [{ARTICLES.name}] where url not in "
                                f"(select url from [{ARTICLE_HTML.name}])").fetchone()[0]
    columns = ", ".join(f"a.[{c}]" for c in (*REFILLED, "extractor_version"))
    update = (f"update [{ARTICLES.name}] set {', '.join(f'[{c}] = ?' for c in (*REFILLED, 'extractor_version'))} "
              "where url = ?")
    while True:
        rows = db.execute(
            f"select a.rowid, a.url, a.fetched_url, a.area, a.content_hash, h.raw_html, h.size, {columns} "
            f"from [{ARTICLES.name}] a join [{ARTICLE_HTML.name}] h on h.url = a.url where a.rowid > ? "
            "order by a.rowid limit ?", [after, batch]).fetchall()
        if not rows:
            break
        updates = []
        for _rowid, url, fetched_url, area, content_hash, raw_html, size, *stored in rows:
            counts.articles += 1
            profile = profile_for_area(area, own)
            if profile is None:
                counts.no_profile += 1
                continue
            fetched = fetched_url or url
            try:
                article = extract_article(schema.sqlar_uncompress(raw_html, size) or b"", fetched, profile,
                                          base_url=_base_url(fetched, profile))
            except RejectedPage as exc:
                logger.warning("%s: its stored page is not an article now (%s); left as it is", url, exc)
                counts.rejected += 1
                continue
            except Exception:  # a bug must not stop the pass nor touch the row
                logger.exception("extraction failed on the stored page of %s; left as it is", url)
                counts.rejected += 1
                continue
            if article.url != url or article.content_hash() != content_hash:
                counts.would_change += 1
                continue
            _keep_decoding(article, stored[REFILLED.index("found_by")])
            values = [*(_value(article, c) for c in REFILLED), EXTRACTOR_VERSION]
            if values != stored:
                updates.append((*values, url))
        with db.atomic():
            db.conn.executemany(update, updates)
            _set_meta(archive, FIELDS_AFTER, str(rows[-1][0]))
        after = rows[-1][0]
        counts.refilled += len(updates)
        if progress:
            progress(counts)
    with db.atomic():
        db.execute(f"delete from [{META.name}] where key = ?", [FIELDS_AFTER])


def _keep_decoding(article: Article, found_by: str | None) -> None:
    """How the fetched page was decoded stays as the crawl found it: the archive does not keep the
    response's Content-Type, whose charset ("declared") it may have followed."""
    try:
        before = json.loads(found_by or "{}").get("encoding")
    except (ValueError, AttributeError):
        return
    if before and "encoding" in article.found_by:
        article.found_by["encoding"] = before


def _value(article: Article, column: str):
    """An Article's attribute as its column holds it (JSON-encoded as the store writes it)."""
    value = getattr(article, column)
    return json.dumps(value, ensure_ascii=False) if column in _JSON else value


def _base_url(fetched_url: str, profile: Profile) -> str | None:
    """The origin a page was fetched from when it is not the force's own (a replica, a mirror): the
    crawl's base_url, which moves its addresses to the real site as the crawl did."""
    parts = urlsplit(fetched_url)
    if not parts.netloc or parts.netloc.lower() in profile.hosts:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _set_meta(archive: Archive, key: str, value: str) -> None:
    archive.db.execute(f"insert or replace into [{META.name}] (key, value) values (?, ?)", [key, value])


def summary(counts: FieldsCounts) -> str:
    """The run in one line."""
    facts_failed = f", {counts.facts_failed} failed (tried again next run)" if counts.facts_failed else ""
    others = [f"{n} {what}" for n, what in ((counts.rejected, "refused or failed"),
                                            (counts.no_profile, "of an area no profile has"),
                                            (counts.no_html, "without stored HTML")) if n]
    line = (f"reparse --fields-only: facts of {counts.versions} versions made again ({counts.facts} facts"
            f"{facts_failed}); {counts.articles} articles extracted again from their stored HTML, "
            f"{counts.refilled} refilled{''.join(f', {o}' for o in others)}; in {counts.seconds:.1f} s"
            f"{' (a killed run taken up)' if counts.resumed else ''}; would change: {counts.would_change}")
    if counts.would_change:
        line += ", run a full reparse (herts-scraper reparse, from the WARC files) for their new versions"
    return line


def progress_printer(every: float = 10.0, out=None) -> Progress:
    """A progress callback printing a line at most every `every` seconds."""
    import sys

    started = last = time.monotonic()

    def report(counts: FieldsCounts) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            print(f"reparse --fields-only: facts {counts.versions + counts.facts_failed} of {counts.versions_to_do} "
                  f"versions, {counts.articles} of {counts.articles_to_do} articles, {now - started:.0f} s",
                  file=out or sys.stdout, flush=True)

    return report
