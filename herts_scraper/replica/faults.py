"""Fault mode: how the replica misbehaves, decided per request by a seeded RNG.

Each request draws once (so a retry draws again and can succeed): "503"
(Service Unavailable with Retry-After: 1), "timeout" (send nothing for
`timeout` seconds, then close), "truncate" (full Content-Length, part of the
body, then close) or "reset" (SO_LINGER 0 and close: a TCP RST). The n-th
draw depends only on the seed, so one client's sequence of requests meets the
same faults every run. What the faults do to sockets is server.py's job; here
they are only chosen and counted. site.py never applies them to /robots.txt:
a robots.txt that fails (5xx, timeout) makes Scrapy treat the whole site as
allowed, so a flaky one would test nothing but that.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("503", "timeout", "truncate", "reset")
DEFAULT_RATES = {"503": 0.05, "timeout": 0.02, "truncate": 0.01, "reset": 0.01}
DEFAULT_TIMEOUT = 20.0
REDIRECT_LOOP = "redirect_loop"  # counted beside the drawn kinds: hits on the looping URL


@dataclass(frozen=True)
class FaultPlan:
    """What fault mode does. `rates`: chance per request of each kind; kinds
    left out of a given mapping never happen. `redirect_loop`: list one extra
    article URL that redirects to itself forever."""

    seed: int = 0
    rates: dict = field(default_factory=lambda: dict(DEFAULT_RATES))
    timeout: float = DEFAULT_TIMEOUT
    redirect_loop: bool = True

    def __post_init__(self):
        unknown = set(self.rates) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind(s): {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
        rates = {k: float(self.rates.get(k, 0.0)) for k in KINDS}
        if any(not 0.0 <= r <= 1.0 for r in rates.values()):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError("fault rates must add up to 1 or less")
        if self.timeout < 0:
            raise ValueError("fault timeout must be 0 or more seconds")
        object.__setattr__(self, "rates", rates)


def make_plan(faults=None, *, seed: int | None = None, timeout: float | None = None,
              rates: dict | None = None) -> FaultPlan | None:
    """faults (None/False, True or a FaultPlan) with any of seed, timeout and
    rates given on their own (each implies fault mode) -> a FaultPlan or None."""
    if isinstance(faults, str):
        raise TypeError("faults must be True, False, None or a FaultPlan")
    overrides: dict[str, Any] = {k: v for k, v in (("seed", seed), ("timeout", timeout), ("rates", rates))
                                 if v is not None}
    if not faults and not overrides:
        return None
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan()
    if overrides:
        plan = FaultPlan(**{"seed": plan.seed, "rates": plan.rates, "timeout": plan.timeout,
                            "redirect_loop": plan.redirect_loop, **overrides})
    return plan


def parse_rates(spec: str) -> dict:
    """"503=0.05,timeout=0.02,truncate=0.01,reset=0.01" -> {kind: rate}."""
    rates = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, sep, value = part.partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in KINDS:
            raise ValueError(f"bad fault rate {part!r}: expected KIND=RATE with KIND one of {', '.join(KINDS)}")
        try:
            rates[kind] = float(value)
        except ValueError:
            raise ValueError(f"bad fault rate {part!r}: {value!r} is not a number") from None
    return rates


class FaultInjector:
    """The plan's RNG and the count of faults really injected (thread-safe)."""

    def __init__(self, plan: FaultPlan):
        self.plan = plan
        self._rng = random.Random(f"herts-replica-faults:{plan.seed}")
        self._lock = threading.Lock()
        self._bounds = []
        total = 0.0
        for kind in KINDS:
            if plan.rates[kind] > 0:
                total += plan.rates[kind]
                self._bounds.append((total, kind))
        self.counts = dict.fromkeys((*KINDS, REDIRECT_LOOP), 0)

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        with self._lock:
            u = self._rng.random()
        for bound, kind in self._bounds:
            if u < bound:
                return kind
        return None

    def record(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self.counts)

    def reset_counts(self) -> None:
        with self._lock:
            self.counts = dict.fromkeys(self.counts, 0)


# -- blocked mode: a site that refuses this machine ----------------------------------------
# Police sites answer 403 to many data-centre addresses, or let a CDN serve a JS challenge
# page (with a 200) instead of the page: `--block 403|challenge` answers every request so.
BLOCK_MODES = ("403", "challenge")
_FORBIDDEN = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>403 Forbidden</title>\n"
              "</head>\n<body>\n<h1>Access denied</h1>\n<p>You do not have permission to access this page.</p>\n"
              "</body>\n</html>\n")
_CHALLENGE = ("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<title>Just a moment...</title>\n"
              "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n"
              "<meta name=\"robots\" content=\"noindex,nofollow\">\n</head>\n<body>\n"
              "<div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">\n"
              "<h1>Checking your browser before accessing the site.</h1>\n"
              "<noscript>Enable JavaScript and cookies to continue</noscript>\n</div></div>\n"
              "<script>(function(){window._cf_chl_opt={cType: 'managed'};var a=document.createElement('script');"
              "a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=0';"
              "document.getElementsByTagName('head')[0].appendChild(a);})();</script>\n</body>\n</html>\n")


def block_page(mode: str) -> tuple[int, bytes]:
    """(status, HTML body) a blocked site answers every request with."""
    if mode == "403":
        return 403, _FORBIDDEN.encode("utf-8")
    if mode == "challenge":
        return 200, _CHALLENGE.encode("utf-8")
    raise ValueError(f"block must be one of {', '.join(BLOCK_MODES)}, not {mode!r}")


def parse_block(spec: str) -> dict[str | None, str]:
    """"403" -> {None: "403"} (every force served); "kent=403,essex=challenge" -> per force."""
    out: dict[str | None, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        force, sep, mode = part.rpartition("=") if "=" in part else (None, "", part)
        if mode not in BLOCK_MODES:
            raise ValueError(f"bad block {part!r}: expected {' or '.join(BLOCK_MODES)}, or FORCE=MODE,...")
        out[force.strip() if sep and force else None] = mode
    return out
