"""Article extraction: profile selectors, general fallbacks, corpus round trip, bad input.

Fixtures are small hand-written pages in the SOH markup public scrapers have
seen (site-facts.md) and in the legacy layout hertfordshire.yaml describes.
"""

from __future__ import annotations

import html as htmllib
import random
import re
import time
from pathlib import Path

import pytest

from herts_scraper.extract import RejectedPage, extract_article
from herts_scraper.extract.dates import parse_display_date
from herts_scraper.profiles import load_profile
from herts_scraper.record import parse_record, record_date

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPLICA = "http://127.0.0.1:8765"
SOH_PATH = "/news/hertfordshire/news/2024/august-2024/cyclists-invited-to-free-bike-marking/"
LEGACY_PATH = "/news-and-appeals/man-charged-after-burglary-in-hitchin-0457c"
ORIGIN = "https://www.herts.police.uk"

SOH_PAGE = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Cyclists invited to free bike marking | Hertfordshire Constabulary</title>
<meta property="og:title" content="Cyclists invited to free bike marking | Hertfordshire Constabulary">
<meta property="og:description" content="Owners can have bikes marked for &#163;0 this weekend.
A second line stays as it is.">
<meta property="og:url" content="{ORIGIN}{SOH_PATH}">
<meta property="og:type" content="website">
<meta property="og:locale" content="en_GB">
<meta property="og:image" content="{ORIGIN}/SysSiteAssets/media/images/brand/default.png">
</head>
<body data-content-id="48213">
<div class="c-quick-exit"><p>Quickly exit this site by pressing the Escape key</p><a href="https://www.bbc.co.uk/weather">Leave this site</a></div>
<div class="c-cookie-banner"><p>We use some essential cookies to make this website work.</p>
<p>You can manage your preferences and cookie settings whenever you like.</p><button>Accept</button></div>
<div class="c-cookie-message"><p>Your cookie preferences have been saved.</p></div>
<div class="c-error-banner"><p>Sorry, there was a technical problem. Please try again.</p></div>
<div class="c-beta-banner"><p>This site is a beta, and your feedback shapes it.</p></div>
<header class="c-header"><nav><a href="/">Home</a> <a href="/news/hertfordshire/news/">News</a></nav></header>
<main id="main-content">
<div class="c-page-header"><h1 class="c-page-header_title">Cyclists invited to free bike marking</h1>
<span class="c-meta-tag-time_info"><span>Published</span> <span>on</span> <span>09:45</span> <span>20/08/2024</span></span></div>
<div class="c-news-article s-cms">
<p>Updated News Post</p>
<p>Officers in <strong>Stevenage </strong>will mark bicycles free of charge on Saturday.</p>
<figure class="image-block"><img src="/SysSiteAssets/media/bike.jpg" alt="A marked bike"><figcaption>A bike with its new mark</figcaption></figure>
<ul><li>Bring proof of ownership</li><li>Arrive before noon</li></ul>
<p>Read <a href="/advice/bikes/">our bike advice</a> or email <a href="mailto:team@example.invalid">the team</a>.</p>
</div>
<div class="c-share"><h2>Share this page</h2><ul><li><a href="#">Facebook</a></li><li><a href="#">X</a></li></ul></div>
<div class="c-page-feedback"><p>Is there a problem with this page?</p><p>Please report any comments about this page.</p>
<form><p>Without JavaScript enabled forms will not work.</p></form></div>
</main>
<footer><p>Accessibility and privacy</p></footer>
<div class="u-hidden u-no-print">Current timestamp: 20/08/2024 10:12:13</div>
</body>
</html>
"""

SOH_BODY = (
    "Updated News Post\n\n"
    "Officers in **Stevenage** will mark bicycles free of charge on Saturday.\n\n"
    "A bike with its new mark\n\n"
    " * Bring proof of ownership\n * Arrive before noon\n\n"
    f"Read our bike advice ({ORIGIN}/advice/bikes/) or email the team.\n"
)

LEGACY_PAGE = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Man charged after burglary in Hitchin | Hertfordshire Constabulary</title>
<meta property="og:title" content="Man charged after burglary in Hitchin">
<meta property="og:description" content="A man has been charged following a burglary in Hitchin.">
<meta property="og:url" content="{ORIGIN}{LEGACY_PATH}">
</head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<div class="site-notice"><p>Our new website is being built and will be live in 2022.</p></div>
<a class="quick-exit" href="https://www.google.co.uk">Quick exit</a>
<header><nav><a href="/">Home</a> <a href="/news-and-appeals/">News and appeals</a></nav></header>
<div id="content" class="news-article">
<h1 class="news-article__title">Man charged after burglary in Hitchin</h1>
<time class="news-article__date" datetime="2019-04-05">5 Apr 2019</time>
<div class="news-article__body">
<ul><li><h3>A man was charged on Thursday</h3></li><li><h3>He will appear in court next month</h3></li></ul>
<p>A man has been charged following a burglary in Hitchin.</p>
<p>Call <b>101</b> quoting reference 41/1234/19.</p>
</div>
<div class="share-links"><p>Share this page</p><a href="#">Twitter</a></div>
<aside class="related-news"><h2>Related news</h2><a href="/news-and-appeals/another-story-1">Another story</a></aside>
</div>
<footer><p>Footer text</p></footer>
</body>
</html>
"""

