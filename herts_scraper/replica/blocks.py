"""A small document model for article bodies, and its two renderings.

The replica builds every body as blocks, then renders them twice: as the
article's HTML, and as the Markdown an exact extractor must get back from that
HTML (the body conventions of ../shared/notes/record-format.md). `markdown_to_blocks` goes the other
way for real records, so corpus text can be served as pages: it keeps every
word in order, and where the corpus's markers would not survive a round trip
(unbalanced, empty, glued to a word) it keeps them as literal text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from herts_scraper.extract.conventions import (
    BR,
    finish_inline,
    is_the_address,
    join_items,
    list_item,
    quote,
    safe_address,
)

# -- inlines ------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Strong:
    children: tuple
    tag: str = "strong"  # or "b"


@dataclass(frozen=True)
class Em:
    children: tuple
    tag: str = "em"  # or "i"


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Break:
    """<br>"""


def inlines(value) -> tuple:
    """str, one inline, or a sequence of either -> a tuple of inline nodes."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (Text(value),) if value else ()
    if isinstance(value, (Text, Strong, Em, Link, Break)):
        return (value,)
    out: list = []
    for v in value:
        out.extend(inlines(v))
    return tuple(out)


def strong(*parts, tag: str = "strong") -> Strong:
    return Strong(inlines(parts), tag)


def em(*parts, tag: str = "em") -> Em:
    return Em(inlines(parts), tag)


# -- blocks -------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple

    def __init__(self, content=()):
        object.__setattr__(self, "inlines", inlines(content))


@dataclass(frozen=True)
class Heading:
    level: int
    inlines: tuple

    def __init__(self, level: int, content=()):
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "inlines", inlines(content))


@dataclass(frozen=True)
class ListItem:
    """One li: inline content, optionally inside a heading (heading=level) or a
    <p> (paragraph=True), followed by nested lists."""

    inlines: tuple
    heading: int = 0
    paragraph: bool = False
    nested: tuple = ()


def item(content=(), *, heading: int = 0, paragraph: bool = False, nested=()) -> ListItem:
    return ListItem(inlines(content), heading, paragraph, tuple(nested))


def _items(values) -> tuple:
    return tuple(v if isinstance(v, ListItem) else item(v) for v in values)


@dataclass(frozen=True)
class BulletList:
    items: tuple

    def __init__(self, items=()):
        object.__setattr__(self, "items", _items(items))


@dataclass(frozen=True)
class NumberedList:
    items: tuple
    start: int = 1

    def __init__(self, items=(), start: int = 1):
        object.__setattr__(self, "items", _items(items))
        object.__setattr__(self, "start", start)


@dataclass(frozen=True)
class SummaryList:
    """The summary bullets that open many articles: a ul whose items hold a heading."""

    items: tuple
    level: int = 3

    def __init__(self, items=(), level: int = 3):
        object.__setattr__(self, "items", tuple(inlines(i) for i in items))
        object.__setattr__(self, "level", level)

    def as_list(self) -> BulletList:
        return BulletList(tuple(ListItem(i, heading=self.level) for i in self.items))


@dataclass(frozen=True)
class Quote:
    blocks: tuple

    def __init__(self, blocks=()):
        if isinstance(blocks, (str, Text, Strong, Em, Link)):
            blocks = (Paragraph(blocks),)
        object.__setattr__(self, "blocks", tuple(blocks))


@dataclass(frozen=True)
class Figure:
    """An image; kind picks the markup: "figure", "picture" (picture/source
    in a div.image-block) or "image-block" (a bare img in a div.image-block)."""

    src: str
    alt: str = ""
    caption: tuple = ()
    kind: str = "figure"

    def __init__(self, src: str, alt: str = "", caption=(), kind: str = "figure"):
        object.__setattr__(self, "src", src)
        object.__setattr__(self, "alt", alt)
        object.__setattr__(self, "caption", inlines(caption))
        object.__setattr__(self, "kind", kind)


