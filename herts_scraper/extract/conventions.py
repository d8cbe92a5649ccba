"""Small rules of the records' Markdown body shared by the writer of expected
records (the replica) and the reader of pages (the extractor)."""

from __future__ import annotations

import re

BR = "\x00"  # stands for <br> until whitespace has been collapsed
_BR_SPACES = re.compile(" ?\x00 ?")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def finish_inline(raw: str) -> str:
    """Collapse whitespace (NBSP included), turn <br> placeholders into newlines,
    strip, and escape what would read as Markdown syntax the conventions never write."""
    text = " ".join(raw.split())  # str.split() and re's \s agree on Unicode whitespace; split is faster
    if BR in text:
        text = _BR_SPACES.sub("\n", text)
    return escape_markdown(text.strip())


# A "<" opening raw HTML (a tag, closing tag, comment, declaration, processing
# instruction) or an autolink, unless that autolink is an http(s) or mailto one
# (real bodies keep "<http://www.example.org>"). The "<" must not be escaped
# already: an even run of backslashes before it escapes only themselves.
_RAW_HTML = re.compile(r"(?<!\\)((?:\\\\)*)<(?=[A-Za-z/!?])(?!(?:https?|mailto):[^\s<>]*>)", re.IGNORECASE)
# "[label]:" opening a line is a link reference definition.
_LINK_DEFINITION = re.compile(r"^\[(?=(?:\\.|[^\\\[\]])*\]:)", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Page text as literal Markdown: bodies write links as "text (URL)" only, so
    "](" (an inline link), "[label]:" at a line's start (a link definition) and
    raw HTML are escaped; applied to whole inline runs, where syntax split over
    several elements has come together. Renders as the same text."""
    if "](" in text:
        text = text.replace("](", "]\\(")
    if "<" in text:
        text = _RAW_HTML.sub(r"\1\\<", text)
    if "]:" in text:
        text = _LINK_DEFINITION.sub(r"\\[", text)
    return text


# Characters that could end "(URL)" or open Markdown or HTML syntax inside it.
_UNSAFE_IN_ADDRESS = re.compile(r"[\x00-\x20\x7f()\[\]<>]")


def safe_address(url: str) -> str:
    """A link's address as written in "text (URL)": percent-encoded where it could break out."""
    return _UNSAFE_IN_ADDRESS.sub(lambda m: f"%{ord(m.group()):02X}", url)


def _norm_address(text: str) -> str:
    text = _SCHEME.sub("", text.strip().lower())
    if text.startswith("www."):
        text = text[4:]
    return text.rstrip("/")


def is_the_address(link_text: str, href: str) -> bool:
    """A link whose text is its own address (scheme, "www." and a final "/" aside)
    is written as the text alone; others get " (URL)" after the text."""
    return _norm_address(link_text) == _norm_address(href)


def indent(text: str) -> str:
    """A nested list: four more spaces on every non-empty line."""
    return "\n".join("    " + line if line else line for line in text.split("\n"))


def quote(text: str) -> str:
    """A blockquote: "> " before every line, ">" on empty ones."""
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def list_item(ordered: bool, number: int, text: str, nested: list[str]) -> str:
    """One list item: " * text" or " 3. text", its nested lists indented below."""
    item = (f" {number}. " if ordered else " * ") + text
    for n in nested:
        item += "\n" + indent(n)
    return item


def join_items(items: list[str], loose: bool) -> str:
    """Items holding headings or paragraphs are separated by a blank line."""
    return ("\n\n" if loose else "\n").join(items)
