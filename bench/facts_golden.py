"""What the police facts extractor finds, kept to compare after a change that should find the same
(a speed-up): every record of ../shared/corpus (each with its force's profile) and a few hundred
replica pages, one JSON line each with facts_json's eight fields and the evidence (`how`, `detail`).

    .venv/bin/python bench/facts_golden.py --write /tmp/facts-golden.jsonl   # before the change
    .venv/bin/python bench/facts_golden.py --check /tmp/facts-golden.jsonl   # after: the same, or the differences

The file is generated data (outside git). Also prints a fingerprint (SHA-256) of the corpus lines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from facts_score import CORPUS, profiles_by_folder, record_parts  # noqa: E402

from herts_scraper.extract.facts import facts_document, facts_of_text  # noqa: E402

REPLICA_ARTICLES = 1000
REPLICA_STEP = 5  # 200 pages of each generation


def corpus_lines(corpus: Path = CORPUS):
    """(key, document) of every corpus record, with its force's profile."""
    profiles = profiles_by_folder()
    for path in sorted(corpus.glob("*/*.md")):
        profile = profiles.get(path.parent.name)
        parts = record_parts(path, profile)
        facts = facts_of_text(parts["title"], parts["description"], parts["body"], parts["published"], profile)
        yield f"corpus/{path.parent.name}/{path.name}", facts_document(facts)


def replica_lines():
    """(key, document) of replica pages of both generations, extracted with the Hertfordshire profile."""
    from herts_scraper.extract import RejectedPage, extract_article
    from herts_scraper.extract.facts import extract_facts
    from herts_scraper.profiles import load_profile
    from herts_scraper.replica import ReplicaServer, generate_article

    herts = load_profile("hertfordshire")
    for gen in ("soh", "legacy"):
        with ReplicaServer(articles=REPLICA_ARTICLES, generation=gen) as server:
            for i in range(0, REPLICA_ARTICLES, REPLICA_STEP):
                a = generate_article(i)
                with urllib.request.urlopen(server.base_url + a.path(gen), timeout=10) as resp:
                    page = resp.read()
                try:
                    article = extract_article(page, a.url(gen), herts)
                except RejectedPage:
                    continue
                yield f"replica-{gen}/{i}", facts_document(extract_facts(article, herts))


def lines(with_replica: bool = True) -> list[str]:
    keyed = list(corpus_lines())
    if with_replica:
        keyed += list(replica_lines())
    return [json.dumps({"key": key, **doc}, ensure_ascii=False, sort_keys=True) for key, doc in keyed]


def fingerprint(rows: list[str]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode("utf-8") + b"\n")
    return digest.hexdigest()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = p.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="FILE", help="write what the extractor finds now")
    action.add_argument("--check", metavar="FILE", help="compare what it finds now with FILE")
    p.add_argument("--corpus-only", action="store_true", help="leave the replica pages out")
    args = p.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"facts-golden: no corpus at {CORPUS}", file=sys.stderr)
        return 2
    rows = lines(not args.corpus_only)
    corpus_rows = [r for r in rows if '"key": "corpus/' in r]
    print(f"{len(rows)} articles, corpus fingerprint {fingerprint(corpus_rows)}")
    if args.write:
        Path(args.write).write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"written to {args.write}")
        return 0
    try:
        golden = Path(args.check).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        print(f"facts-golden: cannot read {args.check}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.corpus_only:
        golden = [r for r in golden if '"key": "corpus/' in r]
    by_key = {json.loads(r)["key"]: r for r in golden}
    differ = [r for r in rows if by_key.get(json.loads(r)["key"]) != r]
    missing = len(by_key) - (len(rows) - sum(json.loads(r)["key"] not in by_key for r in rows))
    for row in differ[:10]:
        key = json.loads(row)["key"]
        print(f"differs: {key}\n  was: {by_key.get(key)}\n  now: {row}")
    if differ or missing:
        print(f"{len(differ)} articles differ, {missing} missing")
        return 1
    print("the same as the golden file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
