"""Follow-ups owed after an encounter: services (every rule, one coded StoryError each),
selectors, the reminder job and the retention purge.

An encounter is whatever core's registry gives the user (`core.registry.encounter`): a closed
or reunited report of any outcome (a welfare check of a child found alone included), a
completed visit. The follow-up stores the encounter's kind, id and label (a reference such as
"Found child R-XXXX-XXXX, Closed"), never a child's name. Who may do what:

- create: an officer, coordinator or admin of the agency who may see the encounter; an officer
  owes it himself, a coordinator (or admin) may make any active officer or coordinator of the
  agency owe it;
- see and change: the officer who owes it, the one who created it, and the agency's
  coordinators and admins; anyone else gets 404 (`access_followup`), as for one that does not
  exist;
- mark done, change the due date: the one who owes it or a coordinator; cancel: also the one
  who created it; reassign: a coordinator only.

Audit entries carry codes and ids only (`stories.followup.*`); the notes stay on the row and
are cleared by the retention purge (`purge_followups`) once the agency's retention period has
passed since the follow-up was closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from showup.core.audit import audit
from showup.core.models import Agency, Role, User
from showup.core.registry import encounter
from showup.core.text import text_problem
from showup.core.when import EARLIEST_YEAR, SCHEDULE_AHEAD
from showup.stories.errors import StoryError
from showup.stories.models import FollowUp

NOTE_MAX = 1000
# The morning hour (agency time, settings.TIME_ZONE) from which the day's reminders go out.
REMINDER_HOUR = 8
# How often the scheduler looks for reminders to send (seconds).
REMINDERS_EVERY = 15 * 60
# "Done recently" on the officer's list.
RECENT_DAYS = 14

Status = FollowUp.Status
STAFF_ROLES = (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)

AUDIT_LABELS = {
    "stories.followup.created": gettext_lazy("Follow-up created"),
    "stories.followup.done": gettext_lazy("Follow-up done"),
    "stories.followup.cancelled": gettext_lazy("Follow-up cancelled"),
    "stories.followup.reassigned": gettext_lazy("Follow-up reassigned"),
    "stories.followup.rescheduled": gettext_lazy("Follow-up due date changed"),
    "stories.followup.purged": gettext_lazy("Follow-up's notes purged"),
}


# --- who -----------------------------------------------------------------------------------------


def is_agency_staff(user: object) -> bool:
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.agency_id is not None
        and user.role in STAFF_ROLES
    )


def is_coordinator(user: object) -> bool:
    return is_agency_staff(user) and isinstance(user, User) and user.role != Role.OFFICER


def assignable_officers(agency_id: int) -> QuerySet[User]:
    """Whom a coordinator may make owe a follow-up: the agency's active officers and
    coordinators (admins included)."""
    return User.objects.filter(agency_id=agency_id, is_active=True, role__in=STAFF_ROLES).order_by(
        "first_name", "last_name", "username"
    )


# --- checks shared by the web form and the API ---------------------------------------------------


def today() -> date:
    return timezone.localdate()


def due_problem(value: date, *, now: datetime | None = None) -> str | None:
    """A due date: not in the past, not beyond two years ahead, a sensible year."""
    current = timezone.localdate(now) if now else today()
    latest_year = current.year + 2
    if not EARLIEST_YEAR <= value.year <= latest_year:
        return _("Give a year from %(first)s to %(last)s.") % {
            "first": EARLIEST_YEAR,
            "last": latest_year,
        }
    if value < current:
        return _("This date has passed. Choose today or a later day.")
    if value > current + SCHEDULE_AHEAD:
        return _("This is more than two years ahead. Choose a nearer date.")
    return None


def _check_note(value: str, field: str) -> str:
    value = (value or "").strip()
    problem = text_problem(value, multiline=True)
    if problem:
        raise StoryError("bad_text", problem, 422)
    if len(value) > NOTE_MAX:
        raise StoryError(
            "too_long",
            _("Keep the %(field)s under %(max)s characters.") % {"field": field, "max": NOTE_MAX},
            422,
        )
    return value


def _check_due(value: date) -> date:
    problem = due_problem(value)
    if problem:
        raise StoryError("bad_date", problem, 422)
    return value


def _check_owner(actor: User, owed_by: User | None) -> User:
    if owed_by is None or owed_by.pk == actor.pk:
        return actor
    if not is_coordinator(actor):
        raise StoryError(
            "forbidden", _("Only a coordinator can make another officer owe a follow-up."), 403
        )
    if not assignable_officers(actor.agency_id or 0).filter(pk=owed_by.pk).exists():
        raise StoryError("bad_officer", _("Choose an active officer of your agency."), 422)
    return owed_by


# --- reads ---------------------------------------------------------------------------------------


def visible_followups(user: User) -> QuerySet[FollowUp]:
    """The follow-ups the user may see: coordinators all of their agency's, officers those
    they owe or created."""
    if not is_agency_staff(user):
        return FollowUp.objects.none()
    rows = FollowUp.objects.filter(agency_id=user.agency_id or 0).select_related("owed_by")
    if is_coordinator(user):
        return rows
    return rows.filter(Q(owed_by=user) | Q(created_by=user))


def access_followup(user: User, pk: int) -> FollowUp:
    """The follow-up, or 404 for one that does not exist or that the user may not see."""
    followup = visible_followups(user).filter(pk=pk).first()
    if followup is None:
        raise Http404("No such follow-up")
    return followup


def owed_list(user: User) -> list[FollowUp]:
    """The user's open follow-ups, overdue first (oldest first), then by due date."""
    rows = list(
        FollowUp.objects.filter(owed_by=user, status=Status.OPEN).order_by("due_on", "pk")[:300]
    )
    current = today()
    return [f for f in rows if f.due_on < current] + [f for f in rows if f.due_on >= current]


