"""The replica's own news articles, generated deterministically.

Article `index` depends only on (seed, index) and on the articles before it
(slug collisions go to the lower index), never on how many are served: a
5,010-article replica serves the same 5,000 as a 5,000-article one, plus ten
newer ones. Each index draws from two random streams: a cheap one for what
listings need (`article_stub`) and one for the body (`generate_article`).

Edits: revision r > 0 of an article (`revision=r`) is the original plus r
updates, each drawn from its own stream (seed, index, k): the title gains the
"UPDATED: " prefix, the body opens with the "Updated News Post" marker and the
updates' paragraphs (newest first), and some updates give the story a new lead
(teaser text and og:description). The URL never changes; the edit is dated
`moment + r * EDIT_STEP` (the page's Last-Modified).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from herts_scraper.profiles import Profile, load_profile
from herts_scraper.record import Article
from herts_scraper.replica import vocabulary as V
from herts_scraper.replica.blocks import (
    Break,
    BulletList,
    Em,
    Figure,
    Heading,
    Link,
    NumberedList,
    Paragraph,
    Quote,
    Rule,
    Strong,
    SummaryList,
    Table,
    Text,
    block_images,
    blocks_to_markdown,
    item,
)

LONDON = ZoneInfo("Europe/London")
START = dt.datetime(2014, 1, 6, 7, 0, tzinfo=dt.timezone.utc)  # 20,000 articles end in 2025, before today
STEP = dt.timedelta(hours=5)
JITTER_MINUTES = 240  # < STEP, so a higher index is always newer
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
KINDS = (("appeal", 34), ("charge", 16), ("sentence", 16), ("arrest", 10), ("community", 16), ("missing", 8))
UPDATED_PREFIX = "UPDATED: "
UPDATED_MARKER = "Updated News Post"
BREAKING_MARKER = "Breaking News Post"
BREAKING_SHARE = 0.1  # of first versions, on the forces whose pages show the marker
EDIT_STEP = dt.timedelta(hours=26)  # revision r is dated published + r * 26 h
DEFAULT_IMAGE_DIR = "/globalassets/news-images"


@dataclass(frozen=True)
class ArticleStub:
    """What listings, feeds and the URL map need: no body."""

    index: int
    title: str
    soh_path: str
    legacy_path: str
    moment: dt.datetime            # when it was published (London time), shown or not
    published: dt.datetime | None  # None: the page shows no date
    summary: str                   # the lead sentence: teaser text and og:description
    description: str | None        # None: the page has no og:description
    cms_id: str
    kind: str
    updated: bool
    has_image: bool
    facts: dict = field(compare=False, repr=False, default_factory=dict)
    revision: int = 0              # 0: as first published; r: after r edits

    def path(self, generation: str) -> str:
        return self.soh_path if generation == "soh" else self.legacy_path

    @property
    def last_modified(self) -> dt.datetime:
        """When the page last changed: publication, or the latest edit (London time)."""
        if not self.revision:
            return self.moment
        return (self.moment.astimezone(dt.timezone.utc) + self.revision * EDIT_STEP).astimezone(LONDON)


@dataclass(frozen=True)
class ReplicaArticle:
    stub: ArticleStub
    blocks: tuple
    origin: str
    area: str

    def __getattr__(self, name):  # title, soh_path, published... come from the stub
        if name == "stub":
            raise AttributeError(name)
        return getattr(self.stub, name)

    def path(self, generation: str) -> str:
        return self.stub.path(generation)

    def url(self, generation: str) -> str:
        return self.origin + self.path(generation)

    @property
    def images(self) -> list[dict]:
        return block_images(self.blocks, self.origin)

    def body_markdown(self) -> str:
        return blocks_to_markdown(self.blocks, self.origin)

    def published_iso(self, generation: str) -> str | None:
        """SOH pages show the time, legacy pages only the date."""
        if self.published is None:
            return None
        if generation == "soh":
            return self.published.isoformat()
        return self.published.date().isoformat()

    def expected_article(self, generation: str) -> Article:
        """The record an exact extractor makes of this article's page."""
        gen = getattr(generation, "name", generation)
        article = Article(
            url=self.url(gen),
            area=self.area,
            title=self.title,
            description=self.description,
            published=self.published_iso(gen),
            body=self.body_markdown(),
            generation=gen,
            cms_id=self.cms_id if gen == "soh" else None,
            images=self.images,
        )
        article.missing = [k for k in ("title", "description", "published", "body") if not getattr(article, k)]
        return article


# -- slugs and the stub table --------------------------------------------------


def slugify(text: str, keep_case: bool = False) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = re.sub(r"['\u2019]", "", ascii_text)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > 90:
        slug = slug[:90].rsplit("-", 1)[0]
    return slug if keep_case else slug.lower()


