"""HTML, RSS, sitemap and robots renderers of the replica: pure functions.

SOH markup follows what public scrapers saw of the real platform
(shared/notes/site-facts.md); where the real markup is unknown (furniture
blocks, the whole legacy site) it is invented, using the class names the site
profiles list. Links between pages are site-relative so a crawl stays on the
replica's host; canonical and og:url name the real origin, as a mirror would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from herts_scraper.profiles import Profile, load_profile
from herts_scraper.record import MONTHS as SHORT_MONTHS
from herts_scraper.record_forms import is_soh_form, parse_record_date, split_meta_lines  # the SOH form, read
from herts_scraper.replica.blocks import blocks_to_html, markdown_to_blocks

LONDON = ZoneInfo("Europe/London")
TIMESTAMP_SLOT = "\x00replica-timestamp\x00"  # where the server writes the render time
DEFAULT_OG_IMAGE = "/SysSiteAssets/media/images/brand/central/soh-default-og-image.png?width=1200&height=630&mode=crop"
LONG_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")

# -- furniture texts ------------------------------------------------------------
# Quoted phrases are seen on the real site (site-facts.md); the rest of each
# sentence is the replica's own wording.
QUICK_EXIT_TEXT = "Quickly exit this site by pressing the Escape key"
QUICK_EXIT_LINK = "Leave this site"
COOKIE_TEXT_1 = ("We use some essential cookies to make our website work. We\u2019d also like to set optional "
                 "cookies that remember your settings and show us how the site is being used.")
COOKIE_TEXT_2 = ("You can manage your preferences and cookie settings at any time by clicking on "
                 "\u201cCustomise Cookies\u201d below. Our Cookies notice explains each cookie we use.")
COOKIE_SAVED = ("Your cookie preferences have been saved. You can change your cookie settings at any time "
                "on the cookies page.")
ERROR_TEXT = "Sorry, there was a technical problem. Please try again."
BETA_TEXT = ("This site is a beta, which means it is still being built and we will keep adding to it. "
             "Your feedback helps us improve it, so please tell us what you think.")
SHARE_TITLE = "Share this page"
RELATED_TITLE = "Related news"
FEEDBACK_TITLE = "Is there a problem with this page?"
FEEDBACK_TEXT = ("Please report any comments or problems with this page using the form below. We cannot "
                 "reply to you here, and this form must not be used to report a crime.")
NO_JS_TEXT = "Without JavaScript enabled forms will not work."
LEGACY_SKIP = "Skip to content"
LEGACY_NOTICE = "Our new website is being built and will be live in 2022. Until then, you can find everything here as usual."
LEGACY_QUICK_EXIT = "Quick exit"
LEGACY_COOKIES = "We use some essential cookies to make this website work. You can accept or refuse the others."

# A police-station finder some forces' pages hold inside the article region (corpus/README.md:
# its heading and controls are seen; the markup is the replica's).
STATION_FINDER = """<div class="c-station-finder">
<h2 class="c-station-finder_title">Police station finder</h2>
<div class="c-station-finder_controls"><p>Location search controls</p>
<label for="station-search">Town or postcode</label> <input id="station-search" type="search">
<button type="button">Search</button> <button type="button">or Use current location</button></div>
<p class="c-station-finder_map">Please enable JavaScript to view the map</p>
</div>"""

NAV = (("Report", "/report/"), ("Contact us", "/contact-us/"), ("Advice", "/advice/"),
       ("News", "{listing}"), ("About us", "/about-us/"), ("Careers", "/careers/"))
FOOTER = (("Accessibility", "/accessibility/"), ("Cookies", "/cookies/"), ("Privacy notice", "/privacy-notice/"),
          ("Freedom of information", "/foi/"), ("Contact us", "/contact-us/"))
LEGACY_NAV = (("Home", "/"), ("News and appeals", "/news-and-appeals/"), ("Report", "/report/"),
              ("Contact", "/contact-us/"))

# The class a furniture line gets, by how it starts (page_from_record).
_FURNITURE_CLASSES = (
    ("Quickly exit", "c-quick-exit"), ("Leave this site", "c-quick-exit"),
    ("We use some essential cookies", "c-cookie-banner"), ("You can manage your preferences", "c-cookie-banner"),
    ("Your cookie preferences", "c-cookie-message"), ("Sorry, there was a technical problem", "c-error-banner"),
    ("This site is a beta", "c-beta-banner"), ("Skip to", "skip-link"), ("Our new website", "site-notice"),
    ("Quick exit", "quick-exit"),
)


@dataclass(frozen=True)
class PageContent:
    """What an article page shows. published: aware datetime (SOH shows the
    time), date (date only), or None (no date on the page)."""

    path: str
    title: str
    description: str | None = None
    published: dt.datetime | dt.date | None = None
    body_html: str = ""
    cms_id: str | None = None
    og_image: str | None = None  # site path or absolute URL; None: the brand default
    char_refs: bool = False      # og:description non-ASCII as numeric references
    tag: str | None = None       # SOH meta tag(s) shown before the date ("Wanted"; "News, Safer Neighbourhood")
    og_url: str | None = None    # og:url as the page claims it (some forces name an internal host)


@dataclass(frozen=True)
class Teaser:
    title: str
    path: str
    summary: str = ""
    published: dt.datetime | dt.date | None = None
    image: str | None = None


# -- small helpers ----------------------------------------------------------------


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def char_refs(text: str) -> str:
    """Escape for an attribute, non-ASCII as numeric references (&#163;)."""
    return esc(text).encode("ascii", "xmlcharrefreplace").decode("ascii")


def format_timestamp(when: dt.datetime | None = None) -> str:
    """The SOH render stamp: dd/mm/yyyy hh:mm:ss, London time."""
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(LONDON)
    return when.strftime("%d/%m/%Y %H:%M:%S")


def _timestamp(timestamp) -> str:
    if timestamp is None:
        return format_timestamp()
    if isinstance(timestamp, dt.datetime):
        return format_timestamp(timestamp)
    return str(timestamp)


def short_date(day: dt.date) -> str:
    """5 Apr 2019"""
    return f"{day.day} {SHORT_MONTHS[day.month - 1]} {day.year}"


def _local(published):
    if isinstance(published, dt.datetime):
        return published.astimezone(LONDON) if published.tzinfo else published
    return published


def status_text(published) -> str | None:
    """The teaser status: "Published: 09:45 20/11/2025"."""
    p = _local(published)
    if p is None:
        return None
    if isinstance(p, dt.datetime):
        return f"Published: {p:%H:%M %d/%m/%Y}"
    return f"Published: {p:%d/%m/%Y}"


def _gen_name(generation) -> str:
    return getattr(generation, "name", generation) or "soh"


def _profile(profile) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile or "hertfordshire")


