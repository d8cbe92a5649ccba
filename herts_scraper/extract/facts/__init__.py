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
    return []  # filled by the extraction functions (see the field modules)


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
