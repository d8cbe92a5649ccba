"""Scrapy spiders of herts-scraper."""