def _abs(profile: Profile, path_or_url: str) -> str:
    return path_or_url if urlsplit(path_or_url).scheme else profile.origin + path_or_url


def _title_suffix(profile: Profile) -> str:
    """What the force's <title> adds to a headline (" | Kent Police")."""
    return profile.title_suffixes[0] if profile.title_suffixes else f" | {profile.force_name}"


def rss_path(profile: Profile) -> str:
    return f"/news/{profile.force_slug}/news/GetNewsRss/"


def default_ct(profile: Profile) -> str:
    """The search's first `ct` value: the one that lists every article."""
    return profile.search_ct[0] if profile.search_ct else "News"


def _news_path(profile: Profile) -> str:
    """The force listing (Kent: /news/kent/latest/)."""
    return profile.listing_path or f"/news/{profile.force_slug}/news/"


# -- SOH chrome ----------------------------------------------------------------------


def _soh_top_furniture(lines=None) -> str:
    if lines is not None:
        return "\n".join(_furniture_line(line) for line in lines if line.strip())
    return f"""<div class="c-quick-exit" id="quick-exit">
<p class="c-quick-exit_text">{esc(QUICK_EXIT_TEXT)} <a class="c-quick-exit_link" href="https://www.bbc.co.uk/weather" rel="nofollow noopener">{esc(QUICK_EXIT_LINK)}</a></p>
</div>
<div class="c-cookie-banner" role="region" aria-label="Cookie banner">
<div class="c-cookie-banner_inner">
<p>{esc(COOKIE_TEXT_1)}</p>
<p>{esc(COOKIE_TEXT_2)}</p>
<div class="c-cookie-banner_actions"><button type="button" class="c-button">Accept additional cookies</button> <button type="button" class="c-button">Reject additional cookies</button> <a class="c-button c-button--secondary" href="/cookies/">Customise Cookies</a></div>
</div>
</div>
<div class="c-cookie-message" role="status" hidden><p>{esc(COOKIE_SAVED)}</p></div>
<div class="c-cookie-message" role="status" hidden><p>{esc(COOKIE_SAVED)}</p></div>
<div class="c-error-banner" role="alert" hidden><p>{esc(ERROR_TEXT)}</p></div>
<div class="c-beta-banner"><p>{esc(BETA_TEXT)}</p></div>"""


