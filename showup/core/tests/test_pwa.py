"""The field app's server side: manifest, service worker, session endpoint, outbox answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from showup.core.outbox import OutboxAnswerMiddleware


def test_the_manifest_makes_an_installable_app_starting_on_the_officers_page(
    client: Any, officer: Any
) -> None:
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert body["display"] == "standalone" and body["theme_color"] == "#0b3d91"
    assert body["start_url"] == client.get("/accounts/home/")["Location"]
    sizes = {(i["sizes"], i["purpose"]) for i in body["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in body["icons"]:  # each icon is really there, a PNG of its size
        from django.contrib.staticfiles import finders
        from PIL import Image

        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon
        with Image.open(path) as img:
            assert img.format == "PNG" and f"{img.width}x{img.height}" == icon["sizes"]


@pytest.mark.django_db
def test_the_service_worker_is_served_from_the_root_with_its_shell_and_a_version(
    client: Any,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    text = response.content.decode()
    head, _, source = text.partition("\n")
    config = json.loads(head.removeprefix("self.SHOWUP_SW = ").removesuffix(";"))
    assert len(config["version"]) == 16
    assert "/static/css/showup.css" in config["precache"]
    assert "/static/js/offline/field-app.js" in config["precache"]
    assert config["offlineUrl"] == "/offline/" and config["sessionUrl"] == "/field/session/"
    assert 'addEventListener("fetch"' in source


@pytest.mark.django_db
def test_the_session_endpoint_says_who_is_signed_in_and_gives_a_token(
    client: Any, officer: Any
) -> None:
    anonymous = client.get("/field/session/").json()
    assert anonymous["user"] is None and len(anonymous["csrf"]) >= 32
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/field/session/")
    assert response.json()["user"] == officer.pk
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("method", "header", "target", "expected"),
    [
        ("POST", "1", "/staff/reports/7/", {"redirect": "/staff/reports/7/", "login": False}),
        (
            "POST",
            "1",
            "/accounts/login/?next=/x/",
            {"redirect": "/accounts/login/?next=/x/", "login": True},
        ),
        ("POST", None, "/staff/reports/7/", None),
        ("GET", "1", "/staff/reports/7/", None),
    ],
)
def test_only_an_outbox_post_gets_its_redirect_as_json(
    method: str, header: str | None, target: str, expected: dict[str, Any] | None
) -> None:
    headers = {"X-Showup-Outbox": header} if header else {}
    request = RequestFactory().generic(method, "/staff/found/new/", headers=headers)
    redirect = HttpResponseRedirect(target)
    redirect.set_cookie("messages", "kept")
    response = OutboxAnswerMiddleware(lambda r: redirect)(request)
    if expected is None:
        assert response is redirect
        return
    assert response.status_code == 200 and json.loads(response.content) == expected
    assert response.cookies["messages"].value == "kept"  # the flash message waits for the page
    assert response["Cache-Control"] == "no-store"


def test_an_outbox_post_answered_with_a_page_passes_unchanged() -> None:
    request = RequestFactory().post("/staff/found/new/", headers={"X-Showup-Outbox": "1"})
    page = HttpResponse("form with errors", status=400)
    assert OutboxAnswerMiddleware(lambda r: page)(request) is page


@pytest.mark.django_db
def test_the_kept_copy_of_a_form_uses_up_no_flash_message(client: Any, officer: Any) -> None:
    from django.contrib.messages import constants
    from django.contrib.messages.api import add_message
    from django.contrib.messages.storage.fallback import FallbackStorage

    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    # A flash message waiting for the officer's next page (in the messages cookie):
    request = RequestFactory().get("/")
    request.session = client.session
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    add_message(request, constants.INFO, "Report R-1 filed.")
    response = HttpResponse()
    request._messages.update(response)  # type: ignore[attr-defined]
    for name, morsel in response.cookies.items():
        client.cookies[name] = morsel.value
    shell = client.get("/staff/found/new/?another=1", headers={"X-Showup-Shell": "1"})
    assert b"Report R-1 filed." not in shell.content
    page = client.get("/staff/found/new/?another=1")
    assert b"Report R-1 filed." in page.content
