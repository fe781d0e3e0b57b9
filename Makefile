# Linkage: `make run` serves the demo site, `make test` runs the suite. Both set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi.py
# The development server and commands say which configuration they use: wsgi.py has no default.
export LINKAGE_CONFIG ?= config.DevelopmentConfig

.PHONY: run test lint bench loadtest clean install translations messages db

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel compile -d translations

# Re-extract the messages after changing strings; the catalogue stays sorted and without line
# numbers, so that parallel changes merge. Then translate the new (empty) entries.
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy -k lazy_ngettext:1,2 -k _p:1c,2 -k lazy_pgettext:1c,2 --no-location \
		--sort-output -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --ignore-obsolete \
		--no-fuzzy-matching

db: install translations
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo

run: db
	$(BIN)/flask run --port $(PORT)

test: install translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Load benchmark on PostgreSQL (LOADTEST_PG, default the local server): builds its database
# once, then e.g. `make loadtest LOADTEST_ARGS="--data ten --users 10,50"`.
loadtest: install translations
	$(BIN)/pip install --quiet -e ".[dev,load]"
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find translations -name '*.mo' -delete
