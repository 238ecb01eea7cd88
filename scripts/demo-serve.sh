#!/usr/bin/env bash
# Serve the demo with every background process the product needs, in one command (make demo):
# the task worker (notifications, story media redaction), the scheduler (reminders,
# retention, offers that expire, the audit chain check) and the match worker (it holds the
# matching index and writes the candidates: the web server holds none), then the web server
# in the foreground. Ctrl-C stops all four.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export SHOWUP_TASKS_BACKEND=django_tasks_db.DatabaseBackend
mkdir -p var/log
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM
$PY manage.py db_worker >var/log/demo-worker.log 2>&1 &
pids+=($!)
$PY manage.py run_scheduler >var/log/demo-scheduler.log 2>&1 &
pids+=($!)
$PY manage.py match_worker --name demo >var/log/demo-match.log 2>&1 &
pids+=($!)
echo "task worker, scheduler and match worker started (logs in var/log/)"
echo "showup demo at http://127.0.0.1:8000/ (Ctrl-C to stop)"
$PY manage.py runserver --insecure --noreload 127.0.0.1:8000
