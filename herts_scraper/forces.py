"""The forces herts-scraper knows: every bundled profile of a force on the SOH platform.

`scrapy crawl news -a force=all` crawls these. A profile counts when it loads
(the platform file alone does not: it names no force) and has an `soh`
generation. Kept out of profiles/__init__.py, which only loads profiles.
"""

from __future__ import annotations

from herts_scraper.profiles import BUNDLED, ProfileError, load_profile


def bundled_forces() -> list[str]:
    """Names (SOH slugs) of the bundled profiles of SOH forces, sorted."""
    names = []
    for entry in BUNDLED.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        try:
            profile = load_profile(entry.name[: -len(".yaml")])
        except ProfileError:
            continue  # soh-platform.yaml: what forces share, not a force
        if "soh" in profile.generations:
            names.append(profile.name)
    return sorted(names)
