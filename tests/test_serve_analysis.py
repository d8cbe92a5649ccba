"""`herts-scraper serve` for analysts: the facets on kinds, offences and places (and their filters),
the canned queries for a case's thread and for appeals near a place, and the map of places
(datasette-cluster-map) read by a real headless browser (Debian's chromium) with no internet: the
tiles do not load, the markers must.

A real Datasette, started as users start it, over an archive written through the store with facts
made by hand (made-up stories; real places' coordinates)."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from herts_scraper.analysis.geo import distance_km
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article
from tests.test_serve import get, served

PLACES = {"Watford": (51.656, -0.390), "Bushey": (51.643, -0.360), "Stevenage": (51.902, -0.202),
          "Dover": (51.127, 1.313), "Harlow": (51.772, 0.102)}
URL = "https://www.herts.police.uk/news/"

# (slug, published, kinds, offences, places, references, operations)
STORIES = [
    ("car-stolen-in-watford", "2024-01-03", ["appeal"], ["theft"], ["Watford"], ["41/100/24"], []),
    ("man-arrested-over-watford-car-theft", "2024-01-10", ["arrest"], ["theft"], ["Watford"], ["41/100/24"], []),
    ("man-charged-with-car-theft", "2024-01-12", ["charge"], ["theft"], ["Bushey", "Watford"], ["41/100/24"],
     ["Tamar"]),
    ("van-break-ins-bushey", "2024-02-01", ["appeal"], ["theft"], ["Bushey"], [], ["Tamar"]),
    ("jailed-for-car-theft", "2024-03-20", ["court"], ["theft"], ["Watford"], [], ["Tamar"]),
    ("stevenage-burglary-appeal", "2024-02-14", ["appeal"], ["burglary"], ["Stevenage"], ["41/200/24"], []),
    ("dover-robbery", "2024-02-20", ["appeal", "wanted"], ["robbery"], ["Dover"], ["46/300/24"], []),
    ("harlow-open-day", "2024-04-01", ["event"], [], ["Harlow"], [], []),
    # the same reference in another force's area: another case
    ("kent-reference-alike", "2024-01-20", ["appeal"], [], ["Dover"], ["41/100/24"], []),
    # a standing campaign: more articles of the area than CAMPAIGN_ARTICLES name it
    *((f"scorpion-{n}", "2024-05-01", ["arrest"], [], [], [], ["Scorpion"]) for n in range(16)),
    ("shed-break-in-scorpion", "2024-05-02", ["appeal"], [], [], ["41/500/24"], ["Scorpion"]),
    ("shed-break-in-charge", "2024-05-03", ["charge"], [], [], ["41/500/24"], []),
]
AREAS = {"kent-reference-alike": "Kent"}


def facts(kinds, offences, places, references, operations) -> list[Fact]:
    out = [Fact("references", r, "t") for r in references] + [Fact("operations", o, "t") for o in operations]
    out += [Fact("kinds", k, "t") for k in kinds] + [Fact("offences", o, "t") for o in offences]
    out += [Fact("places", p, "t", {"lat": PLACES[p][0], "lon": PLACES[p][1]}) for p in places]
    return out


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("serve-analysis") / "herts.db"
    with Archive(db) as archive:
        archive.store_many([
            Capture(Article(url=URL + slug, area=AREAS.get(slug, "Hertfordshire"), title=slug.replace("-", " ").capitalize(),
                            published=f"{date}T09:00:00+00:00", body=f"The story of {slug}."),
                    facts=facts(*rest))
            for slug, date, *rest in STORIES])
    return db


@pytest.fixture(scope="module")
def server(archive_db):
    with served(archive_db) as base:
        yield base


def facet(page: dict, name: str) -> dict[str, tuple[int, bool]]:
    return {v["value"]: (v["count"], v["selected"]) for v in page["facet_results"][name]["results"]}


def slugs(rows: list[dict]) -> list[str]:
    return [row["url"].removeprefix(URL) for row in rows]


def test_facets_on_kinds_offences_and_places(server):
    page = get(f"{server}/article_facets.json?_shape=objects&_size=100")
    assert page["filtered_table_rows_count"] == len(STORIES)
    assert facet(page, "kinds") == {"appeal": (6, False), "arrest": (17, False), "charge": (2, False),
                                    "court": (1, False), "event": (1, False), "wanted": (1, False)}
    assert facet(page, "offences") == {"theft": (5, False), "burglary": (1, False), "robbery": (1, False)}
    assert facet(page, "places") == {"Watford": (4, False), "Bushey": (2, False), "Dover": (2, False),
                                     "Harlow": (1, False), "Stevenage": (1, False)}
    assert page["rows"][0]["kinds"] == '["charge"]'  # newest first, the lists as JSON


def test_choosing_facet_values_filters_the_articles(server):
    page = get(f"{server}/article_facets.json?_shape=objects&_kinds=appeal&_places=Watford")
    assert slugs(page["rows"]) == ["car-stolen-in-watford"]
    assert facet(page, "kinds")["appeal"] == (1, True) and facet(page, "places")["Watford"] == (1, True)
    assert page["human_description_en"].startswith('where kinds includes "appeal" and places includes "Watford"')
    theft = get(f"{server}/article_facets.json?_shape=objects&_offences=theft&published_date__gte=2024-02-01")
    assert sorted(slugs(theft["rows"])) == ["jailed-for-car-theft", "van-break-ins-bushey"]
    assert facet(theft, "kinds") == {"appeal": (1, False), "court": (1, False)}
    # a value's link in the facet adds its filter (and a chosen one's removes it)
    toggle = next(v for v in page["facet_results"]["kinds"]["results"] if v["value"] == "appeal")["toggle_url"]
    assert "_kinds=appeal" not in urllib.parse.urlsplit(toggle).query and "_places=Watford" in toggle
    assert get(f"{server}/article_facets.json?_kinds=nothing-of-the-kind")["rows"] == []


def test_the_facets_are_on_the_html_page_too(server):
    html = get(f"{server}/article_facets?_places=Bushey")
    assert 'data-column="kinds"' in html and 'data-column="places"' in html
    assert "places includes &#34;Bushey&#34;" in html or 'places includes "Bushey"' in html


def test_a_case_thread_in_date_order(server):
    rows = get(f"{server}/case_thread.json?_shape=objects&url=" + urllib.parse.quote(URL + "man-charged-with-car-theft"))
    assert slugs(rows["rows"]) == ["car-stolen-in-watford", "man-arrested-over-watford-car-theft",
                                   "man-charged-with-car-theft", "van-break-ins-bushey", "jailed-for-car-theft"]
    shared = {row["url"].removeprefix(URL): row["shared"] for row in rows["rows"]}
    assert shared["car-stolen-in-watford"] == "41/100/24" and shared["jailed-for-car-theft"] == "Tamar"
    assert sorted(shared["man-charged-with-car-theft"].split("; ")) == ["41/100/24", "Tamar"]
    alone = get(f"{server}/case_thread.json?_shape=objects&url=" + urllib.parse.quote(URL + "harlow-open-day"))
    assert slugs(alone["rows"]) == ["harlow-open-day"]  # no reference, no operation: itself
    assert get(f"{server}/case_thread.json?url=https://nowhere.example/")["rows"] == []
    campaign = get(f"{server}/case_thread.json?_shape=objects&url=" + urllib.parse.quote(URL + "shed-break-in-scorpion"))
    assert slugs(campaign["rows"]) == ["shed-break-in-scorpion", "shed-break-in-charge"]  # not the campaign's 16


def test_the_case_query_follows_the_case_commands_rules():
    from herts_scraper.archive.cases import CAMPAIGN_ARTICLES
    from herts_scraper.serve import metadata

    sql = metadata("herts")["databases"]["herts"]["queries"]["case_thread"]["sql"]
    assert f"<= {CAMPAIGN_ARTICLES}" in sql and "f.area = (select area from this)" in sql


def test_appeals_near_a_place(server):
    rows = get(f"{server}/appeals_near.json?_shape=objects&place=watford&km=5")["rows"]
    bushey = round(distance_km(*PLACES["Watford"], *PLACES["Bushey"]), 1)
    assert [(r["url"].removeprefix(URL), r["place"], r["km"]) for r in rows] == [
        ("car-stolen-in-watford", "Watford", 0.0), ("van-break-ins-bushey", "Bushey", bushey)]
    assert 2 < bushey < 3
    wide = get(f"{server}/appeals_near.json?_shape=objects&place=Watford&km=")["rows"]  # 10 km
    assert slugs(wide) == slugs(rows)
    far = get(f"{server}/appeals_near.json?_shape=objects&place=Watford&km=40")["rows"]
    assert slugs(far) == ["car-stolen-in-watford", "van-break-ins-bushey", "stevenage-burglary-appeal"]
    assert get(f"{server}/appeals_near.json?place=Atlantis&km=50")["rows"] == []


def test_distance_km():
    assert distance_km(51.5, -0.1, 51.5, -0.1) == 0
    assert round(distance_km(51.5072, -0.1276, 48.8566, 2.3522)) == 344  # London to Paris
    assert distance_km(None, 0, 1, 1) is None and distance_km("x", 0, 1, 1) is None


def test_place_map_has_coordinates_and_counts(server):
    rows = get(f"{server}/place_map.json?_shape=objects")["rows"]
    assert {r["place"]: (r["latitude"], r["longitude"], r["articles"], r["appeals"]) for r in rows} == {
        "Watford": (*PLACES["Watford"], 4, 1), "Bushey": (*PLACES["Bushey"], 2, 1),
        "Stevenage": (*PLACES["Stevenage"], 1, 1), "Dover": (*PLACES["Dover"], 2, 2),
        "Harlow": (*PLACES["Harlow"], 1, 0)}


@pytest.mark.slow  # a browser
def test_the_map_of_places_shows_its_markers(server, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed (apt-get install chromium; .ci/run does)")
    # virtual time: the page's scripts fetch the rows and draw; the tiles' requests fail, offline
    browser = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                              f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
                              "--dump-dom", f"{server}/place_map"], capture_output=True, text=True, timeout=120)
    assert browser.returncode == 0, browser.stderr[-2000:]
    dom = browser.stdout
    markers = re.findall(r'<(?:img|div) [^>]*?class="leaflet-marker-icon([^"]*)"[^>]*>(?:<div><span>(\d+)</span>)?', dom)
    assert markers, "no marker on the map"
    # every place is a marker, or counted in a cluster's number
    placed = sum(int(count) if "marker-cluster" in classes else 1 for classes, count in markers)
    assert placed == len(PLACES)
    assert "leaflet-tile-loaded" not in dom  # offline indeed: the markers came without any tile
