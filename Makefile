# Lantern: `make demo` runs the product on embedded defaults; `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install lint format bench clean messages

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Lantern needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) messages

# Pages: compile the translations (locale/*/LC_MESSAGES/django.po -> .mo; needs gettext's msgfmt).
messages: | $(PY)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --verbosity=0

demo: install
	$(PY) -m bin.demo

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) bin/complexity

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench

clean:
	rm -rf var/ .pytest_cache .ruff_cache
