"""Publication dates: displayed text or ISO attributes -> ISO 8601 (and HTTP header dates).

A displayed date with a time becomes an aware Europe/London datetime
("2024-08-20T09:45:00+01:00"); a date alone stays a date ("2021-03-04").
The profile's formats go through strptime first; dateparser (slow, tens of
microseconds to milliseconds a call) only sees free text the regexes and the
formats could not place. A date that cannot be represented (an offset of a
day or more, a year past 9999 once in London time) is no date: the public
functions return None rather than raise.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
TIME_RE = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d])")
NUMERIC_DATE_RE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
TEXT_DATE_RE = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})(?!\d)", re.I
)
MONTH_FIRST_RE = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.I)
# A date anywhere in a short text, for the "visible date near the headline" fallback.
ANY_DATE_RE = re.compile(
    rf"{NUMERIC_DATE_RE.pattern}|(?<!\d)\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+\d{{4}}(?!\d)"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)",
    re.I,
)
ISO_RE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})"
                    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?")


def to_iso(value: dt.datetime | dt.date, has_time: bool) -> str | None:
    """A naive value read off a page (London time) -> the Article's ISO form
    (None when London time would fall outside datetime's years 1-9999)."""
    if not has_time:
        d = value.date() if isinstance(value, dt.datetime) else value
        return d.isoformat()
    assert isinstance(value, dt.datetime), "a time is shown only with a datetime"
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=LONDON)
        else:
            value = value.astimezone(LONDON)
        return value.replace(microsecond=0).isoformat()
    except (OverflowError, ValueError):
        return None


def parse_display_date(text: str, formats: tuple[str, ...] = ()) -> str | None:
    """The date (and time, if any) shown in an element's whole text, as ISO.

    e.g. "Published on 09:45 20/08/2024" -> "2024-08-20T09:45:00+01:00",
    "5 Apr 2019" -> "2019-04-05".
    """
    if not text:
        return None
    m = NUMERIC_DATE_RE.search(text) or TEXT_DATE_RE.search(text) or MONTH_FIRST_RE.search(text)
    if m is None:
        # Free text without a recognisable date; dateparser only where a year shows.
        if len(text) <= 80 and re.search(r"\d{4}", text):
            return _dateparser(text, formats)
        return None
    date_text = " ".join(m.group(0).split())
    t = TIME_RE.search(text)
    candidates = [(f"{t.group(0)} {date_text}", True), (date_text, False)] if t else [(date_text, False)]
    for candidate, has_time in candidates:
        for fmt in formats:
            try:
                value = dt.datetime.strptime(candidate, fmt)
            except ValueError:
                continue
            return to_iso(value, has_time and "%H" in fmt)
    # No profile format fits: read the parts the regex found.
    day = _from_match(m)
    if day is None:
        return _dateparser(text if len(text) <= 80 else date_text, formats)
    if t:
        return to_iso(dt.datetime(day.year, day.month, day.day, int(t.group(1)), int(t.group(2))), True)
    return to_iso(day, False)


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _from_match(m: re.Match) -> dt.date | None:
    try:
        if m.re is NUMERIC_DATE_RE:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m.re is TEXT_DATE_RE:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2)[:3].lower()], int(m.group(1)))
        return dt.date(int(m.group(3)), _MONTHS[m.group(1)[:3].lower()], int(m.group(2)))
    except (ValueError, KeyError):
        return None


def parse_iso_date(value: str | None) -> str | None:
    """A <time datetime> or meta published_time value -> ISO (London time)."""
    if not value:
        return None
    m = ISO_RE.match(value)
    if m is None:
        return parse_display_date(value)
    y, mo, d, hh, mm, ss, tz = m.groups()
    try:
        if hh is None:
            return dt.date(int(y), int(mo), int(d)).isoformat()
        value_dt = dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None
    if tz:
        if tz == "Z":
            offset = dt.timedelta(0)
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if abs(offset) >= dt.timedelta(hours=24):  # dt.timezone refuses it: no such offset
                return None
        value_dt = value_dt.replace(tzinfo=dt.timezone(offset))
    return to_iso(value_dt, True)


@lru_cache(maxsize=1)
def _date_data_parser():
    from dateparser.date import DateDataParser  # imported lazily: costs ~0.3 s

    return DateDataParser(
        languages=["en"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]},
    )


def _dateparser(text: str, formats: tuple[str, ...]) -> str | None:
    """Free text via one reused dateparser instance; None when it finds no full date."""
    try:
        data = _date_data_parser().get_date_data(text, date_formats=list(formats) or None)
    except Exception:  # dateparser raises a variety of errors on odd text
        return None
    value = data["date_obj"] if isinstance(data, dict) else getattr(data, "date_obj", None)
    if value is None:
        return None
    return to_iso(value, bool(TIME_RE.search(text)))


def parse_http_date(text: str | None) -> dt.datetime | None:
    """An HTTP header's date ("Sat, 21 Nov 2026 10:00:00 GMT": Last-Modified,
    Retry-After) as an aware datetime, or None."""
    if text is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a year of hundreds of digits
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
