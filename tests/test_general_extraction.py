"""Extraction by general means (issue 11): pages no profile selector finds the body of.

- navigation by general means: share rows and a trailing link back to a listing are not body;
- a page stripped of every class, id, data- and aria- attribute extracts as the same page with them, in
  both Hertfordshire generations (tests/test_extract.py) and for every corpus force with its own profile;
- trafilatura's main-content search where ours is not framed as the article, recorded in found_by;
- a few pages of the public article-extraction benchmark, read at run time from its folder
  (HERTS_EXTRACTION_BENCHMARK, default /work/data/article-extraction-benchmark; skipped when absent).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest

from herts_scraper.extract import content, extract_article, fallback
from herts_scraper.profiles import bundled_profiles, load_profile
from herts_scraper.record import parse_record
from herts_scraper.replica.pages import page_from_record
from herts_scraper.replica.site import ReplicaSite
from tests.conftest import shared_path
from tests.test_corpus_forces import SOH_FORCES

WORDS = re.compile(r"[^\W_]+")
OTHER_SITE = "https://news.example.org/2024/05/13/bridge-reopens"
# Every class, id, data- and aria- attribute: what a page keeps when its markup no profile knows.
_ATTRIBUTES = re.compile(r'\s(?:class|id|data-[\w-]+|aria-[\w-]+)\s*=\s*(?:"[^"]*"|\'[^\']*\'|[^\s>]+)', re.I)


def bare(page: str) -> str:
    return _ATTRIBUTES.sub("", page)


def words(text: str | None) -> list[str]:
    return WORDS.findall(text or "")


def text_words(html: str) -> list[str]:
    return words(re.sub(r"<[^>]+>", " ", html))


STORY = ("<p>The bridge over the river reopened on Monday after six months of repairs, the council said.</p>"
         "<p>Drivers had faced a detour of twelve miles while the old deck was replaced and the railings were "
         "painted. Cyclists and walkers used a temporary footbridge beside it.</p>"
         "<p>A spokesperson said the work finished on time and within its budget, and thanked residents for "
         "their patience. Facebook and Twitter users had shared pictures of the works all summer.</p>")


def other_site_page(inner: str) -> str:
    return (f"<html><head><title>Bridge reopens | Example News</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news/'>News</a> <a href='/sport/'>Sport</a></nav>"
            f"<article><h1>Bridge reopens</h1>{inner}</article>"
            f"<footer><p>Example News, 1 High Street</p></footer></body></html>")


# -- navigation by general means -----------------------------------------------
@pytest.mark.parametrize("share", [
    "<p>Share this article: <a href='https://facebook.com/s'>Facebook</a> | <a href='https://x.com/s'>Twitter</a>"
    " | <a href='mailto:?body=x'>Email</a></p>",
    "<ul><li><a href='#'>Facebook</a></li><li><a href='#'>X</a></li><li><a href='#'>WhatsApp</a></li></ul>",
    "<div><span>Share</span><a href='#'>Email</a></div>",
])
def test_share_rows_are_navigation(share):
    a = extract_article(other_site_page(STORY + share), OTHER_SITE)
    assert words(a.body) == text_words(STORY)
    assert "Facebook and Twitter users" in a.body  # a sentence naming networks is text


@pytest.mark.parametrize("back", [
    "<p><a href='/news/'>Back to news and appeals</a></p>",
    "<a href='/news/'>Return to the newsroom</a>",
    "<p><a href='/2024/05/'>May 2024</a></p>",  # a folder above the page itself
    "<div><p><a href='https://news.example.org/news/'>More news</a></p></div>",
])
def test_trailing_link_back_to_a_listing_is_navigation(back):
    a = extract_article(other_site_page(STORY + back), OTHER_SITE)
    assert words(a.body) == text_words(STORY)


def test_links_inside_the_text_and_other_trailing_links_stay():
    end = "<p><a href='https://council.example.gov/roads'>Read the council's road works plan</a></p>"
    a = extract_article(other_site_page(STORY + end), OTHER_SITE)
    assert words(a.body) == text_words(STORY + "Read the council's road works plan") + ["https", "council", "example",
                                                                                    "gov", "roads"]


def test_remove_navigation_counts_what_it_removes():
    from lxml import html as lxml_html

    region = lxml_html.fromstring(f"<div>{STORY}<p>Share this page</p><p><a href='/news/'>Back to news</a></p></div>")
    assert content.remove_navigation(region, "/news/bridge") == 2
    assert content.remove_navigation(region, "/news/bridge") == 0


# -- bare pages ------------------------------------------------------------------
def test_bare_replica_pages_of_both_generations():
    for gen in ("soh", "legacy"):
        site = ReplicaSite(articles=400, generation=gen)
        for i in range(0, 400, 20):
            page, url = site.render_article(i), site.article(i).url(gen)
            full, stripped = extract_article(page, url), extract_article(bare(page), url)
            assert stripped.found_by["body"] != "profile" and full.found_by["body"] == "profile"
            assert (stripped.title, stripped.published, stripped.description, stripped.url) == \
                (full.title, full.published, full.description, full.url), (gen, i)
            assert words(stripped.body) == words(full.body), (gen, i)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hertfordshire", *SOH_FORCES])
def test_bare_corpus_pages_extract_as_the_full_ones(name):
    """Every corpus force: its records rendered in its own markup, with and without attributes."""
    profile = load_profile(name)
    files = sorted(shared_path("corpus", profile.corpus).glob("*.md"))[::7]  # a spread sample of each force
    gens = ("legacy", "soh") if name == "hertfordshire" else ("soh",)
    failures = []
    for f in files:
        meta, body = parse_record(f.read_text(encoding="utf-8"))
        for gen in gens:
            page = page_from_record(meta, body, gen, profile)
            full = extract_article(page.encode("utf-8"), meta["url"], profile)
            stripped = extract_article(bare(page).encode("utf-8"), meta["url"], profile)
            if ((stripped.title, stripped.published, stripped.description, stripped.url, words(stripped.body))
                    != (full.title, full.published, full.description, full.url, words(full.body))):
                failures.append((gen, f.name))
    # at most 1% of a force's pages, or one page (samples of 20-150 pages)
    assert len(failures) <= max(1, len(files) * len(gens) * 0.01), failures[:5]


# -- the fallback ------------------------------------------------------------------
def test_pages_a_profile_knows_never_take_the_fallback():
    for gen in ("soh", "legacy"):
        site = ReplicaSite(articles=100, generation=gen)
        for i in range(0, 100, 10):
            assert extract_article(site.render_article(i), site.article(i).url(gen)).found_by["body"] == "profile"


def test_trafilatura_where_our_region_is_not_the_article():
    # The <article> element holds a teaser; the story is in a plain <div> no profile knows.
    long_story = STORY * 3
    page = ("<html><head><title>Bridge reopens</title></head><body><div><h1>Bridge reopens</h1>"
            f"<div>{long_story}</div></div><aside><article><h3>Also today</h3>"
            "<p><a href='/other'>Road closed in town</a> A short teaser about something else.</p></article></aside>"
            "</body></html>")
    a = extract_article(page, OTHER_SITE)
    assert a.found_by["body"] == fallback.FOUND_BY
    assert words(a.body) == text_words(long_story)
    assert a.images == []


def test_ours_stands_rules():
    body = ["The bridge over the river reopened on Monday.", "Drivers had faced a detour of twelve miles."]
    headings = ["* ### Officers are appealing for witnesses to come forward."]
    # trafilatura's last resort: one block, the page's whole text with the headline in it
    assert fallback.ours_stands(body, ["Bridge reopens " + " ".join(body) + " Leave this site"],
                                own=["Bridge reopens"])
    # a list of headings trafilatura dropped: ours stands only where the page frames our region
    assert fallback.ours_stands(body + headings * 3, body, framed=True)
    assert not fallback.ours_stands(body + headings * 3, body, framed=False)
    # framed, but trafilatura found words ours lacks: theirs
    assert not fallback.ours_stands(body[:1], body, framed=True)
    assert not fallback.ours_stands([], body, framed=True)


# -- the article-extraction benchmark ----------------------------------------------
def benchmark_folder() -> Path:
    folder = Path(os.environ.get("HERTS_EXTRACTION_BENCHMARK", "/work/data/article-extraction-benchmark"))
    if not (folder / "ground-truth.json").is_file():
        pytest.skip(f"no article-extraction benchmark at {folder} (set HERTS_EXTRACTION_BENCHMARK; bench/README.md)")
    return folder


def test_benchmark_pages_at_least_as_faithful_as_trafilatura():
    import trafilatura

    from bench.benchlib import word_f1

    folder = benchmark_folder()
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    keys = sorted(truth)[::18]  # ten pages spread over the benchmark
    ours, theirs, hows = [], [], set()
    for key in keys:
        raw = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        a = extract_article(raw, truth[key]["url"])
        hows.add(a.found_by["body"])
        ours.append(word_f1(re.sub(r" \((?:https?|mailto|tel):[^)\s]*\)", "", a.body), truth[key]["articleBody"]))
        theirs.append(word_f1(trafilatura.extract(raw.decode("utf-8", "replace"), url=truth[key]["url"]),
                              truth[key]["articleBody"]))
    assert sum(ours) / len(ours) >= max(0.9, sum(theirs) / len(theirs) - 0.01), (ours, theirs)
    assert fallback.FOUND_BY in hows and hows - {fallback.FOUND_BY}  # both means at work
    assert all(load_profile(n) for n in bundled_profiles())  # the default profile knew none of these sites
