"""The Scrapy side: the news spider (only discovers and downloads), the run's
bookkeeping extension, the pipeline handing items to the archive writer, and the
downloader middlewares (the site boundary, Retry-After, WARC capture)."""
