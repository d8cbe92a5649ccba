"""Summarise a py-spy profile (raw "folded" stacks) by function and by part of the crawl.

    py-spy record --format raw -r 250 -o crawl.folded -- python -m scrapy crawl news ...
    python bench/profile_report.py crawl.folded [--top 30]

Prints the share of samples each function is on the stack for (inclusive)
and on top of it (self), and the share of each part of the work (extraction,
archive writes, WARC capture, Scrapy's engine...) so the cost of each is plain.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

# Part of the work -> a pattern on a frame ("function (path:line)"); the outermost match claims the
# sample, so everything under extract_article (lxml, dateparser...) counts as extraction.
Q = r"^(?:[\w<>.]+\.)?"  # an optional "Class." or "outer.<locals>." before the function name
PARTS = (
    ("start-up (imports, settings)", re.compile(r"^_find_and_load \(")),
    ("extraction (extract_article)", re.compile(Q + r"extract_article \(.*herts_scraper")),
    ("listing/sitemap/feed parsing", re.compile(Q + r"(parse_listing|parse_sitemap|parse_feed) \(.*herts_scraper")),
    ("archive writes (store_many, SQLite, zlib)",
     re.compile(Q + r"(store_many|flush|_store|touch|record_failure|finish_run|sweep_removed) \(.*herts_scraper")),
    ("WARC capture (warcio, gzip)", re.compile(Q + r"(write_exchange|process_response) \(.*herts_scraper/crawl/warc")),
    ("health checks", re.compile(Q + r"check \(.*herts_scraper/archive/health")),
    ("logging", re.compile(r"\((logging/__init__|.*herts_scraper/crawl/logs)")),
    ("spider callbacks: requests made (Request, URL quoting)",
     re.compile(Q + r"(Request\.__init__|article_request) \(")),
    ("HTTP download (Twisted client, Scrapy handler)",
     re.compile(r"\((twisted/web/|scrapy/core/downloader/handlers/)")),
)


def parse(path: str):
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        yield stack.split(";"), n


def short(frame: str) -> str:
    m = re.match(r"^(.*?) \((.*?):(\d+)\)$", frame)
    if not m:
        return frame
    func, path, _ = m.groups()
    path = re.sub(r"^.*/site-packages/", "", path)
    path = re.sub(r"^.*/(herts_scraper/)", r"\1", path)
    path = re.sub(r"^.*/lib/python3\.\d+/", "", path)
    return f"{func} ({path})"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folded")
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    total = 0
    inclusive, self_time, parts, packages = Counter(), Counter(), Counter(), Counter()
    for frames, n in parse(args.folded):
        total += n
        names = [short(f) for f in frames if not f.startswith(("process ", "thread "))]
        for name in set(names):
            inclusive[name] += n
        if names:
            self_time[names[-1]] += n
            m = re.search(r"\((.*)\)$", names[-1])
            packages[(m.group(1).split("/")[0] if m and "/" in m.group(1) else "stdlib/other") if m else "?"] += n
        part = "other (Scrapy, Twisted, reactor, start-up)"
        for f in frames:
            hit = next((label for label, rx in PARTS if rx.search(f)), None)
            if hit:
                part = hit
                break
        parts[part] += n
    if not total:
        print("no samples", file=sys.stderr)
        return 1
    print(f"{total} samples\n\nby part of the work:")
    for label, n in parts.most_common():
        print(f"  {100 * n / total:5.1f}%  {label}")
    print("\nself time by package (C code counts for the Python function calling it):")
    for label, n in packages.most_common(12):
        print(f"  {100 * n / total:5.1f}%  {label}")
    print(f"\ntop {args.top} functions, inclusive (on the stack):")
    for name, n in inclusive.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print(f"\ntop {args.top} functions, self (on top of the stack):")
    for name, n in self_time.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
