"""`herts-scraper --version`, and help on every option of every command, with its default."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from herts_scraper import __version__
from herts_scraper.cli import build_parser

OWN_PARSERS = ("crawl", "replica")  # Scrapy's and the replica's own options


def commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_version():
    result = subprocess.run([sys.executable, "-m", "herts_scraper", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith(f"herts-scraper {__version__} (extractor version ")


@pytest.mark.parametrize("name", [n for n in commands() if n not in OWN_PARSERS])
def test_every_option_says_what_it_does_and_its_default(name):
    parser = commands()[name]
    text = parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{name} {action.dest} has no help"
        if action.option_strings and not isinstance(action, argparse._StoreTrueAction):
            assert "default" in parser._get_formatter()._expand_help(action) or action.required, \
                f"{name} {action.option_strings[0]} does not say its default"
    assert parser.description and parser.description in text


@pytest.mark.parametrize("name", OWN_PARSERS)
def test_commands_with_their_own_options_have_help(name):
    result = subprocess.run([sys.executable, "-m", "herts_scraper", name, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--" in result.stdout and result.stderr == ""
