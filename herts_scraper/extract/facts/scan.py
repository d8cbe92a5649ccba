"""One pass over an article's lowered text for the literal phrases two finders start from: the
cue phrases of kinds.py (about 1,700) and the first words of references.py's lead-ins.

An Aho-Corasick automaton (the `pyahocorasick` package, in C) finds every occurrence of every
phrase in one scan; two regular expressions did the same work in two scans, each stopping at most
characters. What the finders read from the hits is exactly what their regular expressions found:
`cue_hits` keeps, left to right, the longest whole-word phrase at each position (phrases.py's
rule), `lead_starts` the positions where a lead-in may start (references.py matches it there).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ahocorasick

from herts_scraper.extract.facts.kinds import vocabulary
from herts_scraper.extract.facts.phrases import BEFORE_PHRASE
from herts_scraper.extract.facts.references import LEAD_WORDS


@dataclass(frozen=True, slots=True)
class Hits:
    cues: list[tuple[int, str]]  # (start, phrase): the cue phrases, as kinds reads them
    leads: list[int]             # where a lead-in word starts, ascending


@cache
def _automaton() -> ahocorasick.Automaton:
    roles: dict[str, list] = {}
    for phrase in vocabulary().cues:
        roles.setdefault(phrase, [phrase, len(phrase), False, False])[2] = True
    for word in LEAD_WORDS:
        roles.setdefault(word, [word, len(word), False, False])[3] = True
    automaton = ahocorasick.Automaton()
    for key, role in roles.items():
        automaton.add_word(key, tuple(role))
    automaton.make_automaton()
    return automaton


def scan(lowered: str) -> Hits:
    """The cue phrases and lead-in starts of a lowered text."""
    size = len(lowered)
    longest: dict[int, tuple[int, str]] = {}  # start -> (end, phrase) of the longest whole-word cue there
    leads = []
    for last, (key, length, is_cue, is_lead) in _automaton().iter(lowered):
        start = last + 1 - length
        if is_lead:
            leads.append(start)
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
    return Hits(cues, leads)
