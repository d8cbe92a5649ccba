"""Police facts from an article's text: references, operations, kinds, offences, places, roads,
people and incident dates (docs/facts.md defines each). Pure functions of the article's title,
description, body and publication date, plus the force's profile (its places); no Scrapy, no I/O
beyond the bundled data they load once.

Each fact says how it was found (`how`), so that an analyst can judge it and a reader can tell
which rule to mend. `extract_facts` gives them in field order, each field's values once each, in
order of first appearance; `facts_json` gives the form `herts-scraper extract --format json` and the
exports show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from herts_scraper.profiles import Profile
    from herts_scraper.record import Article

# The fields, in the order every output lists them (docs/facts.md).
FIELDS = ("references", "operations", "kinds", "offences", "places", "roads", "people", "incident_dates")

# What the extractor finds changes with this: a version whose facts were made by another is
# refilled by `herts-scraper reparse --fields-only` (versions.facts_version).
FACTS_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of an article: `field` one of FIELDS; `value` its text (a reference as printed, a
    kind or offence group from the vocabulary, a place's gazetteer name, an ISO date, "34 man" for
    a person); `detail` what more it has (a place's lat and lon, a person's age and gender, a
    reference's type); `how` the rule or list that found it."""

    field: str
    value: str
    how: str
    detail: dict | None = None


def extract_facts(article: Article, profile: Profile | None = None) -> list[Fact]:
    """The facts of an article (its title, description, body and published date), with the
    force's profile for its places; a profile of None uses the national gazetteer alone."""
    return facts_of_text(article.title, article.description, article.body, article.published, profile)


def facts_of_text(title: str | None, description: str | None, body: str | None, published: str | None,
                  profile: Profile | None = None) -> list[Fact]:
    """extract_facts on an article's parts (a record read from disk, an archived version)."""
    from herts_scraper.extract.facts import (
        incident_dates as dates_,
        kinds as kinds_,
        people as people_,
        places as places_,
        references as references_,
        roads as roads_,
    )
    from herts_scraper.extract.facts.force import force_facts
    from herts_scraper.extract.facts.text import article_text

    force = force_facts(profile)
    prose = article_text(title, description, body, published)
    text = prose.text
    facts: list[Fact] = []
    refs = references_.references(text, force, prose.lowered)
    facts += [Fact("references", value, how) for value, how in refs]
    facts += [Fact("operations", name, how) for name, how in references_.operations(text)]
    kinds, offences = kinds_.kinds_and_offences(prose)
    facts += [Fact("kinds", kind, how) for kind, how in kinds]
    facts += [Fact("offences", group, how) for group, how in offences]
    facts += [Fact("places", place.name, how, {"lat": place.lat, "lon": place.lon})
              for place, how in places_.places(text, force, prose.lowered)]
    facts += [Fact("roads", road, how) for road, how in roads_.roads(text, force)]
    facts += [Fact("people", f"{age} {gender}", how, {"age": age, "gender": gender})
              for age, gender, how in people_.people(text, prose.lowered)]
    for value, _ in refs:  # a date inside a reference ("1234 of 04/03/2021") is no incident's
        text = text.replace(value, " " * len(value))
    facts += [Fact("incident_dates", iso, how) for iso, how in dates_.incident_dates(text, prose.published)]
    return facts


def facts_json(facts: list[Fact]) -> dict[str, list]:
    """{field: [value, ...]} with every field present: strings, except places as
    {name, lat, lon} and people as {age, gender}."""
    out: dict[str, list] = {f: [] for f in FIELDS}
    for fact in facts:
        if fact.field == "places":
            detail = fact.detail or {}
            out["places"].append({"name": fact.value, "lat": detail.get("lat"), "lon": detail.get("lon")})
        elif fact.field == "people":
            detail = fact.detail or {}
            out["people"].append({"age": detail.get("age"), "gender": detail.get("gender")})
        else:
            out[fact.field].append(fact.value)
    return out


def facts_document(facts: list[Fact]) -> dict:
    """What `herts-scraper extract --format json` adds to the article: facts_json's eight keys, and
    `facts`, the evidence: [{field, value, how, detail}, ...]."""
    return {**facts_json(facts),
            "facts": [{"field": f.field, "value": f.value, "how": f.how, "detail": f.detail} for f in facts]}
