"""Extraction on news pages of other sites: the article-extraction benchmark
(github.com/scrapinghub/article-extraction-benchmark, 181 pages), ours beside trafilatura.

    HERTS_EXTRACTION_BENCHMARK=/path/to/article-extraction-benchmark .venv/bin/python bench/general.py

The folder holds the benchmark's html/*.html.gz and ground-truth.json (not in our git). Word F1 as
benchlib.word_f1 (lowercased words, multiset overlap), of each page's body without link addresses,
against the ground truth's articleBody; mean over pages. Skips with a message when the folder is absent.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.benchlib import word_f1
from herts_scraper.extract import RejectedPage, extract_article

ADDRESS = re.compile(r" \((?:https?|mailto|tel):[^)\s]*\)")


def main() -> int:
    folder = Path(os.environ.get("HERTS_EXTRACTION_BENCHMARK", "/work/data/article-extraction-benchmark"))
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        print(f"general: skipped, no benchmark at {folder} (set HERTS_EXTRACTION_BENCHMARK)")
        return 0
    import trafilatura

    truth = json.loads(truth_file.read_text("utf-8"))
    ours_f1, theirs_f1, ours_s, theirs_s, hows = [], [], 0.0, 0.0, {}
    for key, item in truth.items():
        raw = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        t0 = time.perf_counter()
        try:
            article = extract_article(raw, item["url"])
            body, how = article.body, article.found_by.get("body")
        except RejectedPage:
            body, how = "", None
        ours_s += time.perf_counter() - t0
        hows[how] = hows.get(how, 0) + 1
        ours_f1.append(word_f1(ADDRESS.sub("", body), item["articleBody"]))
        t0 = time.perf_counter()
        theirs = trafilatura.extract(raw.decode("utf-8", "replace"), url=item["url"]) or ""
        theirs_s += time.perf_counter() - t0
        theirs_f1.append(word_f1(theirs, item["articleBody"]))
    n = len(truth)
    print(json.dumps({"general_pages": n, "general_body_f1": round(sum(ours_f1) / n, 4),
                      "general_trafilatura_body_f1": round(sum(theirs_f1) / n, 4),
                      "general_ms_per_page": round(ours_s / n * 1000, 1),
                      "general_trafilatura_ms_per_page": round(theirs_s / n * 1000, 1), "found_by": hows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
