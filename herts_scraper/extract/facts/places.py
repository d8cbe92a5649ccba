"""Places where the story happens: capitalised runs of words looked up in the national gazetteer
(gazetteer.py) and the force's own list (its profile's `facts: places: extra`).

One regex finds the runs of capitalised words ("Hemel Hempstead", "Stoke-on-Trent", "Detective
Constable Smith", "Watford on Monday"); each run is cut into the longest names the lists know, a
dictionary lookup each. A name is a place when it stands alone (a capitalised word before or after
it makes it part of another name: "North Watford", "Watford General Hospital"), when no institution
or road word follows it ("Hatfield police station", "Watford Road"), and when it is no county or
district (places.yaml). Of the places a name may mean, the one inside the force's area is taken
(the profile's bbox); a name outside it, or a name that is also an everyday word, counts only after
a word that places the story there ("in Luton", "from Deal").
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from functools import cache

import yaml

from herts_scraper.extract.facts.force import ForceFacts
from herts_scraper.extract.facts.gazetteer import Place, gazetteer, place_key
from herts_scraper.extract.facts.phrases import phrase_regex

_WORD = r"[A-Z][\w']*(?:-[\w']+)*(?:(?<=St)\.)?"  # opens with [A-Z]: re skips ahead fast
_CONNECTOR = r"(?:upon|on|under|in|le|de|la|by|next|the|of|cum|en|super|sub)"
RUN = re.compile(rf"{_WORD}(?:(?: {_CONNECTOR})* {_WORD})*")  # the character before is checked by the finder
_CONNECTORS = frozenset("upon on under in le de la by next the of cum en super sub".split())
_STREET_WORDS = frozenset("Road Street Lane Avenue Drive Close Way Crescent Place Gardens Grove Terrace Walk Row "
                          "Square Parade Rise Mews Path".split())
_AGE_AFTER = re.compile(r",? \(?\d{1,2}\)?[,)]")  # "Preston, 34," names a person
# "in the direction of Bedmond", "west of Oxford": a place that only locates another
_LOCATING = re.compile(r"(?:direction of|(?:north|south|east|west)(?:-?(?:east|west))? of|, near)\s+(?:the\s+)?$", re.I)
# "Reigate and Banstead Neighbourhood Team", "Tonbridge and Malling Community Safety Unit": a borough's name
_AND_INSTITUTION = re.compile(r" and [A-Z][\w']*(?: [A-Z][\w']*)* (?:Neighbourhood|Borough|District|Council|Community"
                              r"|Safer|Team|Policing|CID|Division|Partnership|Magistrates)\b")
MAX_WORDS = 5


@dataclass(frozen=True)
class PlaceRules:
    not_places: frozenset[str]     # keys
    needs_context: frozenset[str]  # keys
    not_after: re.Pattern          # at the position after a name, lowercased text
    may_follow: tuple[tuple[str, ...], ...]
    strong_context: frozenset[str]
    strong_before: re.Pattern      # the text before a name (ending where it starts) that places the story there
    leading_words: frozenset[str]


@cache
def rules() -> PlaceRules:
    data = yaml.safe_load(importlib.resources.files(__package__).joinpath("places.yaml").read_text("utf-8"))
    not_after = phrase_regex((p.lower() for p in data["not_after"]), search=False)
    strong = "|".join(re.escape(w) for w in data["strong_context"])
    # "in Watford", "from the Luton area", "of Parsloes Avenue, Dagenham", "in Dover, Deal and Walmer"
    strong_before = re.compile(
        rf"(?:\b(?i:{strong})\s+(?:the\s+)?|\b[A-Z][\w'-]* (?:{'|'.join(sorted(_STREET_WORDS))}),?\s+(?:in\s+)?)"
        r"(?:[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*(?:,\s*|\s+and\s+|\s+or\s+|\s*/\s*))*$")
    return PlaceRules(
        frozenset(place_key(n) for n in data["not_places"]),
        frozenset(place_key(n) for n in data["needs_context"]),
        re.compile(r"[ ']*(?:s )?(?:" + not_after.pattern + ")"),
        tuple(tuple(p.split()) for p in data["may_follow"]),
        frozenset(data["strong_context"]),
        strong_before,
        frozenset(data["leading_words"]),
    )


def _key(words: list[str]) -> str:
    text = " ".join(words)
    if text.endswith("'s"):
        text = text[:-2]
    return place_key(text) if ("-" in text or "'" in text or "." in text or text.startswith("Saint")) \
        else text.lower()


def _choose(places: tuple[Place, ...], force: ForceFacts, strong: bool,
            needs_context: bool) -> tuple[Place, str] | None:
    """The place a name means in this force's story, and how it was chosen; None when it means none."""
    if force.bbox is None:  # no area known: the most populous place of that name, by its own name
        exact = [p for p in places if not p.short_form]
        if exact and (strong or not needs_context):
            return exact[0], "gazetteer geonames cities500"
        return None
    for place in places:
        if place.source != "geonames":
            if strong or not needs_context:
                return place, f"profile places ({force.name})"
            return None
        if force.inside(place):
            if strong or not needs_context:
                return place, "gazetteer geonames cities500, in force area"
            return None
    exact = [p for p in places if not p.short_form]
    if exact and strong and not needs_context:
        return exact[0], "gazetteer geonames cities500, outside the force area after 'in'/'from'"
    return None


