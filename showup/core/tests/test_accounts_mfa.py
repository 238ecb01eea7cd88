"""The second factor: required for coordinators and admins (SHOWUP_MFA_REQUIRED_ROLES),
offered to officers and partners; TOTP, recovery codes; the demo stays usable."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, TOTP_SECRET
from showup.core.accounts import DEMO_TOTP_SECRET, totp_code
from showup.core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare_coordinator(agency: Any) -> User:
    """A coordinator with no authenticator yet (make_user would give one)."""
    return User.objects.create_user(
        "cleo", password=PASSWORD, role="coordinator", agency=agency, first_name="Cleo"
    )


def test_a_coordinator_without_a_second_factor_is_sent_to_set_one_up(
    client: Any, bare_coordinator: User
) -> None:
    client.force_login(bare_coordinator)
    for url in [reverse("reunite:board"), reverse("reunite:my_reports"), "/visits/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index"), url
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert "Your role needs a second factor" in page.content.decode()
    htmx = client.get(reverse("reunite:board_live"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("mfa_index")
    api = client.get("/api/reunite/reports")
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    # Logging out is always possible.
    assert client.post(reverse("logout")).status_code == 302


def test_the_admin_is_closed_to_a_superuser_without_a_second_factor(client: Any) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "x-root-password-9")
    client.force_login(root)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_officers_and_partners_are_offered_it_not_forced(
    client: Any, officer: User, partner: User
) -> None:
    for user in (officer, partner):
        client.force_login(user)
        assert client.get(reverse("reunite:my_reports")).status_code == 200
        page = client.get(reverse("mfa_index")).content.decode()
        assert "optional for your role" in page
        assert reverse("mfa_index") in client.get(reverse("reunite:my_reports")).content.decode()


def test_the_required_roles_are_a_setting(
    client: Any, bare_coordinator: User, officer: User, settings: Any
) -> None:
    settings.SHOWUP_MFA_REQUIRED_ROLES = ["officer"]
    client.force_login(bare_coordinator)
    assert client.get(reverse("reunite:board")).status_code == 200
    client.force_login(officer)
    assert client.get(reverse("reunite:my_reports"))["Location"] == reverse("mfa_index")


def test_a_coordinator_logs_in_with_password_then_code(client: Any, coordinator: User) -> None:
    response = client.post(reverse("login"), {"login": "cora", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the password alone opens nothing.
    assert client.get(reverse("reunite:board")).status_code == 302
    page = client.get(reverse("mfa_authenticate"))
    assert 'class="site"' in page.content.decode()
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and client.get(reverse("reunite:board")).status_code == 302
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert right.status_code == 302
    assert client.get(reverse("reunite:board")).status_code == 200


def test_wrong_codes_are_limited_per_account(client: Any, coordinator: User) -> None:
    client.post(reverse("login"), {"login": "cora", "password": PASSWORD})
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert response.status_code == 200  # refused: too many wrong codes
    assert client.get(reverse("reunite:board")).status_code == 302


def _reauthenticate(client: Any) -> None:
    """Changing sign-in security asks for the password again (allauth's reauthentication)."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content[-600:]


def _activate_totp(client: Any) -> Any:
    _reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    return client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}), secret


def test_a_coordinator_sets_up_totp_and_gets_recovery_codes(
    client: Any, bare_coordinator: User
) -> None:
    response = client.post(reverse("login"), {"login": "cleo", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("reunite:board"))["Location"] == reverse("mfa_index")
    response, _secret = _activate_totp(client)
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=bare_coordinator, type="totp").exists()
    assert client.get(reverse("reunite:board")).status_code == 200
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    assert codes_page.status_code == 200
    codes = codes_page.context["unused_codes"]
    assert len(codes) >= 5

    # A recovery code lets them in once when the phone is lost.
    fresh = Client()
    fresh.post(reverse("login"), {"login": "cleo", "password": PASSWORD})
    assert fresh.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert fresh.get(reverse("reunite:board")).status_code == 200
    again = Client()
    again.post(reverse("login"), {"login": "cleo", "password": PASSWORD})
    assert again.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200


def test_a_coordinator_cannot_remove_their_only_second_factor(
    client: Any, coordinator: User
) -> None:
    client.force_login(coordinator)
    _reauthenticate(client)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=coordinator, type="totp").exists()


def test_an_officer_may_remove_theirs(client: Any, officer: User) -> None:
    from conftest import give_second_factor

    give_second_factor(officer, force=True)
    client.post(reverse("login"), {"login": "olivia", "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    _reauthenticate(client)
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=officer, type="totp").exists()


def test_passkeys_are_offered(client: Any, coordinator: User) -> None:
    login_page = client.get(reverse("login")).content.decode()
    assert 'id="passkey_login"' in login_page and "mfa/js/webauthn.js" in login_page
    client.force_login(coordinator)
    _reauthenticate(client)
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200 and "mfa/js/webauthn.js" in page.content.decode()


def test_the_demo_shows_the_codes_and_its_coordinator_can_log_in(settings: Any) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    client = Client()
    home = client.get("/").content.decode()
    code = totp_code(DEMO_TOTP_SECRET)
    assert code in home
    response = client.post(
        reverse("login"), {"login": "demo-coordinator", "password": "showup-demo"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert code in client.get(reverse("mfa_authenticate")).content.decode()
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("reunite:board")).status_code == 200


def test_outside_the_demo_no_code_is_shown(settings: Any) -> None:
    call_command("seed_demo", verbosity=0)
    settings.DEMO_MODE = False
    client = Client()
    client.post(reverse("login"), {"login": "demo-coordinator", "password": "showup-demo"})
    assert (
        totp_code(DEMO_TOTP_SECRET) not in client.get(reverse("mfa_authenticate")).content.decode()
    )
