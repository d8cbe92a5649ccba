"""The docs keep up with the code: every setting in settings.py is documented."""

from __future__ import annotations

import re

from herts_scraper import settings
from tests.conftest import ROOT


def test_every_setting_is_documented():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")))
    names = {name for name in vars(settings) if name.isupper()}
    assert names - documented == set(), "settings missing from docs/settings.md"
    assert documented - names == set(), "docs/settings.md names settings that do not exist"
