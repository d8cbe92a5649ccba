"""One article page (bytes or text, and its URL) -> an Article.

Each field is read by the profile's selectors first and by general means
after (og tags, <title>, <time>, <article>/<main>, text density), since the
real site's markup may differ from what the profile knows; `found_by` says
which way won. One lxml parse per page; no Scrapy here.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree

from herts_scraper.extract import content, fallback
from herts_scraper.extract.dates import ANY_DATE_RE, parse_display_date, parse_iso_date
from herts_scraper.extract.decode import decode_document, wide_codec
from herts_scraper.extract.markdown import blocks_to_body, collect_images, element_blocks
from herts_scraper.profiles import Generation, Profile, load_profile
from herts_scraper.record import Article

_META = etree.XPath("//meta[@content][@property or @name or @itemprop]")
_LINK_CANONICAL = etree.XPath("//link[@href][contains(translate(@rel, 'CANOICL', 'canoicl'), 'canonical')]")
_TITLE = etree.XPath("//title")
_H1 = etree.XPath("//h1")
_TIMES = etree.XPath("//time")
_BODY = etree.XPath("//body")
_BASE_HREF = etree.XPath("//base/@href")
_NEAR_AFTER = etree.XPath("following::text()[normalize-space()][position() <= 12]")
_NEAR_BEFORE = etree.XPath("preceding::text()[normalize-space()][position() <= 4]")

_PUBLISHED_META = ("article:published_time", "og:published_time", "published_time", "datepublished",
                   "date", "dc.date", "dc.date.issued", "dcterms.created", "pubdate")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
_LOOKS_HTML = re.compile(r"<(?:!doctype|html|head|body|meta|title|div|p|h[1-6]|article|main|span|a|ul|table|section)"
                         r"[\s>/]", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_SET = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])  # _CONTROL as bytes
_BINARY_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20)])  # never in text, whatever the encoding
_CSS_ATTR = re.compile(r"\[\s*([\w:-]+)")
_RESOURCE_LIMIT = etree.ErrorTypes.ERR_RESOURCE_LIMIT
_NEAR_DATE_MAX = 80  # chars: a date line, not a paragraph that mentions a date


class RejectedPage(ValueError):
    """A page that cannot give an article; .reason is short and machine-friendly."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


_local = threading.local()


def _parser() -> etree.HTMLParser:
    """One parser per thread (lxml parsers must not be shared across threads)."""
    p = getattr(_local, "parser", None)
    if p is None:
        # collect_ids=False: nothing looks elements up by id, so libxml2 need not index them.
        # huge_tree: nesting up to 2048 levels, not 256 (unclosed <div>s nest; what is deeper is lost).
        p = _local.parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                             collect_ids=False, huge_tree=True)
    return p


def _count_bytes(data: bytes, which: bytes) -> int:
    return len(data) - len(data.translate(None, which))


