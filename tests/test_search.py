"""`herts-scraper search`: every article whose text has the words, best match first (title
matches, then BM25 with the title weighing most), a highlighted snippet, filters on the facts of
each article's latest version, and hostile queries answered in one line or searched as text.

Archives are real SQLite files written through the store, their facts made by hand; the
acceptance test searches an archive of the real records of ../shared/corpus and checks it against
a scan of their bodies in Python."""

from __future__ import annotations

import dataclasses
import json
import random
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from herts_scraper.analysis import selection as selection_module
from herts_scraper.analysis.search import fts_terms, search
from herts_scraper.analysis.selection import AnalysisError, Selection
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article, parse_record
from tests.conftest import shared_path

CLI = [sys.executable, "-m", "herts_scraper"]
HERTS = "https://www.herts.police.uk/news/"
KENT = "https://www.kent.police.uk/news/"


def place(name: str, lat: float, lon: float) -> Fact:
    return Fact("places", name, "test", {"lat": lat, "lon": lon})


# Made-up stories: (url, area, title, body, published, facts)
STORIES = [
    (HERTS + "garage-burglary", "Hertfordshire", "Garage burglary in Watford",
     "Tools were taken from a garage in Watford. Anyone with information should call 101.",
     "2024-03-04T09:00:00+00:00", [Fact("kinds", "appeal", "t"), Fact("offences", "burglary", "t"),
                                    place("Watford", 51.656, -0.390)]),
    (HERTS + "shed-break-ins", "Hertfordshire", "Appeal after shed break-ins",
     "Several burglaries from sheds in Bushey were reported. A burglary on Sunday saw a bicycle taken; "
     "another burglary followed. Burglary prevention advice is on our website.",
     "2024-05-20T09:00:00+01:00", [Fact("kinds", "appeal", "t"), Fact("offences", "burglary", "t"),
                                    place("Bushey", 51.643, -0.360)]),
    (HERTS + "man-charged", "Hertfordshire", "Man charged",
     "A man from Watford has been charged with one count of burglary after a long enquiry into thefts "
     "from vehicles across the county over the summer months, detectives said on Friday.",
     "2024-06-01T09:00:00+01:00", [Fact("kinds", "charge", "t"), Fact("offences", "burglary", "t"),
                                    place("Watford", 51.656, -0.390)]),
    (KENT + "ashford-robbery", "Kent", "Robbery in Ashford: can you help?",
     "Officers investigating a robbery in Ashford are asking for dash cam footage (quote 46/1234/24).",
     "2023-11-11T12:00:00+00:00", [Fact("kinds", "appeal", "t"), Fact("offences", "robbery", "t"),
                                    place("Ashford", 51.146, 0.875), Fact("references", "46/1234/24", "t")]),
    (KENT + "open-day", "Kent", "Open day at Maidstone station",
     "Come and meet the team: the open day has a burglary prevention stall.", "2024-07-07T10:00:00+01:00",
     [Fact("kinds", "event", "t"), place("Maidstone", 51.272, 0.529)]),
]


def build(db: Path, stories=STORIES) -> Path:
    with Archive(db) as archive:
        archive.store_many([Capture(Article(url=url, area=area, title=title, body=body, published=published),
                                    facts=facts) for url, area, title, body, published, facts in stories])
    return db


@pytest.fixture
def archive_db(db_path) -> Path:
    return build(db_path)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "search", *args], capture_output=True, text=True, timeout=60)


def found(db: Path, *args: str) -> list[dict]:
    """`herts-scraper search ARGS --format json --limit 0`, as a user runs it."""
    result = run(*args, "--db", str(db), "--format", "json", "--limit", "0")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return json.loads(result.stdout)


def searched(db: Path, query: str, **filters) -> list[str]:
    """The same in this process (the command's own function): the slugs found, best first."""
    with Archive(db, readonly=True) as archive:
        return slugs([dataclasses.asdict(h) for h in search(archive, query, Selection(**filters), limit=None).hits])


def slugs(rows: list[dict]) -> list[str]:
    return [row["url"].rstrip("/").rsplit("/", 1)[-1] for row in rows]


