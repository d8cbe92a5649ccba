"""Every force with real records in ../shared/corpus, served by the replica in its own shapes
(profile `corpus_shows:`: URL shapes, date-block tags, body markers, widgets; its listing, `ct`
values, title suffix and area), is archived exactly by one `scrapy crawl news` of them all:
every article, and the exported records byte-equal to what the replica says it serves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from herts_scraper.archive.export import area_folder, export
from herts_scraper.archive.store import Archive
from herts_scraper.profiles import bundled_profiles, load_profile
from herts_scraper.record import record_name
from herts_scraper.replica.generator import article_shapes, generate_article
from herts_scraper.replica.server import ReplicaServer
from herts_scraper.replica.site import ReplicaSite
from tests.conftest import ROOT

ARTICLES = 25
# Hertfordshire's crawl is tests/test_crawl.py's.
FORCES = [name for name in bundled_profiles() if load_profile(name).corpus not in (None, "Hertfordshire")]


def expected_records(name: str, count: int) -> dict[str, str]:
    out = {}
    for i in range(count):
        article = generate_article(i, profile=name).expected_article("soh")
        out[record_name(article.url)] = article.to_record()
    return out


def test_there_are_the_corpus_forces():
    assert len(FORCES) == 21


@pytest.mark.parametrize("name", FORCES)
def test_each_force_is_served_in_its_own_shapes(name):
    profile = load_profile(name)
    site = ReplicaSite(articles=60, profile=profile)
    paths = [site.stub(i).soh_path for i in range(60)]
    assert all(profile.is_article_url(profile.origin + p) for p in paths), paths
    assert not any(profile.generations["soh"].is_listing_path(p) for p in paths)
    # more than one shape when the corpus shows several
    assert len({p.rsplit("/", 2)[0].count("/") for p in paths} | {p.split("/")[4] for p in paths}) > 1 \
        or len(article_shapes(profile)) == 1
    listing = site.respond("GET", profile.listing_path)
    assert listing.status == 200 and f'href="{paths[-1]}"'.encode() in listing.body
    article = site.respond("GET", paths[0]).body.decode()
    assert f"{profile.title_suffixes[0]}</title>" in article
    assert "Watford" not in article and "Hertfordshire" not in article
    for ct in profile.search_ct:
        assert site.respond("GET", "/news/news-search/?" + urlencode({"ct": ct})).status == 200


def test_kent_listing_is_its_own():
    site = ReplicaSite(articles=5, profile="kent")
    assert site.respond("GET", "/news/kent/latest/").status == 200
    assert site.respond("GET", "/news/kent/news/").status == 404
    assert site.stub(0).soh_path.startswith("/news/kent/news2/")


@pytest.mark.slow
def test_one_crawl_archives_every_corpus_force_exactly(tmp_path):
    db = tmp_path / "forces.db"
    servers = {name: ReplicaServer(articles=ARTICLES, profile=name).start() for name in FORCES}
    try:
        bases = ",".join(f"{name}={server.base_url}" for name, server in servers.items())
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"force={','.join(FORCES)}",
               "-a", f"base_url={bases}", "-s", f"ARCHIVE_PATH={db}", "-s", "LOG_LEVEL=WARNING"]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        for name, server in servers.items():
            assert server.stats()["requests"]["by_kind"]["article"] == ARTICLES, name
    finally:
        for server in servers.values():
            server.stop()
    out = tmp_path / "exports"
    with Archive(db) as archive:
        assert export(archive, out, "records")["articles"] == ARTICLES * len(FORCES)
    differ = {}
    for name in FORCES:
        folder = Path(out, area_folder(load_profile(name).area))
        files = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
        expected = expected_records(name, ARTICLES)
        assert files.keys() == expected.keys(), name
        bad = [n for n in expected if files[n] != expected[n]]
        if bad:
            differ[name] = bad
    assert not differ, {name: len(bad) for name, bad in differ.items()}


@pytest.mark.parametrize("name, mark", [("derbyshire", 'class="c-meta-tag"'), ("essex", 'class="c-meta-tag"'),
                                        ("merseyside", ">Wanted<"), ("hampshire", "Police station finder"),
                                        ("warwickshire", "Breaking News Post"), ("west-mercia", "Breaking News Post"),
                                        ("city-of-london", 'content="https://colp.mpw.cds.co.uk/news/city-of-london/')])
def test_the_crawled_replicas_carry_each_forces_quirks(name, mark):
    """The crawl test's small replicas hold the quirks the corpus shows for these forces."""
    site = ReplicaSite(articles=ARTICLES, profile=name)
    assert any(mark in site.respond("GET", site.stub(i).soh_path).body.decode() for i in range(ARTICLES))
