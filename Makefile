# showup: `make demo` sets everything up and serves http://127.0.0.1:8000/; `make test` runs the suite.
SHELL := /bin/bash
PY := .venv/bin/python
export PYENV_VERSION := 3.12
# make's targets are development: a built-in secret key is allowed (production sets
# SHOWUP_SECRET_KEY and never SHOWUP_DEV; see docs/deployment.md).
export SHOWUP_DEV ?= 1

.PHONY: demo test test-postgres lint bench bench-heldout loadtest venv browser db serve clean messages

venv: .venv/.synced
.venv/.synced: pyproject.toml uv.lock
	@scripts/bootstrap.sh
	@touch $@

db: venv
	$(PY) manage.py migrate --noinput

# The demo has its own database file, made anew each time (the audit log is append-only, so
# demo data is never deleted row by row).
DEMO_ENV := SHOWUP_DEMO=1 SHOWUP_SQLITE_PATH=var/demo.sqlite3 SHOWUP_AUDIT_ANCHOR=var/demo-audit-anchor.json
demo: venv
	@mkdir -p var && rm -f var/demo.sqlite3 var/demo.sqlite3-wal var/demo.sqlite3-shm var/demo-audit-anchor.json
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py seed_visits_demo
	$(DEMO_ENV) $(PY) manage.py seed_events_demo
	$(DEMO_ENV) $(PY) manage.py seed_followups_demo
	$(DEMO_ENV) $(PY) manage.py seed_stories_demo
	$(DEMO_ENV) scripts/demo-serve.sh

browser:
	@scripts/ensure-chromium.sh
	@scripts/ensure-fonts.sh

test: venv browser
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: venv browser
	scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy matching showup redaction

# About an hour on 2 cores (1M open reports, the 500k city batch, Splink beside both);
# BENCH_ARGS=--quick for a smoke run of a few minutes.
bench: venv
	@scripts/bootstrap.sh --group bench -q
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/redaction.py

# The held-out seeds (bench/heldout_seeds.py): ONCE, at the end of a piece of work, after the
# seeds were committed unrun. Writes "Held-out figures (final)" in docs/benchmarks.md.
bench-heldout: venv
	@scripts/bootstrap.sh --group bench -q
	$(PY) bench/heldout.py --final

# showup under load (locust, gunicorn, the task worker, a throwaway PostgreSQL): a few minutes,
# writes the "Load test" section of docs/benchmarks.md. Not part of `test` or CI.
loadtest: venv
	@scripts/bootstrap.sh --group load -q
	scripts/loadtest.sh $(LOADTEST_ARGS)

messages: venv
	$(PY) manage.py makemessages -l es --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .venv