class _StubTable:
    """Stubs of indices 0..n-1 for one (seed, profile), extended on demand;
    a path already taken by a lower index gets a numbered suffix."""

    def __init__(self, seed: int, profile: Profile):
        self.seed, self.profile = seed, profile
        self.stubs: list[ArticleStub] = []
        self.taken: set[str] = set()
        self.lock = threading.Lock()

    def upto(self, n: int) -> list[ArticleStub]:
        if len(self.stubs) < n:
            with self.lock:
                while len(self.stubs) < n:
                    self.stubs.append(self._resolve(_draft_stub(len(self.stubs), self.seed, self.profile)))
        return self.stubs

    def _resolve(self, stub: ArticleStub) -> ArticleStub:
        soh, legacy = stub.soh_path, stub.legacy_path
        k = 2
        while soh in self.taken:
            soh = f"{stub.soh_path[:-1]}-{k}/"
            k += 1
        k = 2
        while legacy.lower() in self.taken:
            legacy = f"{stub.legacy_path}-{k}"
            k += 1
        self.taken.add(soh)
        self.taken.add(legacy.lower())
        # facts (what the body is written from) are re-drawn by generate_article: kept
        # here they would triple the table's memory
        return ArticleStub(**{**stub.__dict__, "soh_path": soh, "legacy_path": legacy, "facts": {}})


_tables: dict[tuple, _StubTable] = {}
_tables_lock = threading.Lock()


def _table(seed: int, profile: Profile) -> _StubTable:
    key = (seed, profile.name, str(profile.path), profile.origin, profile.force_slug)
    with _tables_lock:
        table = _tables.get(key)
        if table is None:
            table = _tables[key] = _StubTable(seed, profile)
        return table


def _profile(profile) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile or "hertfordshire")


def stubs(count: int, seed: int = 0, profile="hertfordshire") -> list[ArticleStub]:
    """Stubs of articles 0..count-1 (oldest first)."""
    return _table(seed, _profile(profile)).upto(count)[:count]


def article_stub(index: int, seed: int = 0, profile="hertfordshire", revision: int = 0) -> ArticleStub:
    """Article `index` as listings show it (at `revision`: 0 is as first published)."""
    if index < 0:
        raise IndexError(index)
    if revision < 0:
        raise ValueError("revision must be 0 or more")
    p = _profile(profile)
    stub = stubs(index + 1, seed, p)[index]
    if revision == 0:
        return stub
    facts = _draft_stub(index, seed, p).facts
    updates = [_update(stub, facts, k, seed, p) for k in range(1, revision + 1)]
    return _revised_stub(stub, updates, p)


def generate_article(index: int, seed: int = 0, profile="hertfordshire", revision: int = 0) -> ReplicaArticle:
    """Article `index` with its body (at `revision`: see the module docstring)."""
    if revision < 0:
        raise ValueError("revision must be 0 or more")
    p = _profile(profile)
    stub = article_stub(index, seed, p)
    stub = ArticleStub(**{**stub.__dict__, "facts": _draft_stub(index, seed, p).facts})
    blocks = _body(stub, seed, p)
    if revision:
        updates = [_update(stub, stub.facts, k, seed, p) for k in range(1, revision + 1)]
        stub = ArticleStub(**{**_revised_stub(stub, updates, p).__dict__, "facts": stub.facts})
        blocks = _revised_body(blocks, updates, p)
    return ReplicaArticle(stub, tuple(blocks), p.origin, p.area)


# -- the stub: title, date, paths, summary --------------------------------------


def _pick(rng: random.Random, seq):
    return seq[rng.randrange(len(seq))]


def _weighted(rng: random.Random, pairs) -> str:
    total = sum(w for _, w in pairs)
    r = rng.randrange(total)
    for value, w in pairs:
        r -= w
        if r < 0:
            return value
    return pairs[-1][0]


def _day_text(day: dt.date) -> str:
    return f"{V.WEEKDAYS[day.weekday()]} ({day.day} {MONTHS[day.month - 1].capitalize()})"


