"""State changes of the reunite module: every rule in one place.

Each function is one transaction: it locks the rows it changes, checks the state there (not
what a view saw a moment ago), raises `ReuniteError` with a stable code when a rule says no,
and writes the audit entry. The web views and the API call the same functions and only
translate the error code into a message or an HTTP status, so a rule cannot be skipped by
going through the other door.

Services never validate the *shape* of user input (forms and schemas do, through
`showup.reunite.validation`) and never check who may see a record (access helpers do); they
do check the rules of the case, including who may override a hand-off.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image

from showup.core.audit import audit
from showup.core.models import Agency, PartnerOrganisation, Role, User
from showup.core.photos import delete_photo, store_photo
from showup.reunite import notify
from showup.reunite.matching_service import bump_board_version, enqueue_match
from showup.reunite.models import (
    Candidate,
    Handoff,
    MatchOutbox,
    Outcome,
    Report,
    TimelineNote,
    new_reference,
    new_status_token,
)

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
    "reporter_relationship",
    "reporter_has_custody",
    "authorised_adults",
)
DESCRIPTION_LIMIT = 10_000

# --- errors -------------------------------------------------------------------------------

# code -> (HTTP status for the API, message for people). 409: the state of the case says no;
# 403: this person may not do it; 422: the request contradicts the case's data.
_ERRORS: dict[str, tuple[int, Promise]] = {
    "not_open": (409, _("This report is closed, so it can no longer be changed.")),
    "purged": (409, _("This report's personal data was purged; it cannot be changed.")),
    "report_matched": (
        409,
        _(
            "This report has a confirmed match. Undo the confirmation first if it was wrong; "
            "otherwise complete the hand-off."
        ),
    ),
    "already_confirmed": (409, _("This match is already confirmed.")),
    "pair_rejected": (409, _("This match was rejected; it cannot be confirmed now.")),
    "other_confirmed": (
        409,
        _(
            "One of these reports already has a confirmed match. Undo that confirmation first "
            "if it was wrong."
        ),
    ),
    "already_rejected": (409, _("This match is already rejected.")),
    "not_confirmed": (409, _("This match is not confirmed (any more).")),
    "handoff_done": (409, _("The hand-off of this match is complete; it cannot be changed.")),
    "handoff_inactive": (
        409,
        _(
            "This match is no longer active: one of the reports was closed or the match was "
            "withdrawn. Do not release the child; call the coordinator."
        ),
    ),
    "handoff_empty": (
        422,
        _("Nothing was recorded: tick each step as you do it, or name the adult."),
    ),
    "override_forbidden": (
        403,
        _("Only a coordinator can authorise a release to an adult the report does not name."),
    ),
    "override_reason_required": (422, _("Give the reason for the override.")),
    "override_name_required": (422, _("Name the adult the release is authorised for.")),
    "outcome_invalid": (
        422,
        _("Choose how the report ended. A reunion is recorded by the hand-off checklist."),
    ),
    "outcome_forbidden": (
        403,
        _("Partner staff can only say that no report is needed or that it was filed in error."),
    ),
    "outcome_agency_required": (422, _("Name the agency the child was referred or handed to.")),
    "duplicate_invalid": (
        422,
        _("A report can only be a duplicate of another report of the same kind and agency."),
    ),
    "transfer_invalid": (
        422,
        _("A report can only be transferred to an active officer or coordinator of the agency."),
    ),
    "transfer_same": (409, _("This officer is already responsible for the report.")),
    "nothing_added": (422, _("Write something or choose a photo to add.")),
    "status_link_invalid": (422, _("Only a missing-child report has a guardian's status link.")),
    "status_link_forbidden": (
        403,
        _("Only the agency's officers, coordinators and admins can revoke a guardian's link."),
    ),
}


class ReuniteError(ValueError):
    """A change the rules do not allow. `code` is stable (tests and the API rely on it);
    `message` is for people, in the active language; `status` is the API's HTTP status."""

    def __init__(self, code: str, **params: Any) -> None:
        status, message = _ERRORS[code]
        self.code = code
        self.status = status
        self.params = params
        self.message = str(message) % params if params else str(message)
        super().__init__(self.message)


