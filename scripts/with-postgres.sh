#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on 127.0.0.1 (started here, removed after).
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "Installing PostgreSQL server binaries..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
PORT=${SHOWUP_PG_PORT:-5433}
DATA=$(mktemp -d); SOCK=$(mktemp -d)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DATA" "$SOCK"; fi
chmod 700 "$DATA"
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DATA" "$SOCK"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w \
  -o "-k $SOCK -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
# Two roles, as in production (docs/operations.md, database roles): showup_owner owns the
# database and runs the migrations (and creates pytest's test database); showup_app is what the
# application connects as, with no UPDATE, DELETE, TRUNCATE or DDL right on the audit log
# (core migration 0006 grants it the rest). The command runs as the owner; run a server as the
# application with PGUSER=$SHOWUP_PG_APP_USER.
psql_su() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
psql_su -d postgres -c "CREATE ROLE showup_owner LOGIN CREATEDB" \
  -c "CREATE ROLE showup_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres -O showup_owner showup
psql_su -d showup -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" \
  -c "ALTER SCHEMA public OWNER TO showup_owner"
export SHOWUP_DB=postgres PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=showup_owner PGDATABASE=showup
export SHOWUP_PG_OWNER_USER=showup_owner SHOWUP_PG_APP_USER=showup_app SHOWUP_PG_SUPERUSER=postgres
"$@"
