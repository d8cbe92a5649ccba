"""Case threads: the articles of the archive about one case, in date order, with what each added.

Articles are linked (docs/cases.md):
- by a police reference number they share, printed alike but for letter case and spaces
  (`41/12345/21`, `41 / 12345 / 21`), within one force area: a reference is the force's own, and
  short log numbers (`0028 of 12 July`) recur from force to force;
- by an operation name they share within one force area (two forces may each run an Operation
  Sceptre), unless more than CAMPAIGN_ARTICLES articles of that area name it: that is a standing
  campaign (Operation Scorpion, Operation Castle), whose articles are many cases, not one. Asked
  for by name, a campaign's thread is all its articles (and what each links);
- as versions of one URL (an updated story): every version of an article is a step of its thread.
An "UPDATED:" story on a new URL joins the thread through the reference or operation it repeats.
A thread is the connected component of these links. Its steps are the versions of its articles, in
order of publication, then of first sighting (an article's versions share their publication date).

Pure SQL and Python over an archive's `facts`, `versions` and `articles` (read only, no Scrapy):
the reference and operation facts of every version are read once (the index on facts (field,
value) finds them), the thread grows from there, and only its own versions and facts are read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlite_utils

from herts_scraper.archive.schema import ARTICLES, FACTS, LONDON, VERSIONS, london_instant
from herts_scraper.extract.facts import Fact, facts_json

LINKS = ("references", "operations")  # the fields that link articles (within one force area)
SHOWN = ("references", "operations", "kinds", "offences", "places", "people")  # what a step adds to its thread
# More articles of one force area than this naming an operation make it a campaign, which links none
# of them: the corpus's single-case operations have a handful of articles, its campaigns (Scorpion,
# Castle, Lightning) tens in a few hundred records.
CAMPAIGN_ARTICLES = 15
_OPERATION_WORDS = ("operation", "op", "op.")  # "Operation Sceptre", "Op Sceptre": the name is "Sceptre"
_CHUNK = 500  # SQL parameters per query


def reference_key(text: str) -> str:
    """A reference as compared: letter case and spaces aside (`41 / 12345 / 21` is `41/12345/21`)."""
    return "".join(text.split()).upper()


def operation_key(text: str) -> str:
    """An operation's name as compared: letter case and runs of spaces aside, without a leading
    "Operation" or "Op" (a query may name it so)."""
    words = text.split()
    if len(words) > 1 and words[0].casefold() in _OPERATION_WORDS:
        words = words[1:]
    return " ".join(words).casefold()


_KEYS = {"references": reference_key, "operations": operation_key}
Key = tuple[str, str, str]  # (field, area, normalised value)


@dataclass
class Step:
    """One version of one article of a thread."""

    thread: int
    url: str
    version: int
    versions: int  # how many versions the article has
    area: str
    title: str | None
    published: str | None
    first_seen: str
    facts: dict[str, list] = field(default_factory=dict)  # extract.facts.facts_json of the version
    linked_by: dict = field(default_factory=dict)  # {references, operations, earlier_version}: ties to earlier steps
    added: dict[str, list] = field(default_factory=dict)  # what it brought to the thread first, by field

    @property
    def kinds(self) -> list[str]:
        return self.facts.get("kinds", [])

    def to_json(self) -> dict:
        return {"thread": self.thread, "url": self.url, "version": self.version, "versions": self.versions,
                "area": self.area, "title": self.title, "published": self.published, "first_seen": self.first_seen,
                "kinds": self.kinds, "references": self.facts.get("references", []),
                "linked_by": self.linked_by, "added": self.added}


class CaseIndex:
    """The links of an archive's articles: their references and operations, by force area."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.has_facts = FACTS.name in db.table_names()
        self.urls_of: dict[Key, set[str]] = defaultdict(set)  # every reference and operation, campaigns too
        if self.has_facts:
            for url, area, name, value in db.execute(
                    f"select v.url, a.area, f.field, f.value from [{FACTS.name}] f "
                    f"join [{VERSIONS.name}] v on v.id = f.version_id join [{ARTICLES.name}] a on a.url = v.url "
                    f"where f.field in ({', '.join('?' * len(LINKS))})", LINKS):
                self.urls_of[(name, area or "", _KEYS[name](value))].add(url)
        self.campaigns = {key for key, urls in self.urls_of.items()
                          if key[0] == "operations" and len(urls) > CAMPAIGN_ARTICLES}
        self.keys_of: dict[str, set[Key]] = defaultdict(set)  # the keys that link
        for key, urls in self.urls_of.items():
            if key not in self.campaigns:
                for url in urls:
                    self.keys_of[url].add(key)

    def keys_named(self, text: str) -> list[Key]:
        """The keys of this reference, else of this operation, one per force area naming it."""
        for name in LINKS:
            wanted = _KEYS[name](text)
            keys = sorted(key for key in self.urls_of if key[0] == name and key[2] == wanted)
            if keys:
                return keys
        return []

    def component(self, urls: Iterable[str]) -> set[str]:
        """Every article linked to these, directly or through others."""
        found, todo = set(urls), list(urls)
        while todo:
            for key in self.keys_of.get(todo.pop(), ()):
                for other in self.urls_of[key] - found:
                    found.add(other)
                    todo.append(other)
        return found


