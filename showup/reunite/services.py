"""State changes of the reunite module. One transaction each, each writes its audit entry.

Views and the API validate input and check access before calling these; services never
validate user input and never check who may call them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from showup.core.audit import audit
from showup.core.models import Agency, PartnerOrganisation, Role, User
from showup.core.photos import delete_photo, store_photo
from showup.reunite.candidate_index import process_index
from showup.reunite.models import Candidate, Handoff, Report, TimelineNote

# The fields a report form or the API may set; everything else is the system's.
REPORT_FIELDS = (
    "situation",
    "given_name",
    "family_name",
    "other_names",
    "age_years",
    "age_min",
    "age_max",
    "sex",
    "height_cm",
    "hair",
    "clothing",
    "carrying",
    "languages",
    "description",
    "lat",
    "lon",
    "place",
    "seen_at",
    "safe_location",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
    "guardian_language",
)
CANDIDATES_KEPT = 5


def report_create(
    *,
    agency: Agency,
    kind: str,
    data: dict[str, Any],
    filed_by: User | None,
    partner_org: PartnerOrganisation | None = None,
    photo: Image.Image | None = None,
) -> Report:
    with transaction.atomic():
        report = Report(agency=agency, kind=kind, filed_by=filed_by, partner_org=partner_org)
        _assign(report, data)
        if kind == Report.Kind.FOUND and filed_by is not None and filed_by.role == Role.OFFICER:
            report.holding_officer = filed_by
        if photo is not None:
            report.photo = store_photo(photo)
        report.save()
        audit(
            f"reunite.report.created.{kind}",
            actor=filed_by,
            obj=report,
            reference=report.reference,
            channel="staff" if filed_by else "public",
        )
        matches_refresh(report=report)
    return report


def report_update(
    *, report: Report, data: dict[str, Any], actor: User, photo: Image.Image | None = None
) -> Report:
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        changed = _assign(report, data)
        old_photo = ""
        if photo is not None:
            old_photo, report.photo = report.photo, store_photo(photo)
            changed.append("photo")
        report.save()
        audit("reunite.report.edited", actor=actor, obj=report, fields=changed)
        if report.is_open:
            matches_refresh(report=report)
    if old_photo:
        transaction.on_commit(lambda: delete_photo(old_photo))
    return report


def report_photo_set(*, report: Report, photo: Image.Image | None, actor: User) -> Report:
    """Store a new photo (replacing any) or, with None, remove it; the old file goes once the
    change is committed. Audited like a form edit that changed the photo. Matching does not
    run again: the engine never reads photos."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        old_photo = report.photo
        if photo is None and not old_photo:
            return report
        report.photo = store_photo(photo) if photo is not None else ""
        report.save(update_fields=["photo", "updated_at"])
        audit("reunite.report.edited", actor=actor, obj=report, fields=["photo"])
    if old_photo:
        transaction.on_commit(lambda: delete_photo(old_photo))
    return report


def _assign(report: Report, data: dict[str, Any]) -> list[str]:
    changed = []
    for field in REPORT_FIELDS:
        if field in data and getattr(report, field) != data[field]:
            setattr(report, field, data[field])
            changed.append(field)
    return changed


