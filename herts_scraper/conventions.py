"""Small rules of the records' Markdown body shared by the writer of expected
records (the replica) and the reader of pages (the extractor)."""

from __future__ import annotations

import re

BR = "\x00"  # stands for <br> until whitespace has been collapsed
_WS = re.compile(r"\s+")
_BR_SPACES = re.compile(" ?\x00 ?")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def finish_inline(raw: str) -> str:
    """Collapse whitespace (NBSP included), turn <br> placeholders into newlines, strip."""
    text = _WS.sub(" ", raw)
    if BR in text:
        text = _BR_SPACES.sub("\n", text)
    return text.strip()


def _norm_address(text: str) -> str:
    text = _SCHEME.sub("", text.strip().lower())
    if text.startswith("www."):
        text = text[4:]
    return text.rstrip("/")


def is_the_address(link_text: str, href: str) -> bool:
    """A link whose text is its own address (scheme, "www." and a final "/" aside)
    is written as the text alone; others get " (URL)" after the text."""
    return _norm_address(link_text) == _norm_address(href)
