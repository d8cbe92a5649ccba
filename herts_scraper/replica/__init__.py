"""The replica: a generated, deterministic copy of the force's news site, served on loopback.

blocks (body model and its Markdown/HTML renderings), vocabulary and generator
(the project's own articles), pages (HTML/RSS/sitemap renderers), site (request
handling) and server (HTTP and the `herts-scraper replica` command).
"""

from .generator import ArticleStub, ReplicaArticle, article_stub, generate_article, stubs
from .server import ReplicaServer

__all__ = ["ArticleStub", "ReplicaArticle", "ReplicaServer", "article_stub", "generate_article", "stubs"]