# -- ranking and output ---------------------------------------------------------------------
def test_title_matches_first_then_the_best_match(archive_db):
    rows = found(archive_db, "burglary")
    # the title match; four mentions; one in a short text; one in a long one
    assert slugs(rows) == ["garage-burglary", "shed-break-ins", "open-day", "man-charged"]
    assert [bool(re.search("burglar", r["title"], re.I)) for r in rows] == [True, False, False, False]
    scores = [r["score"] for r in rows[1:]]  # after the title match: by score, four mentions first
    assert scores == sorted(scores, reverse=True)
    assert set(rows[0]) == {"url", "title", "published", "area", "kinds", "places", "snippet", "score"}
    assert rows[0]["kinds"] == ["appeal"] and rows[0]["places"] == ["Watford"] and rows[0]["area"] == "Hertfordshire"
    assert rows[0]["published"] == "2024-03-04T09:00:00+00:00"
    assert "[burglary]" in rows[0]["snippet"]  # the body's words, highlighted, rather than the title again
    assert "[burglaries]" in rows[1]["snippet"] or "[burglary]" in rows[1]["snippet"]


def test_stemming_and_every_word_needed(archive_db):
    assert searched(archive_db, "burglaries") == searched(archive_db, "burglary")
    assert slugs(found(archive_db, "burglary", "Watford")) == ["garage-burglary", "man-charged"]  # two arguments
    assert searched(archive_db, "burglary Ashford") == []


def test_the_table_says_how_many_match_and_shows_the_best(archive_db):
    result = run("burglary", "--db", str(archive_db), "--limit", "2")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "4 articles match 'burglary' (the best 2)"
    assert "  1. Garage burglary in Watford" in lines and "  3." not in result.stdout
    assert any(line.strip().startswith("2024-03-04  Hertfordshire  score ") and "kinds: appeal" in line
               for line in lines)


def test_csv_has_a_header_and_one_line_per_article(archive_db):
    result = run("robbery", "--db", str(archive_db), "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == "url,title,published,area,kinds,places,snippet,score"
    assert len(lines) == 2 and lines[1].startswith(KENT + "ashford-robbery,")


# -- filters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("filters", "expected"), [
    ({"forces": ["Kent"]}, ["open-day"]),
    ({"forces": ["kent"]}, ["open-day"]),  # the profile's name, or the area in any case
    ({"forces": ["hertfordshire", "Kent"]}, ["garage-burglary", "shed-break-ins", "open-day", "man-charged"]),
    ({"kinds": ["appeal"]}, ["garage-burglary", "shed-break-ins"]),
    ({"kinds": ["Charge"]}, ["man-charged"]),
    ({"offences": ["burglary"], "kinds": ["appeal"]}, ["garage-burglary", "shed-break-ins"]),
    ({"places": ["watford"]}, ["garage-burglary", "man-charged"]),
    ({"since": "2024-05"}, ["shed-break-ins", "open-day", "man-charged"]),
    ({"until": "2024-05-20"}, ["garage-burglary", "shed-break-ins"]),
    ({"since": "2024", "until": "2024-06", "places": ["Watford"]}, ["garage-burglary", "man-charged"]),
])
def test_filters_on_the_latest_facts(archive_db, filters, expected):
    assert searched(archive_db, "burglary", **filters) == expected


def test_filters_on_the_command_line(archive_db):
    assert slugs(found(archive_db, "burglary", "--force", "kent", "--force", "Hertfordshire", "--kind", "appeal",
                       "--offence", "burglary", "--place", "WATFORD", "--since", "2024-03", "--until", "2024")) \
        == ["garage-burglary"]


def test_a_filter_reads_the_latest_version_only(archive_db):
    with Archive(archive_db) as archive:  # the Kent open day is edited: its place is now Canterbury
        url, area, title, body, published, _ = STORIES[4]
        archive.store_many([Capture(Article(url=url, area=area, title=title, body=body + " Updated.",
                                            published=published), facts=[place("Canterbury", 51.28, 1.08)])])
    assert searched(archive_db, "burglary", places=["Canterbury"]) == ["open-day"]
    assert searched(archive_db, "burglary", places=["Watford"], forces=["Kent"]) == []
    result = run("burglary", "--db", str(archive_db), "--place", "Maidstone")
    assert result.returncode == 2 and "no article of the archive is about a place of that name" in result.stderr


def test_both_ways_of_testing_a_filter_agree(archive_db, monkeypatch):
    """Few matches: each filter an index search per match; many: the selection made once."""
    sel = Selection(kinds=["appeal"], places=["Watford", "Bushey"], since="2024")
    expected = [HERTS + "garage-burglary", HERTS + "shed-break-ins"]
    with Archive(archive_db, readonly=True) as archive:
        for narrowest in (10**9, 0):  # each filter seems to hold that many articles
            monkeypatch.setattr(selection_module.Resolved, "_sizes", lambda self, n=narrowest: [n] * len(self.filters))
            assert [h.url for h in search(archive, "burglary", sel, limit=None).hits] == expected
        assert archive.db.execute("select count(*) from temp.sqlite_master").fetchone()[0] == 0  # dropped


