"""After logging in, each role lands on its own start page unless a safe `next` is given."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import PASSWORD, TOTP_SECRET
from showup.core.accounts import totp_code

pytestmark = pytest.mark.django_db


def _log_in(client: Any, username: str, next_url: str | None = None) -> Any:
    data = {"login": username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, response.content[:300]
    if response["Location"].startswith(reverse("mfa_authenticate")):
        # Coordinators and admins confirm with their second factor (conftest.TOTP_SECRET).
        response = client.post(response["Location"], {"code": totp_code(TOTP_SECRET)})
        assert response.status_code == 302, response.content[:300]
    return response


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("officer", "reunite:my_reports"),
        ("coordinator", "reunite:board"),
        ("partner", "reunite:my_reports"),
        ("admin", "admin:index"),
    ],
)
def test_each_role_lands_on_its_home(
    request: Any, client: Any, make_user: Any, agency: Any, role: str, landing: str
) -> None:
    if role == "admin":
        user = make_user("ada", "admin", agency, is_staff=True)
    else:
        user = request.getfixturevalue(role)
    response = _log_in(client, user.username)
    assert response["Location"] == reverse("role_home")
    home = client.get(response["Location"])
    assert home.status_code == 302 and home["Location"] == reverse(landing)
    assert client.get(home["Location"]).status_code == 200


def test_an_admin_role_without_admin_access_lands_on_the_board(
    client: Any, make_user: Any, agency: Any
) -> None:
    make_user("ada", "admin", agency)  # is_staff False
    _log_in(client, "ada")
    assert client.get(reverse("role_home"))["Location"] == reverse("reunite:board")


def test_a_safe_next_wins_and_an_unsafe_one_is_ignored(client: Any, officer: Any) -> None:
    response = _log_in(client, officer.username, next_url=reverse("core:notices"))
    assert response["Location"] == reverse("core:notices")
    client.logout()
    response = _log_in(client, officer.username, next_url="https://evil.example/steal")
    assert response["Location"] == reverse("role_home")


def test_role_home_needs_a_login(client: Any) -> None:
    response = client.get(reverse("role_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
