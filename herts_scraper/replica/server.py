"""Serve the replica over HTTP on loopback (standard library only).

    herts-scraper replica --port 8000 --articles 300 [--generation soh|legacy] [--seed N] [--host H] [--profile NAME]
        [--edit SPEC]... [--remove SPEC]... [--gone-status 404|410]
        [--faults] [--fault-seed N] [--fault-timeout S] [--fault-rates 503=0.05,timeout=0.02,truncate=0.01,reset=0.01]
        [--forces kent,essex,...] [--block 403|challenge|FORCE=MODE,...]

--forces serves several forces at once, each on its own port (--port, --port+1,
...; port 0: any free ones), each in its own URL shapes (its force slug); --block
makes a site refuse every request with a 403 or a CDN challenge page.

--edit 3,17,42:2 edits articles 3 and 17 once and 42 twice (ranges too:
10-19 or 10-19:2); --remove 10-19,25 removes articles; --faults turns on
fault mode (--fault-* imply it). See site.py for what each does, and for
GET /__replica__/stats (request and fault counters: test instrumentation,
never for spiders).

HTTP/1.1 with keep-alive; each response is written in one send (headers and
body together) so keep-alive clients never wait on Nagle's algorithm. What to
answer is decided by site.ReplicaSite.respond; this module only moves bytes,
and carries out the socket-level faults it asks for.
"""

from __future__ import annotations

import argparse
import email.utils
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from herts_scraper.profiles import load_profile
from herts_scraper.replica.faults import BLOCK_MODES, DEFAULT_TIMEOUT, FaultPlan, make_plan, parse_block, parse_rates
from herts_scraper.replica.site import GENERATIONS, GONE_STATUSES, ReplicaSite

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 410: "Gone", 500: "Internal Server Error", 503: "Service Unavailable"}
_LINGER_ZERO = struct.pack("ii", 1, 0)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "herts-replica"
    sys_version = ""

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self):
        self._serve()

    def do_HEAD(self):
        self._serve()

    def _serve(self):
        host = self.headers.get("Host") or self.server.netloc
        try:
            resp = self.server.site.respond(self.command, self.path, self.headers, base=f"http://{host}")
        except Exception:  # a bug in the replica must not kill the connection silently
            self.server.errors += 1
            body = b"Internal Server Error\n"
            self._write(500, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))], body)
            raise
        if resp.fault is None:
            self._write(resp.status, resp.headers, resp.body)
            return
        self.close_connection = True
        if resp.fault == "timeout":  # say nothing, then hang up
            self.server.stopping.wait(resp.hold)
        elif resp.fault == "reset":  # close with SO_LINGER 0: the peer gets an RST (see shutdown_request)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
        elif resp.fault == "truncate":  # the full Content-Length, then half the body
            self.close_connection = False  # no "Connection: close": the body is cut, not announced
            self._write(resp.status, resp.headers, resp.body[: len(resp.body) // 2])
            self.close_connection = True

    def _write(self, status: int, headers, body: bytes):
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
                 f"Date: {email.utils.formatdate(usegmt=True)}", f"Server: {self.server_version}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def log_message(self, format, *args):  # quiet: a crawl makes thousands of requests
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, site: ReplicaSite):
        self.site = site
        self.errors = 0
        self.stopping = threading.Event()  # ends fault-mode hangs at stop()
        self._open: set = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        assert isinstance(host, str)  # an IP address, not a socket path
        self.netloc = f"{host}:{port}"

    def track(self, conn, opened: bool):
        with self._open_lock:
            (self._open.add if opened else self._open.discard)(conn)

    def close_open_connections(self):
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass  # counted in self.errors; a client that hangs up is normal

    def shutdown_request(self, request):
        """As socketserver does (SHUT_WR, which sends a FIN, then close), except for
        a connection set to linger 0 by a reset fault: closed at once, so an RST."""
        try:
            linger = request.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)
        except OSError:
            linger = b""
        if linger == _LINGER_ZERO:
            self.close_request(request)
        else:
            super().shutdown_request(request)


