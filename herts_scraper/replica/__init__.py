"""The replica: a generated, deterministic copy of the force's news site, served on loopback.

blocks (body model and its Markdown/HTML renderings), vocabulary and generator
(the project's own articles), pages (HTML/RSS/sitemap renderers), site (request
handling: edits, removals, fault mode), faults and stats (fault plans and
request counters) and server (HTTP and the `herts-scraper replica` command).
"""

from herts_scraper.replica.faults import FaultPlan
from herts_scraper.replica.generator import ArticleStub, ReplicaArticle, article_stub, generate_article, stubs
from herts_scraper.replica.server import ReplicaServer
from herts_scraper.replica.site import ReplicaSite

__all__ = ["ArticleStub", "FaultPlan", "ReplicaArticle", "ReplicaServer", "ReplicaSite", "article_stub",
           "generate_article", "stubs"]
