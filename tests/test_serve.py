"""`herts-scraper serve`: the archive of a real crawl in Datasette, launched as a user launches it,
with the shipped metadata (sort order, facets, search by relevance, canned queries, links to
crawl runs), and its search page read by a real headless browser (Debian's chromium)."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import yaml

from herts_scraper.archive import schema
from herts_scraper.archive.store import Archive
from herts_scraper.demo import scrapy_crawl
from herts_scraper.replica.server import ReplicaServer
from herts_scraper.serve import metadata
from herts_scraper.serve.plugin import fts_terms
from tests.conftest import ROOT
from tests.test_migrations import build_010_archive

QUIET = ("-s", "LOG_LEVEL=WARNING", "-s", "RUN_REPORT=False")
CLI = [sys.executable, "-m", "herts_scraper"]


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read().decode()
    return json.loads(body) if ".json" in url else body


@contextmanager
def served(db: Path):
    """`herts-scraper serve --db DB --port P` as a subprocess; yields the database's base URL."""
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/{db.stem}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"herts-scraper serve did not start: {proc.communicate()[0][-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()  # Datasette itself: serve replaced its process with it
        proc.wait(30)


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    """A real crawl of the replica, then a full sweep that finds an edit and a removal."""
    db = tmp_path_factory.mktemp("serve") / "herts.db"
    with ReplicaServer(articles=120) as server:
        assert scrapy_crawl(server.base_url, str(db), *QUIET) == 0
    with ReplicaServer(articles=120, edits={5: 1}, removed={7}) as server:
        assert scrapy_crawl(server.base_url, str(db), *QUIET, "-a", "mode=full") == 0
    return db


@pytest.fixture(scope="module")
def server(archive_db):
    with served(archive_db) as base:
        yield base


# -- the shipped metadata and plugin, without a server ----------------------------------------------
def test_every_column_of_the_archive_has_a_description():
    tables = metadata("herts")["databases"]["herts"]["tables"]
    for table in schema.TABLES:
        assert set(tables[table.name]["columns"]) >= set(table.names()), table.name
    assert set(tables[schema.ARTICLE_PAGES]["columns"]) == {"url", "html", "size"}


def test_search_terms_are_words_never_fts_syntax():
    assert fts_terms("Burglary  in Stevenage's") == '"Burglary" "in" "Stevenage" "s"'
    assert fts_terms('NEAR("a" OR b*)') == '"NEAR" "a" "OR" "b"'
    assert fts_terms("  ") == fts_terms(None) == '""'


def test_datasette_connections_read_every_page(db_path):
    """The plugin's connections: the view's SQL function, and a page not in UTF-8 read, not refused."""
    from herts_scraper.archive.store import Capture
    from herts_scraper.record import Article
    from herts_scraper.serve.plugin import prepare_connection

    page = "<html><meta charset=windows-1252><p>Caf\u00e9 \u2013 appeal</p></html>".encode("cp1252") * 20
    with Archive(db_path) as archive:
        archive.store_many([Capture(Article(url="https://www.herts.police.uk/a", area="Hertfordshire", title="A"), page)])
    with closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        prepare_connection(conn)
        (html,) = conn.execute("select html from article_pages").fetchone()
    assert html == page.decode("utf-8", "replace") and "Caf\ufffd" in html


