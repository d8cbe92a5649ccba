"""herts-scraper's benchmark suite ("Fast at every scale"; nightly archiving).

    .venv/bin/python bench/run.py              # everything, under 10 minutes on 2 cores
    .venv/bin/python bench/run.py --quick      # smaller scales, about a minute (smoke test)
    .venv/bin/python bench/run.py --only crawl,extract

Sections: replica, crawl, extract, facts, general, memory, nightly, reparse, fields, listing, forces,
distributed, search (see bench/README.md).
Prints a table (figure, value, target, pass/fail) and writes bench/results.json;
with --only, the figures measured update those already in results.json.
Every ratio is measured side by side in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    BENCH,
    PY,
    ROOT,
    Replica,
    crawl_cmd,
    free_port,
    last_run,
    machine_info,
    median,
    run_measured,
    scrapy_env,
    scrapy_stats_from_log,
    site_paths,
    word_f1,
)

SECTIONS = ("replica", "crawl", "extract", "facts", "general", "memory", "nightly", "reparse", "fields", "listing",
            "forces", "distributed", "search")
FORCES = 10  # the forces section: one crawl of this many forces' replicas
RESULTS = BENCH / "results.json"

SCALES = {
    "full": {"articles": 5000, "pairs": 3, "extract_step": 10, "corpus_limit": None, "extract_repeats": 3,
             "memory": (2000, 20000), "nightly_new": 10, "search_articles": 100_000},
    "quick": {"articles": 1000, "pairs": 1, "extract_step": 40, "corpus_limit": 60, "extract_repeats": 1,
              "memory": (200, 2000), "nightly_new": 10, "search_articles": 10_000},
}

# trafilatura as used against ours: its fast path (no fallback extractors),
# precision over recall, Markdown with links (our bodies keep link URLs, so
# plain text would lose words by construction), tables kept, no comments.
TRAFILATURA_OPTIONS = {"output_format": "markdown", "include_links": True, "include_tables": True,
                       "include_comments": False, "include_images": False, "fast": True, "favor_precision": True}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Bench:
    def __init__(self, scale: str, work: Path):
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.work = work
        self.results: dict = {}
        self.details: dict = {}
        self.sections: dict = {}
        self.full_archive: dict | None = None  # the last full crawl of `articles`, for nightly and reparse
        self._paths: dict[int, dict] = {}
        self._serial = 0

    def tmpdir(self, name: str) -> Path:
        self._serial += 1
        d = self.work / f"{self._serial:02d}-{name}"
        d.mkdir(parents=True)
        return d

    def paths(self, articles: int) -> dict:
        """The site's URL paths (the same for every replica of that size and seed), found once
        on a replica of its own so that the measured replicas stay fresh."""
        if articles not in self._paths:
            with Replica(articles) as rep:
                self._paths[articles] = site_paths(rep.base)
        return self._paths[articles]

    # -- one crawl -------------------------------------------------------------------
    def crawl(self, base: str, archive_dir: Path, *args: str, timeout: float = 600) -> dict:
        """`scrapy crawl news` as users run it; returns its figures."""
        db = archive_dir / "herts.db"
        log_file = archive_dir / "crawl.log"
        m = run_measured(crawl_cmd(base, db, *args, log_file=log_file), env=scrapy_env(),
                         log=archive_dir / "stdout.txt", timeout=timeout)
        run = last_run(db) if db.exists() else {}
        stats = scrapy_stats_from_log(log_file) if log_file.exists() else {}
        responses = stats.get("response_received_count", 0)
        elapsed = stats.get("elapsed_time_seconds") or 0
        out = {**m, "db": str(db), "status": run.get("status"), "mode": run.get("mode"), "new": run.get("new"),
               "changed": run.get("changed"), "requests": run.get("requests"), "duration_s": run.get("duration_s"),
               "responses": responses, "elapsed_s": elapsed,
               "pages_per_s": round(responses / elapsed, 1) if elapsed else None,
               "pages_per_s_runs_row": round(run["requests"] / run["duration_s"], 1)
               if run.get("duration_s") and run.get("requests") else None}
        if m["rc"] not in (0, 3, 4):
            log(f"  crawl exited with status {m['rc']}; see {archive_dir / 'stdout.txt'} and {log_file}")
        return out

    # -- sections ----------------------------------------------------------------------
    def section_replica(self) -> None:
        """The replica alone, hit by an asyncio keep-alive client in another process."""
        n = self.scale["articles"]
        paths = self.paths(n)
        everything = paths["start"] + paths["listings"] + paths["articles"]
        f = self.work / "replica-paths.txt"
        f.write_text("\n".join(everything) + "\n", encoding="utf-8")
        with Replica(n) as rep:  # fresh: the first pass renders every page, as a crawl finds them
            proc = subprocess.run([PY, str(BENCH / "load_client.py"), "--base", rep.base, "--paths", str(f),
                                   "--connections", "16", "--passes", "2"], capture_output=True, text=True, timeout=300)
        if proc.returncode:
            raise RuntimeError(f"load client failed: {proc.stderr[-2000:]}")
        result = json.loads(proc.stdout)
        cold, warm = result["passes"][0], result["passes"][1]
        self.results["replica_pages_per_s"] = cold["pages_per_s"]
        self.results["replica_warm_pages_per_s"] = warm["pages_per_s"]
        self.details["replica"] = {"articles": n, "urls": len(everything), **result}
        # Start-up of a big changed site (stubs only; pages render on first request). Timed
        # here, not in tests: the tests assert that no page is rendered at start-up.
        from herts_scraper.replica.site import ReplicaSite

        started = time.perf_counter()
        ReplicaSite(articles=20000, seed=4321, edits={i: 1 + i % 3 for i in range(0, 20000, 40)},
                    removed=range(5, 20000, 40), faults=True)
        self.results["replica_startup_s_20k"] = round(time.perf_counter() - started, 3)
        log(f"  replica: a 20,000-article site with 500 edits and 500 removals starts in "
            f"{self.results['replica_startup_s_20k']} s")
        log(f"  replica: {cold['pages_per_s']} pages/s cold, {warm['pages_per_s']} warm ({len(everything)} URLs)")

    def section_crawl(self) -> None:
        """Bare Scrapy and the news spider, interleaved, each on a fresh replica."""
        n = self.scale["articles"]
        bare_runs, crawl_runs, feed_runs = [], [], []
        for i in range(self.scale["pairs"]):
            paths = self.paths(n)
            d = self.tmpdir(f"bare{i}")
            with Replica(n) as rep:
                urls = d / "urls.txt"
                urls.write_text("".join(rep.base + p + "\n" for p in paths["start"] + paths["listings"]
                                        + paths["articles"]), encoding="utf-8")
                m = run_measured([PY, str(BENCH / "bare_spider.py"), "--urls", str(urls), "--stats",
                                  str(d / "stats.json")], log=d / "stdout.txt", timeout=600)
            stats = json.loads((d / "stats.json").read_text()) if (d / "stats.json").exists() else {}
            responses, elapsed = stats.get("response_received_count", 0), stats.get("elapsed_time_seconds") or 0
            bare = {**m, "responses": responses, "elapsed_s": elapsed,
                    "pages_per_s": round(responses / elapsed, 1) if elapsed else None}
            bare_runs.append(bare)
            log(f"  bare Scrapy #{i + 1}: {responses} responses in {elapsed:.2f} s = {bare['pages_per_s']} pages/s, "
                f"peak RSS {m['peak_rss_mb']} MB")
            d = self.tmpdir(f"crawl{i}")
            with Replica(n) as rep:
                c = self.crawl(rep.base, d)
            c["warc_files"] = sorted(str(p) for p in (d / "warc").glob("*.warc*"))
            crawl_runs.append(c)
            log(f"  scrapy crawl news #{i + 1}: {c['responses']} responses in {c['elapsed_s']:.2f} s = "
                f"{c['pages_per_s']} pages/s (crawl_runs row: {c['requests']} / {c['duration_s']} s = "
                f"{c['pages_per_s_runs_row']}), status {c['status']}, peak RSS {c['peak_rss_mb_tree']} MB "
                f"({c['processes']} processes)")
            d = self.tmpdir(f"feed{i}")  # the same crawl with a feed: every article also to a JSON lines file
            with Replica(n) as rep:
                f = self.crawl(rep.base, d, "-O", str(d / "articles.jsonl"))
            f["feed_items"] = sum(1 for _ in (d / "articles.jsonl").open()) if (d / "articles.jsonl").exists() else 0
            feed_runs.append(f)
            log(f"  scrapy crawl news -O articles.jsonl #{i + 1}: {f['pages_per_s']} pages/s, "
                f"{f['feed_items']} items in the feed, status {f['status']}")
            if c["status"] in ("ok", "incomplete", "unhealthy") and c["new"]:
                self.full_archive = {"articles": n, "dir": str(d), "db": c["db"], "warc_files": c["warc_files"],
                                     "seconds": c["seconds"]}
        bare_rate = median(r["pages_per_s"] or 0 for r in bare_runs)
        crawl_rate = median(r["pages_per_s"] or 0 for r in crawl_runs)
        self.results["bare_scrapy_pages_per_s"] = bare_rate
        self.results["crawl_pages_per_s"] = crawl_rate
        self.results["crawl_pages_per_s_runs_row"] = median(r["pages_per_s_runs_row"] or 0 for r in crawl_runs)
        self.results["crawl_ratio_vs_bare_scrapy"] = round(crawl_rate / bare_rate, 3) if bare_rate else None
        feed_rate = median(r["pages_per_s"] or 0 for r in feed_runs)
        self.results["crawl_feed_ratio_vs_bare_scrapy"] = round(feed_rate / bare_rate, 3) if bare_rate else None
        self.results["crawl_feed_items"] = median(r["feed_items"] for r in feed_runs)
        self.results["crawl_seconds"] = median(r["seconds"] for r in crawl_runs)
        # CPU per page (start-up included) is much less sensitive to other load on the machine than rates
        bare_cpu = median(_cpu_ms_per_page(r) for r in bare_runs)
        crawl_cpu = median(_cpu_ms_per_page(r) for r in crawl_runs)
        self.results["bare_scrapy_cpu_ms_per_page"] = bare_cpu
        self.results["crawl_cpu_ms_per_page"] = crawl_cpu
        self.results["crawl_cpu_ratio_vs_bare_scrapy"] = round(bare_cpu / crawl_cpu, 3) if crawl_cpu else None
        self.details["crawl"] = {"articles": n, "bare": bare_runs, "crawl": crawl_runs, "feed": feed_runs,
                                 "pair_ratios": [round(c["pages_per_s"] / b["pages_per_s"], 3)
                                                 for b, c in zip(bare_runs, crawl_runs, strict=True)
                                                 if b["pages_per_s"] and c["pages_per_s"]]}

    def section_extract(self) -> None:
        """Ours against trafilatura on replica pages and on the corpus rendered as pages."""
        import urllib.request

        import trafilatura

        from herts_scraper.extract import RejectedPage, extract_article
        from herts_scraper.profiles import load_profile
        from herts_scraper.record import parse_record
        from herts_scraper.replica import ReplicaServer, generate_article
        from herts_scraper.replica.pages import page_from_record

        n = self.scale["articles"]
        herts = load_profile("hertfordshire")
        pages = []  # (group, profile, url, html bytes, expected body)
        for gen in ("soh", "legacy"):
            with ReplicaServer(articles=n, generation=gen) as server:
                for i in range(0, n, self.scale["extract_step"]):
                    a = generate_article(i)
                    with urllib.request.urlopen(server.base_url + a.path(gen), timeout=10) as resp:
                        html = resp.read()
                    pages.append((f"replica-{gen}", herts, a.url(gen), html, a.expected_article(gen).body))
        corpus = ROOT.parent / "shared" / "corpus"
        corpus_note = None
        if corpus.is_dir():
            date_line = re.compile(r"^(?:[A-Z][a-z]+\n\n)?\d\d:\d\d \d\d/\d\d/\d{4}\n")
            for folder, profile_name, gens in (("Hertfordshire", "hertfordshire", ("legacy", "soh")),
                                               ("Merseyside", "merseyside", ("soh",))):
                profile = load_profile(profile_name)
                files = sorted((corpus / folder).glob("*.md"))[: self.scale["corpus_limit"]]
                for f in files:
                    meta, body = parse_record(f.read_text(encoding="utf-8"))
                    # SOH-form records (Merseyside) open with the page's meta line; the page puts it
                    # back above the body, so the body a reader sees starts after it
                    expected = date_line.sub("", body, count=1) if folder == "Merseyside" else body
                    for gen in gens:
                        html = page_from_record(meta, body, gen, profile).encode("utf-8")
                        pages.append((f"corpus-{folder.lower()}-{gen}", profile, meta["url"], html, expected))
        else:
            corpus_note = f"{corpus} absent: corpus pages skipped"
            log(f"  {corpus_note}")

        fallback_pages: set[str] = set()  # pages a profile knows whose body came by general means: none

        def ours(html, url, profile):
            try:
                article = extract_article(html, url, profile)
            except RejectedPage:
                return ""
            if article.found_by.get("body") not in (None, "profile"):  # None: a record without a body
                fallback_pages.add(url)
            return article.body

        def theirs(html, url, profile, **extra):
            return trafilatura.extract(html.decode("utf-8"), url=url, **{**TRAFILATURA_OPTIONS, **extra}) or ""

        for _, profile, url, html, _ in pages[:20]:  # warm up: imports, compiled XPaths, caches
            ours(html, url, profile)
            theirs(html, url, profile)
        per_group: dict[str, dict] = {}
        all_ours, all_theirs, f1_ours, f1_theirs, all_default = [], [], [], [], []
        default_every = 5  # trafilatura's default settings, on every 5th page, for context only
        repeats = self.scale["extract_repeats"]
        for k, (group, profile, url, html, expected) in enumerate(pages):
            # best of a few runs per page, the two extractors alternating: a page's time, not the machine's hiccups
            t_ours = t_theirs = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                a = ours(html, url, profile)
                t_ours = min(t_ours, time.perf_counter() - t)
                t = time.perf_counter()
                b = theirs(html, url, profile)
                t_theirs = min(t_theirs, time.perf_counter() - t)
            if k % default_every == 0:
                t = time.perf_counter()
                trafilatura.extract(html.decode("utf-8"), url=url, include_comments=False)
                all_default.append((time.perf_counter() - t) * 1000)
            fa, fb = word_f1(a, expected), word_f1(b, expected)
            g = per_group.setdefault(group, {"pages": 0, "ours_ms": [], "trafilatura_ms": [], "ours_f1": [],
                                             "trafilatura_f1": []})
            g["pages"] += 1
            g["ours_ms"].append(t_ours * 1000)
            g["trafilatura_ms"].append(t_theirs * 1000)
            g["ours_f1"].append(fa)
            g["trafilatura_f1"].append(fb)
            all_ours.append(t_ours * 1000)
            all_theirs.append(t_theirs * 1000)
            f1_ours.append(fa)
            f1_theirs.append(fb)
        ours_ms, theirs_ms = median(all_ours), median(all_theirs)
        self.results["extract_ms_per_page"] = round(ours_ms, 3)
        self.results["trafilatura_ms_per_page"] = round(theirs_ms, 3)
        self.results["extract_speed_ratio_vs_trafilatura"] = round(theirs_ms / ours_ms, 2)
        self.results["extract_body_f1"] = round(sum(f1_ours) / len(f1_ours), 4)
        self.results["trafilatura_body_f1"] = round(sum(f1_theirs) / len(f1_theirs), 4)
        self.results["extract_pages"] = len(pages)
        self.results["extract_pages_not_by_profile"] = len(fallback_pages)
        self.details["extract"] = {
            "pages": len(pages), "repeats_per_page": repeats, "trafilatura_options": TRAFILATURA_OPTIONS,
            "corpus": corpus_note or str(corpus),
            "trafilatura_default_settings_ms_per_page": round(median(all_default), 3),
            "ours_mean_ms": round(sum(all_ours) / len(all_ours), 3),
            "trafilatura_mean_ms": round(sum(all_theirs) / len(all_theirs), 3),
            "groups": {k: {"pages": g["pages"], "ours_ms": round(median(g["ours_ms"]), 3),
                           "trafilatura_ms": round(median(g["trafilatura_ms"]), 3),
                           "ours_f1": round(sum(g["ours_f1"]) / g["pages"], 4),
                           "trafilatura_f1": round(sum(g["trafilatura_f1"]) / g["pages"], 4),
                           "ours_f1_below_0.99": sum(f < 0.99 for f in g["ours_f1"])}
                       for k, g in per_group.items()},
        }
        for k, g in self.details["extract"]["groups"].items():
            log(f"  {k:34s} {g['pages']:5d} pages  ours {g['ours_ms']:.2f} ms F1 {g['ours_f1']:.4f}  "
                f"trafilatura {g['trafilatura_ms']:.2f} ms F1 {g['trafilatura_f1']:.4f}")

    def section_facts(self) -> None:
        """extract_article alone against extract_article + extract_facts on the same pages: what the
        police facts add to the extraction of a page (the issue's bound: at most 25%)."""
        from facts_bench import measure

        figures, details = measure(step=self.scale["extract_step"], corpus_limit=self.scale["corpus_limit"],
                                   repeats=self.scale["extract_repeats"], log=log)
        self.results.update(figures)
        self.details["facts"] = details

    def section_general(self) -> None:
        """Pages of other sites: the article-extraction benchmark (bench/general.py), when it is here."""
        from general import benchmark_folder, measure

        figures = measure(benchmark_folder())
        if figures is None:
            log(f"  no article-extraction benchmark at {benchmark_folder()} (HERTS_EXTRACTION_BENCHMARK): skipped")
            return
        self.details["general"] = {"found_by": figures.pop("general_found_by"), "folder": str(benchmark_folder())}
        self.results.update(figures)

    def section_memory(self) -> None:
        small, big = self.scale["memory"]
        out = {}
        for n in (small, big):
            d = self.tmpdir(f"memory{n}")
            with Replica(n) as rep:
                c = self.crawl(rep.base, d, timeout=900)
            out[n] = c
            log(f"  {n} articles: peak RSS {c['peak_rss_mb_tree']} MB, all {c['processes']} processes "
                f"(sampled sum {c['peak_rss_mb_tree_sampled']} MB; crawl process alone {c['peak_rss_mb']} MB), "
                f"{c['responses']} responses in {c['seconds']:.1f} s, status {c['status']}")
        # The crawl with its archive writer process: the sum of each process's own peak.
        self.results["peak_rss_mb_2k"] = out[small]["peak_rss_mb_tree"]
        self.results["peak_rss_mb_20k"] = out[big]["peak_rss_mb_tree"]
        self.results["peak_rss_growth_20k_vs_2k"] = round(
            out[big]["peak_rss_mb_tree"] / out[small]["peak_rss_mb_tree"], 3)
        self.results["peak_rss_mb_crawl_process_2k"] = out[small]["peak_rss_mb"]
        self.results["peak_rss_mb_crawl_process_20k"] = out[big]["peak_rss_mb"]
        self.results["crawl_pages_per_s_20k"] = out[big]["pages_per_s"]
        self.details["memory"] = {"articles": [small, big], "runs": {str(k): v for k, v in out.items()}}

    def _full_archive(self) -> dict:
        """A fresh archive holding a full crawl of `articles` (from the crawl section, or made now)."""
        n = self.scale["articles"]
        if self.full_archive and self.full_archive["articles"] == n:
            return self.full_archive
        d = self.tmpdir(f"full{n}")
        with Replica(n) as rep:
            c = self.crawl(rep.base, d)
        if not c["new"]:
            raise RuntimeError(f"the full crawl archived nothing (status {c['status']}); see {d}")
        self.full_archive = {"articles": n, "dir": str(d), "db": c["db"], "seconds": c["seconds"],
                             "warc_files": sorted(str(p) for p in (d / "warc").glob("*.warc*"))}
        return self.full_archive

    def section_nightly(self) -> None:
        """An incremental run over a site with a few new articles, after a full crawl."""
        from warcio.archiveiterator import ArchiveIterator

        from herts_scraper.profiles import load_profile

        full = self._full_archive()
        n, new = full["articles"], self.scale["nightly_new"]
        # Work on a copy: the full crawl's archive stays as it was for reparse and reruns.
        d = self.tmpdir("nightly")
        for name in ("herts.db", "herts.db-wal", "herts.db-shm"):
            src = Path(full["dir"]) / name
            if src.exists():
                shutil.copy2(src, d / name)
        (d / "warc").mkdir()
        with Replica(n + new) as rep:
            c = self.crawl(rep.base, d)
        profile = load_profile("hertfordshire")
        kinds = {"article": 0, "listing": 0, "other": 0}
        urls: dict[str, list[str]] = {"article": [], "listing": [], "other": []}
        for path in sorted((d / "warc").glob("*.warc*")):
            with open(path, "rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type != "response":
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    kind = ("article" if profile.is_article_url(url) else
                            "listing" if profile.is_listing_url(url) else "other")
                    kinds[kind] += 1
                    urls[kind].append(f"{record.http_headers.get_statuscode()} {url}")
        self.results.update({"nightly_article_requests": kinds["article"], "nightly_listing_requests": kinds["listing"],
                             "nightly_other_requests": kinds["other"], "nightly_seconds": c["seconds"],
                             "nightly_new": c["new"]})
        self.details["nightly"] = {"archived": n, "served": n + new, "run": c, "urls": urls}
        log(f"  nightly ({c['mode']}): {kinds['article']} article, {kinds['listing']} listing, {kinds['other']} other "
            f"requests, {c['new']} new, {c['seconds']:.2f} s wall, status {c['status']}")

    def section_reparse(self) -> None:
        """`herts-scraper reparse` over the WARC of the full crawl, into a new archive."""
        full = self._full_archive()
        d = self.tmpdir("reparse")
        warc = d / "warc"
        warc.mkdir()
        for f in full["warc_files"]:
            os.link(f, warc / Path(f).name)
        cmd = [PY, "-m", "herts_scraper", "reparse", "--warc", str(warc), "--db", str(d / "rebuilt.db")]
        m = run_measured(cmd, log=d / "stdout.txt", timeout=600)
        text = (d / "stdout.txt").read_text(errors="replace")
        found = re.search(r"reparsed (\d+) captures .* in ([0-9.]+) s", text)
        if m["rc"] or not found:
            raise RuntimeError(f"reparse failed (status {m['rc']}): {text[-2000:]}")
        captures, inner = int(found.group(1)), float(found.group(2))
        self.results["reparse_pages_per_s"] = round(captures / m["seconds"], 1)
        self.results["reparse_pages_per_s_in_process"] = round(captures / inner, 1) if inner else None
        self.details["reparse"] = {"captures": captures, "wall_s": m["seconds"], "in_process_s": inner,
                                   "peak_rss_mb": m["peak_rss_mb"], "output": text.strip().splitlines()[-1:]}
        log(f"  reparse: {captures} captures in {m['seconds']:.2f} s wall ({inner} s in process) = "
            f"{self.results['reparse_pages_per_s']} captures/s")

    def section_fields(self) -> None:
        """`herts-scraper reparse --fields-only --all` on a copy of the full crawl's archive: every
        version's facts and every article's columns made again from the archive alone, against the
        wall time of the crawl that made the archive."""
        full = self._full_archive()
        d = self.tmpdir("fields")
        for name in ("herts.db", "herts.db-wal", "herts.db-shm"):
            src = Path(full["db"]).with_name(name)
            if src.exists():
                shutil.copy2(src, d / name)
        cmd = [PY, "-m", "herts_scraper", "reparse", "--fields-only", "--all", "--db", str(d / "herts.db")]
        m = run_measured(cmd, log=d / "stdout.txt", timeout=600)
        text = (d / "stdout.txt").read_text(errors="replace")
        found = re.search(r"facts of (\d+) versions .*; (\d+) articles extracted again .* in ([0-9.]+) s", text)
        if m["rc"] or not found:
            raise RuntimeError(f"reparse --fields-only failed (status {m['rc']}): {text[-2000:]}")
        versions, articles, inner = int(found.group(1)), int(found.group(2)), float(found.group(3))
        self.results["fields_only_seconds"] = round(m["seconds"], 3)
        self.results["fields_only_vs_crawl"] = round(m["seconds"] / full["seconds"], 3)
        self.results["fields_only_articles_per_s"] = round(articles / m["seconds"], 1)
        self.details["fields"] = {"versions": versions, "articles": articles, "wall_s": m["seconds"],
                                  "in_process_s": inner, "crawl_s": full["seconds"], "peak_rss_mb": m["peak_rss_mb"],
                                  "output": text.strip().splitlines()[-1:]}
        log(f"  reparse --fields-only --all: {versions} versions' facts, {articles} articles in {m['seconds']:.2f} s "
            f"wall ({inner} s in process); the crawl took {full['seconds']:.2f} s: "
            f"{self.results['fields_only_vs_crawl']} x")

    def section_search(self) -> None:
        """Search latency (bench/search.py) over an archive of replica articles of ten forces, built
        through the store once and cached under bench/data/ (bench/search_archive.py)."""
        from search import measure
        from search_archive import ensure

        path, made = ensure(self.scale["search_articles"], log)
        figures = measure(path)
        self.details["search"] = {**figures.pop("details"), "archive": {**made, "path": str(path)}}
        self.results.update(figures)
        log(f"  search over {made['articles']:,} articles: plain p50 {figures['search_plain_p50_ms']} ms, "
            f"p95 {figures['search_plain_p95_ms']} ms; filtered p50 {figures['search_filtered_p50_ms']} ms, "
            f"p95 {figures['search_filtered_p95_ms']} ms; sqlite-utils' search p95 "
            f"{figures['search_baseline_p95_ms']} ms")

    def section_listing(self) -> None:
        """parse_listing on one container of N teasers, each with its date beside it (the worst
        case of the teaser-date lookup): the time must grow linearly with N."""
        from herts_scraper.extract.discovery import parse_listing
        from herts_scraper.profiles import load_profile

        profile = load_profile("hertfordshire")
        url = "https://www.herts.police.uk/news-and-appeals/"
        times = {}
        for n in (2000, 8000, 32000):
            items = "".join(f'<a class="news-list__link" href="/news-and-appeals/s-{i}">Story {i}</a>'
                            f'<span class="news-list__date">4 Mar 2021</span>' for i in range(n))
            body = f"<html><body><div>{items}</div></body></html>".encode()
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                assert len(parse_listing(body, url, profile).teasers) == n
                runs.append(time.perf_counter() - started)
            times[n] = min(runs)
        self.results["listing_parse_s_8000"] = round(times[8000], 3)
        self.results["listing_parse_growth_32000_vs_2000"] = round(times[32000] / times[2000], 1)
        self.details["listing"] = {str(n): round(t, 4) for n, t in times.items()}
        log(f"  listing: {', '.join(f'{n:,} teasers {t:.3f} s' for n, t in times.items())}")


    def section_forces(self) -> None:
        """One crawl of FORCES forces (a replica each, one process serving them all on consecutive
        ports) against one crawl of one force with as many articles, side by side: pages per
        second and peak memory (crawl and archive writer)."""
        total = self.scale["articles"]
        profiles = self.tmpdir("force-profiles")
        names = [f"force{i:02d}" for i in range(FORCES)]
        for name in names:  # bench-only forces: each its own slug, area and hosts
            (profiles / f"{name}.yaml").write_text(
                f"extends: soh-platform\nname: {name}\narea: Force {name[-2:]}\nforce_slug: {name}\n"
                f"origin: https://www.{name}.police.uk\n", encoding="utf-8")
        runs = {}
        for label, forces, articles in (("one", names[:1], total), ("many", names, total // FORCES)):
            d = self.tmpdir(f"forces-{label}")
            port = free_port_block(len(forces))
            sources = [str(profiles / f"{name}.yaml") for name in forces]
            cmd = [PY, "-m", "herts_scraper", "replica", "--port", str(port), "--articles", str(articles),
                   "--forces", ",".join(sources)]
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                bases = [f"http://127.0.0.1:{port + i}" for i in range(len(forces))]
                wait_for(bases, proc)
                pairs = zip(forces, bases, strict=True)
                base = bases[0] if len(forces) == 1 else ",".join(f"{n}={b}" for n, b in pairs)
                runs[label] = c = self.crawl(base, d, "-a", "force=" + ",".join(sources), timeout=900)
            finally:
                proc.terminate()
                proc.wait(10)
            log(f"  {len(forces)} force(s) x {articles} articles: {c['pages_per_s']} pages/s, "
                f"peak RSS {c['peak_rss_mb_tree']} MB, {c['new']} new, status {c['status']}")
        one, many = runs["one"], runs["many"]
        self.results["forces_one_pages_per_s"] = one["pages_per_s"]
        self.results["forces_many_pages_per_s"] = many["pages_per_s"]
        if one["pages_per_s"] and many["pages_per_s"]:
            self.results["forces_pages_per_s_ratio"] = round(many["pages_per_s"] / one["pages_per_s"], 3)
        self.results["forces_peak_rss_ratio"] = round(many["peak_rss_mb_tree"] / one["peak_rss_mb_tree"], 3)
        self.details["forces"] = {"forces": FORCES, "articles": total, "runs": runs}

    def section_distributed(self) -> None:
        """One worker against two on a shared frontier (a real redis-server on loopback, the store
        process beside the archive), on the replica, side by side: the run's pages per second, and
        the store's CPU per page (it is the one writer: its ceiling is every worker's)."""
        n = self.scale["articles"]
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed (Debian's package redis-server)")
        env = scrapy_env()
        runs = {}
        for workers in (1, 2):
            d = self.tmpdir(f"distributed-{workers}")
            port = free_port()
            redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(d)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            url = f"redis://127.0.0.1:{port}/0"
            procs: list[subprocess.Popen] = []
            try:
                wait_for_redis(port, redis)
                with Replica(n) as rep:
                    for i in range(workers):
                        folder = d / f"worker{i + 1}"
                        folder.mkdir()
                        procs.append(subprocess.Popen(
                            crawl_cmd(rep.base, folder / "herts.db", "-s", f"FRONTIER={url}",
                                      log_file=folder / "crawl.log"),
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                    store = run_measured([PY, "-m", "herts_scraper", "store", "--frontier", url, "--db",
                                          str(d / "herts.db")], env=env, log=d / "store.txt", timeout=900)
                    for proc in procs:
                        proc.wait(120)
            finally:
                for proc in procs:
                    if proc.poll() is None:
                        proc.kill()
                redis.terminate()
                redis.wait(10)
            run = last_run(d / "herts.db")
            cpu = store["cpu_user_s"] + store["cpu_system_s"]
            runs[workers] = c = {"store": store, "status": run.get("status"), "new": run.get("new"),
                                 "requests": run.get("requests"), "duration_s": run.get("duration_s"),
                                 "pages_per_s": round(run["requests"] / run["duration_s"], 1)
                                 if run.get("duration_s") else None,
                                 "store_cpu_ms_per_page": round(1000 * cpu / run["requests"], 2)
                                 if run.get("requests") else None,
                                 "worker_rc": [p.returncode for p in procs]}
            log(f"  {workers} worker(s) x {n} articles: {c['pages_per_s']} pages/s, store "
                f"{c['store_cpu_ms_per_page']} ms CPU/page, {c['new']} new, status {c['status']}")
        one, two = runs[1], runs[2]
        self.results["distributed_one_pages_per_s"] = one["pages_per_s"]
        self.results["distributed_two_pages_per_s"] = two["pages_per_s"]
        if one["pages_per_s"] and two["pages_per_s"]:
            self.results["distributed_two_vs_one"] = round(two["pages_per_s"] / one["pages_per_s"], 3)
        self.results["distributed_store_cpu_ms_per_page"] = two["store_cpu_ms_per_page"]
        if two["store_cpu_ms_per_page"]:
            self.results["distributed_store_ceiling_pages_per_s"] = round(1000 / two["store_cpu_ms_per_page"])
        self.details["distributed"] = {"articles": n, "runs": runs}


def wait_for_redis(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port}")


def free_port_block(n: int) -> int:
    """The first of n consecutive free loopback ports."""
    import socket

    for _ in range(50):
        first = free_port()
        try:
            socks = []
            for port in range(first, first + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no {n} consecutive free ports")


def wait_for(bases: list[str], proc: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    pending = list(bases)
    while pending and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"replica exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(pending[0] + "/robots.txt", timeout=2):
                pending.pop(0)
        except OSError:
            time.sleep(0.05)
    if pending:
        raise RuntimeError(f"replica did not answer at {pending[0]}")


def _cpu_ms_per_page(run: dict) -> float:
    if not run.get("responses"):
        return float("nan")
    return round(1000 * (run.get("cpu_user_s", 0) + run.get("cpu_system_s", 0)) / run["responses"], 3)


# -- the table ---------------------------------------------------------------------------
def targets(r: dict) -> list[tuple[str, str, str, bool | None]]:
    """(figure, unit, target, passed) for every figure in the table, in order."""
    def get(k):
        return r.get(k)

    def ok(cond):
        try:
            return bool(cond())
        except TypeError:  # a figure of the condition was not measured
            return None

    return [
        ("replica_pages_per_s", "pages/s", ">= 3 x crawl (well above it)",
         ok(lambda: get("replica_pages_per_s") >= 3 * get("crawl_pages_per_s"))),
        ("replica_warm_pages_per_s", "pages/s", "", None),
        ("listing_parse_s_8000", "s", "8,000 teasers, one container", None),
        ("listing_parse_growth_32000_vs_2000", "x", "<= 24 (16 x the teasers: linear)",
         ok(lambda: get("listing_parse_growth_32000_vs_2000") <= 24)),
        ("replica_startup_s_20k", "s", "< 2 (20,000 articles, 500 edits, 500 removals)",
         ok(lambda: get("replica_startup_s_20k") < 2)),
        ("bare_scrapy_pages_per_s", "pages/s", "", None),
        ("crawl_pages_per_s", "pages/s", "", None),
        ("crawl_pages_per_s_runs_row", "pages/s", "", None),
        ("crawl_ratio_vs_bare_scrapy", "x", ">= 0.6", ok(lambda: get("crawl_ratio_vs_bare_scrapy") >= 0.6)),
        ("crawl_feed_ratio_vs_bare_scrapy", "x", ">= 0.6 (with -O articles.jsonl)",
         ok(lambda: get("crawl_feed_ratio_vs_bare_scrapy") >= 0.6)),
        ("bare_scrapy_cpu_ms_per_page", "ms", "", None),
        ("crawl_cpu_ms_per_page", "ms", "", None),
        ("crawl_cpu_ratio_vs_bare_scrapy", "x", "(CPU, all processes)", None),
        ("extract_ms_per_page", "ms", "", None),
        ("trafilatura_ms_per_page", "ms", "", None),
        ("extract_speed_ratio_vs_trafilatura", "x", ">= 3",
         ok(lambda: get("extract_speed_ratio_vs_trafilatura") >= 3)),
        ("extract_body_f1", "", "> trafilatura's", ok(lambda: get("extract_body_f1") > get("trafilatura_body_f1"))),
        ("trafilatura_body_f1", "", "", None),
        ("extract_pages_not_by_profile", "", "= 0 (profile pages never take the fallback)",
         ok(lambda: get("extract_pages_not_by_profile") == 0)),
        ("facts_ms_per_page", "ms", "(extract_facts on an extracted article)", None),
        ("facts_overhead_ratio", "x", "<= 1.25 (extract_article + extract_facts / extract_article)",
         ok(lambda: get("facts_overhead_ratio") <= 1.25)),
        ("facts_overhead_ratio_replica", "x", "(replica pages)", None),
        ("facts_overhead_ratio_corpus", "x", "(corpus records as pages)", None),
        ("general_body_f1", "", ">= 0.95 and >= trafilatura's (181 pages of other sites)",
         ok(lambda: get("general_body_f1") >= max(0.95, get("general_trafilatura_body_f1")))),
        ("general_trafilatura_body_f1", "", "(trafilatura's defaults)", None),
        ("general_shingle_f1", "", "(the benchmark's own score)", None),
        ("general_trafilatura_shingle_f1", "", "", None),
        ("general_ms_per_page", "ms", "", None),
        ("general_trafilatura_ms_per_page", "ms", "", None),
        ("peak_rss_mb_2k", "MB", "", None),
        ("peak_rss_mb_20k", "MB", "<= 300 and <= 1.2 x 2k",
         ok(lambda: get("peak_rss_mb_20k") <= 300 and get("peak_rss_mb_20k") <= 1.2 * get("peak_rss_mb_2k"))),
        ("nightly_article_requests", "", "<= 10", ok(lambda: get("nightly_article_requests") <= 10)),
        ("nightly_listing_requests", "", "", None),
        ("nightly_other_requests", "", "<= 3", ok(lambda: get("nightly_other_requests") <= 3)),
        ("nightly_seconds", "s", "< 5", ok(lambda: get("nightly_seconds") < 5)),
        ("nightly_new", "", "= new on the site", ok(lambda: get("nightly_new") == r.get("nightly_expected_new", 10))),
        ("reparse_pages_per_s", "captures/s", ">= 300", ok(lambda: get("reparse_pages_per_s") >= 300)),
        ("fields_only_seconds", "s", "(reparse --fields-only --all)", None),
        ("fields_only_vs_crawl", "x", "< 1 (of the crawl's time)", ok(lambda: get("fields_only_vs_crawl") < 1)),
        ("fields_only_articles_per_s", "articles/s", "", None),
        ("forces_one_pages_per_s", "pages/s", "(one force, all the articles)", None),
        ("forces_many_pages_per_s", "pages/s", f"({FORCES} forces, as many articles)", None),
        ("forces_pages_per_s_ratio", "x", f">= 0.8 ({FORCES} forces / one)",
         ok(lambda: get("forces_pages_per_s_ratio") >= 0.8)),
        ("forces_peak_rss_ratio", "x", f"<= 1.2 ({FORCES} forces / one)",
         ok(lambda: get("forces_peak_rss_ratio") <= 1.2)),
        ("distributed_one_pages_per_s", "pages/s", "(one worker and the store, one machine)", None),
        ("distributed_two_pages_per_s", "pages/s", "(two workers and the store, one machine)", None),
        ("distributed_two_vs_one", "x", "(2 cores: the workers share them)", None),
        ("distributed_store_cpu_ms_per_page", "ms", "(store and its writer, per page)", None),
        ("distributed_store_ceiling_pages_per_s", "pages/s", "(what one store can take)", None),
        ("search_plain_p50_ms", "ms", "", None),
        ("search_plain_p95_ms", "ms", "< 50 (100,000 articles)", ok(lambda: get("search_plain_p95_ms") < 50)),
        ("search_filtered_p50_ms", "ms", "", None),
        ("search_filtered_p95_ms", "ms", "< 50 (100,000 articles)", ok(lambda: get("search_filtered_p95_ms") < 50)),
        ("search_baseline_p95_ms", "ms", "(sqlite-utils' table.search)", None),
        ("search_p95_ratio_vs_sqlite_utils", "x", "(ours / sqlite-utils', plain)", None),
        ("search_cli_median_ms", "ms", "(a process per search)", None),
        ("store_ms_per_article_with_tables", "ms", "(CPU: store_many, facts and the analysis tables)", None),
        ("store_ms_per_article_without_tables", "ms", "(the same before add_article_facets)", None),
    ]


def print_table(r: dict, scale: str) -> None:
    rows = [(k, unit, target, passed) for k, unit, target, passed in targets(r) if k in r]
    print()
    print(f"herts-scraper benchmark ({scale} scale) on {r.get('machine', {}).get('cpu_model')} "
          f"x{r.get('machine', {}).get('cores')}, Python {r.get('machine', {}).get('python')}, "
          f"Scrapy {r.get('machine', {}).get('scrapy')}, lxml {r.get('machine', {}).get('lxml')}")
    w = max(len(k) for k, *_ in rows) if rows else 10
    print(f"{'figure':{w}}  {'value':>12}  {'unit':10}  {'target':28}  result")
    print("-" * (w + 66))
    for k, unit, target, passed in rows:
        v = r[k]
        value = f"{v:,.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
        if passed is None:
            verdict = "" if not target or target.startswith("(") else "n/a"
        else:
            verdict = "PASS" if passed else "FAIL"
        print(f"{k:{w}}  {value:>12}  {unit:10}  {target:28}  {verdict}")
    print()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller scales: about a minute, for smoke tests")
    p.add_argument("--only", help=f"comma-separated sections to run: {', '.join(SECTIONS)}")
    p.add_argument("--keep", action="store_true", help="keep the working folder (archives, WARC, logs)")
    p.add_argument("--results", default=str(RESULTS), help=f"where to write the results (default {RESULTS})")
    args = p.parse_args(argv)
    sections = SECTIONS
    if args.only:
        sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = [s for s in sections if s not in SECTIONS]
        if unknown:
            p.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    scale = "quick" if args.quick else "full"
    work = Path(tempfile.mkdtemp(prefix="herts-bench-"))
    bench = Bench(scale, work)
    started = time.perf_counter()
    failed = []
    try:
        for name in sections:
            log(f"{name} ...")
            t = time.perf_counter()
            try:
                getattr(bench, f"section_{name}")()
            except Exception as exc:  # one broken section must not lose the others' figures
                failed.append(name)
                log(f"  {name} FAILED: {type(exc).__name__}: {exc}")
                bench.details.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
            seconds = round(time.perf_counter() - t, 1)
            bench.sections[name] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": seconds,
                                    "ok": name not in failed}
            log(f"  ({seconds} s)")
    finally:
        if args.keep:
            log(f"working folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results_path = Path(args.results)
    results: dict = {}
    if args.only and results_path.exists():
        try:
            results = json.loads(results_path.read_text())
        except ValueError:
            results = {}
        if results.get("scale", {}).get("name") != scale:
            results = {}  # figures of another scale do not mix
    results.update(bench.results)
    results["nightly_expected_new"] = bench.scale["nightly_new"]
    results["machine"] = machine_info()
    results["scale"] = {"name": scale, **bench.scale}
    results["sections_run"] = list(sections)
    results.setdefault("sections", {}).update(bench.sections)
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    results.setdefault("details", {}).update(bench.details)
    results_path.write_text(json.dumps(results, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    print_table(results, scale)
    earlier = sorted(k for k in results.get("sections", {}) if k not in sections)
    if earlier:
        print("from earlier runs: " + ", ".join(f"{k} ({results['sections'][k]['measured_at']})" for k in earlier))
    log(f"results in {results_path} ({results['seconds_total']} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