LEGACY_BODY = (
    "* ### A man was charged on Thursday\n\n * ### He will appear in court next month\n\n"
    "A man has been charged following a burglary in Hitchin.\n\n"
    "Call **101** quoting reference 41/1234/19.\n"
)

FURNITURE_WORDS = ("Facebook", "Twitter", "Footer", "Accessibility", "Another story", "Home", "Accept")
WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return WORD.findall(text or "")


def no_classes(page: str) -> str:
    return re.sub(r'\s(?:class|id)="[^"]*"', "", page)


def assert_no_furniture(body: str) -> None:
    for phrase in load_profile("hertfordshire").furniture_phrases:
        assert phrase not in body
    for word in FURNITURE_WORDS:
        assert word not in body


# -- exact fields ----------------------------------------------------------------
def test_soh_page_exact_fields():
    a = extract_article(SOH_PAGE.encode(), REPLICA + SOH_PATH, base_url=REPLICA)
    assert a.url == ORIGIN + SOH_PATH
    assert a.area == "Hertfordshire"
    assert a.title == "Cyclists invited to free bike marking"
    assert a.description == "Owners can have bikes marked for £0 this weekend.\nA second line stays as it is."
    assert a.published == "2024-08-20T09:45:00+01:00"
    assert record_date(a.published) == "20 Aug 2024"
    assert a.generation == "soh"
    assert a.cms_id == "48213"
    assert a.body == SOH_BODY
    assert a.images == [{"src": ORIGIN + "/SysSiteAssets/media/bike.jpg", "alt": "A marked bike", "caption": "A bike with its new mark"}]
    assert a.status == "ok" and a.missing == [] and a.problems == []
    assert a.found_by["title"] == a.found_by["published"] == a.found_by["body"] == "profile"
    assert a.found_by["url"] == "og:url" and a.found_by["description"] == "og:description"
    assert_no_furniture(a.body)


def test_legacy_page_exact_fields():
    a = extract_article(LEGACY_PAGE, REPLICA + LEGACY_PATH, base_url=REPLICA)
    assert (a.url, a.title, a.published, a.generation) == (ORIGIN + LEGACY_PATH, "Man charged after burglary in Hitchin", "2019-04-05", "legacy")
    assert a.description == "A man has been charged following a burglary in Hitchin."
    assert a.body == LEGACY_BODY
    assert a.cms_id is None and a.images == []
    assert a.status == "ok"
    assert_no_furniture(a.body)
    assert "Our new website" not in a.body and "Skip to content" not in a.body


def test_winter_time_has_gmt_offset_and_record_renders():
    page = SOH_PAGE.replace("20/08/2024", "20/01/2024")
    a = extract_article(page, REPLICA + SOH_PATH, base_url=REPLICA)
    assert a.published == "2024-01-20T09:45:00+00:00"
    meta, body = parse_record(a.to_record())
    assert meta["publish"]["date"] == "20 Jan 2024" and body == SOH_BODY