class ReplicaServer:
    """The replica on host:port (port 0: any free port), served from a background thread.

        with ReplicaServer(articles=300) as server:
            urlopen(server.base_url + "/news/hertfordshire/news/")

    edits ({index: revision}), removed (indexes), gone_status (404 or 410),
    faults (True or a FaultPlan) and fault_seed/fault_timeout/fault_rates as
    for site.ReplicaSite.
    """

    def __init__(self, articles: int = 300, generation: str = "soh", seed: int = 0,
                 profile: str = "hertfordshire", host: str = "127.0.0.1", port: int = 0, *,
                 edits=None, removed=None, gone_status: int = 404, faults: bool | FaultPlan | None = None,
                 fault_seed: int | None = None, fault_timeout: float | None = None, fault_rates: dict | None = None,
                 block: str | None = None):
        self.site = ReplicaSite(articles, generation, seed, profile, edits=edits, removed=removed,
                                gone_status=gone_status, faults=faults, fault_seed=fault_seed,
                                fault_timeout=fault_timeout, fault_rates=fault_rates, block=block)
        self.httpd = _HTTPServer((host, port), self.site)
        bound_host, self.port = self.httpd.server_address[:2]
        assert isinstance(bound_host, str)  # an IP address, not a socket path
        self.host = bound_host
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def profile(self):
        return self.site.profile

    @property
    def fault_counts(self) -> dict:
        return self.site.fault_counts

    def stats(self) -> dict:
        """The site's counters (what GET /__replica__/stats answers)."""
        return self.site.stats()

    def start(self) -> ReplicaServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"replica:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self.httpd.close_open_connections()
        self.httpd.server_close()

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def parse_index_spec(spec: str) -> set[int]:
    """"3,10-19,42" -> {3, 10, ..., 19, 42}"""
    out: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        out.update(_index_range(part))
    return out


def parse_edit_spec(spec: str) -> dict[int, int]:
    """"3,17,42:2" -> {3: 1, 17: 1, 42: 2}; "10-19:2" edits a range."""
    out: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        indexes, sep, rev = part.partition(":")
        if sep and not rev.strip().isdigit():
            raise ValueError(f"bad revision in {part!r}: expected IDX:REV with REV a whole number")
        for i in _index_range(indexes):
            out[i] = int(rev) if sep else 1
    return out


def _index_range(text: str) -> range:
    lo, sep, hi = text.strip().partition("-")
    if not lo.strip().isdigit() or (sep and not hi.strip().isdigit()):
        raise ValueError(f"bad article index {text!r}: expected IDX or FIRST-LAST (whole numbers)")
    first, last = int(lo), int(hi) if sep else int(lo)
    if last < first:
        raise ValueError(f"bad range {text!r}: the last index comes before the first")
    return range(first, last + 1)


def _argtype(parse):
    def convert(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="herts-scraper replica", description="Serve the offline replica of the site.")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--articles", type=int, default=300, help="number of generated articles (default 300)")
    p.add_argument("--generation", choices=GENERATIONS, default="soh", help="which generation of the site to serve")
    p.add_argument("--seed", type=int, default=0, help="content seed (same seed, same site)")
    p.add_argument("--profile", default="hertfordshire", help="site profile name or YAML path")
    p.add_argument("--forces", metavar="NAMES", default=None,
                   help="serve several forces (profile names or YAML paths, comma-separated), each on its own "
                        "port from --port up (port 0: any free ones); in place of --profile")
    p.add_argument("--block", metavar="MODE", type=_argtype(parse_block), default=None,
                   help=f"refuse every request: {' or '.join(BLOCK_MODES)} (a CDN's JS challenge page with a 200); "
                        "per force: kent=403,essex=challenge")
    changes = p.add_argument_group("changes (deterministic edits and removals)")
    changes.add_argument("--edit", metavar="SPEC", action="append", type=_argtype(parse_edit_spec), default=[],
                         help="edit articles: IDX, IDX:REV, FIRST-LAST[:REV], comma lists (e.g. 3,17,42:2); repeatable")
    changes.add_argument("--remove", metavar="SPEC", action="append", type=_argtype(parse_index_spec), default=[],
                         help="remove articles: IDX or FIRST-LAST, comma lists (e.g. 10-19,25); repeatable")
    changes.add_argument("--gone-status", type=int, choices=GONE_STATUSES, default=404,
                         help="what removed articles answer (default 404)")
    faults = p.add_argument_group("fault mode (never on /robots.txt)")
    faults.add_argument("--faults", action="store_true",
                        help="inject 503s, hangs, truncated bodies, resets and a redirect loop")
    faults.add_argument("--fault-seed", metavar="N", type=int, default=None,
                        help="seed of the fault RNG (default 0; implies --faults)")
    faults.add_argument("--fault-timeout", metavar="S", type=float, default=None,
                        help=f"seconds a hang lasts before the connection closes "
                             f"(default {DEFAULT_TIMEOUT:g}; implies --faults)")
    faults.add_argument("--fault-rates", metavar="SPEC", type=_argtype(parse_rates), default=None,
                        help="chance per request of each fault, e.g. 503=0.05,timeout=0.02,truncate=0.01,reset=0.01 "
                             "(the defaults; kinds left out never happen; implies --faults)")
    return p


