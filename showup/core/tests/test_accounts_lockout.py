"""Login through allauth: signup closed, lockout after five wrong passwords (site and admin),
per-address throttling, and an agency admin lifting a lockout. All refusals answer 429."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, TOTP_SECRET
from showup.core.accounts import totp_code
from showup.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def _post_login(client: Any, username: str, password: str, **extra: Any) -> Any:
    return client.post(reverse("login"), {"login": username, "password": password}, **extra)


def _signed_in(client: Any) -> bool:
    return client.get(reverse("role_home")).status_code == 302 and not client.get(
        reverse("role_home")
    )["Location"].startswith(reverse("login"))


@pytest.fixture
def ada(make_user: Any, agency: Any) -> User:
    user: User = make_user("ada", "admin", agency, is_staff=True)
    return user


def test_it_logs_in_with_the_right_password(client: Any, officer: User) -> None:
    response = _post_login(client, "olivia", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_signup_is_closed(client: Any) -> None:
    response = client.get(reverse("account_signup"))
    assert b"No sign-up" in response.content
    client.post(
        reverse("account_signup"),
        {"username": "mallory", "password1": "a-long-pass-phrase-77", "password2": "x"},
    )
    assert not User.objects.filter(username="mallory").exists()


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(
    client: Any, officer: User
) -> None:
    statuses = [_post_login(client, "olivia", f"wrong-{i}").status_code for i in range(50)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[4:]) == {429}  # the fifth failure locks
    response = _post_login(client, "olivia", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in locked" in html and "30 minutes" in html
    assert 'class="site"' in html  # our page, in our style
    assert response["Retry-After"] == str(30 * 60)
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(action="core.account.locked_out", object_id=str(officer.pk))


def test_another_spelling_of_the_username_counts_against_the_same_account(
    client: Any, officer: User
) -> None:
    for name in ["OLIVIA", "Olivia ", "olivia", "oLivia", "OLIVIA"]:
        _post_login(client, name, "wrong")
    assert _post_login(client, "olivia", PASSWORD).status_code == 429


def test_the_lockout_answers_in_spanish(client: Any, officer: User) -> None:
    for _ in range(5):
        _post_login(client, "olivia", "wrong")
    response = _post_login(client, "olivia", PASSWORD, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    assert '<html lang="es">' in response.content.decode()


def test_a_lockout_until_an_admin_lifts_it(client: Any, officer: User, settings: Any) -> None:
    settings.AXES_COOLOFF_TIME = None
    for _ in range(5):
        _post_login(client, "olivia", "wrong")
    response = _post_login(client, "olivia", PASSWORD)
    assert response.status_code == 429
    assert "It stays locked until your agency's admin unlocks it" in response.content.decode()


def test_the_admin_has_no_login_of_its_own(client: Any, ada: User) -> None:
    """The admin's login page sends people to the site's (lockout, second factor): posting the
    right password to it logs nobody in."""
    for i in range(50):
        response = client.post(
            reverse("admin:login"), {"username": "ada", "password": f"wrong-{i}"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    client.post(reverse("admin:login"), {"username": "ada", "password": PASSWORD})
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:core_user_changelist")).status_code == 302


def test_a_locked_admin_cannot_reach_the_admin_either(client: Any, ada: User) -> None:
    for i in range(50):
        _post_login(client, "ada", f"wrong-{i}")
    response = client.post(
        reverse("login") + "?next=/admin/", {"login": "ada", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:login")).status_code == 302  # to the site's login


def test_the_right_password_alone_does_not_open_the_admin(client: Any, ada: User) -> None:
    response = _post_login(client, "ada", PASSWORD)
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert client.get(reverse("admin:index")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_agency_admin_unlocks_an_account(
    client: Any, ada: User, officer: User, outsider: User
) -> None:
    stranger = Client()
    for _ in range(5):
        _post_login(stranger, "olivia", "wrong")
        _post_login(stranger, "otto", "wrong")
    assert _post_login(stranger, "olivia", PASSWORD).status_code == 429

    client.force_login(ada)
    response = client.post(
        reverse("admin:core_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [officer.pk, outsider.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Sign-in unlocked for olivia." in response.content.decode()
    entry = AuditEntry.objects.get(action="core.admin.user.unlocked")
    assert entry.object_id == str(officer.pk) and entry.actor == ada

    # The officer is back in; the other agency's officer stays locked (not ada's to lift).
    assert _post_login(stranger, "olivia", PASSWORD).status_code == 302
    assert _post_login(Client(), "otto", PASSWORD).status_code == 429


def test_logins_from_one_address_are_throttled_with_429(
    client: Any, officer: User, settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login": "5/m/ip", "login_failed": "100/h/ip,5/5m/key"}
    for i in range(5):
        assert _post_login(client, f"nobody-{i}", "wrong").status_code == 200
    response = _post_login(client, "olivia", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert _post_login(other, "olivia", PASSWORD).status_code == 302


def test_failed_logins_from_one_address_are_throttled_with_429(
    client: Any, officer: User, settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login": "100/m/ip", "login_failed": "3/h/ip,5/5m/key"}
    for i in range(3):
        assert _post_login(client, f"nobody-{i}", "wrong").status_code == 200
    response = _post_login(client, "somebody-else", "wrong")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
