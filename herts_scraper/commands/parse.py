"""`scrapy parse`: Scrapy's, leaving the archive alone (see commands/__init__.py)."""

from scrapy.commands.parse import Command as ScrapyCommand

from herts_scraper.commands import WithoutArchive


class Command(WithoutArchive, ScrapyCommand):
    pass
