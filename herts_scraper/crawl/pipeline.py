"""Item pipeline: every item of the news spider (article pages, 304s,
failures) goes to the crawl run's archive writer (crawl.run.ArchiveRun), in
order. Nothing else happens here: the run's bookkeeping is the extension's."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from herts_scraper.crawl.run import ArchiveRun


class ArchivePipeline:
    def __init__(self, run: ArchiveRun):
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        run = next((e for e in crawler.extensions.middlewares if isinstance(e, ArchiveRun)), None)
        if run is None:
            raise NotConfigured("the ArchiveRun extension is not enabled")
        return cls(run)

    def process_item(self, item, spider=None):
        self.run.hand(item)
        return item
