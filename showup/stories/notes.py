"""Thank-you notes from the public: services (every rule, one coded StoryError each),
selectors, moderation and the retention purge.

A note is sent to a unit (an agency), optionally naming an officer by name or badge number as
the writer knows them: the public never sees a list of staff. At creation the hint is matched
against the unit's active staff (a badge number, or a full name, that names exactly one
person); a coordinator confirms or chooses the officer during moderation. A hint that matches
nobody is kept with the private original so that nothing typed is lost.

On creation the text goes through `redaction.moderation.moderate` (children's names, contact
details, links, spam and abuse): its public text and flags are stored as the proposal; the
original (`body`) and the writer's contact stay private (the unit's coordinators only). A
coordinator edits the public text, approves, publishes or rejects; only `public_body` of a
published note is ever shown (`published_notes`), with the writer's first name or "a family".
When the moderation package is not installed the proposal is empty and flagged
"unmoderated": a coordinator must write the public text (fail closed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from showup.core.audit import audit
from showup.core.models import Agency, User
from showup.core.text import text_problem
from showup.stories.errors import StoryError
from showup.stories.followups import STAFF_ROLES, is_coordinator
from showup.stories.models import ThankYouNote

logger = logging.getLogger(__name__)

BODY_MAX = 4000
PUBLIC_MAX = 4000
NAME_MAX = 100
HINT_MAX = 100
REFERENCE_MAX = 20
UNMODERATED = "unmoderated"
OFFICER_UNMATCHED = "officer_unmatched"

Status = ThankYouNote.Status

AUDIT_LABELS = {
    "stories.note.received": gettext_lazy("Thank-you note received"),
    "stories.note.edited": gettext_lazy("Thank-you note's public text edited"),
    "stories.note.approved": gettext_lazy("Thank-you note approved"),
    "stories.note.published": gettext_lazy("Thank-you note published"),
    "stories.note.rejected": gettext_lazy("Thank-you note rejected"),
    "stories.note.officer_set": gettext_lazy("Thank-you note's officer chosen"),
    "stories.note.viewed": gettext_lazy("Thank-you note opened for moderation"),
    "stories.note.purged": gettext_lazy("Thank-you note's personal data purged"),
}

# What each moderation flag means, for the coordinator.
FLAG_LABELS = {
    "contact": gettext_lazy("Contact details (email, phone, address) were taken out."),
    "child_name": gettext_lazy("A child's name was taken out."),
    "person_name": gettext_lazy("A person's name was taken out: check it is not a child's."),
    "link": gettext_lazy("It contains a link."),
    "spam": gettext_lazy("It looks like spam."),
    "abuse": gettext_lazy("It may contain abusive words."),
    UNMODERATED: gettext_lazy(
        "The automatic moderation is not available: write the public text yourself."
    ),
    OFFICER_UNMATCHED: gettext_lazy(
        "The officer the writer named matches nobody: choose the officer, or leave the unit."
    ),
}


def flag_label(code: str) -> str:
    label = FLAG_LABELS.get(code)
    return str(label) if label is not None else code


# --- checks --------------------------------------------------------------------------------------


def _text(value: str, *, field: str, max_length: int, multiline: bool = False) -> str:
    value = (value or "").strip()
    problem = text_problem(value, multiline=multiline, name=field == "author_name")
    if problem:
        raise StoryError("bad_text", problem, 422)
    if len(value) > max_length:
        raise StoryError(
            "too_long",
            _("This is too long: at most %(max)s characters.") % {"max": max_length},
            422,
        )
    return value


def _email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        message = _("Enter a valid email address, or leave it empty.")
        raise StoryError("bad_email", message, 422) from None
    return value


# --- moderation ----------------------------------------------------------------------------------


def _moderate(text: str, agency: Agency, officer: User | None) -> tuple[str, list[str]]:
    """The proposed public text and the flags, from redaction.moderation (the names engineer's
    package): contact details and detected person names taken out, except the thanked
    officer's own names. Missing package: nothing proposed, flagged (a person writes it)."""
    try:
        from redaction.moderation import moderate
    except ImportError:
        return "", [UNMODERATED]
    allowed: list[str] = []
    if officer is not None:
        allowed = [n for n in (officer.get_full_name(), officer.first_name, officer.last_name) if n]
    result = moderate(text, region=agency.phone_region or "US", allowed_names=allowed)
    return result.public_text, list(dict.fromkeys(result.flags))


def match_officer(agency: Agency, hint: str) -> User | None:
    """The one active staff member of the agency the writer named (badge number, or full name,
    case-insensitive), or None."""
    hint = " ".join(hint.split())
    if not hint:
        return None
    staff = User.objects.filter(agency=agency, is_active=True, role__in=STAFF_ROLES)
    by_badge = list(staff.filter(badge_number__iexact=hint)[:2])
    if len(by_badge) == 1:
        return by_badge[0]
    parts = hint.split(" ")
    if len(parts) >= 2:
        found = list(
            staff.filter(first_name__iexact=" ".join(parts[:-1]), last_name__iexact=parts[-1])[:2]
        )
        if len(found) == 1:
            return found[0]
    # "Officer Diaz", "Deputy Diaz": the last word as a surname, if only one person has it.
    found = list(staff.filter(last_name__iexact=parts[-1])[:2]) if parts else []
    if len(found) == 1:
        return found[0]
    return None


