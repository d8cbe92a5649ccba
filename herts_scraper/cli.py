"""The `herts-scraper` command (also `python -m herts_scraper`).

    herts-scraper crawl    [scrapy crawl options]     `scrapy crawl news`, from any folder
    herts-scraper replica  --port 8000 --articles 300 [--generation soh|legacy] [--seed N]
    herts-scraper extract  PAGE.html --url URL [--format record|json] [--profile NAME]
    herts-scraper export   [--db PATH] [--out DIR|-] [--format records|jsonl|csv|wacz]
    herts-scraper status   [--db PATH]
    herts-scraper history  URL [--db PATH] [--no-diff]
    herts-scraper case     REF|URL [--format table|json] [--db PATH]
    herts-scraper reparse  [--warc PATH...] [--db PATH] [--profile NAME] [--wait SECONDS]
    herts-scraper reparse  --fields-only [--all] [--db PATH] [--profile NAME] [--wait SECONDS]
    herts-scraper import   records DIR [--source NAME] [--as-of DATE] [--db PATH]
    herts-scraper demo     [--articles N] [--db PATH] [--out DIR]
    herts-scraper serve    [--db PATH] [--port P] [--host 127.0.0.1]
    herts-scraper search   QUERY [--force F] [--kind K] [--offence O] [--place P] [--since D] [--until D]
                           [--limit N] [--format table|json|csv] [--db PATH]
    herts-scraper stats    [--by month|force|kind|offence|place] [filters as search] [--format table|csv|json]
    herts-scraper plot     WHAT --out FILE.png|svg|txt|- [--force F ...] [--since D] [--until D]

The crawl itself is Scrapy's: `scrapy crawl news -a base_url=URL` in the project
folder; `herts-scraper crawl -a base_url=URL` is the same command anywhere (installed
from a wheel, no scrapy.cfg). Without --db or --profile, a command takes them from the
project's Scrapy settings, as the crawl does (ARCHIVE_PATH, relative to the project
folder or, outside any project, to the current folder; SITE_PROFILE).

Errors are one line on stderr, `herts-scraper <command>: ...`, never a traceback:
exit status 2 for a usage error (a bad argument, a missing file, an unknown
profile), 1 when the archive cannot be used (damaged, not an archive, read-only
for a command that writes), 75 when a crawl holds the archive (reparse).
Output piped into a reader that stops early (`| head`) ends quietly, status 141.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import sqlite3
import sys
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from herts_scraper import EXTRACTOR_VERSION, __version__
from herts_scraper.archive.export import FORMATS, STREAMS
from herts_scraper.archive.report import EXIT_CODES
from herts_scraper.archive.store import Archive, ArchiveError, archive_problem
from herts_scraper.profiles import ProfileError, load_profile

EXIT_USAGE, EXIT_FAILED = EXIT_CODES["usage"], EXIT_CODES["failed"]  # one table: archive/report.py
# A reader that went away (`| head`): the status a shell gives a command killed by SIGPIPE, as `cat` ends.
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
EXPORTS = "exports"  # --out, in the current folder like any path given on the command line
STDOUT = "-"
DB_HELP = "the archive (default: the setting ARCHIVE_PATH, in the project folder or the current one)"
PROFILE_HELP = "site profile name or YAML path (default: the setting SITE_PROFILE)"
CRAWL_USAGE = """usage: herts-scraper crawl [news] [scrapy crawl options]

Runs `scrapy crawl news` from any folder, with or without the project's scrapy.cfg
(outside a project: herts-scraper's own settings, the archive under ./archive/).
Same options, exit statuses and output as `scrapy crawl news`; Scrapy's help follows.
"""


class CommandError(Exception):
    """Why a command cannot go on: its one-line message and exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE):
        super().__init__(message)
        self.status = status


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default (unless it says it already, or has none to say)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (not action.option_strings or "default" in text or action.default in (None, False, argparse.SUPPRESS)
                or isinstance(action, argparse._VersionAction)):
            return text
        return f"{text} (default: %(default)s)"


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
        from herts_scraper.extract.facts import extract_facts, facts_document

        document = {**article.to_dict(), **facts_document(extract_facts(article, profile))}
        print(json.dumps(document, ensure_ascii=False, indent=2))
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

    if args.out == STDOUT:
        return _export_to_stdout(args)
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