# -- fallbacks -------------------------------------------------------------------
@pytest.mark.parametrize("page, path, title_how, date_how", [
    (SOH_PAGE, SOH_PATH, "og:title", "visible-date"),
    (LEGACY_PAGE, LEGACY_PATH, "og:title", "time-element"),
])
def test_fallbacks_without_classes_give_same_fields(page, path, title_how, date_how):
    full = extract_article(page, REPLICA + path, base_url=REPLICA)
    bare = extract_article(no_classes(page), REPLICA + path, base_url=REPLICA)
    assert (bare.title, bare.published, bare.description, bare.url) == (full.title, full.published, full.description, full.url)
    assert words(bare.body) == words(full.body)
    assert bare.found_by["title"] == title_how
    assert bare.found_by["published"] == date_how
    assert bare.found_by["body"] in ("article-element", "main-element", "density")
    assert_no_furniture(bare.body)


def test_density_fallback_without_main_or_article():
    page = no_classes(SOH_PAGE).replace("<main>", "<div>").replace("</main>", "</div>")
    a = extract_article(page, REPLICA + SOH_PATH, base_url=REPLICA)
    assert a.found_by["body"] == "density"
    assert words(a.body) == words(SOH_BODY)
    assert_no_furniture(a.body)


def test_title_tag_h1_and_meta_fallbacks():
    page = ("<html><head><title>Road closed in Ware | Hertfordshire Constabulary</title>"
            '<meta name="description" content="A road is closed.">'
            '<meta property="article:published_time" content="2021-03-04T10:30:00Z"></head>'
            "<body><article><h1>Road closed in Ware</h1><p>The road is closed until further notice.</p></article></body></html>")
    a = extract_article(page, ORIGIN + "/news-and-appeals/road-closed-in-ware-1001")
    assert (a.title, a.found_by["title"]) == ("Road closed in Ware", "title-tag")
    assert (a.description, a.found_by["description"]) == ("A road is closed.", "meta-description")
    assert (a.published, a.found_by["published"]) == ("2021-03-04T10:30:00+00:00", "meta-published")
    assert (a.body, a.found_by["body"]) == ("The road is closed until further notice.\n", "article-element")
    assert a.found_by["url"] == "fetched" and a.url == ORIGIN + "/news-and-appeals/road-closed-in-ware-1001"
    only_h1 = re.sub(r"<head>.*</head>", "<head></head>", page)
    b = extract_article(only_h1, ORIGIN + "/x")
    assert (b.title, b.found_by["title"]) == ("Road closed in Ware", "h1")
    assert b.missing == ["description", "published"] and b.status == "partial"


def test_generation_by_selectors_when_url_is_unknown():
    a = extract_article(LEGACY_PAGE.replace(f"{ORIGIN}{LEGACY_PATH}", REPLICA + "/elsewhere"), REPLICA + "/elsewhere", base_url=REPLICA)
    assert a.generation == "legacy" and a.found_by["generation"] == "selectors"
    assert a.url == ORIGIN + "/elsewhere"
    assert a.body == LEGACY_BODY


def test_merseyside_profile_maps_replica_urls():
    page = SOH_PAGE.replace(ORIGIN, "https://www.merseyside.police.uk").replace("/hertfordshire/", "/merseyside/")
    a = extract_article(page, REPLICA + SOH_PATH.replace("hertfordshire", "merseyside"), "merseyside", base_url=REPLICA)
    assert a.area == "Merseyside" and a.generation == "soh"
    assert a.url.startswith("https://www.merseyside.police.uk/news/merseyside/news/")
    assert "(https://www.merseyside.police.uk/advice/bikes/)" in a.body


# -- bad input ------------------------------------------------------------------
@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    ("", "empty"),
    (b'{"title": "<p>not a page</p>"}', "not-html"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not-html"),
    (random.Random(7).randbytes(4000), "not-html"),
    (b"just some plain text, no markup at all", "not-html"),
    (b"<html><head></head><body><nav><a href='/'>Home</a></nav></body></html>", "no-article"),
])
def test_rejected_pages(data, reason):
    with pytest.raises(RejectedPage) as info:
        extract_article(data, REPLICA + SOH_PATH, base_url=REPLICA)
    assert info.value.reason == reason


