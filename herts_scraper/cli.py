"""The `herts-scraper` command (also `python -m herts_scraper`).

    herts-scraper replica  --port 8000 --articles 300 [--generation soh|legacy] [--seed N]
    herts-scraper extract  PAGE.html --url URL [--format record|json] [--profile NAME]
    herts-scraper export   [--db PATH] [--out DIR] [--format records|jsonl|csv|wacz]
    herts-scraper status   [--db PATH]
    herts-scraper history  URL [--db PATH] [--no-diff]
    herts-scraper reparse  [--warc DIR] [--db PATH] [--profile NAME] [--wait SECONDS]
    herts-scraper demo     [--articles N] [--db PATH] [--out DIR]
    herts-scraper serve    [--db PATH] [--port P] [--host 127.0.0.1]

The crawl itself is Scrapy's: `scrapy crawl news -a base_url=URL`. Without --db or
--profile, a command takes them from the project's Scrapy settings, as the crawl
does (ARCHIVE_PATH, relative to the project folder; SITE_PROFILE).

Errors are one line on stderr, `herts-scraper <command>: ...`, never a traceback:
exit status 2 for a usage error (a bad argument, a missing file, an unknown
profile), 1 when the archive cannot be used (damaged, not an archive, read-only
for a command that writes), 75 when a crawl holds the archive (reparse).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

from herts_scraper.archive.export import FORMATS
from herts_scraper.archive.report import EXIT_CODES
from herts_scraper.archive.store import Archive, ArchiveError, archive_problem
from herts_scraper.profiles import ProfileError, load_profile

EXIT_USAGE, EXIT_FAILED = EXIT_CODES["usage"], EXIT_CODES["failed"]  # one table: archive/report.py
EXPORTS = "exports"  # --out, in the current folder like any path given on the command line
DB_HELP = "the archive (default: the setting ARCHIVE_PATH)"


class CommandError(Exception):
    """Why a command cannot go on: its one-line message and exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE):
        super().__init__(message)
        self.status = status


def _settings():
    """The project's Scrapy settings, for what the command line leaves out."""
    from herts_scraper.project import project_settings  # here: Scrapy's import would slow every command

    try:
        return project_settings()
    except ImportError as exc:  # the settings module that scrapy.cfg or SCRAPY_SETTINGS_MODULE names
        raise CommandError(f"cannot import the project's Scrapy settings: {exc}") from None