def _export_to_stdout(args) -> int:
    """jsonl or csv on standard output, UTF-8 whatever the locale (the files are), nothing else on it."""
    import io

    from herts_scraper.archive.export import export_stream

    if args.format not in STREAMS:
        raise CommandError(f"--out - writes one stream: --format {' or '.join(STREAMS)} "
                           f"({args.format} is a folder of files; give --out DIR)")
    with _open_archive(args.db) as archive:
        sys.stdout.flush()
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
        try:
            export_stream(archive, out, args.format, include_removed=args.include_removed)
            out.flush()
        finally:
            out.detach()  # sys.stdout keeps its buffer
    return 0


# -- status --------------------------------------------------------------------------------
RUNS_SHOWN = 5


def _crawl_alive(db: str) -> bool:
    """Whether the process that holds (or last held) the archive's lock still lives. Read-only:
    the lock file names its holder ("pid N, ..."); a crawl that ended emptied it, a killed one
    could not. Unreadable: assume it lives (never call a live crawl killed)."""
    from herts_scraper.archive.lock import lock_path

    try:
        holder = lock_path(db).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    except OSError:
        return True
    found = re.match(r"pid (\d+)", holder)
    if not found:
        return False
    try:
        os.kill(int(found[1]), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def _elapsed(start: str, end: str | None) -> float | None:
    try:
        finish = dt.datetime.fromisoformat(end) if end else dt.datetime.now(dt.timezone.utc)
        return (finish - dt.datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):
        return None


def _run_line(archive: Archive, run: dict, status: str) -> list[str]:
    """A run's cells: id, started, mode, status, new, changed, unchanged, 304, removed, failed, duration.
    An unfinished run (killed, running) has no counts in its row: they come from the rows it wrote."""
    started = (run["started"] or "")[:19].replace("T", " ")
    if run["status"] != "running":
        counts = [run[c] or 0 for c in ("new", "changed", "unchanged", "not_modified", "removed", "failed")]
        return [str(run["id"]), started, run["mode"] or "full", status, *map(str, counts),
                _seconds(run["duration_s"])]
    progress = archive.run_progress(run["id"])
    if status == "running":
        duration = _seconds(_elapsed(run["started"], None)) + " so far"
    else:
        duration = f">= {_seconds(_elapsed(run['started'], progress['last_write']))}"
    return [str(run["id"]), started, run["mode"] or "full", status, str(progress["new"]), str(progress["changed"]),
            "?", "?", "?", str(progress["failed"]), duration]


def _cmd_status(args) -> int:
    with _open_archive(args.db) as archive:
        db = archive.db
        removed = db.execute("select count(*) from articles where removed_at is not null").fetchone()[0]
        print(f"archive {args.db}: {archive.count()} articles ({removed} removed), {db['versions'].count} versions")
        for row in db.query("select status, count(*) n from articles group by status"):
            print(f"  {row['status']}: {row['n']}")
        print(f"  unresolved failures: {len(archive.unresolved_failures())}")
        runs = archive.runs()
        if not runs:
            print("no crawl runs yet")
            return 0
        # Only the newest run can still be running, and only while its crawl lives (the lock's holder).
        unfinished = [r["id"] for r in runs if r["status"] == "running"]
        live = unfinished[-1] if unfinished and unfinished[-1] == runs[-1]["id"] and _crawl_alive(args.db) else None
        header = ["run", "started (UTC)", "mode", "status", "new", "changed", "unchanged", "304", "removed",
                  "failed", "duration"]
        table = [header]
        for run in runs[-RUNS_SHOWN:]:
            status = run["status"] if run["status"] != "running" or run["id"] == live else "killed"
            table.append(_run_line(archive, run, status))
        killed = [i for i in unfinished if i != live and i >= runs[-RUNS_SHOWN:][0]["id"]]
        forces = _forces_of(runs[-1])
    print(f"last {len(table) - 1} of {len(runs)} crawl runs:")
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  " + "  ".join(cell.ljust(w) if i < 4 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    if killed:
        print(f"  killed: run {', '.join(map(str, killed))} is still marked running, but its crawl is gone; "
              "its counts are what it stored (the next crawl records it as killed)")
    if len(forces) > 1:  # a crawl of several forces: each one's figures (crawl_runs.forces)
        print(f"run {runs[-1]['id']} by force:")
        for name, f in forces.items():
            counts = ", ".join(f"{f.get(key, 0)} {label}" for key, label in FORCE_COUNTS)
            print(f"  {name}: {f.get('status', '?')} ({f.get('mode') or 'full'}), {counts}")
    return 0


FORCE_COUNTS = (("new", "new"), ("changed", "changed"), ("unchanged", "unchanged"), ("not_modified", "by 304"),
                ("removed", "removed"), ("failed", "failed"), ("blocked", "blocked"))


def _forces_of(run: dict) -> dict[str, dict]:
    """A run's figures per force (crawl_runs.forces, JSON); none for a run of one force or an older archive."""
    try:
        forces = json.loads(run.get("forces") or "{}")
    except ValueError:
        return {}
    return forces if isinstance(forces, dict) else {}


# -- history -------------------------------------------------------------------------------
def _url_forms(url: str) -> list[str]:
    """Where to look for an article first: the URL as given (canonical, or as fetched: a replica's,
    a mirror's), normalised (scheme and host in lower case, dot segments resolved), then without or
    with its trailing slash."""
    from herts_scraper.extract.discovery import clean_url

    cleaned = clean_url(url)
    if cleaned is None:  # not an http(s) URL: only the exact text can match
        return [url]
    parts = urlsplit(cleaned)
    other = parts.path.rstrip("/") if parts.path.endswith("/") and parts.path != "/" else parts.path + "/"
    return list(dict.fromkeys([url, cleaned, urlunsplit(parts._replace(path=other))]))


def _on_origin(forms: list[str], origin: str) -> list[str]:
    """The same paths on the real site (an article archived from a mirror is keyed there)."""
    home = urlsplit(origin)
    moved = (urlunsplit(urlsplit(u)._replace(scheme=home.scheme, netloc=home.netloc)) for u in forms)
    return [u for u in dict.fromkeys(moved) if u not in forms]


def _version_record(v: dict, area: str) -> str:
    from herts_scraper.record import record_meta, render_record

    return render_record(record_meta(v["url"], area, v["title"], v["description"], v["published"]), v["body"] or "")


def _find_article(archive: Archive, given: str, args) -> str:
    """The archived URL of the article `given` names (see _url_forms), or a one-line error naming
    the closest archived URLs."""
    forms = _url_forms(given)
    url = archive.find_url(forms)
    if url is None and len(forms) > 1:  # an http(s) URL: try its path on the profile's origin
        url = archive.find_url(_on_origin(forms, load_profile(args.profile or _settings()["SITE_PROFILE"]).origin))
    if url is None:
        near = archive.urls_like(given)
        hint = f"; closest: {', '.join(near)}" if near else ""
        raise CommandError(f"{given} is not in {args.db}{hint}", EXIT_FAILED)
    return url


def _cmd_history(args) -> int:
    import difflib

    with _open_archive(args.db) as archive:
        url = _find_article(archive, args.url, args)
        row = archive.article(url)
        assert row is not None  # find_url found it
        versions = archive.versions(url)
    removed = f", removed {row['removed_at']}" if row["removed_at"] else ""
    print(f"{url}: {len(versions)} version(s), first seen {row['first_seen']}{removed}")
    for v in versions:
        imported = f"  [imported from {v['imported_from']}]" if v.get("imported_from") else ""  # import records
        print(f"  v{v['version']}  {v['first_seen']} .. {v['last_seen']}  {v['content_hash'][:12]}  {v['title']}"
              f"{imported}")
    if not args.no_diff:
        for old, new in pairwise(versions):
            sys.stdout.writelines(difflib.unified_diff(
                _version_record(old, row["area"]).splitlines(keepends=True),
                _version_record(new, row["area"]).splitlines(keepends=True),
                f"v{old['version']} ({old['first_seen']})", f"v{new['version']} ({new['first_seen']})"))
    return 0


def _cmd_case(args) -> int:
    """case REF|URL: archive/cases.py."""
    from herts_scraper.archive.cases import as_json, as_table, threads_of, without_facts

    with _open_archive(args.db) as archive:
        if re.match(r"(?i)https?://", args.case):
            threads = threads_of(archive.db, url=_find_article(archive, args.case, args))
        else:
            threads = threads_of(archive.db, reference=args.case)
            if not threads:
                hint = ("; its articles have no facts yet: `herts-scraper reparse --fields-only` extracts them"
                        if without_facts(archive.db) else "")
                raise CommandError(f"no article in {args.db} names the reference or operation {args.case!r}{hint}",
                                   EXIT_FAILED)
    if args.format == "json":
        print(json.dumps(as_json(threads), ensure_ascii=False, indent=2))
    else:
        for line in as_table(threads, args.case):
            print(line)
    return 0


def _cmd_store(args) -> int:
    import logging

    import redis

    from herts_scraper.archive.lock import ArchiveLocked
    from herts_scraper.crawl.config import UsageError
    from herts_scraper.distributed.frontier import check_frontier_url
    from herts_scraper.distributed.store import run_store

    try:
        check_frontier_url(args.frontier)
    except UsageError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    if args.worker_timeout is not None and args.worker_timeout <= 0:
        raise CommandError("--worker-timeout must be a number of seconds above 0", EXIT_USAGE)
    _check_db_path(args.db)
    settings = _settings()
    settings.set("ARCHIVE_PATH", args.db, priority="cmdline")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    try:
        return run_store(args.frontier, settings, args.worker_timeout)
    except redis.RedisError as exc:
        raise CommandError(f"the frontier {args.frontier} does not answer: {exc}", EXIT_FAILED) from None
    except ArchiveLocked as exc:
        raise CommandError(f"a crawl holds the archive {args.db} ({exc.holder}); try again later",
                           EXIT_CODES["locked"]) from None


def _cmd_reparse(args) -> int:
    from herts_scraper.archive.foreign_warc import Unused
    from herts_scraper.archive.lock import ArchiveLocked
    from herts_scraper.archive.reparse import reparse
    from herts_scraper.crawl.warc import warc_dir_for

    if args.fields_only:
        return _reparse_fields(args)
    if args.all:
        raise CommandError("--all goes with --fields-only (a reparse from WARC files makes every version again)")
    _check_db_path(args.db)
    if args.profile:
        load_profile(args.profile)  # a bad --profile is a usage error before any work
    paths = args.warc or [warc_dir_for(args.db)]
    folder = " ".join(map(str, paths))
    unused = Unused()
    try:
        counts = reparse(paths, args.db, args.profile, wait=args.wait, default_profile=_settings()["SITE_PROFILE"],
                         unused=unused)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    except ArchiveLocked as exc:
        raise _locked(args, exc) from None
    rate = counts.captures / counts.seconds if counts.seconds else 0
    print(f"reparsed {counts.captures} captures from {folder} into {args.db} in {counts.seconds} s "
          f"({rate:.0f}/s): {counts.new} new, {counts.changed} changed, {counts.unchanged} unchanged, "
          f"{counts.inserted} earlier versions inserted, {counts.not_modified} not modified, "
          f"{counts.removed} removed, {counts.rejected} rejected")
    if unused.counts:  # records of other tools' WARC files it could not use, and why
        print(f"could not use {sum(unused.counts.values())} records of other tools' WARC files:")
        for line in unused.lines():
            print(f"  {line}")
    return 0


def _cmd_import(args) -> int:
    from herts_scraper.archive.imports import import_records, parse_as_of, summary
    from herts_scraper.archive.lock import ArchiveLocked

    _check_db_path(args.db)
    try:
        as_of = parse_as_of(args.as_of) if args.as_of else None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not Path(args.dir).exists():
        raise CommandError(f"no folder {args.dir}")
    try:
        counts = import_records(args.dir, args.db, args.source, as_of, wait=args.wait,
                                on_bad=lambda line: print(f"herts-scraper import: {line}", file=sys.stderr))
    except ArchiveLocked as exc:
        raise _locked(args, exc) from None
    print(f"imported {args.dir} into {args.db}: {summary(counts)}")
    return 0


def _locked(args, exc) -> CommandError:
    message = (f"a crawl still holds the archive {args.db} ({exc.holder}) after waiting {args.wait:g} s"
               if args.wait else
               f"a crawl holds the archive {args.db} ({exc.holder}); try again later, or pass --wait SECONDS")
    return CommandError(message, EXIT_CODES["locked"])


def _reparse_fields(args) -> int:
    """reparse --fields-only: archive/fields.py."""
    from herts_scraper.archive.fields import fill_fields, progress_printer, summary
    from herts_scraper.archive.lock import ArchiveLocked

    if args.warc:
        raise CommandError("--fields-only reads the archive alone, without WARC files: leave out --warc")
    _check_db_path(args.db)
    if not Path(args.db).exists():
        raise CommandError(f"no archive at {args.db} (run a crawl first, or give --db)")
    # The project's profile and --profile serve their areas before the bundled profiles.
    profiles = [load_profile(name) for name in (args.profile, _settings()["SITE_PROFILE"]) if name]
    try:
        counts = fill_fields(args.db, every_version=args.all, profiles=profiles, wait=args.wait,
                             progress=progress_printer())
    except ArchiveLocked as exc:
        raise _locked(args, exc) from None
    except KeyboardInterrupt:
        raise CommandError("interrupted; the batches done are kept: run it again to go on",
                           EXIT_CODES["interrupted"]) from None
    print(summary(counts))
    return 0


def _cmd_replica(argv: list[str]) -> int:
    from herts_scraper.replica.server import main as replica_main

    return replica_main(argv)


def _cmd_crawl(argv: list[str]) -> int:
    """`scrapy crawl news ARGV` through Scrapy's own command line (so every option, -a, -s, -O,
    and the exit statuses of commands/crawl.py stay what they are), from any folder: outside a
    project, SCRAPY_SETTINGS_MODULE names herts_scraper's settings, as scrapyd's runner does."""
    from scrapy.cmdline import execute

    if {"-h", "--help"} & set(argv):
        print(CRAWL_USAGE)
    settings = _settings()
    if argv[:1] != ["news"]:  # the spider's name is optional: there is one
        argv = ["news", *argv]
    try:
        execute(["herts-scraper", "crawl", *argv], settings)
    except SystemExit as exc:  # how Scrapy's command line always ends
        return _exit_status(exc.code)
    return 0


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


def _cmd_analysis(args) -> int:
    """search, stats, plot: herts_scraper/analysis (args.run, its command)."""
    from herts_scraper.analysis.selection import AnalysisError

    try:
        return args.run(args)
    except AnalysisError as exc:
        raise CommandError(str(exc)) from None


def _cmd_forces(args) -> int:
    from herts_scraper.profiles import bundled_profiles, load_profile

    corpus = Path(args.corpus) if args.corpus else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    if args.corpus and not corpus.is_dir():
        raise CommandError(f"no folder {args.corpus}", EXIT_USAGE)
    rows = [("profile", "area", "origin", "on SOH", "checked")]
    for name in bundled_profiles():
        prof = load_profile(name)
        records = len(list((corpus / prof.corpus).glob("*.md"))) if prof.corpus and corpus.is_dir() else 0
        if prof.checked and records:
            checked = f"checked against {records} real records"
        elif prof.checked:
            checked = f"checked ({prof.corpus}; corpus not here)"
        else:
            checked = "not checked"
        rows.append((prof.name, prof.area, prof.origin, prof.on_soh, checked))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="herts-scraper", description=__doc__.split("\n\n")[0],
                                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__} "
                        f"(extractor version {EXTRACTOR_VERSION})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=HelpFormatter, **kwargs)

    # Both parse their own options: `herts-scraper crawl --help`, `herts-scraper replica --help`.
    command("crawl", "crawl the site: `scrapy crawl news` from any folder (scrapy crawl's options)", add_help=False)
    command("replica", "serve the offline replica of the site", add_help=False)

    p = command("extract", "print the record of one saved article page, without network")
    p.add_argument("page", help="the saved HTML file (- for standard input)")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--format", choices=("record", "json"), default="record",
                   help="the reference record, or JSON (the article and its police facts: docs/facts.md)")
    p.add_argument("--profile", metavar="NAME", help=PROFILE_HELP)
    p.set_defaults(func=_cmd_extract)

    p = command("export", f"write the archive out as {', '.join(FORMATS)}")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--out", default=EXPORTS, metavar="DIR",
                   help=f"folder to write into; - for standard output ({', '.join(STREAMS)})")
    p.add_argument("--format", choices=FORMATS, default="records",
                   help="records: <out>/<area>/<sha1 of url>.md; jsonl, csv: <out>/articles.<format>")
    p.add_argument("--include-removed", action="store_true", help="also export removed articles")
    p.set_defaults(func=_cmd_export)

    p = command("status", "summarise the archive and its last crawl runs (reads only)")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.set_defaults(func=_cmd_status)

    p = command("history", "the versions of one article, with a diff")
    p.add_argument("url", help="the article's URL: canonical, as fetched (a replica's, a mirror's), with or "
                               "without its trailing slash")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--profile", metavar="NAME", help=f"{PROFILE_HELP}; its origin is tried for a URL on another host")
    p.add_argument("--no-diff", action="store_true", help="list the versions only")
    p.set_defaults(func=_cmd_history)

    p = command("case", "the thread of a case: the articles linked by its references, operations and versions, "
                        "in date order, with what each added")
    p.add_argument("case", metavar="REF|URL", help="a police reference number or operation name as printed, or an "
                                                   "archived article's URL (in the forms history takes)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="lines of text, or JSON: a list of "
                                                                              "the steps")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--profile", metavar="NAME", help=f"{PROFILE_HELP}; its origin is tried for a URL on another host")
    p.set_defaults(func=_cmd_case)

    p = command("reparse", "rebuild the archive from WARC captures, ours or other tools', without network")
    p.add_argument("--warc", metavar="PATH", nargs="+",
                   help="WARC files, or folders of .warc.gz and .warc files, ours or other tools' (Browsertrix, "
                        "Wayback, Heritrix) (default: warc/ beside --db)")
    p.add_argument("--db", metavar="PATH",
                   help="archive to write, an existing one or a new one (default: the setting ARCHIVE_PATH)")
    p.add_argument("--profile", metavar="NAME", help="site profile of our own WARC files (default: the one each "
                                                     "file names; other tools' files: each URL's host; with "
                                                     "--fields-only, the bundled profile of each article's area)")
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="wait this long for a crawl holding the archive to finish (default: 0, exit 75 at once)")
    p.add_argument("--fields-only", action="store_true",
                   help="no WARC files: make the facts of versions made by an older fact extractor again, and "
                        "refill the columns outside the content hash from each article's stored HTML")
    p.add_argument("--all", action="store_true", help="with --fields-only: the facts of every version")
    p.set_defaults(func=_cmd_reparse)

    p = command("import", "load records (our exports, or the public police-news archive) as the earliest "
                          "versions of their articles")
    p.add_argument("what", choices=("records",), help="what to import: records, Markdown files with a YAML block")
    p.add_argument("dir", metavar="DIR", help="folder of records (.md files, at any depth), or one record file")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--source", metavar="NAME", help="where the records come from, kept with each imported version "
                                                    "(default: the folder's absolute path)")
    p.add_argument("--as-of", metavar="DATE", help="the date (YYYY-MM-DD, or an ISO 8601 time) the records' content "
                                                   "is known from: every imported version's first_seen (default: "
                                                   "each record's publication date)")
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="wait this long for a crawl holding the archive to finish (default: 0, exit 75 at once)")
    p.set_defaults(func=_cmd_import)

    p = command("demo", "serve the replica, crawl it with `scrapy crawl news`, export")
    p.add_argument("--articles", type=int, default=300, metavar="N", help="articles the replica serves")
    p.add_argument("--generation", choices=("soh", "legacy"), default="soh", help="which generation of the site")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--out", default=EXPORTS, metavar="DIR", help="folder for the records")
    p.set_defaults(func=_cmd_demo)

    p = command("forces", "list the site profiles: each force's origin, and whether real records checked it")
    p.add_argument("--corpus", metavar="DIR", help="folder of real records to count (default: ../shared/corpus "
                                                   "beside the project, where it exists)")
    p.set_defaults(func=_cmd_forces)

    p = command("store", "store what workers of a shared Redis frontier fetch (scrapy crawl news -s FRONTIER=...)")
    p.add_argument("--frontier", required=True, metavar="URL", help="the frontier: redis://HOST:PORT/DB")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--worker-timeout", type=float, metavar="SECONDS",
                   help="a worker silent this long is taken for dead, its requests queued again "
                        "(default: the setting FRONTIER_WORKER_TIMEOUT)")
    p.set_defaults(func=_cmd_store)

    p = command("serve", "browse and search the archive in Datasette (read-only)")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    p.add_argument("--port", type=int, default=8001, help="port to listen on")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 for every interface)")
    p.set_defaults(func=_cmd_serve)

    from herts_scraper.analysis import commands as analysis

    p = command("search", "find articles by their words, best match first, with a snippet; filter by their facts")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    analysis.add_search_options(p)
    p.set_defaults(func=_cmd_analysis, run=analysis.run_search)

    p = command("stats", "count articles by month, force, kind, offence or place, with appeals, charges, ...")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    analysis.add_stats_options(p)
    p.set_defaults(func=_cmd_analysis, run=analysis.run_stats)

    p = command("plot", "chart the archive's articles (matplotlib: PNG or SVG), or the same chart as text")
    p.add_argument("--db", metavar="PATH", help=DB_HELP)
    analysis.add_plot_options(p)
    p.set_defaults(func=_cmd_analysis, run=analysis.run_plot)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; its exit status. Output piped into a reader that stops early ends quietly."""
    try:
        try:
            status = _run(list(sys.argv[1:] if argv is None else argv))
        except SystemExit as exc:  # argparse's --help, --version and usage errors
            status = _exit_status(exc.code)
        sys.stdout.flush()  # here, where a closed pipe can still be caught
    except BrokenPipeError:
        # The Python docs' recipe: stdout goes to devnull, so the flush at exit has nowhere to fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return status


def _exit_status(code) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)  # sys.exit("message")
    return EXIT_FAILED


def _run(argv: list[str]) -> int:
    if argv and argv[0] == "replica":  # the replica parses its own options
        return _cmd_replica(argv[1:])
    if argv and argv[0] == "crawl":  # Scrapy parses the crawl's
        try:
            return _cmd_crawl(argv[1:])
        except CommandError as exc:
            print(f"herts-scraper crawl: {exc}", file=sys.stderr)
            return exc.status
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
