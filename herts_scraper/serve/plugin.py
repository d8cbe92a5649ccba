"""The Datasette plugin `herts-scraper serve` relies on (registered as the `datasette` entry point
`herts_scraper`, so a plain `datasette archive/herts.db` has it too): the archive's SQL functions
on every connection Datasette opens."""

from __future__ import annotations

import re

from datasette import hookimpl

from herts_scraper.archive.schema import register_functions

_WORD = re.compile(r"\w+")


def fts_terms(text: str | None) -> str:
    """Plain words as an FTS5 query that needs every one of them: each word quoted, so that
    punctuation and FTS5's operators in the text are searched for, never parsed. No words: an
    empty phrase, which matches nothing (an empty query would be a syntax error)."""
    return " ".join(f'"{word}"' for word in _WORD.findall(text or "")) or '""'


@hookimpl
def prepare_connection(conn):
    # A page in another charset than UTF-8 reads with replacement characters in article_pages,
    # where Python's default would fail the whole page of rows.
    conn.text_factory = lambda data: data.decode("utf-8", "replace")
    register_functions(conn)
    conn.create_function("fts_terms", 1, fts_terms, deterministic=True)
