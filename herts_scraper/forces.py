"""The forces herts-scraper knows: every bundled profile of a force on the SOH platform.

`scrapy crawl news -a force=all` crawls these (`herts-scraper forces` lists them
with what backs each profile). An archived article names its force by its `area`:
`profile_for_area` finds the profile to extract it again with; a captured URL's force
is the one whose site its host is (`profile_for_host`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

from herts_scraper.profiles import Profile, bundled_profiles, load_profile


def bundled_forces() -> list[str]:
    """Names (SOH slugs) of the bundled profiles with an `soh` generation, sorted."""
    return [name for name in bundled_profiles() if "soh" in load_profile(name).generations]


@cache
def bundled_by_area() -> dict[str, Profile]:
    """Each bundled force profile by its `area`: the force an archived article's area names."""
    return {profile.area: profile for profile in map(load_profile, bundled_profiles())}


def profile_for_area(area: str | None, own: Iterable[Profile] = ()) -> Profile | None:
    """The profile of the force whose articles have this area: one of `own` (the profiles a command
    was given, such as a crawl's own YAML file) if it is theirs, else the bundled one; None if none is."""
    return next((p for p in own if p.area == area), None) or bundled_by_area().get(area or "")


@cache
def bundled_by_host() -> dict[str, Profile]:
    """Each bundled force profile by the hosts of its site (its `hosts` and its origin's; each belongs
    to one force)."""
    out: dict[str, Profile] = {}
    for profile in map(load_profile, bundled_profiles()):
        for host in (*profile.hosts, urlsplit(profile.origin).hostname or ""):
            out.setdefault(host.lower(), profile)
    return out


def profile_for_host(host: str | None) -> Profile | None:
    """The bundled profile of the force whose site this host is (`www.kent.police.uk`, any case, no
    port), if any: a captured URL's force."""
    return bundled_by_host().get((host or "").lower().rstrip("."))
