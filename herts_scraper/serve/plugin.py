"""The Datasette plugin `herts-scraper serve` relies on (registered as the `datasette` entry point
`herts_scraper`, so a plain `datasette archive/herts.db` has it too): the archive's SQL functions
on every connection Datasette opens, and those of the canned queries (fts_terms: a search's
words as FTS5 terms; distance_km: between two points, for "appeals near a place"); and the facets
and filters on articles' kinds, offences and places (facets.py)."""

from __future__ import annotations

from datasette import hookimpl

from herts_scraper.analysis.geo import distance_km
from herts_scraper.analysis.search import fts_terms  # the one definition, `herts-scraper search`'s too
from herts_scraper.archive.schema import register_functions
from herts_scraper.serve.facets import filters_from_request, register_facet_classes  # hooks of their own

__all__ = ["filters_from_request", "fts_terms", "prepare_connection", "register_facet_classes"]


@hookimpl
def prepare_connection(conn):
    # A page in another charset than UTF-8 reads with replacement characters in article_pages,
    # where Python's default would fail the whole page of rows.
    conn.text_factory = lambda data: data.decode("utf-8", "replace")
    register_functions(conn)
    conn.create_function("fts_terms", 1, fts_terms, deterministic=True)
    conn.create_function("distance_km", 4, distance_km, deterministic=True)
