"""`scrapy crawl` for herts-scraper: Scrapy's command, plus an exit status
that says what happened (see report.EXIT_CODES), one clear line and status 2
for a bad argument or setting (1 for a damaged archive) before Scrapy starts,
and an immediate refusal when another crawl is writing to the same archive."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl

from herts_scraper.archive.lock import ArchiveLocked, lock_archive
from herts_scraper.archive.report import EXIT_CODES, exit_code
from herts_scraper.archive.store import Archive, ArchiveError
from herts_scraper.crawl.config import UsageError, check_settings
from herts_scraper.crawl.run import RUN_STATUS_STAT
from herts_scraper.crawl.spider import CrawlArguments, NewsSpider
from herts_scraper.distributed.frontier import check_frontier_url
from herts_scraper.project import archive_path

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        assert self.settings is not None  # Scrapy sets them before processing options
        if args and args[0] == NewsSpider.name:
            # Bad arguments and settings: one line and status 2, before Scrapy starts and logs
            # (raised inside the crawl they would be a long asyncio traceback and status 1).
            try:
                check_settings(self.settings)
                CrawlArguments.parse(opts.spargs, self.settings)
                if self.settings.get("FRONTIER"):
                    check_frontier_url(self.settings.get("FRONTIER"))
            except UsageError as exc:
                print(f"herts-scraper: {exc}", file=sys.stderr)
                sys.exit(EXIT_CODES["usage"])
        db = archive_path(self.settings)
        if db.exists():
            try:
                Archive(db, readonly=True).close()  # a damaged or foreign file: say so now, untouched
            except ArchiveError as exc:
                print(f"herts-scraper: {exc}", file=sys.stderr)
                sys.exit(EXIT_CODES["failed"])

    def run(self, args, opts):
        assert self.settings is not None
        self._crawlers: list[Crawler] = []
        if self.settings.get("FRONTIER"):  # a worker: the archive is the store process's, on its machine
            super().run(args, opts)
            stats = self._crawlers[0].stats if self._crawlers else None
            self.exitcode = self.exitcode or exit_code(stats.get_value(RUN_STATUS_STAT) if stats else None)
            return
        db = archive_path(self.settings)
        try:
            lock = lock_archive(db)
        except ArchiveLocked as exc:
            print(f"herts-scraper: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CODES["locked"]
            return
        except ArchiveError as exc:  # a folder that cannot be created or written
            print(f"herts-scraper: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CODES["failed"]
            return
        try:
            super().run(args, opts)
        finally:
            lock.release()
        if self.exitcode:
            return
        stats = self._crawlers[0].stats if self._crawlers else None
        self.exitcode = exit_code(stats.get_value(RUN_STATUS_STAT) if stats else None)

    def _create_crawler(self, spname):
        crawler = super()._create_crawler(spname)
        self._crawlers.append(crawler)
        return crawler
