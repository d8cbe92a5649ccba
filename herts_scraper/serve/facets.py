"""Facets and filters on the articles' kinds, offences and places in Datasette, fast at 100,000
articles: the facet "fact" (metadata `facets: [{fact: kinds}]`, or `?_facet_fact=kinds`) and the
filters `?_kinds=appeal&_places=Watford` of the table article_facets.

Why not Datasette's own array facet on article_facets' JSON lists: it deduplicates
`distinct j.value, inner.*`, every row of the table with every value of its list, which takes
0.2 to 0.4 s at 100,000 articles, past Datasette's 0.2 s facet time limit (the facet is then left
out). These read latest_facts instead, one row per fact of each article's latest version, whose
(field, value, article) index gives a facet's counts and a filter's articles directly: 10 to 100
ms at 100,000 articles (bench archive), and the filters combine with every other filter and facet.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

from herts_scraper.archive.schema import ARTICLE_FACETS, FACET_FIELDS, LATEST_FACTS

TYPE = "fact"


def _param(field: str) -> str:
    return f"_{field}"  # ?_kinds=appeal


class FactFacet(Facet):
    """Counts of articles by each value of a fact field (kinds, offences, places), among the
    articles the table's page selects."""

    type = TYPE

    async def suggest(self):
        return []

    async def facet_results(self):
        results: list[dict] = []
        timed_out: list[str] = []
        if self.table != ARTICLE_FACETS.name:
            return results, timed_out
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        # The page's own selection (its filters, search): none, and every article counts.
        selected = "" if " where " not in f" {self.sql.lower()} " else \
            f"and article in (select article from ({self.sql}))"
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            field = config.get("field") or config["simple"]
            if field not in FACET_FIELDS:
                continue
            sql = (f"select value, count(*) as count from [{LATEST_FACTS.name}] where field = '{field}' {selected} "
                   f"group by value order by count desc, value limit {size + 1}")
            try:
                rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except Exception as exc:  # Datasette's QueryInterrupted: the facet took too long
                if type(exc).__name__ != "QueryInterrupted":
                    raise
                timed_out.append(field)
                continue
            values = []
            for row in rows.rows[:size]:
                pair = (_param(field), str(row["value"]))
                chosen = pair in pairs
                path = (path_with_removed_args(self.request, {pair[0]: pair[1]}) if chosen
                        else path_with_added_args(self.request, {pair[0]: pair[1]}))
                values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                               "selected": chosen})
            results.append({"name": field, "type": self.type, "results": values,
                            "hideable": source_and_config["source"] != "metadata",
                            "toggle_url": self.ds.urls.path(
                                path_with_removed_args(self.request, {f"_facet_{TYPE}": field})),
                            "truncated": len(rows.rows) > size})
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [FactFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    """?_kinds=appeal&_places=Watford on article_facets: articles with every value given."""
    if table != ARTICLE_FACETS.name:
        return None
    clauses, params, described = [], {}, []
    for field in FACET_FIELDS:
        for i, value in enumerate(request.args.getlist(_param(field))):
            name = f"fact_{field}_{i}"
            clauses.append(f"article in (select article from [{LATEST_FACTS.name}] "
                           f"where field = '{field}' and value = :{name})")
            params[name] = value
            described.append(f'{field} includes "{value}"')
    return FilterArguments(clauses, params=params, human_descriptions=described) if clauses else None
