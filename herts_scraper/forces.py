"""The forces herts-scraper knows: every bundled profile of a force on the SOH platform.

`scrapy crawl news -a force=all` crawls these (`herts-scraper forces` lists them
with what backs each profile).
"""

from __future__ import annotations

from herts_scraper.profiles import bundled_profiles, load_profile


def bundled_forces() -> list[str]:
    """Names (SOH slugs) of the bundled profiles with an `soh` generation, sorted."""
    return [name for name in bundled_profiles() if "soh" in load_profile(name).generations]