def plan_from_args(args) -> FaultPlan | None:
    return make_plan(args.faults, seed=args.fault_seed, timeout=args.fault_timeout, rates=args.fault_rates)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.articles < 0:
        print("herts-scraper replica: --articles must be 0 or more", file=sys.stderr)
        return 2
    edits = {i: r for spec in args.edit for i, r in spec.items()}
    removed = set().union(*args.remove)
    try:
        plan = plan_from_args(args)
    except ValueError as exc:
        print(f"herts-scraper replica: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    forces = [f.strip() for f in (args.forces or args.profile).split(",") if f.strip()]
    try:
        names = {force: load_profile(force).name for force in forces}  # a force is named by either
    except ValueError as exc:  # ProfileError
        print(f"herts-scraper replica: {exc}", file=sys.stderr)
        return 2
    block = args.block or {}
    unknown = sorted(set(block) - {None, *names, *names.values()})
    if not forces or unknown:
        print(f"herts-scraper replica: --block names {', '.join(map(str, unknown))}, not one of the forces served"
              if unknown else "herts-scraper replica: --forces names no force", file=sys.stderr)
        return 2
    servers: list[ReplicaServer] = []
    for n, force in enumerate(forces):
        port = args.port + n if args.port else 0
        mode = block.get(force) or block.get(names[force]) or block.get(None)
        try:
            servers.append(ReplicaServer(args.articles, args.generation, args.seed, force, args.host, port,
                                         edits=edits, removed=removed, gone_status=args.gone_status, faults=plan,
                                         block=mode))
        except OSError as exc:
            print(f"herts-scraper replica: cannot listen on {args.host}:{port}: {exc.strerror}", file=sys.stderr)
            return 1
        except Exception as exc:  # a bad profile name, say
            print(f"herts-scraper replica: {exc}", file=sys.stderr)
            return 2
    if len(servers) > 1:
        return _serve_forces(servers, forces, started)
    server = servers[0]
    extras = []
    if edits:
        extras.append(f"{len(edits)} edited")
    if removed:
        extras.append(f"{len(removed)} removed ({args.gone_status})")
    if plan:
        extras.append(f"fault mode, seed {plan.seed}")
    if server.site.block:
        extras.append(f"refusing every request ({server.site.block})")
    extra = f", {', '.join(extras)}" if extras else ""
    print(f"serving {args.articles} articles ({args.generation}, seed {args.seed}{extra}) at {server.base_url} "
          f"(ready in {time.monotonic() - started:.2f} s; Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


def _serve_forces(servers: list[ReplicaServer], sources: list[str], started: float) -> int:
    """Several forces, one server each, until Ctrl-C; the line to crawl them all is printed."""
    for server in servers:
        site = server.site
        print(f"serving {site.profile.name}: {site.count} articles ({site.generation}, seed {site.seed}"
              f"{', refusing every request (' + site.block + ')' if site.block else ''}) at {server.base_url}",
              flush=True)
        server.start()
    names = ",".join(sources)  # as given: names or YAML paths
    bases = ",".join(f"{s.site.profile.name}={s.base_url}" for s in servers)
    print(f"ready in {time.monotonic() - started:.2f} s; crawl them with: scrapy crawl news -a force={names} "
          f"-a base_url={bases}  (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
