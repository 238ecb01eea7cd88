"""The production configuration, run for real: gunicorn with deploy/gunicorn.conf.py and
showup.settings (SHOWUP_HTTPS=1, a real secret key, DEBUG off) on a loopback port, asked what a
reverse proxy would pass it (X-Forwarded-Proto)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "smoke-test-password-9f3k"
HTTPS = {"X-Forwarded-Proto": "https"}

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", verbosity=0, interactive=False)
from showup.core.models import Agency, Role, User
agency = Agency.objects.create(name="Smoke Sheriff", slug="smoke")
User.objects.create_user("smoke-officer", password="{PASSWORD}", role=Role.OFFICER, agency=agency)
"""


@dataclass
class Server:
    url: str
    var: Path
    log: Path

    def get(self, path: str, **kw: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=20, **kw)  # type: ignore[arg-type]

    def post(self, path: str, **kw: object) -> httpx.Response:
        return httpx.post(self.url + path, timeout=20, **kw)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Prepared:
    env: dict[str, str]
    tmp: Path


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """A migrated database, collected static files and one officer, with production settings."""
    tmp = tmp_path_factory.mktemp("deploy-smoke")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOWUP_", "PG", "DJANGO_", "GUNICORN_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "showup.settings",
            "SHOWUP_SECRET_KEY": "smoke-" + "k" * 50,
            "SHOWUP_HTTPS": "1",
            "SHOWUP_ALLOWED_HOSTS": "127.0.0.1",
            "SHOWUP_VAR_DIR": str(tmp / "var"),
            "SHOWUP_PRIVATE_MEDIA": str(tmp / "private"),
            "SHOWUP_SMS_BACKEND": "locmem",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": "-",
        }
    )
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=300)
    return Prepared(env, tmp)


@contextmanager
def gunicorn(prepared: Prepared, name: str, **extra: str) -> Iterator[Server]:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port, until the block ends."""
    port = free_port()
    env = {
        **prepared.env,
        "SHOWUP_SITE_URL": f"https://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        **extra,
    }
    log = prepared.tmp / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "showup.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2, headers=HTTPS)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.3)
        yield Server(f"http://127.0.0.1:{port}", prepared.tmp / "var", log)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(prepared: Prepared) -> Iterator[Server]:
    with gunicorn(prepared, "gunicorn") as running:
        yield running


def test_preload_serves_from_each_worker_and_builds_no_matching_index(prepared: Prepared) -> None:
    """--preload imports showup in the master, then forks: every worker serves, and no web
    process builds a matching index (match workers do: reunite/matching_service.py)."""
    with gunicorn(prepared, "preload", GUNICORN_PRELOAD="1", SHOWUP_LOG_LEVEL="INFO") as running:
        # More requests than workers, each with its own connection: both workers answer.
        for _ in range(6):
            assert running.get("/", headers=HTTPS).status_code == 200
        login(running)  # sessions and the database, in a forked worker
        text = running.log.read_text()
    assert text.count("Booting worker") == 2, text
    assert "matching index" not in text.lower(), text


def cookies_of(response: httpx.Response) -> dict[str, SimpleCookie]:
    jar: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            jar[name] = cookie
    return jar


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_the_home_page_carries_csp_and_hsts(server: Server) -> None:
    response = server.get("/", headers=HTTPS)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


def test_plain_http_is_redirected_to_https(server: Server) -> None:
    response = server.get("/missing/?x=1")
    assert response.status_code == 301
    port = server.url.rsplit(":", 1)[1]
    assert response.headers["location"] == f"https://127.0.0.1:{port}/missing/?x=1"


def test_debug_is_off(server: Server) -> None:
    response = server.get("/no-such-page/", headers=HTTPS)
    assert response.status_code == 404
    assert "Traceback" not in response.text and "URLconf" not in response.text


def test_static_files_are_collected_for_the_proxy_and_not_served_by_django(
    server: Server,
) -> None:
    collected = server.var / "staticfiles"
    for asset in ("css/showup.css", "js/behaviours.js", "vendor/htmx.min.js"):
        assert (collected / asset).is_file(), asset
    assert any(collected.glob("ninja/swagger-ui-bundle.js"))
    # With DEBUG off Django serves no static file: the proxy does (deploy/nginx.conf).
    assert server.get("/static/css/showup.css", headers=HTTPS).status_code == 404
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "alias /srv/showup/var/staticfiles/;" in nginx
    # ... and the proxy never serves the private media directory.
    assert not re.search(r"^\s*(alias|root)\s+/srv/showup/private", nginx, re.M)


def login(server: Server) -> dict[str, str]:
    page = server.get("/accounts/login/", headers=HTTPS)
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    jar = cookies_of(page)
    csrf = jar["csrftoken"]["csrftoken"]
    assert csrf["secure"] is True
    user_field = "login" if 'name="login"' in page.text else "username"
    answer = server.post(
        "/accounts/login/",
        headers={**HTTPS, "Referer": server.url.replace("http:", "https:") + "/accounts/login/"},
        cookies={"csrftoken": csrf.value},
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            user_field: "smoke-officer",
            "password": PASSWORD,
        },
    )
    assert answer.status_code == 302, answer.text[:500]
    assert "/accounts/login/" not in answer.headers["location"]
    session = cookies_of(answer)["sessionid"]["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    return {"sessionid": session.value, "csrftoken": csrf.value}


def test_the_login_page_works_with_secure_cookies(server: Server) -> None:
    cookies = login(server)
    home = server.get("/staff/found/new/", headers=HTTPS, cookies=cookies)
    assert home.status_code == 200
    assert "no-store" in home.headers["cache-control"]


def test_a_found_report_cannot_be_posted_without_csrf(server: Server) -> None:
    cookies = login(server)
    origin = server.url.replace("http:", "https:")
    data = {"situation": "lost", "given_name": "Mateo", "age_min": "3", "age_max": "5"}
    without = server.post(
        "/staff/found/new/",
        headers={**HTTPS, "Referer": origin + "/staff/found/new/"},
        cookies={"sessionid": cookies["sessionid"]},
        data=data,
    )
    assert without.status_code == 403
    cross_site = server.post(
        "/staff/found/new/",
        headers={**HTTPS, "Origin": "https://evil.example", "Referer": "https://evil.example/"},
        cookies=cookies,
        data={**data, "csrfmiddlewaretoken": cookies["csrftoken"]},
    )
    assert cross_site.status_code == 403
    api = server.post(
        "/api/reunite/reports",
        headers={**HTTPS, "Referer": origin + "/"},
        cookies={"sessionid": cookies["sessionid"]},
        json={"kind": "found"},
    )
    assert api.status_code == 403
