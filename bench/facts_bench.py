"""What the police facts cost: extract_article alone against extract_article + extract_facts on the
same pages, replica pages of both generations and corpus records rendered as pages.

    .venv/bin/python bench/facts_bench.py                 # prints the figures
    .venv/bin/python bench/run.py --only facts            # the same, as a section of the suite

Each page is timed best of `repeats`, the two measures alternating page by page; the ratio is of
the medians (the issue's bound: the facts add at most 25% to a page's extraction).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from herts_scraper.extract import RejectedPage, extract_article  # noqa: E402
from herts_scraper.extract.facts import extract_facts  # noqa: E402
from herts_scraper.profiles import load_profile  # noqa: E402
from herts_scraper.record import parse_record  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_FORCES = (("Hertfordshire", "hertfordshire", "legacy"), ("Merseyside", "merseyside", "soh"),
                 ("Kent", "kent", "soh"), ("Hampshire", "hampshire", "soh"))
_META_LINE = re.compile(r"^(?:[A-Z][a-z]+\n\n)?\d\d:\d\d \d\d/\d\d/\d{4}\n")


def pages(step: int, corpus_limit: int | None, articles: int = 1000) -> list[tuple[str, object, str, bytes]]:
    """(group, profile, url, html) of replica pages and of corpus records rendered as pages."""
    from herts_scraper.replica import ReplicaServer, generate_article
    from herts_scraper.replica.pages import page_from_record

    herts = load_profile("hertfordshire")
    out = []
    for gen in ("soh", "legacy"):
        with ReplicaServer(articles=articles, generation=gen) as server:
            for i in range(0, articles, step):
                a = generate_article(i)
                with urllib.request.urlopen(server.base_url + a.path(gen), timeout=10) as resp:
                    out.append((f"replica-{gen}", herts, a.url(gen), resp.read()))
    if CORPUS.is_dir():
        for folder, name, gen in CORPUS_FORCES:
            profile = load_profile(name)
            for f in sorted((CORPUS / folder).glob("*.md"))[: corpus_limit or 120]:
                meta, body = parse_record(f.read_text(encoding="utf-8"))
                out.append((f"corpus-{folder.lower()}", profile, meta["url"],
                            page_from_record(meta, body, gen, profile).encode("utf-8")))
    return out


def measure(step: int = 10, corpus_limit: int | None = None, repeats: int = 3, log=print) -> tuple[dict, dict]:
    """(figures for results.json, details by group)."""
    work = pages(step, corpus_limit)
    for _, profile, url, html in work[:20]:  # warm up: imports, the gazetteer, compiled patterns
        try:
            extract_facts(extract_article(html, url, profile), profile)
        except RejectedPage:
            pass
    groups: dict[str, dict[str, list[float]]] = {}
    for group, profile, url, html in work:
        alone = both = facts_only = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            try:
                article = extract_article(html, url, profile)
            except RejectedPage:
                break
            t1 = time.perf_counter()
            alone = min(alone, t1 - t)
            t = time.perf_counter()
            article = extract_article(html, url, profile)
            t2 = time.perf_counter()
            extract_facts(article, profile)
            t3 = time.perf_counter()
            both = min(both, t3 - t)
            facts_only = min(facts_only, t3 - t2)
        if alone == float("inf"):
            continue
        g = groups.setdefault(group, {"alone": [], "both": [], "facts": [], "body": []})
        g["alone"].append(alone * 1000)
        g["both"].append(both * 1000)
        g["facts"].append(facts_only * 1000)
        g["body"].append(len(article.body))

    def ratio(names) -> float:
        alone = statistics.median(v for n in names for v in groups[n]["alone"])
        both = statistics.median(v for n in names for v in groups[n]["both"])
        return round(both / alone, 3)

    details = {k: {"pages": len(g["alone"]), "extract_ms": round(statistics.median(g["alone"]), 3),
                   "extract_and_facts_ms": round(statistics.median(g["both"]), 3),
                   "facts_ms": round(statistics.median(g["facts"]), 3),
                   "body_chars": int(statistics.median(g["body"])), "ratio": ratio([k])}
               for k, g in groups.items()}
    for k, d in details.items():
        log(f"  {k:24s} {d['pages']:4d} pages  body {d['body_chars']:5d} chars  extract {d['extract_ms']:.3f} ms  "
            f"+ facts {d['extract_and_facts_ms']:.3f} ms  (facts {d['facts_ms']:.3f} ms)  ratio {d['ratio']:.3f}")
    replica = [k for k in groups if k.startswith("replica")]
    corpus = [k for k in groups if k.startswith("corpus")]
    figures = {"facts_ms_per_page": round(statistics.median(v for g in groups.values() for v in g["facts"]), 3),
               "facts_overhead_ratio": ratio(list(groups)),
               "facts_overhead_ratio_replica": ratio(replica)}
    if corpus:
        figures["facts_overhead_ratio_corpus"] = ratio(corpus)
    return figures, details


def main() -> int:
    figures, details = measure()
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
