"""The command-line side of `herts-scraper search`, `stats` and `plot`: their options (cli.py's
parser calls add_* here) and what each prints. cli.py turns AnalysisError into its one-line error."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from herts_scraper.analysis import output
from herts_scraper.analysis.selection import AnalysisError, Selection, open_archive

SEARCH_COLUMNS = ("url", "title", "published", "area", "kinds", "places", "snippet", "score")


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """The filters every analysis command takes (each repeatable: any of its values)."""
    parser.add_argument("--force", action="append", metavar="F",
                        help="only this force: its area (Hertfordshire) or profile name (hertfordshire); repeatable "
                             "(default: every force)")
    parser.add_argument("--kind", action="append", metavar="K",
                        help="only articles of this kind (appeal, arrest, charge, court, ...); repeatable "
                             "(default: every kind)")
    parser.add_argument("--offence", action="append", metavar="O",
                        help="only articles about this offence group (burglary, robbery, ...); repeatable "
                             "(default: any or none)")
    parser.add_argument("--place", action="append", metavar="P",
                        help="only articles about this place (any case); repeatable (default: anywhere)")
    parser.add_argument("--since", metavar="D",
                        help="published on or after D: YYYY-MM-DD, YYYY-MM or YYYY (default: from the first)")
    parser.add_argument("--until", metavar="D",
                        help="published on or before D, to the end of a month or year (default: to the last)")


def selection_of(args: argparse.Namespace) -> Selection:
    return Selection(forces=args.force or [], kinds=args.kind or [], offences=args.offence or [],
                     places=args.place or [], since=args.since, until=args.until)


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=output.FORMATS, default="table",
                        help="a table to read, CSV (one header line; pandas.read_csv), or JSON")


# -- search ------------------------------------------------------------------------------
def add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="+", help="the words to find (every one of them; stemmed: burglaries "
                                                 "finds burglary); punctuation and search syntax are plain text")
    add_selection_options(parser)
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="the best N matches; 0 for every one")
    add_format_option(parser)


def run_search(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from herts_scraper.analysis.search import search

    if args.limit < 0:
        raise AnalysisError("--limit must be 0 (every match) or more")
    query = " ".join(args.query)
    with open_archive(args.db) as archive:
        found = search(archive, query, selection_of(args), limit=args.limit or None)
    rows = [{c: getattr(hit, c) for c in SEARCH_COLUMNS} for hit in found.hits]
    if args.format != "table":
        output.write_rows(rows, SEARCH_COLUMNS, args.format, out)
        return 0
    shown = f" (the best {len(rows)})" if len(rows) < found.total else ""
    out.write(f"{found.total} article{'s' if found.total != 1 else ''} match {query!r}{shown}\n")
    for n, hit in enumerate(found.hits, 1):
        date = (hit.published or "")[:10] or "undated"
        out.write(f"\n{n:>3}. {hit.title or '(no title)'}\n")
        facts = "; ".join(f"{name}: {', '.join(values)}" for name, values in (("kinds", hit.kinds),
                                                                              ("places", hit.places)) if values)
        out.write(f"     {date}  {hit.area or '-'}  score {hit.score:.2f}{'  ' + facts if facts else ''}\n")
        if hit.snippet:
            out.write(f"     {hit.snippet}\n")
        out.write(f"     {hit.url}\n")
    return 0


# -- stats -------------------------------------------------------------------------------
def add_stats_options(parser: argparse.ArgumentParser) -> None:
    from herts_scraper.analysis.stats import BY

    parser.add_argument("--by", choices=BY, default="month", help="what to count articles by")
    add_selection_options(parser)
    add_format_option(parser)


def run_stats(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from herts_scraper.analysis.stats import stats

    with open_archive(args.db) as archive:
        counts = stats(archive, args.by, selection_of(args))
    output.write_rows(counts.rows, counts.columns, args.format, out)
    return 0


# -- plot ------------------------------------------------------------------------------------
def add_plot_options(parser: argparse.ArgumentParser) -> None:
    from herts_scraper.analysis.charts import CHARTS, TOP

    parser.add_argument("what", choices=list(CHARTS), metavar="WHAT",
                        help="the chart: " + "; ".join(f"{name}: {about}" for name, (_, about) in CHARTS.items()))
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="FILE.png or FILE.svg: an image; FILE.txt, or - for standard output: the chart as text")
    add_selection_options(parser)
    parser.add_argument("--top", type=int, default=TOP, metavar="N", help="places on the chart of appeals by place")


def run_plot(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from herts_scraper.analysis import charts

    form = charts.check_out(args.out)
    if args.top < 1:
        raise AnalysisError("--top must be 1 or more")
    with open_archive(args.db) as archive:
        chart = charts.chart(archive, args.what, selection_of(args), args.top)
    if form == "text":
        if args.out == "-":
            out.write(charts.text(chart))
            return 0
        written = _write(args.out, lambda: open(args.out, "w", encoding="utf-8").write(charts.text(chart)))
    else:
        figure = charts.figure(chart)
        written = _write(args.out, lambda: figure.savefig(args.out, format=form, dpi=charts.DPI))
    print(f"{args.what}: {written}", file=out)
    return 0


def _write(path: str, write) -> str:
    try:
        write()
    except OSError as exc:
        raise AnalysisError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
