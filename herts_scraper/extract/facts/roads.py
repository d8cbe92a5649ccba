"""Roads and streets named: capitalised words ending in a street word ("Stanhope Road", "High
Street", "The Green"), and numbered roads ("A414", "M25", "A3(M)"), as printed without a house number.
A name ending in a weak street word that the gazetteer knows as a place ("Croxley Green", "Mile End")
is a place, not a road; "Church Street", a GeoNames hamlet too, stays a street."""

from __future__ import annotations

import re

from herts_scraper.extract.facts.force import ForceFacts
from herts_scraper.extract.facts.gazetteer import gazetteer, place_key
from herts_scraper.extract.facts.places import rules

_STREET_WORDS = ("Road|Street|Lane|Avenue|Drive|Close|Way|Crescent|Place|Gardens|Grove|Terrace|Walk|Row|Square"
                 "|Parade|Rise|Mews|Path|Bypass|By-pass|Boulevard|Broadway|Causeway|Circus|Embankment|Esplanade"
                 "|Promenade|Highway|Quay|Croft|Mead|Chase|Wharf|Wynd|Brow|Green|Gate|Hill|View|Vale|End")
_NAME_WORD = r"(?:St\.?|(?![ABM]\d)[A-Z][\w']*(?:-[A-Za-z][\w']*)*)"  # "A41 New Chester Road": two roads
# A road is found from its street word (capitalised literals: cheap over a whole article), its name
# read from the few capitalised words before it; numbered roads from their letter.
STREET_WORD = re.compile(rf"(?:{_STREET_WORDS})(?: (?:East|West|North|South|Upper|Lower))?(?![\w'-]| [A-Z][a-z])")
_NAME_BEFORE = re.compile(rf"(?<![\w'-])(?:{_NAME_WORD} ){{1,4}}$")
NUMBERED = re.compile(r"[ABM]\d{1,4}(?:\(M\))?(?![\w/-])")
# Words that end a hill's, a green's or a view's name as often as a road's: a road only as "The Green".
_WEAK = frozenset("Green Gate Hill View Vale End".split())
# ... except a hill's name where the words before it place a road there ("4 Breeze Hill", "along
# Breeze Hill"), as they do a one-word road ending in -way or -gate ("on Queensway").
_WEAK_PLACED = frozenset(["Hill"])
ONE_WORD_ENDS = ("way", "gate")
_PLACED_BEFORE = re.compile(r"(?:(?<![A-Za-z])(?i:in|on|onto|on to|along|off|junction of|junction with)"
                            r"|\d[A-Za-z]?,?) $")
_SIDES = frozenset("East West North South Upper Lower".split())
# Not "Junction": "Junction Road" is a road, and in "Junction 21 of the M25" the number already ends a name.
_MORE_LEADING = frozenset("Off Along Onto Near Address Addresses Residents Outside Motorists Drivers "
                          "Police Officers Witnesses".split())


def _numbered(text: str) -> list[re.Match]:
    """NUMBERED's matches: from each A, B and M followed by a digit (str.find goes faster than re
    over a whole article for a letter that opens a road's number)."""
    out = []
    for letter in "ABM":
        pos = text.find(letter)
        while pos >= 0:
            if text[pos + 1:pos + 2].isdecimal():
                m = NUMBERED.match(text, pos)
                if m is not None:
                    out.append(m)
            pos = text.find(letter, pos + 1)
    return out


def _placed(text: str, start: int) -> bool:
    """Whether a house number or "in", "on (to)", "along", "off", "junction of" comes just before start."""
    return _PLACED_BEFORE.search(text, max(0, start - 15), start) is not None


def _one_word_ends(text: str) -> list[int]:
    """Where "way" or "gate" starts in text (scan.py finds them with its other phrases)."""
    out = []
    for end_word in ONE_WORD_ENDS:
        pos = text.find(end_word)
        while pos >= 0:
            out.append(pos)
            pos = text.find(end_word, pos + 1)
    return sorted(out)


def _one_word(text: str, ends: list[int]) -> list[tuple[int, str]]:
    """(start, word) of the capitalised words ending in -way or -gate ("Queensway", "Kingsway") after
    a house number or in/on/along/off; ends: where "way" or "gate" starts."""
    out = []
    for pos in ends:
        end = pos + (3 if text[pos] in "wW" else 4)
        after = text[end:end + 2]
        if not after or not (after[0].isalnum() or after[0] in "'-" or after[0] == " " and after[1:].isupper()):
            start = text.rfind(" ", 0, pos) + 1  # a whole word, not "Washway Road": its start
            word = text[start:pos]
            if len(word) >= 2 and word[0].isupper() and word[1:].isalpha() and word[1:].islower() \
                    and _placed(text, start):
                out.append((start, text[start:end]))
    return out


def roads(text: str, force: ForceFacts, one_word_ends: list[int] | None = None) -> list[tuple[str, str]]:
    """[(road as printed, how)], in order of first appearance, once each. one_word_ends: where "way"
    or "gate" starts in the text (scan.py), when known."""
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
    for m in _numbered(text):
        if not m.start() or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "/-"):
            found.append((m.start(), m.group()))
    found += _one_word(text, _one_word_ends(text) if one_word_ends is None else one_word_ends)
    found.sort()
    for start, road in found:
        if road[0] in "ABM" and road[1].isdigit():
            how = "numbered road"
        elif " " not in road:  # one word: "Queensway"
            key = place_key(road)
            if key in index or key in force.extra:
                continue  # "Harrogate": a place
            how = f"one word ending '-{'gate' if road.endswith('gate') else 'way'}' after a number or in/on/along/off"
        else:
            words = road.split(" ")
            while len(words) > 2 and words[0] in leading:
                start += len(words[0]) + 1
                words = words[1:]
            suffix = words[-2] if words[-1] in _SIDES else words[-1]
            if words[0] in leading and words[0] != "The" or len(words) < 2:
                continue
            if suffix in _WEAK and words[0] != "The" and not (suffix in _WEAK_PLACED and _placed(text, start)):
                continue
            if len(words) >= 3 and words[-2:] == ["High", "Street"]:
                words = words[-2:]  # "Tenterden High Street": the town is a place, the road High Street
            road = " ".join(words)
            key = place_key(road)
            if key in force.extra or suffix in _WEAK and key in index:
                continue  # "Croxley Green", "Mile End": a place; "Church Street" is a street though GeoNames has one
            how = f"street word '{suffix}'" + (" after a number or in/on/along/off" if suffix in _WEAK_PLACED else "")
        norm = road.lower()
        if norm not in seen:
            seen.add(norm)
            out.append((road, how))
    return out