def _refuse(code: str, **params: Any) -> ReuniteError:
    return ReuniteError(code, **params)


# --- locking ------------------------------------------------------------------------------


def _lock_report(pk: int) -> Report:
    return Report.objects.select_for_update().get(pk=pk)


def _lock_pair(candidate_pk: int) -> tuple[Candidate, Report, Report]:
    """The candidate and both its reports, locked in id order so that two coordinators
    deciding rival pairs at once cannot deadlock or both win."""
    missing_id, found_id = Candidate.objects.filter(pk=candidate_pk).values_list(
        "missing_id", "found_id"
    )[0]
    reports = {
        r.pk: r
        for r in Report.objects.select_for_update()
        .filter(pk__in=[missing_id, found_id])
        .order_by("pk")
    }
    candidate = Candidate.objects.select_for_update().get(pk=candidate_pk)
    candidate.missing, candidate.found = reports[missing_id], reports[found_id]
    return candidate, reports[missing_id], reports[found_id]


def _require_editable(report: Report) -> None:
    if report.purged_at is not None:
        raise _refuse("purged")
    if not report.is_open:
        raise _refuse("not_open")


# --- filing and editing -------------------------------------------------------------------


def report_create(
    *,
    agency: Agency,
    kind: str,
    data: dict[str, Any],
    filed_by: User | None,
    partner_org: PartnerOrganisation | None = None,
    photo: Image.Image | None = None,
) -> Report:
    from showup.reunite.duplicates import likely_duplicate

    with transaction.atomic():
        report = Report(agency=agency, kind=kind, filed_by=filed_by, partner_org=partner_org)
        _assign(report, data)
        if kind == Report.Kind.FOUND and filed_by is not None and filed_by.role == Role.OFFICER:
            report.holding_officer = filed_by
        report.possible_duplicate_of = likely_duplicate(
            agency_id=agency.pk,
            kind=kind,
            data=data,
            holding_officer_id=report.holding_officer_id,
            partner_org_id=partner_org.pk if partner_org else None,
        )
        if photo is not None:
            report.photo = store_photo(photo)
        report.save()
        # A matching worker ranks it once this commits (matching_service.py); it also tells
        # the coordinators about a found child that matched nothing, once that is known.
        enqueue_match(report, MatchOutbox.Reason.CREATED)
        audit(
            f"reunite.report.created.{kind}",
            actor=filed_by,
            obj=report,
            reference=report.reference,
            channel="staff" if filed_by else "public",
            possible_duplicate_of=(
                report.possible_duplicate_of.reference if report.possible_duplicate_of else ""
            ),
        )
        if kind == Report.Kind.MISSING:
            pk = report.pk
            transaction.on_commit(lambda: notify.report_filed(pk))
    return report


def report_update(
    *, report: Report, data: dict[str, Any], actor: User, photo: Image.Image | None = None
) -> Report:
    old_photo = ""
    with transaction.atomic():
        report = _lock_report(report.pk)
        _require_editable(report)
        changed = _assign(report, data)
        if photo is not None:
            old_photo, report.photo = report.photo, store_photo(photo)
            changed.append("photo")
        report.save()
        audit("reunite.report.edited", actor=actor, obj=report, fields=changed)
        enqueue_match(report, MatchOutbox.Reason.EDITED)
    if old_photo:
        transaction.on_commit(lambda: delete_photo(old_photo))
    return report