def done_recently(user: User) -> list[FollowUp]:
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return list(
        FollowUp.objects.filter(owed_by=user, status=Status.DONE, done_at__gte=since).order_by(
            "-done_at", "-pk"
        )[:50]
    )


def agency_overdue(agency_id: int) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(agency_id=agency_id, status=Status.OPEN, due_on__lt=today())
        .select_related("owed_by")
        .order_by("due_on", "pk")
    )


def may_change(user: User, followup: FollowUp) -> bool:
    return followup.owed_by_id == user.pk or (
        is_coordinator(user) and user.agency_id == followup.agency_id
    )


def may_cancel(user: User, followup: FollowUp) -> bool:
    return may_change(user, followup) or followup.created_by_id == user.pk


# --- changes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    kind: str
    id: int
    label: str


def source_for(user: User, kind: str, pk: int) -> Source:
    """The encounter as core's registry gives it to the user; not_found otherwise (a report
    still open, a visit not completed, another agency's, a kind nobody registered)."""
    if not is_agency_staff(user):
        raise StoryError("forbidden", _("Your account cannot owe follow-ups."), 403)
    found = encounter(kind, user, pk)
    if found is None:
        raise StoryError("not_found", _("No such encounter."), 404)
    return Source(kind=kind, id=pk, label=found.label[:100])


def followup_create(
    *,
    actor: User,
    source_kind: str,
    source_id: int,
    kind: str,
    due_on: date,
    note: str = "",
    owed_by: User | None = None,
) -> FollowUp:
    source = source_for(actor, source_kind, source_id)
    if kind not in FollowUp.Kind.values:
        raise StoryError("bad_kind", _("Choose what is owed: a visit, a call, an invitation."), 422)
    note = _check_note(note, _("note"))
    due_on = _check_due(due_on)
    owner = _check_owner(actor, owed_by)
    with transaction.atomic():
        followup = FollowUp.objects.create(
            agency_id=actor.agency_id or 0,
            source_kind=source.kind,
            source_id=source.id,
            source_label=source.label,
            kind=kind,
            note=note,
            owed_by=owner,
            due_on=due_on,
            created_by=actor,
        )
        audit(
            "stories.followup.created",
            actor=actor,
            obj=followup,
            source_kind=source.kind,
            source_id=source.id,
            kind=kind,
            owed_by=owner.pk,
            due_on=due_on.isoformat(),
        )
    return followup