def threads_of(db: sqlite_utils.Database, *, reference: str | None = None, url: str | None = None) -> list[list[Step]]:
    """The threads of a reference or operation name (one per force area naming it, unless linked), or
    the thread of an archived article's URL; each a list of steps in date order, the earliest thread
    first. [] when the reference matches nothing."""
    index = CaseIndex(db)
    asked = [] if url is not None else index.keys_named(reference or "")
    starts = [{url}] if url is not None else [index.urls_of[key] for key in asked]
    components: list[set[str]] = []
    for start in starts:
        if not any(start <= seen for seen in components):
            components.append(index.component(start))
    threads = [_steps(db, index, urls, set(asked)) for urls in components]
    threads.sort(key=lambda steps: _when(steps[0]))  # an article has a version at least: no thread is empty
    for number, steps in enumerate(threads, 1):
        for step in steps:
            step.thread = number
    return threads


def without_facts(db: sqlite_utils.Database) -> bool:
    """Whether no version of the archive has had its facts extracted (an archive older than them)."""
    if FACTS.name not in db.table_names():
        return True
    return db.execute(f"select 1 from [{VERSIONS.name}] where facts_version is not null limit 1").fetchone() is None


def _steps(db: sqlite_utils.Database, index: CaseIndex, urls: set[str], asked: set[Key]) -> list[Step]:
    """The versions of these articles in date order, each with its facts, its ties to the steps
    before it (through what links, or the reference or operation asked for) and what it added."""
    steps: dict[int, Step] = {}
    for chunk in _chunks(sorted(urls)):
        for version_id, url, version, versions, area, title, published, first_seen in db.execute(
                f"select v.id, v.url, v.version, a.versions, a.area, v.title, v.published, v.first_seen "
                f"from [{VERSIONS.name}] v join [{ARTICLES.name}] a on a.url = v.url "
                f"where v.url in ({', '.join('?' * len(chunk))})", chunk):
            steps[version_id] = Step(0, url, version, versions, area, title, published, first_seen)
    facts: dict[int, list[Fact]] = defaultdict(list)
    if index.has_facts:
        for chunk in _chunks(list(steps)):
            for version_id, name, value, detail, how in db.execute(
                    f"select version_id, field, value, detail, how from [{FACTS.name}] "
                    f"where version_id in ({', '.join('?' * len(chunk))}) order by id", chunk):
                facts[version_id].append(Fact(name, value, how or "", json.loads(detail) if detail else None))
    ordered = sorted(steps.items(), key=lambda item: _when(item[1]))
    seen: dict[str, set] = {name: set() for name in SHOWN}
    linked: set[Key] = set()
    earlier: set[str] = set()
    for version_id, step in ordered:
        step.facts = facts_json(facts[version_id])
        keys = {key for name in LINKS for value in step.facts[name]
                if (key := (name, step.area, _KEYS[name](value))) not in index.campaigns or key in asked}
        step.linked_by = {name: [value for value in step.facts[name] if (name, step.area, _KEYS[name](value)) in linked]
                          for name in LINKS}
        step.linked_by["earlier_version"] = step.url in earlier
        step.added = {name: list(_new(name, step.facts[name], seen[name])) for name in SHOWN}
        linked |= keys
        earlier.add(step.url)
    return [step for _, step in ordered]


def _new(name: str, values: list, seen: set) -> Iterator:
    """The values not in the thread yet (a reference or an operation by its key; a place by its name)."""
    for value in values:
        key = (_KEYS[name](value) if name in _KEYS else value["name"] if name == "places"
               else (value["age"], value["gender"]) if name == "people" else value)
        if key not in seen:
            seen.add(key)
            yield value


def _when(step: Step) -> tuple:
    """Publication, then first sighting: a date alone is its day's start in London."""
    first_seen = london_instant(step.first_seen) or dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return (london_instant(step.published) or first_seen, first_seen, step.url, step.version)


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


# -- output -------------------------------------------------------------------------------------
def as_json(threads: list[list[Step]]) -> list[dict]:
    """Every step of every thread, in order: the threads' form in `herts-scraper case --format json`."""
    return [step.to_json() for steps in threads for step in steps]


def as_table(threads: list[list[Step]], asked: str) -> Iterator[str]:
    """The threads as lines of text: a heading each, then each step with its kinds, its ties and
    what it added."""
    for steps in threads:
        articles = len({s.url for s in steps})
        areas = ", ".join(sorted({s.area for s in steps}))
        dates = [_date(s) for s in steps]
        heading = f"thread {steps[0].thread} of {len(threads)}" if len(threads) > 1 else "thread"
        yield (f"{heading} of {asked}: {articles} article{'s' * (articles != 1)}, {len(steps)} "
               f"version{'s' * (len(steps) != 1)}, {areas}, {dates[0]} to {dates[-1]}")
        for step, date in zip(steps, dates, strict=True):
            kinds = ", ".join(step.kinds) or "-"
            seen = london_instant(step.first_seen)
            version = (f"  (version {step.version} of {step.versions}, first seen "
                       f"{seen.astimezone(LONDON).date() if seen else '?'})" if step.versions > 1 else "")
            yield f"  {date}  {kinds:<24} {step.title or '(no title)'}"
            yield f"  {'':10}  {step.url}{version}"
            ties = [f"{name[:-1]} {value}" for name in LINKS for value in step.linked_by[name]]
            ties += ["an earlier version"] * step.linked_by["earlier_version"]
            if ties:
                yield f"  {'':10}  linked by {', '.join(ties)}"
            added = [f"{name} {', '.join(_shown(name, v) for v in values)}" for name, values in step.added.items()
                     if values]
            yield f"  {'':10}  added: {'; '.join(added) if added else 'nothing new'}"


def _shown(name: str, value) -> str:
    if name == "places":
        return value["name"]
    if name == "people":
        return f"{value['age']} {value['gender']}"
    return str(value)


def _date(step: Step) -> str:
    """The London date a step is placed at (its publication, or first sighting)."""
    when = london_instant(step.published) or london_instant(step.first_seen)
    return when.astimezone(LONDON).date().isoformat() if when else "?"