def report_photo_set(*, report: Report, photo: Image.Image | None, actor: User) -> Report:
    """Store a new photo (replacing any) or, with None, remove it; the old file goes once the
    change is committed. Audited like a form edit that changed the photo. Matching does not
    run again: the engine never reads photos. A closed report's photo can still be removed
    (a guardian's wish), never replaced."""
    with transaction.atomic():
        report = _lock_report(report.pk)
        if report.purged_at is not None:
            raise _refuse("purged")
        if photo is not None and not report.is_open:
            raise _refuse("not_open")
        old_photo = report.photo
        if photo is None and not old_photo:
            return report
        report.photo = store_photo(photo) if photo is not None else ""
        report.save(update_fields=["photo", "updated_at"])
        audit("reunite.report.edited", actor=actor, obj=report, fields=["photo"])
        bump_board_version(report.agency_id)  # the board's row shows the photo
    if old_photo:
        transaction.on_commit(lambda: delete_photo(old_photo))
    return report


def report_add_information(
    *, report: Report, text: str, photo: Image.Image | None = None, actor: User | None = None
) -> Report:
    """The guardian (actor None) or staff add what they remembered, or a photo. The text is a
    timeline note and joins the description, so matching runs again with it."""
    text = text.strip()
    if not text and photo is None:
        raise _refuse("nothing_added")
    old_photo = ""
    with transaction.atomic():
        report = _lock_report(report.pk)
        _require_editable(report)
        fields = []
        if text:
            TimelineNote.objects.create(
                report=report, author=actor, text=text, from_guardian=actor is None
            )
            joined = f"{report.description}\n{text}".strip() if report.description else text
            report.description = joined[-DESCRIPTION_LIMIT:]
            fields.append("description")
        if photo is not None:
            old_photo, report.photo = report.photo, store_photo(photo)
            fields.append("photo")
        report.save()
        audit(
            "reunite.report.information_added",
            actor=actor,
            obj=report,
            fields=fields,
            channel="guardian" if actor is None else "staff",
        )
        enqueue_match(report, MatchOutbox.Reason.INFO_ADDED)
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


# --- closing, transfers, duplicates -------------------------------------------------------

_NEEDS_AGENCY = (Outcome.CHILD_SERVICES, Outcome.OTHER_AGENCY)
# A store's security or a nurse did not take the child home or refer them: officers did.
PARTNER_OUTCOMES = (Outcome.NO_REPORT_NEEDED, Outcome.FILED_IN_ERROR)


def report_close(
    *,
    report: Report,
    outcome: str,
    actor: User | None,
    agency_name: str = "",
    reference: str = "",
    duplicate_of: Report | None = None,
    reason: str = "",
) -> Report:
    """Close an open report with a structured outcome (never a reunion: that is the hand-off,
    which checks who takes the child). A report with a confirmed match cannot be closed
    around it: that would leave the other report matched forever."""
    if outcome not in Outcome.values or outcome == Outcome.REUNITED:
        raise _refuse("outcome_invalid")
    if actor is not None and actor.role == Role.PARTNER and outcome not in PARTNER_OUTCOMES:
        raise _refuse("outcome_forbidden")
    agency_name, reference, reason = agency_name.strip(), reference.strip(), reason.strip()
    if outcome in _NEEDS_AGENCY and not agency_name:
        raise _refuse("outcome_agency_required")
    with transaction.atomic():
        report = _lock_report(report.pk)
        if report.status == Report.Status.MATCHED:
            raise _refuse("report_matched")
        _require_editable(report)
        kept = _check_duplicate(report, outcome, duplicate_of)
        report.status = (
            Report.Status.CANCELLED if outcome == Outcome.FILED_IN_ERROR else Report.Status.CLOSED
        )
        report.outcome = outcome
        report.outcome_agency = agency_name if outcome in _NEEDS_AGENCY else ""
        report.outcome_reference = reference if outcome in _NEEDS_AGENCY else ""
        report.duplicate_of = kept
        report.cancel_reason = reason[:300]
        report.closed_at = timezone.now()
        report.closed_by = actor
        report.save()
        # Off the board at once; the worker drops it from its index.
        _pair_filter(report).filter(decision=Candidate.Decision.PROPOSED).delete()
        enqueue_match(report, MatchOutbox.Reason.CLOSED)
        # Free text (the reason) may name people: it stays on the report, which the retention
        # purge clears, never in the audit log, which is kept for ever.
        audit(
            "reunite.report.closed",
            actor=actor,
            obj=report,
            outcome=outcome,
            agency_given=bool(report.outcome_agency),  # the name stays on the report
            duplicate_of=kept.reference if kept else "",
            reason_given=bool(reason),
            channel="staff" if actor else "guardian",
        )
        pk = report.pk
        transaction.on_commit(lambda: notify.report_closed(pk))
    return report


def _check_duplicate(report: Report, outcome: str, duplicate_of: Report | None) -> Report | None:
    if outcome != Outcome.DUPLICATE:
        return None
    if (
        duplicate_of is None
        or duplicate_of.pk == report.pk
        or duplicate_of.agency_id != report.agency_id
        or duplicate_of.kind != report.kind
    ):
        raise _refuse("duplicate_invalid")
    return duplicate_of


def report_cancel(*, report: Report, reason: str, actor: User | None) -> Report:
    """Staff: the report should not have been filed. The guardian: her child is safe."""
    if actor is None:
        return report_withdraw(report=report, reason=reason)
    return report_close(report=report, outcome=Outcome.FILED_IN_ERROR, actor=actor, reason=reason)


def report_withdraw(*, report: Report, reason: str) -> Report:
    """The guardian's own "we found her, thank you" from her status page."""
    return report_close(report=report, outcome=Outcome.NO_REPORT_NEEDED, actor=None, reason=reason)


def report_transfer(*, report: Report, to_officer: User, actor: User) -> Report:
    """Hand the responsibility for an open report (for a found child: the child) to another
    officer or coordinator of the agency."""
    with transaction.atomic():
        report = _lock_report(report.pk)
        _require_editable(report)
        eligible = (
            to_officer.is_active
            and to_officer.agency_id == report.agency_id
            and to_officer.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
        )
        if not eligible:
            raise _refuse("transfer_invalid")
        if report.holding_officer_id == to_officer.pk:
            raise _refuse("transfer_same")
        previous = report.holding_officer_id
        report.holding_officer = to_officer
        report.save(update_fields=["holding_officer", "updated_at"])
        audit(
            "reunite.report.transferred",
            actor=actor,
            obj=report,
            from_user=previous,
            to_user=to_officer.pk,
        )
        bump_board_version(report.agency_id)
        pk, to_pk = report.pk, to_officer.pk
        transaction.on_commit(lambda: notify.report_transferred(pk, to_pk))
    return report


def report_merge(*, duplicate: Report, into: Report, actor: User) -> Report:
    """Close a likely duplicate as a duplicate of the report that is kept; the kept report's
    timeline says so, and nothing the duplicate held is lost (its details stay on it until the
    retention purge, and its reference points to the kept one)."""
    with transaction.atomic():
        kept = _lock_report(into.pk)
        _require_editable(kept)
        closed = report_close(
            report=duplicate, outcome=Outcome.DUPLICATE, actor=actor, duplicate_of=kept
        )
        TimelineNote.objects.create(
            report=kept,
            author=actor,
            text=str(_("Report %(reference)s was merged into this one as a duplicate."))
            % {"reference": closed.reference},
        )
        Report.objects.filter(possible_duplicate_of=closed).update(possible_duplicate_of=None)
        if kept.possible_duplicate_of_id == closed.pk:
            kept.possible_duplicate_of = None
            kept.save(update_fields=["possible_duplicate_of", "updated_at"])
        audit("reunite.report.merged", actor=actor, obj=kept, duplicate=closed.reference)
        enqueue_match(kept, MatchOutbox.Reason.MERGED)
    return closed


def _pair_filter(report: Report) -> Any:
    field = "missing" if report.kind == Report.Kind.MISSING else "found"
    return Candidate.objects.filter(**{field: report})


# --- match decisions ----------------------------------------------------------------------


def _decide(candidate: Candidate, decision: str, actor: User) -> None:
    candidate.decision = decision
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])


def _set_status(reports: tuple[Report, ...], status: str) -> None:
    for report in reports:
        report.status = status
        report.save(update_fields=["status", "updated_at"])


