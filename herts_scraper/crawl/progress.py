"""The progress line of a long crawl, every PROGRESS_INTERVAL seconds (in place of
Scrapy's LogStats, which counts pages and items but not what the archive made of them):

    progress: 1,234 articles (1,000 new, 34 changed, 200 unchanged, 50 by 304); 45.2 pages/s;
              320 requests queued, 16 downloading    (one line in the log)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

OUTCOMES = ("new", "changed", "unchanged")  # crawl.run.ArchiveRun counts stored articles as herts/articles/<outcome>


@dataclass(frozen=True)
class Progress:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    pages_per_s: float = 0.0
    queued: int = 0
    downloading: int = 0

    def line(self) -> str:
        total = self.new + self.changed + self.unchanged + self.not_modified
        return (f"progress: {total:,} articles ({self.new:,} new, {self.changed:,} changed, "
                f"{self.unchanged:,} unchanged, {self.not_modified:,} by 304); {self.pages_per_s:.1f} pages/s; "
                f"{self.queued:,} requests queued, {self.downloading:,} downloading")


class ProgressLog:
    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.pages_before = 0
        self.task: Any = None  # a LoopingCall, Twisted's or asyncio's
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self, spider):
        self.task = create_looping_call(self.log, spider)
        self.task.start(self.interval, now=False)

    def progress(self) -> Progress:
        stats, engine = self.crawler.stats, self.crawler.engine
        pages = stats.get_value("response_received_count", 0)
        rate, self.pages_before = (pages - self.pages_before) / self.interval, pages
        scheduler = engine.scheduler if engine else None
        new, changed, unchanged = (stats.get_value(f"herts/articles/{outcome}", 0) for outcome in OUTCOMES)
        return Progress(new, changed, unchanged, stats.get_value("herts/not_modified", 0), pages_per_s=rate,
                        queued=len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0,
                        downloading=len(engine.downloader.active) if engine else 0)

    def log(self, spider) -> None:
        spider.logger.info("%s", self.progress().line())

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