@pytest.mark.parametrize(("filters", "message"), [
    ({"forces": ["Atlantis"]}, "--force Atlantis: no force of that area or profile name in the archive; "
                               "areas there: Hertfordshire, Kent"),
    ({"forces": ["lancashire"]}, "the archive has no article of Lancashire"),
    ({"kinds": ["apeal"]}, "--kind apeal: no article of the archive has it; kinds there: appeal, charge, event"),
    ({"offences": ["arson"]}, "offences there: burglary, robbery"),
    ({"places": ["Watferd"]}, "did you mean Watford?"),
    ({"since": "last week"}, "'last week' is not a date: give YYYY-MM-DD, YYYY-MM or YYYY"),
    ({"since": "2024-02-30"}, "is not a date"),
    ({"since": "2025", "until": "2024"}, "--since 2025 is after --until 2024"),
])
def test_bad_filters_say_what_the_archive_has(archive_db, filters, message):
    with Archive(archive_db, readonly=True) as archive, pytest.raises(AnalysisError) as raised:
        search(archive, "burglary", Selection(**filters))
    assert message in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "apeal"], "herts-scraper search: --kind apeal: no article of the archive has it; kinds there: "),
    (["--limit", "-1"], "herts-scraper search: --limit must be 0 (every match) or more"),
])
def test_bad_filters_are_one_line_errors(archive_db, args, message):
    result = run("burglary", *args, "--db", str(archive_db))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message)


# -- hostile queries --------------------------------------------------------------------------
@pytest.mark.parametrize("query", ['"', "((", ")", "*", "^", ":", "''", " ", "\u200b", "-", "{}:", "+", "_", "__"])
def test_a_query_without_words_is_refused(archive_db, query):
    with Archive(archive_db, readonly=True) as archive, pytest.raises(AnalysisError, match="nothing to search for"):
        search(archive, query)


@pytest.mark.parametrize("query", ['"', "((", " "])
def test_a_query_without_words_is_a_one_line_error(archive_db, query):
    result = run(query, "--db", str(archive_db))
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "nothing to search for" in result.stderr


@pytest.mark.parametrize(("query", "expected"), [
    ('"burglary', ["garage-burglary", "shed-break-ins", "open-day", "man-charged"]),  # an unbalanced quote
    ("(robbery", ["ashford-robbery"]),
    ("robbery) OR (burglary", []),  # every word, OR included, is a word to find
    ("title:robbery", []),  # no column filter: "title" must be in the text too
    ("robbery*", ["ashford-robbery"]),
    ("NEAR(robbery ashford)", []),
    ("NOT robbery", []),
    ("{title}: robbery", []),
    ("46/1234/24", ["ashford-robbery"]),  # a reference number: its digits, in order
    ("dash-cam", ["ashford-robbery"]),
    ("Ashford's robbery!", []),  # "s" is a word of its own, which no story has
])
def test_search_syntax_is_searched_as_text(archive_db, query, expected):
    assert searched(archive_db, query) == expected


def test_search_syntax_on_the_command_line(archive_db):
    assert slugs(found(archive_db, 'robbery) OR ("NEAR*')) == []
    assert slugs(found(archive_db, '"robbery', "(ashford")) == ["ashford-robbery"]


def test_fts_terms_quote_every_word():
    assert fts_terms("Burglary  in Stevenage's") == '"Burglary" "in" "Stevenage" "s"'
    assert fts_terms('NEAR("a" OR b*)') == '"NEAR" "a" "OR" "b"'
    assert fts_terms("  ") == fts_terms(None) == '""'


