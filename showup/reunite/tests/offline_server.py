"""A real web server in its own process, for test_offline_browser.py to kill mid-submit.

    python offline_server.py PORT [--wait]

Serves the project (static files included, as runserver does) on 127.0.0.1:PORT with threads.
With SHOWUP_TEST_HOLD_PATH set, a POST to that path runs the view to the end (the report is
committed), writes SHOWUP_TEST_HOLD_MARK, and then holds its answer back for a minute, so that
the test can kill the process while the browser still waits: a server gone mid-request after
the commit, the case where only the idempotency key stops a retry from filing twice.
Prints "loaded" once Django is set up and warm, then "ready" once listening; with --wait it
listens only after a line on stdin (a stand-by process takes over at once when the first is
killed). Test-only: nothing in the project imports it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
import django

django.setup()

from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

app = StaticFilesHandler(WSGIHandler())
HOLD_PATH = os.environ.get("SHOWUP_TEST_HOLD_PATH", "")
HOLD_MARK = os.environ.get("SHOWUP_TEST_HOLD_MARK", "")


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if HOLD_PATH and environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == HOLD_PATH:
        answer: list[Any] = []
        result = app(environ, lambda status, headers, *a: answer.extend([status, headers]))
        body = b"".join(result)
        getattr(result, "close", lambda: None)()
        Path(HOLD_MARK).write_text(f"{answer[0] if answer else ''}\n{body[:500].decode()}")
        time.sleep(60)  # killed during this
        start_response(answer[0], answer[1])
        return [body]
    return app(environ, start_response)


class ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def warm_up() -> None:
    from django.test import Client

    client = Client()
    client.get("/field/session/")
    client.get("/manifest.webmanifest")


def main() -> None:
    port = int(sys.argv[1])
    warm_up()
    print("loaded", flush=True)
    if "--wait" in sys.argv:
        sys.stdin.readline()
    server = make_server(
        "127.0.0.1", port, application, server_class=ThreadedServer, handler_class=QuietHandler
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
