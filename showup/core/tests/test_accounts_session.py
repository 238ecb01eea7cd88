"""Idle timeout (SHOWUP_STAFF_IDLE_MINUTES) and the absolute session limit; live polls of the
board are not activity."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.urls import reverse

from showup.core.accounts import SESSION_LAST_SEEN, SESSION_SIGNED_IN_AT
from showup.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def _age_session(client: Any, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"last_seen": SESSION_LAST_SEEN, "signed_in_at": SESSION_SIGNED_IN_AT}[key]] = (
            now - ago
        )
    session.save()


def test_thirty_idle_minutes_sign_a_coordinator_out(client: Any, coordinator: User) -> None:
    client.force_login(coordinator)
    assert client.get(reverse("reunite:board")).status_code == 200
    _age_session(client, last_seen=31 * 60)
    response = client.get(reverse("reunite:board"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert client.get(reverse("reunite:board")).status_code == 302  # still signed out
    assert AuditEntry.objects.filter(action="core.account.session_expired", actor=coordinator)


def test_activity_keeps_the_session(client: Any, officer: User) -> None:
    client.force_login(officer)
    client.get(reverse("reunite:my_reports"))
    _age_session(client, last_seen=29 * 60)
    assert client.get(reverse("reunite:my_reports")).status_code == 200
    assert time.time() - client.session[SESSION_LAST_SEEN] < 5  # the clock was reset


def test_board_polls_are_not_activity(client: Any, coordinator: User) -> None:
    client.force_login(coordinator)
    client.get(reverse("reunite:board"))
    _age_session(client, last_seen=20 * 60)
    before = client.session[SESSION_LAST_SEEN]
    for _ in range(3):
        poll = client.get(reverse("reunite:board_live"), HTTP_HX_REQUEST="true")
        assert poll.status_code in (200, 204)
    assert client.session[SESSION_LAST_SEEN] == before
    _age_session(client, last_seen=31 * 60)
    poll = client.get(reverse("reunite:board_live"), HTTP_HX_REQUEST="true")
    assert poll["HX-Redirect"] == reverse("login")


def test_the_idle_limit_is_a_setting(client: Any, officer: User, settings: Any) -> None:
    settings.SHOWUP_STAFF_IDLE_MINUTES = 5
    client.force_login(officer)
    client.get(reverse("reunite:my_reports"))
    _age_session(client, last_seen=6 * 60)
    assert client.get(reverse("reunite:my_reports")).status_code == 302


def test_a_session_ends_after_twelve_hours_however_busy(client: Any, officer: User) -> None:
    client.force_login(officer)
    client.get(reverse("reunite:my_reports"))
    _age_session(client, signed_in_at=12 * 3600 + 60, last_seen=10)
    response = client.get(reverse("reunite:my_reports"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_api_answers_401_after_the_idle_limit(client: Any, officer: User) -> None:
    client.force_login(officer)
    client.get(reverse("reunite:my_reports"))
    _age_session(client, last_seen=31 * 60)
    assert client.get("/api/reunite/reports").status_code == 401
