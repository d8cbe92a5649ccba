"""The crawl past one machine: workers (`scrapy crawl news -s FRONTIER=redis://...`) share a
scrapy-redis frontier; one store process (`herts-scraper store`) beside the SQLite archive seeds
the run, hands the workers the archive's state and writes what they fetch.

`frontier.py` (the Redis keys, the FRONTIER URL, the acknowledgement of finished requests),
`scheduler.py` (scrapy-redis's scheduler with a processing list per worker), `worker.py` (the
worker's run extension), `store.py` (the store process)."""