def _draft_stub(index: int, seed: int, profile: Profile) -> ArticleStub:
    rng = random.Random(f"herts-replica:{seed}:{index}")
    moment_utc = START + index * STEP + dt.timedelta(minutes=rng.randrange(JITTER_MINUTES))
    moment = moment_utc.astimezone(LONDON)
    kind = _weighted(rng, KINDS)
    towns, districts, courts = _places(profile)
    f = {
        "town": _pick(rng, towns),
        "town2": _pick(rng, towns),
        "district": _pick(rng, districts),
        "street": _pick(rng, V.STREETS),
        "place": _pick(rng, V.PLACES),
        "offence": rng.randrange(len(V.OFFENCES)),
        "rank": _pick(rng, V.RANKS),
        "first": _pick(rng, V.FIRST_NAMES),
        "surname": _pick(rng, V.SURNAMES),
        "subject_first": _pick(rng, V.FIRST_NAMES),
        "subject_surname": _pick(rng, V.SURNAMES),
        "team": _pick(rng, V.TEAMS),
        "operation": _pick(rng, V.OPERATIONS),
        "event": _pick(rng, V.EVENTS),
        "scheme": _pick(rng, V.SCHEMES),
        "partner": _pick(rng, V.PARTNERS),
        "vehicle": _pick(rng, V.VEHICLES),
        "item": _pick(rng, V.ITEMS),
        "court": _pick(rng, courts),
        "age": rng.randrange(16, 78),
        "count": rng.randrange(2, 14),
        "years": rng.randrange(2, 15),
        "amount": rng.choice((250, 480, 750, 1200, 2500, 3400, 5000, 12000, 18500, 46000)),
        "sex": rng.choice(("man", "man", "woman", "teenager")),
        "incident": (moment - dt.timedelta(days=rng.randrange(1, 8))).date(),
        "ref": f"41/{rng.randrange(10000, 99999)}/{moment.year % 100:02d}",
        "variant": rng.randrange(1000),
        "towns": towns,
        "force_name": profile.force_name,
    }
    if f["sex"] == "teenager":
        f["age"] = 13 + f["age"] % 6
    f["off_noun"], f["off_phrase"], f["charge"] = V.OFFENCES[f["offence"]]
    title, summary = _title_and_summary(kind, f, rng)
    updated = rng.random() < 0.06
    if updated:
        title = _updated_texts(profile)[0] + title
    dateless = rng.random() < 0.01  # a few; the crawl's health check allows 2%
    described = rng.random() >= 0.03
    has_image = rng.random() < 0.35
    f["size"] = "short" if rng.random() < 0.06 else ("long" if rng.random() < 0.045 else "normal")
    if updated and f["size"] == "short":
        f["size"] = "normal"  # an updated story opens with the marker: never one paragraph
    f["summary_bullets"] = rng.random() < 0.67 and f["size"] != "short"
    f["char_refs"] = rng.random() < 0.3
    slug_case = rng.random() < 0.4
    suffix_kind = rng.random()
    if suffix_kind < 0.5:
        suffix = f"-{rng.randrange(1000, 10000)}"
    elif suffix_kind < 0.68:
        suffix = f"-{rng.randrange(100, 1000)}"
    elif suffix_kind < 0.84:
        suffix = f"-{rng.randrange(0, 10000):04d}{rng.choice(('MD', 'c', 'a', 'KB', 'b'))}"
    else:
        suffix = ""
    soh_path = soh_article_path(profile, moment, slugify(title), random.Random(f"herts-replica:{seed}:{index}:shape"))
    legacy_path = f"/news-and-appeals/{slugify(title, keep_case=slug_case)}{suffix}"
    return ArticleStub(
        index=index,
        title=title,
        soh_path=soh_path,
        legacy_path=legacy_path,
        moment=moment.replace(second=0, microsecond=0),
        published=None if dateless else moment.replace(second=0, microsecond=0),
        summary=summary,
        description=summary if described else None,
        cms_id=str(310000 + index * 4 + rng.randrange(4)),
        kind=kind,
        updated=updated,
        has_image=has_image,
        facts=f,
    )


def _places(profile: Profile) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(towns, districts, courts) an article of this force is written from: its own area's."""
    towns = V.FORCE_TOWNS.get(profile.force_slug)
    if not towns:
        return V.TOWNS, V.DISTRICTS, V.SENTENCES_COURT
    return towns, towns, (f"{towns[0]} Crown Court", f"{towns[1]} Magistrates' Court", f"{towns[2]} Magistrates' Court")


# The article path when the profile names no shapes (Hertfordshire's SOH pages).
DEFAULT_SHAPE = "/news/{force}/news/{yyyy}/{month}-{yyyy}/{slug}/"


def corpus_shows(profile: Profile, key: str) -> tuple:
    """What the force's real pages show (profile `corpus_shows:`) under key; () when nothing."""
    shows = profile.raw.get("corpus_shows") or {}
    value = shows.get(key) or ()
    return (value,) if isinstance(value, str) else tuple(value)


def article_shapes(profile: Profile) -> tuple[str, ...]:
    """The article URL shapes this force's pages show (profile `corpus_shows: article_shapes`)."""
    return corpus_shows(profile, "article_shapes") or (DEFAULT_SHAPE,)


def soh_article_path(profile: Profile, moment: dt.datetime, slug: str, rng: random.Random) -> str:
    """An article's SOH path in one of the force's shapes: {force} {section}-free templates
    with date folders {yyyy} {yy} {mm} {m} {dd} {month} {Month} and the {slug}."""
    shapes = article_shapes(profile)
    shape = shapes[0] if len(shapes) == 1 else shapes[rng.randrange(len(shapes))]
    month = MONTHS[moment.month - 1]
    return shape.format(force=profile.force_slug, slug=slug, yyyy=f"{moment.year}", yy=f"{moment.year % 100:02d}",
                        mm=f"{moment.month:02d}", m=f"{moment.month}", dd=f"{moment.day:02d}",
                        month=month, Month=month.capitalize())


