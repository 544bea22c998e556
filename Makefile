# The two commands: `make run` (embedded default: SQLite, eager Celery, e-mails in var/mail/)
# and `make test` (the whole suite, against PostgreSQL and Redis on 127.0.0.1).

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_EPCI ?= 200069391
# Links in e-mails point where the portal is served (override for another host name).
SITE_URL ?= http://$(HOST):$(PORT)

# The first Python >= 3.12 on the PATH (Django 6.1 needs it).
PYTHON := $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: run test fuzz lint bench serve messages clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is required (Django 6.1); install python3.12 and retry." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --epci $(DEMO_EPCI)
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# The fuzzing tests with many more examples than `make test` draws (hypothesis profile "fuzz").
fuzz: $(VENV)/.installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/fuzz tests/api/test_schemathesis.py $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed
	$(PY) bench/run.py

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l en -l fr --no-obsolete --no-wrap --ignore=.venv --ignore=tests \
		--ignore=var --ignore=bench --ignore=scripts --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles
