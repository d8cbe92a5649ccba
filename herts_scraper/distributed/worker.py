"""A worker of a shared frontier: `scrapy crawl news -s FRONTIER=redis://HOST:PORT/DB [arguments]`.

In place of crawl/run.py's ArchiveRun (no archive on this machine: no lock, no writer, no run
row), `WorkerRun` takes the archive's state from Redis (the store loaded it), lets the first
worker yield the start requests, sends what the spider fetched to the store's results list,
heartbeats with its stats, and keeps the worker open while the run goes on elsewhere; the
spider's requests go through scrapy-redis (distributed/scheduler.py). WARC files and crawl.log
are written on this machine as usual (WARC_DIR, LOG_DIR; by default beside ARCHIVE_PATH).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import socket
import time
import uuid
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from twisted.internet import defer, task

from herts_scraper.distributed import frontier as keys
from herts_scraper.distributed.frontier import ENTRY_META, connect

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 1.0
# Scrapy asks an idle scheduler for requests every 5 s; a worker whose queue is fed by others asks often.
ENGINE_POLL_SECONDS = 0.2
SITE_FACTS = ("listing_failures", "blocked", "start_blocked", "answered", "start_pages")


def worker_settings(settings) -> None:
    """The settings that make this crawl a worker of FRONTIER (spider.from_crawler calls this)."""
    settings.set("FRONTIER_WORKER_ID", f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
                 priority="spider")
    for name, value in (("SCHEDULER", "herts_scraper.distributed.scheduler.FrontierScheduler"),
                        ("SCHEDULER_QUEUE_CLASS", "herts_scraper.distributed.scheduler.AcknowledgedQueue"),
                        ("SCHEDULER_QUEUE_KEY", keys.QUEUE),
                        ("SCHEDULER_DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter"),
                        ("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter"),
                        ("SCHEDULER_DUPEFILTER_KEY", keys.DUPEFILTER),
                        ("SCHEDULER_PERSIST", True),  # the queue is the run's, not this worker's
                        ("REDIS_URL", settings.get("FRONTIER"))):
        settings.set(name, value, priority="spider")


class WorkerRun:
    """The extension, on with FRONTIER (crawl/run.py's ArchiveRun is then off)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.url = crawler.settings.get("FRONTIER")
        self.worker = crawler.settings.get("FRONTIER_WORKER_ID")
        self.redis: Any = None
        self.seeding = False
        self.run_over = False
        self.spider: Any = None
        self._beat: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("FRONTIER") or not crawler.settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    # -- opening: the store's state, the seeding ----------------------------------------
    async def spider_opened(self, spider):
        if not hasattr(spider, "use_archive"):
            return
        self.spider = spider
        self.redis = connect(self.url)
        waited = 0.0
        while self.redis.hget(keys.RUN, "status") != b"ready":  # waiting without blocking: Ctrl-C still works
            if waited % 30 == 0:
                logger.info("waiting for `herts-scraper store --frontier %s` to start the run", self.url)
            await asyncio.sleep(0.5)
            waited += 0.5
        arguments = json.dumps(spider.arguments_given, sort_keys=True)
        self.redis.hsetnx(keys.RUN, "arguments", arguments)
        runs = self.redis.hget(keys.RUN, "arguments").decode()
        if runs != arguments:
            logger.error("this worker's arguments %s differ from the run's %s: stopping", arguments, runs)
            self.run_over = True
            raise CloseSpider("frontier_arguments_differ")
        spider.shared_frontier = True  # discovered URLs go to Redis at once: none waits in this process
        spider.use_archive(pickle.loads(self.redis.get(keys.STATE)), self)
        self.seeding = bool(self.redis.set(keys.SEEDER, self.worker, nx=True))
        self._heartbeat()
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(HEARTBEAT_SECONDS, now=False)
        # The engine starts its own heartbeat after spider_opened: a shorter one (Scrapy's own attribute).
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = ENGINE_POLL_SECONDS
        logger.info("worker %s of the frontier %s%s", self.worker, self.url,
                    ": yielding the start requests" if self.seeding else "")

    def should_seed(self) -> bool:
        return self.seeding

    def seeded(self) -> None:
        self.redis.hset(keys.RUN, "seeded", self.worker)

    # -- what the spider hands over -------------------------------------------------------
    def hand(self, item) -> None:
        self.redis.rpush(keys.RESULTS, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))

    def archive_page(self, page) -> defer.Deferred:
        """To the store; no ArticleItem comes back (the article is stored on another machine)."""
        self.hand(page)
        return defer.succeed(None)

    def request_done(self, request) -> None:
        entry = request.meta.get(ENTRY_META)
        if entry is not None:
            self.redis.lrem(keys.processing_key(self.worker), 1, entry)

    # -- staying open while the run goes on ----------------------------------------------
    def spider_idle(self, spider):
        if self.run_over or self.redis is None:
            return
        if self.redis.hget(keys.RUN, "status") != b"ready":
            self.run_over = True  # the store ended the run
            return
        raise DontCloseSpider

    def _heartbeat(self) -> None:
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if isinstance(v, (int, float)) and k.startswith(("herts/", "downloader/"))}
        spider = self.spider
        sites = {s.name: {**{f: getattr(s, f) for f in SITE_FACTS}, "start_pages_missing": s.start_pages_missing}
                 for s in spider.sites}
        facts = {"stats": stats, "sites": sites, "bounds": spider.bounds_hit, "bounded": spider.bounded}
        pipe = self.redis.pipeline()
        pipe.set(keys.facts_key(self.worker), json.dumps(facts))
        pipe.hset(keys.WORKERS, self.worker, time.time())
        pipe.execute()

    # -- closing ----------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        if self.redis is None or self.spider is None:
            return
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self._heartbeat()
        processing = keys.processing_key(self.worker)
        # Stopped before the run's end (Ctrl-C, a CLOSESPIDER_* limit): what it had taken goes back.
        back = 0
        while self.redis.lmove(processing, keys.QUEUE, "LEFT", "RIGHT") is not None:
            back += 1
        if back:
            logger.info("%d requests back in the frontier's queue", back)
        self.redis.hdel(keys.WORKERS, self.worker)
        from herts_scraper.crawl.run import RUN_STATUS_STAT

        self.crawler.stats.set_value(RUN_STATUS_STAT, "ok" if self.run_over and reason == "finished"
                                     else "interrupted" if reason == "shutdown" else f"failed:{reason}")
