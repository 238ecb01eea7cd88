"""Django's password validators (similarity to the user's own name included) on every page
where staff choose a password: the invitation's link and allauth's change-password page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.core.admin import invitation_link
from showup.core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(agency: Any) -> User:
    user = User.objects.create_user(
        "marisol.garcia", email="marisol@example.org", first_name="Marisol", agency=agency
    )
    user.set_unusable_password()
    user.save()
    return user


def _set_password_page(client: Any, user: User) -> str:
    response = client.get(invitation_link(user).split("testserver")[-1].split("8000")[-1])
    assert response.status_code == 302  # Django moves the token into the session
    return str(response["Location"])


@pytest.mark.parametrize("password", ["marisol.garcia", "Marisol.Garcia1", "marisol1"])
def test_the_invitation_refuses_a_password_like_the_name(
    client: Any, invited: User, password: str
) -> None:
    url = _set_password_page(client, invited)
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert "too similar" in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_the_invitation_accepts_a_good_password(client: Any, invited: User) -> None:
    url = _set_password_page(client, invited)
    good = "river-lantern-quietly-47"
    response = client.post(url, {"new_password1": good, "new_password2": good})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password(good)


def test_changing_a_password_refuses_one_like_the_name(client: Any, officer: User) -> None:
    from conftest import PASSWORD

    client.force_login(officer)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("account_change_password"))
    assert page.status_code == 200 and 'class="site"' in page.content.decode()
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Olivia2024", "password2": "Olivia2024"},
    )
    assert response.status_code == 200
    assert "too similar" in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
