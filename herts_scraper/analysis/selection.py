"""Which articles an analyst's command covers: its filters, checked against the archive, as SQL
conditions on article rowids (articles.rowid, articles_fts's rowid, article_facets.article).

Every filter goes through an index of article_facets or latest_facts, each article's latest
version: a kind, an offence or a place is one range of latest_facts' (field, value, article)
index; a force or a date range, one of article_facets' indexes. A value the archive does not
hold is an error that says what it holds, not an empty answer.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from herts_scraper.archive import schema
from herts_scraper.archive.schema import ARTICLE_FACETS, LATEST_FACTS
from herts_scraper.archive.store import Archive, ArchiveError

SHOWN = 12  # values listed in an error message


class AnalysisError(ValueError):
    """A command's input that cannot be answered: one line saying why."""


@dataclass
class Selection:
    """The filters of a command, as given: each list is any of its values; the lists, all of them.
    Dates: YYYY, YYYY-MM or YYYY-MM-DD, `since` from the start of that period, `until` to its end."""

    forces: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    offences: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None


def open_archive(path: str | Path) -> Archive:
    """The archive, read-only, with the tables analysis reads: an archive of an older release is
    brought up to date first (as `herts-scraper serve` does), which takes writing it once."""
    path = Path(path)
    if path.is_dir():
        raise AnalysisError(f"--db {path} is a folder; give the archive file (such as {path / 'herts.db'})")
    if not path.exists():
        raise AnalysisError(f"no archive at {path} (run a crawl first, or give --db)")
    archive = Archive(path, readonly=True)
    if not schema.pending(archive.db):
        return archive
    archive.close()
    try:
        Archive(path).close()
    except ArchiveError as exc:
        raise ArchiveError(f"the archive needs upgrading before analysis, and cannot be: {exc}") from None
    return Archive(path, readonly=True)


def day_range(text: str, end: bool) -> str:
    """The first (or, `end`, the last) day of YYYY, YYYY-MM or YYYY-MM-DD, as YYYY-MM-DD."""
    found = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text.strip())
    try:
        if not found:
            raise ValueError
        year, month, day = int(found[1]), int(found[2] or (12 if end else 1)), found[3]
        if day is None:
            day = calendar.monthrange(year, month)[1] if end else 1
        return dt.date(year, month, int(day)).isoformat()
    except ValueError:
        raise AnalysisError(f"{text!r} is not a date: give YYYY-MM-DD, YYYY-MM or YYYY") from None


def _listed(values: list[str]) -> str:
    more = f", ... ({len(values)} in all)" if len(values) > SHOWN else ""
    return ", ".join(values[:SHOWN]) + more


