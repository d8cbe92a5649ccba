"""Extraction on news pages of other sites: the article-extraction benchmark
(github.com/scrapinghub/article-extraction-benchmark, 181 pages), ours beside trafilatura.

    HERTS_EXTRACTION_BENCHMARK=/path/to/article-extraction-benchmark .venv/bin/python bench/general.py
    .venv/bin/python bench/run.py --only general      # the same, as a section of the suite

The folder holds the benchmark's html/*.html.gz and ground-truth.json (not in our git). Two scores of each
page's body (link addresses left out) against the ground truth's articleBody:
- word F1 as benchlib.word_f1 (lowercased words, multiset overlap), mean over pages;
- the benchmark's own (its evaluate.py): 4-word shingles, each page's TP/FP/FN normalised, F1 of the mean
  precision and the mean recall.
Skips with a message when the folder is absent.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.benchlib import word_f1
from herts_scraper.extract import RejectedPage, extract_article

ADDRESS = re.compile(r" \((?:https?|mailto|tel):[^)\s]*\)")
DEFAULT_FOLDER = "/work/data/article-extraction-benchmark"
_TOKEN = re.compile(r"\w+")


def benchmark_folder() -> Path:
    return Path(os.environ.get("HERTS_EXTRACTION_BENCHMARK", DEFAULT_FOLDER))


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_counts(pred: str, true: str) -> tuple[float, float, float]:
    """evaluate.py's string_shingle_matching: (tp, fp, fn), normalised so long texts weigh no more."""
    p, t = _shingles(pred), _shingles(true)
    tp = sum((p & t).values())
    fp, fn = sum((p - t).values()), sum((t - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def shingle_f1(counts: list[tuple[float, float, float]]) -> float:
    """evaluate.py's metrics_from_tp_fp_fns: F1 of the mean precision and the mean recall."""
    def score(tp, other, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == other == 0 else tp / (tp + other)

    precision = statistics.mean(score(tp, fp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(score(tp, fn, fp, fn) for tp, fp, fn in counts if tp + fn > 0)
    return 2 * precision * recall / (precision + recall)


def measure(folder: Path) -> dict | None:
    """The figures, or None when the benchmark is not in folder."""
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        return None
    import trafilatura

    truth = json.loads(truth_file.read_text("utf-8"))
    ours_f1, theirs_f1, ours_sh, theirs_sh, ours_s, theirs_s = [], [], [], [], 0.0, 0.0
    hows: Counter = Counter()
    for key, item in truth.items():
        raw = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        t0 = time.perf_counter()
        try:
            article = extract_article(raw, item["url"])
            body, how = article.body, article.found_by.get("body")
        except RejectedPage:
            body, how = "", None
        ours_s += time.perf_counter() - t0
        hows[str(how)] += 1
        body = ADDRESS.sub("", body)
        ours_f1.append(word_f1(body, item["articleBody"]))
        ours_sh.append(shingle_counts(body, item["articleBody"]))
        t0 = time.perf_counter()
        theirs = trafilatura.extract(raw.decode("utf-8", "replace"), url=item["url"]) or ""
        theirs_s += time.perf_counter() - t0
        theirs_f1.append(word_f1(theirs, item["articleBody"]))
        theirs_sh.append(shingle_counts(theirs, item["articleBody"]))
    n = len(truth)
    return {"general_pages": n, "general_body_f1": round(sum(ours_f1) / n, 4),
            "general_trafilatura_body_f1": round(sum(theirs_f1) / n, 4),
            "general_shingle_f1": round(shingle_f1(ours_sh), 4),
            "general_trafilatura_shingle_f1": round(shingle_f1(theirs_sh), 4),
            "general_ms_per_page": round(ours_s / n * 1000, 1),
            "general_trafilatura_ms_per_page": round(theirs_s / n * 1000, 1), "general_found_by": dict(hows)}


def main() -> int:
    folder = benchmark_folder()
    figures = measure(folder)
    if figures is None:
        print(f"general: skipped, no benchmark at {folder} (set HERTS_EXTRACTION_BENCHMARK; bench/README.md)")
        return 0
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
