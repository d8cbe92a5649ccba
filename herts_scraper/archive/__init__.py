"""The archive: the SQLite store and its declared schema and migrations, the
archive writer, the lock, health checks, run status and report, reparse and
exports. Nothing here imports Scrapy."""
