"""Request counters of the replica (all modes): by path kind and by status.

Test and benchmark instrumentation, read through ReplicaSite.stats() or
GET /__replica__/stats. One lock and one dict update per request: cheap next
to serving it.
"""

from __future__ import annotations

import threading
from collections import Counter

PATH_KINDS = ("article", "listing", "search", "rss", "sitemap", "robots", "other")


class RequestStats:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts: Counter = Counter()  # (kind, status) -> n

    def count(self, kind: str, status) -> None:
        """status: the HTTP status sent, or the fault that replaced it ("timeout", "reset")."""
        key = (kind, str(status))
        with self._lock:
            self._counts[key] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts = Counter()

    def snapshot(self) -> dict:
        with self._lock:
            counts = dict(self._counts)
        by_kind = dict.fromkeys(PATH_KINDS, 0)
        by_status: dict[str, int] = {}
        detail: dict[str, dict[str, int]] = {}
        for (kind, status), n in sorted(counts.items()):
            by_kind[kind] = by_kind.get(kind, 0) + n
            by_status[status] = by_status.get(status, 0) + n
            detail.setdefault(kind, {})[status] = n
        return {"total": sum(counts.values()), "by_kind": by_kind, "by_status": by_status,
                "by_kind_and_status": detail}
