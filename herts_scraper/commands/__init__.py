"""Project commands for Scrapy (COMMANDS_MODULE): `crawl` with meaningful exit
codes; `shell`, `fetch`, `view` and `parse` as Scrapy's, except that they leave
the archive alone (no run, no WARC, no crawl.log): looking at a page is not a crawl."""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES

# Above the project's settings module, which a command's default_settings are not; below -s.
_OVER_PROJECT = SETTINGS_PRIORITIES["project"] + 5


class WithoutArchive:
    """Mixin for a Scrapy command: ARCHIVE_ENABLED is False (`-s ARCHIVE_ENABLED=True` still wins).
    Not a ScrapyCommand itself, or Scrapy would list it as a command named "commands"."""

    def process_options(self, args, opts):
        super().process_options(args, opts)  # type: ignore[misc]
        self.settings.set("ARCHIVE_ENABLED", False, priority=_OVER_PROJECT)  # type: ignore[attr-defined]
