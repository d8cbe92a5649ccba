"""The forces of one crawl: a `Site` per force, with what the spider keeps of it.

    scrapy crawl news -a force=kent,essex -a base_url=kent=http://127.0.0.1:8001,essex=http://127.0.0.1:8002

Each force is crawled as its own site: its profile, its origin (base_url's, or
the profile's), the archive's articles of that force, its mode (full or
incremental), its frontier of discovered article URLs and its counts. Every
request the spider makes names its force in `meta["force"]` and goes to a
download slot of its own origin, so Scrapy's per-slot DOWNLOAD_DELAY and
AutoThrottle keep each host polite on its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from herts_scraper.crawl.boundary import origin_key
from herts_scraper.crawl.config import UsageError
from herts_scraper.profiles import Profile, load_profile

FORCE_META = "force"  # request meta: the name of the force a request belongs to
ALL_FORCES = "all"


@dataclass(eq=False)
class Site:
    """One force in a crawl."""

    profile: Profile
    profile_source: str  # the name or YAML path it was loaded from (the archive writer loads it again)
    base_url: str  # origin crawled, e.g. https://www.kent.police.uk or http://127.0.0.1:8001
    origin: str = ""  # base_url's host[:port] as the site boundary compares it
    hosts: frozenset = frozenset()
    # from the archive (crawl.run.ArchiveState), for this force's articles only
    known: dict = field(default_factory=dict)
    retry_urls: list[str] = field(default_factory=list)
    missing_start_pages: set[str] = field(default_factory=set)
    mode: str = "full"
    # this run
    frontier: deque[tuple[str, Iterator[str | None]]] = field(default_factory=deque)
    in_flight: int = 0
    listing_failures: int = 0  # listings, feeds, sitemaps that failed: the sweep is then incomplete
    start_pages_missing: list[str] = field(default_factory=list)
    start_pages: int = 0  # start pages requested
    start_blocked: int = 0  # ... that answered 403 or a challenge page
    blocked: int = 0  # requests refused by the site (403, challenge page)
    answered: int = 0  # responses and failures of this force's requests

    def __post_init__(self):
        self.origin = origin_key(self.base_url) or ""
        host = (urlsplit(self.base_url).hostname or "").lower()
        # The real site's hosts when that is what we crawl; a replica or mirror is its own site.
        on_real_site = host in self.profile.hosts
        self.hosts = frozenset({self.origin, *(self.profile.hosts if on_real_site else ())})

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def refused(self) -> str | None:
        """Why the site seems to refuse this machine, or None: its start pages, or most of
        what it answered, were a 403 or a CDN challenge page."""
        if self.start_pages and self.start_blocked >= self.start_pages - len(self.start_pages_missing) > 0:
            return (f"{self.name}: the site is refusing this machine (403 or a challenge page on "
                    f"{self.start_blocked} of {self.start_pages} start pages)")
        if self.blocked and self.blocked * 2 > self.answered:
            return (f"{self.name}: the site is refusing this machine (403 or a challenge page on "
                    f"{self.blocked} of {self.answered} pages)")
        return None

    @property
    def archive_hosts(self) -> tuple[str, ...]:
        """The hosts of this force's archived articles (their canonical URLs are on the real site)."""
        return tuple(dict.fromkeys((*self.profile.hosts, origin_key(self.profile.origin) or "")))

    def owns(self, canonical: str) -> bool:
        """Whether an archived article (its canonical URL) is this force's."""
        return origin_key(canonical) in self.archive_hosts


def _load(source: str) -> Profile:
    try:
        return load_profile(source)
    except ValueError as exc:  # ProfileError: missing or malformed
        raise UsageError(str(exc)) from None


def _origin(base: str) -> str:
    base = base.strip().rstrip("/")
    try:
        parts = urlsplit(base)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise UsageError(f"base_url must be an http(s) URL such as http://127.0.0.1:8000, not {base!r}")
    return f"{parts.scheme}://{parts.netloc}"


def parse_sites(force_arg: str | None, base_arg: str | None) -> list[Site]:
    """The crawl's forces from `-a force=` (or its alias `-a profile=`) and `-a base_url=`.
    force: a profile name or YAML path, a comma list of them, or `all` (every bundled SOH
    force). base_url: one URL (one force), or NAME=URL,... (any of the forces)."""
    sources = [s.strip() for s in (force_arg or "").split(",") if s.strip()]
    if sources == [ALL_FORCES]:
        from herts_scraper.forces import bundled_forces

        sources = bundled_forces()
    if not sources:
        raise UsageError("force names no profile")
    if ALL_FORCES in sources:
        raise UsageError("force=all stands alone: it means every bundled force")
    profiles = [(source, _load(source)) for source in sources]
    names = [p.name for _, p in profiles]
    if len(set(names)) != len(names):
        raise UsageError(f"force names a force twice: {', '.join(names)}")
    bases: dict[str, str] = {}
    base_arg = (base_arg or "").strip()
    if base_arg and _is_mapping(base_arg):
        for part in filter(None, (p.strip() for p in base_arg.split(","))):
            name, sep, url = part.partition("=")
            if not sep or "://" in name:
                raise UsageError(f"base_url must be one URL, or NAME=URL,... for several forces, not {part!r}")
            if name.strip() not in names:
                raise UsageError(f"base_url names {name.strip()!r}, which is not one of the forces crawled "
                                 f"({', '.join(names)})")
            bases[name.strip()] = _origin(url)
    elif base_arg:
        if len(profiles) > 1:
            raise UsageError("base_url: several forces need one URL each, as NAME=URL,NAME=URL")
        bases[names[0]] = _origin(base_arg)
    sites = [Site(profile, source, bases.get(profile.name) or _origin(profile.origin)) for source, profile in profiles]
    seen: dict[str, str] = {}
    for site in sites:
        if site.origin in seen:
            raise UsageError(f"{seen[site.origin]} and {site.name} are both at {site.base_url}: "
                             "each force needs an origin of its own")
        seen[site.origin] = site.name
    return sites


def _is_mapping(text: str) -> bool:
    """NAME=URL,...: an `=` before any `://` (a single URL may hold `=` only in its query)."""
    head = text.split("://", 1)[0]
    return "=" in head
