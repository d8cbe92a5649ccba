"""Project commands for Scrapy (COMMANDS_MODULE): `crawl` with meaningful exit codes."""
