"""What a force's profile tells the fact finders: its `facts:` section (keys documented in
soh-platform.yaml), compiled once per profile.

    facts:
      reference_formats:            # the force's crime reference formats, found without lead-in words
        - format: '41/\\d{3,6}/\\d{2}'
          seen: where the format was seen
      places:
        bbox: [south, west, north, east]   # the force area, degrees; a name's place is the one inside
        source: where the box comes from
        extra:                      # places the national gazetteer lacks (city districts, villages)
          - {name: Leavesden, lat: 51.70, lon: -0.40, source: ...}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from herts_scraper.extract.facts.gazetteer import Place, place_key

if TYPE_CHECKING:
    from herts_scraper.profiles import Profile


@dataclass(frozen=True)
class ForceFacts:
    name: str
    reference_format: re.Pattern | None = None       # the formats as one regex
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east
    extra: dict[str, tuple[Place, ...]] = field(default_factory=dict)

    def inside(self, place: Place) -> bool:
        if self.bbox is None or place.lat is None or place.lon is None:
            return False
        south, west, north, east = self.bbox
        return south <= place.lat <= north and west <= place.lon <= east


NATIONAL = ForceFacts("national")
_compiled: dict[tuple[str, str], ForceFacts] = {}


def force_facts(profile: Profile | None) -> ForceFacts:
    """The profile's facts section, compiled (once per profile); NATIONAL for no profile."""
    if profile is None:
        return NATIONAL
    key = (profile.name, str(profile.path))
    if key not in _compiled:
        _compiled[key] = _compile(profile)
    return _compiled[key]


def _fail(profile: Profile, message: str):
    from herts_scraper.profiles import ProfileError

    return ProfileError(f"{profile.path}: facts: {message}")


def _compile(profile: Profile) -> ForceFacts:
    raw = profile.raw.get("facts") or {}
    if not isinstance(raw, dict):
        raise _fail(profile, "must be a mapping (reference_formats, places)")
    formats = []
    for i, item in enumerate(raw.get("reference_formats") or ()):
        pattern = item.get("format") if isinstance(item, dict) else None
        if not isinstance(pattern, str) or not pattern:
            raise _fail(profile, f"reference_formats[{i}] needs a `format` (a regular expression)")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(profile, f"reference_formats[{i}] {pattern!r}: {exc}") from None
        formats.append(f"(?:{pattern})")
    # what comes before a match is checked by the finder: a lookbehind here would slow the search
    reference_format = (re.compile("|".join(formats) + r"(?![\w/*]|/\d)") if len(formats) == 1 else
                        re.compile(r"(?:" + "|".join(formats) + r")(?![\w/*]|/\d)")
                        if formats else None)
    places = raw.get("places") or {}
    if not isinstance(places, dict):
        raise _fail(profile, "places must be a mapping (bbox, source, extra)")
    bbox = places.get("bbox")
    if bbox is not None:
        if (not isinstance(bbox, list) or len(bbox) != 4 or not all(isinstance(v, int | float) for v in bbox)
                or not (bbox[0] < bbox[2] and bbox[1] < bbox[3])):
            raise _fail(profile, "places.bbox is [south, west, north, east] in degrees, south < north, west < east")
        bbox = tuple(float(v) for v in bbox)
    extra: dict[str, list[Place]] = {}
    for i, item in enumerate(places.get("extra") or ()):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise _fail(profile, f"places.extra[{i}] needs a name")
        lat, lon = item.get("lat"), item.get("lon")
        if (lat is None) != (lon is None) or not all(v is None or isinstance(v, int | float) for v in (lat, lon)):
            raise _fail(profile, f"places.extra[{i}] ({item['name']}): lat and lon are numbers, both or neither")
        place = Place(item["name"], lat, lon, 0, f"profile {profile.name}")
        for name in [item["name"], *(item.get("also") or ())]:
            extra.setdefault(place_key(name), []).append(place)
    return ForceFacts(profile.name, reference_format, bbox, {k: tuple(v) for k, v in extra.items()})
