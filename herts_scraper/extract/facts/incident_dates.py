"""Dates of the incident(s): full dates (`4 March 2021`, `March 4, 2021`, `04/03/2021`) and a weekday
with a day and a month (`Thursday 4 March`, `Saturday (6/2)`, `last Wednesday (October 12)`), the
year of the latter inferred from the publication date: the latest such day not after it whose
weekday is the one printed (a weekday one day off is taken for a misprint within the past two
months). Left out: dates after publication (hearings and events ahead), dates of birth, dates
inside reference numbers (the caller masks those), the dates of a court appearance that decided
nothing ("appeared at ... court on ...") and of press notices ("Issued: ...")."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAYS = {w: i for i, w in enumerate("mon tue wed thu fri sat sun".split())}
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
# Optional words between a weekday and its date: "Thursday last week (30 January)", "Friday night, 5 March".
_BETWEEN = (r"(?:\s+(?:last\s+week|this\s+week|night|morning|afternoon|evening|lunchtime|just\s+gone))?"
            r",?\s*\(?\s*(?:the\s+)?")

# A date is found from its digits (a regex that opens with a digit is cheap to run over a whole
# article); the words around them are read from short windows: the month before ("March 14"), the
# weekday before ("Thursday 4 March", "Saturday (6/2)").
_DIGITS = re.compile(r"[0-9][0-9]*")  # not \d+: a pattern opening with a plain set is the faster
_DAY_FIRST = re.compile(
    rf"(?P<d1>{_DAY})(?:\s*(?:and|&|-|to)\s*(?P<d0>{_DAY})\s+|(?:\s+of)?\s+)(?P<m1>{_MONTH})\b(?:,?\s+(?P<y1>{_YEAR})\b)?"
    r"|(?P<d3>[0-3]?\d)/(?P<m3>[01]?\d)(?:/(?P<y3>(?:19|20)?\d\d))?(?![\d/])")
_MONTH_BEFORE = re.compile(rf"\b(?P<m2>{_MONTH})\s+$")
_MONTH_FIRST_TAIL = re.compile(rf"(?P<d2>{_DAY})\b(?:,?\s+(?P<y2>{_YEAR})\b)?")
_WEEKDAY_BEFORE = re.compile(rf"\b(?P<wd>{_WEEKDAY})\b{_BETWEEN}$")
_BIRTH = re.compile(r"(?:born|birth|dob|d\.o\.b)\W*(?:on\W*)?$")
# "Jordan Short (18/01/2001) of ...": a date in brackets after a name is a date of birth
_NAME_BRACKET = re.compile(r"\b(?!Today|Yesterday|Tonight|Tomorrow|[A-Z][a-z]*day\b)[A-Z][\w'-]+ \($")
# "between 2 April and 6 April 2019": the first date takes the year of the second
_RANGE_END = re.compile(rf"\s*(?:and|to|until|till|-)\s+(?:{_WEEKDAY}\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}\b"
                        rf",?\s+(?P<y>{_YEAR})\b")
_NOTICE_LINE = re.compile(r"^[ \t]*(?:issued|published|posted|updated|date|last updated)\b", re.M)
_HEARING = re.compile(r"\b(?:appear(?:s|ed|ing|ance)?|remanded|hearing|trial|bail(?:ed)? until|bailed)\b")
_RESULT = re.compile(r"\b(?:sentenced|jailed|convicted|guilty|acquitted|fined|ordered|banned|charged|arrested|"
                     r"died|found|attacked|assaulted|stolen|happened|occurred|took place|reported|collision|"
                     r"incident)\b")


def _infer_year(day: int, month: int, weekday: int | None, published: dt.date) -> dt.date | None:
    """The latest date of that day and month not after publication, the weekday agreeing."""
    candidates = []
    for year in range(published.year, published.year - 8, -1):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        if d <= published:
            candidates.append(d)
    if not candidates:
        return None
    latest = candidates[0]
    if weekday is None or latest.weekday() == weekday:
        return latest
    for year in (published.year, published.year + 1):  # "Monday June 17" of an event ahead
        try:
            ahead = dt.date(year, month, day)
        except ValueError:
            continue
        if published < ahead and ahead.weekday() == weekday:
            return None
    if (published - latest).days <= 62 and min((latest.weekday() - weekday) % 7, (weekday - latest.weekday()) % 7) == 1:
        return latest  # a misprinted weekday ("last Wednesday (October 12)" of a Thursday)
    return next((d for d in candidates[:3] if d.weekday() == weekday), None)  # no more than two years back


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _hearing_only(text: str, start: int) -> bool:
    """Whether the words before the date, back to the sentence's start, say last that it is a court
    appearance or a hearing (not a result, an arrest or an incident)."""
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), start - 160)
    before = text[sentence_start:start]
    hearing = [m.end() for m in _HEARING.finditer(before)]
    if not hearing:
        return False
    other = [m.end() for m in _RESULT.finditer(before)]
    return not other or hearing[-1] > other[-1]


def _dates(lowered: str):
    """(start, weekday text, [day texts], month text, year text) of each date-like phrase."""
    last = 0
    for d in _DIGITS.finditer(lowered):
        pos = d.start()
        if pos < last or (pos and (lowered[pos - 1].isalnum() or lowered[pos - 1] in "/*")):
            continue
        m = _DAY_FIRST.match(lowered, pos)
        if m is not None:
            start, last = pos, m.end()
            if m.group("d1"):
                days = [m.group("d1")] + ([m.group("d0")] if m.group("d0") else [])
                month, year = m.group("m1"), m.group("y1")
            else:
                days, month, year = [m.group("d3")], m.group("m3"), m.group("y3")
        else:
            before = _MONTH_BEFORE.search(lowered, max(0, pos - 12), pos)
            m = _MONTH_FIRST_TAIL.match(lowered, pos) if before else None
            if m is None or before is None:
                continue
            start, last = before.start(), m.end()
            days, month, year = [m.group("d2")], before.group("m2"), m.group("y2")
        weekday = _WEEKDAY_BEFORE.search(lowered, max(0, start - 45), start)
        yield (weekday.start() if weekday else start), weekday and weekday.group("wd"), days, month, year, last


def incident_dates(text: str, published: dt.date | None) -> list[tuple[str, str]]:
    """[(ISO date, how)], in order of first appearance, once each."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    lowered = text.lower()
    notices = [m.start() for m in _NOTICE_LINE.finditer(lowered)] if "ssued" in text or "ublished" in text else []
    for start, wd, days, month, year_text, end in _dates(lowered):
        weekday = _WEEKDAYS.get(wd[:3]) if wd else None
        year = _year(year_text)
        if month.isdigit() and year is None and weekday is None:
            continue  # "9/2" alone could be anything
        if year is None and not month.isdigit():
            range_end = _RANGE_END.match(lowered, end)
            year = _year(range_end.group("y")) if range_end else None
        month_number = int(month) if month.isdigit() else _MONTHS.get(month[:3])
        if not month_number or not 1 <= month_number <= 12:
            continue
        if year is None and (weekday is None or published is None):
            continue  # a day and month alone: no year to give it (docs/facts.md)
        if _BIRTH.search(lowered, max(0, start - 20), start) or (
                month.isdigit() and _NAME_BRACKET.search(text, max(0, start - 30), start)):
            continue
        if notices and any(n <= start < (lowered.find("\n", n) % (len(lowered) + 1)) for n in notices):
            continue
        if _hearing_only(lowered, start):
            continue
        for day_text in days:
            day = int(re.sub(r"\D", "", day_text))
            if year is not None:
                try:
                    date = dt.date(year, month_number, day)
                except ValueError:
                    continue
                how = "full date"
            elif published is not None:
                inferred = _infer_year(day, month_number, weekday if day_text == days[0] else None, published)
                if inferred is None:
                    continue
                date = inferred
                how = "weekday, day and month; year from the publication date"
            if published is not None and date > published:
                continue  # ahead of publication: a hearing or an event to come
            iso = date.isoformat()
            if iso not in seen:
                seen.add(iso)
                out.append((iso, how))
    return out
