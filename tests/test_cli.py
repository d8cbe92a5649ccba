"""The `herts-scraper` command, run as a user runs it (python -m herts_scraper)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request

import pytest

from herts_scraper.archive.export import FORMATS, export_format
from herts_scraper.cli import build_parser, main
from herts_scraper.demo import start_replica
from herts_scraper.record import parse_record, redumps_identically
from tests.test_archive_hostile import small_archive


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "herts_scraper", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd)


def test_replica_subcommand_serves_and_stops():
    proc, base = start_replica(20, "legacy")
    try:
        with urllib.request.urlopen(base + "/news-and-appeals/") as response:
            assert response.status == 200 and b"news-list__link" in response.read()
    finally:
        proc.terminate()
        assert proc.wait(10) is not None


def test_extract_json_and_rejection(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Man charged | Hertfordshire Constabulary</title>"
                    '<meta property="og:description" content="A man has been charged."></head>'
                    "<body><main><h1>Man charged</h1><p>A man from Hitchin has been charged with burglary "
                    "and will appear at court next month.</p></main></body></html>", encoding="utf-8")
    url = "https://www.herts.police.uk/news-and-appeals/Man-charged-0101"
    result = cli("extract", str(page), "--url", url, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["title"] == "Man charged" and data["url"] == url and data["status"] == "partial"
    assert data["missing"] == ["published"] and "partial record" in result.stderr
    record = cli("extract", str(page), "--url", url).stdout
    assert redumps_identically(record) and parse_record(record)[1].startswith("A man from Hitchin")

    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    result = cli("extract", str(empty), "--url", url)
    assert result.returncode == 1 and "not an article page" in result.stderr and result.stdout == ""
    result = cli("extract", str(tmp_path / "nope.html"), "--url", url)
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_export_and_status_without_an_archive_say_so(tmp_path):
    result = cli("export", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2 and "no archive" in result.stderr
    assert not (tmp_path / "none.db").exists()



def export_format_choices() -> list[str]:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(next(a for a in commands.choices["export"]._actions if a.dest == "format").choices)


def test_export_offers_every_registered_format(tmp_path, capsys):
    assert export_format_choices() == list(FORMATS) == ["records", "jsonl", "csv", "wacz"]

    @export_format("titles")
    def titles(rows, out):
        path = out / "titles.txt"
        lines = [f"{row['title']}\n" for row in rows]
        path.write_text("".join(lines))
        return {"articles": len(lines), "written": 1, "path": str(path)}

    db = small_archive(tmp_path / "herts.db", articles=3)
    try:
        assert "titles" in export_format_choices()
        assert main(["export", "--db", str(db), "--out", str(tmp_path / "out"), "--format", "titles"]) == 0
    finally:
        del FORMATS["titles"]
    assert (tmp_path / "out" / "titles.txt").read_text() == "Title\n" * 3
    assert "exported 3 articles" in capsys.readouterr().out
    assert "titles" not in export_format_choices()


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    result = cli("demo", "--articles", "40", "--db", str(tmp_path / "a" / "herts.db"), "--out", str(tmp_path / "e"),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "40 new" in result.stdout and "records:" in result.stdout
    records = list((tmp_path / "e" / "Hertfordshire").glob("*.md"))
    assert len(records) == 40
    status = cli("status", "--db", str(tmp_path / "a" / "herts.db"))
    assert status.returncode == 0 and "40 articles" in status.stdout and " ok:" in status.stdout
    # the analysis commands it suggests work on its archive (all but serve, which does not return)
    suggested = next(line for line in result.stdout.splitlines() if line.startswith("next: "))[len("next: "):]
    commands = [c.split()[1:] for c in suggested.split("; ") if " serve " not in c]
    assert len(commands) == 3
    for args in commands:
        made = cli(*args)
        assert made.returncode == 0 and made.stdout.strip(), (args, made.stderr)
