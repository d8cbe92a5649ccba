"""For tools that still run setup.py, such as scrapyd-deploy (it builds the egg scrapyd runs with
`setup.py bdist_egg`, and writes a setup.py of its own where there is none). Everything about
the package is in pyproject.toml, including the `scrapy` entry point that names its settings."""

from setuptools import setup

setup()
