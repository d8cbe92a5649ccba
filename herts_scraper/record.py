"""The normalised record: one article as the reference records write it.

Bytes: "```yaml\\n" + yaml.safe_dump(meta, width=inf) + "```\\n\\n" + body, where
meta nests `og.description` and `publish.date` and leaves out what the page
lacks (see ../shared/notes/record-format.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field

import yaml

FENCE_OPEN = "```yaml\n"
FENCE_CLOSE = "```\n"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class RecordError(ValueError):
    """Text that is not a normalised record."""


@dataclass
class Article:
    """What extraction gets from one article page (and what the archive keeps).

    `published` is ISO 8601: a date ("2021-03-04") or, where the page gives a
    time, a datetime with its Europe/London offset ("2024-08-20T09:45:00+01:00").
    `found_by` says how each field was found ("profile", "og", "h1", ...).
    """

    url: str
    area: str
    title: str | None = None
    description: str | None = None
    published: str | None = None
    body: str = ""
    generation: str | None = None
    cms_id: str | None = None
    category: str | None = None  # the tag of the page's date block ("Wanted", "Safer Neighbourhood")
    images: list[dict] = field(default_factory=list)
    found_by: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """"ok", or "partial" when a field is missing or the page was damaged."""
        return "partial" if (self.missing or self.problems) else "ok"

    def meta(self) -> dict:
        return record_meta(self.url, self.area, self.title, self.description, self.published)

    def to_record(self) -> str:
        return render_record(self.meta(), self.body)

    def record_name(self) -> str:
        return record_name(self.url)

    def content_hash(self) -> str:
        """sha256 over what a reader sees: volatile page parts never reach it."""
        h = hashlib.sha256()
        for part in (self.title, self.description, self.published, self.body):
            h.update((part or "").encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["status"] = self.status
        return d


def record_date(published: str | None) -> str | None:
    """ISO date or datetime -> the records' "D Mon YYYY" (no leading zero)."""
    if not published:
        return None
    day = dt.date.fromisoformat(published[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def record_meta(url, area, title=None, description=None, published=None) -> dict:
    meta: dict = {"area": area}
    if description:
        meta["og"] = {"description": description}
    date = record_date(published)
    if date:
        meta["publish"] = {"date": date}
    if title:
        meta["title"] = title
    meta["url"] = url
    return meta


def render_record(meta: dict, body: str) -> str:
    body = body.strip("\n")
    return FENCE_OPEN + yaml.safe_dump(meta, width=float("inf")) + FENCE_CLOSE + "\n" + (body + "\n" if body else "")


# libyaml's safe loader where PyYAML has it (its wheels do): the same mappings as yaml.safe_load on every
# corpus record, about 10 times faster (parsing was most of `import records`' time).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_record(text: str) -> tuple[dict, str]:
    """Split a record into (meta, body). Raises RecordError if it is not one."""
    if not text.startswith(FENCE_OPEN):
        raise RecordError("not a record (no ```yaml block at the start)")
    end = text.find("\n" + FENCE_CLOSE, len(FENCE_OPEN) - 1)
    if end < 0:
        raise RecordError("the YAML block of the record is not closed")
    block = text[len(FENCE_OPEN) : end + 1]
    try:
        meta = yaml.load(block, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise RecordError(f"the YAML block does not parse: {exc}") from exc
    if not isinstance(meta, dict):
        raise RecordError("the YAML block is not a mapping")
    body = text[end + 1 + len(FENCE_CLOSE) :]
    return meta, body[1:] if body.startswith("\n") else body


def redumps_identically(text: str) -> bool:
    """True when the record's YAML block re-dumps to the same bytes."""
    meta, body = parse_record(text)
    return render_record(meta, body) == text


def record_name(url: str) -> str:
    """The record's file name: sha1 of the URL's UTF-8 bytes, plus .md."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest() + ".md"
