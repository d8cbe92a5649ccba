"""Scrapy settings for herts-scraper.

Polite by default, for the live site: robots.txt obeyed, an honest
User-Agent, one request at a time at most once a second, AutoThrottle backing
off when the site slows down. The news spider lifts the limits only when
base_url is a loopback address (the replica).
"""

from herts_scraper import __version__

BOT_NAME = "herts_scraper"
SPIDER_MODULES = ["herts_scraper.crawl.spider"]
NEWSPIDER_MODULE = "herts_scraper.crawl"

PROJECT_URL = "https://github.com/herts-scraper/herts-scraper"
USER_AGENT = f"herts-scraper/{__version__} (+{PROJECT_URL}; news archive bot)"

ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0  # a random jitter would dip below one second
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# A callback yields at most one item (the article) and a few requests: a few in flight
# per response is plenty, and Scrapy's default of 100 costs an asyncio task each per response.
CONCURRENT_ITEMS = 10
# Scrapy re-reads and re-parses the callback's source on every response to warn
# about `return` in generators; our callbacks have none (a measured 4% of a crawl).
WARN_ON_GENERATOR_RETURN_VALUE = False

DOWNLOAD_TIMEOUT = 30
# Size limits that fit news pages (tens of KB) and sitemaps (the protocol's 50 MB): a
# bigger body, or one that decompresses past them (a gzip bomb), is refused and recorded.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
SITEMAP_MAXSIZE = 64 * 1024 * 1024  # start pages (sitemap, feed) and nested sitemaps
URL_LENGTH_LIMIT = 2083  # longer URLs are not fetched: recorded as refused
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX = 120  # seconds: the longest Retry-After we wait before retrying
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening ports of our own during a crawl
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

COMMANDS_MODULE = "herts_scraper.commands"  # `scrapy crawl` with exit codes that say what happened

# No item pipeline of ours: Scrapy's items are the archived articles (crawl/items.py ArticleItem),
# for feeds (-O articles.jsonl) and any pipeline a user adds; the archive is written by the run
# extension (crawl/run.py) before an item is yielded.
ITEM_PIPELINES: dict[str, int] = {}
DOWNLOADER_MIDDLEWARES = {
    # first of all: no request (link, redirect, refresh, retry, robots.txt) leaves the site
    "herts_scraper.crawl.boundary.SiteBoundaryMiddleware": 50,
    # Scrapy's retries, waiting as long as a 429/503's Retry-After asks
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "herts_scraper.crawl.retry.RetryAfterMiddleware": 550,
    # next to the downloader: every raw request and response, redirects and errors included
    "herts_scraper.crawl.warc.WarcCaptureMiddleware": 950,
}
EXTENSIONS = {
    "herts_scraper.crawl.logs.RotatingLogFile": 0,
    "herts_scraper.crawl.run.ArchiveRun": 0,  # the run's bookkeeping: lock, state, writer, status, report
    "herts_scraper.distributed.worker.WorkerRun": 0,  # in its place with FRONTIER: a worker of a shared frontier
    "scrapy.extensions.logstats.LogStats": None,  # replaced by the progress line:
    "herts_scraper.crawl.progress.ProgressLog": 0,
}

# herts-scraper's own settings (override with -s NAME=value)
# False: no archive, no WARC, no crawl.log; Scrapy's inspection commands (shell, fetch, view,
# parse) set it so, and the spider then extracts articles itself (items, feeds) without storing them.
ARCHIVE_ENABLED = True
ARCHIVE_PATH = "archive/herts.db"
SITE_PROFILE = "hertfordshire"
STOP_AFTER = 20  # incremental runs: stop walking a listing after this many known, unchanged teasers in a row
ARCHIVE_BATCH_SIZE = 50  # articles per SQLite transaction
WARC_ENABLED = True  # raw captures in <archive folder>/warc/
WARC_DIR = None  # default: warc/ beside ARCHIVE_PATH
WARC_MAX_BYTES = 1_000_000_000
LOG_DIR = None  # default: logs/ beside ARCHIVE_PATH; crawl.log there, rotated
LOG_ROTATE_BYTES = 10_000_000
LOG_ROTATE_KEEP = 10
HEALTH_MAX_MISSING_SHARE = 0.02  # more of a run's articles without date or body: unhealthy
RUN_REPORT = True  # print the one-screen report at the end of a crawl
PROGRESS_INTERVAL = 60.0  # seconds between progress lines in the log (articles so far, pages/s, queue); 0: none
# Bounds on what a hostile or broken site can make a crawl do (each hit is reported; 0 lifts
# the first three):
LISTING_MAX_PAGES = 2000  # pages of one listing's pagination (-a max_pages lowers it)
LISTING_MAX_STALE_PAGES = 5  # listing pages in a row without an article new to that listing
SITEMAP_MAX_DEPTH = 3  # sitemap indexes inside sitemap indexes
CRAWL_MAX_REQUESTS = 0  # requests per run; 0: 5,000 plus twice the archive's and the site's announced articles
ARCHIVE_WORKER = True  # extraction and SQLite writes in a second process (a second core); False: in the crawl process
# A worker of a shared scrapy-redis frontier (herts_scraper/distributed/): redis://HOST:PORT/DB, with
# `herts-scraper store --frontier` beside the archive; None: this machine crawls alone.
FRONTIER = None
FRONTIER_WORKER_TIMEOUT = 30.0  # seconds without a worker's heartbeat before the store re-queues its requests