def _http_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading the port is what rejects "http://host:x"
    except ValueError as exc:
        raise CommandError(f"--url {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandError(f"--url {url!r} is not an http(s) URL")
    return url


def _cmd_extract(args) -> int:
    from herts_scraper.extract import RejectedPage, extract_article

    url = _http_url(args.url)
    profile = load_profile(args.profile or _settings()["SITE_PROFILE"])
    try:
        html = Path(args.page).read_bytes() if args.page != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        raise CommandError(f"cannot read {args.page}: {exc.strerror}") from None
    try:
        article = extract_article(html, url, profile)
    except RejectedPage as exc:
        raise CommandError(f"{args.page} is not an article page: {exc}", EXIT_FAILED) from None
    if args.format == "json":
        print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(article.to_record())
    if article.status != "ok":
        print(f"herts-scraper extract: partial record (missing: {', '.join(article.missing) or '-'}; "
              f"problems: {', '.join(article.problems) or '-'})", file=sys.stderr)
    return 0


def _check_db_path(path: str) -> None:
    if Path(path).is_dir():
        raise CommandError(f"--db {path} is a folder; give the archive file (such as {Path(path) / 'herts.db'})")


def _open_archive(path: str):
    """An existing archive, read-only: reading never writes it, and a read-only one reads too."""
    _check_db_path(path)
    if not Path(path).exists():
        raise CommandError(f"no archive at {path} (run a crawl first, or give --db)")
    return Archive(path, readonly=True)


def _cmd_export(args) -> int:
    from herts_scraper.archive.export import ExportUnavailable, UnsafePath, export

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise CommandError(f"--out {args.out} is a file; give a folder")
    with _open_archive(args.db) as archive:
        try:
            result = export(archive, args.out, args.format, include_removed=args.include_removed)
        except UnsafePath as exc:
            raise CommandError(str(exc), EXIT_FAILED) from None
        except ExportUnavailable as exc:  # no WARCs to package, py-wacz not installed
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot write {exc.filename or args.out}: {exc.strerror}", EXIT_FAILED) from None
    print(f"exported {result['articles']} articles ({result['written']} files written) to {result['path']}")
    return 0


def _cmd_status(args) -> int:
    with _open_archive(args.db) as archive:
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
    from herts_scraper.record import record_meta, render_record

    return render_record(record_meta(v["url"], area, v["title"], v["description"], v["published"]), v["body"] or "")


def _cmd_history(args) -> int:
    import difflib

    with _open_archive(args.db) as archive:
        row = archive.article(args.url)
        if row is None:
            raise CommandError(f"{args.url} is not in {args.db}", EXIT_FAILED)
        versions = archive.versions(args.url)
    removed = f", removed {row['removed_at']}" if row["removed_at"] else ""
    print(f"{args.url}: {len(versions)} version(s), first seen {row['first_seen']}{removed}")
    for v in versions:
        print(f"  v{v['version']}  {v['first_seen']} .. {v['last_seen']}  {v['content_hash'][:12]}  {v['title']}")
    if not args.no_diff:
        for old, new in pairwise(versions):
            sys.stdout.writelines(difflib.unified_diff(
                _version_record(old, row["area"]).splitlines(keepends=True),
                _version_record(new, row["area"]).splitlines(keepends=True),
                f"v{old['version']} ({old['first_seen']})", f"v{new['version']} ({new['first_seen']})"))
    return 0


def _cmd_reparse(args) -> int:
    from herts_scraper.archive.lock import ArchiveLocked
    from herts_scraper.archive.reparse import reparse
    from herts_scraper.crawl.warc import warc_dir_for

    _check_db_path(args.db)
    if args.profile:
        load_profile(args.profile)  # a bad --profile is a usage error before any work
    folder = args.warc or warc_dir_for(args.db)
    try:
        counts = reparse(folder, args.db, args.profile, wait=args.wait, default_profile=_settings()["SITE_PROFILE"])
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    except ArchiveLocked as exc:
        message = (f"a crawl still holds the archive {args.db} ({exc.holder}) after waiting {args.wait:g} s"
                   if args.wait else
                   f"a crawl holds the archive {args.db} ({exc.holder}); try again later, or pass --wait SECONDS")
        raise CommandError(message, EXIT_CODES["locked"]) from None
    rate = counts.captures / counts.seconds if counts.seconds else 0
    print(f"reparsed {counts.captures} captures from {folder} into {args.db} in {counts.seconds} s "
          f"({rate:.0f}/s): {counts.new} new, {counts.changed} changed, {counts.unchanged} unchanged, "
          f"{counts.inserted} earlier versions inserted, {counts.not_modified} not modified, "
          f"{counts.removed} removed, {counts.rejected} rejected")
    return 0


def _cmd_replica(argv: list[str]) -> int:
    from herts_scraper.replica.server import main as replica_main

    return replica_main(argv)


def _cmd_demo(args) -> int:
    from herts_scraper.demo import run_demo

    return run_demo(articles=args.articles, db=args.db, out=args.out, generation=args.generation)


def _cmd_serve(args) -> int:
    from herts_scraper.archive import schema
    from herts_scraper.serve import ServeError, check_can_serve, exec_datasette

    try:
        check_can_serve(args.host, args.port)
        with _open_archive(args.db) as archive:
            outdated = bool(schema.pending(archive.db))
        if outdated:  # the metadata names the current schema's columns and views: bring it up to date
            try:
                Archive(args.db).close()
            except ArchiveError as exc:
                raise CommandError(f"the archive needs upgrading before it is served, and cannot be: {exc}",
                                   EXIT_FAILED) from None
        print(f"serving {args.db} with Datasette at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
        exec_datasette(Path(args.db).resolve(), args.host, args.port)
    except ServeError as exc:
        raise CommandError(str(exc), EXIT_USAGE if exc.usage else EXIT_FAILED) from None
    return 0  # not reached: Datasette replaced this process


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="herts-scraper", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("replica", help="serve the offline replica of the site", add_help=False)

    p = sub.add_parser("extract", help="print the record of one saved article page, without network")
    p.add_argument("page", help="the saved HTML file (- for standard input)")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--format", choices=("record", "json"), default="record")
    p.add_argument("--profile", help="site profile name or YAML path (default: the setting SITE_PROFILE)")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("export", help=f"write the archive out as {', '.join(FORMATS)}")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--out", default=EXPORTS)
    p.add_argument("--format", choices=FORMATS, default="records")
    p.add_argument("--include-removed", action="store_true", help="also export removed articles")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("status", help="summarise the archive and its last crawl runs")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("history", help="the versions of one article, with a diff")
    p.add_argument("url", help="the article's canonical URL")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--no-diff", action="store_true", help="list the versions only")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("reparse", help="rebuild the archive from its WARC captures, without network")
    p.add_argument("--warc", help="folder of .warc.gz files (default: warc/ beside --db)")
    p.add_argument("--db", help="archive to write, an existing one or a new one (default: the setting ARCHIVE_PATH)")
    p.add_argument("--profile", help="site profile (default: the one each WARC file names)")
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="wait this long for a crawl holding the archive to finish (default: exit 75 at once)")
    p.set_defaults(func=_cmd_reparse)

    p = sub.add_parser("demo", help="serve the replica, crawl it with `scrapy crawl news`, export")
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--generation", choices=("soh", "legacy"), default="soh")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--out", default=EXPORTS)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("serve", help="browse and search the archive in Datasette (read-only)")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--port", type=int, default=8001, help="default: 8001")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 for every interface)")
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replica":  # the replica parses its own options
        return _cmd_replica(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "db", "") is None:  # not given: the project's archive, whatever the current folder
            from herts_scraper.project import archive_path

            args.db = str(archive_path(_settings()))
        return args.func(args)
    except CommandError as exc:
        return _fail(args, str(exc), exc.status)
    except ProfileError as exc:
        return _fail(args, str(exc), EXIT_USAGE)
    except ArchiveError as exc:
        return _fail(args, str(exc), EXIT_FAILED)
    except sqlite3.DatabaseError as exc:  # damage found past the first pages, a full disk
        return _fail(args, archive_problem(args.db, exc), EXIT_FAILED)


def _fail(args, message: str, status: int) -> int:
    one_line = " ".join(message.split())  # an error is one line, whatever a library's message holds
    print(f"herts-scraper {args.command}: {one_line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
