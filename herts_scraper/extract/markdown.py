"""HTML element -> the records' Markdown body
(the body conventions of the record format: ../shared/notes/record-format.md).

A body is a list of blocks joined by a blank line. Inline runs collapse their
whitespace; <br> survives as a newline through a placeholder, since it must
not be collapsed with the rest. One recursive pass over an lxml tree; generic
containers nested deeper than MAX_DEPTH are unwrapped first (libxml2 builds
trees up to 2048 levels deep), so recursion stays far within Python's limit.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from lxml import etree

from herts_scraper.extract.conventions import (
    BR,
    finish_inline,
    indent,
    is_the_address,
    join_items,
    list_item,
    quote,
    safe_address,
)

DROP = frozenset(
    "hr script style noscript iframe form button svg img picture source head title meta link base template"
    " input select textarea option video audio object embed canvas map area track param".split()
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
LISTS = frozenset(("ul", "ol"))
# Elements that end a paragraph: their content forms blocks of its own.
BLOCK = frozenset(
    "p div section article main header footer aside nav figure figcaption body html center address"
    " details summary fieldset legend dl dt dd pre blockquote ul ol li table tr td th caption hgroup menu"
    " thead tbody tfoot".split()
) | HEADINGS.keys()
STRONG = frozenset(("strong", "b"))
EM = frozenset(("em", "i"))
LOOSE_ITEM_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6")
_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_CELLS = etree.XPath("./td | ./th")

Rewrite = Callable[[str], str]




class _Converter:
    def __init__(self, base_url: str, rewrite: Rewrite | None):
        self.base_url = base_url
        self.rewrite = rewrite

    # -- blocks ---------------------------------------------------------------
    def blocks(self, el) -> list[str]:
        """The blocks of a container: inline runs between its block children."""
        out: list[str] = []
        buf: list[str] = [el.text or ""]
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and tag not in DROP:
                if tag in BLOCK or (tag not in _INLINE_MARKUP and _holds_block(child)):
                    self._flush(buf, out)
                    buf = []
                    self.block(child, out)
                else:
                    buf.append(self.inline(child, frozenset()))
            if child.tail:
                buf.append(child.tail)
        self._flush(buf, out)
        return out

    @staticmethod
    def _flush(buf: list[str], out: list[str]) -> None:
        if buf:
            text = finish_inline("".join(buf))
            if text:
                out.append(text)

    def block(self, el, out: list[str]) -> None:
        tag = el.tag
        if tag in HEADINGS:
            text = finish_inline(self.inline_content(el, frozenset()))
            if text:
                out.append("#" * HEADINGS[tag] + " " + text)
        elif tag in LISTS:
            text = self.list_block(el)
            if text:
                out.append(text)
        elif tag == "blockquote":
            inner = "\n\n".join(self.blocks(el))
            if inner:
                out.append(quote(inner))
        elif tag == "table":
            self.table(el, out)
        else:
            out.extend(self.blocks(el))

    def list_block(self, el) -> str:
        ordered = el.tag == "ol"
        try:
            number = int(el.get("start", "1").strip()) if ordered else 0
        except ValueError:
            number = 1
        items: list[str] = []
        loose = False
        for li in el:
            if not isinstance(li.tag, str) or li.tag in DROP:
                continue
            if li.tag in LISTS:  # a list straight inside a list: nests under the previous item
                nested = self.list_block(li)
                if nested:
                    indented = indent(nested)
                    if items:
                        items[-1] += "\n" + indented
                    else:
                        items.append(indented)
                continue
            line, nested_lists = self.item(li)
            if not loose and next(li.iter(*LOOSE_ITEM_TAGS), None) is not None:
                loose = True
            number += 1
            if not line and not nested_lists:
                continue
            items.append(list_item(ordered, number - 1, line, nested_lists))
        return join_items(items, loose)

    def item(self, li) -> tuple[str, list[str]]:
        """An li's own content on one line, and its nested lists apart."""
        blocks: list[str] = []
        nested: list[str] = []
        buf: list[str] = [li.text or ""]
        for child in li:
            tag = child.tag
            if isinstance(tag, str) and tag not in DROP:
                if tag in LISTS:
                    self._flush(buf, blocks)
                    buf = []
                    text = self.list_block(child)
                    if text:
                        nested.append(text)
                elif tag in BLOCK or (tag not in _INLINE_MARKUP and _holds_block(child)):
                    self._flush(buf, blocks)
                    buf = []
                    self.block(child, blocks)
                else:
                    buf.append(self.inline(child, frozenset()))
            if child.tail:
                buf.append(child.tail)
        self._flush(buf, blocks)
        return " ".join(b.replace("\n\n", "\n") for b in blocks), nested

    def table(self, el, out: list[str]) -> None:
        for caption in el.iterchildren("caption"):
            out.extend(self.blocks(caption))
        rows = []
        for tr in _ROWS(el):
            cells = [" ".join(self.blocks(td)).replace("\n", " ") for td in _CELLS(tr)]
            if any(cells):
                rows.append(" | ".join(cells))
        if rows:
            out.append("\n".join(rows))

    # -- inline ---------------------------------------------------------------
    def inline_content(self, el, active: frozenset) -> str:
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                parts.append(self.inline(child, active))
            if child.tail:
                parts.append(child.tail)
        return "".join(parts)

    def inline(self, el, active: frozenset) -> str:
        tag = el.tag
        if tag in DROP:
            return ""
        if tag == "br":
            return BR
        if tag in STRONG:
            return self.emphasis(el, "strong", "**", active)
        if tag in EM:
            return self.emphasis(el, "em", "_", active)
        if tag == "a":
            return self.link(el, active)
        inner = self.inline_content(el, active)
        if tag in BLOCK:  # a block inside inline markup keeps its words apart
            return " " + inner + " "
        return inner

    def emphasis(self, el, kind: str, marker: str, active: frozenset) -> str:
        if kind in active:  # <strong> inside <strong>: not doubled
            return self.inline_content(el, active)
        inner = self.inline_content(el, active | {kind})
        core = inner.strip()
        if not core.replace(BR, "").strip():
            return inner  # no text: drop the markers, keep spaces and breaks
        return _edge(inner, 0) + marker + core + marker + _edge(inner, -1)

    def link(self, el, active: frozenset) -> str:
        inner = self.inline_content(el, active)
        core = inner.strip()
        if not core.replace(BR, "").strip():
            return " " if inner else ""  # links without text give nothing
        address = self.address(el.get("href"))
        if address and not is_the_address("".join(el.itertext()), address):
            core = f"{core} ({safe_address(address)})"
        return _edge(inner, 0) + core + _edge(inner, -1)

    def address(self, href: str | None) -> str | None:
        """The absolute http(s) address a link shows, or None (mailto:, tel:, js)."""
        if not href:
            return None
        href = "".join(href.split())  # browsers drop whitespace inside URLs too
        try:
            absolute = urljoin(self.base_url, href)
            scheme = urlsplit(absolute).scheme.lower()
        except ValueError:
            return None
        if scheme not in ("http", "https"):
            return None
        return self.rewrite(absolute) if self.rewrite else absolute


