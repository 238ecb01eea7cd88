"""Production hardening: settings from the environment, the Content-Security-Policy, Swagger UI
served locally, no-store on every answer that may carry a child's details, no inline code in any
template, references nobody can guess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory

from showup.core.middleware import NO_STORE, may_be_cached
from showup.settings import _tiles_origin

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-test-secret-key-" + "x" * 40
DEV_VARIABLES = ("SHOWUP_DEV", "SHOWUP_DEBUG", "SHOWUP_DEMO", "SHOWUP_SECRET_KEY", "SHOWUP_HTTPS")


def production_env(**extra: str) -> dict[str, str]:
    # The test process's own DJANGO_* variables (DJANGO_ALLOW_ASYNC_UNSAFE) are not production's.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DEV_VARIABLES and not k.startswith("DJANGO_")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "showup.settings",
            "SHOWUP_ALLOWED_HOSTS": "showup.example.org",
            "SHOWUP_SITE_URL": "https://showup.example.org",
        }
    )
    env.update(extra)
    return env


def settings_in(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


# ---- settings from the environment -------------------------------------------------------


def test_it_refuses_to_start_without_a_secret_key_in_production() -> None:
    result = settings_in(production_env(), "SECRET_KEY")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SHOWUP_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("switch", ["SHOWUP_DEV", "SHOWUP_DEMO", "SHOWUP_DEBUG"])
def test_it_allows_the_built_in_key_only_in_development(switch: str) -> None:
    result = settings_in(production_env(**{switch: "1"}), "SECRET_KEY")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SECRET_KEY"].startswith("dev-only-")


def test_it_uses_the_secret_key_from_the_environment() -> None:
    result = settings_in(production_env(SHOWUP_SECRET_KEY=SECRET), "SECRET_KEY", "DEBUG")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"SECRET_KEY": SECRET, "DEBUG": False}


def test_the_https_switch_turns_on_every_secure_default() -> None:
    names = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
    )
    plain = settings_in(production_env(SHOWUP_SECRET_KEY=SECRET, SHOWUP_HTTPS="0"), *names)
    https = settings_in(production_env(SHOWUP_SECRET_KEY=SECRET, SHOWUP_HTTPS="1"), *names)
    assert plain.returncode == 0 and https.returncode == 0, plain.stderr + https.stderr
    off, on = json.loads(plain.stdout), json.loads(https.stdout)
    assert off["SECURE_SSL_REDIRECT"] is False and off["SECURE_HSTS_SECONDS"] == 0
    assert off["SESSION_COOKIE_SECURE"] is False and off["SECURE_PROXY_SSL_HEADER"] is None
    assert on == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://showup.example.org"],
    }
    # Each default can still be changed on its own.
    tuned = settings_in(
        production_env(
            SHOWUP_SECRET_KEY=SECRET,
            SHOWUP_HTTPS="1",
            SHOWUP_HSTS_SECONDS="600",
            SHOWUP_TRUST_X_FORWARDED_PROTO="0",
            SHOWUP_CSRF_TRUSTED_ORIGINS="https://a.example,https://b.example",
        ),
        *names,
    )
    assert tuned.returncode == 0, tuned.stderr
    values = json.loads(tuned.stdout)
    assert values["SECURE_HSTS_SECONDS"] == 600 and values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://a.example", "https://b.example"]


# Each silenced check with the reason written beside it in settings.py; a new one must be added
# here on purpose.
DOCUMENTED_SILENCED_CHECKS = {
    "axes.W006",  # accounts: the per-address limit is allauth's ACCOUNT_RATE_LIMITS
}


def test_check_deploy_is_clean_with_production_settings(settings: Any) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(
            SHOWUP_SECRET_KEY=SECRET,
            SHOWUP_HTTPS="1",
            SHOWUP_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert set(settings.SILENCED_SYSTEM_CHECKS) <= DOCUMENTED_SILENCED_CHECKS


# ---- Content-Security-Policy -------------------------------------------------------------


def csp(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_every_page_carries_a_policy_without_inline_code(client: Any, db: Any) -> None:
    policy = csp(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    # Only WebAssembly compilation (the door's QR decoder), never eval() of JavaScript.
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    unsafe = [v for values in policy.values() for v in values if "unsafe" in v]
    assert unsafe == ["'wasm-unsafe-eval'"]
    assert policy["img-src"][:3] == ["'self'", "data:", "blob:"]


def test_img_src_allows_the_map_tile_host_and_nothing_else() -> None:
    assert _tiles_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert _tiles_origin("https://{s}.tiles.example.net:8443/{z}/{x}/{y}.png") == (
        "https://*.tiles.example.net:8443"
    )
    assert _tiles_origin("") == ""
    assert _tiles_origin("/tiles/{z}/{x}/{y}.png") == ""  # our own origin: 'self' covers it


def test_it_refuses_framing_and_cross_site_forms(client: Any, db: Any) -> None:
    response = client.get("/missing/")
    assert response["X-Frame-Options"] == "DENY"
    assert csp(response)["frame-ancestors"] == ["'none'"]


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>"), "inline script"),
    (re.compile(r"<style\b"), "inline <style>"),
    (re.compile(r"\sstyle=[\"']"), "style attribute"),
    (re.compile(r"\son[a-z]+=[\"']"), "event handler attribute"),
    (re.compile(r"hx-on[:-]"), "hx-on (needs eval)"),
    (re.compile(r"(hx-vals|hx-vars|hx-headers)=[\"']\s*(js|javascript):"), "hx-vals js: (eval)"),
    (re.compile(r"javascript:"), "javascript: URL"),
]


def template_files() -> list[Path]:
    roots = [ROOT / "templates", *ROOT.glob("showup/*/templates")]
    return sorted(p for root in roots for p in root.rglob("*.html"))


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    files = template_files()
    assert len(files) > 20  # the scan found the templates
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in files
        for pattern, what in INLINE_CODE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_every_page_asset_is_local() -> None:
    external = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"'](https?:)?//", re.I)
    found = [
        str(path.relative_to(ROOT))
        for path in template_files()
        if external.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# ---- /api/docs: Swagger UI from our own static files --------------------------------------


def test_api_docs_load_swagger_ui_from_showup_itself(client: Any, db: Any) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(a.startswith("/static/") for a in assets), assets
    assert "cdn." not in html and "https://" not in html and "http://" not in html
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


# ---- Cache-Control: no-store -------------------------------------------------------------


@pytest.fixture
def filed(agency: Any, officer: Any, report_data: Any) -> Any:
    from PIL import Image

    from showup.reunite import services

    return services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing"),
        filed_by=None,
        photo=Image.new("RGB", (32, 32), (10, 120, 200)),
    )


def assert_no_store(response: Any) -> None:
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")
    assert "private" in response["Cache-Control"]


def test_staff_pages_with_a_child_carry_no_store(login: Any, officer: Any, filed: Any) -> None:
    client = login(officer)
    assert_no_store(client.get("/staff/board/"))
    assert_no_store(client.get(f"/staff/reports/{filed.pk}/"))
    assert_no_store(client.get(f"/staff/reports/{filed.pk}/photo/"))
    assert_no_store(client.get(f"/staff/reports/{filed.pk}/photo/?size=thumb"))
    assert_no_store(client.get(f"/api/reunite/reports/{filed.pk}"))
    # Even the home page, once logged in: the navigation may show who is working.
    assert "no-store" in client.get("/", follow=True)["Cache-Control"]


def test_the_guardians_status_page_and_form_answers_carry_no_store(client: Any, filed: Any) -> None:
    assert_no_store(client.get(f"/status/{filed.status_token}/"))
    # A refused form comes back with what the guardian typed.
    answer = client.post("/missing/", {"given_name": "Mateo"})
    assert answer.status_code in {200, 400, 422, 429}
    assert "no-store" in answer["Cache-Control"]


def test_public_pages_without_a_child_may_be_cached(client: Any, db: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    rf = RequestFactory()
    assert may_be_cached(rf.get("/static/css/showup.css"))
    assert not may_be_cached(rf.get("/status/abc/"))
    assert not may_be_cached(rf.get("/api/reunite/reports"))
    assert not may_be_cached(rf.post("/"))


def test_a_view_that_asks_for_caching_is_overruled(rf: Any, settings: Any) -> None:
    from django.http import HttpResponse

    from showup.core.middleware import NoStoreMiddleware

    def view(request: Any) -> HttpResponse:
        response = HttpResponse("child")
        response["Cache-Control"] = "public, max-age=3600"
        response["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        return response

    response = NoStoreMiddleware(view)(rf.get("/status/abc/"))
    assert response["Cache-Control"] == NO_STORE
    assert "Expires" not in response


# ---- references ----------------------------------------------------------------------------


def test_report_references_are_random_not_sequential_across_agencies(
    agency: Any, other_agency: Any, report_data: Any
) -> None:
    from showup.reunite import services

    refs = [
        services.report_create(
            agency=a, kind="found", data=report_data("found"), filed_by=None
        ).reference
        for a in [agency, other_agency] * 10
    ]
    assert len(set(refs)) == len(refs)
    assert all(re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", r) for r in refs)
    # No counter shows through: the references are not in filing order.
    assert refs != sorted(refs)


def test_visit_references_are_random_too() -> None:
    from showup.visits.models import VisitRequest

    field = VisitRequest._meta.get_field("reference")
    assert field.unique
    make = field.default
    assert callable(make)
    refs = [make() for _ in range(50)]
    assert len(set(refs)) == 50
    assert all(re.fullmatch(r"V-[A-Z0-9]{4}-[A-Z0-9]{4}", r) for r in refs)
    # Nothing derived from the row's id: no run of consecutive references.
    assert refs != sorted(refs)
