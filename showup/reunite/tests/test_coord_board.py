"""The coordinator's board: columns, candidates with reasons, the live fragment, auditing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from showup.core.models import AuditEntry
from showup.reunite import services
from showup.reunite.models import Candidate
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

BOARD = reverse("reunite:board")
LIVE = reverse("reunite:board_live")
HX = {"HX-Request": "true"}


def _version(html: str) -> str:
    marker = 'data-version="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.mark.django_db
def test_it_shows_both_columns_with_candidates_and_reasons(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    html = login(coordinator).get(BOARD).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert found.reference in html and missing.reference in html
    assert "Mateo Alvarez" in html
    assert f"{round(cand.score * 100)}%" in html
    for reason in cand.reasons:
        assert reason in html
    if cand.engine_match:
        assert 'class="pill match"' in html
    assert reverse("reunite:candidate_decide", args=[cand.pk]) in html
    assert 'value="confirm"' in html and 'value="reject"' in html
    # Who holds the found child.
    assert "Olivia" in html and "Patrol car 12" in html


@pytest.mark.django_db
def test_it_lists_newest_first(login: Any, coordinator: Any, officer: Any, agency: Any) -> None:
    older = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[1]), filed_by=officer
    )
    newer = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[2]), filed_by=officer
    )
    html = login(coordinator).get(BOARD).content.decode()
    assert html.index(newer.reference) < html.index(older.reference)


@pytest.mark.django_db
def test_it_shows_unnamed_children_by_description(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    services.report_create(
        agency=agency, kind="found", data=report_data("found", given_name=""), filed_by=officer
    )
    html = login(coordinator).get(BOARD).content.decode()
    assert "Unnamed child" in html
    assert "red t-shirt, blue shorts" in html


@pytest.mark.django_db
def test_it_hides_decision_buttons_from_officers(
    login: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    file_pair(agency, officer, report_data)
    response = login(officer).get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mateo Alvarez" in html
    assert 'value="confirm"' not in html


@pytest.mark.django_db
def test_it_shows_confirmed_pairs_awaiting_hand_off(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    html = login(coordinator).get(BOARD).content.decode()
    assert "Confirmed — awaiting hand-off" in html
    assert reverse("reunite:handoff", args=[cand.pk]) in html
    assert 'value="confirm"' not in html


@pytest.mark.django_db
def test_it_never_shows_rejected_pairs_or_closed_reports(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_reject(candidate=cand, actor=coordinator)
    html = login(coordinator).get(BOARD).content.decode()
    assert reverse("reunite:candidate_decide", args=[cand.pk]) not in html
    services.report_cancel(report=found, reason="Found at the neighbour's", actor=officer)
    html = login(coordinator).get(BOARD).content.decode()
    assert found.reference not in html
    assert missing.reference in html


@pytest.mark.django_db
def test_it_shows_nothing_of_another_agency(
    login: Any, outsider: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, _cand = file_pair(agency, officer, report_data)
    for url in (BOARD, LIVE):
        response = login(outsider).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert found.reference not in html and missing.reference not in html
        assert "Mateo" not in html


@pytest.mark.django_db
def test_it_keeps_partner_staff_off_the_board(
    login: Any, partner: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    file_pair(agency, officer, report_data)
    for url in (BOARD, LIVE):
        assert login(partner).get(url).status_code == 403


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client: Any) -> None:
    for url in (BOARD, LIVE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    # An expired session inside the live poll reloads the whole page to the login form.
    response = client.get(LIVE, headers=HX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.django_db
def test_it_renders_the_live_fragment_without_the_page(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    _found, missing, _cand = file_pair(agency, officer, report_data)
    response = login(coordinator).get(LIVE, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html and "<nav" not in html
    assert missing.reference in html
    assert 'hx-trigger="every 1s"' in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_it_answers_204_while_nothing_changes_and_the_fragment_once_a_match_appears(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    client = login(coordinator)
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    version = _version(client.get(BOARD).content.decode())
    assert client.get(LIVE, {"v": version}, headers=HX).status_code == 204

    # The mother's report arrives: the very next poll (1 s later) carries the new match.
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    cand = Candidate.objects.get(missing=missing, found=found)
    response = client.get(LIVE, {"v": version}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert missing.reference in html
    assert reverse("reunite:candidate_decide", args=[cand.pk]) in html
    new_version = _version(html)
    assert new_version != version
    assert client.get(LIVE, {"v": new_version}, headers=HX).status_code == 204


@pytest.mark.django_db
def test_it_writes_one_audit_entry_per_board_view_listing_the_reports(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    found, missing, _cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    before = AuditEntry.objects.count()
    client.get(BOARD)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert entry.action == "reunite.board.viewed"
    assert entry.actor == coordinator
    assert sorted(entry.data["reports"]) == sorted([found.pk, missing.pk])

    # A poll that shows the board is audited once; an unchanged poll shows nothing.
    client.get(LIVE, headers=HX)
    assert AuditEntry.objects.count() == before + 2
    version = _version(client.get(LIVE, headers=HX).content.decode())
    count = AuditEntry.objects.count()
    assert client.get(LIVE, {"v": version}, headers=HX).status_code == 204
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_it_reads_the_board_in_a_fixed_number_of_queries(
    login: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = login(coordinator)
    services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[0]), filed_by=officer
    )
    services.report_create(
        agency=agency, kind="missing", data=child_data("missing", CHILDREN[0]), filed_by=None
    )
    with CaptureQueriesContext(connection) as small:
        assert client.get(BOARD).status_code == 200

    for child in CHILDREN[1:]:
        services.report_create(
            agency=agency, kind="found", data=child_data("found", child), filed_by=officer
        )
        services.report_create(
            agency=agency, kind="missing", data=child_data("missing", child), filed_by=None
        )
    assert Candidate.objects.count() >= len(CHILDREN)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(BOARD)
    html = response.content.decode()
    assert all(child["given_name"] in html for child in CHILDREN)
    with django_assert_max_num_queries(12):
        client.get(LIVE, headers=HX)
    with django_assert_max_num_queries(6):
        version = _version(html)
        client.get(LIVE, {"v": version}, headers=HX)
