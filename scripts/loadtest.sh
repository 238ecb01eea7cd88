#!/usr/bin/env bash
# `make loadtest`: showup under load on loopback, against a throwaway PostgreSQL cluster.
#
# Starts its own PostgreSQL cluster (like scripts/with-postgres.sh, but on a free port and
# with the server's default durability: fsync and synchronous commit on), then hands over to
# bench/loadtest/run.py, which seeds the database, starts gunicorn and the task worker, runs
# locust (100 users for 60 s by default), checks that every accepted report is in the
# database exactly once and writes the "Load test" section of docs/benchmarks.md.
#
#   scripts/loadtest.sh                      # the full run (about 2-3 minutes)
#   scripts/loadtest.sh --users 10 --time 10s --no-doc   # a smoke run, docs untouched
#
# Not part of `make test` or CI: it takes minutes and the whole machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "Installing PostgreSQL server binaries..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=${SHOWUP_PG_PORT:-$(free_port)}
DATA=$(mktemp -d); SOCK=$(mktemp -d)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DATA" "$SOCK"; fi
chmod 700 "$DATA"
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DATA" "$SOCK"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w \
  -o "-k $SOCK -p $PORT -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
# The two roles of a production database (docs/operations.md): showup_owner runs the
# migrations, showup_app is what the web processes and the worker connect as (no UPDATE,
# DELETE or TRUNCATE on the audit log), as scripts/with-postgres.sh sets them up.
psql_su() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
psql_su -d postgres -c "CREATE ROLE showup_owner LOGIN CREATEDB" \
  -c "CREATE ROLE showup_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres -O showup_owner showup
psql_su -d showup -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" \
  -c "ALTER SCHEMA public OWNER TO showup_owner"
export SHOWUP_DB=postgres PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=showup_owner PGDATABASE=showup
export LOADTEST_PG_APP_USER=showup_app
export LOADTEST_PG_DATA=$DATA LOADTEST_PGBIN=$PGBIN LOADTEST_PG_VERSION
LOADTEST_PG_VERSION=$("$PGBIN/postgres" --version)
.venv/bin/python bench/loadtest/run.py "$@"
