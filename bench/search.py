"""Search latency over a 100,000-article archive (bench/search_archive.py builds and caches it):
`herts_scraper.analysis.search.search`, the function `herts-scraper search` runs, timed in one
process on one read-only connection, as a server or a notebook would run it.

    .venv/bin/python bench/search.py                 # prints the figures (JSON)
    .venv/bin/python bench/run.py --only search      # the same, as a section of the suite

Queries: what an analyst of police news looks for (offences, places, names, operations, phrases),
and three words most articles have ("appeal", "arrested", "police": the slowest, kept in so that
the p95 is not flattered). Filtered: the same queries, each under one of FILTERS in turn. Each
query runs once to warm the cache, then REPEATS times; p50 and p95 over all timed runs.
Baseline, side by side: sqlite-utils' own `table.search(q, limit=20)` (FTS5 rank, no snippet,
no facts, no title rule) over the same archive and queries; the ratio is ours / baseline.
What the analysis tables cost the archive's writes: store_cost, the CPU of storing articles with and
without their triggers, side by side.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from herts_scraper.analysis.search import search
from herts_scraper.analysis.selection import Selection
from herts_scraper.archive.store import Archive

QUERIES = (
    "burglary", "robbery", "knife", "arson", "fraud", "shoplifting", "catalytic converter", "dog theft",
    "Class A drugs", "criminal damage", "Watford", "Liverpool", "Maidstone", "Southampton", "Stevenage burglary",
    "Operation Falcon", "Operation Lynx", "Okafor", "Patel", "stolen car", "silver Ford Focus", "dash cam",
    "missing teenager", "jailed", "sentenced years", "charged robbery", "neighbourhood watch", "power tools",
    "High Street", "distraction burglary elderly", "designer handbags", "cycle marking",
    "appeal", "arrested", "police",
)
FILTERS = (
    {"kinds": ["appeal"]},
    {"forces": ["Kent"]},
    {"places": ["Liverpool"]},
    {"since": "2016", "until": "2017-06"},
    {"offences": ["burglary"], "kinds": ["charge"]},
    {"forces": ["merseyside"], "kinds": ["appeal"], "since": "2015"},
)
REPEATS = 5
LIMIT = 20


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _series(cases, run) -> dict:
    """Each case once to warm up, then REPEATS rounds of all of them; ms per run."""
    for case in cases:
        run(case)
    times: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    for _ in range(REPEATS):
        for i, case in enumerate(cases):
            times[i].append(_timed(lambda c=case: run(c)))
    every = [t for ts in times.values() for t in ts]
    slowest = sorted(((statistics.median(ts), i) for i, ts in times.items()), reverse=True)[:3]
    return {"p50_ms": round(percentile(every, 50), 2), "p95_ms": round(percentile(every, 95), 2),
            "max_ms": round(max(every), 2), "runs": len(every),
            "slowest": [{"case": str(cases[i]), "median_ms": round(ms, 2)} for ms, i in slowest]}


def store_cost(articles: int = 2000, rounds: int = 3) -> dict:
    """CPU per article of Archive.store_many (replica articles with extract_facts' facts, batches of
    500, fresh archives) with the analysis tables' triggers and without them (the schema before the
    migration add_article_facets), side by side: best of `rounds` each."""
    import tempfile

    from herts_scraper.archive import schema
    from herts_scraper.archive.store import Capture
    from herts_scraper.extract.facts import extract_facts
    from herts_scraper.profiles import load_profile
    from herts_scraper.replica import generator

    profile = load_profile("hertfordshire")
    captures = []
    for i in range(articles):
        article = generator.generate_article(i, 0, profile).expected_article("soh")
        captures.append(Capture(article, raw_html=article.body.encode(), facts=extract_facts(article, profile),
                                fetched_at=f"2026-01-01T00:00:{i % 60:02d}+00:00"))
    every = schema.MIGRATIONS
    before = tuple(m for m in every if m is not schema.add_article_facets)
    best = {"with_tables": float("inf"), "without_tables": float("inf")}
    try:
        for _ in range(rounds):
            for name, migrations in (("with_tables", every), ("without_tables", before)):
                schema.MIGRATIONS = migrations
                with tempfile.TemporaryDirectory() as folder, Archive(Path(folder) / "herts.db") as archive:
                    started = time.process_time()
                    for start in range(0, articles, 500):
                        archive.store_many(captures[start:start + 500])
                    best[name] = min(best[name], time.process_time() - started)
    finally:
        schema.MIGRATIONS = every
    per = {name: round(1000 * seconds / articles, 3) for name, seconds in best.items()}
    return {"store_ms_per_article_with_tables": per["with_tables"],
            "store_ms_per_article_without_tables": per["without_tables"],
            "facts_per_article": round(sum(len(c.facts or []) for c in captures) / articles, 1)}


def measure(db: Path) -> dict:
    load = os.getloadavg()  # what else the machine's cores were doing: context for the times
    with Archive(db, readonly=True) as archive:
        matches = {q: search(archive, q, limit=1).total for q in QUERIES}
        plain = _series([(q, None) for q in QUERIES],
                        lambda c: search(archive, c[0], limit=LIMIT))
        filtered_cases = [(q, FILTERS[i % len(FILTERS)]) for i, q in enumerate(QUERIES)]
        filtered = _series(filtered_cases, lambda c: search(archive, c[0], Selection(**c[1]), limit=LIMIT))
        table = archive.db["articles"]
        baseline = _series([(q, None) for q in QUERIES], lambda c: list(table.search(c[0], limit=LIMIT)))
        articles = archive.count()
    store = store_cost()
    cli = []
    for q in QUERIES[:5]:  # as a user runs it: a process each, start-up included (the shell's view)
        cli.append(_timed(lambda q=q: subprocess.run(
            [sys.executable, "-m", "herts_scraper", "search", q, "--db", str(db), "--format", "json"],
            capture_output=True, check=True)))
    return {
        "search_plain_p50_ms": plain["p50_ms"], "search_plain_p95_ms": plain["p95_ms"],
        "search_filtered_p50_ms": filtered["p50_ms"], "search_filtered_p95_ms": filtered["p95_ms"],
        "search_baseline_p95_ms": baseline["p95_ms"],
        "search_p95_ratio_vs_sqlite_utils": round(plain["p95_ms"] / baseline["p95_ms"], 2)
        if baseline["p95_ms"] else None,
        "search_cli_median_ms": round(statistics.median(cli), 1),
        "store_ms_per_article_with_tables": store["store_ms_per_article_with_tables"],
        "store_ms_per_article_without_tables": store["store_ms_per_article_without_tables"],
        "details": {"articles": articles, "load_average_before": load, "queries": len(QUERIES), "repeats": REPEATS,
                    "limit": LIMIT,
                    "matches": matches, "plain": plain, "filtered": filtered, "baseline": baseline,
                    "filters": FILTERS, "cli_ms": [round(t, 1) for t in cli], "store": store},
    }


def main() -> int:
    from search_archive import ensure

    path, made = ensure(100_000)
    figures = measure(path)
    figures["details"]["archive"] = made
    print(json.dumps(figures, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