def _locked(followup: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update().get(pk=followup.pk)


def _require_open(followup: FollowUp) -> None:
    if followup.status == Status.DONE:
        raise StoryError("already_done", _("This follow-up is already done."))
    if followup.status == Status.CANCELLED:
        raise StoryError("cancelled", _("This follow-up was cancelled."))
    if followup.purged_at is not None:
        raise StoryError("purged", _("This follow-up's details were purged."))


def _not_yours() -> StoryError:
    return StoryError(
        "not_yours", _("Only the officer who owes it or a coordinator can do this."), 403
    )


def followup_done(*, followup: FollowUp, actor: User, outcome_note: str = "") -> FollowUp:
    outcome_note = _check_note(outcome_note, _("outcome"))
    with transaction.atomic():
        row = _locked(followup)
        if not may_change(actor, row):
            raise _not_yours()
        _require_open(row)
        row.status = Status.DONE
        row.done_at = timezone.now()
        row.done_by = actor
        row.outcome_note = outcome_note
        row.save(update_fields=["status", "done_at", "done_by", "outcome_note"])
        audit(
            "stories.followup.done",
            actor=actor,
            obj=row,
            late=row.due_on < today(),
            with_outcome=bool(outcome_note),
        )
    return row


def followup_cancel(*, followup: FollowUp, actor: User) -> FollowUp:
    with transaction.atomic():
        row = _locked(followup)
        if not may_cancel(actor, row):
            raise _not_yours()
        _require_open(row)
        row.status = Status.CANCELLED
        row.done_at = timezone.now()
        row.done_by = actor
        row.save(update_fields=["status", "done_at", "done_by"])
        audit("stories.followup.cancelled", actor=actor, obj=row)
    return row


def followup_reschedule(*, followup: FollowUp, actor: User, due_on: date) -> FollowUp:
    due_on = _check_due(due_on)
    with transaction.atomic():
        row = _locked(followup)
        if not may_change(actor, row):
            raise _not_yours()
        _require_open(row)
        if row.due_on == due_on:
            return row
        previous = row.due_on
        row.due_on = due_on
        # A new due date earns new reminders.
        row.reminded_at = None
        row.overdue_reminded_at = None
        row.save(update_fields=["due_on", "reminded_at", "overdue_reminded_at"])
        audit(
            "stories.followup.rescheduled",
            actor=actor,
            obj=row,
            was=previous.isoformat(),
            due_on=due_on.isoformat(),
        )
    return row


def followup_reassign(*, followup: FollowUp, actor: User, owed_by: User) -> FollowUp:
    with transaction.atomic():
        row = _locked(followup)
        if not (is_coordinator(actor) and actor.agency_id == row.agency_id):
            raise StoryError("forbidden", _("Only a coordinator can reassign a follow-up."), 403)
        _require_open(row)
        if not assignable_officers(row.agency_id).filter(pk=owed_by.pk).exists():
            raise StoryError("bad_officer", _("Choose an active officer of your agency."), 422)
        if row.owed_by_id == owed_by.pk:
            return row
        previous = row.owed_by_id
        row.owed_by = owed_by
        row.reminded_at = None
        row.overdue_reminded_at = None
        row.save(update_fields=["owed_by", "reminded_at", "overdue_reminded_at"])
        audit(
            "stories.followup.reassigned",
            actor=actor,
            obj=row,
            was=previous,
            owed_by=owed_by.pk,
        )
    return row


# --- reminders (a periodic job) ------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """One email when a follow-up is due (on the due date, from REMINDER_HOUR) and one when
    it is overdue (from the morning after), each at most once: the row's stamp is set by a
    conditional UPDATE, so two schedulers never both send. Local time: settings.TIME_ZONE."""
    from showup.stories import notify

    now = now or timezone.now()
    local = timezone.localtime(now)
    counts = {"due": 0, "overdue": 0}
    if local.time() < time(REMINDER_HOUR):
        return counts
    current = local.date()
    open_rows = FollowUp.objects.filter(status=Status.OPEN, purged_at__isnull=True)
    overdue = open_rows.filter(due_on__lt=current, overdue_reminded_at__isnull=True)
    for pk in list(overdue.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            # The due-day email is never sent after the overdue one.
            taken = FollowUp.objects.filter(
                pk=pk, status=Status.OPEN, overdue_reminded_at__isnull=True
            ).update(overdue_reminded_at=now, reminded_at=now)
            if taken:
                counts["overdue"] += 1
                notify.followup_overdue(pk)
    due = open_rows.filter(due_on=current, reminded_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            taken = FollowUp.objects.filter(
                pk=pk, status=Status.OPEN, reminded_at__isnull=True
            ).update(reminded_at=now)
            if taken:
                counts["due"] += 1
                notify.followup_due(pk)
    return counts


def reminders_job() -> str | None:
    counts = send_reminders()
    if not any(counts.values()):
        return None
    return f"{counts['due']} follow-up(s) due and {counts['overdue']} overdue reminded"


# --- retention -----------------------------------------------------------------------------------


def purge_due(now: datetime) -> list[int]:
    """Closed (done or cancelled) follow-ups whose agency's retention period has passed since
    they were closed, their notes not yet cleared."""
    due: list[int] = []
    for agency in Agency.objects.all():
        cutoff = now - timedelta(days=agency.retention_days)
        due += list(
            FollowUp.objects.filter(
                agency=agency,
                status__in=(Status.DONE, Status.CANCELLED),
                done_at__lt=cutoff,
                purged_at__isnull=True,
            ).values_list("pk", flat=True)
        )
    return due


def purge_followups(now: datetime | None = None) -> int:
    """Clear the notes (what was promised, the outcome) of follow-ups closed longer ago than
    the retention period. Kind, dates, status and the encounter's reference stay (counts)."""
    now = now or timezone.now()
    purged = 0
    for pk in purge_due(now):
        with transaction.atomic():
            row = FollowUp.objects.select_for_update().get(pk=pk)
            if row.purged_at is not None:
                continue
            row.note = ""
            row.outcome_note = ""
            row.purged_at = now
            row.save(update_fields=["note", "outcome_note", "purged_at"])
            audit("stories.followup.purged", actor=None, actor_label="retention", obj=row)
            purged += 1
    return purged


def overdue_section(request: Any) -> str:
    """core's home page: the agency's overdue follow-ups, for its coordinators only."""
    from django.template.loader import render_to_string

    user = getattr(request, "user", None)
    if not is_coordinator(user):
        return ""
    assert isinstance(user, User)
    rows = list(agency_overdue(user.agency_id or 0)[:20])
    if not rows:
        return ""
    return render_to_string(
        "stories/followups/_overdue_section.html", {"overdue": rows}, request=request
    )


def register() -> None:
    """Called from StoriesConfig.ready(): audit labels, the reminder job, the coordinator's
    section of the home page."""
    from showup.core.registry import (
        register_audit_labels,
        register_home_section,
        register_periodic_job,
    )

    register_audit_labels(AUDIT_LABELS)
    register_periodic_job("stories.followup_reminders", reminders_job, REMINDERS_EVERY)
    register_home_section("stories.overdue_followups", overdue_section)
