"""Which part of a page is the article, and what inside it is furniture.

Region: the profile's body selectors, else <article>, else <main>/[role=main],
else the container richest in paragraph text (a compact readability-style
density score). Furniture: the profile's selectors, plus any block whose text
starts with one of the profile's furniture phrases, whatever its markup.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

_ARTICLES = etree.XPath("//article")
_MAINS = etree.XPath("//main | //*[@role='main']")
_NBSP = "\xa0"
_LIST_PARTS = frozenset(("ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "dl"))
# Blocks that may hold a furniture text (inline spans too: a banner may be one).
_PHRASE_TAGS = ("p", "div", "section", "aside", "ul", "ol", "li", "a", "span", "nav", "header", "footer",
                "h1", "h2", "h3", "h4", "h5", "h6", "form", "label", "strong", "b", "dl", "table", "button")
_INLINE_PHRASE_TAGS = ("a", "span", "strong", "b", "label", "button")
_TEXT_BLOCKS = ("p", "li", "td", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")
# A phrase match is furniture only if it is not most of the region's text:
# a wrapper that opens with a banner but holds the article must stay.
_FURNITURE_MAX_SHARE = 0.4
_FURNITURE_MIN_CHARS = 300


def text_of(el) -> str:
    return " ".join("".join(el.itertext()).split())


def drop(el) -> None:
    """Remove el from its tree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def is_inside(el, ancestor) -> bool:
    if el is ancestor:
        return True
    return any(a is ancestor for a in el.iterancestors())


def in_running_text(el, region) -> bool:
    """True when el sits inside a paragraph-like block (below region) that holds more text than el: a
    <p> holding nothing but a date is a date line, whatever its markup."""
    for anc in el.iterancestors():
        if anc is region:
            return False
        if anc.tag in _TEXT_BLOCKS:
            return text_of(anc) != text_of(el)
    return False


# -- region --------------------------------------------------------------------
def first_match(selectors, doc) -> list:
    """All elements of the first selector that matches (outermost ones only)."""
    for sel in selectors:
        found = sel(doc)
        if found:
            return _outermost([e for e in found if isinstance(e.tag, str)])
    return []


def _outermost(els: list) -> list:
    if len(els) < 2:
        return els
    ids = {id(e) for e in els}
    return [e for e in els if not any(id(a) in ids for a in e.iterancestors())]


def largest(els: list):
    """The element holding the most text (pages may mark teasers as <article>)."""
    if not els:
        return None
    if len(els) == 1:
        return els[0]
    return max(els, key=lambda e: len(text_of(e)))


def article_element(doc):
    return largest(_outermost(_ARTICLES(doc)))


def main_element(doc):
    return largest(_outermost(_MAINS(doc)))


def density_region(doc):
    """The container whose paragraphs hold the most non-link text.

    Each <p>/<li>/<pre>/<td> (and <div> with text of its own) scores its text
    length minus its link text; the score goes to its container (for list items
    and cells, the list's or table's) in full and to the next one up in half, as
    readability does; the best-scored element wins.
    """
    scores: dict = {}
    nodes: dict = {}
    for el in doc.iter("p", "li", "pre", "td", "div", "blockquote"):
        if el.tag == "div":
            own = (el.text or "") + "".join(c.tail or "" for c in el)
            length = len(" ".join(own.split()))
            parent = el  # a bare text div is itself a container of text
        else:
            length = len(text_of(el))
            if length == 0:
                continue
            length -= sum(len(text_of(a)) for a in el.iter("a"))
            parent = el.getparent()
            while parent is not None and parent.tag in _LIST_PARTS:  # list text belongs to the list's container
                parent = parent.getparent()
        if length <= 0 or parent is None:
            continue
        key = id(parent)
        nodes[key] = parent
        scores[key] = scores.get(key, 0.0) + length
        grand = parent.getparent()
        if grand is not None:
            gkey = id(grand)
            nodes[gkey] = grand
            scores[gkey] = scores.get(gkey, 0.0) + length / 2
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    return nodes[best]


# -- furniture -----------------------------------------------------------------
@lru_cache(maxsize=32)
def furniture_matcher(selectors: tuple):
    """The profile's furniture selectors as one XPath: one evaluation instead of one per selector."""
    return etree.XPath(" | ".join(f"({sel.path})" for sel in selectors)) if selectors else None


@lru_cache(maxsize=32)
def phrase_matcher(phrases: tuple[str, ...]):
    """(regex finding a phrase anywhere in a text, XPath finding blocks whose text
    starts with a phrase's first word, regex matching a phrase at a text's start)."""
    if not phrases:
        return None, None, None
    firsts = sorted({p.split()[0] for p in phrases if p.split()})
    words = "|" + "|".join(firsts) + "|"
    tags = " or ".join(f"self::{t}" for t in _PHRASE_TAGS)
    # An inline element counts only on its own, not inside running text.
    inline = " or ".join(f"self::{t}" for t in _INLINE_PHRASE_TAGS)
    in_text = " or ".join(f"parent::{t}" for t in _TEXT_BLOCKS)
    first_word = f"substring-before(concat(normalize-space(translate(., '{_NBSP}', ' ')), ' '), ' ')"
    xpath = etree.XPath(
        f"descendant::*[{tags}][not({inline}) or not({in_text})]"
        f"[contains({_literal(words)}, concat('|', {first_word}, '|'))]"
    )
    alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(alternatives), xpath, re.compile(f"^(?:{alternatives})")


