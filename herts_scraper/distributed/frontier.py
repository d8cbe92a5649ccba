"""What workers and the store share on Redis: the FRONTIER URL, the keys, how an item travels.

Keys (one run at a time per Redis database; the store clears them when it starts):

| key | what |
| --- | --- |
| `herts:requests` | scrapy-redis's request queue (a list: LPUSH, then LMOVE into a processing list) |
| `herts:processing:<worker>` | requests a worker took and has not finished (back to the queue if it dies) |
| `herts:dupefilter` | scrapy-redis's request fingerprints |
| `herts:state` | the ArchiveState the store loaded (pickled): known articles, modes, resume |
| `herts:run` | hash: `status` (ready, done), `arguments` (the spider arguments of the run, JSON), `seeded` |
| `herts:seeder` | the worker that yields the start requests |
| `herts:results` | what workers fetched, pickled (FetchedPage, NotModified, PageFailure), in order per worker |
| `herts:workers` | hash: worker -> its last heartbeat (UNIX time) |
| `herts:facts:<worker>` | the worker's stats and per-force facts (JSON), for the run's counts and report |

Items are pickled: Redis must be reachable only by the archive's own machines.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any
from urllib.parse import urlsplit

from herts_scraper.crawl.config import UsageError

PREFIX = "herts:"
QUEUE = PREFIX + "requests"
DUPEFILTER = PREFIX + "dupefilter"
STATE = PREFIX + "state"
RUN = PREFIX + "run"
SEEDER = PREFIX + "seeder"
RESULTS = PREFIX + "results"
WORKERS = PREFIX + "workers"
ENTRY_META = "frontier_entry"  # request.meta: the queue entry a worker took (acknowledged when done)


def processing_key(worker: str) -> str:
    return f"{PREFIX}processing:{worker}"


def facts_key(worker: str) -> str:
    return f"{PREFIX}facts:{worker}"


def check_frontier_url(url: str) -> str:
    """redis://HOST:PORT/DB (or rediss://), else UsageError (one line)."""
    problem = f"FRONTIER must be a Redis URL such as redis://127.0.0.1:6379/0, not {url!r}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UsageError(problem) from None
    db = parts.path.strip("/")
    if parts.scheme not in ("redis", "rediss") or not parts.hostname or port == 0 or (db and not db.isdigit()):
        raise UsageError(problem)
    return url


def connect(url: str) -> Any:
    """A client of the frontier (bytes in, bytes out); raises redis.ConnectionError when it does not answer.
    (Typed Any: redis-py's return types, bytes | str | Awaitable for every call, do not fit a bytes client.)"""
    import redis

    client = redis.Redis.from_url(check_frontier_url(url), socket_connect_timeout=10, socket_timeout=60)
    client.ping()
    return client


def acknowledged(callback):
    """Decorates a spider callback or errback: once it has yielded everything (its requests are in
    the queue, its items in the results), the request it answers is done, and a worker takes it out
    of its processing list (a no-op on one machine)."""

    def done(spider, result) -> None:
        hook = getattr(spider.archive_run, "request_done", None)
        request = getattr(result, "request", None)
        if hook is not None and request is not None:
            hook(request)

    if inspect.isasyncgenfunction(callback):
        @functools.wraps(callback)
        async def async_wrapper(spider, result):
            try:
                async for output in callback(spider, result):
                    yield output
            finally:
                done(spider, result)
        return async_wrapper

    @functools.wraps(callback)
    def wrapper(spider, result):
        try:
            yield from callback(spider, result) or ()
        finally:
            done(spider, result)
    return wrapper
