"""The guardian's status link stops working when staff revoke it and when the report is
purged; the dead link says so in words and gives the unit's phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from showup.core.models import Agency, AuditEntry, User
from showup.reunite import services
from showup.reunite.models import Report
from showup.reunite.tests.test_retention import age, purge, reunited_pair  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def missing(agency: Agency, report_data: Any) -> Report:
    agency.phone = "+15550100100"
    agency.save()
    return services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )


def _status(token: str, **extra: Any) -> Any:
    return Client().get(reverse("reunite:status", kwargs={"token": token}), **extra)


def test_a_coordinator_revokes_the_link_from_the_report(
    login: Any, coordinator: User, missing: Report
) -> None:
    old = missing.status_token
    assert _status(old).status_code == 200
    client = login(coordinator)
    detail = client.get(reverse("reunite:report_detail", kwargs={"pk": missing.pk}))
    revoke_url = reverse("reunite:status_link_revoke", kwargs={"pk": missing.pk})
    assert revoke_url in detail.content.decode()
    response = client.post(revoke_url, follow=True)
    assert response.status_code == 200
    missing.refresh_from_db()
    assert missing.status_token != old
    page = response.content.decode()
    assert "The old status link no longer works." in page
    assert missing.status_token in page  # the new link, once, to read to the guardian

    gone = _status(old)
    assert gone.status_code == 410
    html = gone.content.decode()
    assert "This link no longer works" in html and "tel:+15550100100" in html
    assert "Mateo" not in html and missing.reference not in html
    assert gone["Cache-Control"] == "private, no-store"
    assert _status(missing.status_token).status_code == 200

    entry = AuditEntry.objects.get(action="reunite.report.status_link_revoked")
    assert entry.actor == coordinator and entry.object_id == str(missing.pk)
    assert old not in str(entry.data)  # a fingerprint, never the link


def test_the_dead_link_refuses_cancel_and_add_too(
    login: Any, officer: User, missing: Report
) -> None:
    old = missing.status_token
    services.report_status_link_revoke(report=missing, actor=officer)
    client = Client()
    cancel = client.post(reverse("reunite:status_cancel", kwargs={"token": old}), {"reason": "x"})
    add = client.post(reverse("reunite:status_add", kwargs={"token": old}), {"text": "more"})
    assert cancel.status_code == 410 and add.status_code == 410
    missing.refresh_from_db()
    assert missing.status == Report.Status.OPEN


def test_the_dead_link_speaks_spanish(officer: User, missing: Report) -> None:
    old = missing.status_token
    services.report_status_link_revoke(report=missing, actor=officer)
    assert '<html lang="es">' in _status(old, HTTP_ACCEPT_LANGUAGE="es").content.decode()


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_only_the_agency_staff_revoke(request: Any, who: str, login: Any, missing: Report) -> None:
    user = request.getfixturevalue(who)
    old = missing.status_token
    with pytest.raises(services.ReuniteError) as error:
        services.report_status_link_revoke(report=missing, actor=user)
    assert error.value.code == "status_link_forbidden"
    response = login(user).post(reverse("reunite:status_link_revoke", kwargs={"pk": missing.pk}))
    assert response.status_code in (302, 403, 404)
    missing.refresh_from_db()
    assert missing.status_token == old


def test_a_found_report_has_no_link_to_revoke(
    officer: User, agency: Agency, report_data: Any
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    with pytest.raises(services.ReuniteError) as error:
        services.report_status_link_revoke(report=found, actor=officer)
    assert error.value.code == "status_link_invalid"


def test_the_link_stops_working_after_the_purge(
    reunited_pair: tuple[Report, Report],  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    agency: Agency,
) -> None:
    agency.phone = "+15550100100"
    agency.save()
    found, missing = reunited_pair
    old = missing.status_token
    assert _status(old).status_code == 200
    age(found, 31)
    age(missing, 31)
    purge(django_capture_on_commit_callbacks)
    gone = _status(old)
    assert gone.status_code == 404
    assert "This link no longer works" in gone.content.decode()
    assert "tel:+15550100100" in gone.content.decode()  # the only agency: its unit's phone
    missing.refresh_from_db()
    with pytest.raises(services.ReuniteError) as error:
        services.report_status_link_revoke(report=missing, actor=found.filed_by)
    assert error.value.code == "purged"


def test_an_unknown_link_looks_the_same_as_a_purged_one() -> None:
    response = _status("x" * 40)
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
