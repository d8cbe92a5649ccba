"""Site profiles: everything the project knows about one force's website.

A profile is a YAML file in this package (read with importlib.resources, so
the bundled profiles load from a wheel, an egg or a zip as well as from a
folder) or at any path. It may `extends:` a platform file; dictionaries
merge, the child winning, and `furniture_phrases` add up. CSS selectors are
compiled once to lxml XPath objects here so that the extraction hot path
never translates CSS.
"""

from __future__ import annotations

import importlib.resources
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeGuard
from urllib.parse import quote_plus, urljoin, urlsplit

import yaml
from cssselect import HTMLTranslator, SelectorError
from lxml import etree

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # Python 3.10
    from importlib.abc import Traversable

# The bundled profiles, wherever the package lives (a folder, a wheel, a zipped egg).
BUNDLED = importlib.resources.files(__name__)
_ADDITIVE_LISTS = {"furniture_phrases"}
_translator = HTMLTranslator()


class ProfileError(ValueError):
    """A profile file is missing or malformed (a one-line message)."""


# One file-name component as it stands: no separator, NUL or control character, no leading dot
# or space (exports name a folder after the area).
_PLAIN_NAME = re.compile(r"[^\x00-\x1f\x7f/\\.\s][^\x00-\x1f\x7f/\\]{0,99}")


def is_plain_name(text) -> TypeGuard[str]:
    """Whether text can name a file or folder as it is (`Hertfordshire`, `City of London`)."""
    return isinstance(text, str) and _PLAIN_NAME.fullmatch(text) is not None


def _mapping(value, where: str) -> dict:
    """A profile section that must be a mapping (`key: value` lines); empty when absent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProfileError(f"{where} must be a mapping of settings, not a {type(value).__name__}")
    return value


def css(selector: str) -> etree.XPath:
    """Compile one CSS selector to an lxml XPath (descendants of the context node)."""
    return etree.XPath(_translator.css_to_xpath(selector, prefix="descendant-or-self::"))


def _compile_all(selectors) -> tuple[etree.XPath, ...]:
    if isinstance(selectors, str):
        selectors = [selectors]
    return tuple(css(s) for s in selectors or ())


@dataclass(frozen=True)
class Generation:
    """One generation of a site's markup (e.g. SOH, legacy)."""

    name: str
    start_paths: tuple[str, ...]
    article_paths: tuple[re.Pattern, ...]
    listing_paths: tuple[re.Pattern, ...]
    teaser_links: tuple[etree.XPath, ...]
    teaser_date: tuple[etree.XPath, ...]
    teaser_title: tuple[etree.XPath, ...]
    next_page: tuple[etree.XPath, ...]
    page_links: tuple[etree.XPath, ...]
    title: tuple[etree.XPath, ...]
    date: tuple[etree.XPath, ...]
    date_formats: tuple[str, ...]
    body: tuple[etree.XPath, ...]
    furniture: tuple[etree.XPath, ...]
    furniture_css: tuple[str, ...]
    cms_id: tuple[etree.XPath, ...]
    updated_marker: str | None
    category: tuple[etree.XPath, ...] = ()
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    def is_article_path(self, path: str) -> bool:
        return any(p.search(path) for p in self.article_paths)

    def is_listing_path(self, path: str) -> bool:
        return any(p.search(path) for p in self.listing_paths)