def _collapse(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _spaced_text(el) -> str:
    """Whole text with the child elements' texts kept apart ("09:45" "20/08/2024")."""
    return " ".join(" ".join(el.itertext()).split())


def _first_with_text(selectors, doc):
    for sel in selectors:
        for el in sel(doc):
            if isinstance(el.tag, str) and _collapse("".join(el.itertext())):
                return el
    return None


def parse_html(html: bytes | str, encoding: str | None = None):
    """Decode and parse a page -> (root element, decoding problems, how it decoded).

    Raises RejectedPage for empty, binary and non-HTML input.
    """
    if html is None or (isinstance(html, (bytes, bytearray)) and (not html or html.isspace())):
        raise RejectedPage("empty")
    raw = None
    if isinstance(html, (bytes, bytearray)):
        raw = html = bytes(html)
        head = html[:4096]
        # UTF-16/32 text is half zero bytes: it is judged below, on its decoded text.
        if _count_bytes(head, _BINARY_BYTES) > len(head) // 50 and wide_codec(html, encoding) is None:
            raise RejectedPage("not-html", "binary content")
    decoded = decode_document(html, encoding)
    text = decoded.text.lstrip("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        raise RejectedPage("empty")
    if stripped[0] in "{[":
        raise RejectedPage("not-html", "looks like JSON")
    if raw is not None and not decoded.encoding.startswith(("utf-16", "utf-32")):
        # An ASCII-compatible encoding: the control characters are the same bytes, counted fast in C.
        controls_in_head = _count_bytes(raw[:2048], _CONTROL_SET)
        has_controls = _count_bytes(raw, _CONTROL_SET) > 0
    else:
        controls_in_head = len(_CONTROL.findall(text[:2048]))
        has_controls = _CONTROL.search(text) is not None
    if controls_in_head > min(len(text), 2048) // 50 or not _LOOKS_HTML.search(text):
        raise RejectedPage("not-html", "no HTML markup")
    if has_controls:  # stray control characters are not text (NUL would stop libxml2)
        text = _CONTROL.sub("", text)
    problems = list(decoded.problems)
    tail = text[-4096:].rstrip()
    if not tail.endswith(">") or "</html" not in tail.lower():
        problems.append("truncated")
    parser = _parser()
    try:
        root = etree.fromstring(_XML_DECL.sub("", text, count=1), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise RejectedPage("not-html", str(exc)) from exc
    if root is None:
        raise RejectedPage("empty")
    if _too_deep(parser.error_log):
        problems.append("nesting-too-deep")
    return root, problems, decoded.how


def _too_deep(log) -> bool:
    """libxml2 drops what lies past its depth limit and logs it (the log is the last parse's)."""
    return any(e.type == _RESOURCE_LIMIT and "depth" in e.message for e in log)


def extract_article(
    html: bytes | str,
    url: str,
    profile: Profile | str = "hertfordshire",
    *,
    base_url: str | None = None,
    encoding: str | None = None,
) -> Article:
    """Extract one article page. Raises RejectedPage when there is no article.

    encoding: the charset the server declared, as a label ("utf-8") or the
    whole Content-Type header value; the page's own <meta> decides otherwise.
    """
    prof = load_profile(profile) if isinstance(profile, str) else profile
    doc, problems, decoded_how = parse_html(html, encoding)
    meta = _metas(doc)
    found: dict[str, str] = {"encoding": decoded_how}

    canonical, found["url"], claimed = _canonical(doc, meta, url, prof, base_url)
    if claimed:  # kept for the record, not a problem: the page still is the fetched article
        found["url_claimed"] = claimed
    rewrite = _rewriter(prof, base_url)
    link_base = canonical
    base_href = _BASE_HREF(doc)
    if base_href:
        try:
            link_base = rewrite(urljoin(canonical, base_href[0].strip()))
        except ValueError:
            pass

    gen, found_gen = _generation(doc, prof, canonical, url)
    if found_gen:
        found["generation"] = found_gen
    gens = (gen,) if gen else tuple(prof.generations.values())

    title, headline, found_title = _title(doc, meta, gens, prof)
    description, found_desc = _description(meta)
    formats = tuple(dict.fromkeys(f for g in gens for f in g.date_formats))
    published, date_el, found_date, unreadable = _published(doc, meta, gens, formats, headline)
    if unreadable:  # the page gave dates, none usable: a missing date, and why
        problems.append("bad-date")

    furniture = tuple({id(s): s for g in gens for s in g.furniture}.values())
    phrases = prof.furniture_phrases
    # An article URL of the profile's own site: its markup is known, even where the selectors miss it.
    on_site = gen is not None and (urlsplit(canonical).hostname or "") in prof.hosts
    blocks, regions, found_body = _body(doc, gens, furniture, phrases, (headline, date_el), link_base, rewrite,
                                        on_site)

    if not title and not blocks:
        raise RejectedPage("no-article", "no title and no body found")

    category, found_category = _category(doc, gens, date_el)
    if found_category:
        found["category"] = found_category
    article = Article(url=canonical, area=prof.area, title=title or None, description=description,
                      published=published, body=blocks_to_body(blocks),
                      generation=gen.name if gen else None, cms_id=_cms_id(doc, gens), category=category)
    # An updated (or breaking) story says so in its title or first line: a new version of the same URL.
    update = prof.update_prefix(article.title) or prof.post_marker(article.body)
    if update:
        found["update"] = update.strip()
    article.images = [img for r in regions for img in collect_images(r, link_base, rewrite)]
    for field, how in (("title", found_title), ("description", found_desc), ("published", found_date),
                       ("body", found_body)):
        if how:
            found[field] = how
        else:
            article.missing.append(field)
    if article.cms_id:
        found["cms_id"] = "profile"
    article.found_by = found
    article.problems = problems
    return article


# -- fields ----------------------------------------------------------------------
def _metas(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _META(doc):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        if key and key not in out:
            out[key] = m.get("content")
    return out


def _canonical(doc, meta, url, prof: Profile, base_url) -> tuple[str, str, str | None]:
    """-> (the article's URL, how found, another article's URL the page claimed).

    og:url or <link rel=canonical> only when it names the fetched article
    (scheme, host case, final "/", query or fragment aside): a page cannot
    take another article's place in the archive, nor fold articles into the
    home page. A page fetched from an unknown host (a copy whose origin was not
    given as base_url) may name the same path on the site.
    """
    fetched = prof.on_origin(url, base_url)
    host, path = _article_key(fetched)
    copy = host not in prof.hosts
    claimed = None
    links = _LINK_CANONICAL(doc)
    for how, value in (("og:url", meta.get("og:url")), ("canonical", links[0].get("href") if links else None)):
        if not value or not value.strip():
            continue
        try:
            absolute = prof.on_origin(urldefrag(urljoin(url, value.strip())).url, base_url)
            claim_host, claim_path = _article_key(absolute)
        except ValueError:
            continue
        if claim_path == path and (claim_host == host or (copy and claim_host in prof.hosts)):
            return absolute, how, None
        claimed = claimed or absolute
    return fetched, "fetched", claimed


def _article_key(url: str) -> tuple[str, str]:
    """(host, path) naming an article: http or https, the host's letter case,
    a final "/", query, fragment and percent-encoding make no difference."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    if host.endswith((":80", ":443")):
        host = host.rpartition(":")[0]
    return host, unquote(parts.path).rstrip("/")


def _rewriter(prof: Profile, base_url: str | None):
    """Addresses on the replica's origin -> the same address on the real site."""
    if not base_url:
        return lambda u: u
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()

    def rewrite(u: str) -> str:
        if u[: len(origin)].lower() == origin and u[len(origin) : len(origin) + 1] in ("", "/", "?", "#"):
            return prof.on_origin(u, base_url)
        return u

    return rewrite


def _generation(doc, prof: Profile, canonical: str, url: str) -> tuple[Generation | None, str | None]:
    """The generation the URL names, unless the markup plainly is another one's
    (old URLs may redirect to, or be canonical for, pages of the new site)."""
    by_url = prof.generation_for_url(canonical) or prof.generation_for_url(url)
    if by_url and (_first_with_text(by_url.title, doc) is not None or content.first_match(by_url.body, doc)):
        return by_url, "url"
    for g in prof.generations.values():
        if g is not by_url and _first_with_text(g.title, doc) is not None and content.first_match(g.body, doc):
            return g, "selectors"
    return (by_url, "url") if by_url else (None, None)


def _title(doc, meta, gens, prof: Profile):
    """-> (title, the headline element if any, how found)."""
    for g in gens:
        el = _first_with_text(g.title, doc)
        if el is not None:
            return _collapse("".join(el.itertext())), el, "profile"
    h1 = next((h for h in _H1(doc) if _collapse("".join(h.itertext()))), None)
    og = _collapse(meta.get("og:title"))
    if og:
        return prof.strip_title_suffix(og), h1, "og:title"
    titles = _TITLE(doc)
    if titles:
        text = _collapse("".join(titles[0].itertext()))
        if text:
            return prof.strip_title_suffix(text), h1, "title-tag"
    if h1 is not None:
        return _collapse("".join(h1.itertext())), h1, "h1"
    return None, None, None


def _description(meta) -> tuple[str | None, str | None]:
    """og:description exactly as the attribute holds it (real ones keep newlines)."""
    for key, how in (("og:description", "og:description"), ("description", "meta-description")):
        value = meta.get(key)
        if value and value.strip():
            return value, how
    return None, None


def _published(doc, meta, gens, formats, headline):
    """-> (ISO date, the element showing it if any, how found, unreadable):
    unreadable when no date was found but a date element, attribute or meta
    held a value that could not be read."""
    given = False
    for g in gens:
        for sel in g.date:
            for el in sel(doc):
                if not isinstance(el.tag, str):
                    continue
                text, attr = _spaced_text(el), el.get("datetime")
                iso = parse_display_date(text, g.date_formats or formats) or parse_iso_date(attr)
                if iso:
                    return iso, el, "profile", False
                given = given or bool(text or attr)
    for el in _TIMES(doc):
        text, attr = _spaced_text(el), el.get("datetime")
        iso = parse_iso_date(attr) or parse_display_date(text, formats)
        if iso:
            return iso, el, "time-element", False
        given = given or bool(text or attr)
    for key in _PUBLISHED_META:
        value = meta.get(key)
        iso = parse_iso_date(value)
        if iso:
            return iso, None, "meta-published", False
        given = given or bool(value and value.strip())
    if headline is None:
        headline = next(iter(_H1(doc)), None)
    if headline is not None:
        for texts in (_NEAR_AFTER(headline), reversed(_NEAR_BEFORE(headline))):
            for t in texts:
                if len(t) > 2 * _NEAR_DATE_MAX or not ANY_DATE_RE.search(t):
                    continue
                el = t.getparent()
                if el is None:
                    continue
                if t.is_tail:
                    el = el.getparent() if el.getparent() is not None else el
                # Widen to the whole date line (labels and time sit in sibling spans).
                while el.getparent() is not None and len(_spaced_text(el.getparent())) <= _NEAR_DATE_MAX:
                    el = el.getparent()
                text = _spaced_text(el)
                if len(text) > _NEAR_DATE_MAX:
                    continue
                iso = parse_display_date(text, formats)
                if iso:
                    return iso, el, "visible-date", False
    return None, None, None, given


_CATEGORY_MAX = 40  # chars: a tag ("Safer Neighbourhood"), not a sentence


def _category(doc, gens, date_el) -> tuple[str | None, str | None]:
    """The date block's tag(s) -> (text, how found): the profile's selector, else the
    short text the date element's parent holds besides the date."""
    for g in gens:
        for sel in g.category:
            tags = [t for el in sel(doc) if isinstance(el.tag, str) and (t := _spaced_text(el))]
            if tags:
                return ", ".join(dict.fromkeys(tags)), "profile"
    parent = date_el.getparent() if date_el is not None else None
    if parent is None or parent.tag in ("body", "html"):
        return None, None
    rest = _spaced_text(parent).replace(_spaced_text(date_el), " ", 1).strip()
    if rest and len(rest) <= _CATEGORY_MAX and not any(c.isdigit() for c in rest) and len(rest.split()) <= 4:
        return rest, "beside-date"
    return None, None


def _cms_id(doc, gens) -> str | None:
    for g in gens:
        css = g.raw.get("article", {}).get("cms_id") or ()
        css = [css] if isinstance(css, str) else list(css)
        for sel, text in zip(g.cms_id, css, strict=True):
            for el in sel(doc):
                m = _CSS_ATTR.search(text)
                value = el.get(m.group(1)) if m else _collapse("".join(el.itertext()))
                if value and value.strip():
                    return value.strip()
    return None


def _body(doc, gens, furniture, phrases, own_elements, link_base, rewrite, on_site=False):
    """-> (Markdown blocks, the region elements, how the region was found).

    The profile's selectors first. Where they find nothing, two general means
    side by side: our own region search (<article>, <main>, text density) and
    trafilatura's main-content search (the more faithful on pages of any
    site); ours stands when the two agree, since it keeps the page's own
    markup, or when the page frames it as the article (fallback.ours_stands).
    """
    regions = content.first_match([s for g in gens for s in g.body], doc)
    if regions:
        blocks = _convert(regions, furniture, phrases, own_elements, link_base, rewrite)
        if blocks:
            return blocks, regions, "profile"
    page_path = urlsplit(link_base).path
    found = fallback.main_content(doc, link_base)
    theirs: list[str] = []
    their_links = 0.0
    # The page's own fields, wherever trafilatura left them: the headline, the date line, and the <title>
    # (the headline with the force's name), which trafilatura puts first on a page stripped of its classes.
    own_fields = [e for e in (*own_elements, doc.find(".//title")) if e is not None]
    if found is not None:
        their_links = fallback.linked_share(found)
        content.remove_furniture(found, (), phrases)
        content.remove_navigation(found, page_path)
        theirs = fallback.drop_own_blocks(element_blocks(found, link_base, rewrite), own_fields)
    ours, regions, how, framed = _general_body(doc, furniture, phrases, own_elements, link_base, rewrite,
                                               page_path)
    if theirs and not fallback.ours_stands(ours, theirs, framed=framed and on_site,
                                           own=[content.text_of(e) for e in own_fields],
                                           their_links=their_links):
        return theirs, [], fallback.FOUND_BY
    return ours, regions, how


def _general_body(doc, furniture, phrases, own_elements, link_base, rewrite, page_path):
    """-> (blocks, regions, how found, whether the page frames the region as its article: the headline is
    inside it or just before it)."""
    finders = [("article-element", lambda: _as_list(content.article_element(doc))),
               ("main-element", lambda: _as_list(content.main_element(doc)))]
    headline = own_elements[0]
    for how, finder in finders:
        regions = finder()
        if regions:
            framed = content.headed_by(regions[0], headline)
            for r in regions:
                content.remove_navigation(r, page_path)
            blocks = _convert(regions, furniture, phrases, own_elements, link_base, rewrite)
            if blocks:
                return blocks, regions, how, framed
    body = next(iter(_BODY(doc)), doc)
    content.remove_furniture(body, furniture, phrases)
    region = content.density_region(body)
    if region is not None:
        framed = content.headed_by(region, headline)
        content.remove_navigation(region, page_path)
        blocks = _convert([region], (), (), own_elements, link_base, rewrite)
        if blocks:
            return blocks, [region], "density", framed
    return [], [], None, False


def _as_list(el) -> list:
    return [el] if el is not None else []


def _convert(regions, furniture, phrases, own_elements, link_base, rewrite) -> list[str]:
    blocks: list[str] = []
    headline, date_el = own_elements
    for region in regions:
        # The headline and the date line are not body text; a date inside a
        # sentence (<p>On <time>..</time> ...</p>) is, and stays.
        if headline is not None and headline is not region and content.is_inside(headline, region):
            content.drop(headline)
        if (date_el is not None and date_el is not region and content.is_inside(date_el, region)
                and not content.in_running_text(date_el, region)):
            content.drop(date_el)
        content.remove_furniture(region, furniture, phrases)
        blocks.extend(element_blocks(region, link_base, rewrite))
    return blocks
