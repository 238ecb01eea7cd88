"""The board's version row: one primary-key read per idle poll, moved by every change the
board can show (and only in the agency where it happened)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from showup.core.models import Agency
from showup.reunite import services
from showup.reunite.matching_service import board_version_of
from showup.reunite.models import BoardVersion, Report
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

LIVE = reverse("reunite:board_live")
HX = {"HX-Request": "true"}


def _moves(agency: Agency, change: Callable[[], Any]) -> Any:
    """Run `change` and assert the agency's board version moved."""
    before = board_version_of(agency.pk)
    result = change()
    assert board_version_of(agency.pk) > before, "the board's version did not move"
    return result


def _photo() -> Image.Image:
    return Image.new("RGB", (40, 40), (200, 30, 30))


@pytest.mark.django_db
def test_every_agency_has_a_version_row_even_one_created_later() -> None:
    late = Agency.objects.create(name="Harbour Police", slug="harbour")
    assert BoardVersion.objects.filter(agency=late, version=0).exists()
    late.name = "Harbour Police Dept"
    late.save()  # a later save adds nothing
    assert BoardVersion.objects.filter(agency=late).count() == 1


@pytest.mark.django_db
def test_the_idle_poll_is_one_query_beyond_the_session_and_the_user(
    login: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
    django_assert_num_queries: Any,
) -> None:
    file_pair(agency, officer, report_data)
    client = login(coordinator)
    first = client.get(LIVE, headers=HX)
    version = first.content.decode().split('id="board-v" name="v" value="')[1].split('"')[0]
    with django_assert_num_queries(3) as captured:  # session, user, the version row
        assert client.get(LIVE, {"v": version}, headers=HX).status_code == 204
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum("reunite_boardversion" in q for q in sql) == 1
    assert not any("reunite_report" in q or "reunite_candidate" in q for q in sql)


@pytest.mark.django_db
def test_filing_editing_adding_information_and_closing_move_the_version(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    found = _moves(
        agency,
        lambda: services.report_create(
            agency=agency, kind="found", data=report_data("found"), filed_by=officer
        ),
    )
    _moves(
        agency, lambda: services.report_update(report=found, data={"hair": "curly"}, actor=officer)
    )
    _moves(
        agency,
        lambda: services.report_add_information(
            report=found, text="Says his dog is Max", actor=officer
        ),
    )
    _moves(agency, lambda: services.report_cancel(report=found, reason="Wrong unit", actor=officer))


@pytest.mark.django_db
def test_decisions_move_the_version(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    _found, _missing, cand = file_pair(agency, officer, report_data)
    _moves(agency, lambda: services.candidate_confirm(candidate=cand, actor=coordinator))
    _moves(agency, lambda: services.candidate_undo(candidate=cand, actor=coordinator))
    _moves(agency, lambda: services.candidate_reject(candidate=cand, actor=coordinator))


@pytest.mark.django_db
def test_a_completed_hand_off_moves_the_version(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    _moves(
        agency,
        lambda: services.handoff_record(
            candidate=cand,
            officer=officer,
            id_checked=True,
            id_type="passport",
            id_last4="1234",
            child_recognises=True,
            guardian_knowledge=True,
            guardian_knowledge_note="knew the dog's name",
            released_to=missing.guardian_name,
            collector="reporter",
        ),
    )
    found.refresh_from_db()
    assert found.status == Report.Status.REUNITED  # the rows did leave the board


@pytest.mark.django_db
def test_transfer_photo_and_merge_move_the_version(
    agency: Any, officer: Any, officer2: Any, coordinator: Any
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[1]), filed_by=officer
    )
    _moves(
        agency, lambda: services.report_transfer(report=found, to_officer=officer2, actor=officer)
    )
    _moves(agency, lambda: services.report_photo_set(report=found, photo=_photo(), actor=officer))
    _moves(agency, lambda: services.report_photo_set(report=found, photo=None, actor=officer))
    twin = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[1]), filed_by=officer2
    )
    _moves(agency, lambda: services.report_merge(duplicate=twin, into=found, actor=coordinator))


@pytest.mark.django_db
def test_a_note_moves_nothing_and_another_agency_is_left_alone(
    agency: Any, other_agency: Any, officer: Any
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[2]), filed_by=officer
    )
    mine, theirs = board_version_of(agency.pk), board_version_of(other_agency.pk)
    services.note_add(report=found, author=officer, text="Gave him water")  # not on the board
    assert board_version_of(agency.pk) == mine
    services.report_update(report=found, data={"hair": "black"}, actor=officer)
    assert board_version_of(other_agency.pk) == theirs


@pytest.mark.django_db
def test_the_poll_answers_after_a_decision_that_changes_no_report_field(
    login: Any, coordinator: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    """Rejecting a proposal touches only the candidate: the poll must still see it."""
    _found, _missing, cand = file_pair(agency, officer, report_data)
    client = login(coordinator)
    page = client.get(reverse("reunite:board")).content.decode()
    version = page.split('id="board-v" name="v" value="')[1].split('"')[0]
    assert client.get(LIVE, {"v": version}, headers=HX).status_code == 204
    services.candidate_reject(candidate=cand, actor=coordinator)
    assert client.get(LIVE, {"v": version}, headers=HX).status_code == 200
