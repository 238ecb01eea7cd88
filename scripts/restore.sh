#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database and private media directory
# that the current environment names (SHOWUP_DB, SHOWUP_SQLITE_PATH or PG*, SHOWUP_PRIVATE_MEDIA).
#
#   scripts/restore.sh BACKUP_DIR [--force]
#
# Stop the web processes, the worker and the scheduler first. The target must be empty: a
# SQLite file that does not exist yet, a PostgreSQL database with no tables (createdb it, owned
# by the migration role), an empty or missing media directory. --force moves an existing SQLite
# file or media directory aside (*.before-restore-<time>) and restores PostgreSQL with --clean.
# Checksums are verified first. Afterwards: `showup verify_audit --no-anchor` (the chain of the
# restored log), then `showup verify_audit --record` to start a new anchor; see docs/deployment.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${SHOWUP_PYTHON:-$ROOT/.venv/bin/python}
BACKUP=${1:?usage: scripts/restore.sh BACKUP_DIR [--force]}
FORCE=${2:-}
umask 077

(cd "$BACKUP" && sha256sum --quiet -c SHA256SUMS) || { echo "restore: checksums do not match; not restoring" >&2; exit 1; }
backup_engine=$(sed -n 's/^engine=//p' "$BACKUP/MANIFEST")
eval "$("$PY" "$ROOT/scripts/_backup_settings.py")"
if [ "$backup_engine" != "$ENGINE" ]; then
  echo "restore: the backup is of a $backup_engine database, this environment uses $ENGINE" >&2
  exit 1
fi
STAMP=$(date -u +%Y%m%d-%H%M%S)

if [ "$ENGINE" = sqlite ]; then
  if [ -e "$SQLITE_PATH" ]; then
    [ "$FORCE" = --force ] || { echo "restore: $SQLITE_PATH exists (use --force to move it aside)" >&2; exit 1; }
    for suffix in "" -wal -shm; do
      [ -e "$SQLITE_PATH$suffix" ] && mv "$SQLITE_PATH$suffix" "$SQLITE_PATH$suffix.before-restore-$STAMP"
    done
  fi
  mkdir -p "$(dirname "$SQLITE_PATH")"
  cp "$BACKUP/database.sqlite3" "$SQLITE_PATH.restoring"
  mv "$SQLITE_PATH.restoring" "$SQLITE_PATH"
else
  export PGHOST PGPORT PGUSER PGDATABASE
  tables=$(psql --no-password -XAtc "select count(*) from pg_tables where schemaname = 'public'" "$PGDATABASE")
  clean=()
  if [ "$tables" != 0 ]; then
    [ "$FORCE" = --force ] || { echo "restore: database $PGDATABASE is not empty ($tables tables; use --force)" >&2; exit 1; }
    clean=(--clean --if-exists)
  fi
  # --no-owner: the restoring (migration) role owns the objects; grants to the application
  # role are restored as dumped (SHOWUP_RESTORE_NO_ACL=1 skips them where that role is missing).
  acl=(); [ "${SHOWUP_RESTORE_NO_ACL:-}" = 1 ] && acl=(--no-acl)
  pg_restore --no-password --exit-on-error --no-owner "${acl[@]}" "${clean[@]}" \
    --dbname="$PGDATABASE" "$BACKUP/database.pgdump"
fi

if [ -d "$MEDIA_DIR" ] && [ -n "$(ls -A "$MEDIA_DIR")" ]; then
  [ "$FORCE" = --force ] || { echo "restore: $MEDIA_DIR is not empty (use --force to move it aside)" >&2; exit 1; }
  mv "$MEDIA_DIR" "$MEDIA_DIR.before-restore-$STAMP"
fi
mkdir -p "$MEDIA_DIR"
tar -C "$MEDIA_DIR" -xzf "$BACKUP/private-media.tar.gz"
echo "restored $BACKUP ($ENGINE) into ${SQLITE_PATH:-$PGDATABASE} and $MEDIA_DIR"