def _furniture_line(line: str) -> str:
    """One furniture line of a text dump, as a block of its own."""
    line = line.strip()
    cls = next((c for start, c in _FURNITURE_CLASSES if line.startswith(start)), "c-site-notice")
    if cls == "c-quick-exit" and line.endswith(QUICK_EXIT_LINK) and line != QUICK_EXIT_LINK:
        text = line[: -len(QUICK_EXIT_LINK)].rstrip()
        return (f'<div class="c-quick-exit"><p class="c-quick-exit_text">{esc(text)} '
                f'<a class="c-quick-exit_link" href="https://www.bbc.co.uk/weather">{esc(QUICK_EXIT_LINK)}</a></p></div>')
    return f'<div class="{cls}"><p>{esc(line)}</p></div>'


def _soh_header(profile: Profile) -> str:
    items = "".join(f'<li class="c-main-nav_item"><a href="{esc(h.format(listing=_news_path(profile)))}">{esc(t)}</a></li>'
                    for t, h in NAV)
    return f"""<header class="c-header" role="banner">
<div class="l-container">
<a class="c-header_logo" href="/"><img src="/SysSiteAssets/media/images/brand/{esc(profile.force_slug)}/logo.svg" alt="{esc(profile.force_name)} homepage"></a>
<a class="c-header_skip" href="#main-content">Skip to main content</a>
<nav class="c-main-nav" aria-label="Main navigation"><ul class="c-main-nav_list">{items}</ul></nav>
</div>
</header>"""


def _breadcrumbs(crumbs) -> str:
    parts = []
    for label, href in crumbs:
        if href:
            parts.append(f'<li class="c-breadcrumbs_item"><a href="{esc(href)}">{esc(label)}</a></li>')
        else:
            parts.append(f'<li class="c-breadcrumbs_item" aria-current="page">{esc(label)}</li>')
    return f'<nav class="c-breadcrumbs" aria-label="Breadcrumb"><ol class="c-breadcrumbs_list">{"".join(parts)}</ol></nav>'


def _soh_footer(profile: Profile) -> str:
    links = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in FOOTER)
    return f"""<footer class="c-footer" role="contentinfo">
<div class="l-container">
<ul class="c-footer_links">{links}</ul>
<p class="c-footer_copyright">&#169; {esc(profile.force_name)}</p>
</div>
</footer>"""


def _feedback() -> str:
    return f"""<div class="c-page-feedback">
<h2 class="c-page-feedback_title">{esc(FEEDBACK_TITLE)}</h2>
<p>{esc(FEEDBACK_TEXT)}</p>
<form class="c-page-feedback_form" action="/api/feedback/" method="post">
<label for="feedback-comment">Your comments</label>
<textarea id="feedback-comment" name="comment" rows="4"></textarea>
<button type="submit" class="c-button">Send feedback</button>
</form>
<p class="c-page-feedback_nojs">{esc(NO_JS_TEXT)}</p>
</div>"""


