"""`herts-scraper stats`: how many articles there are by month, force, kind, offence or place,
and how many of each kind in each of those groups (appeals, charges, court results, ...).

Counts are of articles, each in its latest version: an article of several kinds counts once in
`articles` and once under each of its kinds; one about two places counts under each. Rows are
tidy (one per group, one column per count): `pandas.read_csv` takes the CSV as it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from herts_scraper.analysis.selection import Resolved, Selection
from herts_scraper.archive.schema import ARTICLE_FACETS, LATEST_FACTS
from herts_scraper.archive.store import Archive

BY = ("month", "force", "kind", "offence", "place")
UNDATED = None  # the month of an article with no publication date


@dataclass(frozen=True)
class Grouping:
    columns: tuple[str, ...]  # the group's own columns
    select: str  # their SQL, in that order, over article_facets `af`, or latest_facts `t` (fact_field's rows)
    fact_field: str | None = None


GROUPINGS = {
    "month": Grouping(("month",), "substr(af.published_date, 1, 7)"),
    "force": Grouping(("force",), "af.area"),
    "kind": Grouping(("kind",), "t.value", "kinds"),
    "offence": Grouping(("offence",), "t.value", "offences"),
    "place": Grouping(("place", "latitude", "longitude"), "t.value, t.latitude, t.longitude", "places"),
}


@dataclass
class Counts:
    columns: list[str]
    rows: list[dict]


def archive_kinds(archive: Archive) -> list[str]:
    """The kinds the archive's articles have, most common first: the same columns whatever is selected."""
    return [v for (v,) in archive.db.execute(
        f"select value from [{LATEST_FACTS.name}] where field = 'kinds' group by value order by count(*) desc, value")]


def stats(archive: Archive, by: str = "month", selection: Selection | None = None) -> Counts:
    """Articles per group (`by`: one of BY), with a column per kind where the group is not the kind."""
    grouping = GROUPINGS[by]
    width = len(grouping.columns)
    keys = ", ".join(str(i + 1) for i in range(width))
    with Resolved(archive, selection or Selection()) as resolved:
        if grouping.fact_field:  # the field's range of latest_facts, read in index order
            source, alias = f"[{LATEST_FACTS.name}] t", "t"
            member, params = resolved.member("t.article")
            where = f"t.field = '{grouping.fact_field}' and {member}"
        else:
            source, alias = f"[{ARTICLE_FACETS.name}] af", "af"
            where, params = resolved.member("af.article")
        counted = archive.db.execute(
            f"select {grouping.select}, count(*) from {source} where {where} group by {keys}", params).fetchall()
        kinds = archive_kinds(archive) if by != "kind" else []
        by_kind: dict[tuple, dict[str, int]] = defaultdict(dict)
        if kinds:
            for *group, kind, n in archive.db.execute(
                    f"select {grouping.select}, k.value, count(*) from {source} "
                    f"join [{LATEST_FACTS.name}] k on k.article = {alias}.article and k.field = 'kinds' "
                    f"where {where} group by {keys}, {width + 1}", params):
                by_kind[tuple(group)][kind] = n
    rows = [{**dict(zip(grouping.columns, group, strict=True)), "articles": n,
             **{kind: by_kind[tuple(group)].get(kind, 0) for kind in kinds}}
            for *group, n in counted]
    first = grouping.columns[0]
    if by == "month":  # in time order, the undated last
        rows.sort(key=lambda row: (row["month"] is UNDATED, row["month"] or ""))
    else:  # the most articles first
        rows.sort(key=lambda row: (-row["articles"], str(row[first])))
    return Counts([*grouping.columns, "articles", *kinds], rows)
