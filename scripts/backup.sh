#!/usr/bin/env bash
# Back up showup: the database and the private media directory (children's photos).
#
#   scripts/backup.sh [DEST]        (DEST defaults to var/backups)
#
# Writes DEST/showup-YYYYMMDD-HHMMSS/ with
#   database.sqlite3   SQLite: a consistent copy made with VACUUM INTO while the site runs
#   database.pgdump    PostgreSQL: pg_dump --format=custom (restore with pg_restore)
#   private-media.tar.gz   the private media directory (SHOWUP_PRIVATE_MEDIA)
#   MANIFEST, SHA256SUMS   what was backed up, and checksums restore.sh verifies
# Run it with the site's own environment (the same SHOWUP_* and PG* variables as the web
# processes, e.g. `systemd-run --property=EnvironmentFile=/etc/showup/showup.env ...`), as a
# user that may read the database and the media directory. The backup holds children's
# details: keep it encrypted and access-controlled, and purge old ones (see docs/deployment.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${SHOWUP_PYTHON:-$ROOT/.venv/bin/python}
DEST=${1:-$ROOT/var/backups}
umask 077

eval "$("$PY" "$ROOT/scripts/_backup_settings.py")"
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT="$DEST/showup-$STAMP"
mkdir -p "$OUT.partial"
trap 'rm -rf "$OUT.partial"' EXIT

if [ "$ENGINE" = sqlite ]; then
  [ -f "$SQLITE_PATH" ] || { echo "backup: no SQLite database at $SQLITE_PATH" >&2; exit 1; }
  # VACUUM INTO reads one snapshot (WAL: writers go on) and writes a compact, self-contained copy.
  "$PY" - "$SQLITE_PATH" "$OUT.partial/database.sqlite3" <<'PYEOF'
import sqlite3, sys
source = sqlite3.connect(sys.argv[1], timeout=60)
source.execute("VACUUM INTO ?", (sys.argv[2],))
source.close()
check = sqlite3.connect(sys.argv[2])
result = check.execute("PRAGMA integrity_check").fetchone()[0]
if result != "ok":
    sys.exit(f"backup: the copy fails its integrity check: {result}")
PYEOF
  DBFILE=database.sqlite3
else
  export PGHOST PGPORT PGUSER PGDATABASE
  pg_dump --format=custom --no-password --file="$OUT.partial/database.pgdump" "$PGDATABASE"
  DBFILE=database.pgdump
fi

if [ -d "$MEDIA_DIR" ]; then
  tar -C "$MEDIA_DIR" -czf "$OUT.partial/private-media.tar.gz" .
else
  tar -czf "$OUT.partial/private-media.tar.gz" --files-from /dev/null
fi

{
  echo "engine=$ENGINE"
  echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "database=$DBFILE"
  echo "media=private-media.tar.gz"
  echo "media_files=$(find "$MEDIA_DIR" -type f 2>/dev/null | wc -l)"
} >"$OUT.partial/MANIFEST"
(cd "$OUT.partial" && sha256sum "$DBFILE" private-media.tar.gz MANIFEST >SHA256SUMS)
mv "$OUT.partial" "$OUT"
trap - EXIT
echo "$OUT"