def _literal(s: str) -> str:
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in s.split("'")) + ")"


def remove_furniture(region, selectors=(), phrases: tuple[str, ...] = ()) -> int:
    """Strip furniture from inside region (never region itself). Returns how many blocks went."""
    removed = 0
    gone: set[int] = set()
    matcher = furniture_matcher(tuple(selectors))
    for el in matcher(region) if matcher is not None else ():  # document order: outer before inner
        if (el is not region and isinstance(el.tag, str) and el.getparent() is not None
                and not any(id(a) in gone for a in el.iterancestors())):
            gone.add(id(el))
            drop(el)
            removed += 1
    anywhere, xpath, at_start = phrase_matcher(tuple(phrases))
    if xpath is None:
        return removed
    region_text = text_of(region)
    # A block's text is a stretch of its region's text: no phrase in the region, no block to test.
    if not anywhere.search(region_text):
        return removed
    candidates = xpath(region)
    limit = max(_FURNITURE_MIN_CHARS, _FURNITURE_MAX_SHARE * len(region_text))
    gone.clear()
    for el in candidates:  # document order: outer blocks before inner ones
        if any(id(a) in gone for a in el.iterancestors()):
            continue
        text = text_of(el)
        if len(text) <= limit and at_start.match(text):
            gone.add(id(el))
            drop(el)
            removed += 1
    return removed


# -- navigation by general means -------------------------------------------------
# Share rows ("Share this article: Facebook | Twitter | Email") are navigation on any
# site: a short block made only of these words, naming "share" or two networks.
_SHARE_WORDS = frozenset(
    "share this page article story post news appeal on via with us follow facebook twitter x email e mail whatsapp"
    " linkedin print copy link reddit pinterest messenger telegram nextdoor bluesky threads instagram youtube"
    " tiktok sms the".split()
)
_NETWORKS = frozenset("facebook twitter x email whatsapp linkedin reddit pinterest messenger telegram nextdoor"
                      " bluesky threads instagram youtube tiktok print".split())
_NAV_BLOCKS = ("p", "div", "section", "aside", "ul", "ol", "li", "nav", "footer", "span", "h2", "h3", "h4", "dl")
_WORD = re.compile(r"[^\W_]+")
_BACK_LINK = re.compile(r"^(?:back|return|go back)\s+to\b|^(?:more|all|latest|other)\s+news\b|^(?:view|see)\s+all\b",
                        re.I)
_BACK_LINK_MAX_WORDS = 8


def _is_share_row(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    if not words or len(words) > 16 or not set(words) <= _SHARE_WORDS:
        return False
    return "share" in words or len(_NETWORKS.intersection(words)) >= 2


def remove_navigation(region, page_path: str = "") -> int:
    """Strip share rows anywhere in region and links back to a listing at its end. Returns how many went.

    A trailing block that is one short link is a way back when its text says so
    ("Back to news and appeals") or it leads to a folder above the page itself.
    """
    removed = 0
    gone: set[int] = set()
    for el in region.iter(*_NAV_BLOCKS):
        if el is region or any(id(a) in gone for a in el.iterancestors()):
            continue
        if _is_share_row(" ".join(el.itertext())):  # spaced: <li>Facebook</li><li>X</li> are two words
            gone.add(id(el))
            drop(el)
            removed += 1
    while True:
        last = _last_block(region)
        if last is None or not _is_back_link(last, page_path):
            return removed
        drop(last)
        removed += 1


def _last_block(region):
    """The innermost last element holding the region's final text (None if it is the region)."""
    el = region
    while True:
        kids = [c for c in el if isinstance(c.tag, str) and text_of(c)]
        if not kids or (kids[-1].tail or "").strip():
            return el if el is not region else None
        el = kids[-1]
        if el.tag == "a" or el.tag in _TEXT_BLOCKS:
            return el


def _is_back_link(el, page_path: str) -> bool:
    links = [el] if el.tag == "a" else list(el.iter("a"))
    text = text_of(el)
    if len(links) != 1 or text_of(links[0]) != text or len(text.split()) > _BACK_LINK_MAX_WORDS:
        return False
    if _BACK_LINK.match(text):
        return True
    href = (links[0].get("href") or "").split("#")[0].split("?")[0]
    target = href.split("://", 1)[-1].partition("/")[2] if "://" in href else href.lstrip("/")
    here = page_path.strip("/")
    return bool(target.strip("/")) and here.startswith(target.strip("/") + "/")


_HEADED_LEVELS = 3  # the region, its parent, its grandparent
_HEADED_SIBLINGS = 3  # text-holding siblings between the headline and the region (a date line, a standfirst)


def headed_by(region, headline) -> bool:
    """True when the headline is inside region or closely precedes it (a sibling of the region or of one of
    its near ancestors, only a few text blocks before): the page frames the region as the headline's
    article, whatever its markup."""
    if headline is None:
        return False
    if is_inside(headline, region):
        return True
    el = region
    for _ in range(_HEADED_LEVELS):
        seen = 0
        for sib in el.itersiblings(preceding=True):
            if not isinstance(sib.tag, str):
                continue
            if sib is headline or is_inside(headline, sib):
                return True
            if text_of(sib):
                seen += 1
                if seen >= _HEADED_SIBLINGS:
                    break
        el = el.getparent()
        if el is None or el.tag in ("body", "html"):
            return False
    return False