def test_serve_says_what_is_wrong_in_one_line(tmp_path):
    missing = subprocess.run([*CLI, "serve", "--db", str(tmp_path / "none.db")], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no archive at" in missing.stderr
    db = build_010_archive(tmp_path / "herts.db")
    with closing(socket.create_server(("127.0.0.1", 0))) as busy:
        port = str(busy.getsockname()[1])
        taken = subprocess.run([*CLI, "serve", "--db", str(db), "--port", port], capture_output=True, text=True)
    assert taken.returncode == 1 and taken.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in taken.stderr


def test_an_archive_of_an_older_release_is_brought_up_to_date_and_served(tmp_path):
    db = build_010_archive(tmp_path / "herts.db")
    with served(db) as base:
        latest = get(f"{base}/latest.json?_shape=objects")["rows"]
        assert [row["published_date"] for row in latest] == ["2026-11-20"]
        assert get(f"{base}/article_pages.json?_shape=objects")["rows"][0]["html"].startswith("<html>")
    with Archive(db, readonly=True) as archive:
        assert schema.pending(archive.db) == []


# -- a real crawl, served ------------------------------------------------------------------------------
@pytest.mark.slow
def test_articles_are_served_as_the_metadata_says(server, archive_db):
    page = get(f"{server}/articles.json?_size=50&_labels=on&_shape=objects")
    rows = page["rows"]
    assert "raw_html" not in page["columns"] and "published_date" in page["columns"]
    published = [row["published"] for row in rows]
    assert published == sorted(published, reverse=True) and len(rows) == 50  # sort_desc: published
    assert {"area", "status", "generation"} <= set(page["facet_results"])
    assert page["facet_results"]["area"]["results"][0]["value"] == "Hertfordshire"
    assert rows[0]["run_id"]["label"] and rows[0]["run_id"]["value"] in (1, 2)  # a link to crawl_runs
    html = get(f"{server}/articles?_size=5")
    assert f'href="/{archive_db.stem}/crawl_runs/' in html and "The headline." in html  # links, column descriptions
    hidden = {table["name"]: table["hidden"] for table in get(f"{server}.json")["tables"]}
    assert hidden["article_html"] and hidden["articles_fts"] and not hidden["articles"]


@pytest.mark.slow
def test_canned_queries_run_and_return_rows(server):
    assert len(get(f"{server}/latest.json")["rows"]) == 100
    changed = get(f"{server}/changed_last_7_days.json?_shape=objects")["rows"]
    assert [row["version"] for row in changed] == [2] and changed[0]["run_id"] == 2
    removed = get(f"{server}/removed.json?_shape=objects")["rows"]
    assert len(removed) == 1 and removed[0]["removed_at"]
    assert len(get(f"{server}/run_new_articles.json?run_id=1")["rows"]) == 120
    assert get(f"{server}/run_new_articles.json?run_id=2")["rows"] == []


@pytest.mark.slow
def test_search_ranks_title_matches_first(server, archive_db):
    with Archive(archive_db, readonly=True) as archive:
        in_titles = {row["url"] for row in archive.db.query("select url from articles where title like '%burglar%'")}
    rows = get(f"{server}/search.json?q=burglary&_shape=objects")["rows"]
    in_title = [row["url"] in in_titles for row in rows]
    assert any(in_title) and not all(in_title), "the replica should have burglaries in titles and in bodies only"
    assert in_title == sorted(in_title, reverse=True)  # every title match before any other
    assert all("[burglar" in row["excerpt"].lower() or row["url"] in in_titles for row in rows)
    assert get(f"{server}/search.json?q=")["rows"] == []  # an empty search finds nothing, no error


@pytest.mark.slow
def test_the_search_page_shows_results_in_a_browser(server, archive_db, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed (apt-get install chromium; .ci/run does)")
    with Archive(archive_db, readonly=True) as archive:
        word_article = archive.db.execute(
            "select url, title from articles where title like '%appeal%' order by url limit 1").fetchone()
    url = f"{server}/search?" + urllib.parse.urlencode({"q": "appeal"})
    browser = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                              f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=120)
    assert browser.returncode == 0, browser.stderr[-2000:]
    dom = browser.stdout
    assert "Search articles, best match first" in dom
    table = dom[dom.index("<table"):]  # the results, as the browser built the page
    assert word_article[0] in table and word_article[1].replace("'", "&#39;") in table


def test_the_metadata_ships_as_package_data():
    shipped = ROOT / "herts_scraper" / "serve" / "metadata.yaml"
    assert "database" in yaml.safe_load(shipped.read_text())
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"serve/metadata.yaml"' in pyproject and 'herts_scraper = "herts_scraper.serve.plugin"' in pyproject