class Resolved:
    """A selection checked against one archive, and the articles it selects (a context manager:
    leaving it drops the temporary table `member` may make)."""

    _serial = itertools.count(1)
    COUNTED = 20_000  # filters holding more are all "large": the likely narrowest of them drives (_LIKELY)

    def __init__(self, archive: Archive, selection: Selection):
        self.db = archive.db
        self.table = f"selected_articles_{next(self._serial)}"  # temporary: on the connection only
        self.kept: list[str] = []  # temporary tables of `keep`
        self.filters: list[tuple[str, str, list]] = []  # (table, condition, params): the articles of one filter
        self.areas = [self._area(name) for name in selection.forces]
        since = day_range(selection.since, end=False) if selection.since else None
        until = day_range(selection.until, end=True) if selection.until else None
        if since and until and since > until:
            raise AnalysisError(f"--since {selection.since} is after --until {selection.until}")
        # Forces and dates: one range of article_facets' (area, published_date) index, or (published_date)'s.
        given: list[tuple[str, list[str | None]]] = [
            (f"area in ({_marks(self.areas)})", list(self.areas)), ("published_date >= ?", [since]),
            ("published_date <= ?", [until])]
        article_conditions = [(sql, params) for sql, params in given if params and params[0]]
        if article_conditions:
            self.filters.append((ARTICLE_FACETS.name, " and ".join(sql for sql, _ in article_conditions),
                                 [p for _, params in article_conditions for p in params]))
        for fact_field, values, option in (("kinds", selection.kinds, "--kind"),
                                           ("offences", selection.offences, "--offence")):
            if values:
                self._facts(fact_field, [self._value(fact_field, v, option) for v in values])
        if selection.places:
            self._facts("places", [name for v in selection.places for name in self._place(v)])
        self.filters.sort(key=_likely_size)  # among filters counted large alike, the likely narrowest first
        self._filled = False
        self._counted: list[int] | None = None

    def member(self, article: str, rows: int | None = None) -> tuple[str, list]:
        """(SQL, params) that hold for the selected articles, `article` their rowid column; ("1", [])
        when nothing is filtered. With `rows` (how many rows will be tested) fewer than the articles
        of the narrowest filter, each filter is an index search per row. Otherwise the selection is
        made once into a temporary table, read from the narrowest filter's index range, the others
        tested on each of its rows: testing a row is then one search, and no statement builds a list
        of its own (as an IN subquery would, again in every statement)."""
        if not self.filters:
            return "1", []
        sizes = self._sizes()
        if rows is not None and rows * len(self.filters) < min(sizes):
            return (" and ".join(f"exists (select 1 from [{table}] where {condition} and article = {article})"
                                 for table, condition, _ in self.filters),
                    [p for _, _, params in self.filters for p in params])
        if not self._filled:
            ordered = [f for _, f in sorted(zip(sizes, self.filters, strict=True), key=lambda pair: pair[0])]
            (table, condition, _), *others = ordered
            tests = "".join(f" and exists (select 1 from [{t}] where {c} and article = first.article)"
                            for t, c, _ in others)
            self._temporary(self.table, f"select first.article from [{table}] first where {condition}{tests}",
                            [p for _, _, params in ordered for p in params])
            self._filled = True
        return f"+{article} in temp.{self.table}", []  # the plus: a test of each row, never a constraint given to FTS5

    def keep(self, rowids: str, params: list) -> tuple[str, int]:
        """The rowids a query selects, kept in a temporary table for the statements that follow
        (one search, then counts and ranking read it): (the SQL that tests `rowid` against it, how
        many there are)."""
        name = f"{self.table}_kept_{len(self.kept) + 1}"
        self._temporary(name, rowids, params)
        self.kept.append(name)
        return f"+rowid in temp.{name}", self.db.execute(f"select count(*) from temp.{name}").fetchone()[0]

    def _temporary(self, name: str, rows: str, params: list) -> None:
        self.db.execute("pragma temp_store = memory")  # nothing written beside the archive
        self.db.execute(f"create temp table {name} (article integer primary key)")
        self.db.execute(f"insert or ignore into temp.{name} {rows}", params)

    def _sizes(self) -> list[int]:
        """How many rows each filter's index range holds, counted from the index alone up to COUNTED
        (counting every appeal of 100,000 articles took 3.4 ms of CPU; up to 20,000, 0.2 ms)."""
        if self._counted is None:
            self._counted = [self.db.execute(f"select count(*) from (select 1 from [{table}] where {condition} "
                                             f"limit {self.COUNTED})", params).fetchone()[0]
                             for table, condition, params in self.filters]
        return self._counted

    def __enter__(self) -> Resolved:
        return self

    def __exit__(self, *exc) -> None:
        for name in ([self.table] if self._filled else []) + self.kept:
            self.db.execute(f"drop table temp.{name}")
        self._filled, self.kept = False, []

    def _facts(self, fact_field: str, values: list[str]) -> None:
        self.filters.append((LATEST_FACTS.name, f"field = ? and value in ({_marks(values)})", [fact_field, *values]))

    def _has(self, fact_field: str, value: str) -> bool:
        return self.db.execute(f"select 1 from [{LATEST_FACTS.name}] where field = ? and value = ? limit 1",
                               [fact_field, value]).fetchone() is not None

    def _values(self, fact_field: str) -> list[str]:
        """The values of a field in the archive, most articles first."""
        return [v for (v,) in self.db.execute(
            f"select value from [{LATEST_FACTS.name}] where field = ? group by value order by count(*) desc, value",
            [fact_field])]

    def _value(self, fact_field: str, value: str, option: str) -> str:
        """A kind or offence group as the archive writes it (in any case)."""
        if self._has(fact_field, value):
            return value
        known = self._values(fact_field)
        same = [v for v in known if v.casefold() == value.strip().casefold()]
        if same:
            return same[0]
        if not known:
            raise AnalysisError(f"{option} {value}: no article of the archive has {fact_field} yet "
                                "(`herts-scraper reparse --fields-only` extracts them)")
        raise AnalysisError(f"{option} {value}: no article of the archive has it; {fact_field} there: {_listed(known)}")

    def _place(self, name: str) -> list[str]:
        """The places of the archive named `name`, whatever its case."""
        if self._has("places", name):
            return [name]
        known = self._values("places")
        same = [v for v in known if v.casefold() == name.strip().casefold()]
        if same:
            return same
        folded = {v.casefold(): v for v in known}
        near = [folded[v] for v in difflib.get_close_matches(name.strip().casefold(), list(folded), n=3, cutoff=0.75)]
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise AnalysisError(f"--place {name}: no article of the archive is about a place of that name{hint}")

    def _area(self, name: str) -> str:
        """A force's area in the archive, from its area (in any case) or its profile's name."""
        if self.db.execute(f"select 1 from [{ARTICLE_FACETS.name}] where area = ? limit 1", [name]).fetchone():
            return name
        areas = [a for (a,) in self.db.execute(
            f"select distinct area from [{ARTICLE_FACETS.name}] where area is not null order by area")]
        same = [a for a in areas if a.casefold() == name.strip().casefold()]
        if same:
            return same[0]
        from herts_scraper.profiles import ProfileError, bundled_profiles, load_profile

        if name in bundled_profiles():
            try:
                area = load_profile(name).area
            except ProfileError:
                area = ""
            if area in areas:
                return area
            if area:
                raise AnalysisError(f"--force {name}: the archive has no article of {area}")
        raise AnalysisError(f"--force {name}: no force of that area or profile name in the archive; "
                            f"areas there: {_listed(areas) or 'none'}")


def _likely_size(flt: tuple[str, str, list]) -> int:
    """A filter's rank by how many articles it likely keeps: a place, a force, an offence, a kind,
    dates alone (often most of the archive)."""
    table, condition, params = flt
    if table == ARTICLE_FACETS.name:
        return 1 if condition.startswith("area") else 4
    return {"places": 0, "offences": 2, "kinds": 3}.get(params[0], 3)


def _marks(values: list) -> str:
    return ", ".join("?" * len(values))