def _handoff_completed(candidate: Candidate) -> bool:
    return Handoff.objects.filter(candidate=candidate, completed_at__isnull=False).exists()


def candidate_confirm(*, candidate: Candidate, actor: User) -> Candidate:
    """A coordinator says the two reports are the same child: both become matched, and the
    officer with the child, the coordinators and the guardian are told."""
    with transaction.atomic():
        candidate, missing, found = _lock_pair(candidate.pk)
        if candidate.decision == Candidate.Decision.CONFIRMED:
            raise _refuse("already_confirmed")
        if candidate.decision == Candidate.Decision.REJECTED:
            raise _refuse("pair_rejected")
        if Report.Status.MATCHED in (missing.status, found.status):
            raise _refuse("other_confirmed")
        if missing.status != Report.Status.OPEN or found.status != Report.Status.OPEN:
            raise _refuse("not_open")
        _decide(candidate, Candidate.Decision.CONFIRMED, actor)
        _set_status((missing, found), Report.Status.MATCHED)
        audit(
            "reunite.match.confirmed",
            actor=actor,
            obj=candidate,
            agency_id=missing.agency_id,
            missing=missing.reference,
            found=found.reference,
            score=candidate.score,
        )
        bump_board_version(missing.agency_id)
        pk = candidate.pk
        transaction.on_commit(lambda: notify.match_confirmed(pk))
    return candidate


def candidate_reject(*, candidate: Candidate, actor: User) -> Candidate:
    """Not the same child: the pair is never proposed again. Rejecting a confirmed match
    (before the hand-off) reopens both reports and tells whoever was told of it."""
    with transaction.atomic():
        candidate, missing, found = _lock_pair(candidate.pk)
        if candidate.decision == Candidate.Decision.REJECTED:
            raise _refuse("already_rejected")
        if _handoff_completed(candidate):
            raise _refuse("handoff_done")
        if not (missing.is_open and found.is_open):
            raise _refuse("not_open")
        was_confirmed = candidate.decision == Candidate.Decision.CONFIRMED
        _decide(candidate, Candidate.Decision.REJECTED, actor)
        if was_confirmed:
            _reopen(candidate, missing, found)
        audit(
            "reunite.match.rejected",
            actor=actor,
            obj=candidate,
            agency_id=missing.agency_id,
            missing=missing.reference,
            found=found.reference,
            was_confirmed=was_confirmed,
        )
        bump_board_version(missing.agency_id)
        if was_confirmed:
            pk = candidate.pk
            transaction.on_commit(lambda: notify.match_undone(pk))
    return candidate


def candidate_undo(*, candidate: Candidate, actor: User, reason: str = "") -> Candidate:
    """Take back a confirmation until the hand-off: the pair is proposed again (not
    rejected), both reports are open, the guardian and the officer are told plainly."""
    with transaction.atomic():
        candidate, missing, found = _lock_pair(candidate.pk)
        if candidate.decision != Candidate.Decision.CONFIRMED:
            raise _refuse("not_confirmed")
        if _handoff_completed(candidate):
            raise _refuse("handoff_done")
        candidate.decision = Candidate.Decision.PROPOSED
        candidate.decided_by = None
        candidate.decided_at = None
        candidate.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])
        _reopen(candidate, missing, found)
        audit(
            "reunite.match.undone",
            actor=actor,
            obj=candidate,
            agency_id=missing.agency_id,
            missing=missing.reference,
            found=found.reference,
            reason_given=bool(reason.strip()),
        )
        bump_board_version(missing.agency_id)
        pk = candidate.pk
        transaction.on_commit(lambda: notify.match_undone(pk))
    return candidate


def _reopen(candidate: Candidate, missing: Report, found: Report) -> None:
    # A half-done checklist belonged to that confirmation; its steps stay in the audit log.
    Handoff.objects.filter(candidate=candidate, completed_at__isnull=True).delete()
    reopened = tuple(r for r in (missing, found) if r.status == Report.Status.MATCHED)
    _set_status(reopened, Report.Status.OPEN)
    for report in reopened:
        enqueue_match(report, MatchOutbox.Reason.REOPENED)


