"""Force profiles: the list, URL shapes, titles, og:url, update marks, the date block's tag, strictness."""

from __future__ import annotations

import subprocess
import sys

import pytest

from herts_scraper.extract import extract_article
from herts_scraper.profiles import ProfileError, bundled_profiles, load_profile
from herts_scraper.replica.pages import PageContent, render_article_page


def test_every_force_has_a_profile_named_by_its_slug():
    names = bundled_profiles()
    assert len(names) >= 41 and "btp" in names and "soh-platform" not in names
    for slug in ("kent", "greater-manchester", "thames-valley", "northants", "city-of-london", "south-yorkshire"):
        assert slug in names
    for name in names:
        prof = load_profile(name)
        assert prof.name == prof.force_slug == name
        assert prof.origin.startswith("https://www.") and prof.origin.endswith(".police.uk")
    assert load_profile("greater-manchester").origin == "https://www.gmp.police.uk"
    assert load_profile("greater-manchester").area == "Greater Manchester"
    assert "www.southyorks.police.uk" in load_profile("south-yorkshire").hosts


@pytest.mark.parametrize("name, path", [
    ("kent", "/news/kent/news2/appeals/2003/renewed-appeal/"),
    ("kent", "/news/kent/news2/news/a-story/"),
    ("thames-valley", "/news/thames-valley/news/2021/february/15-02-2021/a-story/"),
    ("derbyshire", "/news/derbyshire/news/appeals/north/2020/march/a-story/"),
    ("gloucestershire", "/news/gloucestershire/news/a-story/"),
    ("sussex", "/news/sussex/news/witness-appeals/a-story/"),
    ("city-of-london", "/news/city-of-london/news/2020/December/press-releases/a-story/"),
    ("surrey", "/news/surrey/news/2020/11/a-story/"),
])
def test_article_url_shapes(name, path):
    prof = load_profile(name)
    assert prof.is_article_url(prof.origin + path)
    assert not prof.is_article_url(prof.origin + path.replace(f"/news/{name}/", "/news/another-force/"))


def test_start_urls_reach_the_search_for_every_ct_value():
    kent = load_profile("kent").start_urls()
    assert kent[0] == "https://www.kent.police.uk/news/kent/latest/"
    assert "https://www.kent.police.uk/news/news-search/?ct=Most+Wanted" in kent
    assert "https://www.kent.police.uk/sitemap.xml" in kent
    assert len([u for u in load_profile("greater-manchester").start_urls() if "?ct=" in u]) == 3


def test_only_the_last_force_suffix_is_cut():
    gmp = load_profile("greater-manchester")
    assert gmp.strip_title_suffix("Rochdale | Appeal after crash | Greater Manchester Police") == "Rochdale | Appeal after crash"
    assert gmp.strip_title_suffix("UPDATE | Man charged | GMP Police") == "UPDATE | Man charged"
    assert gmp.strip_title_suffix("Rochdale | Appeal after crash") == "Rochdale | Appeal after crash"


def page(profile, title, body_html, *, tag=None, og_url=None):
    import datetime as dt
    from zoneinfo import ZoneInfo

    content = PageContent(path=f"/news/{profile.force_slug}/news/2020/december/a-story/", title=title, description="d",
                          published=dt.datetime(2020, 12, 16, 21, 21, tzinfo=ZoneInfo("Europe/London")),
                          body_html=body_html, tag=tag, og_url=og_url)
    return render_article_page(content, "soh", profile), profile.origin + content.path


def test_og_url_on_a_foreign_host_is_never_canonical():
    col = load_profile("city-of-london")
    html, url = page(col, "A story", "<p>Text of the story.</p>",
                     og_url="https://colp.mpw.cds.co.uk/news/city-of-london/news/2020/december/a-story/")
    a = extract_article(html, url, col)
    assert a.url == url and a.found_by["url_claimed"].startswith("https://colp.mpw.cds.co.uk/")
    b = extract_article(html, "http://127.0.0.1:8000" + url[len(col.origin):], col, base_url="http://127.0.0.1:8000")
    assert b.url == url


@pytest.mark.parametrize("title", ["UPDATED: Man charged", "UPDATE: Man charged", "Update: Man charged",
                                   "UPDATE - Man charged", "Update Man charged", "UPDATE | Man charged"])
def test_every_update_prefix_marks_an_update(title):
    prof = load_profile("west-mercia")
    html, url = page(prof, title, "<p>A man has been charged.</p>")
    a = extract_article(html, url, prof)
    assert a.title == title and a.found_by["update"] == prof.update_prefix(title).strip()


@pytest.mark.parametrize("marker", ["Updated News Post", "Breaking News Post"])
def test_post_markers_are_recognised_and_kept(marker):
    prof = load_profile("leicestershire")
    html, url = page(prof, "A story", f"<p>{marker}</p><p>Officers are appealing.</p>")
    a = extract_article(html, url, prof)
    assert a.body.startswith(marker) and a.found_by["update"] == marker


def test_the_date_block_tag_is_the_category():
    prof = load_profile("derbyshire")
    html, url = page(prof, "A story", "<p>Officers are appealing.</p>", tag="News, Safer Neighbourhood")
    a = extract_article(html, url, prof)
    assert a.category == "News, Safer Neighbourhood" and a.published == "2020-12-16T21:21:00+00:00"
    assert "Safer" not in a.body
    bare = html.replace('class="c-meta-tag"', "")  # without the replica's class: the short text beside the date
    b = extract_article(bare, url, prof)
    assert b.category and "News" in b.category and b.found_by["category"] == "beside-date"
    plain, _ = page(prof, "A story", "<p>Officers are appealing.</p>")
    assert extract_article(plain, url, prof).category is None


def test_station_finder_and_carousel_inside_the_body_are_furniture():
    prof = load_profile("hampshire")
    body = ("<p>One man has been arrested.</p><div><h2>Police station finder</h2><p>Location search controls</p></div>"
            "<p>Anyone with information should call 101.</p>")
    html, url = page(prof, "A story", body)
    a = extract_article(html, url, prof)
    assert "station finder" not in a.body and "call 101" in a.body and "arrested" in a.body


def test_a_malformed_profile_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: soh-platform\nname: x\narea: X\norigin: https://x\nforce_slug: x\nsearch_ct: 3\n")
    with pytest.raises(ProfileError, match="search_ct must be a list of texts"):
        load_profile(str(bad))
    bad.write_text("extends: soh-platform\nname: x\narea: X\norigin: https://x\nforce_slug: x\non_soh: maybe\n")
    with pytest.raises(ProfileError, match="on_soh must be one of"):
        load_profile(str(bad))


def test_forces_command_lists_origins_and_checks(tmp_path):
    run = subprocess.run([sys.executable, "-m", "herts_scraper", "forces"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(bundled_profiles()) + 1
    kent = next(line for line in lines if line.startswith("kent "))
    assert "https://www.kent.police.uk" in kent
    from tests.conftest import SHARED

    if (SHARED / "corpus" / "Kent").is_dir():
        assert "checked against 292 real records" in kent
    assert "not checked" in next(line for line in lines if line.startswith("wiltshire "))
    bad = subprocess.run([sys.executable, "-m", "herts_scraper", "forces", "--corpus", str(tmp_path / "no")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