def _soh_document(profile: Profile, *, title: str, head: str, main: str, timestamp, content_id=None,
                  crumbs=(), furniture_lines=None) -> str:
    body_attr = f' data-content-id="{esc(content_id)}"' if content_id else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}{esc(_title_suffix(profile))}</title>
{head}
<link rel="stylesheet" href="/dist/css/main.css">
<link rel="icon" href="/SysSiteAssets/media/images/brand/{esc(profile.force_slug)}/favicon.ico">
</head>
<body{body_attr} class="t-{esc(profile.force_slug)}">
{_soh_top_furniture(furniture_lines)}
{_soh_header(profile)}
{_breadcrumbs(crumbs) if crumbs else ""}
<main id="main-content" class="l-main" tabindex="-1">
{main}
</main>
{_soh_footer(profile)}
<div class="u-hidden u-no-print">Current timestamp: {_timestamp(timestamp)}</div>
<script src="/dist/js/main.js" defer></script>
</body>
</html>
"""


def _og(prop: str, value: str, refs: bool = False) -> str:
    return f'<meta property="{prop}" content="{char_refs(value) if refs else esc(value)}">'


def _meta_time(published, tag: str | None = None) -> str:
    p = _local(published)
    tag_html = "".join(f'<span class="c-meta-tag">{esc(t)}</span> ' for t in (tag.split(", ") if tag else ()))
    if p is None:
        return f'<div class="c-meta-tag-time">{tag_html}</div>' if tag else ""
    time_text = f"{p:%H:%M}" if isinstance(p, dt.datetime) else ""
    return (f'<div class="c-meta-tag-time">{tag_html}<span class="c-meta-tag-time_info">'
            '<span class="c-meta-tag-time_label">Published</span> <span class="c-meta-tag-time_label">at</span> '
            f'<span class="c-meta-tag-time_time">{time_text}</span> <span class="c-meta-tag-time_date">{p:%d/%m/%Y}</span>'
            "</span></div>")


def _share(profile: Profile, url: str, title: str) -> str:
    u = quote(url, safe="")
    return f"""<div class="c-share">
<h2 class="c-share_title">{esc(SHARE_TITLE)}</h2>
<ul class="c-share_list">
<li><a class="c-share_link" href="https://www.facebook.com/sharer/sharer.php?u={u}" rel="noopener" target="_blank"><span aria-hidden="true" class="c-icon c-icon--facebook"></span>Facebook</a></li>
<li><a class="c-share_link" href="https://twitter.com/intent/tweet?url={u}" rel="noopener" target="_blank"><span aria-hidden="true" class="c-icon c-icon--x"></span>X</a></li>
<li><a class="c-share_link" href="mailto:?subject={esc(quote(title))}&amp;body={u}"><span aria-hidden="true" class="c-icon c-icon--email"></span>Email</a></li>
</ul>
</div>"""


def _panel(t: Teaser, heading: str = "h3", with_status: bool = True) -> str:
    image = (f'<div class="c-news-panel_image"><img src="{esc(t.image)}" alt="" loading="lazy"></div>\n'
             if t.image else "")
    status = status_text(t.published) if with_status else None
    status_html = f'\n<p class="c-news-panel_status">{esc(status)}</p>' if status else ""
    return (f'<a class="c-news-panel" href="{esc(t.path)}">\n{image}<div class="c-news-panel_body">\n'
            f'<{heading} class="c-news-panel_title">{esc(t.title)}</{heading}>\n'
            f'<p class="c-news-panel_text">{esc(t.summary)}</p>{status_html}\n</div>\n</a>')


def _related(teasers) -> str:
    if not teasers:
        return ""
    panels = "\n".join(_panel(t, with_status=False) for t in teasers)
    return f"""<section class="c-related" aria-labelledby="related-title">
<div class="l-container">
<h2 class="c-related_title" id="related-title">{esc(RELATED_TITLE)}</h2>
<div class="c-related_list">
{panels}
</div>
</div>
</section>"""


# -- article pages ------------------------------------------------------------------


def render_article_page(content: PageContent, generation, profile, *, timestamp=None, related=(),
                        furniture_lines=None) -> str:
    """One article page of the given generation ("soh" or "legacy")."""
    profile = _profile(profile)
    if _gen_name(generation) == "legacy":
        return _legacy_article(content, profile, related, furniture_lines)
    return _soh_article(content, profile, timestamp, related, furniture_lines)


def _soh_article(c: PageContent, profile: Profile, timestamp, related, furniture_lines) -> str:
    url = profile.origin + c.path
    image = _abs(profile, c.og_image or DEFAULT_OG_IMAGE)
    head = [_og("og:title", c.title)]
    if c.description is not None:
        head.insert(0, f'<meta name="description" content="{esc(c.description)}">')
        head.append(_og("og:description", c.description, c.char_refs))
    head += [_og("og:url", c.og_url or url), _og("og:type", "website"), _og("og:locale", "en_GB"), _og("og:image", image),
             '<meta name="twitter:card" content="summary_large_image">']
    main = f"""<div class="c-page-header">