def _person(f) -> str:
    return {"man": "man", "woman": "woman", "teenager": "teenage boy"}[f["sex"]]


def _title_and_summary(kind: str, f: dict, rng: random.Random) -> tuple[str, str]:
    """A headline and the lead sentence that goes with it."""
    town, off, day = f["town"], f["off_noun"], _day_text(f["incident"])
    name = f"{f['subject_first']} {f['subject_surname']}"
    person, age = _person(f), f["age"]
    appeal_lead = f"Officers are appealing for witnesses following {f['off_phrase']} in {town} on {day}."
    pairs: tuple[tuple[str, str], ...]
    if kind == "appeal":
        pairs = ((f"Appeal for witnesses after {off} in {town}", appeal_lead),
                 (f"Witnesses sought following {off} on {f['street']}, {town}",
                  f"Police in {town} are asking for help to trace the people responsible for {f['off_phrase']} on {f['street']}."),
                 (f"Can you help? Police appeal after {off} in {town}", appeal_lead),
                 (f"CCTV released after {off} in {town}",
                  f"Detectives investigating {f['off_phrase']} in {town} have released images of people they would like to speak to."),
                 (f"Dash cam appeal following {off} near {town}",
                  f"Drivers who were near {town} on {day} are being asked to check their dash cam footage after {f['off_phrase']}."),
                 (f"{town}: information wanted after {off}", appeal_lead))
    elif kind == "charge":
        pairs = ((f"{person.capitalize()} charged after {off} in {town}",
                  f"A {age}-year-old {person} from {f['town2']} has been charged in connection with {f['off_phrase']} in {town}."),
                 (f"{age}-year-old charged with {f['charge']}",
                  f"{name}, aged {age}, of {f['street']}, {f['town2']}, has been charged with {f['charge']}."),
                 (f"{f['count']} people charged following {f['operation']} in {town}",
                  f"{f['count']} people have been charged after {f['operation']} targeted {off} in {town}."),
                 (f"{name} charged in connection with {off} in {town}",
                  f"{name}, {age}, has been charged with {f['charge']} following {f['off_phrase']} in {town} on {day}."))
    elif kind == "sentence":
        pairs = ((f"{town} {f['sex']} jailed for {f['charge']}",
                  f"A {person} from {town} has been jailed for {f['years']} years after admitting {f['charge']}."),
                 (f"{name} sentenced to {f['years']} years for {off} in {town}",
                  f"{name}, {age}, was sentenced at {f['court']} for {f['off_phrase']} in {town}."),
                 (f"{name} ordered to pay £{f['amount']:,} after {off} conviction",
                  f"{name}, {age}, was sentenced at {f['court']} and ordered to pay £{f['amount']:,} in compensation."),
                 (f"Prison sentence for {off} that left {town} resident injured",
                  f"A {person} has been jailed for {f['years']} years for {f['off_phrase']} that left a {town} resident injured."))
    elif kind == "arrest":
        pairs = ((f"{f['count']} arrested after {f['operation']} in {town}",
                  f"{f['count']} people have been arrested as part of {f['operation']}, which is tackling {off} in {town}."),
                 (f"Arrests made as {f['operation']} targets {off} in {f['district']}",
                  f"Officers have made {f['count']} arrests as part of {f['operation']}, which is tackling {off} in {f['district']}."),
                 (f"{person.capitalize()} arrested on suspicion of {f['charge']} in {town}",
                  f"Officers arrested a {age}-year-old {person} in {town} on {day} on suspicion of {f['charge']}."))
    elif kind == "community":
        pairs = ((f"Officers hold {f['event']} in {town}",
                  f"Officers from the {town} {f['team']} worked with {f['partner']} to hold {f['event']} on {day}."),
                 (f"New {f['scheme']} launched in {town}",
                  f"A new {f['scheme']} has been launched in {town} with the support of {f['partner']}."),
                 (f"{f['rank']} {f['first']} {f['surname']} honoured for work in {town}",
                  f"{f['rank']} {f['first']} {f['surname']} has been recognised for years of work with communities in {town}."),
                 (f"Residents invited to shape policing priorities in {f['district']}",
                  f"People living in {f['district']} are being asked which issues they want their local officers to focus on."),
                 (f"{f['operation']}: a week of action across {f['district']}",
                  f"Officers across {f['district']} have completed a week of action under {f['operation']}."))
    else:  # missing
        pairs = ((f"Missing {town} {person}: have you seen {f['subject_first']}?",
                  f"Police are concerned for the welfare of {name}, aged {age}, who has been reported missing from {town}."),
                 (f"Concern for missing {age}-year-old from {town}",
                  f"Officers are asking for help to find {name}, {age}, who was last seen on {f['street']} in {town} on {day}."),
                 (f"Have you seen {name}?",
                  f"Police are concerned for the welfare of {name}, aged {age}, who has been reported missing from {town}."))
    return pairs[f["variant"] % len(pairs)]


