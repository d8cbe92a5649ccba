"""The `herts-scraper` command (also `python -m herts_scraper`).

    herts-scraper replica  --port 8000 --articles 300 [--generation soh|legacy] [--seed N]
    herts-scraper extract  PAGE.html --url URL [--format record|json] [--profile NAME]
    herts-scraper export   [--db PATH] [--out DIR] [--format records|jsonl|csv]
    herts-scraper status   [--db PATH]
    herts-scraper history  URL [--db PATH] [--no-diff]
    herts-scraper reparse  [--warc DIR] [--db PATH] [--profile NAME]
    herts-scraper demo     [--articles N] [--db PATH] [--out DIR]

The crawl itself is Scrapy's: `scrapy crawl news -a base_url=URL`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .archive import DEFAULT_PATH

EXIT_USAGE = 2


def _cmd_extract(args) -> int:
    from .extract import RejectedPage, extract_article
    from .profiles import load_profile

    try:
        html = Path(args.page).read_bytes() if args.page != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        print(f"herts-scraper extract: cannot read {args.page}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    try:
        article = extract_article(html, args.url, load_profile(args.profile))
    except RejectedPage as exc:
        print(f"herts-scraper extract: {args.page} is not an article page: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(article.to_record())
    if article.status != "ok":
        print(f"herts-scraper extract: partial record (missing: {', '.join(article.missing) or '-'}; "
              f"problems: {', '.join(article.problems) or '-'})", file=sys.stderr)
    return 0


def _open_archive(path: str):
    from .archive import Archive

    if not Path(path).exists():
        print(f"herts-scraper: no archive at {path} (run a crawl first, or give --db)", file=sys.stderr)
        return None
    return Archive(path)


def _cmd_export(args) -> int:
    from .export import export

    archive = _open_archive(args.db)
    if archive is None:
        return EXIT_USAGE
    with archive:
        result = export(archive, args.out, args.format, include_removed=args.include_removed)
    print(f"exported {result['articles']} articles ({result['written']} files written) to {result['path']}")
    return 0


def _cmd_status(args) -> int:
    archive = _open_archive(args.db)
    if archive is None:
        return EXIT_USAGE
    with archive:
        db = archive.db
        print(f"archive {args.db}: {archive.count()} articles, {db['versions'].count} versions")
        for row in db.query("select status, count(*) n from articles group by status"):
            print(f"  {row['status']}: {row['n']}")
        failures = archive.unresolved_failures()
        print(f"  unresolved failures: {len(failures)}")
        for run in archive.runs()[-5:]:
            print(f"run {run['id']} {run['started']} {run['status']}: new {run['new']}, changed {run['changed']}, "
                  f"unchanged {run['unchanged']}, failed {run['failed']}, rejected {run['rejected']}, "
                  f"{run['requests']} requests in {run['duration_s']} s")
    return 0


def _version_record(v: dict, area: str) -> str:
    from .record import record_meta, render_record

    return render_record(record_meta(v["url"], area, v["title"], v["description"], v["published"]), v["body"] or "")


def _cmd_history(args) -> int:
    import difflib

    archive = _open_archive(args.db)
    if archive is None:
        return EXIT_USAGE
    with archive:
        row = archive.article(args.url)
        if row is None:
            print(f"herts-scraper history: {args.url} is not in {args.db}", file=sys.stderr)
            return 1
        versions = archive.versions(args.url)
    removed = f", removed {row['removed_at']}" if row["removed_at"] else ""
    print(f"{args.url}: {len(versions)} version(s), first seen {row['first_seen']}{removed}")
    for v in versions:
        print(f"  v{v['version']}  {v['first_seen']} .. {v['last_seen']}  {v['content_hash'][:12]}  {v['title']}")
    if not args.no_diff:
        for old, new in zip(versions, versions[1:]):
            sys.stdout.writelines(difflib.unified_diff(
                _version_record(old, row["area"]).splitlines(keepends=True),
                _version_record(new, row["area"]).splitlines(keepends=True),
                f"v{old['version']} ({old['first_seen']})", f"v{new['version']} ({new['first_seen']})"))
    return 0


def _cmd_reparse(args) -> int:
    from .reparse import reparse
    from .warc import warc_dir_for

    folder = args.warc or warc_dir_for(args.db)
    try:
        counts = reparse(folder, args.db, args.profile)
    except FileNotFoundError as exc:
        print(f"herts-scraper reparse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rate = counts["captures"] / counts["seconds"] if counts["seconds"] else 0
    print(f"reparsed {counts['captures']} captures from {folder} into {args.db} in {counts['seconds']} s "
          f"({rate:.0f}/s): {counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, "
          f"{counts['not_modified']} not modified, {counts['removed']} removed, {counts['rejected']} rejected")
    return 0


def _cmd_replica(argv: list[str]) -> int:
    from .replica.server import main as replica_main

    return replica_main(argv)


def _cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(articles=args.articles, db=args.db, out=args.out, generation=args.generation)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="herts-scraper", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("replica", help="serve the offline replica of the site", add_help=False)

    p = sub.add_parser("extract", help="print the record of one saved article page, without network")
    p.add_argument("page", help="the saved HTML file (- for standard input)")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--format", choices=("record", "json"), default="record")
    p.add_argument("--profile", default="hertfordshire", help="site profile name or YAML path")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("export", help="write records, jsonl or csv from the archive")
    p.add_argument("--db", default=DEFAULT_PATH)
    p.add_argument("--out", default="exports")
    p.add_argument("--format", choices=("records", "jsonl", "csv"), default="records")
    p.add_argument("--include-removed", action="store_true", help="also export removed articles")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("status", help="summarise the archive and its last crawl runs")
    p.add_argument("--db", default=DEFAULT_PATH)
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("history", help="the versions of one article, with a diff")
    p.add_argument("url", help="the article's canonical URL")
    p.add_argument("--db", default=DEFAULT_PATH)
    p.add_argument("--no-diff", action="store_true", help="list the versions only")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("reparse", help="rebuild the archive from its WARC captures, without network")
    p.add_argument("--warc", help="folder of .warc.gz files (default: warc/ beside --db)")
    p.add_argument("--db", default=DEFAULT_PATH, help="archive to write (an existing one or a new one)")
    p.add_argument("--profile", help="site profile (default: the one each WARC file names)")
    p.set_defaults(func=_cmd_reparse)

    p = sub.add_parser("demo", help="serve the replica, crawl it with `scrapy crawl news`, export")
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--generation", choices=("soh", "legacy"), default="soh")
    p.add_argument("--db", default=DEFAULT_PATH)
    p.add_argument("--out", default="exports")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replica":  # the replica parses its own options
        return _cmd_replica(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
