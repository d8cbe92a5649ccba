"""Kinds and offence groups from cue phrases (vocabulary.yaml): one pass of one trie-shaped
regex over the lowercased text, each phrase's weight added to the kinds and groups it cues,
twice over in the story's head. `statement` and `other` follow from the rest (docs/facts.md)."""

from __future__ import annotations

import importlib.resources
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import yaml

from herts_scraper.extract.facts.phrases import SEPARATOR, phrase_regex
from herts_scraper.extract.facts.text import ArticleText

KINDS = ("appeal", "missing", "wanted", "arrest", "charge", "court", "collision", "warning", "statement", "event",
         "other")
OFFENCES = ("burglary", "robbery", "theft", "violence against the person", "sexual offences",
            "criminal damage and arson", "drug offences", "possession of weapons", "public order", "fraud",
            "vehicle offences and road deaths", "other")
# Kinds that make an article about a case or incident: without an appeal, it is a statement.
_CASE_KINDS = ("missing", "wanted", "arrest", "charge", "court", "collision")


@dataclass(frozen=True)
class Vocabulary:
    regex: re.Pattern                               # every cue phrase
    cues: dict[str, tuple[tuple[str, str, int], ...]]  # phrase -> ((field, name, weight), ...)
    thresholds: dict[tuple[str, str], int]          # (field, name) -> score needed
    head_factor: int
    # (field, name) -> (the groups that absorb it, the least weight that still counts when one is found)
    absorbed_by: dict[tuple[str, str], tuple[tuple[str, ...], int]]


@cache
def vocabulary() -> Vocabulary:
    """vocabulary.yaml, compiled once."""
    data = yaml.safe_load(importlib.resources.files(__package__).joinpath("vocabulary.yaml").read_text("utf-8"))
    cues: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    thresholds = {}
    absorbed_by = {}
    for field, names in (("kinds", KINDS), ("offences", OFFENCES)):
        for name, spec in data[field].items():
            if name not in names:
                raise ValueError(f"vocabulary.yaml: {name!r} is not one of the {field} (docs/facts.md)")
            thresholds[(field, name)] = int(spec["threshold"])
            if spec.get("absorbed_by"):
                absorbing = spec["absorbed_by"]
                absorbed_by[(field, name)] = (tuple(absorbing["groups"]), int(absorbing["keep_weight"]))
            for weight, phrases in spec["cues"].items():
                for phrase in phrases:
                    cues[phrase.lower()].append((field, name, int(weight)))
    regex = phrase_regex(cues)
    return Vocabulary(regex, {p: tuple(v) for p, v in cues.items()}, thresholds, int(data.get("head_factor", 2)),
                      absorbed_by)


def kinds_and_offences(text: ArticleText) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """([(kind, how)], [(offence group, how)]), each in vocabulary order; how names the cue that
    weighed most."""
    vocab = vocabulary()
    scores: dict[tuple[str, str], int] = defaultdict(int)
    strong: dict[tuple[str, str], int] = defaultdict(int)  # the score of the cues an absorbing group leaves
    best: dict[tuple[str, str], tuple[int, str]] = {}
    lowered = SEPARATOR + (text.lowered or text.text.lower())
    head_end = text.head_end + 1
    for m in vocab.regex.finditer(lowered):
        phrase = m.group()[1:]
        factor = vocab.head_factor if m.start() < head_end else 1
        for field, name, weight in vocab.cues[phrase]:
            if weight:
                key = (field, name)
                scores[key] += weight * factor
                if key in vocab.absorbed_by and weight >= vocab.absorbed_by[key][1]:
                    strong[key] += weight * factor
                if weight * factor > best.get(key, (0, ""))[0]:
                    best[key] = (weight * factor, phrase)
    found = {key for key, score in scores.items() if score >= vocab.thresholds[key]}
    for key, (groups, _) in vocab.absorbed_by.items():
        if key in found and strong[key] < vocab.thresholds[key] and any((key[0], g) in found for g in groups):
            found.discard(key)  # its cues are another group's: "punched" in a robbery, "stolen" in a burglary
    kinds = [(k, f"cue '{best[('kinds', k)][1]}'") for k in KINDS if ("kinds", k) in found]
    names = {k for k, _ in kinds}
    if "appeal" not in names and names & set(_CASE_KINDS):
        kinds.append(("statement", "no appeal, a case reported"))
    if not kinds:
        kinds.append(("other", "no kind's cues"))
    kinds.sort(key=lambda kh: KINDS.index(kh[0]))
    offences = [(o, f"cue '{best[('offences', o)][1]}'") for o in OFFENCES if ("offences", o) in found]
    return kinds, offences