# -- the body -------------------------------------------------------------------


def _officer(f) -> str:
    return f"{f['rank']} {f['first']} {f['surname']}"


def _host(origin: str) -> str:
    return urlsplit(origin).netloc


def _email(f, origin: str) -> str:
    first = unicodedata.normalize("NFKD", f["first"]).encode("ascii", "ignore").decode().lower()
    last = re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", f["surname"]).encode("ascii", "ignore").decode().lower())
    return f"{first}.{last}@{_host(origin).removeprefix('www.')}"


def _money(rng, f) -> str:
    sep = "\xa0" if rng.random() < 0.2 else " "  # some CMS output glues amounts with NBSP
    return f"£{f['amount']:,}{sep}worth of {f['item']}"


def _detail_paragraphs(rng: random.Random, f: dict, n: int) -> list:
    town, street, kind = f["town"], f["street"], f["kind"]
    hour = rng.randrange(1, 12)
    look = rng.choice(("white", "black", "mixed race", "Asian"))
    pool = [
        f"It happened at around {hour}.{rng.randrange(10, 59)}{rng.choice(('am', 'pm'))} on {street}, close to {f['place']}.",
        f"Officers believe the offenders left the area in {f['vehicle']} towards {f['town2']}.",
        f"Patrols in {town} have been increased while the investigation continues, and officers have been speaking to residents on {street}.",
        f"The incident is believed to be linked to two similar reports in {f['district']} earlier in the month.",
    ]
    if kind in ("appeal", "arrest", "charge", "sentence"):
        pool += [
            f"{_money(rng, f).capitalize()} was taken during the incident, and enquiries to recover it are continuing.",
            f"Following enquiries by the {f['team']}, a warrant was carried out at an address in {f['town2']}, where officers recovered {f['item']}.",
        ]
    if kind == "appeal":
        pool += [
            f"The suspect is described as {'an' if look[0] in 'aeiouAEIOU' else 'a'} {look} man in his {rng.choice(('twenties', 'thirties', 'forties'))}, "
            f"of {rng.choice(('slim', 'medium', 'stocky'))} build, wearing a {rng.choice(('dark hooded top', 'grey tracksuit', 'blue jacket', 'black puffer coat'))}.",
            f"A {_person(f)} was taken to hospital with injuries that are not thought to be life-changing.",
            f"House-to-house enquiries have been carried out and officers are reviewing CCTV from {f['place']} nearby.",
        ]
    if kind in ("charge", "sentence"):
        pool += [
            f"{f['subject_first']} {f['subject_surname']}, {f['age']}, of {street}, {f['town2']}, appeared at {f['court']}.",
            "The court heard that the offences took place over several weeks and caused real distress to people living nearby.",
        ]
    if kind == "community":
        pool += [
            "Residents were able to meet their local officers, ask questions and pick up crime prevention leaflets.",
            f"The work forms part of a wider plan agreed with {f['partner']} to make {town} a safer place to live and work.",
        ]
    if kind == "missing":
        pool += [
            f"{f['subject_first']} is described as around 5ft {rng.randrange(2, 11)}in tall, with {rng.choice(('short brown', 'long dark', 'curly blonde', 'shaved'))} hair.",
            f"{f['subject_first']} has links to {f['town2']} and may have travelled there by train.",
        ]
    rng.shuffle(pool)
    return [Paragraph(p) for p in pool[:n]]


def _quote_paragraphs(rng: random.Random, f: dict) -> list:
    who = _officer(f)
    opener, follower = _pick(rng, V.QUOTE_OPENERS), _pick(rng, V.QUOTE_FOLLOWERS)
    if rng.random() < 0.5:
        first = f"{who}, from the {f['town']} {f['team']}, said: \u201c{opener}, {follower}"
    else:
        first = f"{who} said: \u201c{opener}, {follower}"
    more = rng.randrange(0, 3)
    if more == 0:
        return [Paragraph(first + "\u201d")]
    out = [Paragraph(first)]
    extra = [f"\u201cI want to reassure people in {f['town']} that we are doing everything we can, and that we take reports like this extremely seriously.",
             f"\u201cIf you saw anything unusual on {f['street']} that day, however small, please get in touch. Your information could be vital.",
             "\u201cI\u2019d also like to thank the community for their patience while officers were at the scene."]
    for k in range(more):
        end = "\u201d" if k == more - 1 else ""
        out.append(Paragraph(extra[k] + end))
    return out


