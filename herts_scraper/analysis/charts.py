"""`herts-scraper plot`: charts of the archive's articles, drawn with matplotlib (PNG or SVG), and
the same charts as text (a terminal, a README).

Each chart is first a Chart: its title, axis labels and numbers, from `stats` (so a chart and
`herts-scraper stats` never disagree); `figure` draws it, `text` writes it. Matplotlib is
imported only to draw: the text form needs none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from herts_scraper.analysis.selection import AnalysisError, Resolved, Selection
from herts_scraper.analysis.stats import stats
from herts_scraper.archive.store import Archive

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FIGSIZE = (10.0, 5.6)  # inches: 1000 x 560 pixels at DPI
DPI = 100
TEXT_WIDTH = 50  # characters of the longest bar
TOP = 15  # places on the chart of appeals by place
# The text form's fill for each series of a stacked bar, in order; one series: the first.
FILLS = ("█", "▓", "▒", "░", "#", "=", "+", "~", ":", ".", "o", "*", "x", "%")
OTHERS = "other forces"


@dataclass
class Chart:
    title: str
    xlabel: str
    ylabel: str
    style: str  # "stacked" (bars, series on top of each other), "bars" (side by side), "lines"
    categories: list[str]  # along the x axis (or the y axis of horizontal bars)
    series: dict[str, list[float]]  # name: a value per category
    horizontal: bool = False
    unit: str = ""  # after each value in the text form ("%")
    notes: list[str] = field(default_factory=list)


def _scope(archive: Archive, selection: Selection) -> str:
    """What the chart covers, for its title: forces and dates."""
    parts = []
    if selection.forces:
        with Resolved(archive, Selection(forces=selection.forces)) as resolved:
            parts.append(" and ".join(resolved.areas))
    if selection.since or selection.until:
        parts.append(f"{selection.since or 'the first'} to {selection.until or 'the last'}")
    return f" ({', '.join(parts)})" if parts else ""


def kinds_by_month(archive: Archive, selection: Selection, top: int) -> Chart:
    counts = stats(archive, "month", selection)
    kinds = counts.columns[2:]
    rows = [row for row in counts.rows if row["month"] is not None]
    if not kinds or not rows:
        raise AnalysisError("nothing to plot: no dated article of the selection has kinds "
                            "(`herts-scraper reparse --fields-only` extracts them)")
    return Chart(f"Articles per month by kind{_scope(archive, selection)}", "month",
                 "articles (counted under each of their kinds)", "stacked", [row["month"] for row in rows],
                 {kind: [row[kind] for row in rows] for kind in kinds})


def appeals_by_place(archive: Archive, selection: Selection, top: int) -> Chart:
    counts = stats(archive, "place", replace(selection, kinds=["appeal"]))
    by_name: dict[str, int] = {}
    for row in counts.rows:  # places of one name and several coordinates: one bar
        by_name[row["place"]] = by_name.get(row["place"], 0) + row["articles"]
    ranked = sorted(by_name.items(), key=lambda item: (-item[1], item[0]))[:top]
    if not ranked:
        raise AnalysisError("nothing to plot: no appeal of the selection names a place")
    return Chart(f"Appeals by place, the top {len(ranked)}{_scope(archive, selection)}", "appeals", "place",
                 "bars", [name for name, _ in ranked], {"appeals": [n for _, n in ranked]}, horizontal=True)


def _forces_and_others(archive: Archive, selection: Selection) -> tuple[list[str], list[str]]:
    if not selection.forces:
        raise AnalysisError("this chart compares forces: give one or more with --force")
    with Resolved(archive, Selection(forces=selection.forces)) as resolved:
        chosen = list(dict.fromkeys(resolved.areas))
    everyone = [row["force"] for row in stats(archive, "force", replace(selection, forces=[])).rows]
    return chosen, [area for area in everyone if area not in chosen]


def force_by_month(archive: Archive, selection: Selection, top: int) -> Chart:
    chosen, others = _forces_and_others(archive, selection)
    every = {row["month"]: row["articles"] for row in stats(archive, "month", replace(selection, forces=[])).rows
             if row["month"] is not None}
    months = sorted(every)
    series = {}
    for area in chosen:
        mine = {row["month"]: row["articles"]
                for row in stats(archive, "month", replace(selection, forces=[area])).rows}
        series[area] = [mine.get(m, 0) for m in months]
    notes = []
    if others:
        series[f"{OTHERS} (mean of {len(others)})"] = [
            round((every[m] - sum(s[i] for s in series.values())) / len(others), 1) for i, m in enumerate(months)]
    else:
        notes.append("the archive has no other force")
    if not months:
        raise AnalysisError("nothing to plot: no dated article in the selection")
    beside = " beside the other forces" if others else ""
    return Chart(f"Articles per month: {' and '.join(chosen)}{beside}{_scope_dates(selection)}",
                 "month", "articles", "lines", months, series, notes=notes)


def force_kinds(archive: Archive, selection: Selection, top: int) -> Chart:
    chosen, others = _forces_and_others(archive, selection)
    counts = stats(archive, "force", replace(selection, forces=[]))
    kinds = counts.columns[2:]
    if not kinds:
        raise AnalysisError("nothing to plot: no article of the selection has kinds "
                            "(`herts-scraper reparse --fields-only` extracts them)")
    rows = {row["force"]: row for row in counts.rows}
    groups = [(area, [rows[area]]) for area in chosen if area in rows]
    if others:
        groups.append((f"{OTHERS} ({len(others)})", [rows[area] for area in others]))
    series = {}
    for name, members in groups:
        articles = sum(row["articles"] for row in members)
        series[name] = [round(100 * sum(row[kind] for row in members) / articles, 1) if articles else 0.0
                        for kind in kinds]
    return Chart(f"Kinds of article: {' and '.join(chosen)} beside the other forces{_scope_dates(selection)}",
                 "share of the articles (%)", "kind", "bars", list(kinds), series, horizontal=True, unit="%",
                 notes=["an article of several kinds counts under each"])


def _scope_dates(selection: Selection) -> str:
    if selection.since or selection.until:
        return f" ({selection.since or 'the first'} to {selection.until or 'the last'})"
    return ""


CHARTS: dict[str, tuple[Callable[[Archive, Selection, int], Chart], str]] = {
    "kinds-by-month": (kinds_by_month, "articles per month, stacked by kind"),
    "appeals-by-place": (appeals_by_place, "appeals by place, the top N (--top)"),
    "force-by-month": (force_by_month, "articles per month of the --force(s) beside the mean of the other forces"),
    "force-kinds": (force_kinds, "each kind's share of the articles of the --force(s) and of the other forces"),
}


def chart(archive: Archive, what: str, selection: Selection | None = None, top: int = TOP) -> Chart:
    return CHARTS[what][0](archive, selection or Selection(), top)


# -- drawing --------------------------------------------------------------------------------
def figure(chart: Chart) -> Figure:
    """The chart as a matplotlib Figure (FIGSIZE at DPI), its title and both axes labelled."""
    from matplotlib.figure import Figure  # the object API: no pyplot, no GUI backend, no global state

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(chart.categories)))
    names = list(chart.series)
    if len(names) > 10:  # more series than the default cycle's 10 colours (the eleven kinds): tab20's
        from matplotlib import colormaps

        ax.set_prop_cycle(color=[colormaps["tab20"](i) for i in range(20)])
    if chart.style == "stacked":
        bottom = [0.0] * len(positions)
        for name in names:
            ax.bar(positions, chart.series[name], bottom=bottom, label=name, width=0.85)
            bottom = [b + v for b, v in zip(bottom, chart.series[name], strict=True)]
    elif chart.style == "lines":
        for name in names:
            ax.plot(positions, chart.series[name], label=name, marker="o" if len(positions) < 40 else None)
        ax.set_ylim(bottom=0)  # levels compared from zero, not magnified differences
    else:
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
            (ax.barh if chart.horizontal else ax.bar)(offsets, chart.series[name], width, label=name)
    if chart.horizontal:
        ax.set_yticks(positions, chart.categories)
        ax.invert_yaxis()  # the first category at the top, as the text form lists it
    else:
        step = max(1, len(positions) // 24)  # about two dozen labels at most
        ax.set_xticks(positions[::step], chart.categories[::step], rotation=90 if len(positions) > 12 else 0)
    ax.set_title(chart.title)
    ax.set_xlabel(chart.xlabel)
    ax.set_ylabel(chart.ylabel)
    if len(names) > 1:
        ax.legend(fontsize="small")
    if chart.notes:
        fig.text(0.99, 0.005, "; ".join(chart.notes), ha="right", va="bottom", fontsize="x-small", color="0.4")
    return fig


def _number(value: float, unit: str) -> str:
    text = f"{value:,.1f}" if isinstance(value, float) and not float(value).is_integer() else f"{int(value):,}"
    return text + unit


def text(chart: Chart, width: int = TEXT_WIDTH) -> str:
    """The chart in plain text: one line per category (a bar per series, or one stacked bar), its
    numbers at the end of each bar, the title, axes and legend around it."""
    names = list(chart.series)
    label_width = max(len(c) for c in chart.categories)
    lines = [chart.title, "=" * len(chart.title)]
    if chart.style == "stacked":
        largest = max(sum(values) for values in zip(*chart.series.values(), strict=True)) or 1
        lines.append("  ".join(f"{FILLS[i % len(FILLS)]} {name}" for i, name in enumerate(names)))
        lines.append(f"{chart.xlabel.ljust(label_width)}  {chart.ylabel}")
        for c, category in enumerate(chart.categories):
            bar, done, total = "", 0, 0.0
            for i, name in enumerate(names):  # each segment ends where the running total does
                total += chart.series[name][c]
                end = round(total / largest * width)
                bar += FILLS[i % len(FILLS)] * (end - done)
                done = end
            lines.append(f"{category.ljust(label_width)} |{bar} {_number(total, chart.unit)}")
    else:
        largest = max(max(values) for values in chart.series.values()) or 1
        name_width = max(len(n) for n in names) if len(names) > 1 else 0
        value_axis = chart.xlabel if chart.horizontal else chart.ylabel
        category_axis = chart.ylabel if chart.horizontal else chart.xlabel
        lines.append(f"{category_axis.ljust(label_width)}  {value_axis}")
        for c, category in enumerate(chart.categories):
            for i, name in enumerate(names):
                value = chart.series[name][c]
                head = category.ljust(label_width) if i == 0 else " " * label_width
                series = f" {name.ljust(name_width)}" if name_width else ""
                bar = FILLS[0] * round(value / largest * width)
                lines.append(f"{head}{series} |{bar} {_number(value, chart.unit)}")
    lines += [f"({note})" for note in chart.notes]
    return "\n".join(lines) + "\n"


# -- writing -------------------------------------------------------------------------------
IMAGE_FORMATS = (".png", ".svg")
TEXT_OUT = (".txt", "-")


def check_out(out: str) -> str:
    """The output's form ("png", "svg", "text"), or an error that says which are known."""
    if out == "-" or out.lower().endswith(".txt"):
        return "text"
    suffix = Path(out).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise AnalysisError(f"--out {out}: give a .png or .svg file for an image, a .txt file or - for text")
    folder = Path(out).parent
    if not folder.is_dir():
        raise AnalysisError(f"--out {out}: no folder {folder}")
    if Path(out).is_dir():
        raise AnalysisError(f"--out {out} is a folder; give a file name")
    return suffix[1:]
