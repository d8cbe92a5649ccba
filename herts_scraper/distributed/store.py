"""`herts-scraper store --frontier redis://HOST:PORT/DB`: the one process beside the SQLite archive
when workers on other machines crawl (distributed/worker.py).

It takes the archive's lock, loads the ArchiveState and publishes it, waits for the first worker
(whose spider arguments become the run's), opens the run row and the archive writer as a one-machine
crawl does (crawl/run.py's ArchiveRun, reused), then stores what the workers send, in the order
they sent it. A worker silent for FRONTIER_WORKER_TIMEOUT seconds is taken for dead: the requests
it had taken go back to the queue. The run ends when the start requests are queued, the queue is
empty, no worker holds a request and every result is stored; then the workers are told, the run is
closed (removals, status, counts summed over the workers' stats) and reported.
"""

from __future__ import annotations

import json
import logging
import pickle
import signal
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import MemoryStatsCollector

from herts_scraper.archive.lock import lock_archive
from herts_scraper.archive.report import exit_code
from herts_scraper.archive.store import Archive
from herts_scraper.archive.writer import ArchiveWriter
from herts_scraper.crawl.run import RUN_STATUS_STAT, ArchiveRun, ArchiveState
from herts_scraper.distributed import frontier as keys
from herts_scraper.distributed.worker import SITE_FACTS

logger = logging.getLogger("herts_scraper.store")
POLL_SECONDS = 0.5


class StoreRun(ArchiveRun):
    """ArchiveRun without a Scrapy engine: fed from Redis, not by a spider in this process."""

    def _results_from_worker(self, results):
        self._results(results)  # no reactor here: straight from the writer's reader thread

    def _schedule_quiet_flush(self) -> None:
        pass  # the store flushes whenever Redis has nothing for it

    def _writer_failed(self, why: str) -> None:
        self.writer_failure = why
        logger.error("archive writer failed, ending the run: %s", why)
        self._release_waiting()


