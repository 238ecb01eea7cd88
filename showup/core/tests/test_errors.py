"""Every error page looks like the site, speaks the visitor's language, and offers a way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a forged header")


# This module doubles as a URLconf: the site's URLs plus two views that fail on purpose.
urlpatterns = [
    path("boom/", _boom),
    path("suspicious/", _suspicious),
    path("", include("showup.urls")),
]
handler400 = "showup.core.views.bad_request"
handler403 = "showup.core.views.permission_denied"
handler404 = "showup.core.views.page_not_found"
handler500 = "showup.core.views.server_error"


def _html(response: Any) -> str:
    return str(response.content.decode())


def test_a_mistyped_status_link_gets_a_styled_404_in_the_visitors_language(client: Any) -> None:
    response = client.get("/status/xxxx/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    html = _html(response)
    assert '<html lang="es">' in html
    assert 'class="site"' in html  # the site's header and nav (base.html)
    assert reverse("reunite:report_missing_public") in html
    assert 'href="/"' in html  # the way back


def test_the_404_is_in_spanish(client: Any) -> None:
    html = _html(client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "No encontramos esta página" in html


def test_the_404_in_english_says_what_to_do(client: Any) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    html = _html(response)
    assert '<html lang="en">' in html
    assert "We could not find this page" in html
    assert "status link" in html


def test_the_language_cookie_beats_accept_language(client: Any, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert '<html lang="es">' in _html(response)


def test_store_staff_on_the_board_get_a_styled_403_with_their_way_back(
    client: Any, partner: Any
) -> None:
    client.force_login(partner)
    response = client.get("/staff/board/")
    assert response.status_code == 403
    html = _html(response)
    assert 'class="site"' in html
    assert "You are logged in as Pat (Partner staff)." in html
    assert "This page is for agency staff" in html
    assert f'href="{reverse("reunite:my_reports")}"' in html
    assert "Forbidden" not in html


def test_a_view_can_say_what_the_page_is_for(client: Any, officer: Any) -> None:
    client.force_login(officer)
    response = client.get(reverse("reunite:stats"))
    assert response.status_code == 403
    html = _html(response)
    assert "The unit&#x27;s statistics are for coordinators and agency admins." in html
    assert "You are logged in as Olivia (Officer)." in html


def test_the_500_page_needs_no_database_and_speaks_the_language(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 500
    html = _html(response)
    assert '<html lang="es">' in html
    assert 'class="site"' in html and 'href="/"' in html


def test_a_bad_request_is_styled(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    response = Client().get("/suspicious/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = _html(response)
    assert "We could not understand this request" in html
    assert 'class="site"' in html


def test_the_csrf_failure_page_is_styled_and_translated(settings: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 403
    html = _html(response)
    assert '<html lang="es">' in html
    assert 'class="site"' in html and 'href="/"' in html