@dataclass(frozen=True)
class Table:
    rows: tuple  # of tuples of cell inlines
    header: bool = False

    def __init__(self, rows=(), header: bool = False):
        object.__setattr__(self, "rows", tuple(tuple(inlines(c) for c in row) for row in rows))
        object.__setattr__(self, "header", header)


@dataclass(frozen=True)
class Rule:
    """<hr>: no text."""


# -- Markdown (the expected record body) --------------------------------------





def resolve_href(href: str, origin: str | None) -> str:
    """A link's address: relative hrefs resolved against the site's origin."""
    if origin and not urlsplit(href).scheme:
        return urljoin(origin.rstrip("/") + "/", href)
    return href


def _edge(s: str, index: int) -> str:
    ch = s[:1] if index == 0 else s[-1:]
    return " " if ch and ch.isspace() else ""


def _md_inline(nodes, active: frozenset, origin: str | None) -> str:
    out: list[str] = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(n.text)
        elif isinstance(n, Break):
            out.append(BR)
        elif isinstance(n, (Strong, Em)):
            kind, marker = ("strong", "**") if isinstance(n, Strong) else ("em", "_")
            if kind in active:  # same kind nested: not doubled
                out.append(_md_inline(n.children, active, origin))
                continue
            inner = _md_inline(n.children, active | {kind}, origin)
            core = inner.strip()
            if not core.replace(BR, "").strip():
                out.append(inner)  # emphasis without text: its spaces stay
            else:
                out.append(_edge(inner, 0) + marker + core + marker + _edge(inner, -1))
        elif isinstance(n, Link):
            core = n.text.strip()
            if not core:
                out.append(" " if n.text else "")
                continue
            address = resolve_href(n.href, origin)
            if urlsplit(address).scheme.lower() in ("http", "https") and not is_the_address(n.text, address):
                core = f"{core} ({safe_address(address)})"
            out.append(_edge(n.text, 0) + core + _edge(n.text, -1))
        else:
            raise TypeError(f"not an inline: {n!r}")
    return "".join(out)


def inline_markdown(nodes, origin: str | None = None) -> str:
    return finish_inline(_md_inline(inlines(nodes), frozenset(), origin))


def _list_markdown(items, ordered: bool, start: int, origin) -> str:
    lines: list[str] = []
    loose = any(i.heading or i.paragraph for i in items)
    number = start
    for it in items:
        number += 1
        text = inline_markdown(it.inlines, origin)
        if text and it.heading:
            text = "#" * it.heading + " " + text
        text = text.replace("\n\n", "\n")
        nested = [m for m in (_block_markdown(n, origin) for n in it.nested) if m]
        if not text and not nested:
            continue
        lines.append(list_item(ordered, number - 1, text, nested))
    return join_items(lines, loose)


def _block_markdown(b, origin: str | None) -> str:
    if isinstance(b, Paragraph):
        return inline_markdown(b.inlines, origin)
    if isinstance(b, Heading):
        text = inline_markdown(b.inlines, origin)
        return "#" * b.level + " " + text if text else ""
    if isinstance(b, SummaryList):
        return _list_markdown(b.as_list().items, False, 1, origin)
    if isinstance(b, BulletList):
        return _list_markdown(b.items, False, 1, origin)
    if isinstance(b, NumberedList):
        return _list_markdown(b.items, True, b.start, origin)
    if isinstance(b, Quote):
        inner = _join(_block_markdown(x, origin) for x in b.blocks)
        return quote(inner) if inner else ""
    if isinstance(b, Figure):
        return inline_markdown(b.caption, origin)
    if isinstance(b, Table):
        rows = [" | ".join(inline_markdown(c, origin).replace("\n", " ") for c in row) for row in b.rows]
        return "\n".join(r for r in rows if r.replace("|", "").strip())
    if isinstance(b, Rule):
        return ""
    raise TypeError(f"not a block: {b!r}")


def _join(parts) -> str:
    return "\n\n".join(p for p in parts if p)


def blocks_to_markdown(blocks, origin: str | None = None) -> str:
    """The record body an extractor must produce from blocks_to_html(blocks)."""
    body = _join(_block_markdown(b, origin) for b in blocks).strip()
    return body + "\n" if body else ""


