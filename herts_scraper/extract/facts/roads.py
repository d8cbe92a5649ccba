"""Roads and streets named: capitalised words ending in a street word ("Stanhope Road", "High
Street", "The Green"), and numbered roads ("A414", "M25", "A3(M)"), as printed without a house number.
A name the gazetteer knows as a place ("Croxley Green", "Mile End") is a place, not a road."""

from __future__ import annotations

import re

from herts_scraper.extract.facts.force import ForceFacts
from herts_scraper.extract.facts.gazetteer import gazetteer, place_key
from herts_scraper.extract.facts.places import rules

_STREET_WORDS = ("Road|Street|Lane|Avenue|Drive|Close|Way|Crescent|Place|Gardens|Grove|Terrace|Walk|Row|Square"
                 "|Parade|Rise|Mews|Path|Bypass|By-pass|Boulevard|Broadway|Causeway|Circus|Embankment|Esplanade"
                 "|Promenade|Highway|Quay|Croft|Mead|Chase|Wharf|Wynd|Brow|Green|Gate|Hill|View|Vale|End")
_NAME_WORD = r"(?:St\.?|[A-Z][\w']*(?:-[A-Za-z][\w']*)*)"
# A road is found from its street word (capitalised literals: cheap over a whole article), its name
# read from the few capitalised words before it; numbered roads from their letter.
STREET_WORD = re.compile(rf"(?:{_STREET_WORDS})(?: (?:East|West|North|South|Upper|Lower))?(?![\w'-]| [A-Z][a-z])")
_NAME_BEFORE = re.compile(rf"(?<![\w'-])(?:{_NAME_WORD} ){{1,4}}$")
NUMBERED = re.compile(r"[ABM]\d{1,4}(?:\(M\))?(?![\w/-])")
# Words that end a hill's, a green's or a view's name as often as a road's: a road only as "The Green".
_WEAK = frozenset("Green Gate Hill View Vale End".split())
_SIDES = frozenset("East West North South Upper Lower".split())
_MORE_LEADING = frozenset("Off Along Onto Near Junction Address Addresses Residents Outside Motorists Drivers "
                          "Police Officers Witnesses".split())


def roads(text: str, force: ForceFacts) -> list[tuple[str, str]]:
    """[(road as printed, how)], in order of first appearance, once each."""
    leading = rules().leading_words | _MORE_LEADING
    index = gazetteer()
    out, seen = [], set()
    found = []
    for m in STREET_WORD.finditer(text):
        if m.start() and text[m.start() - 1] != " ":
            continue
        name = _NAME_BEFORE.search(text, max(0, m.start() - 60), m.start())
        if name is not None:
            found.append((name.start(), text[name.start():m.end()]))
    for m in NUMBERED.finditer(text):
        if not m.start() or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "/-"):
            found.append((m.start(), m.group()))
    found.sort()
    for _, road in found:
        if road[0] in "ABM" and road[1].isdigit():
            how = "numbered road"
        else:
            words = road.split(" ")
            while len(words) > 2 and words[0] in leading:
                words = words[1:]
            suffix = words[-2] if words[-1] in _SIDES else words[-1]
            if words[0] in leading and words[0] != "The" or len(words) < 2:
                continue
            if suffix in _WEAK and words[0] != "The":
                continue
            if len(words) >= 3 and words[-2:] == ["High", "Street"]:
                words = words[-2:]  # "Tenterden High Street": the town is a place, the road High Street
            road = " ".join(words)
            key = place_key(road)
            if key in index or key in force.extra:
                continue  # "Croxley Green", "Mile End": a place
            how = f"street word '{suffix}'"
        norm = road.lower()
        if norm not in seen:
            seen.add(norm)
            out.append((road, how))
    return out
