"""A hostile web site on loopback, for the hostile-site scenarios.

Each scenario module gives its pages as routes: a path (with its query) ->
a `Reply` or a function of the request that returns one. The server logs
every request it gets (the Host header, the path, when), so a scenario can
assert what the crawl asked for, and where: `HostileServer` binds any
loopback address, so a second instance on 127.0.0.2 is "another host".

Pages are in the legacy layout of the hertfordshire profile (the listing at
/news-and-appeals/, articles at /news-and-appeals/<slug>): the selectors are
the replica's, and what the scenarios test does not depend on them.
"""

from __future__ import annotations

import html
import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LISTING = "/news-and-appeals/"
ARTICLE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} | Hertfordshire Constabulary</title>
<meta property="og:description" content="{title}, in short.">{head}</head><body>
<h1 class="news-article__title">{title}</h1><time class="news-article__date" datetime="2021-03-04">4 Mar 2021</time>
<div class="news-article__body"><p>{title} happened in Watford and officers want to hear from witnesses.</p>
{body}<p>Anyone with information should call 101.</p></div></body></html>"""


def article_path(slug: str) -> str:
    return LISTING + slug


def article_html(title: str, *, body: str = "", head: str = "") -> bytes:
    return ARTICLE_PAGE.format(title=html.escape(title), body=body, head=head).encode("utf-8")


def listing_html(hrefs, *, extra: str = "") -> bytes:
    """A listing page: one teaser link per href, then `extra` markup (paging links)."""
    items = "".join(f'<li><a class="news-list__link" href="{html.escape(h)}">Story {i}</a></li>'
                    for i, h in enumerate(hrefs))
    return f"<!DOCTYPE html><html><body><ul>{items}</ul>{extra}</body></html>".encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class Hit:
    host: str
    path: str
    at: float


Route = Reply | Callable[["Request"], Reply]


@dataclass
class Request:
    path: str
    host: str
    headers: dict


class HostileServer:
    """A threaded HTTP server on `address` serving `routes`; 404 elsewhere, robots.txt allowing all."""

    def __init__(self, routes: dict[str, Route] | None = None, address: str = "127.0.0.1"):
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                host = self.headers.get("Host", "")
                with server._lock:
                    server.hits.append(Hit(host, self.path, time.monotonic()))
                reply = server.reply(Request(self.path, host, dict(self.headers)))
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "text/html; charset=utf-8", **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up (a refused download): fine

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((address, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{address}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def reply(self, request: Request) -> Reply:
        if request.path == "/robots.txt" and request.path not in self.routes:
            return Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
        route = self.routes.get(request.path)
        if route is None:
            return Reply(404, b"<html><body>not here</body></html>")
        return route(request) if callable(route) else route

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [h.path for h in self.hits]

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