def _contact_paragraph(rng: random.Random, f: dict, origin: str) -> Paragraph:
    ref = f["ref"]
    style = rng.randrange(4)
    if style == 0:
        email = _email(f, origin)
        return Paragraph([f"Anyone with information is asked to contact {f['rank']} {f['surname']} by emailing ",
                          Link(email, "mailto:" + email), " or to ",
                          Link(_pick(rng, V.INTERNAL_LINKS)[0], "/report/"), f", quoting crime reference {ref}."])
    if style == 1:
        bare = _host(origin) + "/report"  # a link whose text is its own address
        return Paragraph(["You can report information online at ", Link(bare, "https://" + bare),
                          ", speak to an operator in our Force Communications Room via ",
                          Link("web chat", origin + "/contact-us/web-chat/"),
                          " or call 101, quoting crime reference ", Strong((Text(ref),)), "."])
    if style == 2:
        text, href = _pick(rng, V.INTERNAL_LINKS)
        return Paragraph(["If you can help, please ", Link(text, href), " or call the non-emergency number 101, quoting ",
                          Em((Text(ref),)), "."])
    return Paragraph(f"Please call 101 quoting crime reference {ref} if you have any information.")


def _crimestoppers(rng: random.Random) -> Paragraph:
    text, href = V.LINKS_EXTERNAL[0]
    if rng.random() < 0.5:
        return Paragraph(["You can also contact the independent charity Crimestoppers, 100% anonymously, on 0800 555 111 or through ",
                          Link(text, href), "."])
    bare = V.LINKS_BARE[0]
    return Paragraph(["Information can also be given to Crimestoppers anonymously on 0800 555 111 or at ",
                      Link(bare, "https://" + bare + "/"), ". No personal details are asked for."])


def _advice_section(rng: random.Random, f: dict) -> list:
    head_text = rng.choice(("Crime prevention advice", "How to protect yourself", "Keeping your property safe"))
    quirk = rng.random()
    head: Paragraph | Heading
    if quirk < 0.08:  # a space inside the bold sub-head, as CMS editors leave them
        head = Paragraph(Strong((Text(head_text + " "),)))
    elif quirk < 0.12:
        head = Heading(rng.choice((2, 3, 4)), head_text)
    else:
        head = Paragraph(Strong((Text(head_text),)))
    tips = list(V.ADVICE)
    rng.shuffle(tips)
    tips = tips[: rng.randrange(3, 7)]
    style = rng.random()
    if style < 0.06:  # one tip with sub-points
        items = [item(t) for t in tips[:-1]] + [item(tips[-1], nested=[BulletList(["Front and back doors", "Garage and shed doors"])])]
    elif style < 0.1:
        items = [item(t, paragraph=True) for t in tips]
    elif style < 0.2:
        items = [item([Strong((Text(t.split(" ")[0]),)), " " + " ".join(t.split(" ")[1:])]) for t in tips]
    else:
        items = [item(t) for t in tips]
    return [head, Paragraph(f"Officers in {f['town']} are offering the following advice:"), BulletList(items)]


def _numbered_section(rng: random.Random, f: dict) -> list:
    if f["kind"] in ("sentence", "charge") and rng.random() < 0.6:
        conds = list(V.CONDITIONS)
        rng.shuffle(conds)
        lead = Paragraph(f"As part of a Criminal Behaviour Order made at {f['court']}, {f['subject_surname']} must also comply with these conditions:")
        start = 1 if rng.random() < 0.85 else rng.randrange(2, 5)
        return [lead, NumberedList([c[0].upper() + c[1:] + "." for c in conds[: rng.randrange(2, 5)]], start)]
    return [Paragraph("If you see something suspicious:"), NumberedList(list(V.STEPS[: rng.randrange(3, 6)]))]


def _figure(rng: random.Random, f: dict, index: int) -> Figure:
    kind = rng.choice(("figure", "picture", "image-block"))
    src = f"{DEFAULT_IMAGE_DIR}/{f['incident'].year}/{index:05d}-{rng.randrange(100, 999)}.jpg"
    caption_kind = rng.randrange(4)
    if caption_kind == 0:
        return Figure(src, alt="", caption=(), kind=kind)
    captions = (f"{f['subject_first']} {f['subject_surname']}",
                f"Officers on {f['street']} in {f['town']}",
                f"Some of the items recovered by the {f['team']}")
    caption = captions[caption_kind - 1]
    return Figure(src, alt=caption if rng.random() < 0.7 else "", caption=caption, kind=kind)


def _results_table(rng: random.Random, f: dict) -> Table:
    towns = rng.sample(f["towns"], 3)
    rows = [("Area", "Arrests", "Vehicles seized")]
    rows += [(t, str(rng.randrange(1, 12)), str(rng.randrange(0, 6))) for t in towns]
    return Table(rows, header=True)


def _quirky_paragraph(rng: random.Random, f: dict) -> Paragraph:
    """Markup that extractors must normalise: <br>, bold with inner spaces,
    emphasis without text, nested emphasis."""
    q = rng.randrange(4)
    if q == 0:
        return Paragraph([f["force_name"], Break(), "Police Headquarters", Break(), f"{f['town']}"])
    if q == 1:
        return Paragraph([Strong((Text("Please note: "),)), f"the {f['street']} junction in {f['town']} remains closed while officers are at the scene."])
    if q == 2:
        return Paragraph([f"Officers in {f['town']} thanked the public", Strong((Text(" "),)), "for their help."])
    return Paragraph([Strong((Text("Update: "), Em((Text(f"{f['operation']} continues"),)))), " across the county this week."])


