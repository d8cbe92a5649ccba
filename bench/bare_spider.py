"""The baseline: a bare Scrapy spider that fetches a list of URLs and does
nothing with the responses. It measures what Scrapy itself costs on this
machine, so the news spider's rate can be judged against it.

    python bench/bare_spider.py --urls URLS.txt --stats STATS.json [--no-robots] [-s NAME=VALUE ...]

It runs outside the project (a CrawlerProcess with its own settings, no
scrapy.cfg lookup), so none of herts-scraper's pipelines, middlewares or
extensions load. Settings match the news spider's on loopback: 16 requests
at once (16 per domain), no delay, no AutoThrottle, robots.txt obeyed.
"""

from __future__ import annotations

import argparse
import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

SETTINGS = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "RETRY_ENABLED": True,
    "DOWNLOAD_TIMEOUT": 5,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "ITEM_PIPELINES": {},
    "USER_AGENT": "herts-scraper-bench (bare Scrapy baseline)",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
}


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            # errback: a 404 start page is a response like any other, not an error to log
            yield scrapy.Request(url, callback=self.parse, errback=self.ignore, dont_filter=True)

    def parse(self, response):
        return None

    def ignore(self, failure):
        return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--urls", required=True, help="file with one URL a line")
    p.add_argument("--stats", required=True, help="where to write Scrapy's stats as JSON")
    p.add_argument("--no-robots", action="store_true", help="do not fetch robots.txt")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="another Scrapy setting, for experiments (e.g. CONCURRENT_ITEMS=10)")
    args = p.parse_args(argv)
    urls = [line.strip() for line in open(args.urls, encoding="utf-8") if line.strip()]
    settings = dict(SETTINGS, ROBOTSTXT_OBEY=not args.no_robots)
    settings.update(item.split("=", 1) for item in args.set)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    # read after the run: by then CoreStats has set finish_time and elapsed_time_seconds
    out = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in crawler.stats.get_stats().items()}
    with open(args.stats, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1, sort_keys=True, default=str)
    return 0 if out.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
