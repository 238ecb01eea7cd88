"""Each staff member's own list: officer's today, partner's organisation, coordinator's work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.reunite import services
from showup.reunite.models import Report
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

MINE = reverse("reunite:my_reports")


def _needs_decision(report: Report) -> bool:
    return report.candidates_as_found.filter(decision="proposed").exists()


def _detail(report: Report) -> str:
    return reverse("reunite:report_detail", args=[report.pk])


@pytest.mark.django_db
def test_it_lists_what_the_officer_filed_or_holds(
    login: Any, officer: Any, officer2: Any, coordinator: Any, agency: Any, report_data: Any
) -> None:
    mine = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[1]), filed_by=officer
    )
    theirs = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[2]), filed_by=officer2
    )
    held = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[3]), filed_by=coordinator
    )
    Report.objects.filter(pk=held.pk).update(holding_officer=officer)
    old = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[4]), filed_by=officer
    )
    Report.objects.filter(pk=old.pk).update(
        status=Report.Status.REUNITED, closed_at=timezone.now() - timedelta(days=3)
    )
    html = login(officer).get(MINE).content.decode()
    assert _detail(mine) in html and _detail(held) in html
    assert _detail(theirs) not in html
    assert _detail(old) not in html  # closed days ago: not today's work


@pytest.mark.django_db
def test_it_shows_a_partner_only_its_organisations_reports(
    login: Any,
    partner: Any,
    other_partner: Any,
    store: Any,
    hospital: Any,
    officer: Any,
    agency: Any,
) -> None:
    ours = services.report_create(
        agency=agency,
        kind="missing",
        data=child_data("missing", CHILDREN[0]),
        filed_by=partner,
        partner_org=store,
    )
    hospitals = services.report_create(
        agency=agency,
        kind="found",
        data=child_data("found", CHILDREN[1]),
        filed_by=other_partner,
        partner_org=hospital,
    )
    police = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[0]), filed_by=officer
    )
    html = login(partner).get(MINE).content.decode()
    assert _detail(ours) in html
    assert _detail(hospitals) not in html
    assert _detail(police) not in html  # even though it matches the store's child
    assert police.reference not in html
    html = login(other_partner).get(MINE).content.decode()
    assert _detail(hospitals) in html and _detail(ours) not in html


@pytest.mark.django_db
def test_it_lists_the_coordinators_filings_and_reports_needing_a_decision(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    filed = services.report_create(
        agency=agency,
        kind="missing",
        data=child_data("missing", CHILDREN[5]),
        filed_by=coordinator,
    )
    lonely = services.report_create(
        agency=agency,
        kind="found",
        data=child_data("found", CHILDREN[4], given_name=""),
        filed_by=officer,
    )
    client = login(coordinator)
    html = client.get(MINE).content.decode()
    for report in (found, missing, filed):
        assert _detail(report) in html
    assert (_detail(lonely) in html) == _needs_decision(lonely)

    services.candidate_reject(candidate=cand, actor=coordinator)
    html = client.get(MINE).content.decode()
    assert not _needs_decision(found)  # the only pairing is decided
    assert _detail(found) not in html
    assert _detail(filed) in html


@pytest.mark.django_db
def test_it_audits_the_list_once(login: Any, officer: Any, agency: Any, report_data: Any) -> None:
    found, _missing, _cand = file_pair(agency, officer, report_data)
    before = AuditEntry.objects.count()
    login(officer).get(MINE)
    entries = AuditEntry.objects.order_by("id")[before:]
    assert [e.action for e in entries] == ["reunite.mine.viewed"]
    assert entries[0].data["reports"] == [found.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "coordinator", "partner", "other_partner", "outsider"])
def test_it_opens_for_every_staff_role(request: Any, who: str, login: Any) -> None:
    response = login(request.getfixturevalue(who)).get(MINE)
    assert response.status_code == 200
    assert "Nothing here right now." in response.content.decode()


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client: Any) -> None:
    response = client.get(MINE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