<div class="l-container">
<h1 class="c-page-header_title">{esc(c.title)}</h1>
</div>
</div>
<div class="l-container">
<div class="l-grid">
<article class="l-grid_main c-news-article-wrapper">
{_meta_time(c.published, c.tag)}
<div class="c-news-article s-cms">
{c.body_html}
</div>
{_share(profile, url, c.title)}
</article>
</div>
</div>
{_related(related)}
{_feedback()}"""
    crumbs = (("Home", "/"), ("News", _news_path(profile)), (c.title, None))
    return _soh_document(profile, title=c.title, head="\n".join(head), main=main, timestamp=timestamp,
                         content_id=c.cms_id, crumbs=crumbs, furniture_lines=furniture_lines)


def _legacy_chrome_top(profile: Profile, furniture_lines=None) -> str:
    nav = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in LEGACY_NAV)
    if furniture_lines is not None:
        top = "\n".join(_furniture_line(line) for line in furniture_lines if line.strip())
    else:
        top = f"""<a class="skip-link" href="#main">{esc(LEGACY_SKIP)}</a>
<div class="site-notice"><p>{esc(LEGACY_NOTICE)}</p></div>
<a class="quick-exit" href="https://www.google.co.uk/" rel="nofollow">{esc(LEGACY_QUICK_EXIT)}</a>
<div class="cookie-notice"><p>{esc(LEGACY_COOKIES)}</p><button type="button">Accept</button></div>"""
    return f"""{top}
<header class="site-header">
<a class="site-header__logo" href="/">{esc(profile.force_name)}</a>
<nav class="site-nav"><ul>{nav}</ul></nav>
</header>"""


def _legacy_document(profile: Profile, *, title: str, head: str, main: str, furniture_lines=None) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}{esc(_title_suffix(profile))}</title>
{head}
<link rel="stylesheet" href="/assets/css/site.css">
</head>
<body class="page">
{_legacy_chrome_top(profile, furniture_lines)}
<main id="main" class="site-main">
{main}
</main>
<footer class="site-footer">
<p><a href="/contact-us/">Contact us</a> | <a href="/privacy/">Privacy</a> | <a href="/accessibility/">Accessibility</a></p>
<p>&#169; {esc(profile.force_name)}</p>
</footer>
</body>
</html>
"""


def _legacy_article(c: PageContent, profile: Profile, related, furniture_lines) -> str:
    url = profile.origin + c.path
    head = [f'<link rel="canonical" href="{esc(url)}">', _og("og:title", c.title), _og("og:url", url)]
    if c.description is not None:
        head.append(_og("og:description", c.description, c.char_refs))
    p = _local(c.published)
    day = p.date() if isinstance(p, dt.datetime) else p
    date_html = (f'<p class="news-article__meta"><time class="news-article__date" datetime="{day.isoformat()}">'
                 f"{short_date(day)}</time></p>\n") if day else ""
    share = (f'<div class="share-links"><span>Share:</span> '
             f'<a href="https://www.facebook.com/sharer/sharer.php?u={quote(url, safe="")}">Facebook</a> '
             f'<a href="https://twitter.com/share?url={quote(url, safe="")}">Twitter</a></div>')
    aside = ""
    if related:
        lis = "".join(f'<li><a href="{esc(t.path)}">{esc(t.title)}</a></li>' for t in related)
        aside = f'<aside class="related-news"><h2>{esc(RELATED_TITLE)}</h2><ul>{lis}</ul></aside>'
    main = f"""<article class="news-article">
<h1 class="news-article__title">{esc(c.title)}</h1>
{date_html}<div class="news-article__body">
{c.body_html}
</div>
{share}
</article>
{aside}"""
    return _legacy_document(profile, title=c.title, head="\n".join(head), main=main, furniture_lines=furniture_lines)


