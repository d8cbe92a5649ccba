"""scrapy-redis's scheduler, with one addition: a request a worker takes stays in Redis until done.

scrapy-redis pops a request off the shared queue; a worker killed before it finished that request
would lose it. Here the pop is an LMOVE into the worker's own processing list, and the entry is
removed (LREM) once the request is done: its callback or errback has yielded everything
(frontier.acknowledged), or it was replaced by a retry or a redirect (its successor is queued
first). The store moves a silent worker's processing list back into the queue. That is all this
module adds; the queue, its serialisation and the de-duplication are scrapy-redis's.
"""

from __future__ import annotations

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


class FrontierScheduler(Scheduler):
    """SCHEDULER for a worker (distributed/worker.py sets it with the FRONTIER setting)."""

    def open(self, spider):
        super().open(spider)
        self.queue.worker = spider.settings.get("FRONTIER_WORKER_ID")

    def enqueue_request(self, request):
        # A retry or a redirect carries the entry of the request it replaces: queued (or filtered
        # as a duplicate) first, then that entry is done.
        replaced = request.meta.pop(ENTRY_META, None)
        try:
            return super().enqueue_request(request)
        finally:
            if replaced is not None:
                self.queue.done(replaced)