def test_truncated_page_is_partial():
    cut = SOH_PAGE.encode()[: SOH_PAGE.encode().index(b"Arrive before")]
    a = extract_article(cut, REPLICA + SOH_PATH, base_url=REPLICA)
    assert "truncated" in a.problems and a.status == "partial"
    assert a.title == "Cyclists invited to free bike marking"
    assert a.body.startswith("Updated News Post")
    mid_tag = SOH_PAGE[: SOH_PAGE.index('alt="A marked') + 5]
    assert "truncated" in extract_article(mid_tag, REPLICA + SOH_PATH).problems


def test_cp1252_bytes_declared_utf8_are_repaired():
    page = SOH_PAGE.replace("free of charge", "for \u00a35 \u2013 \u201cfree\u201d")
    a = extract_article(page.encode("cp1252", "replace"), REPLICA + SOH_PATH, base_url=REPLICA, encoding="utf-8")
    assert "for £5 – “free”" in a.body
    assert "encoding-repaired" in a.problems and a.status == "partial"
    # Declared only in the page's <meta>, no header: the same repair.
    b = extract_article(page.encode("cp1252", "replace"), REPLICA + SOH_PATH, base_url=REPLICA)
    assert "for £5 – “free”" in b.body and "encoding-repaired" in b.problems


def test_utf8_without_any_charset_and_latin1_label():
    page = SOH_PAGE.replace('<meta charset="utf-8">', "").replace("free of charge", "for \u00a35 at the caf\u00e9")
    a = extract_article(page.encode("utf-8"), REPLICA + SOH_PATH, base_url=REPLICA)
    assert "for £5 at the café" in a.body and a.problems == []
    # A page labelled latin-1 is decoded as browsers do (windows-1252: curly quotes).
    b = extract_article(page.replace("café", "“café”").encode("cp1252"), REPLICA + SOH_PATH, encoding="ISO-8859-1")
    assert "“café”" in b.body and b.problems == []


def test_mixed_utf8_and_cp1252_bytes_xml_declaration_and_header_value():
    page = SOH_PAGE.replace("free of charge", "for \u00a35 at the caf\u00e9").encode("utf-8")
    page = page.replace(b"Saturday", "Saturday \u2013 \u201cthe\u201d".encode("cp1252"))
    a = extract_article(page, REPLICA + SOH_PATH, base_url=REPLICA)
    assert "for £5 at the café" in a.body and "Saturday – “the”" in a.body
    assert a.problems == ["encoding-repaired"]
    xml = b'<?xml version="1.0" encoding="windows-1252"?>\n' + SOH_PAGE.replace('<meta charset="utf-8">', "").replace(
        "free of charge", "for \u00a35").encode("cp1252")
    b = extract_article(xml, REPLICA + SOH_PATH, base_url=REPLICA)
    assert "for £5" in b.body and b.problems == []
    c = extract_article(xml, REPLICA + SOH_PATH, encoding="text/html; charset=windows-1252")
    assert c.found_by["encoding"] == "declared" and "for £5" in c.body


def test_dates_and_furniture_words_inside_sentences_stay():
    page = ('<html><head><title>Court result | Herts Police</title></head><body><article><h1>Court result</h1>'
            '<p>He appeared in court on <time datetime="2021-03-04">4 March 2021</time> and was jailed.</p>'
            '<p>You can <a href="/share">Share this page</a> with friends.</p>'
            '<div><a href="https://www.bbc.co.uk/weather">Leave this site</a></div></article></body></html>')
    a = extract_article(page, ORIGIN + "/news-and-appeals/court-result-1")
    assert a.title == "Court result" and a.published == "2021-03-04"
    assert a.body == ("He appeared in court on 4 March 2021 and was jailed.\n\n"
                      f"You can Share this page ({ORIGIN}/share) with friends.\n")


