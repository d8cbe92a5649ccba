import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from herts_scraper.archive.schema import RunCounts
from herts_scraper.archive.store import Archive, Capture
from herts_scraper.record import Article


def art(n, body="Body text.\n", **kw):
    return Article(url=f"https://www.herts.police.uk/news-and-appeals/a-{n}", area="Hertfordshire",
                   title=f"Title {n}", description="d", published="2021-03-04", body=body, **kw)


def test_new_unchanged_changed_and_versions(db_path):
    with Archive(db_path) as a:
        run = a.start_run("news", None, {})
        assert a.store_many([Capture(art(1), b"<html>1</html>"), Capture(art(2))], run)["new"] == 2
        assert a.store_many([Capture(art(1), b"<html>1 again</html>")], run) == {
            "new": 0, "changed": 0, "unchanged": 1, "partial": 0}
        assert a.store_many([Capture(art(1, "Edited text.\n"), b"<html>edited</html>")], run)["changed"] == 1
        assert a.count() == 2
        versions = list(a.db.query("select version, body from versions where url = ? order by version",
                                   [art(1).url]))
        assert [v["body"] for v in versions] == ["Body text.\n", "Edited text.\n"]
        row = a.article(art(1).url)
        assert row["versions"] == 2 and row["body"] == "Edited text.\n"
        assert a.raw_html(art(1).url) == b"<html>edited</html>"
        assert row["first_seen"] <= row["last_changed"]


def test_partial_status_and_json_fields(db_path):
    with Archive(db_path) as a:
        partial = art(3, missing=["published"], found_by={"title": "og:title"})
        counts = a.store_many([Capture(partial)])
        assert counts["partial"] == 1
        row = a.article(partial.url)
        assert row["status"] == "partial"
        assert row["missing"] == ["published"] and row["found_by"] == {"title": "og:title"}


def test_full_text_search(db_path):
    with Archive(db_path) as a:
        a.store_many([Capture(art(1, "A burglary in Stevenage.\n")), Capture(art(2, "A fraud warning.\n"))])
        hits = [r["url"] for r in a.db["articles"].search("burglary")]
        assert hits == [art(1).url]


def test_failures_are_kept_and_resolved_by_a_later_success(db_path):
    with Archive(db_path) as a:
        a.record_failure(art(1).url, "http", "HTTP 503", 503)
        assert len(a.unresolved_failures()) == 1
        a.store_many([Capture(art(1))])
        assert a.unresolved_failures() == []


def test_runs(db_path):
    with Archive(db_path) as a:
        run = a.start_run("news", "http://127.0.0.1:1", {"since": "2021-01-01"})
        a.finish_run(run, "ok", RunCounts(new=3, requests=10))
        (row,) = a.runs()
        assert row["status"] == "ok" and row["new"] == 3 and row["requests"] == 10
        assert row["finished"] >= row["started"] and row["duration_s"] >= 0


WRITER = textwrap.dedent("""
    import sys
    from herts_scraper.archive.store import Archive, Capture
    from herts_scraper.record import Article
    a = Archive(sys.argv[1])
    i = 0
    while True:
        batch = []
        for _ in range(20):
            i += 1
            body = ("word%d " % i) * 400 + "\\n"
            batch.append(Capture(Article(url="https://x/%d" % i, area="H", title="T%d" % i, body=body),
                                 b"<html>" + body.encode() + b"</html>"))
        a.store_many(batch)
        print(i, flush=True)
""")


def test_killed_writer_leaves_a_sound_archive_of_whole_articles(db_path, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    Archive(db_path).close()
    for delay in (0.3, 0.7, 1.1):
        proc = subprocess.Popen([sys.executable, str(script), str(db_path)], stdout=subprocess.PIPE,
                                cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
        proc.stdout.readline()  # at least one batch is in
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(db_path)
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("select url, body, content_hash from articles").fetchall()
        assert rows and len(rows) % 20 == 0  # whole batches only
        versions = conn.execute("select count(*) from versions").fetchone()[0]
        assert versions == len(rows)
        for url, body, _ in rows:
            n = int(url.rsplit("/", 1)[1])
            assert body == f"word{n} " * 400 + "\n"
        conn.close()
