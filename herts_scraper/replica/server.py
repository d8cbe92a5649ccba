"""Serve the replica over HTTP on loopback (standard library only).

    herts-scraper replica --port 8000 --articles 300 [--generation soh|legacy] [--seed N] [--host H] [--profile NAME]

HTTP/1.1 with keep-alive; each response is written in one send (headers and
body together) so keep-alive clients never wait on Nagle's algorithm. What to
answer is decided by site.ReplicaSite.respond; this module only moves bytes.
"""

from __future__ import annotations

import argparse
import email.utils
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .site import GENERATIONS, ReplicaSite

_REASONS = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found",
            405: "Method Not Allowed", 500: "Internal Server Error", 503: "Service Unavailable"}


class _Handler(BaseHTTPRequestHandler):
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
        self._write(resp.status, resp.headers, resp.body)

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
        self._open: set = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
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


class ReplicaServer:
    """The replica on host:port (port 0: any free port), served from a background thread.

        with ReplicaServer(articles=300) as server:
            urlopen(server.base_url + "/news/hertfordshire/news/")
    """

    def __init__(self, articles: int = 300, generation: str = "soh", seed: int = 0,
                 profile: str = "hertfordshire", host: str = "127.0.0.1", port: int = 0):
        self.site = ReplicaSite(articles, generation, seed, profile)
        self.httpd = _HTTPServer((host, port), self.site)
        self.host, self.port = self.httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def profile(self):
        return self.site.profile

    def start(self) -> "ReplicaServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"replica:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self.httpd.close_open_connections()
        self.httpd.server_close()

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="herts-scraper replica", description="Serve the offline replica of the site.")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--articles", type=int, default=300, help="number of generated articles (default 300)")
    p.add_argument("--generation", choices=GENERATIONS, default="soh", help="which generation of the site to serve")
    p.add_argument("--seed", type=int, default=0, help="content seed (same seed, same site)")
    p.add_argument("--profile", default="hertfordshire", help="site profile name or YAML path")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.articles < 0:
        print("herts-scraper replica: --articles must be 0 or more", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        server = ReplicaServer(args.articles, args.generation, args.seed, args.profile, args.host, args.port)
    except OSError as exc:
        print(f"herts-scraper replica: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bad profile name, say
        print(f"herts-scraper replica: {exc}", file=sys.stderr)
        return 2
    print(f"serving {args.articles} articles ({args.generation}, seed {args.seed}) at {server.base_url} "
          f"(ready in {time.monotonic() - started:.2f} s; Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