# Inline markup whose block content is still rendered inline (<a><div>..</div></a>).
_INLINE_MARKUP = STRONG | EM | {"a"}


def _holds_block(el) -> bool:
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag in BLOCK:
            return True
    return False


def _edge(inner: str, index: int) -> str:
    """" " when inner starts (index 0) or ends (-1) with whitespace: it moves outside the markers."""
    return " " if inner and inner[index].isspace() else ""


def element_to_markdown(el, base_url: str, rewrite: Rewrite | None = None) -> str:
    """The Markdown body of one element (or "" when it holds no text).

    base_url resolves relative hrefs; rewrite, if given, maps absolute
    addresses (e.g. a replica's origin back to the real site's).
    """
    return blocks_to_body(element_blocks(el, base_url, rewrite))


def element_blocks(el, base_url: str, rewrite: Rewrite | None = None) -> list[str]:
    """The Markdown blocks of el (deep nesting inside el is flattened in place)."""
    conv = _Converter(base_url, rewrite)
    out: list[str] = []
    if isinstance(el.tag, str) and el.tag not in DROP:
        _flatten_deep(el)
        try:
            conv.block(el, out)
        except RecursionError:  # deep nesting of elements that carry meaning (<b>, <li>): keep the words
            text = finish_inline(" ".join(el.itertext()))
            out = [text] if text else []
    return out