# -- HTML (the article body as served) ----------------------------------------


def _esc(text: str, refs: bool) -> str:
    out = html.escape(text, quote=False)
    if refs:
        out = out.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return out


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _html_inline(nodes, origin: str | None, refs: bool) -> str:
    out: list[str] = []
    for n in nodes:
        if isinstance(n, Text):
            out.append(_esc(n.text, refs))
        elif isinstance(n, Break):
            out.append("<br>\n")
        elif isinstance(n, (Strong, Em)):
            out.append(f"<{n.tag}>{_html_inline(n.children, origin, refs)}</{n.tag}>")
        elif isinstance(n, Link):
            href = resolve_href(n.href, origin)
            extra = ' target="_blank" rel="noopener"' if urlsplit(href).netloc and origin and urlsplit(origin).netloc != urlsplit(href).netloc else ""
            out.append(f'<a href="{_attr(href)}"{extra}>{_esc(n.text, refs)}</a>')
    return "".join(out)


def _html_item(it: ListItem, origin, refs) -> str:
    content = _html_inline(it.inlines, origin, refs)
    if it.heading:
        content = f"<h{it.heading}>{content}</h{it.heading}>"
    elif it.paragraph:
        content = f"<p>{content}</p>"
    nested = "".join("\n" + _block_html(n, origin, refs) for n in it.nested)
    return f"<li>{content}{nested}</li>"


def _block_html(b, origin: str | None, refs: bool) -> str:
    if isinstance(b, Paragraph):
        return f"<p>{_html_inline(b.inlines, origin, refs)}</p>"
    if isinstance(b, Heading):
        return f"<h{b.level}>{_html_inline(b.inlines, origin, refs)}</h{b.level}>"
    if isinstance(b, SummaryList):
        return _block_html(b.as_list(), origin, refs)
    if isinstance(b, BulletList):
        return "<ul>\n" + "\n".join(_html_item(i, origin, refs) for i in b.items) + "\n</ul>"
    if isinstance(b, NumberedList):
        start = f' start="{b.start}"' if b.start != 1 else ""
        return f"<ol{start}>\n" + "\n".join(_html_item(i, origin, refs) for i in b.items) + "\n</ol>"
    if isinstance(b, Quote):
        return "<blockquote>\n" + "\n".join(_block_html(x, origin, refs) for x in b.blocks) + "\n</blockquote>"
    if isinstance(b, Figure):
        return _figure_html(b, origin, refs)
    if isinstance(b, Table):
        rows = []
        for r, row in enumerate(b.rows):
            cell = "th" if b.header and r == 0 else "td"
            rows.append("<tr>" + "".join(f"<{cell}>{_html_inline(c, origin, refs)}</{cell}>" for c in row) + "</tr>")
        return "<table>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    if isinstance(b, Rule):
        return "<hr>"
    raise TypeError(f"not a block: {b!r}")


def _figure_html(f: Figure, origin, refs) -> str:
    src, alt = _attr(f.src), _attr(f.alt)
    caption = f"\n<figcaption>{_html_inline(f.caption, origin, refs)}</figcaption>" if f.caption else ""
    if f.kind == "picture":
        stem = f.src.rsplit(".", 1)[0]
        img = (f'<picture>\n<source srcset="{_attr(stem)}.webp?width=1200 1200w, {_attr(stem)}.webp?width=600 600w" type="image/webp">\n'
               f'<img src="{src}" alt="{alt}" loading="lazy">\n</picture>')
        inner = f"<figure>\n{img}{caption}\n</figure>" if caption else img
        return f'<div class="image-block">\n{inner}\n</div>'
    if f.kind == "image-block":
        img = f'<img src="{src}" alt="{alt}" width="800" height="450">'
        inner = f"<figure>\n{img}{caption}\n</figure>" if caption else img
        return f'<div class="image-block">\n{inner}\n</div>'
    return f'<figure class="c-figure">\n<img src="{src}" alt="{alt}">{caption}\n</figure>'


