"""`herts-scraper search`: the archive's full-text index (articles_fts: title, description and
body, porter stemming) searched for every word of a query, best match first, with a snippet.

How a query becomes FTS5 terms is fts_terms, the one definition: Datasette's `search` query uses
it too (serve/plugin.py registers it as an SQL function). The ranking is the one that query has:
articles with every word in the title first, then by BM25 with the title weighing most
(BM25_WEIGHTS: title, description, body); `score` is minus the BM25 value, higher is better.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from herts_scraper.analysis.selection import AnalysisError, Resolved, Selection
from herts_scraper.archive.schema import ARTICLE_FACETS
from herts_scraper.archive.store import Archive

FTS = "articles_fts"
BM25_WEIGHTS = (10.0, 3.0, 1.0)  # title, description, body (metadata.yaml's search query has the same)
SNIPPET_TOKENS = 16
SNIPPET_COLUMNS = (2, 1, 0)  # articles_fts's body, description, title: the first with a match gives the snippet
HIGHLIGHT = ("[", "]")  # around each matched word in a snippet, as in Datasette's search query
_WORD = re.compile(r"\w+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")  # what the index's tokenizer keeps (an underscore separates)


def fts_terms(text: str | None) -> str:
    """Plain words as an FTS5 query that needs every one of them: each word quoted, so that
    punctuation and FTS5's operators in the text are searched for, never parsed. No words: an
    empty phrase, which matches nothing (an empty query would be a syntax error)."""
    return " ".join(f'"{word}"' for word in _WORD.findall(text or "")) or '""'


def title_terms(terms: str) -> str:
    """The same terms, all of them in the title."""
    return "{title} : (" + terms + ")"


@dataclass
class Hit:
    url: str
    title: str | None
    published: str | None
    area: str | None
    kinds: list[str]
    places: list[str]
    snippet: str
    score: float


@dataclass
class Found:
    total: int  # every article that matches
    hits: list[Hit]  # the best `limit` of them, best first


def search(archive: Archive, query: str, selection: Selection | None = None, limit: int | None = 20) -> Found:
    """The articles matching every word of `query` within the selection, best first (`limit` of
    them; None for all), with how many match in all."""
    if not _LETTER_OR_DIGIT.search(query or ""):
        raise AnalysisError(f"nothing to search for in {query!r}: give a word or more")
    terms = fts_terms(query)
    with Resolved(archive, selection or Selection()) as resolved:
        db = archive.db
        total = db.execute(f"select count(*) from {FTS} where {FTS} match ?", [terms]).fetchone()[0]
        member, params = resolved.member(f"{FTS}.rowid", total)
        if member != "1":  # the filtered matches, found once for the counts and the ranking below
            member, total = resolved.keep(f"select rowid from {FTS} where {FTS} match ? and {member}",
                                          [terms, *params])
            params = []
        if not total:
            return Found(0, [])
        titled = f"select rowid from {FTS} where {FTS} match ? and {member}"  # all the words in the title
        titled_params = [title_terms(terms), *params]
        in_title = db.execute(f"select count(*) from ({titled})", titled_params).fetchone()[0]
        weights = ", ".join(map(str, BM25_WEIGHTS))
        if limit is not None and in_title >= limit:
            # The best are all title matches: BM25 is computed for those alone (for a common word,
            # a fraction of the matches: the time of a search is mostly that computation).
            ranked = db.execute(
                f"select rowid, bm25({FTS}, {weights}) as rank from {FTS} where {FTS} match ? "
                f"and +rowid in ({titled}) order by rank, rowid limit ?", [terms, *titled_params, limit])
        else:
            ranked = db.execute(
                f"select rowid, bm25({FTS}, {weights}) as rank from {FTS} where {FTS} match ? and {member} "
                f"order by rowid in ({titled}) desc, rank, rowid limit ?",
                [terms, *params, *titled_params, -1 if limit is None else limit])
        return Found(total, _hits(archive, terms, ranked.fetchall()))


def _hits(archive: Archive, terms: str, ranked: list[tuple[int, float]]) -> list[Hit]:
    """The articles of `ranked` (rowid, bm25), in that order, with their snippets and facts."""
    rowids = [article for article, _ in ranked]
    marks = ", ".join("?" * len(rowids))
    # From the body where the words are there, else the description, else the title (shown anyway).
    columns = ", ".join(f"snippet({FTS}, {i}, ?, ?, ' ... ', {SNIPPET_TOKENS})" for i in SNIPPET_COLUMNS)
    snippets = {rowid: next((s for s in texts if s and HIGHLIGHT[0] in s), texts[-1])
                for rowid, *texts in archive.db.execute(
                    f"select rowid, {columns} from {FTS} where {FTS} match ? and rowid in ({marks})",
                    [*HIGHLIGHT * len(SNIPPET_COLUMNS), terms, *rowids])}
    rows = {row[0]: row[1:] for row in archive.db.execute(
        f"select a.rowid, a.url, a.title, a.published, a.area, f.kinds, f.places from articles a "
        f"left join [{ARTICLE_FACETS.name}] f on f.article = a.rowid where a.rowid in ({marks})", rowids)}
    return [Hit(url, title, published, area, json.loads(kinds or "[]"), json.loads(places or "[]"),
                " ".join((snippets.get(article) or "").split()), -rank)
            for article, rank in ranked
            for url, title, published, area, kinds, places in [rows[article]]]
