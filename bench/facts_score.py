"""The police facts extractor against the labelled sample: precision and recall per field.

    .venv/bin/python bench/facts_score.py                       # the table; writes bench/facts-score.json
    .venv/bin/python bench/facts_score.py --show-errors places  # false positives and negatives of a field
    make facts-score

The labels (tests/data/facts-labels/part-N.yaml, docs/facts.md) name real records of
../shared/corpus, read at run time; each record is extracted with its force's profile. Values
match after normalising case, whitespace and punctuation (places by name, people by (age,
gender)); figures are micro-averaged over the records of each set of parts: dev (parts 1-2, the
extractor was tuned on them), held-out (parts 3-4) and all.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from herts_scraper.extract.facts import FIELDS, facts_json, facts_of_text  # noqa: E402
from herts_scraper.extract.facts.gazetteer import gazetteer, place_key  # noqa: E402
from herts_scraper.profiles import bundled_profiles, load_profile  # noqa: E402
from herts_scraper.record_forms import article_from_record, read_record_file  # noqa: E402

LABELS = ROOT / "tests" / "data" / "facts-labels"
CORPUS = ROOT.parent / "shared" / "corpus"
RESULTS = ROOT / "bench" / "facts-score.json"
SETS = {"dev": (1, 2), "held-out": (3, 4)}


class ScoreError(Exception):
    """The labels or the corpus cannot be read (a one-line message)."""


def profiles_by_folder() -> dict:
    """The corpus folder (or area) of each bundled profile -> the profile."""
    out = {}
    for name in bundled_profiles():
        profile = load_profile(name)
        out.setdefault(profile.area, profile)
        if profile.corpus:
            out[profile.corpus] = profile
    return out


def record_parts(path: Path, profile=None) -> dict:
    """A corpus record as an article of our export form, read as `import records` reads it
    (herts_scraper.record_forms: the SOH form's headline, entities, date and meta line)."""
    meta, body = read_record_file(path.read_bytes())
    area = meta.get("area") or path.parent.name
    article = article_from_record(meta, body, area, profile)
    return {"title": article.title, "description": article.description, "published": article.published,
            "body": article.body, "area": area}


def norm(value) -> str:
    """A value as compared: case, whitespace and punctuation aside; people as "age gender"."""
    if isinstance(value, dict):
        if "age" in value:
            return f"{value.get('age')} {value.get('gender')}"
        value = value.get("name", "")
    text = str(value).lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def same_place(name: str, predicted: set[str]) -> str:
    """A labelled place as the extractor names it, where the gazetteer says both names are one place
    ("Chorlton" and "Chorlton cum Hardy", docs/facts.md: a name as printed or as the gazetteer names it)."""
    if name in predicted:
        return name
    for place in gazetteer().get(place_key(name), ()):
        if norm(place.name) in predicted:
            return norm(place.name)
    return name


def load_labels(folder: Path) -> dict[int, list[dict]]:
    """{part number: [label entry, ...]} for the part files present."""
    parts = {}
    for path in sorted(folder.glob("part-*.yaml")):
        m = re.fullmatch(r"part-(\d+)\.yaml", path.name)
        if not m:
            continue
        try:
            entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise ScoreError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
        if not isinstance(entries, list) or not all(isinstance(e, dict) and "record" in e for e in entries):
            raise ScoreError(f"{path}: a list of entries, each with a `record`")
        parts[int(m.group(1))] = entries
    return parts


def predict(record: Path, profiles: dict) -> dict[str, list]:
    profile = profiles.get(record.parent.name)
    parts = record_parts(record, profile)
    facts = facts_of_text(parts["title"], parts["description"], parts["body"], parts["published"], profile)
    return facts_json(facts)


def score(labels: dict[int, list[dict]], corpus: Path) -> tuple[dict, list[dict]]:
    """(figures by set and field, per-record comparisons)."""
    profiles = profiles_by_folder()
    records = []
    for part, entries in sorted(labels.items()):
        for entry in entries:
            path = corpus / entry["record"]
            if not path.is_file():
                raise ScoreError(f"no record {path} (labels of part {part})")
            predicted = predict(path, profiles)
            row = {"record": entry["record"], "part": part, "fields": {}}
            for field in FIELDS:
                gold = {norm(v) for v in entry.get(field) or []}
                pred = {norm(v) for v in predicted[field]}
                if field == "places":
                    gold = {same_place(g, pred) for g in gold}
                row["fields"][field] = {"tp": sorted(gold & pred), "fp": sorted(pred - gold), "fn": sorted(gold - pred)}
            records.append(row)
    figures: dict = {}
    sets = {name: parts for name, parts in SETS.items() if any(p in labels for p in parts)}
    sets["all"] = tuple(sorted(labels))
    for name, parts in sets.items():
        rows = [r for r in records if r["part"] in parts]
        if not rows:
            continue
        out: dict = {"records": len(rows), "parts": [p for p in parts if p in labels], "fields": {}}
        for field in FIELDS:
            tp = sum(len(r["fields"][field]["tp"]) for r in rows)
            fp = sum(len(r["fields"][field]["fp"]) for r in rows)
            fn = sum(len(r["fields"][field]["fn"]) for r in rows)
            out["fields"][field] = {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
                                    "recall": round(tp / (tp + fn), 3) if tp + fn else None,
                                    "tp": tp, "fp": fp, "fn": fn}
        figures[name] = out
    return figures, records


def print_table(figures: dict) -> None:
    for name, out in figures.items():
        print(f"\n{name}: {out['records']} records (parts {', '.join(map(str, out['parts']))})")
        print(f"{'field':16} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>5} {'fn':>5}")
        for field, f in out["fields"].items():
            p = "-" if f["precision"] is None else f"{f['precision']:.3f}"
            r = "-" if f["recall"] is None else f"{f['recall']:.3f}"
            print(f"{field:16} {p:>9} {r:>7} {f['tp']:>5} {f['fp']:>5} {f['fn']:>5}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--labels", default=str(LABELS), help=f"folder of part-N.yaml label files (default {LABELS})")
    p.add_argument("--corpus", default=str(CORPUS), help=f"folder of the corpus records (default {CORPUS})")
    p.add_argument("--out", default=str(RESULTS), help=f"where to write the figures (default {RESULTS})")
    p.add_argument("--show-errors", metavar="FIELD", choices=FIELDS, help="list the false positives and negatives")
    args = p.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"facts-score: no corpus at {corpus}", file=sys.stderr)
        return 2
    try:
        labels = load_labels(Path(args.labels))
        if not labels:
            raise ScoreError(f"no part-N.yaml label files in {args.labels}")
        figures, records = score(labels, corpus)
    except ScoreError as exc:
        print(f"facts-score: {exc}", file=sys.stderr)
        return 2
    if args.show_errors:
        for row in records:
            f = row["fields"][args.show_errors]
            if f["fp"] or f["fn"]:
                print(f"{row['record']}: extra {f['fp']}  missed {f['fn']}")
    print_table(figures)
    Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"\nfigures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