# --- the hand-off -------------------------------------------------------------------------

HANDOFF_STEPS = ("id_checked", "child_recognises", "guardian_knowledge")


def folded_name(name: str) -> str:
    """A name compared as people mean it: case, accents and spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.split())


def listed_adult(missing: Report, name: str) -> dict[str, str] | None:
    """The adult on the report's list of those allowed to collect the child, by name."""
    wanted = folded_name(name)
    for adult in missing.authorised_adults or []:
        if wanted and folded_name(str(adult.get("name", ""))) == wanted:
            return {
                "name": str(adult.get("name", "")),
                "relationship": str(adult.get("relationship", "")),
            }
    return None


def collector_check(handoff: Handoff, missing: Report) -> str:
    """Whether the adult taking the child may do so: "ok", "unnamed" (no one named yet),
    or "override" (the report does not name them: a coordinator must authorise it)."""
    name = folded_name(handoff.released_to)
    if not name or not handoff.collector:
        return "unnamed"
    if handoff.override_by_id is not None and folded_name(handoff.override_for) == name:
        return "ok"
    if handoff.collector == Handoff.Collector.REPORTER:
        same_adult = name == folded_name(missing.guardian_name)
        return "ok" if same_adult and missing.reporter_has_custody is not False else "override"
    if handoff.collector == Handoff.Collector.LISTED:
        return "ok" if listed_adult(missing, handoff.released_to) else "override"
    return "override"


def handoff_ready(handoff: Handoff, missing: Report) -> bool:
    """Every check done, the adult named and entitled (or authorised): the child may go."""
    return handoff.is_complete and collector_check(handoff, missing) == "ok"


def _locked_handoff(candidate_pk: int) -> tuple[Candidate, Report, Report, Handoff | None]:
    candidate, missing, found = _lock_pair(candidate_pk)
    if candidate.decision != Candidate.Decision.CONFIRMED:
        raise _refuse("not_confirmed")
    handoff = Handoff.objects.select_for_update().filter(candidate=candidate).first()
    if handoff is not None and handoff.completed_at is not None:
        raise _refuse("handoff_done")
    if missing.status != Report.Status.MATCHED or found.status != Report.Status.MATCHED:
        raise _refuse("handoff_inactive")
    return candidate, missing, found, handoff


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
    collector: str = "",
    collector_relationship: str = "",
) -> Handoff:
    """Record the checklist. Both reports close as reunited only when every step is done and
    the adult is the reporting guardian (with custody), an adult the report lists, or one a
    coordinator authorised; otherwise they stay matched and the checklist says why."""
    values: dict[str, Any] = {
        "id_checked": id_checked,
        "id_type": id_type if id_checked else "",
        "id_last4": id_last4 if id_checked else "",
        "child_recognises": child_recognises,
        "guardian_knowledge": guardian_knowledge,
        "guardian_knowledge_note": guardian_knowledge_note if guardian_knowledge else "",
        "released_to": released_to.strip(),
        "collector": collector,
        "collector_relationship": collector_relationship,
    }
    if not any(values[step] for step in HANDOFF_STEPS) and not values["released_to"]:
        raise _refuse("handoff_empty")
    with transaction.atomic():
        candidate, missing, found, handoff = _locked_handoff(candidate.pk)
        if handoff is None:
            handoff = Handoff(candidate=candidate, officer=officer)
        if values["collector"] == Handoff.Collector.REPORTER and not values["released_to"]:
            values["released_to"] = missing.guardian_name
        if values["collector"] == Handoff.Collector.REPORTER:
            values["collector_relationship"] = missing.reporter_relationship
        for step in HANDOFF_STEPS:
            if values[step] and not getattr(handoff, step):
                audit(
                    f"reunite.handoff.{step}",
                    actor=officer,
                    obj=found,
                    candidate=candidate.pk,
                    **_step_detail(step, values),
                )
        collector_changed = (handoff.collector, handoff.released_to) != (
            values["collector"],
            values["released_to"],
        )
        for key, value in values.items():
            setattr(handoff, key, value)
        handoff.officer = officer
        check = collector_check(handoff, missing)
        if collector_changed and values["released_to"]:
            audit(
                "reunite.handoff.collector",
                actor=officer,
                obj=found,
                candidate=candidate.pk,
                collector=handoff.collector,
                relationship=handoff.collector_relationship,
                needs_override=check == "override",
            )
        if handoff.is_complete and check == "ok":
            handoff.completed_at = timezone.now()
            _close_reunited(candidate, missing, found, handoff, officer)
        handoff.save()
    return handoff


