"""gunicorn settings for showup (gunicorn -c deploy/gunicorn.conf.py showup.wsgi).

Every value can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, ...), so
the same file serves one machine and many. The reverse proxy in front terminates TLS, serves
/static/ itself and sets X-Forwarded-Proto; gunicorn listens on loopback only.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Several processes: a slow request (a photo upload on one bar of signal) never blocks others.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, staggered, so a leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Off by default; GUNICORN_PRELOAD=1 imports showup once in the master (faster restarts, shared
# memory) and is safe: a web process starts no thread and holds no matching index
# (showup/tests/test_deploy_smoke.py runs both).
preload_app = os.environ.get("GUNICORN_PRELOAD", "0") == "1"
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only the local proxy may say the request came over HTTPS (Django's SECURE_PROXY_SSL_HEADER
# reads the same header; see SHOWUP_TRUST_X_FORWARDED_PROTO).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Headers are bounded; the proxy limits bodies (client_max_body_size), Django limits uploads.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# No query strings in the access log. A guardian's status token is part of its page's path
# (/status/<token>/): keep the logs as private as the database.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "showup"
# No runtime control socket ($HOME/.gunicorn/gunicorn.ctl): systemd manages the processes, and
# the home directory is read-only under the unit's sandbox.
control_socket_disable = True

# Web workers hold no matching index (`showup match_worker` matches), so nothing warms up
# after the fork.
