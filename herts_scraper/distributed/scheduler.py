"""scrapy-redis's scheduler, with one addition: a request a worker takes stays in Redis until done.

scrapy-redis pops a request off the shared queue; a worker killed before it finished that request
would lose it. Here the pop is an LMOVE into the worker's own processing list, and the entry is
removed (LREM) once the request is done: its callback or errback has yielded everything
(frontier.acknowledged), or it was replaced by a retry or a redirect (its successor is queued
first). The store moves a silent worker's processing list back into the queue. And a new URL is
marked seen and queued in one step (SEEN_THEN_QUEUED). That is all this module adds; the queue,
its serialisation and the de-duplication's fingerprints are scrapy-redis's.
"""

from __future__ import annotations

from typing import Any

from scrapy.utils.misc import load_object
from scrapy_redis.queue import FifoQueue
from scrapy_redis.scheduler import Scheduler

from herts_scraper.distributed.frontier import ENTRY_META, processing_key


class AcknowledgedQueue(FifoQueue):
    """FIFO (LPUSH / LMOVE RIGHT): Redis' LMOVE has no sorted-set counterpart, so no priorities;
    the frontier keeps every discovered URL, so the order matters less than on one machine."""

    worker = ""  # set by the scheduler

    def pop(self, timeout=0):
        entry = self.server.lmove(self.key, processing_key(self.worker), "RIGHT", "LEFT")
        if entry is None:
            return None
        request = self._decode_request(entry)
        request.meta[ENTRY_META] = entry
        return request

    def done(self, entry: bytes) -> None:
        self.server.lrem(processing_key(self.worker), 1, entry)


# The de-duplication's SADD and the queue's LPUSH in one step (a script runs atomically in Redis):
# scrapy-redis does them one after the other, and a worker killed between the two left a URL
# marked seen that no queue held, lost to the run. The push is FifoQueue.push's.
SEEN_THEN_QUEUED = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


class FrontierScheduler(Scheduler):
    """SCHEDULER for a worker (distributed/worker.py sets it with the FRONTIER setting). open,
    enqueue_request and next_request are scrapy-redis's, less what Scrapy 2.19 deprecates
    (Spider.log, the `spider` argument of the stats), which would warn on every request."""

    df: Any  # scrapy-redis's RFPDupeFilter (scrapy-redis has no type hints)

    def open(self, spider):
        self.spider = spider
        self._seen_then_queued = self.server.register_script(SEEN_THEN_QUEUED)
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key % {"spider": spider.name},
                                                 serializer=self.serializer)
        self.queue.worker = spider.settings.get("FRONTIER_WORKER_ID")
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)

    def enqueue_request(self, request):
        # A retry or a redirect carries the entry of the request it replaces: queued (or filtered
        # as a duplicate) first, then that entry is done.
        replaced = request.meta.pop(ENTRY_META, None)
        try:
            if request.dont_filter:
                self.queue.push(request)
            elif not self._seen_then_queued(keys=[self.df.key, self.queue.key],
                                            args=[self.df.request_fingerprint(request),
                                                  self.queue._encode_request(request)]):
                self.df.log(request, self.spider)
                return False
            self.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            if replaced is not None:
                self.queue.done(replaced)

    def next_request(self):
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
