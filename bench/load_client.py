"""A small HTTP/1.1 load client: keep-alive GETs over a list of paths.

    python bench/load_client.py --base http://127.0.0.1:PORT --paths PATHS.txt [--connections 16] [--passes 2]

asyncio with raw streams, one process, N keep-alive connections sharing
one queue of paths, so the client costs far less CPU than the server it
measures. Prints JSON: for each pass, responses, seconds, pages/s, bytes,
status counts. Pass 1 on a fresh replica is "cold" (every page rendered
once, as a crawl sees it); later passes are served from its cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from urllib.parse import urlsplit


async def _worker(host: str, port: int, queue: list, stats: dict) -> None:
    reader = writer = None
    while queue:
        path = queue.pop()
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: identity\r\n"
                     f"User-Agent: herts-scraper-bench\r\n\r\n".encode("latin-1"))
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await reader.readexactly(length)
        stats["status"][status] += 1
        stats["bytes"] += len(head) + length
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _one_pass(host: str, port: int, paths: list[str], connections: int) -> dict:
    queue = list(reversed(paths))  # pop() from the end: the paths in their given order
    stats = {"status": Counter(), "bytes": 0}
    started = time.perf_counter()
    await asyncio.gather(*(_worker(host, port, queue, stats) for _ in range(connections)))
    seconds = time.perf_counter() - started
    n = sum(stats["status"].values())
    return {"responses": n, "seconds": round(seconds, 3), "pages_per_s": round(n / seconds, 1),
            "bytes": stats["bytes"], "status": {str(k): v for k, v in sorted(stats["status"].items())}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True)
    p.add_argument("--paths", required=True, help="file with one path (and query) a line")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--passes", type=int, default=2)
    args = p.parse_args(argv)
    parts = urlsplit(args.base)
    paths = [line.strip() for line in open(args.paths, encoding="utf-8") if line.strip()]
    passes = [asyncio.run(_one_pass(parts.hostname, parts.port or 80, paths, args.connections))
              for _ in range(args.passes)]
    json.dump({"connections": args.connections, "passes": passes}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
