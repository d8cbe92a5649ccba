"""The body of a page no profile knows, by trafilatura's main-content search.

trafilatura (pure Python, maintained) finds the main text of news pages from
any site more faithfully than our region heuristics (article-extraction
benchmark: word F1 0.95 against 0.87). It gives its result as HTML, which our
Markdown converter turns into the body like any region. Pure: no network, no
files; the page's tree is serialised once and trafilatura parses its own copy.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from lxml import etree

FOUND_BY = "fallback:trafilatura"


def main_content(doc, url: str):
    """The page's main content as an HTML <body> element (a new tree), or None when trafilatura finds none."""
    import trafilatura  # imported on first use: pages a profile knows never pay for it
    from trafilatura.htmlprocessing import convert_to_html

    page = etree.tostring(doc, method="html", encoding="unicode")
    try:
        # Our Markdown keeps links, emphasis and tables; comments are not body text; images keep captions.
        found = trafilatura.bare_extraction(page, url=url, output_format="html", with_metadata=False,
                                            include_links=True, include_formatting=True, include_tables=True,
                                            include_images=True, include_comments=False)
    except (ValueError, TypeError, etree.LxmlError):  # a page it cannot read is a page without main content
        return None
    main = getattr(found, "body", None)  # a Document (not as_dict)
    if main is None or not len(main):
        return None
    html = convert_to_html(main)
    body = next(html.iter("body"), html)
    # Only links (a menu, what is left of an empty page): no main content.
    return body if linked_share(body) < 1 else None


def linked_share(el) -> float:
    """How much of el's text is link text (0..1)."""
    text = len("".join(el.itertext()).strip())
    linked = sum(len("".join(a.itertext()).strip()) for a in el.iter("a"))
    return min(1.0, linked / text) if text else 1.0


def drop_own_blocks(blocks: list[str], own_elements) -> list[str]:
    """The blocks without the leading ones that repeat the page's headline or date line (fields of their own,
    not body text). The date line may have been widened to a header holding both: a block inside one counts."""
    from herts_scraper.extract.content import text_of

    texts = [" ".join(_WORD.findall(text_of(el))) for el in own_elements if el is not None]
    texts = [t for t in texts if t]
    start = 0
    while start < len(blocks):
        words = " ".join(_WORD.findall(blocks[start]))
        if not words or not any(words in t for t in texts):
            break
        start += 1
    return blocks[start:]


_WORD = re.compile(r"[^\W_]+")
_ADDRESS = re.compile(r" \((?:https?|mailto|tel):[^)\s]*\)")  # a link's address in our Markdown: not text
AGREEMENT = 0.97
# On short pages trafilatura drops short blocks (a list of headings): there, a region of ours that holds
# all of its words and not too many more is the same body, completer.
SHORT_WORDS = 150
CONTAINS = 0.98
LARGER_AT_MOST = 2.0


def body_words(blocks: list[str]) -> Counter:
    return Counter(w.lower() for b in blocks for w in _WORD.findall(_ADDRESS.sub("", b)))


def word_f1(a: Counter, b: Counter) -> float:
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def agrees(ours: list[str], theirs: list[str]) -> bool:
    """Our region stands: much the same words as trafilatura's, or (a short page) all of them and not many
    more."""
    if not ours:
        return False
    mine, found = body_words(ours), body_words(theirs)
    if word_f1(mine, found) >= AGREEMENT:
        return True
    size, their_size = sum(mine.values()), sum(found.values())
    return 0 < their_size <= SHORT_WORDS and sum((mine & found).values()) >= CONTAINS * their_size \
        and size <= LARGER_AT_MOST * their_size



def ours_stands(ours: list[str], theirs: list[str], *, framed: bool = False, own: Sequence[str] = (),
                their_links: float = 0.0) -> bool:
    """Our region stands against trafilatura's main content when

    - the two agree (agrees);
    - trafilatura gave one block holding the headline or the date line: its last resort, the page's whole
      text, not its main content;
    - the page frames our region as its article (framed: a page of the profile's own site whose headline is
      inside or just before the region) and trafilatura's words are (nearly) all inside it: trafilatura
      drops short blocks our region rightly keeps (a list of headings), or mostly links (their_links: the
      share of link text in trafilatura's content; it took a list of other stories for a short article).
    """
    if not ours:
        return False
    if agrees(ours, theirs) or _whole_page(theirs, own):
        return True
    if not framed:
        return False
    if their_links >= LINKED_AT_LEAST:
        return True
    # The headline and the date line are fields of their own, wherever trafilatura left them.
    mine, found = body_words(ours), body_words(theirs) - body_words(list(own))
    return sum((mine & found).values()) >= FRAMED_CONTAINS * sum(found.values())


FRAMED_CONTAINS = 0.95
LINKED_AT_LEAST = 0.5


def _whole_page(theirs: list[str], own: Sequence[str]) -> bool:
    if len(theirs) != 1:
        return False
    words = " ".join(_WORD.findall(_ADDRESS.sub("", theirs[0]).lower()))
    return any(t and t in words for t in (" ".join(_WORD.findall(o.lower())) for o in own))
