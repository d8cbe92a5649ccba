"""Rows out: an aligned table for people, CSV for pandas and spreadsheets, JSON for programs.

A row is a dict; a list in it (kinds, places) is a JSON array in JSON and "a; b" in a table or
CSV; None is null in JSON, an empty cell in CSV and "-" in a table. CSV has one header line and
one line per row, nothing else (pandas.read_csv reads it as it is).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import TextIO

FORMATS = ("table", "csv", "json")
LIST_SEPARATOR = "; "


def cell(value, empty: str = "") -> str:
    if value is None:
        return empty
    if isinstance(value, list):
        return LIST_SEPARATOR.join(map(str, value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_json(rows: Sequence[dict], out: TextIO) -> None:
    json.dump(list(rows), out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_csv(rows: Sequence[dict], columns: Sequence[str], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] if isinstance(row[c], int | float) else cell(row[c]) for c in columns])


def write_table(rows: Sequence[dict], columns: Sequence[str], out: TextIO) -> None:
    """Columns aligned: text to the left, numbers to the right."""
    cells = [list(columns)] + [[cell(row[c], "-") for c in columns] for row in rows]
    numeric = [all(isinstance(row[c], int | float) or row[c] is None for row in rows) for c in columns]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        out.write("  ".join(text.rjust(w) if right else text.ljust(w)
                            for text, w, right in zip(line, widths, numeric, strict=True)).rstrip() + "\n")


def write_rows(rows: Sequence[dict], columns: Sequence[str], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        write_json(rows, out)
    elif fmt == "csv":
        write_csv(rows, columns, out)
    else:
        write_table(rows, columns, out)
