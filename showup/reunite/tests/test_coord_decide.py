"""Confirming and rejecting candidate matches from the board and the report page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.core.models import AuditEntry
from showup.reunite import services
from showup.reunite.models import Candidate, Report
from showup.reunite.tests.coord_helpers import (
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

HX_BOARD = {"HX-Request": "true", "HX-Target": "board"}


def _decide_url(cand: Candidate) -> str:
    return reverse("reunite:candidate_decide", args=[cand.pk])


@pytest.mark.django_db
def test_it_confirms_through_htmx_and_sends_the_page_back_to_the_board(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    response = client.post(_decide_url(cand), {"decision": "confirm"}, headers=HX_BOARD)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("reunite:board")
    html = client.get(reverse("reunite:board")).content.decode()
    assert "Match confirmed" in html
    cand.refresh_from_db()
    assert cand.decision == Candidate.Decision.CONFIRMED
    assert cand.decided_by == coordinator
    found.refresh_from_db()
    missing.refresh_from_db()
    assert found.status == missing.status == Report.Status.MATCHED
    assert AuditEntry.objects.filter(
        action="reunite.match.confirmed", object_id=str(cand.pk), actor=coordinator
    ).exists()


@pytest.mark.django_db
def test_it_confirms_without_javascript_and_redirects_back(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, _missing, cand = file_pair(agency, officer, report_data)
    detail = reverse("reunite:report_detail", args=[found.pk])
    client = login(coordinator)
    response = client.post(_decide_url(cand), {"decision": "confirm", "next": detail})
    assert response.status_code == 302
    assert response["Location"] == detail
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.CONFIRMED
    # Without a next, back to the board; a foreign next is ignored.
    response = client.post(
        _decide_url(cand), {"decision": "reject", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("reunite:board")


@pytest.mark.django_db
def test_it_rejects_and_never_proposes_the_pair_again(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    response = login(coordinator).post(_decide_url(cand), {"decision": "reject"}, follow=True)
    assert response.status_code == 200
    assert "will not be proposed again" in response.content.decode()
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.REJECTED

    # An edit re-runs matching on both sides; the rejected pair stays rejected and hidden.
    services.report_update(
        report=found, data={"clothing": "red t-shirt, blue shorts, cap"}, actor=officer
    )
    services.report_update(report=missing, data={"hair": "short brown, curly"}, actor=coordinator)
    assert Candidate.objects.filter(missing=missing, found=found).count() == 1
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.REJECTED
    html = login(coordinator).get(reverse("reunite:board")).content.decode()
    assert _decide_url(cand) not in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "partner", "other_partner", "outsider"])
def test_it_hides_decisions_from_everyone_but_coordinators(
    request: Any,
    who: str,
    login: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
    store: Any,
    partner: Any,
) -> None:
    # The partner filed the missing report, so it can see one side of the pair: still a 404.
    _found, _missing, cand = file_pair(
        agency, officer, report_data, missing_by=partner, partner_org=store
    )
    user = request.getfixturevalue(who)
    response = login(user).post(_decide_url(cand), {"decision": "confirm"})
    assert response.status_code == 404
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.PROPOSED


@pytest.mark.django_db
def test_it_answers_404_for_another_agencys_candidate(
    login: Any, make_user: Any, other_agency: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    their_coordinator = make_user("carl", "coordinator", other_agency)
    response = login(their_coordinator).post(_decide_url(cand), {"decision": "reject"})
    assert response.status_code == 404
    missing_pk = Candidate.objects.order_by("-pk").first().pk + 100  # type: ignore[union-attr]
    response = login(their_coordinator).post(
        reverse("reunite:candidate_decide", args=[missing_pk]), {"decision": "reject"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_it_accepts_only_post_and_a_known_decision(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any, client: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    anonymous = client.post(_decide_url(cand), {"decision": "confirm"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    c = login(coordinator)
    assert c.get(_decide_url(cand)).status_code == 405
    response = c.post(_decide_url(cand), {"decision": "maybe"}, follow=True)
    assert "Choose confirm or reject." in response.content.decode()
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.PROPOSED


@pytest.mark.django_db
def test_it_refuses_a_second_confirmed_match_for_the_same_child(
    login: Any, coordinator: Any, officer: Any, officer2: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    # A second deputy found a boy who fits the same description.
    found2 = services.report_create(
        agency=agency,
        kind="found",
        data=report_data("found", place="Main St bus stop"),
        filed_by=officer2,
    )
    rival = Candidate.objects.get(missing=missing, found=found2)
    client = login(coordinator)
    client.post(_decide_url(cand), {"decision": "confirm"})
    response = client.post(_decide_url(rival), {"decision": "confirm"}, follow=True)
    assert "already has a confirmed match" in response.content.decode()
    assert Candidate.objects.get(pk=rival.pk).decision == Candidate.Decision.PROPOSED
    found2.refresh_from_db()
    assert found2.status == Report.Status.OPEN

    # Without JavaScript the refusal is a message on the page it came from.
    response = client.post(_decide_url(rival), {"decision": "confirm"}, follow=True)
    assert "already has a confirmed match" in response.content.decode()

    # Rejecting the wrong confirmation reopens both reports; then the rival can be confirmed.
    client.post(_decide_url(cand), {"decision": "reject"})
    found.refresh_from_db()
    assert found.status == Report.Status.OPEN
    client.post(_decide_url(rival), {"decision": "confirm"})
    assert Candidate.objects.get(pk=rival.pk).decision == Candidate.Decision.CONFIRMED


@pytest.mark.django_db
def test_it_refuses_closing_around_a_confirmed_match_and_decisions_after_closing(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    # Closing one side of a confirmed match would leave the other matched for ever.
    with pytest.raises(services.ReuniteError) as refused:
        services.report_cancel(report=missing, reason="Found him", actor=coordinator)
    assert refused.value.code == "report_matched"
    services.candidate_undo(candidate=cand, actor=coordinator)
    services.report_cancel(report=missing, reason="Found him at the neighbour's", actor=coordinator)
    # Closing removed the proposal: a stale page's decision finds nothing.
    response = login(coordinator).post(_decide_url(cand), {"decision": "reject"})
    assert response.status_code == 404
    assert not Candidate.objects.filter(pk=cand.pk).exists()


@pytest.mark.django_db
def test_it_refuses_confirming_a_rejected_pair_from_a_stale_page(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    client.post(_decide_url(cand), {"decision": "reject"})
    response = client.post(_decide_url(cand), {"decision": "confirm"}, follow=True)
    assert "was rejected" in response.content.decode()
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.REJECTED