_lookups: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def _lookup_sets(force: ForceFacts) -> tuple[frozenset[str], frozenset[str]]:
    """(every name's key, every name's first word) of the gazetteer and the force's list, once per force."""
    if force.name not in _lookups:
        keys = frozenset(gazetteer()) | frozenset(force.extra)
        _lookups[force.name] = (keys, frozenset(key.split(" ", 1)[0] for key in keys))
    return _lookups[force.name]


def _previous_word(text: str, pos: int) -> tuple[str, str]:
    """The word before pos (lowercase, "the" passed over) and the character that ends it."""
    j = pos
    while j > 0 and text[j - 1] in " (\"":
        j -= 1
    end_char = text[j - 1] if j else ""
    k = j
    while k > 0 and text[k - 1].isalpha():
        k -= 1
    word = text[k:j].lower()
    if word == "the":
        return _previous_word(text, k)
    return word, end_char


def _strong_before(text: str, pos: int, rule: PlaceRules) -> bool:
    word, end_char = _previous_word(text, pos)
    if word in rule.strong_context:
        return True
    if end_char == "," or word in ("and", "or"):  # a list or an address: read further back
        return rule.strong_before.search(text, max(0, pos - 100), pos) is not None
    return False


def _run_start(text: str, phrase: str, cursor: int) -> int:
    """Where a run RUN.findall gave starts: its first whole-word occurrence from cursor."""
    while True:
        pos = text.find(phrase, cursor)
        if pos < 0:
            return pos
        end = pos + len(phrase)
        if pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "'-_"):
            if end >= len(text) or not (text[end].isalnum() or text[end] in "'-"):
                return pos
        cursor = pos + 1


def places(text: str, force: ForceFacts, lowered: str | None = None) -> list[tuple[Place, str]]:
    """[(place, how)], in order of first appearance, once each."""
    rule = rules()
    index = gazetteer()
    extra = force.extra
    keys, first_words = _lookup_sets(force)
    out: list[tuple[Place, str]] = []
    seen: set[tuple[str, float | None]] = set()
    cursor = 0
    # most runs are one capitalised word that names no place: a comprehension sets them aside
    runs = [p for p in RUN.findall(text) if p.lower() in keys or not p.isalpha()]
    for phrase in runs:
        words = phrase.split(" ")
        if len(words) == 1:
            if _key(words) not in keys:
                continue
        elif not any(w.lower() in first_words for w in words):
            continue
        run_start = _run_start(text, phrase, cursor)
        if run_start < 0:
            continue
        cursor = run_start + len(phrase)
        n = len(words)
        start = 0
        while start < n - 1 and words[start] in rule.leading_words:
            start += 1
        i = start
        while i < n:
            if words[i] in _CONNECTORS or (n > 1 and _key(words[i:i + 1]).split(" ", 1)[0] not in first_words):
                i += 1
                continue
            end = None
            for j in range(min(n, i + MAX_WORDS), i, -1):
                if words[j - 1] in _CONNECTORS:
                    continue
                key = _key(words[i:j])
                if key in index or key in extra:
                    end = j
                    break
            if end is None:
                i += 1
                continue
            found = _candidate(words, i, end, start, key, run_start, text, lowered, force, index, extra, rule)
            if found is not None and (found[0].name, found[0].lat) not in seen:
                seen.add((found[0].name, found[0].lat))
                out.append(found)
            i = end
    return out


def _candidate(words, i, end, start, key, run_start, text, lowered, force, index, extra, rule):
    n = len(words)
    if key in rule.not_places:
        return None
    if i != start and words[i - 1] not in _CONNECTORS:
        return None  # "North Watford", "PC Preston": part of another name
    if end < n and words[end] not in _CONNECTORS and tuple(words[end:end + 2]) not in rule.may_follow \
            and tuple(words[end:end + 1]) not in rule.may_follow:
        return None  # "Watford General Hospital", "Hatfield Road"
    # where the name ends in the text
    after = run_start + len(" ".join(words[:end]))
    if words[end - 1].endswith("'s"):
        after -= 2
    if rule.not_after.match(lowered, after) or _AGE_AFTER.match(text, after) or _AND_INSTITUTION.match(text, after):
        return None
    if words[end - 1] in _STREET_WORDS and key not in extra:
        return None  # "Church Street": GeoNames knows a few streets as places
    if i == start and _LOCATING.search(text, max(0, run_start - 30), run_start):
        return None
    if i > start:  # after a connector inside the run: "Company in the City of London"
        previous = words[i - 2] if words[i - 1] == "the" and i - 2 >= start else words[i - 1]
        strong = previous in rule.strong_context
    elif start > 0:
        strong = words[start - 1].lower() in rule.strong_context
    else:
        strong = _strong_before(text, run_start, rule)
    candidates = extra.get(key, ()) + index.get(key, ())
    return _choose(candidates, force, strong, key in rule.needs_context)