# --- creating (public) ---------------------------------------------------------------------------


def note_create(
    *,
    agency: Agency,
    body: str,
    author_name: str = "",
    author_email: str = "",
    officer_hint: str = "",
    encounter_reference: str = "",
    language: str = "en",
) -> ThankYouNote:
    body = _text(body, field="body", max_length=BODY_MAX, multiline=True)
    if not body:
        raise StoryError("empty", _("Write your note."), 422)
    author_name = _text(author_name, field="author_name", max_length=NAME_MAX)
    author_email = _email(author_email)
    officer_hint = _text(officer_hint, field="officer_hint", max_length=HINT_MAX)
    encounter_reference = _text(
        encounter_reference, field="encounter_reference", max_length=REFERENCE_MAX
    ).upper()
    officer = match_officer(agency, officer_hint)
    public_body, flags = _moderate(body, agency, officer)
    if officer_hint and officer is None:
        flags.append(OFFICER_UNMATCHED)
    with transaction.atomic():
        note = ThankYouNote.objects.create(
            agency=agency,
            officer=officer,
            encounter_reference=encounter_reference,
            author_name=author_name,
            author_email=author_email,
            # Kept privately for the coordinator, never in the public text.
            officer_hint=officer_hint if officer is None else "",
            body=body,
            language=(language or "en")[:10],
            public_body=public_body,
            flags=flags,
        )
        audit(
            "stories.note.received",
            actor=None,
            actor_label="public",
            obj=note,
            agency_id=agency.pk,
            officer=officer.pk if officer else None,
            flags=flags,
        )
    return note


# --- reads ---------------------------------------------------------------------------------------


def moderated_notes(user: User) -> QuerySet[ThankYouNote]:
    """The notes a coordinator (or admin) of the agency moderates; nothing for anyone else."""
    if not is_coordinator(user):
        return ThankYouNote.objects.none()
    return ThankYouNote.objects.filter(agency_id=user.agency_id or 0).select_related("officer")


def access_note(user: User, pk: int) -> ThankYouNote:
    note = moderated_notes(user).filter(pk=pk).first()
    if note is None:
        raise Http404("No such note")
    return note


def published_notes(agency: Agency) -> QuerySet[ThankYouNote]:
    return ThankYouNote.objects.filter(
        agency=agency, status=Status.PUBLISHED, public_body__gt=""
    ).order_by("-published_at", "-pk")


def public_signature(note: ThankYouNote) -> str:
    """How a published note is signed: always "a family". The writer is often a child's
    parent, and a parent's first name beside the story of the day can point to the child;
    the name stays with the private original, for the coordinator."""
    return str(_("a family"))


def note_viewed(*, note: ThankYouNote, actor: User) -> None:
    audit("stories.note.viewed", actor=actor, obj=note)


# --- moderation (coordinators) -------------------------------------------------------------------


def _locked(note: ThankYouNote, actor: User) -> ThankYouNote:
    if not is_coordinator(actor) or actor.agency_id != note.agency_id:
        raise StoryError("forbidden", _("Only the unit's coordinators moderate notes."), 403)
    row = ThankYouNote.objects.select_for_update().get(pk=note.pk)
    if row.purged_at is not None:
        raise StoryError("purged", _("This note was purged."))
    return row


def note_edit(
    *, note: ThankYouNote, actor: User, public_body: str, officer: Any = ...
) -> ThankYouNote:
    """Change the public text (and, given, the officer thanked; None: the unit)."""
    public_body = _text(public_body, field="public_body", max_length=PUBLIC_MAX, multiline=True)
    with transaction.atomic():
        row = _locked(note, actor)
        if row.status in (Status.PUBLISHED, Status.REJECTED):
            raise StoryError(
                "not_editable", _("A published or rejected note can no longer be changed.")
            )
        fields = []
        if row.public_body != public_body:
            row.public_body = public_body
            fields.append("public_body")
        if officer is not ...:
            officer_pk = officer.pk if isinstance(officer, User) else None
            if (
                officer_pk is not None
                and not User.objects.filter(
                    pk=officer_pk, agency_id=row.agency_id, is_active=True, role__in=STAFF_ROLES
                ).exists()
            ):
                raise StoryError("bad_officer", _("Choose an active officer of your unit."), 422)
            if row.officer_id != officer_pk:
                row.officer_id = officer_pk
                fields.append("officer")
                audit("stories.note.officer_set", actor=actor, obj=row, officer=officer_pk)
        if fields:
            row.save(update_fields=fields)
            if "public_body" in fields:
                audit("stories.note.edited", actor=actor, obj=row)
    return row