@dataclass(frozen=True)
class Profile:
    name: str
    area: str
    force_name: str
    force_slug: str
    origin: str
    hosts: tuple[str, ...]
    title_suffixes: tuple[str, ...]
    generations: dict[str, Generation]
    furniture_phrases: tuple[str, ...]
    robots_disallow: tuple[str, ...]
    title_prefix_updated: str | None
    # What a force's site shows of itself (data only: see soh-platform.yaml for the keys).
    listing_path: str = ""
    search_ct: tuple[str, ...] = ()
    update_prefixes: tuple[str, ...] = ()
    post_markers: tuple[str, ...] = ()
    on_soh: str = "seen"             # seen | inferred | uncertain
    checked: bool = False            # facts checked against real records (corpus)
    corpus: str | None = None        # the ../shared/corpus folder that backs the profile
    sources: tuple[str, ...] = ()
    quirks: tuple[str, ...] = ()
    path: Path | Traversable | None = None
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    # -- URLs ---------------------------------------------------------------
    def start_urls(self, base_url: str | None = None) -> list[str]:
        """Start pages of every generation, on base_url (default: the real origin)."""
        base = (base_url or self.origin).rstrip("/") + "/"
        seen, urls = set(), []
        for gen in self.generations.values():
            for p in gen.start_paths:
                u = urljoin(base, p.lstrip("/"))
                if u not in seen:
                    seen.add(u)
                    urls.append(u)
        return urls

    def generation_for_url(self, url: str) -> Generation | None:
        """The generation whose article URL pattern matches url, if any."""
        path = _path_and_query(url)
        if _DOT_SEGMENT.search(path):
            return None  # "/news/x/../../admin/" is not under /news/: never an article as written
        for gen in self.generations.values():
            if gen.is_article_path(path):
                return gen
        return None

    def is_article_url(self, url: str) -> bool:
        return self.generation_for_url(url) is not None

    def is_listing_url(self, url: str) -> bool:
        path = _path_and_query(url)
        return any(g.is_listing_path(path) for g in self.generations.values())

    def on_origin(self, url: str, base_url: str | None = None) -> str:
        """url moved from base_url's origin (a replica, a mirror) to the real origin."""
        parts = urlsplit(url)
        origin = self.origin.rstrip("/")
        rest = parts.path or "/"
        if parts.query:
            rest += "?" + parts.query
        if not parts.netloc or parts.netloc.lower() in self.hosts:
            return origin + rest if not parts.netloc else url
        if base_url and urlsplit(base_url).netloc.lower() == parts.netloc.lower():
            return origin + rest
        return url

    def strip_title_suffix(self, title: str) -> str:
        """The headline: only the last " | <organisation>" goes (headlines contain " | " themselves)."""
        for suffix in self.title_suffixes:
            if title.endswith(suffix):
                return title[: -len(suffix)].rstrip()
        head, sep, tail = title.rpartition(" | ")
        if sep and _ORGANISATION.search(tail):  # another name of a force ("Herts Police")
            return head.rstrip()
        return title

    def update_prefix(self, title: str | None) -> str | None:
        """The prefix that marks an updated story ("UPDATE - "), if the title starts with one."""
        return next((p for p in self.update_prefixes if title and title.startswith(p)), None)

    def post_marker(self, body: str | None) -> str | None:
        """The marker a body opens with ("Breaking News Post"), if any."""
        first = (body or "").lstrip().split("\n", 1)[0].strip()
        return next((m for m in self.post_markers if first == m), None)


_ORGANISATION = re.compile(r"^[\w&'., -]{0,60}\b(?:Police|Constabulary|Police Service)$")
_DOT_SEGMENT = re.compile(r"(?:^|/)(?:\.|%2e){1,2}(?:[/?#]|$)", re.I)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return path + ("?" + parts.query if parts.query else "")


def _merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key in _ADDITIVE_LISTS and isinstance(out.get(key), list) and isinstance(value, list):
            out[key] = out[key] + [v for v in value if v not in out[key]]
        else:
            out[key] = value
    return out


def _resolve_path(name_or_path: str) -> Path | Traversable:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        if p.is_file():
            return p
        raise ProfileError(f"no profile file {name_or_path}")
    candidate = BUNDLED / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(x.name[: -len(".yaml")] for x in BUNDLED.iterdir() if x.name.endswith(".yaml"))
    raise ProfileError(f"no site profile {name_or_path!r}; known profiles: {', '.join(known)}")


