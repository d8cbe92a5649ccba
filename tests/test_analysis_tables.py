"""article_facets and latest_facts, the tables analysis reads: after every way the archive is
written (a new article, a new version, a version without facts, replayed captures put inside a
history, a version's facts deleted and written again, an update of a fact), and after the
migration that makes them from the facts an archive holds, they say what the article_facts view
(the definition: each article's latest version's facts) says."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections import defaultdict
from contextlib import closing
from pathlib import Path

from herts_scraper.archive import schema
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article

URL = "https://www.kent.police.uk/news/"


def article(slug: str, body: str, area: str = "Kent", published: str = "2024-05-06T10:00:00+01:00") -> Article:
    return Article(url=URL + slug, area=area, title=slug.replace("-", " ").title(), published=published, body=body)


def facts(*specs: str) -> list[Fact]:
    """"kinds:appeal", "places:Ashford@51.14,0.87" as Facts."""
    out = []
    for spec in specs:
        field, value = spec.split(":", 1)
        detail = None
        if "@" in value:
            value, where = value.split("@")
            lat, lon = map(float, where.split(","))
            detail = {"lat": lat, "lon": lon}
        out.append(Fact(field, value, "test", detail))
    return out


def at(second: int) -> str:
    return f"2026-11-20T10:00:{second:02d}.000000+00:00"


def expected(db: Path) -> tuple[dict, set]:
    """What the view says: {rowid: (url, title, date, area, {field: [values]})}, {(rowid, field, value, lat, lon)}."""
    with closing(sqlite3.connect(db)) as conn:
        articles = {rowid: [url, title, date, area, defaultdict(list)] for rowid, url, title, date, area in
                    conn.execute("select rowid, url, title, published_date, area from articles")}
        tidy = set()
        for rowid, field, value, detail in conn.execute(
                "select a.rowid, f.field, f.value, f.detail from article_facts f join articles a on a.url = f.url "
                "order by a.rowid, f.rowid"):
            articles[rowid][4][field].append(value)
            where = json.loads(detail) if detail else {}
            tidy.add((rowid, field, value, where.get("lat"), where.get("lon")))
    return {rowid: (url, title, date, area, {f: values[f] for f in schema.FACET_FIELDS})
            for rowid, (url, title, date, area, values) in articles.items()}, tidy


def kept(db: Path) -> tuple[dict, set]:
    with closing(sqlite3.connect(db)) as conn:
        facets = {rowid: (url, title, date, area, {f: json.loads(v) for f, v in zip(schema.FACET_FIELDS, arrays, strict=True)})
                  for rowid, url, title, date, area, *arrays in conn.execute(
                      "select article, url, title, published_date, area, kinds, offences, places from article_facets")}
        tidy = set(conn.execute("select article, field, value, latitude, longitude from latest_facts"))
    return facets, tidy


def assert_kept(db: Path) -> None:
    assert kept(db) == expected(db)


def test_every_write_keeps_them(db_path):
    burglary = article("burglary-in-ashford", "A burglary in Ashford.\n")
    appeal = facts("kinds:appeal", "offences:burglary", "places:Ashford@51.14,0.87", "references:46/1234/24")
    with Archive(db_path) as archive:
        archive.store_many([Capture(burglary, fetched_at=at(10), facts=appeal),
                            Capture(article("open-day", "Come along.\n", area="Essex"), fetched_at=at(10),
                                    facts=facts("kinds:event", "places:Chelmsford@51.73,0.47"))])
        assert_kept(db_path)
        row = archive.db.execute("select kinds, places from article_facets where url = ?", [burglary.url]).fetchone()
        assert row == ('["appeal"]', '["Ashford"]')

        charged = dataclasses.replace(burglary, body="A man has been charged.\n")
        archive.store_many([Capture(charged, fetched_at=at(20), facts=facts("kinds:charge", "offences:burglary"))])
        assert_kept(db_path)
        assert archive.db.execute("select kinds from article_facets where url = ?", [burglary.url]).fetchone() == \
            ('["charge"]',)

        archive.store_many([Capture(dataclasses.replace(burglary, body="Not extracted.\n"), fetched_at=at(30))])
        assert_kept(db_path)  # a version without facts: none
        assert archive.db.execute("select kinds from article_facets where url = ?", [burglary.url]).fetchone() == ('[]',)

        # Replayed captures: one inside the history (not the latest), then one after it all.
        archive.replay_many([Capture(dataclasses.replace(burglary, body="An earlier draft.\n"), fetched_at=at(15),
                                     facts=facts("kinds:statement"))])
        assert_kept(db_path)
        archive.replay_many([Capture(dataclasses.replace(burglary, body="Sentenced.\n"), fetched_at=at(40),
                                     facts=facts("kinds:court", "places:Maidstone@51.27,0.52"))])
        assert_kept(db_path)
        assert archive.db.execute("select kinds, places from article_facets where url = ?", [burglary.url]).fetchone() \
            == ('["court"]', '["Maidstone"]')

        # `reparse --fields-only`: a version's facts deleted and written again.
        latest = archive.db.execute("select id from versions where url = ? order by version desc limit 1",
                                    [burglary.url]).fetchone()[0]
        archive.db.execute("delete from facts where version_id = ?", [latest])
        assert_kept(db_path)
        archive.write_facts(latest, facts("kinds:court", "kinds:appeal", "places:Maidstone@51.27,0.52"))
        archive.db.execute("update facts set value = 'Canterbury' where version_id = ? and field = 'places'", [latest])
        assert_kept(db_path)
        assert archive.db.execute("select kinds, places from article_facets where url = ?", [burglary.url]).fetchone() \
            == ('["court","appeal"]', '["Canterbury"]')
        archive.db.conn.commit()
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_the_migration_makes_them_from_the_facts_there_are(tmp_path, monkeypatch):
    db = tmp_path / "herts.db"
    before = tuple(m for m in schema.MIGRATIONS if m is not schema.add_article_facets)
    monkeypatch.setattr(schema, "MIGRATIONS", before)
    with Archive(db) as archive:
        archive.store_many([Capture(article(f"story-{i}", f"Story {i}.\n"), fetched_at=at(i),
                                    facts=facts("kinds:appeal", f"places:Town {i % 3}@51.{i % 3},0.{i % 3}"))
                            for i in range(1, 6)])
        first = article("story-1", "Story 1, updated.\n")
        archive.store_many([Capture(first, fetched_at=at(30), facts=facts("kinds:arrest"))])
        assert "article_facets" not in archive.db.table_names()
    monkeypatch.undo()
    with Archive(db) as archive:
        assert [r["name"] for r in archive.db["_migrations"].rows][-1] == "add_article_facets"
    assert_kept(db)
    facets, tidy = kept(db)
    assert len(facets) == 5 and ("kinds", "arrest") in {(f, v) for _, f, v, _, _ in tidy}
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("select place, articles, appeals from place_map order by place").fetchall() == [
            ("Town 0", 1, 1), ("Town 1", 1, 1), ("Town 2", 2, 2)]


def test_imports_and_fields_only_keep_them(tmp_path, db_path):
    """Records imported as earlier versions (and one as the latest), then `reparse --fields-only
    --all`: the real extractor's facts, the tables still the view's."""
    from herts_scraper.archive.fields import fill_fields
    from herts_scraper.archive.imports import import_records

    newer = article("burglary-in-ashford", "A man has been charged after a burglary in Ashford.\n")
    with Archive(db_path) as archive:
        archive.store_many([Capture(newer, fetched_at=at(50), facts=facts("kinds:charge"))])
    records = tmp_path / "records" / "Kent"
    records.mkdir(parents=True)
    older = dataclasses.replace(newer, body="Police are appealing for witnesses to a burglary in Ashford.\n",
                                published="2024-05-01T10:00:00+01:00")
    (records / older.record_name()).write_text(older.to_record(), encoding="utf-8")
    other = article("robbery-in-dover", "Officers are appealing after a robbery in Dover.\n",
                    published="2024-05-02T10:00:00+01:00")
    (records / other.record_name()).write_text(other.to_record(), encoding="utf-8")
    counts = import_records(tmp_path / "records", db_path, source="test", as_of="2024-05-03T00:00:00+00:00")
    assert counts.imported == 2
    assert_kept(db_path)
    with Archive(db_path, readonly=True) as archive:  # the import is the earlier version: the charge stays
        assert archive.db.execute("select kinds from article_facets where url = ?", [newer.url]).fetchone() == \
            ('["charge"]',)
    fill_fields(db_path, every_version=True)  # with the fact triggers paused, its articles refreshed at once
    assert_kept(db_path)
    with closing(sqlite3.connect(db_path)) as conn:  # and the triggers back
        triggers = {name for (name,) in conn.execute("select name from sqlite_master where type = 'trigger'")}
    assert set(schema.LATEST_TRIGGERS) <= triggers
    facets, _ = kept(db_path)
    assert any(values["kinds"] for *_, values in facets.values())  # the extractor found kinds