def handoff_override(
    *, candidate: Candidate, actor: User, reason: str, collector_name: str
) -> Handoff:
    """A coordinator authorises the release to an adult the report does not name (a
    neighbour sent by the mother, a grandparent without papers), with a reason. When the
    checklist is otherwise complete for that adult, the hand-off completes."""
    if not (actor.is_active and actor.role in (Role.COORDINATOR, Role.ADMIN)):
        raise _refuse("override_forbidden")
    reason, collector_name = reason.strip(), collector_name.strip()
    if not collector_name:
        raise _refuse("override_name_required")
    if not reason:
        raise _refuse("override_reason_required")
    with transaction.atomic():
        candidate, missing, found, handoff = _locked_handoff(candidate.pk)
        if actor.agency_id != missing.agency_id:
            raise _refuse("override_forbidden")
        if handoff is None:
            handoff = Handoff(candidate=candidate, officer=None)
        handoff.override_by = actor
        handoff.override_reason = reason[:300]
        handoff.override_for = collector_name[:200]
        # The reason is free text that may name people: it stays on the hand-off (purged
        # with the report), the audit log records that and by whom.
        audit(
            "reunite.handoff.override",
            actor=actor,
            obj=found,
            candidate=candidate.pk,
            collector=handoff.collector,
            relationship=handoff.collector_relationship,
        )
        if handoff_ready(handoff, missing):
            handoff.completed_at = timezone.now()
            _close_reunited(candidate, missing, found, handoff, actor)
        handoff.save()
    return handoff


def _step_detail(step: str, values: dict[str, Any]) -> dict[str, Any]:
    # The audit log outlives the retention purge, so it keeps no personal detail: the ID's
    # type is recorded here, its last characters and the guardian's answer stay on the Handoff.
    if step == "id_checked":
        return {"id_type": values["id_type"]}
    return {}


def _close_reunited(
    candidate: Candidate, missing: Report, found: Report, handoff: Handoff, actor: User
) -> None:
    now = timezone.now()
    for report in (missing, found):
        report.status = Report.Status.REUNITED
        report.outcome = Outcome.REUNITED
        report.closed_at = now
        report.closed_by = actor
        report.save(update_fields=["status", "outcome", "closed_at", "closed_by", "updated_at"])
        enqueue_match(report, MatchOutbox.Reason.CLOSED)
    Candidate.objects.filter(
        Q(missing_id=candidate.missing_id) | Q(found_id=candidate.found_id),
        decision=Candidate.Decision.PROPOSED,
    ).delete()
    audit(
        "reunite.handoff.completed",
        actor=actor,
        obj=found,
        candidate=candidate.pk,
        missing=missing.reference,
        collector=handoff.collector,
        relationship=handoff.collector_relationship,
        override=handoff.override_by_id is not None,
    )
    pk = candidate.pk
    transaction.on_commit(lambda: notify.reunited(pk))


# --- notes and views ----------------------------------------------------------------------


def note_add(*, report: Report, author: User, text: str) -> TimelineNote:
    with transaction.atomic():
        report = _lock_report(report.pk)
        if report.purged_at is not None:
            raise _refuse("purged")
        note = TimelineNote.objects.create(report=report, author=author, text=text)
        audit("reunite.note.added", actor=author, obj=report, note=note.pk)
    return note


