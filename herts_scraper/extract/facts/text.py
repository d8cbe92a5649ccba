"""The text the fact finders read: an article's title, description and body as plain prose.

Markdown emphasis, link addresses, e-mail and web addresses go (a number inside a URL is never a
reference); everything else keeps its offsets' order, so a finder can tell the head of the story
(title, description, first paragraphs) from the rest. A few substitutions on the whole text, each
skipped when its character is absent: this runs on every article.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

# Web and e-mail addresses, with the " (URL)" the bodies write after a link's text.
_ADDRESS = re.compile(
    r" ?\((?:https?|mailto|tel):[^)\s]*\)|\b(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:uk|com|org|net)\b(?:/\S*)?",
    re.I,
)
# Emphasis and heading marks; an asterisk between digits belongs to a reference (20*157072, 21* 65331).
_MARKS = re.compile(r"(?<![\d\s])\*+|\*+(?![\d\s])|(?<!\d)\*(?=\s)|^#+ |(?<!\w)_+|_+(?!\w)|\\(?=[^\w\s])", re.M)
_DATE_LINE = re.compile(r"\A(?:[A-Z][\w ]{0,30}\n\n)?\d\d:\d\d \d\d/\d\d/\d{4}\n")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                         "\u2013": "-", "\u2014": "-"})
HEAD_PARAGRAPHS = 2  # the body's paragraphs that count as the story's head, with the title and description


@dataclass(frozen=True, slots=True)
class ArticleText:
    """text: title, description and body as prose, blank-line separated; head_end: where the head
    (title, description, first paragraphs) ends in it; published: the publication date."""

    text: str
    head_end: int
    published: dt.date | None


def clean(text: str) -> str:
    """Prose from a Markdown body or a page's title: no emphasis, no addresses, plain quotes."""
    if "&" in text:
        text = html.unescape(text)
    text = text.translate(_QUOTES)
    if "." in text or "@" in text:
        text = _ADDRESS.sub("", text)
    if "*" in text or "_" in text or "#" in text or "\\" in text:
        text = _MARKS.sub("", text)
    return text


def published_date(published: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def article_text(title: str | None, description: str | None, body: str | None,
                 published: str | None) -> ArticleText:
    body = body or ""
    if body[:1].isdigit() or "\n\n" in body[:40]:
        body = _DATE_LINE.sub("", body, count=1)  # an SOH meta line (tag, HH:MM DD/MM/YYYY) is not prose
    head = "\n\n".join(clean(part) for part in (title or "", description or "") if part)
    body = clean(body)
    # the head: up to the end of the body's HEAD_PARAGRAPHS-th paragraph (short lines count as one)
    end = 0
    for _ in range(HEAD_PARAGRAPHS):
        nxt = body.find("\n\n", end + 80)
        if nxt < 0:
            end = len(body)
            break
        end = nxt
    text = head + "\n\n" + body
    return ArticleText(text, len(head) + 2 + end, published_date(published))