def blocks_to_html(blocks, origin: str | None = None, *, char_refs: bool = False) -> str:
    """The body's HTML. Relative hrefs become absolute on origin; char_refs
    writes non-ASCII as numeric character references (as some CMS output does)."""
    return "\n".join(_block_html(b, origin, char_refs) for b in blocks)


def block_images(blocks, origin: str | None = None) -> list[dict]:
    """The images of a body as an extractor lists them, in document order:
    {"src": absolute (a <source>'s first srcset candidate too), "alt", "caption"}."""
    out: list[dict] = []

    def walk(bs):
        for b in bs:
            if isinstance(b, Figure):
                caption = " ".join(_block_text_of(b.caption).split()) or None
                if b.kind == "picture":
                    stem = b.src.rsplit(".", 1)[0]
                    out.append({"src": resolve_href(f"{stem}.webp?width=1200", origin), "alt": b.alt, "caption": caption})
                out.append({"src": resolve_href(b.src, origin), "alt": b.alt, "caption": caption})
            elif isinstance(b, Quote):
                walk(b.blocks)

    walk(blocks)
    return out


def _block_text_of(nodes) -> str:
    return block_text([Paragraph(nodes)])


def block_text(blocks) -> str:
    """All visible text of blocks (for checks such as 'no furniture phrase')."""
    parts: list[str] = []

    def inl(nodes):
        for n in nodes:
            if isinstance(n, Text):
                parts.append(n.text)
            elif isinstance(n, (Strong, Em)):
                inl(n.children)
            elif isinstance(n, Link):
                parts.append(n.text)
            elif isinstance(n, Break):
                parts.append("\n")

    def walk(bs):
        for b in bs:
            if isinstance(b, (Paragraph, Heading)):
                inl(b.inlines)
            elif isinstance(b, SummaryList):
                for i in b.items:
                    inl(i)
            elif isinstance(b, (BulletList, NumberedList)):
                for i in b.items:
                    inl(i.inlines)
                    walk(i.nested)
            elif isinstance(b, Quote):
                walk(b.blocks)
            elif isinstance(b, Figure):
                inl(b.caption)
            elif isinstance(b, Table):
                for row in b.rows:
                    for c in row:
                        inl(c)
            parts.append("\n")

    walk(blocks)
    return "".join(parts)


# -- Markdown -> blocks (the corpus's conventions) ----------------------------

_ITEM = re.compile(r"^( *)(\*|\d{1,3}\.) (.*)$")
_EMPTY_ITEM = re.compile(r"^( +)(\*|\d{1,3}\.)$")
_HEADING = re.compile(r"^(#{1,6}) (\S.*)$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w*])")
_WORD = re.compile(r"[^\W_]")