class Store:
    def __init__(self, url: str, settings, worker_timeout: float | None = None):
        self.url = url
        self.redis: Any = keys.connect(url)
        self.settings = settings
        self.worker_timeout = worker_timeout or settings.getfloat("FRONTIER_WORKER_TIMEOUT")
        from herts_scraper.crawl.spider import NewsSpider

        crawler = Crawler(NewsSpider, settings)
        crawler.stats = MemoryStatsCollector(crawler)
        self.crawler = crawler
        self.run = StoreRun(crawler)
        self.spider: Any = None
        self.state: ArchiveState | None = None
        self.stop_reason: str | None = None
        self.stored = 0

    # -- opening ----------------------------------------------------------------------
    def open(self) -> None:
        run = self.run
        run.lock = lock_archive(run.path)
        run.archive = Archive(run.path)
        for key in self.redis.scan_iter(match=keys.PREFIX + "*"):  # the last run's frontier, if any
            self.redis.delete(key)
        self.state = ArchiveState.load(run.archive)
        self.redis.set(keys.STATE, pickle.dumps(self.state, protocol=pickle.HIGHEST_PROTOCOL))
        self.redis.hset(keys.RUN, mapping={"status": "ready", "started": time.time()})
        logger.info("store of %s: waiting for workers (scrapy crawl news -s FRONTIER=%s)", run.path, self.url)

    def _start_run(self, arguments: dict) -> None:
        """The first worker's arguments: the spider this process keeps the run's books with."""
        from herts_scraper.crawl.spider import NewsSpider

        spider = NewsSpider(**arguments)
        spider.crawler = self.crawler
        spider.configure(self.settings.copy())
        assert self.state is not None  # loaded by open()
        spider.use_archive(self.state, None)
        self.spider = spider
        self.run.open_run(spider, self.run.lock.fileno() if self.run.lock else None)

    # -- the run ------------------------------------------------------------------------
    def serve(self) -> str:
        """Store results until the run is over; the reason it ended (finished, shutdown, ...)."""
        quiet_checks = 0
        last_check = 0.0
        while self.stop_reason is None:
            if self.spider is None:
                arguments = self.redis.hget(keys.RUN, "arguments")
                if arguments is None:
                    time.sleep(POLL_SECONDS)
                    continue
                self._start_run(json.loads(arguments))
            popped = self.redis.blpop([keys.RESULTS], timeout=POLL_SECONDS)
            if popped is not None:
                self._store(popped[1])
                for raw in self._drain(500):
                    self._store(raw)
                quiet_checks = 0
                if self.run.writer_failure:
                    return "archive_writer_failed"
                continue
            if isinstance(self.run.writer, ArchiveWriter) and self.run.writer.buffer:
                self.run._flush_quietly()
            now = time.time()
            if now - last_check >= 1.0:
                last_check = now
                self._requeue_silent_workers(now)
                quiet_checks = quiet_checks + 1 if self._quiet() else 0
                if quiet_checks >= 2:  # twice, a second apart: nothing queued, held, or sent
                    return "finished"
        return self.stop_reason

    def _drain(self, most: int) -> list[bytes]:
        pipe = self.redis.pipeline()
        pipe.lrange(keys.RESULTS, 0, most - 1)
        pipe.ltrim(keys.RESULTS, most, -1)
        return pipe.execute()[0]

    def _store(self, raw: bytes) -> None:
        self.run.hand(pickle.loads(raw))
        self.stored += 1

    def _quiet(self) -> bool:
        if self.redis.hget(keys.RUN, "seeded") is None:
            return False
        if self.redis.llen(keys.QUEUE) or self.redis.llen(keys.RESULTS):
            return False
        return not any(self.redis.llen(key) for key in self.redis.scan_iter(match=keys.processing_key("*")))

    def _requeue_silent_workers(self, now: float) -> None:
        for worker, beat in self.redis.hgetall(keys.WORKERS).items():
            if now - float(beat) < self.worker_timeout:
                continue
            name = worker.decode()
            back = 0
            while self.redis.lmove(keys.processing_key(name), keys.QUEUE, "LEFT", "RIGHT") is not None:
                back += 1
            self.redis.hdel(keys.WORKERS, worker)
            if self.redis.get(keys.SEEDER) == worker and self.redis.hget(keys.RUN, "seeded") is None:
                logger.error("worker %s died while yielding the start requests: start the run again", name)
                self.stop_reason = "seeding_worker_lost"
            logger.warning("worker %s silent for %.0f s: %d requests it held are back in the queue",
                           name, now - float(beat), back)

    # -- closing ------------------------------------------------------------------------
    def close(self, reason: str) -> str | None:
        self.redis.hset(keys.RUN, "status", "done")
        self._wait_for_workers()
        for raw in self._drain(10**9):  # whatever came in after the last look
            self._store(raw)
        if self.spider is None:  # no worker ever came: no run
            self._release()
            return None
        self._merge_facts()
        try:
            self.run.spider_closed(self.spider, reason)
        finally:
            self._release()
        return self.crawler.stats.get_value(RUN_STATUS_STAT)

    def _release(self) -> None:
        if self.run.archive is not None:
            self.run.archive.close()
            self.run.archive = None
        self.run.engine_stopped()

    def _wait_for_workers(self) -> None:
        """Workers see the run's end when idle and leave; their last facts count (not past the timeout)."""
        deadline = time.time() + self.worker_timeout
        while self.redis.hlen(keys.WORKERS) and time.time() < deadline:
            time.sleep(0.2)

    def _merge_facts(self) -> None:
        """The workers' stats and per-force facts, summed, into this process's stats and spider."""
        stats = self.crawler.stats
        for key in self.redis.scan_iter(match=keys.facts_key("*")):
            facts = json.loads(self.redis.get(key))
            for name, value in facts["stats"].items():
                stats.inc_value(name, value)
            for name, site_facts in facts["sites"].items():
                site = self.spider.by_name.get(name)
                if site is None:
                    continue
                for fact in SITE_FACTS:
                    setattr(site, fact, getattr(site, fact) + site_facts[fact])
                site.start_pages_missing.extend(p for p in site_facts["start_pages_missing"]
                                                if p not in site.start_pages_missing)
            self.spider.bounds_hit.update(facts["bounds"])
            self.spider.bounded = self.spider.bounded or facts["bounded"]


def run_store(url: str, settings, worker_timeout: float | None = None) -> int:
    """The `store` command: its exit status (as `scrapy crawl`'s)."""
    store = Store(url, settings, worker_timeout)
    store.open()

    def stop(signum, frame):
        store.stop_reason = "shutdown"

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reason = store.serve()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    status = store.close(reason)
    logger.info("store: %d results stored, run %s", store.stored, status)
    return exit_code(status)
