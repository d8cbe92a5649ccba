"""Police reference numbers and named operations.

A reference is found two ways: after its lead-in words ("quoting", "crime reference", "incident",
"log", "CAD", "occurrence", "serial", ...) in any of the shapes forces print (`41/12345/21`,
`20*157072`, `21000063162`, `ISR 443 of 12 January`, `1234 of 04/03/2021`, `DS/RF/069/20`), and
anywhere in the force's own formats (its profile's `facts: reference_formats`), which catch the
second of "quoting 46/1234/21 or 46/5678/21". A value that is a phone number, a date, a time, a
year or an age is never a reference.
"""

from __future__ import annotations

import re

from herts_scraper.extract.facts.force import ForceFacts

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Febuary|Februray|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# The date that qualifies a log or incident number: "of 12 July", "of March 14", "of 04/03/2021".
_OF_DATE = (rf"\s+of\s+(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b(?:,?\s+\d{{4}})?"
            rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
            r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])|\d{6,8}\b)")
_TOKEN = (
    r"(?P<ref>"
    rf"\d{{1,6}}[A-Za-z]?{_OF_DATE}"                       # 1234 of 04/03/2021, 0028 of 12 July, 537s of 200120
    rf"|[A-Z]{{2,4}}\s?\d{{2,10}}(?:{_OF_DATE})?(?![\w/])"  # ISR 443 of 12 January, IML 629423
    r"|\d{1,6}\s\d{1,2}/\d{1,2}/\d{2,4}(?![\d/])"          # 173 11/03/21 (a log and its date, no "of")
    r"|[A-Z0-9]{1,12}(?:/[A-Z0-9]{1,12}){1,6}(?![\w/])"   # 41/12345/21, A2/18/396, DS/RF/069/20, PR/45200048404
    r"|\d{0,2}\*\s?\d{4,8}(?!\d)"                         # 20*157072, 21* 65331
    r"|\d{3,12}[A-Za-z]?(?![\w/*]|\s\d|[.,]\d)"            # 21000063162, 915; not 0800 555 111
    r")"
)
# The lead-in words, found in the lowered text (a pattern of literals: cheap over a whole article);
# what follows them is matched at their end.
LEAD = re.compile(r"quot(?:e|es|ed|ing)\b|ref(?:erence)?s?\b|incident\b|log\b|cad\b|occurrence\b|serial\b"
                  r"|crime\s+(?:number|ref(?:erence)?)\b|report\s+number\b|event\s+number\b|job\s+number\b")
_FILLER = (r"(?i:(?:[\s:#.-]+(?:the|crime|incident|log|reference|references|ref|number|numbers|no|num|serial"
           r"|occurrence|event|cad|report|police|investigation|job|of)\b)*)[\s:#-]*")
AFTER_LEAD = re.compile(_FILLER + _TOKEN)
_DATE_LIKE = re.compile(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:19|20)\d\d|\d{1,2}[.:]\d\d")
_PHONE = re.compile(r"101|999|111|0\d{9,10}|0[1-9]\d{2,4}")
_NOT_AFTER = re.compile(r"\s*(?:%|am\b|pm\b|hrs\b|hours\b|years?\b|yrs\b|mph\b|miles?\b|metres?\b|people\b"
                        r"|officers\b|pounds\b|kg\b|grams?\b|times\b|cars\b|vehicles\b|-year)", re.I)

OPERATION = re.compile(r"(?:Operation|Op|Project)\.?\s+[\"']?(?P<name>[A-Z][A-Za-z]+(?:-[A-Za-z]+)?)\b")
_NOT_OPERATION = frozenset(
    "manager managers officer officers team teams lead leader room support centre center the a an is was has and"
    " coordinator co-ordinator worker workers board group unit director of in on at for to with which this that"
    " it its by who will". split())


def _key(value: str) -> str:
    return re.sub(r"[\W_]+", "", value).lower()


def _is_reference(value: str, text: str, end: int) -> bool:
    if _DATE_LIKE.fullmatch(value) or _PHONE.fullmatch(value):
        return False
    return not _NOT_AFTER.match(text, end)


def references(text: str, force: ForceFacts, lowered: str | None = None) -> list[tuple[str, str]]:
    """[(reference as printed, how)], in order of first appearance, once each."""
    found: list[tuple[int, str, str]] = []
    lowered = text.lower() if lowered is None else lowered
    for lead in LEAD.finditer(lowered):
        if lead.start() and lowered[lead.start() - 1].isalnum():
            continue
        m = AFTER_LEAD.match(text, lead.end())
        if m is None or not m.group("ref"):
            continue
        value = m.group("ref")
        if _is_reference(value, text, m.end()):
            words = " ".join(text[lead.start():m.start("ref")].split()).rstrip(" :#-")
            found.append((m.start("ref"), value, f"lead-in '{words}'"))
    if force.reference_format is not None:
        for m in force.reference_format.finditer(text):
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "/*_"):
                continue
            if _is_reference(m.group(), text, m.end()):
                found.append((m.start(), m.group(), f"profile reference format ({force.name})"))
    found.sort(key=lambda f: f[0])
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for _, value, how in found:
        key = _key(value)
        if key not in seen:
            seen.add(key)
            out.append((value, how))
    return out


def operations(text: str) -> list[tuple[str, str]]:
    """[(operation name, how)]: "Operation Sceptre" -> "Sceptre"."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    if "Op" not in text and "Project" not in text:
        return out
    for m in OPERATION.finditer(text):
        if m.start() and text[m.start() - 1].isalnum():
            continue
        name = m.group("name")
        if name.lower() in _NOT_OPERATION or name.lower() in seen:
            continue
        seen.add(name.lower())
        out.append((name, f"'{m.group().split()[0]} NAME'"))
    return out
