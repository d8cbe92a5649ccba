"""One pass over an article's lowered text for the literal phrases three finders start from: the
cue phrases of kinds.py (about 1,700), the first words of references.py's lead-ins and the endings
of roads.py's one-word roads ("way", "gate").

An Aho-Corasick automaton (the `pyahocorasick` package, in C) finds every occurrence of every
phrase in one scan; two regular expressions did the same work in two scans, each stopping at most
characters. What the finders read from the hits is exactly what their regular expressions found:
`cue_hits` keeps, left to right, the longest whole-word phrase at each position (phrases.py's
rule), `leads` the positions where a lead-in may start (references.py matches it there), `road_ends` where
"way" or "gate" starts (roads.py reads the word around it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ahocorasick

from herts_scraper.extract.facts.kinds import vocabulary
from herts_scraper.extract.facts.phrases import BEFORE_PHRASE
from herts_scraper.extract.facts.references import LEAD_WORDS
from herts_scraper.extract.facts.roads import ONE_WORD_ENDS


@dataclass(frozen=True, slots=True)
class Hits:
    cues: list[tuple[int, str]]  # (start, phrase): the cue phrases, as kinds reads them
    leads: list[int]             # where a lead-in word starts, ascending
    road_ends: list[int]         # where a one-word road's ending ("way", "gate") starts, ascending


@cache
def _automaton() -> ahocorasick.Automaton:
    roles: dict[str, list] = {}
    for phrase in vocabulary().cues:
        roles.setdefault(phrase, [phrase, len(phrase), False, False, False])[2] = True
    for word in LEAD_WORDS:
        roles.setdefault(word, [word, len(word), False, False, False])[3] = True
    for word in ONE_WORD_ENDS:
        roles.setdefault(word, [word, len(word), False, False, False])[4] = True
    automaton = ahocorasick.Automaton()
    for key, role in roles.items():
        automaton.add_word(key, tuple(role))
    automaton.make_automaton()
    return automaton


def scan(lowered: str) -> Hits:
    """The cue phrases, lead-in starts and one-word road endings of a lowered text."""
    size = len(lowered)
    longest: dict[int, tuple[int, str]] = {}  # start -> (end, phrase) of the longest whole-word cue there
    leads = []
    road_ends = []
    for last, (key, length, is_cue, is_lead, is_road_end) in _automaton().iter(lowered):
        start = last + 1 - length
        if is_lead:
            leads.append(start)
        if is_road_end:
            road_ends.append(start)
        if is_cue:
            if start and not (lowered[start - 1].isspace() or lowered[start - 1] in BEFORE_PHRASE):
                continue
            end = last + 1
            if end < size and (lowered[end].isalnum() or lowered[end] in "_-"):
                continue  # (?![\w-]): re's \w is str.isalnum or "_"
            if start not in longest or longest[start][0] < end:
                longest[start] = (end, key)
    cues = []
    taken_to = -1
    for start in sorted(longest):
        if start > taken_to:  # re.finditer's next match starts after the previous one (its separator too)
            end, phrase = longest[start]
            cues.append((start, phrase))
            taken_to = end
    leads.sort()
    road_ends.sort()
    return Hits(cues, leads, road_ends)