def page_from_record(meta: dict, body_markdown: str, generation, profile, *, timestamp=None,
                     furniture_lines=None) -> str:
    """An article page made from a normalised record (meta as record.parse_record gives it).

    Records in the SOH form (corpus/README.md: the whole og set, the title with its
    suffix, entities left undecoded, `publish.date` as "HH:MM DD/MM/YYYY" or the
    body opening with the date block) become the page the force served: entities
    as the page's markup held them, the date block's tags and time back above the
    body, og:url as the page named it (another host, for some forces).
    """
    profile = _profile(profile)
    gen = _gen_name(generation)
    url = meta.get("url") or profile.origin + "/"
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    og = meta.get("og") or {}
    soh_form = is_soh_form(meta)
    title = profile.strip_title_suffix(str(meta.get("title") or ""))
    description = og.get("description")
    if soh_form:
        title = html.unescape(title)
        description = html.unescape(description) if description is not None else None
    published = None
    date_text = (meta.get("publish") or {}).get("date")
    if date_text:
        published = _record_date(str(date_text))
    tag = None
    if gen == "soh":
        tag, published, body_markdown = _soh_meta_lines(body_markdown, published)
    blocks = markdown_to_blocks(body_markdown)
    content = PageContent(
        path=path,
        title=title,
        description=description,
        published=published,
        body_html=blocks_to_html(blocks, profile.origin),
        cms_id=str(100000 + int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:5], 16)),
        og_image=html.unescape(og["image"]) if soh_form and og.get("image") else og.get("image"),
        char_refs=soh_form and description is not None and "&#" in str(og.get("description")),
        tag=tag,
        og_url=og.get("url") if soh_form and og.get("url") and og.get("url") != url else None,
    )
    return render_article_page(content, gen, profile, timestamp=timestamp, furniture_lines=furniture_lines)


def _record_date(text: str) -> dt.datetime | dt.date:
    """publish.date: "D Mon YYYY" (the reference form) or "HH:MM DD/MM/YYYY" (the SOH form)."""
    when = parse_record_date(text)
    if when is None:
        raise ValueError(f"publish.date {text!r} is not a date")
    return when


def _soh_meta_lines(body: str, published):
    """The date block of an SOH-form body goes back above the body. -> (tag, published, body)."""
    tags, when, rest = split_meta_lines(body)
    if when is None:
        return None, published, body
    return ", ".join(tags) or None, when, rest


# -- listings -------------------------------------------------------------------------


def render_soh_listing(teasers, profile, *, timestamp=None) -> str:
    """/news/<force>/news/: the latest teasers and a link to the full search."""
    profile = _profile(profile)
    panels = "\n".join(_panel(t) for t in teasers)
    head = "\n".join([_og("og:title", "News"), _og("og:url", profile.origin + _news_path(profile)),
                      _og("og:type", "website"), _og("og:locale", "en_GB"), _og("og:image", _abs(profile, DEFAULT_OG_IMAGE))])
    main = f"""<div class="c-page-header"><div class="l-container"><h1 class="c-page-header_title">News</h1></div></div>
<div class="l-container">
<p class="c-lede">The latest news, appeals and updates from {esc(profile.force_name)}.</p>
<div class="c-news-panels">
{panels}
</div>
<p><a class="c-button c-news-panels_more" href="/news/news-search/?{esc(urlencode({'ct': default_ct(profile)}))}">View all news</a></p>
</div>"""
    return _soh_document(profile, title="News", head=head, main=main, timestamp=timestamp,
                         crumbs=(("Home", "/"), ("News", None)))