def _long_roundup(rng: random.Random, f: dict) -> list:
    out: list[Paragraph | Heading] = [Paragraph(f"Here is a round-up of the results from {f['operation']}, which ran across {f['district']} and the neighbouring towns over the last month.")]
    actions = ("arrested a man on suspicion of {charge}", "seized {vehicle} being driven without insurance",
               "recovered {item} reported stolen from {town2}", "issued a community protection warning to a {age}-year-old",
               "carried out a warrant at an address on {street}", "stopped {vehicle} and found a quantity of cannabis")
    day = f["incident"] - dt.timedelta(days=40)
    n = rng.randrange(60, 80)
    for k in range(n):
        day += dt.timedelta(days=rng.randrange(0, 2))
        action = rng.choice(actions).format(charge=_pick(rng, V.OFFENCES)[2], vehicle=_pick(rng, V.VEHICLES),
                                            item=_pick(rng, V.ITEMS), town2=_pick(rng, f["towns"]),
                                            age=rng.randrange(16, 60), street=_pick(rng, V.STREETS))
        if k % 15 == 14:
            out.append(Heading(3, f"Week {k // 15 + 1}"))
        out.append(Paragraph(f"On {_day_text(day)}, officers in {_pick(rng, f['towns'])} {action}."))
    return out


def _summary_list(rng: random.Random, stub: ArticleStub, f: dict) -> SummaryList:
    pool = [f"Officers were called to {f['street']} in {f['town']}",
            f"The incident happened on {_day_text(f['incident'])}",
            f"Enquiries by the {f['team']} are continuing",
            f"Quote reference {f['ref']} with any information",
            f"Advice has been issued to residents across {f['district']}",
            f"{f['operation']} is running across the county"]
    rng.shuffle(pool)
    return SummaryList(pool[: rng.randrange(2, 5)], level=2 if rng.random() < 0.12 else 3)


def _body(stub: ArticleStub, seed: int, profile: Profile) -> list:
    rng = random.Random(f"herts-replica:{seed}:{stub.index}:body")
    f = dict(stub.facts, kind=stub.kind)
    origin = profile.origin
    if f["size"] == "short":
        return [Paragraph(stub.summary)]
    blocks: list = []
    if stub.updated:
        blocks.append(Paragraph(_updated_texts(profile)[1]))
    elif BREAKING_MARKER in corpus_shows(profile, "post_markers") and \
            random.Random(f"herts-replica:{seed}:{stub.index}:breaking").random() < BREAKING_SHARE:
        blocks.append(Paragraph(BREAKING_MARKER))
    if f["summary_bullets"]:
        blocks.append(_summary_list(rng, stub, f))
    blocks.append(Paragraph(stub.summary))
    if f["size"] == "long":
        blocks += _long_roundup(rng, f)
        blocks += _quote_paragraphs(rng, f)
        blocks.append(_contact_paragraph(rng, f, origin))
        return blocks
    if stub.has_image or rng.random() < 0.15:
        blocks.append(_figure(rng, f, stub.index))
    blocks += _detail_paragraphs(rng, f, rng.randrange(2, 6))
    if rng.random() < 0.1:
        blocks.append(Heading(rng.choice((2, 4, 5)), "Background"))
        blocks += _detail_paragraphs(rng, f, 1)
    blocks += _quote_paragraphs(rng, f)
    if rng.random() < 0.15:
        blocks.append(Quote([Paragraph("\u201cThe support from officers made all the difference to us,\u201d said a relative of the victim.")]))
    if rng.random() < 0.25:
        blocks += _advice_section(rng, f)
    if rng.random() < 0.14:
        blocks += _numbered_section(rng, f)
    if rng.random() < 0.05:
        blocks.append(Paragraph(f"The results of the latest week of {f['operation']}:"))
        blocks.append(_results_table(rng, f))
    if rng.random() < 0.12:
        blocks.append(_quirky_paragraph(rng, f))
    if rng.random() < 0.05:
        blocks.append(Rule())
    if stub.kind in ("appeal", "missing", "arrest") or rng.random() < 0.4:
        blocks.append(_contact_paragraph(rng, f, origin))
        if rng.random() < 0.7:
            blocks.append(_crimestoppers(rng))
    if rng.random() < 0.2:
        text, href = _pick(rng, V.LINKS_EXTERNAL[1:])
        blocks.append(Paragraph(["More information and support is available from ", Link(text, href), "."]))
    return blocks


# -- revisions (edits) ----------------------------------------------------------


def _updated_texts(profile: Profile) -> tuple[str, str]:
    """(title prefix, body marker) of updated stories, as the profile names them."""
    soh = profile.generations.get("soh")
    return (profile.title_prefix_updated or UPDATED_PREFIX,
            (soh.updated_marker if soh is not None else None) or UPDATED_MARKER)


