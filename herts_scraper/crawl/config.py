"""Checking the crawl's configuration before it starts: one clear line, exit status 2.

The types of our settings are those of their defaults in settings.py (the one
place where defaults live): a value given with `-s NAME=value` must convert to
the default's type, and numbers may not be negative.
"""

from __future__ import annotations

from herts_scraper import settings as defaults


class UsageError(ValueError):
    """A spider argument or setting the crawl cannot run with (exit status 2)."""


def check_settings(settings) -> None:
    """Raise UsageError naming the first setting whose value does not fit its default's type."""
    for name in sorted(n for n in vars(defaults) if n.isupper()):
        default = getattr(defaults, name)
        if isinstance(default, bool):
            getter, kind = settings.getbool, "true or false"
        elif isinstance(default, int):
            getter, kind = settings.getint, "a whole number of 0 or more"
        elif isinstance(default, float):
            getter, kind = settings.getfloat, "a number of 0 or more"
        else:
            continue
        try:
            value = getter(name)
        except (TypeError, ValueError):
            value = -1
        if value < 0:
            raise UsageError(f"setting {name} must be {kind}, not {settings.get(name)!r}")