def page_window(page: int, pages: int, width: int = 2) -> list[int | None]:
    """Page numbers to link: first, last, and a window around page (None: a gap)."""
    shown = sorted({1, pages, *range(max(1, page - width), min(pages, page + width) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and out[-1] is not None and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def pagination(page: int, pages: int, href, templates: dict[str, str]) -> list[str]:
    """Pagination links in a generation's markup: templates for "prev", "page",
    "current", "gap" and "next", with {n} (the page number) and {href}."""
    links: list[tuple[str, int | None]] = [("prev", page - 1)] if page > 1 else []
    links += [("gap", None) if n is None else ("current" if n == page else "page", n) for n in page_window(page, pages)]
    links += [("next", page + 1)] if page < pages else []
    return [templates[kind].format(n=n, href=esc(href(n)) if n else "") for kind, n in links]


_SOH_PAGINATION = {
    "prev": '<li class="c-pagination_item"><a class="c-pagination_link" rel="prev" href="{href}">Previous</a></li>',
    "gap": '<li class="c-pagination_item c-pagination_item--gap">&#8230;</li>',
    "current": '<li class="c-pagination_item"><span class="c-pagination_current" aria-current="page">{n}</span></li>',
    "page": '<li class="c-pagination_item"><a class="c-pagination_link" href="{href}">{n}</a></li>',
    "next": '<li class="c-pagination_item"><a class="c-pagination_link" rel="next" href="{href}">Next</a></li>',
}
_LEGACY_PAGINATION = {
    "prev": '<a rel="prev" href="{href}">Previous</a>',
    "gap": "<span>&#8230;</span>",
    "current": '<span class="current">{n}</span>',
    "page": '<a href="{href}">{n}</a>',
    "next": '<a rel="next" href="{href}">Next</a>',
}


def search_href(page: int, query: dict) -> str:
    params = {k: v for k, v in query.items() if v not in (None, "") and k != "page"}
    params.setdefault("ct", "News")
    params["page"] = str(page)
    return "/news/news-search/?" + urlencode(params)


def render_search_page(results, page: int, pages: int, total: int, profile, *, query=None, timestamp=None,
                       per_page: int = 10) -> str:
    """/news/news-search/?ct=News&page=N"""
    profile = _profile(profile)
    query = dict(query or {})
    items = []
    for t in results:
        image = (f'<a class="c-news-results_image" href="{esc(t.path)}" tabindex="-1" aria-hidden="true">'
                 f'<img src="{esc(t.image)}" alt=""></a>\n') if t.image else ""
        status = status_text(t.published)
        status_html = f'\n<p class="c-news-results_status">{esc(status)}</p>' if status else ""
        items.append(f'<li class="c-news-results_item">\n{image}<h3><a class="c-news-results_title" href="{esc(t.path)}">'
                     f"{esc(t.title)}</a></h3>\n<p>{esc(t.summary)}</p>{status_html}\n</li>")
    nav = pagination(page, pages, lambda n: search_href(n, query), _SOH_PAGINATION)
    first = (page - 1) * per_page + 1 if total else 0
    last = min(page * per_page, total)
    ct = query.get("ct") or default_ct(profile)
    options = "".join(f'<option value="{esc(v)}"{" selected" if v == ct else ""}>{esc(v)}</option>'
                      for v in profile.search_ct or ("News", "Appeals", "Updates"))
    head = "\n".join([_og("og:title", "News search"), _og("og:type", "website"), _og("og:locale", "en_GB")])
    main = f"""<div class="c-page-header"><div class="l-container"><h1 class="c-page-header_title">News search</h1></div></div>
<div class="l-container">
<form class="c-search-form" action="/news/news-search/" method="get" role="search">
<label for="q">Search news</label> <input id="q" name="q" type="search" value="{esc(query.get('q') or '')}">
<select name="ct">{options}</select>
<button type="submit" class="c-button">Search</button>
</form>
<p class="c-news-results_count">Showing {first} to {last} of {total} results</p>
<ul class="c-news-results">
{chr(10).join(items)}
</ul>
<nav class="c-pagination" aria-label="Pagination"><ul class="c-pagination_list">{"".join(nav)}</ul></nav>
</div>"""
    return _soh_document(profile, title="News search", head=head, main=main, timestamp=timestamp,
                         crumbs=(("Home", "/"), ("News", _news_path(profile)), ("Search", None)))


def legacy_listing_href(page: int) -> str:
    return "/news-and-appeals/" if page == 1 else f"/news-and-appeals/?page={page}"


def render_legacy_listing(teasers, page: int, pages: int, profile) -> str:
    """/news-and-appeals/?page=N"""
    profile = _profile(profile)
    items = []
    for t in teasers:
        p = _local(t.published)
        day = p.date() if isinstance(p, dt.datetime) else p
        date_html = f' <span class="news-list__date">{short_date(day)}</span>' if day else ""
        items.append(f'<li class="news-list__item"><a class="news-list__link" href="{esc(t.path)}">{esc(t.title)}</a>'
                     f'{date_html}<p class="news-list__summary">{esc(t.summary)}</p></li>')
    links = pagination(page, pages, legacy_listing_href, _LEGACY_PAGINATION)
    url = profile.origin + legacy_listing_href(page)
    head = "\n".join([f'<link rel="canonical" href="{esc(url)}">', _og("og:title", "News and appeals")])
    main = f"""<h1 class="page-title">News and appeals</h1>
<ul class="news-list">
{chr(10).join(items)}
</ul>
<div class="pagination">{" ".join(links)}</div>"""
    return _legacy_document(profile, title="News and appeals", head=head, main=main)


# -- other pages ------------------------------------------------------------------------

STATIC_PAGES = {
    "/": ("Home", "Report a crime, find advice, and read the latest news and appeals."),
    "/contact-us/": ("Contact us", "In an emergency call 999. For anything else call 101 or use our online services."),
    "/report/": ("Report", "Report a crime or an incident online, at any time of day."),
    "/advice/": ("Advice", "Guidance on staying safe at home, online and on the roads."),
    "/cookies/": ("Cookies", "This page lists the cookies the site sets and why."),
}


def render_static_page(path: str, generation, profile, *, timestamp=None) -> str:
    profile = _profile(profile)
    title, text = STATIC_PAGES[path]
    news = _news_path(profile) if _gen_name(generation) == "soh" else "/news-and-appeals/"
    main_inner = f'<h1 class="{"c-page-header_title" if _gen_name(generation) == "soh" else "page-title"}">{esc(title)}</h1>\n<p>{esc(text)}</p>\n<p><a href="{news}">Latest news</a></p>'
    if _gen_name(generation) == "legacy":
        return _legacy_document(profile, title=title, head=_og("og:title", title), main=main_inner)
    return _soh_document(profile, title=title, head=_og("og:title", title),
                         main=f'<div class="l-container">\n{main_inner}\n</div>', timestamp=timestamp,
                         crumbs=(("Home", "/"), (title, None)) if path != "/" else ())


def render_not_found(generation, profile, *, timestamp=None) -> str:
    profile = _profile(profile)
    text = "We can\u2019t find the page you were looking for. It may have been moved or deleted."
    if _gen_name(generation) == "legacy":
        return _legacy_document(profile, title="Page not found", head="",
                                main=f'<h1 class="page-title">Page not found</h1>\n<p>{esc(text)}</p>')
    main = (f'<div class="c-page-header"><div class="l-container"><h1 class="c-page-header_title">Page not found</h1></div></div>\n'
            f'<div class="l-container"><p>{esc(text)}</p><p><a href="/">Go to the homepage</a></p></div>')
    return _soh_document(profile, title="Page not found", head="", main=main, timestamp=timestamp)


def render_unavailable() -> str:
    """Fault mode's 503: what a load balancer in front of the CMS answers."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Service Unavailable</title>\n"
            "</head>\n<body>\n<h1>Service Unavailable</h1>\n<p>The server is temporarily unable to service your request. "
            "Please try again later.</p>\n</body>\n</html>\n")


# -- feeds ---------------------------------------------------------------------------------


def rfc822(when: dt.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S %z")


def _xml(text: str) -> str:
    return html.escape(text, quote=False)


def render_rss(teasers, base: str, profile) -> str:
    """/news/<force>/news/GetNewsRss/: RSS 2.0, links on base (the host served)."""
    profile = _profile(profile)
    base = base.rstrip("/")
    items = []
    for t in teasers:
        pub = f"\n<pubDate>{rfc822(_local(t.published))}</pubDate>" if isinstance(t.published, dt.datetime) else ""
        items.append(f"<item>\n<title>{_xml(t.title)}</title>\n<link>{_xml(base + t.path)}</link>\n"
                     f"<description>{_xml(t.summary)}</description>{pub}\n"
                     f'<guid isPermaLink="true">{_xml(base + t.path)}</guid>\n</item>')
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{_xml(profile.force_name)} - News</title>
<link>{_xml(base + _news_path(profile))}</link>
<description>The latest news from {_xml(profile.force_name)}</description>
<language>en-gb</language>
<atom:link href="{esc(base + rss_path(profile))}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""


def render_sitemap(entries, base: str) -> str:
    """entries: (path, lastmod datetime/date or None)."""
    base = base.rstrip("/")
    urls = []
    for path, lastmod in entries:
        lm = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        urls.append(f"<url><loc>{_xml(base + path)}</loc>{lm}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(urls) + "\n</urlset>\n")


def render_robots(profile, base: str) -> str:
    profile = _profile(profile)
    lines = ["User-agent: *", *(f"Disallow: {d}" for d in profile.robots_disallow), f"Sitemap: {base.rstrip('/')}/sitemap.xml"]
    return "\n".join(lines) + "\n"
