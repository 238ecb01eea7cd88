#!/usr/bin/env bash
# Security checks for CI (.ci/run calls this): Django's deployment checks with production
# settings, bandit on the code, pip-audit on the locked dependencies.
#
# pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about each locked package and
# keeps its answers in var/pip-audit-cache. Where that service cannot be reached it says so plainly
# ("pip-audit could not check: ...") and does not fail; a vulnerability found always fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== manage.py check --deploy (production settings: SHOWUP_HTTPS=1, a real secret key, DEBUG off)"
env -u SHOWUP_DEV -u SHOWUP_DEBUG -u SHOWUP_DEMO -u DJANGO_ALLOW_ASYNC_UNSAFE \
  DJANGO_SETTINGS_MODULE=showup.settings \
  SHOWUP_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  SHOWUP_HTTPS=1 \
  SHOWUP_ALLOWED_HOSTS=showup.example.org \
  SHOWUP_SITE_URL=https://showup.example.org \
  SHOWUP_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
  "$PY" manage.py check --deploy --fail-level WARNING

echo "== bandit (medium and high severity; tests excluded: they are never deployed and tamper with the database on purpose)"
.venv/bin/bandit -q -r showup matching redaction -ll -x '*/tests/*,*/e2e/*'

echo "== pip-audit (the locked requirements)"
uv export --frozen --format requirements-txt --all-groups --no-emit-project -q -o "$WORK/requirements.txt"
mkdir -p var/pip-audit-cache
audit() {  # $1: the vulnerability service
  set +e
  .venv/bin/pip-audit -r "$WORK/requirements.txt" --disable-pip --no-deps --progress-spinner off \
    --timeout 20 --cache-dir var/pip-audit-cache -s "$1" -f json -o "$WORK/audit-$1.json" \
    >"$WORK/audit-$1.log" 2>&1
  echo $? >"$WORK/audit-$1.rc"
  set -e
}
# Reads one service's answer: prints a summary; exit 0 clean, 1 vulnerable, 2 could not check.
verdict() {
  "$PY" - "$WORK/audit-$1.json" "$WORK/audit-$1.log" "$1" <<'PYEOF'
import json, sys
from pathlib import Path
out, log, service = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if not out.exists() or not out.read_text().strip():
    lines = [l for l in log.read_text().splitlines() if l.strip()]
    print(f"{service}: no answer ({lines[-1] if lines else 'pip-audit failed'})")
    sys.exit(2)
deps = json.loads(out.read_text())["dependencies"]
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if d.get("skip_reason")]
for d in vulnerable:
    for v in d["vulns"]:
        fixes = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
        print(f"VULNERABLE {d['name']} {d.get('version', '')}: {v['id']} (fixed in {fixes})")
if vulnerable:
    sys.exit(1)
if len(skipped) == len(deps):
    print(f"{service}: answered for none of the {len(deps)} packages ({skipped[0]['skip_reason'] if skipped else 'empty'})")
    sys.exit(2)
print(f"{service}: {len(deps) - len(skipped)} of {len(deps)} packages checked, no known vulnerabilities")
for d in skipped:
    print(f"  not checked: {d['name']}: {d['skip_reason']}")
sys.exit(0)
PYEOF
}
reasons=""
for service in pypi osv; do
  audit "$service"
  set +e; summary=$(verdict "$service"); status=$?; set -e
  echo "$summary"
  case $status in
    0) exit 0 ;;
    1) echo "pip-audit found vulnerabilities (above): update the lock file."; exit 1 ;;
    *) reasons="$reasons${reasons:+; }$summary" ;;
  esac
done
echo "pip-audit could not check: $reasons"
