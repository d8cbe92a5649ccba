"""Finding articles: listing pages, RSS feeds and sitemaps. Pure functions.

Each takes the bytes of a page and its URL and returns absolute URLs. Listings
use the profile's teaser and pagination selectors first and fall back to
general means (any link whose path looks like an article; rel=next or a link
reading "Next") so that a markup change on the real site degrades gracefully.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree, html as lxml_html

from herts_scraper.profiles import Profile

_NEXT_TEXT = re.compile(r"^\s*(next|next page|older|more)\b|^\s*[›»>]+\s*$", re.I)
_all_links = etree.XPath("//a[@href]")


@dataclass
class Teaser:
    url: str
    date_text: str | None = None
    title: str | None = None


@dataclass
class Listing:
    teasers: list[Teaser] = field(default_factory=list)
    next_page: str | None = None  # the page after this one (rel=next, a "Next" link)
    next_pages: list[str] = field(default_factory=list)  # every further listing page linked, next_page first
    found_by: str = "profile"  # or "url-pattern" when the teaser selectors found nothing


def _parse_html(body: bytes | str):
    if not body or not body.strip():
        return None
    try:
        return lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return None


def _text(el) -> str:
    return " ".join(el.text_content().split())


_ENCODED_DOT = re.compile("%2e", re.I)


def clean_url(url: str) -> str | None:
    """An absolute http(s) URL with its dot segments resolved (an encoded dot is a dot:
    RFC 3986 6.2.2), so `/news/x/../../admin/` is judged as the `/admin/` it reaches;
    None for other schemes and for URLs that do not parse."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    path = _ENCODED_DOT.sub(".", parts.path) or "/"
    if "/." in path:
        path = _remove_dot_segments(path)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 on an absolute path: "/a/b/../c/./" -> "/a/c/"; never above the root."""
    segments = path.split("/")
    out: list[str] = []
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and len(out) > 1:
                out.pop()
            if i == last:
                out.append("")  # "/a/b/.." names the folder "/a/"
            continue
        out.append(segment)
    return "/".join(out)


def _href(el, base: str) -> str | None:
    href = (el.get("href") or "").strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    try:
        return clean_url(urljoin(base, href))
    except ValueError:  # an unparseable href ("http://[::1")
        return None


def _first(xpaths, node):
    for xp in xpaths:
        found = xp(node)
        if found:
            return found
    return []


_TEASER_LEVELS = 3  # how far above its link a teaser's date may sit


def _teaser_owners(links) -> dict[int, list]:
    """How many teaser links each ancestor (up to _TEASER_LEVELS) holds: id -> [count, element].
    The element is kept so that its id stays its own (lxml makes a new proxy, maybe at
    a freed one's address, for a node no Python object holds)."""
    owners: dict[int, list] = {}
    for link in links:
        node = link.getparent()
        for _ in range(_TEASER_LEVELS - 1):
            if node is None:
                break
            owners.setdefault(id(node), [0, node])[0] += 1
            node = node.getparent()
    return owners


def _teaser_date(link, generation, owners: dict[int, list]) -> str | None:
    """The date inside the teaser link (SOH panels) or beside it, looked for only in
    containers that hold this teaser alone: a shared container would be searched once
    per teaser (time in the square of their number) and give every teaser its first date."""
    node = link
    for _ in range(_TEASER_LEVELS):
        if node is None or (node is not link and owners.get(id(node), (0,))[0] > 1):
            break
        for xp in generation.teaser_date:
            found = xp(node)
            if found:
                return _text(found[0])
        node = node.getparent()
    return None


def _teaser_title(link, generation) -> str | None:
    # Panels hold a title element; elsewhere the link text is the title.
    found = _first(generation.teaser_title, link)
    return _text(found[0] if found else link) or None


def parse_listing(body: bytes | str, url: str, profile: Profile) -> Listing:
    """Article teasers and further listing pages of one listing page."""
    doc = _parse_html(body)
    listing = Listing()
    if doc is None:
        return listing
    host = urlsplit(url).netloc
    seen: set[str] = set()

    for gen in profile.generations.values():
        links = _first(gen.teaser_links, doc)
        owners = _teaser_owners(links)
        for link in links:
            target = _href(link, url)
            # Only article URLs become articles, whatever a teaser's markup says.
            if target and target not in seen and urlsplit(target).netloc == host and profile.is_article_url(target):
                seen.add(target)
                listing.teasers.append(Teaser(target, _teaser_date(link, gen, owners), _teaser_title(link, gen)))
    if not listing.teasers:
        listing.found_by = "url-pattern"
        for link in _all_links(doc):
            target = _href(link, url)
            if target and target not in seen and urlsplit(target).netloc == host and profile.is_article_url(target):
                seen.add(target)
                listing.teasers.append(Teaser(target, None, _text(link) or None))

    def usable(page):
        return page != url and urlsplit(page).netloc == host and not profile.is_article_url(page)

    nexts: list[str] = []
    for gen in profile.generations.values():
        for xp in gen.next_page:
            nexts.extend(filter(None, (_href(a, url) for a in xp(doc))))
    nexts.extend(filter(None, (_href(a, url) for a in _all_links(doc) if _NEXT_TEXT.match(_text(a)))))
    listing.next_page = next((p for p in nexts if usable(p)), None)
    pages = list(nexts)
    for gen in profile.generations.values():
        for xp in gen.page_links:
            pages.extend(filter(None, (_href(a, url) for a in xp(doc))))
    for page in pages:
        if page not in seen and usable(page):
            seen.add(page)
            listing.next_pages.append(page)
    return listing


def _xml_root(body: bytes):
    if not body or not body.strip():
        return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(body.strip(), parser)
    except etree.XMLSyntaxError:
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_feed(body: bytes, url: str) -> list[Teaser]:
    """Items of an RSS 2.0 or Atom feed: (link, pubDate text)."""
    root = _xml_root(body)
    items: list[Teaser] = []
    if root is None:
        return items
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link, date, title = None, None, None
        for child in item:
            cname = _local(child.tag)
            if cname == "title":
                title = " ".join((child.text or "").split()) or None
            elif cname == "link":
                link = (child.text or "").strip() or child.get("href")
            elif cname in ("pubDate", "published", "updated") and not date:
                date = (child.text or "").strip() or None
        if link and (absolute := _join(url, link)):
            items.append(Teaser(absolute, date, title))
    return items


def _join(base: str, ref: str) -> str | None:
    try:
        return clean_url(urljoin(base, ref.strip()))
    except ValueError:
        return None


def iter_sitemap(body: bytes, url: str) -> Iterator[tuple[str, Teaser]]:
    """("page" or "sitemap", Teaser(loc, lastmod)) for each entry of a sitemap or
    sitemap index, streamed: entries are cleared as they are read, so a 50,000-URL
    sitemap never becomes a whole tree in memory."""
    body = body.strip() if body else b""
    if not body:
        return
    events = etree.iterparse(io.BytesIO(body), events=("end",), recover=True, huge_tree=True,
                             resolve_entities=False, no_network=True)
    try:
        for _, entry in events:
            name = _local(entry.tag)
            if name not in ("url", "sitemap"):
                continue
            loc = lastmod = None
            for child in entry:
                cname = _local(child.tag)
                if cname == "loc":
                    loc = (child.text or "").strip()
                elif cname == "lastmod":
                    lastmod = (child.text or "").strip() or None
            entry.clear(keep_tail=False)
            parent = entry.getparent()
            while parent is not None and entry.getprevious() is not None:
                del parent[0]  # the entries already read
            if loc and (absolute := _join(url, loc)):
                yield ("page" if name == "url" else "sitemap"), Teaser(absolute, lastmod)
    except etree.XMLSyntaxError:
        return  # past what recovery can mend: the entries read so far stand


def parse_sitemap(body: bytes, url: str) -> tuple[list[Teaser], list[str]]:
    """(page URLs with lastmod, nested sitemap URLs) of a sitemap or sitemap index."""
    pages: list[Teaser] = []
    sitemaps: list[str] = []
    for kind, entry in iter_sitemap(body, url):
        (pages.append(entry) if kind == "page" else sitemaps.append(entry.url))
    return pages, sitemaps


def rebase(url: str, base_url: str | None, profile: Profile) -> str:
    """Move a URL on the real site's host onto base_url (a replica or mirror)."""
    if not base_url:
        return url
    parts = urlsplit(url)
    if parts.netloc.lower() in profile.hosts:
        base = urlsplit(base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    return url


_DATEPARSER_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}


def parse_teaser_date(text: str | None):
    """The day a teaser, feed item or sitemap entry gives ("Published: 09:45
    20/11/2025", an RFC 822 pubDate, an ISO lastmod), or None."""
    if not text:
        return None
    import dateparser  # imported late: it is slow to import and listings rarely need it

    text = re.sub(r"^\s*(published|updated)\s*:?\s*", "", text, flags=re.I)
    parsed = dateparser.parse(text, languages=["en"], settings=_DATEPARSER_SETTINGS)
    return parsed.date() if parsed else None