# Containers that mean nothing to the body but their content's place: unwrapped when deep.
GENERIC = frozenset("div span section article main header footer aside nav center hgroup font small big mark".split())
# Parents whose children the converter reads by position (items, rows, cells): never unwrapped into.
_STRUCTURED = frozenset(("ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr"))
MAX_DEPTH = 100
_DEEP = etree.XPath("/".join(["*"] * MAX_DEPTH))  # elements MAX_DEPTH levels below the context


def _flatten_deep(el) -> None:
    """Unwrap the generic containers nested more than MAX_DEPTH levels below el,
    giving the same Markdown: a block container's content is put in its place
    between two empty <div>s, which end the inline runs around it as it did.
    One C-level XPath pass when the tree is shallow, as pages are."""
    for top in _DEEP(el):
        for node in list(top.iterdescendants(*GENERIC)):  # outer first: each moves only its children
            parent = node.getparent()
            if parent.tag in _STRUCTURED:
                continue
            if node.tag in BLOCK or _holds_block(node):
                opening = node.makeelement("div")
                node.addprevious(opening)
                opening.tail = node.text
                for child in list(node):
                    node.addprevious(child)  # its tail moves with it
                node.text = None
                node.tag = "div"  # the closing one; keeps node's tail after it
            else:  # inline: its text joins the text around it
                _unwrap_inline(node, parent)


def _unwrap_inline(node, parent) -> None:
    prev = node.getprevious()
    if node.text:
        if prev is not None:
            prev.tail = (prev.tail or "") + node.text
        else:
            parent.text = (parent.text or "") + node.text
    children = list(node)
    for child in children:
        node.addprevious(child)
    if node.tail:
        last = children[-1] if children else node.getprevious()
        if last is not None:
            last.tail = (last.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def blocks_to_body(blocks: list[str]) -> str:
    body = "\n\n".join(b for b in blocks if b).strip()
    return body + "\n" if body else ""


def html_to_markdown(html: str, base_url: str = "https://example.invalid/") -> str:
    """Convenience for tests and tools: a fragment's Markdown body."""
    from lxml import html as lxml_html

    fragment = lxml_html.fragment_fromstring(html, create_parent="div")
    return element_to_markdown(fragment, base_url)


def collect_images(region, base_url: str, rewrite: Rewrite | None = None) -> list[dict]:
    """Images in a body region: {"src": absolute, "alt": str, "caption": str|None}."""
    images: list[dict] = []
    seen: set[str] = set()
    for el in region.iter("img", "source"):
        if el.tag == "img":
            src = el.get("src") or el.get("data-src") or _first_candidate(el.get("srcset"))
            alt = el.get("alt") or ""
        else:
            src = _first_candidate(el.get("srcset") or el.get("data-srcset"))
            img = next(el.getparent().iter("img"), None) if el.getparent() is not None else None
            alt = (img.get("alt") or "") if img is not None else ""
        if not src or src.startswith("data:"):
            continue
        try:
            absolute = urljoin(base_url, "".join(src.split()))
        except ValueError:
            continue
        if rewrite:
            absolute = rewrite(absolute)
        if absolute in seen:
            continue
        seen.add(absolute)
        images.append({"src": absolute, "alt": " ".join(alt.split()), "caption": _caption(el)})
    return images


def _first_candidate(srcset: str | None) -> str | None:
    if not srcset:
        return None
    first = srcset.split(",")[0].split()
    return first[0] if first else None


def _caption(el) -> str | None:
    for anc in el.iterancestors("figure"):
        for cap in anc.iter("figcaption"):
            text = " ".join("".join(cap.itertext()).split())
            return text or None
        return None
    return None
