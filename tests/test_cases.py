"""Case threads (`herts-scraper case REF|URL`): articles linked by a shared reference, an operation
within one force area and the versions of one URL, in date order, with what each step added. A real
SQLite archive written by the real store, the facts made by hand (the sentences are made up)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from herts_scraper.archive.cases import CAMPAIGN_ARTICLES, operation_key, reference_key, threads_of
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article

HERTS = "https://www.herts.police.uk/news/hertfordshire/news/2026/"
KENT = "https://www.kent.police.uk/news/kent/news2/2026/"


def article(url: str, title: str, published: str, area: str = "Hertfordshire", body: str = "") -> Article:
    return Article(url=url, area=area, title=title, description=title, published=published,
                   body=body or f"{title}. Officers are looking into it.\n")


def facts(**fields) -> list[Fact]:
    """Hand-made facts: references=[...], places=[...], people=[(34, "man")], and so on."""
    out = []
    for name, values in fields.items():
        for value in values:
            if name == "places":
                out.append(Fact("places", value, "test", {"lat": 51.7, "lon": -0.4}))
            elif name == "people":
                out.append(Fact("people", f"{value[0]} {value[1]}", "test", {"age": value[0], "gender": value[1]}))
            else:
                out.append(Fact(name, value, "test"))
    return out


APPEAL = article(HERTS + "january/appeal-after-burglary-in-watford/", "Appeal after a burglary in Watford",
                 "2026-01-05T09:00:00+00:00")
ARREST = article(HERTS + "january/man-arrested-after-watford-burglary/", "Man arrested after a Watford burglary",
                 "2026-01-08T16:30:00+00:00")
CHARGE = article(HERTS + "january/man-charged-after-watford-burglary/", "Man charged after a Watford burglary",
                 "2026-01-10")  # a date alone
OTHER = article(HERTS + "january/car-stolen-in-hitchin/", "Car stolen in Hitchin", "2026-01-07T10:00:00+00:00")
MISSING = article(HERTS + "february/missing-woman-from-st-albans/", "Missing woman from St Albans",
                  "2026-02-01T08:00:00+00:00")
FOUND = dataclasses.replace(MISSING, body="UPDATE: she has been found safe. Thank you for sharing our appeal.\n")
SCEPTRE = article(HERTS + "march/knife-amnesty-in-stevenage/", "Knife amnesty in Stevenage", "2026-03-02")
SCEPTRE_TOO = article(HERTS + "march/knives-handed-in-at-stevenage/", "Knives handed in at Stevenage", "2026-03-20")
KENT_SCEPTRE = article(KENT + "march/knife-week-in-maidstone/", "Knife week in Maidstone", "2026-03-05",
                       area="Kent")

FACTS = {
    APPEAL.url: facts(references=["41/1234/26"], kinds=["appeal"], offences=["burglary"], places=["Watford"]),
    ARREST.url: facts(references=["41 / 1234 / 26"], kinds=["arrest"], offences=["burglary"], places=["Watford"],
                      people=[(34, "man")]),
    CHARGE.url: facts(references=["41/1234/26"], kinds=["charge"],
                      offences=["burglary", "possession of weapons"], places=["Watford", "Garston"],
                      people=[(34, "man")]),
    OTHER.url: facts(references=["41/9999/26"], kinds=["appeal"], offences=["theft"], places=["Hitchin"]),
    SCEPTRE.url: facts(operations=["Sceptre"], kinds=["event"], offences=["possession of weapons"],
                       places=["Stevenage"]),
    SCEPTRE_TOO.url: facts(operations=["SCEPTRE"], kinds=["statement"], places=["Stevenage"]),
    KENT_SCEPTRE.url: facts(operations=["Sceptre"], kinds=["event"], places=["Maidstone"]),
}


# A standing campaign: more articles of one force name it than a case has, each about its own case.
CAMPAIGN = [article(HERTS + f"april/drugs-seized-in-raid-{i}/", f"Drugs seized in raid {i}", f"2026-04-{1 + i:02d}")
            for i in range(CAMPAIGN_ARTICLES + 1)]
RAID_FOLLOW_UP = article(HERTS + "may/man-charged-after-raid/", "Man charged after a raid", "2026-05-02")
FACTS.update({a.url: facts(references=[f"41/5{i:03d}/26"], operations=["Scorpion"], kinds=["arrest"])
              for i, a in enumerate(CAMPAIGN)})
FACTS[RAID_FOLLOW_UP.url] = facts(references=["41/5000/26"], kinds=["charge"])


def cli(*args):
    return subprocess.run([sys.executable, "-m", "herts_scraper", "case", *args], capture_output=True, text=True,
                          encoding="utf-8")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cases") / "herts.db"
    with Archive(db) as store:
        # Stored out of date order: the thread's order is the articles' own.
        store.store_many([Capture(a, b"<html></html>", facts=FACTS[a.url])
                          for a in (CHARGE, OTHER, APPEAL, SCEPTRE_TOO, KENT_SCEPTRE, SCEPTRE, ARREST, *CAMPAIGN,
                                    RAID_FOLLOW_UP)])
        store.store_many([Capture(MISSING, facts=facts(kinds=["missing", "appeal"], places=["St Albans"],
                                                       people=[(27, "woman")]),
                                  fetched_at="2026-02-01T08:05:00.000000+00:00")])
        store.store_many([Capture(FOUND, facts=facts(kinds=["missing"], places=["St Albans"], people=[(27, "woman")]),
                                  fetched_at="2026-02-02T11:00:00.000000+00:00")])
    return db


def steps(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_three_articles_linked_by_one_reference_in_date_order(archive):
    thread = steps(cli("41/1234/26", "--db", str(archive), "--format", "json"))
    assert [s["url"] for s in thread] == [APPEAL.url, ARREST.url, CHARGE.url]
    assert [s["kinds"] for s in thread] == [["appeal"], ["arrest"], ["charge"]]
    assert [s["thread"] for s in thread] == [1, 1, 1]
    assert [s["added"] for s in thread] == [
        {"references": ["41/1234/26"], "operations": [], "kinds": ["appeal"], "offences": ["burglary"],
         "places": [{"name": "Watford", "lat": 51.7, "lon": -0.4}], "people": []},
        {"references": [], "operations": [], "kinds": ["arrest"], "offences": [], "places": [],
         "people": [{"age": 34, "gender": "man"}]},
        {"references": [], "operations": [], "kinds": ["charge"], "offences": ["possession of weapons"],
         "places": [{"name": "Garston", "lat": 51.7, "lon": -0.4}], "people": []},
    ]
    assert thread[1]["linked_by"] == {"references": ["41 / 1234 / 26"], "operations": [], "earlier_version": False}
    assert thread[0]["linked_by"] == {"references": [], "operations": [], "earlier_version": False}
    # The same thread from any of its articles' URLs, and from the reference printed otherwise.
    assert steps(cli(CHARGE.url, "--db", str(archive), "--format", "json")) == thread
    assert steps(cli("41 / 1234 / 26", "--db", str(archive), "--format", "json")) == thread


def test_the_table_shows_each_step_with_its_kinds_ties_and_additions(archive):
    result = cli("41/1234/26", "--db", str(archive))
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "thread of 41/1234/26: 3 articles, 3 versions, Hertfordshire, 2026-01-05 to 2026-01-10"
    assert lines[1].split() == ["2026-01-05", "appeal", *APPEAL.title.split()]
    assert lines[2].strip() == APPEAL.url
    assert lines[3].strip() == ("added: references 41/1234/26; kinds appeal; offences burglary; places Watford")
    assert [line.strip() for line in lines[4:8]] == [
        f"2026-01-08  arrest                   {ARREST.title}", ARREST.url,
        "linked by reference 41 / 1234 / 26", "added: kinds arrest; people 34 man"]
    assert lines[-1].strip() == "added: kinds charge; offences possession of weapons; places Garston"
    assert OTHER.url not in result.stdout


def test_the_versions_of_an_updated_story_are_its_steps(archive):
    thread = steps(cli(MISSING.url, "--db", str(archive), "--format", "json"))
    assert [(s["url"], s["version"], s["versions"]) for s in thread] == [(MISSING.url, 1, 2), (MISSING.url, 2, 2)]
    assert thread[1]["linked_by"]["earlier_version"] is True
    assert thread[1]["added"] == {name: [] for name in thread[1]["added"]}  # nothing new: found, not a new case
    assert thread[0]["first_seen"] < thread[1]["first_seen"]
    table = cli(MISSING.url, "--db", str(archive)).stdout
    assert "(version 2 of 2, first seen 2026-02-02)" in table and "linked by an earlier version" in table and "added: nothing new" in table


def test_one_operation_name_in_two_force_areas_is_two_threads(archive):
    herts = steps(cli(SCEPTRE.url, "--db", str(archive), "--format", "json"))
    assert [s["url"] for s in herts] == [SCEPTRE.url, SCEPTRE_TOO.url]  # linked within Hertfordshire
    assert herts[1]["linked_by"]["operations"] == ["SCEPTRE"]
    kent = steps(cli(KENT_SCEPTRE.url, "--db", str(archive), "--format", "json"))
    assert [s["url"] for s in kent] == [KENT_SCEPTRE.url]
    by_name = steps(cli("Operation Sceptre", "--db", str(archive), "--format", "json"))
    assert [(s["thread"], s["url"]) for s in by_name] == [(1, SCEPTRE.url), (1, SCEPTRE_TOO.url),
                                                          (2, KENT_SCEPTRE.url)]
    table = cli("op sceptre", "--db", str(archive)).stdout
    assert table.startswith("thread 1 of 2 of op sceptre: 2 articles, 2 versions, Hertfordshire, ")
    assert "thread 2 of 2 of op sceptre: 1 article, 1 version, Kent, 2026-03-05 to 2026-03-05" in table


def test_a_campaign_links_no_cases_but_asked_by_name_is_one_thread(archive):
    own_case = steps(cli(CAMPAIGN[0].url, "--db", str(archive), "--format", "json"))
    assert [s["url"] for s in own_case] == [CAMPAIGN[0].url, RAID_FOLLOW_UP.url]
    assert own_case[1]["linked_by"] == {"references": ["41/5000/26"], "operations": [], "earlier_version": False}
    campaign = steps(cli("Operation Scorpion", "--db", str(archive), "--format", "json"))
    assert [s["url"] for s in campaign] == [a.url for a in CAMPAIGN] + [RAID_FOLLOW_UP.url]
    assert [s["linked_by"]["operations"] for s in campaign[:2]] == [[], ["Scorpion"]]


def test_an_article_without_links_is_a_thread_of_its_own(archive):
    with Archive(archive, readonly=True) as store:
        (thread,) = threads_of(store.db, url=OTHER.url)
    assert [(s.url, s.kinds) for s in thread] == [(OTHER.url, ["appeal"])]


@pytest.mark.parametrize("given, message", [
    ("41/0000/26", "no article in {db} names the reference or operation '41/0000/26'"),
    (HERTS + "january/appeal-after-burglary-in-watfrod/", "is not in {db}; closest: " + APPEAL.url),
])
def test_what_matches_nothing_is_one_line_and_status_1(archive, given, message):
    result = cli(given, "--db", str(archive))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message.format(db=archive) in result.stderr


def test_an_archive_without_facts_says_how_to_get_them(tmp_path):
    from tests.test_migrations import EDITED, build_010_archive

    db = build_010_archive(tmp_path / "herts.db")  # read as it stands: no facts table
    result = cli("41/1234/26", "--db", str(db))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "no facts yet: `herts-scraper reparse --fields-only` extracts them" in result.stderr
    thread = steps(cli(EDITED.url, "--db", str(db), "--format", "json"))  # its versions, without facts
    assert [(s["version"], s["kinds"]) for s in thread] == [(1, []), (2, [])]


def test_no_archive_is_a_usage_error(tmp_path):
    result = cli("41/1234/26", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2 and "no archive at" in result.stderr


def test_keys():
    assert reference_key(" 41 / 1234 / 26 ") == reference_key("41/1234/26") == "41/1234/26"
    assert reference_key("isr 443 of 12 January") == "ISR443OF12JANUARY"
    assert operation_key("Operation  SCEPTRE") == operation_key("op sceptre") == operation_key("Sceptre") == "sceptre"
    assert operation_key("Operation") == "operation"  # a name alone is kept