def test_nested_unclosed_tags_and_empty_body_region():
    nested = "<html><body><h1>Deep</h1>" + "<div><p><b><i><span>" * 400 + "words at the bottom"
    a = extract_article(nested, REPLICA + "/deep")
    assert a.title == "Deep" and "truncated" in a.problems
    empty = re.sub(r'(<div class="c-news-article s-cms">).*?(</div>\n<div class="c-share">)', r"\1\2", SOH_PAGE, flags=re.S)
    b = extract_article(empty, REPLICA + SOH_PATH, base_url=REPLICA)
    assert b.title == "Cyclists invited to free bike marking"
    assert "body" in b.missing and b.body == "" and b.status == "partial"


def test_fuzzed_pages_never_raise_other_errors():
    data = SOH_PAGE.encode()
    rng = random.Random(1)
    samples = [data[:n] for n in range(0, len(data), 61)]
    for _ in range(60):
        b = bytearray(data)
        for _ in range(20):
            b[rng.randrange(len(b))] = rng.randrange(256)
        samples.append(bytes(b))
    for sample in samples:
        try:
            a = extract_article(sample, REPLICA + SOH_PATH, base_url=REPLICA)
        except RejectedPage:
            continue
        assert isinstance(a.body, str)


SOUP_TAGS = "p div span a b strong i em ul ol li h1 h2 h3 table tr td blockquote br img picture source figure figcaption script form time main article header nav aside hr svg title base".split()
SOUP_ATTRS = ['href="http://[::1"', 'href="javascript:x"', 'href=" "', 'href="//x.org/a"', 'start="-5"', 'start="x"',
              'srcset=","', 'src="http://[bad"', 'datetime="2021-13-45T99:99"', 'datetime="2021-03-04T10:00+0530"',
              'class="c-news-article s-cms"', 'class="c-page-header_title"', 'class="c-meta-tag-time_info"',
              'property="og:url" content="http://[x"', 'rel="canonical" href="::"', 'aria-hidden="true"']
SOUP_WORDS = "Share this page Quickly exit 20/08/2024 09:45 5 Apr 2019 £ “ \xa0 &amp; &#0; &#xD800; < > <!-- <![CDATA[ \x00".split(" ")


def tag_soup(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randrange(1, 6)):
        if rng.random() < 0.4 or depth > 10:
            out.append(" ".join(rng.choice(SOUP_WORDS) for _ in range(rng.randrange(1, 8))))
        else:
            tag = rng.choice(SOUP_TAGS)
            attrs = " ".join(rng.choice(SOUP_ATTRS) for _ in range(rng.randrange(0, 3)))
            out.append(f"<{tag} {attrs}>{tag_soup(rng, depth + 1)}{f'</{tag}>' if rng.random() < 0.8 else ''}")
    return "".join(out)


def test_tag_soup_never_raises_other_errors():
    rng = random.Random(3)
    for _ in range(300):
        page = tag_soup(rng)
        if rng.random() < 0.5:
            page = "<html><head><title>T</title></head><body>" + page + "</body></html>"
        data = page.encode("utf-8") if rng.random() < 0.7 else page.encode("cp1252", "replace")
        try:
            extract_article(data, REPLICA + SOH_PATH, base_url=REPLICA, encoding=rng.choice([None, "utf-8", "bogus", "latin-1"]))
        except RejectedPage:
            pass


def test_stray_control_characters_are_dropped_not_fatal():
    page = SOH_PAGE.replace("Saturday", "Satur\x00day\x01\x0b")
    for data in (page, page.encode()):
        assert "on Saturday." in extract_article(data, REPLICA + SOH_PATH, base_url=REPLICA).body


