"""`scrapy crawl` for herts-scraper: Scrapy's command, plus an exit status
that says what happened (see report.EXIT_CODES) and an immediate, clear
refusal when another crawl is writing to the same archive."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from ..lock import ArchiveLocked, lock_archive
from ..report import EXIT_CODES, exit_code


class Command(ScrapyCrawl):
    def run(self, args, opts):
        db = self.settings.get("ARCHIVE_PATH")
        try:
            lock = lock_archive(db)
        except ArchiveLocked as exc:
            print(f"herts-scraper: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CODES["locked"]
            return
        self._crawlers = []
        try:
            super().run(args, opts)
        finally:
            lock.release()
        if self.exitcode:
            return
        spider = self._crawlers[0].spider if self._crawlers else None
        status = getattr(spider, "run_status", None)
        self.exitcode = exit_code(status.split(":")[0] if status else None)

    def _create_crawler(self, spname):
        crawler = super()._create_crawler(spname)
        self._crawlers.append(crawler)
        return crawler
