"""The analyst's commands over the archive: `herts-scraper search`, `stats` and `plot`
(docs/analysis.md).

They read each article's latest facts from the tables the archive keeps for that
(archive/schema.py: article_facets, one row per article with its kinds, offences and places as
JSON arrays; latest_facts, one row per fact), never from the extractor: what an analyst counts
is what the archive holds.

- selection.py: which articles a command covers (--force, --kind, --offence, --place,
  --since, --until), checked against the archive, as SQL on article rowids;
- search.py: full-text search ranked by relevance, with snippets;
- stats.py: counts of articles by month, force, kind, offence or place;
- charts.py: the figures `plot` draws (matplotlib), and the same figures as text;
- output.py: rows as a table, CSV or JSON;
- commands.py: their options and output on the command line (cli.py's parser calls it);
- geo.py: distances between places (Datasette's "appeals near a place").
"""
