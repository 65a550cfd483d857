# Reelboard: the two set-up commands are `make run` and `make test`.
# Without DATABASE_URL / REDIS_URL everything runs embedded (SQLite, eager tasks).

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run serve demo test lint messages docs web worker beat bench fuzz load faults screenshots clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

install: $(VENV)/.installed

# Migrate, seed the demo world, train the initial models, print the demo credentials.
demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo
	$(MANAGE) seed_ad_platforms
	$(MANAGE) bootstrap_demo

serve: install
	$(MANAGE) runserver $(HOST):$(PORT)

run: demo serve

test: install
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing the run"; fi; exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Translation catalogues (docs/operator/i18n.md): extract every wrapped string into locale/*/django.po (needs
# GNU gettext: apt-get install gettext), compile the .mo with polib, list what is still untranslated.
messages: install
	$(MANAGE) catalogues refresh

# The docs site (docs/, mkdocs.yml) while you edit it; `make test` builds it with --strict.
docs: install
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

# Production-shape processes (docker-compose.yml runs exactly these). gunicorn's settings (gthread workers,
# WEB_CONCURRENCY processes x WEB_THREADS threads, one shared accept queue) live in marketing/gunicorn_config.py.
web: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput
	$(BIN)/gunicorn -c python:marketing.gunicorn_config marketing.wsgi:application --bind 0.0.0.0:$(PORT) --access-logfile -

# WORKER_QUEUES: the queues this worker consumes (comma-separated; default all four, as one worker in
# development); WORKER_NAME names the node (`celery inspect ping -d NAME@host`). docker-compose.yml runs one
# worker per queue (docs/operator/celery.md).
WORKER_QUEUES ?= celery,rollups,training,reports
WORKER_NAME ?= celery
WORKER_CONCURRENCY ?= 2
worker: install
	$(BIN)/celery -A marketing worker --loglevel=INFO --concurrency=$(WORKER_CONCURRENCY) \
	  --queues=$(WORKER_QUEUES) --hostname=$(WORKER_NAME)@%h

beat: install
	$(BIN)/celery -A marketing beat --loglevel=INFO

bench: install
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# Reliability suites against a private production-shape stack (docs/architecture/reliability.md).
fuzz: install
	$(BIN)/python benchmarks/fuzz_graphql.py

load: install
	$(BIN)/python benchmarks/load_graphql.py

faults: install
	$(BIN)/python benchmarks/faults.py

# The README's two pictures: the browser tests save a screenshot per scenario (browser-screenshots/, git-ignored).
screenshots: install
	$(BIN)/pytest tests/workspace/test_browser.py -q
	cp browser-screenshots/overview-en.png browser-screenshots/campaign-zh.png docs/img/

clean:
	rm -rf $(VENV) $(TOOLS) reelboard.sqlite3 media staticfiles site
