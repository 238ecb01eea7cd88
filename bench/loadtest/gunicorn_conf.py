"""gunicorn settings for the load test: the CPU each request used, per endpoint.

Wall-clock latencies on a shared machine mostly measure the queue for a CPU; the CPU time a
worker spent on a request does not. Each worker appends "unix_time method name cpu_ms wall_ms"
for every request to LOADTEST_CPU_LOG.<pid> (bench/loadtest/report.py sums them per endpoint,
under the names locust uses). Only the load test loads this file (`gunicorn -c`).
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

_LOG = os.environ.get("LOADTEST_CPU_LOG", "")
_NAMES = [
    (re.compile(r"^/status/[^/]+/$"), "/status/[token]/"),
    (re.compile(r"^/staff/reports/\d+/$"), "/staff/reports/[id]/"),
]
_files: dict[int, Any] = {}


def _name(path: str) -> str:
    for pattern, name in _NAMES:
        if pattern.match(path):
            return name
    return path


def pre_request(worker: Any, req: Any) -> None:
    req._loadtest_start = (time.thread_time(), time.perf_counter())


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    start = getattr(req, "_loadtest_start", None)
    if not _LOG or start is None:
        return
    cpu = (time.thread_time() - start[0]) * 1000
    wall = (time.perf_counter() - start[1]) * 1000
    pid = os.getpid()
    out = _files.get(pid)
    if out is None:
        out = _files[pid] = open(f"{_LOG}.{pid}", "a", encoding="utf-8")  # noqa: SIM115
    out.write(f"{time.time():.3f} {req.method} {_name(req.path)} {cpu:.2f} {wall:.2f}\n")
    out.flush()
