"""Shared fixtures: paths to ../shared and a temporary archive path."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test where that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is only beside the project on team machines)")
    return path


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "archive" / "herts.db"
