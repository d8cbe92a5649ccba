"""The forces herts-scraper knows: every bundled profile of a force on the SOH platform.

`scrapy crawl news -a force=all` crawls these (`herts-scraper forces` lists them
with what backs each profile). A record's force is found by its area, a captured URL's by its host.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from herts_scraper.profiles import Profile, bundled_profiles, load_profile


def bundled_forces() -> list[str]:
    """Names (SOH slugs) of the bundled profiles with an `soh` generation, sorted."""
    return [name for name in bundled_profiles() if "soh" in load_profile(name).generations]


@cache
def _profiles_by(key: str) -> dict[str, str]:
    """{area: profile name} or {host: profile name} over every bundled profile (hosts with the
    origin's; each belongs to one force)."""
    out: dict[str, str] = {}
    for name in bundled_profiles():
        prof = load_profile(name)
        if key == "area":
            out.setdefault(prof.area, name)
        else:
            for host in (*prof.hosts, urlsplit(prof.origin).hostname or ""):
                out.setdefault(host.lower(), name)
    return out


def profile_for_area(area: str | None) -> Profile | None:
    """The bundled profile of the force whose records carry this `area` (`Greater Manchester`), if any."""
    name = _profiles_by("area").get(area or "")
    return load_profile(name) if name else None


def profile_for_host(host: str | None) -> Profile | None:
    """The bundled profile of the force whose site this host is (`www.kent.police.uk`, any case, no
    port), if any: a URL's force."""
    name = _profiles_by("host").get((host or "").lower().rstrip("."))
    return load_profile(name) if name else None
