"""docs/analysis.md keeps up with the code: its SQL runs on an archive and answers what it says it
answers; the commands and charts it names exist."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

from herts_scraper.analysis.charts import CHARTS
from herts_scraper.analysis.stats import BY
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import Fact
from herts_scraper.record import Article
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
WATFORD = {"lat": 51.656, "lon": -0.390}


def sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC, re.S)


def story(slug: str, date: str, kinds: list[str], offences: list[str], places: list[str], refs: list[str]) -> Capture:
    facts = [Fact("references", r, "t") for r in refs] + [Fact("kinds", k, "t") for k in kinds]
    facts += [Fact("offences", o, "t") for o in offences] + [Fact("places", p, "t", WATFORD) for p in places]
    return Capture(Article(url=f"https://www.herts.police.uk/news/{slug}", area="Hertfordshire", title=slug,
                           published=f"{date}T10:00:00+00:00", body="Catalytic converter stolen."), facts=facts)


def test_the_sql_runs_and_answers_the_question_it_asks(db_path):
    with Archive(db_path) as archive:
        archive.store_many([
            story("appeal-1", "2024-02-01", ["appeal"], ["burglary"], ["Watford"], ["41/1/24"]),
            story("charged-1", "2024-03-01", ["charge"], ["burglary"], ["Watford"], ["41/1/24"]),
            story("appeal-2", "2024-05-01", ["appeal"], ["burglary"], ["Watford"], ["41/2/24"]),
            story("appeal-3", "2023-05-01", ["appeal"], ["burglary"], ["Watford"], ["41/3/23"]),  # another year
            story("charged-3", "2023-06-01", ["charge"], ["burglary"], ["Watford"], ["41/3/23"]),
            story("arrest-2", "2024-05-02", ["arrest"], ["burglary"], ["Watford"], ["41/2/24"]),
        ])
    blocks = sql_blocks()
    assert len(blocks) >= 4
    with closing(sqlite3.connect(db_path)) as conn:
        for sql in blocks:
            conn.execute(sql).fetchall()  # every one runs
        question = next(sql for sql in blocks if "led_to_a_charge" in sql)
        assert conn.execute(question).fetchall() == [(2, 1)]
        months = next(sql for sql in blocks if "as month" in sql)
        assert ("2024-02", "appeal", 1) in conn.execute(months).fetchall()


def test_the_commands_and_charts_named_exist():
    named_charts = set(re.findall(r"\| `([a-z-]+)` \| (?:articles|appeals|the share)", DOC))
    assert named_charts == set(CHARTS)
    assert all(f"`{by}`" in DOC for by in BY)
