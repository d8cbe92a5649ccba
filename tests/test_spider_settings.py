"""Politeness: the live site gets robots.txt, an honest User-Agent and one
request a second at most; only a loopback base_url lifts the limits."""

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.project import get_project_settings

from herts_scraper.archive.store import Archive
from herts_scraper.crawl.run import ArchiveState
from herts_scraper.crawl.spider import NewsSpider


@pytest.fixture(autouse=True)
def archive_in_tmp(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "herts_scraper.settings")
    monkeypatch.setattr("herts_scraper.settings.ARCHIVE_PATH", str(tmp_path / "herts.db"))


def make(monkeypatch, **kwargs):
    crawler = Crawler(NewsSpider, get_project_settings())
    spider = NewsSpider.from_crawler(crawler, **kwargs)
    with Archive(crawler.settings.get("ARCHIVE_PATH")) as archive:
        spider.use_archive(ArchiveState.load(archive))  # as crawl_run.ArchiveRun does when the spider opens
    return crawler.settings, spider


def test_live_site_defaults_are_polite(monkeypatch):
    settings, spider = make(monkeypatch)
    assert spider.base_url == "https://www.herts.police.uk"
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert "herts-scraper" in settings.get("USER_AGENT") and "https://" in settings.get("USER_AGENT")
    assert spider.allowed_domains == ["www.herts.police.uk"]


def test_a_mirror_elsewhere_stays_polite(monkeypatch):
    settings, spider = make(monkeypatch, base_url="https://mirror.example.org/")
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0 and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert spider.base_url == "https://mirror.example.org"


def test_an_empty_archive_gets_a_full_sweep(monkeypatch):
    _, spider = make(monkeypatch)
    assert spider.mode == "full" and spider.known == {}
    _, spider = make(monkeypatch, mode="incremental", stop_after="5")
    assert spider.mode == "incremental" and spider.stop_after == 5


def test_loopback_runs_at_full_speed(monkeypatch):
    settings, spider = make(monkeypatch, base_url="http://127.0.0.1:8000")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0 and not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getbool("ROBOTSTXT_OBEY")  # robots.txt is still obeyed
    assert spider.profile.start_urls(spider.base_url)[0].startswith("http://127.0.0.1:8000/")


@pytest.mark.parametrize("args, message", [
    ({"base_url": "ftp://x"}, "base_url"),
    ({"max_pages": "zero"}, "max_pages"),
    ({"max_pages": "0"}, "max_pages"),
    ({"since": "21/11/2026"}, "since"),
    ({"mode": "weekly"}, "mode"),
    ({"stop_after": "0"}, "stop_after"),
    ({"profile": "atlantis"}, "atlantis"),
])
def test_bad_arguments_give_clear_errors(monkeypatch, args, message):
    with pytest.raises(ValueError, match=message):
        make(monkeypatch, **args)
