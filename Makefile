# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARTICLES ?= 300

.PHONY: setup demo serve lint test test-fast bench facts-score clean

# Virtual environment with a current pip (the system pip 23 cannot resolve
# lxml's duplicate extras), the project, its test tools, Datasette (`herts-scraper serve`) and
# matplotlib (`herts-scraper plot`).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,serve,analysis]'
	# pywb, the replay tool the tests run as archivists do, in a venv of its own (it pins redis 2.10.6).
	$(PYTHON) -m venv $(VENV)/tools/pywb
	$(VENV)/tools/pywb/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/tools/pywb/bin/python -m pip install --quiet 'pywb>=2.9'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) -m herts_scraper demo --articles $(ARTICLES)

# The archive in Datasette: http://127.0.0.1:$(PORT)/ (after `make demo` or a crawl).
PORT ?= 8001
serve: setup
	$(PY) -m herts_scraper serve --port $(PORT)

# Lint and type-check (ruff and mypy, configured in pyproject.toml; pinned in the test extra).
lint: setup
	$(VENV)/bin/ruff check herts_scraper tests bench
	$(VENV)/bin/mypy herts_scraper

test: setup
	$(PY) -m pytest

# The edit-test loop: everything but the tests marked slow (real crawls, whole-corpus passes), in about a minute.
test-fast: setup
	$(PY) -m pytest -m "not slow"

# Benchmarks (not tests): ratios measured side by side in one run; writes bench/results.json.
bench: setup
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

# The police facts against the labelled sample (tests/data/facts-labels, ../shared/corpus): precision and
# recall per field; writes bench/facts-score.json. FIELD=places lists that field's errors.
facts-score: setup
	$(PY) bench/facts_score.py $(if $(FIELD),--show-errors $(FIELD))

clean:
	rm -rf archive/*.db archive/*.db-* archive/logs exports/*/ exports/*.jsonl exports/*.csv