def _glued(text: str, start: int, end: int) -> bool:
    """Markers touching a word outside them would merge words in HTML text."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return bool(before and _WORD.match(before)) or bool(after and _WORD.match(after))


def parse_inline(text: str) -> tuple:
    """One line of corpus text -> inlines; **strong** and _em_ become markup
    only where they render back to the same text, else stay literal."""
    return _parse_inline(text, frozenset())


def _parse_inline(text: str, active: frozenset) -> tuple:
    if not text:
        return ()
    best = None
    for kind, pattern in (("strong", _STRONG), ("em", _EM)):
        if kind in active:
            continue
        for m in pattern.finditer(text):
            if _glued(text, m.start(), m.end()) or not m.group(1).strip("*_ "):
                continue
            if best is None or m.start() < best[1].start():
                best = (kind, m)
            break
    if best is None:
        return (Text(text),)
    kind, m = best
    inner = _parse_inline(m.group(1), active | {kind})
    node = Strong(inner) if kind == "strong" else Em(inner)
    return _merge_text((Text(text[: m.start()]),) + (node,) + _parse_inline(text[m.end():], active))


def _merge_text(nodes) -> tuple:
    out: list = []
    for n in nodes:
        if isinstance(n, Text):
            if not n.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + n.text)
                continue
        out.append(n)
    return tuple(out)


@dataclass
class _Line:
    kind: str  # "item", "heading", "quote", "text"
    text: str
    indent: int = 0
    marker: str = ""
    level: int = 0


def _classify(line: str, first: bool) -> _Line:
    m = _ITEM.match(line)
    if m and (m.group(1) or first):
        indent = len(m.group(1))
        return _Line("item", m.group(3), indent=max(indent - 1, 0) // 4, marker=m.group(2))
    m = _EMPTY_ITEM.match(line)
    if m:
        return _Line("item", "", indent=(len(m.group(1)) - 1) // 4, marker=m.group(2))
    m = _HEADING.match(line)
    if m:
        return _Line("heading", m.group(2), level=len(m.group(1)))
    if line.startswith(">"):
        return _Line("quote", line[2:] if line.startswith("> ") else line[1:])
    return _Line("text", line)


def _item_of(line: _Line) -> ListItem:
    m = _HEADING.match(line.text)
    if m:
        return ListItem(parse_inline(m.group(2)), heading=len(m.group(1)))
    return ListItem(parse_inline(line.text))


def _build_list(lines: list[_Line], depth: int = 0):
    """Consecutive item lines (same depth or deeper) -> one list block."""
    ordered = lines[0].marker != "*"
    items: list[ListItem] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        j = i + 1
        while j < len(lines) and lines[j].indent > ln.indent:
            j += 1
        nested = _lists_of(lines[i + 1 : j]) if j > i + 1 else ()
        it = _item_of(ln)
        items.append(ListItem(it.inlines, it.heading, False, tuple(nested)))
        i = j
    if ordered:
        try:
            start = int(lines[0].marker.rstrip("."))
        except ValueError:
            start = 1
        return NumberedList(items, start)
    return BulletList(items)


def _lists_of(lines: list[_Line]) -> list:
    """Split item lines into lists where the marker kind changes at the top depth."""
    top = min(ln.indent for ln in lines)
    groups: list[list[_Line]] = []
    for ln in lines:
        if ln.indent == top and groups and (ln.marker == "*") != (groups[-1][0].marker == "*"):
            groups.append([ln])
        elif groups:
            groups[-1].append(ln)
        else:
            groups.append([ln])
    return [_build_list(g) for g in groups]


def _chunk_blocks(chunk: list[_Line]) -> list:
    blocks: list = []
    i = 0
    while i < len(chunk):
        ln = chunk[i]
        if ln.kind == "item":
            j = i
            while j < len(chunk) and chunk[j].kind == "item":
                j += 1
            blocks.extend(_lists_of(chunk[i:j]))
            i = j
        elif ln.kind == "heading":
            blocks.append(Heading(ln.level, parse_inline(ln.text)))
            i += 1
        elif ln.kind == "quote":
            j = i
            while j < len(chunk) and chunk[j].kind == "quote":
                j += 1
            blocks.append(Quote(markdown_to_blocks("\n".join(ln.text for ln in chunk[i:j]))))
            i = j
        else:
            j = i
            parts: list = []
            while j < len(chunk) and chunk[j].kind == "text":
                if parts:
                    parts.append(Break())
                parts.extend(parse_inline(chunk[j].text))
                j += 1
            blocks.append(Paragraph(_merge_text(parts)))
            i = j
    return blocks


def _loose(b) -> bool:
    return isinstance(b, BulletList) and bool(b.items) and any(i.heading for i in b.items)


def markdown_to_blocks(md: str) -> list:
    """A record body (corpus conventions) -> blocks, every word kept in order."""
    lines = md.replace("\r\n", "\n").split("\n")
    chunks: list[list[_Line]] = []
    current: list[_Line] = []
    first = True
    for line in lines:
        if not line.strip():
            if current:
                chunks.append(current)
                current = []
            continue
        current.append(_classify(line, first))
        first = False
    if current:
        chunks.append(current)
    blocks: list = []
    for chunk in chunks:
        for b in _chunk_blocks(chunk):
            # summary bullets arrive as one item per chunk: one ul again
            if _loose(b) and blocks and _loose(blocks[-1]) and len(b.items) == 1:
                blocks[-1] = BulletList(blocks[-1].items + b.items)
            else:
                blocks.append(b)
    return blocks
