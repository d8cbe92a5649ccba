"""The two forms a record file comes in, read back into an Article.

- The reference form (../shared/notes/record-format.md), which our exports write: `title` is the
  headline, `og.description` decoded, `publish.date` "D Mon YYYY".
- The SOH form of the public police-news archive (../shared/corpus/README.md): the whole og set,
  `title` with its " | Force" suffix, HTML entities left undecoded, the date in `publish.date` as
  "HH:MM DD/MM/YYYY" or in the body's opening meta line (tags, then the time), which the page showed
  above the article.

`article_from_record` gives what extraction would have given for the page (the same fields, the
same date form): the replica renders SOH-form records into pages with the same rules read in reverse.
Pure functions; a record that cannot be read raises BadRecord with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from herts_scraper.record import Article, RecordError, parse_record

if TYPE_CHECKING:
    from herts_scraper.profiles import Profile

LONDON = ZoneInfo("Europe/London")
MAX_RECORD_BYTES = 4 << 20  # a real record is a few KB (the corpus's largest: 17 KB); more is not one

_DATE_LINE = re.compile(r"(\d\d):(\d\d) (\d\d)/(\d\d)/(\d{4})")
_TAG_LINE = re.compile(r"[A-Z][\w&'.-]*(?: [\w&'.-]+){0,3}")
_REFERENCE_DATE = re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}")


class BadRecord(ValueError):
    """A file that is not a usable record; str() is the one-line reason."""


def is_soh_form(meta: dict) -> bool:
    """A record as the SOH-era public archive wrote it: the whole og set (corpus/README.md)."""
    og = meta.get("og") or {}
    return isinstance(og, dict) and ("title" in og or "url" in og)


def soh_datetime(text: str) -> dt.datetime | None:
    """"HH:MM DD/MM/YYYY" (London time, as SOH pages show it) -> an aware datetime; None if not that."""
    m = _DATE_LINE.fullmatch(text.strip())
    if not m:
        return None
    hh, mm, d, mo, y = map(int, m.groups())
    try:
        return dt.datetime(y, mo, d, hh, mm, tzinfo=LONDON)
    except ValueError:  # 31/02, 25:00
        return None


def parse_record_date(text: str) -> dt.datetime | dt.date | None:
    """publish.date: "D Mon YYYY" (the reference form) or "HH:MM DD/MM/YYYY" (the SOH form); None if neither."""
    when = soh_datetime(text)
    if when is not None:
        return when
    if not _REFERENCE_DATE.fullmatch(text.strip()):
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%d %b %Y").date()
    except ValueError:
        return None


def split_meta_lines(body: str) -> tuple[list[str], dt.datetime | None, str]:
    """SOH-form bodies open with the page's date block: tag lines ("News",
    "Safer Neighbourhood"), then "HH:MM DD/MM/YYYY". -> (tags, when, the rest)."""
    paras = body.split("\n\n", 2)
    tags: list[str] = []
    if len(paras) > 1 and _DATE_LINE.fullmatch(paras[1].strip()):
        lines = [ln.strip() for ln in paras[0].split("\n")]
        if lines and all(_TAG_LINE.fullmatch(ln) for ln in lines):
            tags, paras = lines, paras[1:]
    when = soh_datetime(paras[0]) if paras else None
    if when is None:
        return [], None, body
    return tags, when, "\n\n".join(paras[1:])


def read_record_file(data: bytes) -> tuple[dict, str]:
    """A record file's bytes -> (meta, body), or BadRecord saying why they are not a record."""
    if len(data) > MAX_RECORD_BYTES:
        raise BadRecord(f"{len(data):,} bytes: too large for a record (at most {MAX_RECORD_BYTES:,})")
    if b"\x00" in data:
        raise BadRecord("binary data, not a text record")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord(f"not UTF-8 text (byte {exc.start})") from None
    try:
        return parse_record(text.removeprefix("\ufeff").replace("\r\n", "\n"))  # a copy saved on Windows
    except RecordError as exc:
        raise BadRecord(" ".join(str(exc).split())) from None


def _text(meta: dict, *keys: str) -> str | None:
    """A text value of the YAML block (nested keys: og, description); BadRecord if it is not text."""
    value: object = meta
    for key in keys:
        if value is None:  # a mapping the record leaves out
            return None
        if not isinstance(value, dict):
            raise BadRecord(f"{'.'.join(keys[:keys.index(key)])} is not a mapping")
        value = value.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{'.'.join(keys)} is not text ({type(value).__name__})")
    return value


def record_url(meta: dict) -> str:
    """The record's url, checked: an http(s) URL with a host."""
    url = _text(meta, "url")
    if url is None:
        raise BadRecord("no url")
    try:
        parts = urlsplit(url)
        _ = parts.port  # what rejects "http://host:x"
    except ValueError as exc:
        raise BadRecord(f"url {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise BadRecord(f"url {url!r} is not an http(s) URL")
    return url


def article_from_record(meta: dict, body: str, area: str, profile: Profile | None) -> Article:
    """The Article of a parsed record (meta, body), of the force `area`; `profile`: that force's
    (an SOH-form title loses its " | Force" suffix by it), None when no profile has the area."""
    url = record_url(meta)
    soh = is_soh_form(meta)
    found: dict[str, str] = {"import": "soh-record" if soh else "record"}
    title, description = _text(meta, "title"), _text(meta, "og", "description")
    date_text = _text(meta, "publish", "date")
    published = parse_record_date(date_text) if date_text else None
    if date_text and published is None:
        raise BadRecord(f"publish.date {date_text!r} is not a date (D Mon YYYY or HH:MM DD/MM/YYYY)")
    if date_text:
        found["published"] = "publish.date"
    category = None
    body = body.strip("\n")
    if soh:
        tags, when, rest = split_meta_lines(body)
        if when is not None:  # the page's date block, above the article
            published, body, category = published or when, rest.strip("\n"), ", ".join(tags) or None
            found["published"] = found.get("published", "meta line")
        if title:  # the page's headline is the <title> less its last " | Force" (og:title may differ)
            title = html.unescape(profile.strip_title_suffix(title) if profile else title)
        elif og_title := _text(meta, "og", "title"):
            title, found["title"] = html.unescape(og_title), "og:title"
        description = html.unescape(description) if description is not None else None
    article = Article(url=url, area=area, title=title, description=description,
                      published=published.isoformat() if published else None, body=body, category=category)
    gen = profile.generation_for_url(url) if profile else None
    article.generation = gen.name if gen else None
    update = (profile.update_prefix(title) or profile.post_marker(body)) if profile else None
    if update:
        found["update"] = update.strip()
    for field in ("title", "description", "published", "body"):
        if getattr(article, field):
            found.setdefault(field, "record")
        else:
            article.missing.append(field)
    article.found_by = found
    return article
