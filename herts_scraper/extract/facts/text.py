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

# Where a web or e-mail address shows itself; the address is the run of non-space characters around
# it. Each pattern opens with a literal or a small set, so that re skips ahead fast (this runs on
# every article).
_ADDRESS_MARK = re.compile(r"https?://|www\.|@|\.(?:uk|com|org|net)\b")
# What _ADDRESS_MARK needs, as substrings: text without any of them is searched no further.
_ADDRESS_HINTS = ("://", "www.", "@", ".uk", ".com", ".org", ".net")
_NOT_ADDRESS = frozenset(" \n\t()[]<>\"")
# Emphasis, heading and escape marks; an asterisk between or after digits belongs to a reference
# (20*157072, 21* 65331).
_MARK = re.compile(r"[*_#\\]+")
_PLAIN = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u00a0", " "), ("\u2013", "-"),
          ("\u2014", "-"))
HEAD_PARAGRAPHS = 2  # the body's paragraphs that count as the story's head, with the title and description


@dataclass(frozen=True, slots=True)
class ArticleText:
    """text: title, description and body as prose, blank-line separated; head_end: where the head
    (title, description, first paragraphs) ends in it; published: the publication date; lowered:
    the text in lower case (the same length: str.lower keeps the offsets of English text)."""

    text: str
    head_end: int
    published: dt.date | None
    lowered: str = ""  # text.lower(), made once for the finders that read it so


def _without_addresses(text: str) -> str:
    if not any(hint in text for hint in _ADDRESS_HINTS):
        return text  # most titles and many bodies: str's search beats re's here
    pieces, last = [], 0
    for m in _ADDRESS_MARK.finditer(text):
        start, end = m.start(), m.end()
        if start < last:
            continue
        while start > last and text[start - 1] not in _NOT_ADDRESS:
            start -= 1
        while end < len(text) and text[end] not in _NOT_ADDRESS:
            end += 1
        while end > m.end() and text[end - 1] in ".,;:!?_":
            end -= 1  # the sentence's full stop is not the address's
        if m.group() == "@" and (start == m.start() or end == m.end()):
            continue  # "@merpolcc", a lone "@": not an address
        if 0 < start and text[start - 1] == "(" and end < len(text) and text[end] == ")":
            start, end = start - 1, end + 1  # the " (URL)" after a link's text
            if start > 0 and text[start - 1] == " ":
                start -= 1
        pieces.append(text[last:start])
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _mark(m: re.Match) -> str:
    text, start, end = m.string, m.start(), m.end()
    mark = m.group()
    if mark == "*" and start > 0 and text[start - 1].isdigit():
        return mark  # 20*157072, 21* 65331
    if mark == "*" and end < len(text) and text[end].isdigit() and (start == 0 or text[start - 1] in " (\n"):
        return mark  # *077519
    if mark[0] == "_" and 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum():
        return mark  # 00711_I_11072020
    if mark[0] == "\\" and end < len(text) and (text[end].isalnum() or text[end].isspace()):
        return mark
    return ""


def clean(text: str) -> str:
    """Prose from a Markdown body or a page's title: no emphasis, no addresses, plain quotes."""
    if "&" in text:
        text = html.unescape(text)
    for fancy, plain in _PLAIN:
        if fancy in text:
            text = text.replace(fancy, plain)
    text = _without_addresses(text)
    if "**" in text:
        text = text.replace("**", "")
    if "*" in text or "_" in text or "#" in text or "\\" in text:
        return _MARK.sub(_mark, text)
    return text


def published_date(published: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def article_text(title: str | None, description: str | None, body: str | None,
                 published: str | None) -> ArticleText:
    body = body or ""
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
    return ArticleText(text, len(head) + 2 + end, published_date(published), text.lower())
