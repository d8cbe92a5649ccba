from herts_scraper.extract.discovery import parse_feed, parse_listing, parse_sitemap, parse_teaser_date, rebase
from herts_scraper.profiles import load_profile

PROFILE = load_profile("hertfordshire")
BASE = "http://127.0.0.1:8000"

SOH_LISTING = """<html><body>
<nav><a href="/news/hertfordshire/news/">News</a><a href="/contact-us/">Contact</a></nav>
<a class="c-news-panel" href="/news/hertfordshire/news/2024/august-2024/first-story/">
  <h3 class="c-news-panel_title">First</h3><p class="c-news-panel_text">x</p>
  <span class="c-news-panel_status">Published: 09:45 20/08/2024</span></a>
<a class="c-news-panel" href="/news/hertfordshire/news/2024/august-2024/second-story/">
  <h3 class="c-news-panel_title">Second</h3>
  <span class="c-news-panel_status">Published: 08:00 19/08/2024</span></a>
<nav class="c-pagination" aria-label="Pagination"><ul>
  <li><a href="?ct=News&amp;page=1">1</a></li><li><a href="?ct=News&amp;page=2">2</a></li>
  <li><a rel="next" href="?ct=News&amp;page=2">Next</a></li></ul></nav>
</body></html>"""


def test_listing_by_profile_selectors():
    listing = parse_listing(SOH_LISTING, BASE + "/news/news-search/?ct=News&page=1", PROFILE)
    assert listing.found_by == "profile"
    assert [t.url for t in listing.teasers] == [
        BASE + "/news/hertfordshire/news/2024/august-2024/first-story/",
        BASE + "/news/hertfordshire/news/2024/august-2024/second-story/",
    ]
    assert listing.teasers[0].date_text == "Published: 09:45 20/08/2024"
    assert listing.next_pages == [BASE + "/news/news-search/?ct=News&page=2"]


def test_listing_falls_back_to_url_patterns_and_next_text():
    plain = (SOH_LISTING.replace('class="c-news-panel"', "").replace('class="c-pagination"', "")
             .replace('rel="next" ', ""))
    listing = parse_listing(plain, BASE + "/news/news-search/?ct=News&page=1", PROFILE)
    assert listing.found_by == "url-pattern"
    assert len(listing.teasers) == 2
    assert BASE + "/news/news-search/?ct=News&page=2" in listing.next_pages
    # The nav's listing link is not an article, and nothing leaves the host.
    assert all("contact-us" not in t.url for t in listing.teasers)


def test_listing_never_leaves_the_host_and_survives_garbage():
    html = '<a class="c-news-panel" href="https://elsewhere.example/news/hertfordshire/news/2024/x/y/">x</a>'
    assert parse_listing(html, BASE + "/news/hertfordshire/news/", PROFILE).teasers == []
    for junk in (b"", b"   ", b"\x00\xff\xfe", "<<<>>>"):
        assert parse_listing(junk, BASE + "/", PROFILE).teasers == []


def test_legacy_listing():
    html = """<ul><li class="news-list__item"><a class="news-list__link" href="/news-and-appeals/Some-Story-1260">S</a>
    <span class="news-list__date">4 Mar 2021</span></li></ul>
    <div class="pagination"><a href="/news-and-appeals/?page=2" rel="next">Next</a></div>"""
    listing = parse_listing(html, BASE + "/news-and-appeals/", PROFILE)
    assert [(t.url, t.date_text) for t in listing.teasers] == [(BASE + "/news-and-appeals/Some-Story-1260", "4 Mar 2021")]
    assert listing.next_pages == [BASE + "/news-and-appeals/?page=2"]


def test_rss_and_atom():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
    <item><title>A</title><link>https://www.herts.police.uk/news/hertfordshire/news/2024/a/b/</link>
    <pubDate>Tue, 20 Aug 2024 09:45:00 +0100</pubDate></item></channel></rss>"""
    (item,) = parse_feed(rss, BASE + "/news/hertfordshire/news/GetNewsRss/")
    assert item.url.endswith("/2024/a/b/") and parse_teaser_date(item.date_text).isoformat() == "2024-08-20"
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/x/"/>
    <updated>2024-08-20T09:45:00Z</updated></entry></feed>"""
    assert [t.url for t in parse_feed(atom, BASE + "/feed")] == [BASE + "/x/"]
    assert parse_feed(b"not xml at all", BASE) == []


def test_sitemap_and_index():
    sm = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://www.herts.police.uk/news-and-appeals/A-1</loc><lastmod>2021-03-04</lastmod></url>
    <url><loc>https://www.herts.police.uk/contact-us/</loc></url></urlset>"""
    pages, nested = parse_sitemap(sm, BASE + "/sitemap.xml")
    assert [p.url for p in pages] == ["https://www.herts.police.uk/news-and-appeals/A-1",
                                      "https://www.herts.police.uk/contact-us/"]
    assert nested == [] and pages[0].date_text == "2021-03-04"
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>/sitemap-1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index, BASE + "/sitemap.xml") == ([], [BASE + "/sitemap-1.xml"])


def test_rebase_moves_only_the_sites_own_hosts():
    assert rebase("https://www.herts.police.uk/news-and-appeals/A-1?x=1", BASE, PROFILE) == BASE + "/news-and-appeals/A-1?x=1"
    assert rebase("https://elsewhere.example/a", BASE, PROFILE) == "https://elsewhere.example/a"
    assert rebase("https://www.herts.police.uk/a", None, PROFILE) == "https://www.herts.police.uk/a"


def test_teaser_titles_and_the_next_page():
    listing = parse_listing(SOH_LISTING, BASE + "/news/news-search/?ct=News&page=1", PROFILE)
    assert [t.title for t in listing.teasers] == ["First", "Second"]
    assert listing.next_page == BASE + "/news/news-search/?ct=News&page=2"
    legacy = parse_listing('<a class="news-list__link" href="/news-and-appeals/A-1"> Man  charged </a>',
                           BASE + "/news-and-appeals/", PROFILE)
    assert legacy.teasers[0].title == "Man charged" and legacy.next_page is None
