"""`herts-scraper serve`: the archive in Datasette, with the metadata shipped in this package
(metadata.yaml: descriptions, sort order, facets, search, canned queries) and its plugin
(plugin.py: the SQL functions the archive's view and the search query use).

Datasette is launched as a user would launch it (`datasette serve DB --metadata ...`), replacing
this process, so that Ctrl-C and a service manager's SIGTERM reach it directly. It opens the
archive read-only (mode=ro, not immutable), so a crawl writing beside it in WAL mode is seen live.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sys
from importlib.resources import files
from pathlib import Path

import yaml

# What Datasette shows of a long cell in table views (the bodies and the raw HTML).
TRUNCATE_CELLS = 400


class ServeError(Exception):
    """Why the server cannot start: one line, and whether it is a usage error."""

    def __init__(self, message: str, usage: bool = True):
        super().__init__(message)
        self.usage = usage


def metadata(database: str) -> dict:
    """The shipped metadata, its `database` section under the archive's database name."""
    shipped = yaml.safe_load(files(__package__).joinpath("metadata.yaml").read_text(encoding="utf-8"))
    return {**{k: v for k, v in shipped.items() if k != "database"}, "databases": {database: shipped["database"]}}


def database_name(db: Path) -> str:
    """The name Datasette gives a database file: its name without the extension."""
    return db.stem


def datasette_command(db: Path, host: str, port: int, metadata_file: str) -> list[str]:
    # No suggested facets: Datasette tries every column of a table page for them, which costs more
    # than the page itself at 100,000 articles (0.6 s of 0.7); the metadata names the useful ones.
    return [sys.executable, "-m", "datasette", "serve", str(db), "--metadata", metadata_file,
            "--host", host, "--port", str(port), "--setting", "truncate_cells_html", str(TRUNCATE_CELLS),
            "--setting", "suggest_facets", "off"]


def check_can_serve(host: str, port: int) -> None:
    """Datasette is installed and the address is free (Datasette itself would say so less plainly)."""
    if importlib.util.find_spec("datasette") is None:
        raise ServeError("Datasette is not installed: pip install 'herts-scraper[serve]' (make demo installs it)")
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", usage=False) from None


def exec_datasette(db: Path, host: str, port: int) -> None:
    """Replace this process with Datasette serving the archive. The metadata goes through a pipe
    (/dev/fd/N, read once at start-up), keyed by the database's name: nothing is left behind."""
    document = json.dumps(metadata(database_name(db))).encode()
    read_end, write_end = os.pipe()
    if len(document) >= 65536:  # a pipe holds 64 KiB on Linux: more would block here
        raise ServeError("the shipped metadata is too large to hand over through a pipe", usage=False)
    os.write(write_end, document)
    os.close(write_end)
    os.set_inheritable(read_end, True)
    command = datasette_command(db, host, port, f"/dev/fd/{read_end}")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
