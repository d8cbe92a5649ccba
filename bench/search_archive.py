"""A large archive for the search benchmark: articles the replica generates for several forces,
stored through the archive's own store in batches, with their facts from extract_facts.

    .venv/bin/python bench/search_archive.py --articles 100000     # builds (or finds) it, prints its path

The archive is cached under bench/data/ (git-ignored), its name keyed by what makes it: the
article count and forces, the generator's, the store's and the fact extractor's source and data,
the forces' profiles, FACTS_VERSION. A second bench
run finds it there; a change to any of those builds a new one.

Facts: extract_facts on every article. While extract_facts finds nothing on the replica's
articles (the stub that returns [] before the real extractor lands), the replica's own facts of
each article stand in (its kind, offence and towns: what the generator wrote it from), so that
filtered searches select what a real archive's would; the result says which it was.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from herts_scraper.archive.store import Archive, Capture
from herts_scraper.extract.facts import FACTS_VERSION, Fact, extract_facts
from herts_scraper.profiles import load_profile
from herts_scraper.replica import generator

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
ROOT = BENCH.parent
# Ten forces, the articles dealt round them: 10,000 each span 2014 to 2019.
FORCES = ("hertfordshire", "merseyside", "kent", "hampshire", "greater-manchester", "staffordshire", "surrey",
          "thames-valley", "derbyshire", "essex")
BATCH = 1000
PROBE = 200  # articles extract_facts is tried on before deciding whether it finds anything

# The replica's kinds and offences (replica/vocabulary.py) in the facts' vocabulary (docs/facts.md).
REPLICA_KINDS = {"appeal": ("appeal",), "charge": ("charge",), "sentence": ("court",), "arrest": ("arrest",),
                 "community": ("event",), "missing": ("missing", "appeal")}
REPLICA_OFFENCES = {
    "burglary": "burglary", "robbery": "robbery", "knifepoint robbery": "robbery",
    "assault": "violence against the person",
    "serious assault": "violence against the person", "car theft": "theft", "catalytic converter thefts": "theft",
    "arson": "criminal damage and arson", "criminal damage": "criminal damage and arson",
    "distraction burglary": "burglary", "shoplifting spree": "theft",
    "fail to stop collision": "vehicle offences and road deaths", "fraud": "fraud", "drug supply": "drug offences",
    "van break-ins": "theft", "dog theft": "theft",
}


def replica_facts(art: generator.ReplicaArticle, text: str) -> list[Fact]:
    """What the generator wrote the article from, as facts (the stand-in for a stub extractor);
    `text`: the article's title and body, where its towns are named."""
    f = art.stub.facts
    facts = [Fact("kinds", kind, "replica") for kind in REPLICA_KINDS[art.stub.kind]]
    if art.stub.kind not in ("community", "missing"):
        facts.append(Fact("offences", REPLICA_OFFENCES[f["off_noun"]], "replica"))
    facts += [Fact("places", town, "replica") for town in dict.fromkeys((f["town"], f["town2"]))
              if town in text]
    return facts


def _source_key(articles: int) -> str:
    """What the archive is made of: a change to any of it makes another archive."""
    h = hashlib.sha256(f"{articles}:{','.join(FORCES)}:{FACTS_VERSION}".encode())
    package = ROOT / "herts_scraper"
    sources = [package / m for m in ("replica/generator.py", "replica/vocabulary.py", "replica/blocks.py",
                                     "archive/store.py", "archive/schema.py")]
    sources += sorted((package / "extract" / "facts").iterdir())  # the extractor, its data
    sources += [package / "profiles" / f"{name}.yaml" for name in FORCES]  # their places, reference formats
    for source in sources:
        if source.is_file():
            h.update(source.read_bytes())
    return h.hexdigest()[:12]


def archive_path(articles: int) -> Path:
    return DATA / f"search-{articles}-{_source_key(articles)}.db"


def build(path: Path, articles: int, log=print) -> dict:
    """Generate and store `articles` articles into a new archive at `path` (written beside it, then
    renamed: an interrupted build leaves no half archive under the cached name)."""
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    profiles = [load_profile(name) for name in FORCES]
    use_extractor = any(extract_facts(generator.generate_article(i, 0, profiles[0]).expected_article("soh"),
                                      profiles[0]) for i in range(PROBE))
    started = time.perf_counter()
    with Archive(partial) as archive:
        batch: list[Capture] = []
        for i in range(articles):
            profile = profiles[i % len(profiles)]
            generated = generator.generate_article(i // len(profiles), 0, profile)
            art = generated.expected_article("soh")
            text = f"{art.title}\n{art.body}"
            facts = extract_facts(art, profile) if use_extractor else replica_facts(generated, text)
            batch.append(Capture(art, fetched_at=f"2026-01-01T00:00:{i % 60:02d}+00:00", facts=facts))
            if len(batch) == BATCH:
                archive.store_many(batch)
                batch = []
                if (i + 1) % 10000 == 0:
                    log(f"  search archive: {i + 1:,} of {articles:,} articles stored "
                        f"({time.perf_counter() - started:.0f} s)")
        archive.store_many(batch)
        # No ANALYZE: archives have no planner statistics (the crawl never makes them), and the
        # figures are of archives as they are.
        archive.db.execute("pragma wal_checkpoint(truncate)")
    partial.rename(path)
    return {"articles": articles, "forces": list(FORCES), "build_s": round(time.perf_counter() - started, 1),
            "facts_source": "extract_facts" if use_extractor else
                            "replica (extract_facts found no facts: the generator's own stand in)"}


def ensure(articles: int, log=print) -> tuple[Path, dict]:
    """The cached archive of `articles`, built first if it is not there; (path, how it was made:
    kept beside it as JSON)."""
    path = archive_path(articles)
    about = path.with_suffix(".json")
    if path.exists():
        made = json.loads(about.read_text()) if about.exists() else {"articles": articles, "forces": list(FORCES)}
        return path, {**made, "cached": True}
    DATA.mkdir(exist_ok=True)
    for old in DATA.glob(f"search-{articles}-*"):  # made of older code
        old.unlink()
    log(f"  building a {articles:,}-article archive at {path} ...")
    made = build(path, articles, log)
    about.write_text(json.dumps(made))
    return path, {**made, "cached": False}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=100_000)
    args = p.parse_args(argv)
    path, made = ensure(args.articles)
    print(path, made)
    return 0


if __name__ == "__main__":
    sys.exit(main())