def _load_raw(path: Path | Traversable, depth: int = 0) -> dict:
    if depth > 5:
        raise ProfileError(f"{path}: `extends` nests too deep")
    try:
        data = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), f"{path}: a profile")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read the profile {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    parent = data.pop("extends", None)
    if parent is not None and not isinstance(parent, str):
        raise ProfileError(f"{path}: `extends` names a profile, not a {type(parent).__name__}")
    if parent:
        data = _merge(_load_raw(_resolve_path(parent), depth + 1), data)
    return data


def _texts(raw: dict, key: str, default=()) -> tuple[str, ...]:
    """A list of text values (one text is a list of one); ProfileError otherwise."""
    value = raw.get(key, list(default))
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ProfileError(f"{key} must be a list of texts")
    return tuple(value)


def _start_paths(paths, facts: dict) -> tuple[str, ...]:
    """{force}, {listing} filled in; a path with {ct} once per search `ct` value."""
    out: list[str] = []
    for p in paths:
        p = p.replace("{listing}", facts["listing"]).replace("{force}", facts["force"])
        for ct in (facts["ct"] if "{ct}" in p else ("",)):
            out.append(p.replace("{ct}", quote_plus(ct)))
    return tuple(dict.fromkeys(out))


def _pattern(p: str, facts: dict) -> re.Pattern:
    sections = "|".join(re.escape(s) for s in facts["sections"])
    return re.compile(p.replace("{force}", re.escape(facts["force"])).replace("{sections}", sections))


def _generation(name: str, raw: dict, facts: dict) -> Generation:
    listing = _mapping(raw.get("listing"), f"generation {name!r}: listing")
    article = _mapping(raw.get("article"), f"generation {name!r}: article")
    try:
        return Generation(
            name=name,
            start_paths=_start_paths(raw.get("start_paths", ()), facts),
            article_paths=tuple(_pattern(p, facts) for p in raw.get("article_paths", ())),
            listing_paths=tuple(_pattern(p, facts) for p in raw.get("listing_paths", ())),
            teaser_links=_compile_all(listing.get("teaser_links")),
            teaser_date=_compile_all(listing.get("teaser_date")),
            teaser_title=_compile_all(listing.get("teaser_title")),
            next_page=_compile_all(listing.get("next_page")),
            page_links=_compile_all(listing.get("page_links")),
            title=_compile_all(article.get("title")),
            date=_compile_all(article.get("date")),
            date_formats=tuple(article.get("date_formats", ())),
            body=_compile_all(article.get("body")),
            furniture=_compile_all(article.get("furniture")),
            furniture_css=tuple(article.get("furniture", ())),
            cms_id=_compile_all(article.get("cms_id")),
            updated_marker=article.get("updated_marker"),
            category=_compile_all(article.get("category")),
            raw=raw,
        )
    except (re.error, SelectorError, TypeError, AttributeError) as exc:  # the last two: a value of the wrong kind
        raise ProfileError(f"generation {name!r}: {' '.join(str(exc).split())}") from None


@cache
def load_profile(name_or_path: str) -> Profile:
    """Load and compile a profile by name (`hertfordshire`) or by YAML path."""
    path = _resolve_path(name_or_path)
    raw = _load_raw(path)
    missing = [k for k in ("name", "area", "origin", "force_slug") if not raw.get(k)]
    if missing:
        raise ProfileError(f"{path}: missing {', '.join(missing)}")
    not_text = [k for k in ("name", "area", "origin", "force_slug") if not isinstance(raw[k], str)]
    if not_text:
        raise ProfileError(f"{path}: {', '.join(not_text)} must be text")
    if not is_plain_name(raw["area"]):
        raise ProfileError(f"{path}: area {raw['area']!r} is not a plain name (no /, \\, leading dot or control "
                           "characters; exports name a folder after it)")
    try:
        slug = raw["force_slug"]
        facts = {"force": slug, "listing": _text(raw, "listing_path", "/news/{force}/news/").replace("{force}", slug),
                 "ct": _texts(raw, "search_ct", ["News"]), "sections": _texts(raw, "article_sections", ["news"])}
        gens = {n: _generation(n, _mapping(g, f"generation {n!r}"), facts)
                for n, g in _mapping(raw.get("generations"), "generations").items()}
    except ProfileError as exc:
        raise ProfileError(f"{path}: {exc}") from None
    if not gens:
        raise ProfileError(f"{path}: no generations")
    try:
        return _profile(path, raw, gens)
    except (TypeError, AttributeError) as exc:  # a value of the wrong kind (a number for a list of hosts)
        raise ProfileError(f"{path}: {' '.join(str(exc).split())}") from None


def _text(raw: dict, key: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ProfileError(f"{key} must be text, not {type(value).__name__}")
    return value


_ON_SOH = ("seen", "inferred", "uncertain")


def _profile(path: Path | Traversable, raw: dict, gens: dict[str, Generation]) -> Profile:
    origin = raw["origin"].rstrip("/")
    try:
        on_soh, checked, corpus = _text(raw, "on_soh", "seen"), raw.get("checked", False), raw.get("corpus")
        if on_soh not in _ON_SOH:
            raise ProfileError(f"on_soh must be one of {', '.join(_ON_SOH)}, not {on_soh!r}")
        if not isinstance(checked, bool):
            raise ProfileError("checked must be true or false")
        if corpus is not None and not is_plain_name(corpus):
            raise ProfileError(f"corpus names a folder of ../shared/corpus, not {corpus!r}")
        facts = {k: _texts(raw, k) for k in ("search_ct", "update_prefixes", "post_markers", "sources", "quirks")}
        listing_path = _text(raw, "listing_path", "/news/{force}/news/").replace("{force}", raw["force_slug"])
    except ProfileError as exc:
        raise ProfileError(f"{path}: {exc}") from None
    hosts = tuple(h.lower() for h in raw.get("hosts") or (urlsplit(origin).netloc,))
    return Profile(
        name=raw["name"],
        area=raw["area"],
        force_name=raw.get("force_name", raw["area"]),
        force_slug=raw["force_slug"],
        origin=origin,
        hosts=hosts,
        title_suffixes=tuple(raw.get("title_suffixes") or ()),
        generations=gens,
        furniture_phrases=tuple(raw.get("furniture_phrases") or ()),
        robots_disallow=tuple(raw.get("robots_disallow") or ()),
        title_prefix_updated=raw.get("title_prefix_updated"),
        listing_path=listing_path,
        search_ct=facts["search_ct"],
        update_prefixes=facts["update_prefixes"],
        post_markers=facts["post_markers"],
        on_soh=on_soh,
        checked=checked,
        corpus=corpus,
        sources=facts["sources"],
        quirks=facts["quirks"],
        path=path,
        raw=raw,
    )



PLATFORM_FILES = frozenset({"soh-platform"})  # shared by forces, not a force


def bundled_profiles() -> list[str]:
    """The names of the bundled force profiles, sorted."""
    return sorted(x.name[: -len(".yaml")] for x in BUNDLED.iterdir()
                  if x.name.endswith(".yaml") and x.name[: -len(".yaml")] not in PLATFORM_FILES)
