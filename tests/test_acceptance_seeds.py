"""The two seeds: seed 004 through the legacy layout must give its record back
(YAML block byte-identical, same words in the same order); seed 000 with all
its furniture on an SOH page must give a body free of furniture."""

from __future__ import annotations

import re
import subprocess
import sys

import lxml.html

from herts_scraper.extract import extract_article
from herts_scraper.profiles import load_profile
from herts_scraper.record import parse_record
from herts_scraper.replica.pages import page_from_record
from tests.conftest import shared_path

WORDS = re.compile(r"[^\W_]+")
PROFILE = load_profile("hertfordshire")


def words(text: str) -> list[str]:
    return WORDS.findall(text)


def yaml_block(record: str) -> str:
    return record[: record.index("\n```\n") + 5]


def test_seed_004_through_the_legacy_layout_and_the_cli(tmp_path):
    seed = shared_path("seeds", "004_ee92c0a2811ca956.txt").read_text(encoding="utf-8")
    meta, body = parse_record(seed)
    page = tmp_path / "seed004.html"
    page.write_text(page_from_record(meta, body, "legacy", PROFILE), encoding="utf-8")
    fetched_from = "http://127.0.0.1:8000" + meta["url"].split(".uk", 1)[1]
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "extract", str(page), "--url", fetched_from],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    record = result.stdout
    assert yaml_block(record) == yaml_block(seed)
    assert words(parse_record(record)[1]) == words(body)


def test_seed_000_on_an_soh_page_loses_all_its_furniture():
    lines = shared_path("seeds", "000_94a107ee318c299d.txt").read_text(encoding="utf-8").splitlines()
    # The dump's furniture lines come first, up to the beta banner; the rest is the article.
    first_article_line = next(i for i, line in enumerate(lines) if line.startswith("This site is a beta")) + 1
    furniture, article_lines = lines[:first_article_line], lines[first_article_line:]
    body = "\n\n".join(article_lines) + "\n"
    meta = {"area": "Hertfordshire", "title": "Officers attend a university Pride market",
            "publish": {"date": "16 Feb 2023"},
            "url": "https://www.herts.police.uk/news/hertfordshire/news/2023/february-2023/pride-market/"}
    html = page_from_record(meta, body, "soh", PROFILE, furniture_lines=furniture)
    visible = " ".join(lxml.html.document_fromstring(html).text_content().split())
    for line in furniture:  # the page really carries the furniture
        assert " ".join(line.split()) in visible, line
    article = extract_article(html.encode("utf-8"), meta["url"], PROFILE)
    for line in furniture:
        assert line not in article.body
        assert line[:40] not in article.body
    for phrase in PROFILE.furniture_phrases:
        assert phrase not in article.body, phrase
    assert words(article.body) == words(body)
    assert article.title == meta["title"] and article.published.startswith("2023-02-16")
