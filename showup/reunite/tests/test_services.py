"""services.py: matching both ways, decisions, the hand-off rule, audit entries, cancelling."""

from __future__ import annotations

from typing import Any

import pytest

from showup.core.models import AuditEntry, Notice
from showup.reunite import matching_service, services
from showup.reunite.models import Candidate, Handoff, Report
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    actions,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
    file_pair,
)

CHECKLIST: dict[str, Any] = {
    "id_checked": True,
    "id_type": "passport",
    "id_last4": "12AB",
    "child_recognises": True,
    "guardian_knowledge": True,
    "guardian_knowledge_note": "the dog's name",
    "released_to": "Lucia Alvarez",
    "collector": "reporter",
}


@pytest.mark.django_db
def test_it_matches_a_missing_report_filed_after_the_found_one(
    agency: Any, officer: Any, report_data: Any
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert not Candidate.objects.exists()  # nobody is looking yet
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    cand = Candidate.objects.get(missing=missing, found=found)
    assert cand.decision == Candidate.Decision.PROPOSED
    assert 0 < cand.score <= 1
    assert cand.reasons and all(isinstance(r, str) for r in cand.reasons)
    assert found.holding_officer == officer


@pytest.mark.django_db
def test_it_matches_a_found_report_filed_after_the_missing_one(
    agency: Any, officer: Any, report_data: Any
) -> None:
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert Candidate.objects.filter(missing=missing, found=found).exists()


@pytest.mark.django_db
def test_it_ranks_the_right_child_first_and_keeps_agencies_apart(
    agency: Any, other_agency: Any, officer: Any, outsider: Any
) -> None:
    for child in CHILDREN:
        services.report_create(
            agency=agency, kind="missing", data=child_data("missing", child), filed_by=None
        )
    # The same child reported to another agency is never paired across agencies.
    services.report_create(
        agency=other_agency,
        kind="missing",
        data=child_data("missing", CHILDREN[2]),
        filed_by=None,
    )
    found = services.report_create(
        agency=agency, kind="found", data=child_data("found", CHILDREN[2]), filed_by=officer
    )
    cands = list(Candidate.objects.filter(found=found).order_by("-score"))
    assert cands
    assert cands[0].missing.given_name == "Liam"
    assert all(c.missing.agency_id == agency.pk for c in cands)
    assert len(cands) <= matching_service.CANDIDATES_KEPT


@pytest.mark.django_db
def test_it_never_proposes_a_rejected_pair_again(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_reject(candidate=cand, actor=coordinator)
    services.report_update(report=missing, data={"clothing": "red t-shirt"}, actor=coordinator)
    services.report_update(report=found, data={"hair": "brown"}, actor=officer)
    matching_service.matches_refresh(report=found)
    assert Candidate.objects.filter(missing=missing, found=found).count() == 1
    assert Candidate.objects.get(pk=cand.pk).decision == Candidate.Decision.REJECTED
    assert actions(action="reunite.report.edited") == ["reunite.report.edited"] * 2


@pytest.mark.django_db
def test_it_drops_a_proposal_the_engine_no_longer_believes(
    agency: Any, officer: Any, report_data: Any
) -> None:
    found, _missing, cand = file_pair(agency, officer, report_data)
    # The officer learns the child is a 15-year-old girl called Zoe, far away.
    services.report_update(
        report=found,
        data={
            "given_name": "Zoe",
            "sex": "female",
            "age_min": 14,
            "age_max": 16,
            "clothing": "green school uniform",
            "lat": 40.7,
            "lon": -74.0,
        },
        actor=officer,
    )
    refreshed = Candidate.objects.filter(pk=cand.pk).first()
    assert refreshed is None or refreshed.score < cand.score


@pytest.mark.django_db
def test_it_confirms_a_match_and_notifies(
    agency: Any,
    officer: Any,
    coordinator: Any,
    report_data: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.candidate_confirm(candidate=cand, actor=coordinator)
    assert callbacks  # the notification runs only after the transaction commits
    cand.refresh_from_db()
    assert cand.decision == Candidate.Decision.CONFIRMED
    assert cand.decided_by == coordinator and cand.decided_at is not None
    for report in (found, missing):
        report.refresh_from_db()
        assert report.status == Report.Status.MATCHED
        assert report.is_open
    entry = AuditEntry.objects.get(action="reunite.match.confirmed")
    assert entry.object_type == "candidate" and entry.object_id == str(cand.pk)
    assert entry.data["missing"] == missing.reference and entry.data["found"] == found.reference
    assert Notice.objects.filter(user=officer).exists()


@pytest.mark.django_db
def test_it_reopens_both_reports_when_a_confirmation_is_rejected(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    services.candidate_reject(candidate=cand, actor=coordinator)
    for report in (found, missing):
        report.refresh_from_db()
        assert report.status == Report.Status.OPEN
    assert actions(action__startswith="reunite.match.") == [
        "reunite.match.confirmed",
        "reunite.match.rejected",
    ]


@pytest.mark.django_db
def test_it_closes_nothing_until_the_checklist_is_complete(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    found, missing, cand = file_pair(agency, officer, report_data)
    services.candidate_confirm(candidate=cand, actor=coordinator)
    partial = {**CHECKLIST, "guardian_knowledge": False, "guardian_knowledge_note": ""}
    handoff = services.handoff_record(candidate=cand, officer=officer, **partial)
    assert handoff.completed_at is None and not handoff.is_complete
    for report in (found, missing):
        report.refresh_from_db()
        assert report.status == Report.Status.MATCHED
    assert actions(action__startswith="reunite.handoff.") == [
        "reunite.handoff.id_checked",
        "reunite.handoff.child_recognises",
        "reunite.handoff.collector",
    ]
    # Saving the same steps again writes no duplicate entries.
    services.handoff_record(candidate=cand, officer=officer, **partial)
    assert len(actions(action__startswith="reunite.handoff.")) == 3

    handoff = services.handoff_record(candidate=cand, officer=officer, **CHECKLIST)
    assert handoff.completed_at is not None
    for report in (found, missing):
        report.refresh_from_db()
        assert report.status == Report.Status.REUNITED
        assert report.closed_at is not None
    assert actions(action__startswith="reunite.handoff.")[-2:] == [
        "reunite.handoff.guardian_knowledge",
        "reunite.handoff.completed",
    ]
    assert Handoff.objects.count() == 1


@pytest.mark.django_db
def test_it_clears_rival_proposals_once_reunited(
    agency: Any, officer: Any, officer2: Any, coordinator: Any, report_data: Any
) -> None:
    _found, missing, cand = file_pair(agency, officer, report_data)
    found2 = services.report_create(
        agency=agency,
        kind="found",
        data=report_data("found", place="Bus stop"),
        filed_by=officer2,
    )
    assert Candidate.objects.filter(missing=missing, found=found2).exists()
    services.candidate_confirm(candidate=cand, actor=coordinator)
    services.handoff_record(candidate=cand, officer=officer, **CHECKLIST)
    assert not Candidate.objects.filter(missing=missing, found=found2).exists()
    found2.refresh_from_db()
    assert found2.status == Report.Status.OPEN


@pytest.mark.django_db
def test_it_removes_proposals_when_a_report_is_cancelled(
    agency: Any, officer: Any, coordinator: Any, report_data: Any
) -> None:
    _found, missing, cand = file_pair(agency, officer, report_data)
    services.report_cancel(report=missing, reason="Found him at the neighbour's", actor=None)
    missing.refresh_from_db()
    # The guardian's own withdrawal: her child is safe, no report needed.
    assert missing.status == Report.Status.CLOSED
    assert missing.outcome == "no_report_needed"
    assert missing.cancel_reason == "Found him at the neighbour's"
    assert missing.closed_at is not None
    assert not Candidate.objects.filter(pk=cand.pk).exists()
    entry = AuditEntry.objects.get(action="reunite.report.closed")
    assert entry.object_id == str(missing.pk) and entry.actor_label == "public"
    # A cancelled report is never matched again, in either direction.
    services.report_create(agency=agency, kind="found", data=report_data("found"), filed_by=officer)
    assert not Candidate.objects.filter(missing=missing).exists()
    assert matching_service.matches_refresh(report=missing) == []


@pytest.mark.django_db
def test_it_audits_creation_views_and_notes(agency: Any, officer: Any, report_data: Any) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    services.note_add(report=found, author=officer, text="Calm, eating a donut.")
    services.report_viewed(report=missing, actor=officer, where="detail")
    assert actions(object_type="report", object_id=str(found.pk)) == [
        "reunite.report.created.found",
        "reunite.note.added",
    ]
    assert actions(object_type="report", object_id=str(missing.pk)) == [
        "reunite.report.created.missing",
        "reunite.report.viewed",
    ]
    created = AuditEntry.objects.get(action="reunite.report.created.missing")
    assert created.data["channel"] == "public" and created.agency_id == agency.pk
