"""Every force with real records in ../shared/corpus: each record rendered into the
replica's article page in that force's own URL shapes and quirks (its profile), and
extracted back with the same profile, gives the same metadata (title, description,
date and time, URL, category tag) for at least 99.5% of records and the body's
words in the same order for at least 99%, per force."""

from __future__ import annotations

import html
import re

import pytest

from herts_scraper.extract import extract_article
from herts_scraper.profiles import bundled_profiles, load_profile
from herts_scraper.record import parse_record
from herts_scraper.replica.pages import is_soh_form, page_from_record, split_meta_lines
from tests.conftest import shared_path

WORDS = re.compile(r"[^\W_]+")
# Widgets the public archive failed to strip (corpus/README.md): furniture, not article text.
WIDGET_LINES = re.compile(r"^(?:#+ )?(?:\*\*)?(?:Police station finder|Location search controls|or Use current location|"
                          r"Showing results for|Find your local police stations|Please enable JavaScript to view the map)"
                          r"(?:\*\*)?$", re.M)
SOH_FORCES = [name for name in bundled_profiles() if load_profile(name).corpus not in (None, "Hertfordshire")]


def expected(meta: dict, body: str, profile) -> tuple[tuple, list[str]]:
    """What extraction should give for an SOH-form record: (metadata, body words)."""
    tags, when, rest = split_meta_lines(body)
    date = (meta.get("publish") or {}).get("date")
    if when is None and date:
        hh, mm, d, mo, y = map(int, re.fullmatch(r"(\d\d):(\d\d) (\d\d)/(\d\d)/(\d{4})", date).groups())
        when = _london(y, mo, d, hh, mm)
    og = meta.get("og") or {}
    desc = og.get("description")
    meta_want = (html.unescape(profile.strip_title_suffix(meta["title"])), html.unescape(desc) if desc is not None else None,
                 when.isoformat() if when else None, meta["url"], ", ".join(tags) or None)
    return meta_want, WORDS.findall(WIDGET_LINES.sub("", rest))


def _london(y, mo, d, hh, mm):
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime(y, mo, d, hh, mm, tzinfo=ZoneInfo("Europe/London"))


def test_every_corpus_force_has_a_checked_profile():
    folders = {p.name for p in shared_path("corpus").iterdir() if p.is_dir()}
    backed = {load_profile(name).corpus: name for name in bundled_profiles() if load_profile(name).corpus}
    assert folders <= set(backed), sorted(folders - set(backed))
    for folder, name in backed.items():
        prof = load_profile(name)
        assert prof.checked and prof.area == folder, name


@pytest.mark.parametrize("name", SOH_FORCES)
def test_force_corpus_round_trip(name, capsys):
    profile = load_profile(name)
    files = sorted(shared_path("corpus", profile.corpus).glob("*.md"))
    assert files
    meta_fail, body_fail = [], []
    for f in files:
        meta, body = parse_record(f.read_text(encoding="utf-8"))
        assert is_soh_form(meta), f.name
        assert profile.is_article_url(meta["url"]), meta["url"]  # the force's own URL shapes
        page = page_from_record(meta, body, "soh", profile)
        article = extract_article(page.encode("utf-8"), meta["url"], profile)
        meta_want, words_want = expected(meta, body, profile)
        got = (article.title, article.description, article.published, article.url, article.category)
        if got != meta_want:
            meta_fail.append((f.name, [(g, w) for g, w in zip(got, meta_want, strict=True) if g != w]))
        if WORDS.findall(article.body) != words_want:
            body_fail.append(f.name)
    n = len(files)
    with capsys.disabled():
        print(f"\n[forces] {name}: metadata identical {n - len(meta_fail)}/{n}, body words identical {n - len(body_fail)}/{n}")
    assert len(meta_fail) <= n * 0.005, meta_fail[:3]
    assert len(body_fail) <= n * 0.01, body_fail[:3]