def report_cancel(*, report: Report, reason: str, actor: User | None) -> Report:
    """A report that is no longer needed ("found him at the neighbour's")."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.status = Report.Status.CANCELLED
        report.cancel_reason = reason
        report.closed_at = timezone.now()
        report.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
        _pair_filter(report).filter(decision=Candidate.Decision.PROPOSED).delete()
        # The reason is free text (it may name people); it stays on the report, which the
        # retention purge clears, not in the never-deleted audit log.
        audit("reunite.report.cancelled", actor=actor, obj=report, reason_given=bool(reason))
    return report


def _pair_filter(report: Report) -> Any:
    field = "missing" if report.kind == Report.Kind.MISSING else "found"
    return Candidate.objects.filter(**{field: report})


def matches_refresh(*, report: Report) -> list[Candidate]:
    """Run the engine for one report against the agency's open reports of the other kind.

    Proposed candidates are replaced by the engine's current view; confirmed and rejected
    pairs are kept as decided, and a rejected pair is never proposed again.
    """
    if not report.is_open:
        return []
    other_field = "missing_id" if report.kind == Report.Kind.FOUND else "found_id"
    decided = set(
        _pair_filter(report)
        .exclude(decision=Candidate.Decision.PROPOSED)
        .values_list(other_field, flat=True)
    )
    ranked = process_index.rank(report, top=CANDIDATES_KEPT + len(decided))
    other_kind = Report.Kind.FOUND if report.kind == Report.Kind.MISSING else Report.Kind.MISSING
    by_id = {
        str(r.pk): r
        for r in Report.objects.open().filter(
            agency_id=report.agency_id, kind=other_kind, pk__in=[int(c.other_id) for c in ranked]
        )
    }
    process_index.forget_missing([c.other_id for c in ranked if c.other_id not in by_id])
    ranked = [c for c in ranked if c.other_id in by_id and by_id[c.other_id].pk not in decided]
    kept: list[Candidate] = []
    for cand in ranked[:CANDIDATES_KEPT]:
        other = by_id[cand.other_id]
        missing, found = (report, other) if report.kind == Report.Kind.MISSING else (other, report)
        obj, _created = Candidate.objects.update_or_create(
            missing=missing,
            found=found,
            defaults={
                "score": cand.score,
                "engine_match": cand.match,
                "reasons": cand.reasons,
                "reason_keys": [r.to_json() for r in cand.explained],
            },
        )
        kept.append(obj)
    _pair_filter(report).filter(decision=Candidate.Decision.PROPOSED).exclude(
        pk__in=[c.pk for c in kept]
    ).delete()
    return kept


def candidate_confirm(*, candidate: Candidate, actor: User) -> Candidate:
    from showup.core import notifications

    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        candidate.decision = Candidate.Decision.CONFIRMED
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])
        Report.objects.filter(pk__in=[candidate.missing_id, candidate.found_id]).update(
            status=Report.Status.MATCHED, updated_at=timezone.now()
        )
        audit(
            "reunite.match.confirmed",
            actor=actor,
            obj=candidate,
            missing=candidate.missing.reference,
            found=candidate.found.reference,
            score=candidate.score,
        )
        pk = candidate.pk
        transaction.on_commit(lambda: notifications.match_confirmed(pk))
    return candidate


def candidate_reject(*, candidate: Candidate, actor: User) -> Candidate:
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        was_confirmed = candidate.decision == Candidate.Decision.CONFIRMED
        candidate.decision = Candidate.Decision.REJECTED
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])
        if was_confirmed:
            Report.objects.filter(
                pk__in=[candidate.missing_id, candidate.found_id], status=Report.Status.MATCHED
            ).update(status=Report.Status.OPEN, updated_at=timezone.now())
        audit(
            "reunite.match.rejected",
            actor=actor,
            obj=candidate,
            missing=candidate.missing.reference,
            found=candidate.found.reference,
        )
    return candidate


HANDOFF_STEPS = ("id_checked", "child_recognises", "guardian_knowledge")


def handoff_record(
    *,
    candidate: Candidate,
    officer: User,
    id_checked: bool,
    id_type: str,
    id_last4: str,
    child_recognises: bool,
    guardian_knowledge: bool,
    guardian_knowledge_note: str,
    released_to: str,
) -> Handoff:
    """Record the checklist; when every step is done, both reports close as reunited."""
    from showup.core import notifications

    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        handoff, _created = Handoff.objects.get_or_create(
            candidate=candidate, defaults={"officer": officer}
        )
        values = {
            "id_checked": id_checked,
            "id_type": id_type,
            "id_last4": id_last4,
            "child_recognises": child_recognises,
            "guardian_knowledge": guardian_knowledge,
            "guardian_knowledge_note": guardian_knowledge_note,
            "released_to": released_to,
        }
        for step in HANDOFF_STEPS:
            if values[step] and not getattr(handoff, step):
                audit(
                    f"reunite.handoff.{step}",
                    actor=officer,
                    obj=candidate.found,
                    candidate=candidate.pk,
                    **_step_detail(step, values),
                )
        for key, value in values.items():
            setattr(handoff, key, value)
        handoff.officer = officer
        if handoff.is_complete and handoff.completed_at is None:
            handoff.completed_at = timezone.now()
            _close_reunited(candidate, officer)
            pk = candidate.pk
            transaction.on_commit(lambda: notifications.reunited(pk))
        handoff.save()
    return handoff


def _step_detail(step: str, values: dict[str, Any]) -> dict[str, Any]:
    # The audit log outlives the retention purge, so it keeps no personal detail: the ID's
    # type is recorded here, its last characters and the guardian's answer stay on the Handoff.
    if step == "id_checked":
        return {"id_type": values["id_type"]}
    return {}


def _close_reunited(candidate: Candidate, officer: User) -> None:
    now = timezone.now()
    Report.objects.filter(pk__in=[candidate.missing_id, candidate.found_id]).update(
        status=Report.Status.REUNITED, closed_at=now, updated_at=now
    )
    Candidate.objects.filter(
        Q(missing_id=candidate.missing_id) | Q(found_id=candidate.found_id),
        decision=Candidate.Decision.PROPOSED,
    ).delete()
    audit(
        "reunite.handoff.completed",
        actor=officer,
        obj=candidate.found,
        candidate=candidate.pk,
        missing=candidate.missing.reference,
    )


def note_add(*, report: Report, author: User, text: str) -> TimelineNote:
    with transaction.atomic():
        note = TimelineNote.objects.create(report=report, author=author, text=text)
        audit("reunite.note.added", actor=author, obj=report, note=note.pk)
    return note


def report_viewed(*, report: Report, actor: User, where: str) -> None:
    """Every staff view of a child's record is audited (design: privacy rules)."""
    audit("reunite.report.viewed", actor=actor, obj=report, where=where)