# -- the corpus, round trip -------------------------------------------------------
def corpus_records() -> list[tuple[dict, str]]:
    folder = SHARED / "corpus" / "Hertfordshire"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here")
    return [parse_record(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.md"))]


def _inline(line: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", htmllib.escape(line, quote=False))


def body_to_html(body: str) -> str:
    """A rough Markdown -> HTML for the records' body (keeps every word)."""
    out = []
    for block in body.split("\n\n"):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        first = lines[0].lstrip()
        if re.match(r"(\*|\d+\.) ", first):
            tag = "ol" if first[0].isdigit() else "ul"
            items = []
            for line in lines:
                text = re.sub(r"^\s*(?:\*|\d+\.)\s?", "", line)
                m = re.match(r"(#{1,6}) ?(.*)", text)
                items.append(f"<li><h{len(m.group(1))}>{_inline(m.group(2))}</h{len(m.group(1))}></li>" if m else f"<li>{_inline(text)}</li>")
            out.append(f"<{tag}>{''.join(items)}</{tag}>")
        elif re.match(r"#{1,6} ?", first):
            m = re.match(r"(#{1,6}) ?(.*)", first)
            out.append(f"<h{len(m.group(1))}>{_inline(m.group(2))}</h{len(m.group(1))}>")
        elif first.startswith(">"):
            out.append("<blockquote><p>" + "<br>".join(_inline(ln.lstrip("> ")) for ln in lines) + "</p></blockquote>")
        else:
            out.append("<p>" + "<br>\n".join(_inline(ln) for ln in lines) + "</p>")
    return "\n".join(out)


CHROME_NAV = "<nav><ul>" + "".join(f'<li><a href="/services/area-{i}/">Service area {i}</a></li>' for i in range(140)) + "</ul></nav>"
CHROME_FOOT = "<footer><ul>" + "".join(f'<li><a href="/about/page-{i}/">About page {i}</a></li>' for i in range(50)) + "</ul></footer>"
CHROME_JS = "<script>" + "window.dataLayer = window.dataLayer || []; function track(e) { dataLayer.push(e); }\n" * 60 + "</script>"


def wrap_soh(meta: dict, body_html: str) -> str:
    title = meta.get("title", "")
    date = meta.get("publish", {}).get("date")
    ddmmyyyy = time.strftime("%d/%m/%Y", time.strptime(date, "%d %b %Y")) if date else ""
    desc = meta.get("og", {}).get("description")
    desc_tag = f'<meta property="og:description" content="{htmllib.escape(desc)}">' if desc is not None else ""
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>{htmllib.escape(title)} | Hertfordshire Constabulary</title>
<meta property="og:title" content="{htmllib.escape(title)} | Hertfordshire Constabulary">{desc_tag}
<meta property="og:url" content="{htmllib.escape(meta['url'])}">{CHROME_JS}</head>
<body data-content-id="1">
<div class="c-quick-exit"><p>Quickly exit this site by pressing the Escape key</p><a href="https://www.bbc.co.uk/weather">Leave this site</a></div>
<div class="c-cookie-banner"><p>We use some essential cookies to make this website work.</p><button>Accept</button></div>
<header>{CHROME_NAV}</header>
<main><div class="c-page-header"><h1 class="c-page-header_title">{htmllib.escape(title)}</h1>
<span class="c-meta-tag-time_info"><span>Published</span> <span>on</span> <span>12:00</span> <span>{ddmmyyyy}</span></span></div>
<div class="c-news-article s-cms">{body_html}</div>
<div class="c-share"><h2>Share this page</h2><ul><li><a href="#">Facebook</a></li></ul></div>
<div class="c-page-feedback"><p>Is there a problem with this page?</p></div></main>
{CHROME_FOOT}<div class="u-hidden u-no-print">Current timestamp: 01/01/2025 10:00:00</div></body></html>
"""


def wrap_legacy(meta: dict, body_html: str) -> str:
    title = meta.get("title", "")
    date = meta.get("publish", {}).get("date", "")
    desc = meta.get("og", {}).get("description")
    desc_tag = f'<meta property="og:description" content="{htmllib.escape(desc)}">' if desc is not None else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{htmllib.escape(title)} | Hertfordshire Constabulary</title>
<meta property="og:title" content="{htmllib.escape(title)}">{desc_tag}
<meta property="og:url" content="{htmllib.escape(meta['url'])}">{CHROME_JS}</head><body>
<a class="skip-link" href="#content">Skip to content</a>
<div class="site-notice"><p>Our new website is being built and will be live in 2022.</p></div>
<header>{CHROME_NAV}</header>
<div id="content"><h1 class="news-article__title">{htmllib.escape(title)}</h1>
<time class="news-article__date">{date}</time>
<div class="news-article__body">{body_html}</div>
<div class="share-links"><p>Share this page</p></div></div>{CHROME_FOOT}</body></html>
"""


def wrap_soh_bare(meta: dict, body_html: str) -> str:
    """SOH markup without class or id attributes: every field rests on a fallback."""
    return no_classes(wrap_soh(meta, body_html))


def wrap_legacy_bare(meta: dict, body_html: str) -> str:
    return no_classes(wrap_legacy(meta, body_html))


def _replica_url(url: str) -> str:
    return REPLICA + url[len(ORIGIN):] if url.startswith(ORIGIN) else url


@pytest.mark.slow  # the whole corpus, four times
@pytest.mark.parametrize("wrapper", [wrap_soh, wrap_legacy, wrap_soh_bare, wrap_legacy_bare])
def test_corpus_round_trip(wrapper, capsys):
    records = corpus_records()
    passed, failures, elapsed, size = 0, [], 0.0, 0
    for meta, body in records:
        page = wrapper(meta, body_to_html(body)).encode("utf-8")
        size += len(page)
        t0 = time.perf_counter()
        a = extract_article(page, _replica_url(meta["url"]), base_url=REPLICA)
        elapsed += time.perf_counter() - t0
        got = (a.title, a.description, record_date(a.published), a.url, words(a.body))
        want = (meta.get("title"), meta.get("og", {}).get("description"), meta.get("publish", {}).get("date"), meta["url"], words(body))
        if got == want:
            passed += 1
        else:
            failures.append((meta["url"], [i for i in range(5) if got[i] != want[i]]))
    rate = passed / len(records)
    with capsys.disabled():
        print(f"\n[extract] corpus round trip ({wrapper.__name__}): {passed}/{len(records)} = {rate:.2%};"
              f" {elapsed / len(records) * 1000:.3f} ms/page, mean page {size / len(records) / 1024:.1f} KB")
        for url, fields in failures[:10]:
            print(f"  FAIL {url} fields {fields}")
    assert rate >= 0.99


def test_speed_report(capsys):
    """Printed, not asserted: ms per page, and what dateparser would cost per date."""
    page = wrap_soh({"title": "A title", "publish": {"date": "4 Mar 2021"}, "og": {"description": "d"}, "url": ORIGIN + SOH_PATH},
                    body_to_html("\n\n".join(["A paragraph of article text with several words in it, repeated." * 4] * 25))).encode()
    extract_article(page, REPLICA + SOH_PATH, base_url=REPLICA)
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        extract_article(page, REPLICA + SOH_PATH, base_url=REPLICA)
    per_page = (time.perf_counter() - t0) / n * 1000
    t0 = time.perf_counter()
    for _ in range(n):
        parse_display_date("Published on 09:45 20/08/2024", ("%H:%M %d/%m/%Y", "%d/%m/%Y"))
    ours = (time.perf_counter() - t0) / n * 1e6
    from dateparser.date import DateDataParser

    ddp = DateDataParser(languages=["en"], settings={"DATE_ORDER": "DMY"})
    ddp.get_date_data("09:45 20/08/2024")
    t0 = time.perf_counter()
    for _ in range(50):
        ddp.get_date_data("09:45 20/08/2024")
    dp = (time.perf_counter() - t0) / 50 * 1e6
    with capsys.disabled():
        print(f"\n[extract] {len(page) / 1024:.1f} KB SOH page: {per_page:.3f} ms/page;"
              f" date: strptime path {ours:.1f} us/call, dateparser (reused DateDataParser) {dp:.0f} us/call")


def test_bundled_profiles_load_from_a_zipped_package(tmp_path):
    """As from an egg or a zip (scrapyd deploys eggs): profiles are package resources, not files."""
    import subprocess
    import sys
    import zipfile

    from tests.conftest import ROOT

    archive = tmp_path / "herts_scraper.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (ROOT / "herts_scraper").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(ROOT).as_posix())
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import herts_scraper.profiles as p; "
             "assert '.zip' in p.__file__, p.__file__; "
             "print(p.load_profile('hertfordshire').area, p.load_profile('merseyside').area)")
    result = subprocess.run([sys.executable, "-c", probe, str(archive)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["Hertfordshire", "Merseyside"]