@dataclass(frozen=True)
class _Update:
    lead: str        # the news of this edit, as plain text
    blocks: tuple    # what it adds to the body
    new_lead: bool   # the story's teaser text and og:description become `lead`


def _update(stub: ArticleStub, f: dict, k: int, seed: int, profile: Profile) -> _Update:
    """Edit k of an article: new information, drawn from (seed, index, k) and an
    order of news fixed per article (so successive edits tell different news).
    No dates in it: a dateless page must not gain one near its headline."""
    order = random.Random(f"herts-replica:{seed}:{stub.index}:revisions")
    rng = random.Random(f"herts-replica:{seed}:{stub.index}:rev:{k}")
    name, first = f"{f['subject_first']} {f['subject_surname']}", f["subject_first"]
    he = {"man": "He", "woman": "She", "teenager": "He"}[f["sex"]]
    town, town2, charge, court = f["town"], f["town2"], f["charge"], f["court"]
    leads = list({
        "appeal": (f"A {order.randrange(18, 60)}-year-old {_person(f)} from {town2} has since been arrested on suspicion of "
                   f"{charge}. {he} has been released on bail while enquiries continue.",
                   f"A man has since been charged with {charge} and will appear at {court} later this month.",
                   "Officers have now identified the people they wanted to speak to. Thank you to everyone who shared the appeal.",
                   f"Detectives have released further images and are renewing their appeal for anyone with dash cam "
                   f"footage from {f['street']} to come forward."),
        "charge": (f"{name} appeared at {court} and was remanded in custody to appear again next month.",
                   f"{name} has since pleaded guilty to {charge} and will be sentenced at a later date.",
                   f"A second person, a {order.randrange(18, 60)}-year-old from {town2}, has now also been charged in "
                   "connection with the investigation."),
        "sentence": (f"{name} has also been made the subject of a Criminal Behaviour Order lasting {f['years']} years.",
                     f"Proceedings to recover £{f['amount']:,} under the Proceeds of Crime Act have now begun.",
                     "An appeal against the sentence has been dismissed by the Court of Appeal."),
        "arrest": (f"Following further enquiries, charges have now been brought and the case will be heard at {court}.",
                   "Those arrested have been released on bail while enquiries continue.",
                   f"Further arrests have been made in {town2} as enquiries continue."),
        "community": (f"Thank you to everyone who came along. A further event will be held in {town2} next month.",
                      f"Since the launch, more than {f['count'] * 10} residents have signed up to take part.",
                      f"The {f['team']} has published the priorities residents chose, which will guide patrols in "
                      f"{f['district']} over the coming months."),
        "missing": (f"Officers searching for {first} are now focusing on {town2}, where there has been a possible sighting.",
                    f"{first}\u2019s family have made a fresh appeal for {first} to get in touch.",
                    f"{first} has been found safe and well. Thank you to everyone who shared our appeal."),
    }[stub.kind])
    follows: list[list[Paragraph | BulletList]] = [
        [Paragraph(f"Enquiries are continuing and officers would still like to hear from anyone with information. "
                   f"Please quote crime reference {f['ref']}.")],
        [Paragraph(f"{_officer(f)} said: \u201cThis shows what can be achieved when people in {town} work with us. "
                   "Thank you to everyone who came forward.\u201d")],
        [Paragraph(f"Officers in {town} would like to thank the public for their help."),
         BulletList([f"Patrols will continue in {town} and {town2}", f"Quote crime reference {f['ref']} with any information"])],
    ]
    if stub.kind != "missing":  # the found-safe news closes a missing story: keep it last
        order.shuffle(leads)
    order.shuffle(follows)
    lead = leads[(k - 1) % len(leads)]
    blocks: list[Paragraph | BulletList] = [
        Paragraph([Strong((Text("Update: "),)), lead]) if rng.random() < 0.25 else Paragraph(lead)]
    if rng.random() < 0.6:
        blocks += follows[(k - 1) % len(follows)]
    return _Update(lead, tuple(blocks), rng.random() < 0.5)


def _revised_stub(stub: ArticleStub, updates: list[_Update], profile: Profile) -> ArticleStub:
    prefix = _updated_texts(profile)[0]
    title = stub.title if stub.title.startswith(prefix) else prefix + stub.title
    summary = stub.summary
    for u in updates:
        if u.new_lead:
            summary = u.lead
    return ArticleStub(**{**stub.__dict__, "title": title, "summary": summary,
                          "description": summary if stub.description is not None else None,
                          "updated": True, "revision": len(updates), "facts": {}})


def _revised_body(blocks: list, updates: list[_Update], profile: Profile) -> list:
    """The marker, the updates newest first, then the story as it was."""
    marker = Paragraph(_updated_texts(profile)[1])
    rest = blocks[1:] if blocks and blocks[0] == marker else blocks
    out = [marker]
    for u in reversed(updates):
        out += u.blocks
    return out + list(rest)