def status_link_fingerprint(token: str) -> str:
    """What the audit log keeps of a revoked status link: enough to recognise the old link when
    it is opened again (and name the unit to call), never the link itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def report_status_link_revoke(*, report: Report, actor: User) -> Report:
    """The guardian's private status link stops working at once (it was forwarded, or sent to
    the wrong number): the report gets a new token; the old link then says "this link no longer
    works, call the unit". Audited with the old link's fingerprint, never the link."""
    with transaction.atomic():
        report = _lock_report(report.pk)
        if report.kind != Report.Kind.MISSING:
            raise _refuse("status_link_invalid")
        if report.purged_at is not None:
            raise _refuse("purged")
        if not (actor.is_agency_staff and actor.agency_id == report.agency_id):
            raise _refuse("status_link_forbidden")
        old = report.status_token
        report.status_token = new_status_token()
        report.save(update_fields=["status_token", "updated_at"])
        audit(
            "reunite.report.status_link_revoked",
            actor=actor,
            obj=report,
            old_link=status_link_fingerprint(old),
        )
    return report


def report_viewed(*, report: Report, actor: User, where: str) -> None:
    """Every staff view of a child's record is audited (design: privacy rules)."""
    audit("reunite.report.viewed", actor=actor, obj=report, where=where)


# --- imports of many reports ----------------------------------------------------------------

IMPORT_CHUNK = 500


def reports_import(
    *,
    agency: Agency,
    rows: list[tuple[str, dict[str, Any]]],
    filed_by: User | None,
    source: str,
) -> list[Any]:
    """File many reports at once (a partner's file, a later PFIF import): `rows` are
    (kind, data) already checked like single reports (`showup.reunite.imports`). All or
    nothing, in chunks of IMPORT_CHUNK: one insert of reports and one of outbox rows
    (`imported`) per chunk, one audit entry per chunk (references and counts, nothing about
    the children), one move of the board's version. Nothing is matched in the request: the
    matching workers take the outbox rows. No notification is sent per report: an import is
    not a guardian filing. Returns the audit entries, first chunk first."""
    from uuid import uuid4

    from showup.reunite import matching_service

    batch = uuid4().hex
    entries = []
    with transaction.atomic():
        for start in range(0, len(rows), IMPORT_CHUNK):
            reports = []
            for kind, data in rows[start : start + IMPORT_CHUNK]:
                report = Report(agency=agency, kind=kind, filed_by=filed_by)
                _assign(report, data)
                reports.append(report)
            _unique_references(reports)
            Report.objects.bulk_create(reports)
            shard = matching_service.shard_of(agency.pk)
            MatchOutbox.objects.bulk_create(
                MatchOutbox(
                    report=r, agency=agency, shard=shard, reason=MatchOutbox.Reason.IMPORTED
                )
                for r in reports
            )
            kinds = [r.kind for r in reports]
            entries.append(
                audit(
                    "reunite.report.imported",
                    actor=filed_by,
                    agency_id=agency.pk,
                    batch=batch,
                    chunk=start // IMPORT_CHUNK + 1,
                    source=source,
                    missing=kinds.count(Report.Kind.MISSING),
                    found=kinds.count(Report.Kind.FOUND),
                    reports=[r.reference for r in reports],
                )
            )
        bump_board_version(agency.pk)
        matching_service.after_enqueue(matching_service.shard_of(agency.pk))
    return entries


def _unique_references(reports: list[Report]) -> None:
    """A bulk insert has no retry per row: draw again any reference already taken (by
    another report, or twice in this chunk) before inserting."""
    while True:
        taken = set(
            Report.objects.filter(reference__in=[r.reference for r in reports]).values_list(
                "reference", flat=True
            )
        )
        seen: set[str] = set()
        again = False
        for report in reports:
            if report.reference in taken or report.reference in seen:
                report.reference = new_reference()
                again = True
            seen.add(report.reference)
        if not again:
            return