def note_approve(*, note: ThankYouNote, actor: User) -> ThankYouNote:
    with transaction.atomic():
        row = _locked(note, actor)
        if row.status != Status.PENDING:
            raise StoryError(
                "not_pending", _("Only a note waiting for moderation can be approved.")
            )
        if not row.public_body.strip():
            raise StoryError("no_public_text", _("Write the public text first."), 422)
        row.status = Status.APPROVED
        row.moderated_by = actor
        row.moderated_at = timezone.now()
        row.save(update_fields=["status", "moderated_by", "moderated_at"])
        audit("stories.note.approved", actor=actor, obj=row)
    return row


def note_publish(*, note: ThankYouNote, actor: User) -> ThankYouNote:
    from showup.stories import notify

    with transaction.atomic():
        row = _locked(note, actor)
        if row.status == Status.PUBLISHED:
            raise StoryError("already_published", _("This note is already published."))
        if row.status == Status.REJECTED:
            raise StoryError("rejected", _("A rejected note cannot be published."))
        if not row.public_body.strip():
            raise StoryError("no_public_text", _("Write the public text first."), 422)
        now = timezone.now()
        row.status = Status.PUBLISHED
        row.moderated_by = actor
        row.moderated_at = row.moderated_at or now
        row.published_at = now
        row.save(update_fields=["status", "moderated_by", "moderated_at", "published_at"])
        audit("stories.note.published", actor=actor, obj=row, officer=row.officer_id)
        notify.note_published(row.pk)
    return row


def note_reject(*, note: ThankYouNote, actor: User) -> ThankYouNote:
    with transaction.atomic():
        row = _locked(note, actor)
        if row.status == Status.REJECTED:
            raise StoryError("already_rejected", _("This note is already rejected."))
        row.status = Status.REJECTED
        row.moderated_by = actor
        row.moderated_at = timezone.now()
        row.save(update_fields=["status", "moderated_by", "moderated_at"])
        audit("stories.note.rejected", actor=actor, obj=row, was_published=bool(row.published_at))
    return row


def mark_officer_told(pk: int) -> None:
    ThankYouNote.objects.filter(pk=pk, officer_told_at__isnull=True).update(
        officer_told_at=timezone.now()
    )


# --- retention -----------------------------------------------------------------------------------


def purge_due(now: datetime) -> tuple[list[int], list[int]]:
    """(notes to clear, notes to delete): older than the agency's retention period and not
    purged yet. Published notes keep their public text and lose the original and the
    contact; the others (pending, approved, rejected) are deleted altogether."""
    clear: list[int] = []
    delete: list[int] = []
    for agency in Agency.objects.all():
        cutoff = now - timedelta(days=agency.retention_days)
        old = ThankYouNote.objects.filter(agency=agency, created_at__lt=cutoff)
        clear += list(
            old.filter(status=Status.PUBLISHED, purged_at__isnull=True).values_list("pk", flat=True)
        )
        delete += list(old.filter(~Q(status=Status.PUBLISHED)).values_list("pk", flat=True))
    return clear, delete


def purge_notes(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    clear, delete = purge_due(now)
    cleared = deleted = 0
    for pk in clear:
        with transaction.atomic():
            row = ThankYouNote.objects.select_for_update().filter(pk=pk).first()
            if row is None or row.purged_at is not None:
                continue
            row.body = ""
            row.author_name = ""
            row.author_email = ""
            row.officer_hint = ""
            row.encounter_reference = ""
            row.purged_at = now
            row.save(
                update_fields=[
                    "body",
                    "author_name",
                    "author_email",
                    "officer_hint",
                    "encounter_reference",
                    "purged_at",
                ]
            )
            audit("stories.note.purged", actor=None, actor_label="retention", obj=row)
            cleared += 1
    for pk in delete:
        with transaction.atomic():
            row = ThankYouNote.objects.select_for_update().filter(pk=pk).first()
            if row is None or row.status == Status.PUBLISHED:
                continue
            audit(
                "stories.note.purged",
                actor=None,
                actor_label="retention",
                obj=row,
                deleted=True,
            )
            # A story drafted from it keeps its own text (note: SET_NULL).
            row.delete()
            deleted += 1
    return {"cleared": cleared, "deleted": deleted}


class FollowUpsAndNotesPurger:
    """The stories module's purger for follow-ups (notes cleared) and thank-you notes
    (originals and contacts cleared; unpublished notes deleted)."""

    name = "stories.followups_notes"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        from showup.stories import followups

        if dry_run:
            clear, delete = purge_due(now)
            return {
                "followups": len(followups.purge_due(now)),
                "notes_cleared": len(clear),
                "notes_deleted": len(delete),
            }
        notes = purge_notes(now)
        return {
            "followups": followups.purge_followups(now),
            "notes_cleared": notes["cleared"],
            "notes_deleted": notes["deleted"],
        }

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would purge" if dry_run else "Purged"
        return [
            f"{verb} the notes of {counts['followups']} follow-up(s), "
            f"{counts['notes_cleared']} published thank-you note(s)' originals and "
            f"{counts['notes_deleted']} unpublished note(s)."
        ]


def register() -> None:
    """Called from StoriesConfig.ready(): audit labels and the retention purger (follow-ups
    and notes together)."""
    from showup.core.registry import register_audit_labels, register_purger

    register_audit_labels(AUDIT_LABELS)
    register_purger(FollowUpsAndNotesPurger())
