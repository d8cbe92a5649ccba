"""The project's Scrapy settings, as the commands read them, and where they put the archive.

`scrapy crawl` and `herts-scraper` find the same settings the same way: the
scrapy.cfg above the current folder, or SCRAPY_SETTINGS_MODULE. A relative
ARCHIVE_PATH lies in the project folder, so every command, started from any
folder of the project, means the same archive.
"""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.settings import Settings
from scrapy.utils.conf import closest_scrapy_cfg, init_env
from scrapy.utils.project import ENVVAR, get_project_settings


def project_settings() -> Settings:
    """The project's settings as `scrapy` reads them; outside any project (installed from a
    wheel, started in a folder without scrapy.cfg) herts_scraper's own."""
    init_env(os.environ.get("SCRAPY_PROJECT", "default"))  # scrapy.cfg's module, unless the environment names one
    os.environ.setdefault(ENVVAR, "herts_scraper.settings")
    return get_project_settings()


def archive_path(settings: Settings) -> Path:
    """The archive ARCHIVE_PATH names: a relative path is relative to the project folder (that of
    the closest scrapy.cfg), or to the current folder outside any project."""
    cfg = closest_scrapy_cfg()
    return (Path(cfg).parent if cfg else Path.cwd()) / settings["ARCHIVE_PATH"]