def test_an_empty_archive_and_a_missing_one(tmp_path):
    Archive(tmp_path / "empty.db").close()
    assert found(tmp_path / "empty.db", "burglary") == []
    missing = run("burglary", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no archive at" in missing.stderr and missing.stderr.count("\n") == 1


def test_an_archive_of_an_older_release_is_brought_up_to_date(tmp_path):
    from tests.test_migrations import EDITED, build_010_archive

    db = build_010_archive(tmp_path / "herts.db")
    assert slugs(found(db, "stevenage")) == [EDITED.url.rsplit("/", 1)[-1]]


def test_search_in_process_raises_analysis_errors(archive_db):
    with Archive(archive_db, readonly=True) as archive, pytest.raises(AnalysisError, match="nothing to search"):
        search(archive, "!!")


# -- acceptance: the real records --------------------------------------------------------------
def corpus_archive(db: Path) -> Path:
    """Every record of ../shared/corpus, stored through the store (no facts: the words matter here)."""
    corpus = shared_path("corpus")
    captures = []
    for record in sorted(corpus.glob("*/*.md")):
        meta, body = parse_record(record.read_text(encoding="utf-8"))
        captures.append(Capture(Article(url=meta["url"], area=meta["area"], title=meta.get("title"),
                                        description=(meta.get("og") or {}).get("description"), body=body)))
    with Archive(db) as archive:
        for start in range(0, len(captures), 500):
            archive.store_many(captures[start:start + 500])
    return db


def words_of(bodies: list[str], n: int, rng: random.Random) -> list[str]:
    """n words of the bodies (letters only, 6 or more), from the most common to rare ones."""
    counts = Counter(w.lower() for body in bodies for w in re.findall(r"\b[A-Za-z]{6,}\b", body))
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return [ranked[int(len(ranked) * (i / n) ** 3) + rng.randrange(3)] for i in range(n)]


def porter_stems(words: set[str]) -> dict[str, str]:
    """Each word's term in a porter-stemmed FTS5 index (SQLite's own stemmer: what the archive's index holds)."""
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("create virtual table s using fts5(w, tokenize = 'porter')")
        conn.execute("create virtual table v using fts5vocab(s, 'instance')")
        ordered = sorted(words)
        conn.executemany("insert into s (rowid, w) values (?, ?)", enumerate(ordered, 1))
        return {ordered[doc - 1]: term for doc, term in conn.execute("select doc, term from v where offset = 0")}


def tokens(text: str | None) -> set[str]:
    return set(re.findall(r"[^\W_]+", text or ""))


@pytest.mark.slow  # stores the ~6,000 records of the corpus
def test_search_finds_every_article_whose_body_has_the_word_best_first(tmp_path):
    db = corpus_archive(tmp_path / "corpus.db")
    with Archive(db, readonly=True) as archive:
        rows = {url: (title, description, body) for url, title, description, body in
                archive.db.execute("select url, title, description, body from articles")}
        words = words_of([body for _, _, body in rows.values()], 24, random.Random(12))
        stems = porter_stems({t for texts in rows.values() for text in texts for t in tokens(text)} | set(words))
        for word in words:
            has_it = re.compile(rf"\b{word}\b", re.IGNORECASE)
            expected = {url for url, (_, _, body) in rows.items() if has_it.search(body)}
            hits = search(archive, word, limit=None).hits
            urls = [h.url for h in hits]
            assert len(urls) == len(set(urls))
            assert expected <= set(urls), f"{word}: {len(expected - set(urls))} articles with it not found"
            # the others have a word of the same stem (burglaries for burglary), in a field or another
            assert all(stems[word] in {stems[t] for text in rows[u] for t in tokens(text)} for u in urls), word
            # best first: those with the word in their title, then by score
            in_title = [stems[word] in {stems[t] for t in tokens(h.title)} for h in hits]
            assert in_title == sorted(in_title, reverse=True), word
            for group in (True, False):
                scores = [h.score for h, t in zip(hits, in_title, strict=True) if t is group]
                assert scores == sorted(scores, reverse=True), word
        assert sum(len(search(archive, w, limit=None).hits) for w in words) > 5000  # words found, not a vacuous pass
    # and the command gives the same, as a user runs it
    word = words[len(words) // 2]
    rows_cli = found(db, word)
    with Archive(db, readonly=True) as archive:
        assert [r["url"] for r in rows_cli] == [h.url for h in search(archive, word, limit=None).hits]


def test_ranking_weights_match_datasettes_search_query():
    from herts_scraper.analysis.search import BM25_WEIGHTS
    from herts_scraper.serve import metadata

    sql = metadata("herts")["databases"]["herts"]["queries"]["search"]["sql"]
    assert f"bm25(articles_fts, {', '.join(map(str, BM25_WEIGHTS))})" in sql and "fts_terms(:q)" in sql


def test_dataclass_hits_are_plain_data(archive_db):
    with Archive(archive_db, readonly=True) as archive:
        hit = search(archive, "robbery").hits[0]
    assert set(dataclasses.asdict(hit)) == {"url", "title", "published", "area", "kinds", "places", "snippet", "score"}
