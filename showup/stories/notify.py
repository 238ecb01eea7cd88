"""What officers are told about their follow-ups and their thank-you notes.

Services call the entry points at the bottom inside their transaction; each hands a kind's
name and a primary key to core's notifications after the commit, and core delivers in the
recipient's own language (`User.language`). Messages name the kind of follow-up, its due date
and the encounter's reference, never a child's name; a published note's message carries the
public text only (names and contact details already taken out), never the original.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from showup.core import notifications
from showup.core.models import Role, User
from showup.core.notifications import (
    Channel,
    Delivery,
    Message,
    NotificationKind,
    absolute_url,
)
from showup.core.registry import register_notification_kind
from showup.stories.models import FollowUp, ThankYouNote

OFFICER = "officer"
COORDINATOR = "coordinator"


class _FollowUpKind(NotificationKind):
    subject_key = "followup"

    def agency_id(self, pk: int) -> int | None:
        return FollowUp.objects.filter(pk=pk).values_list("agency_id", flat=True).first()

    def followup(self, pk: int) -> FollowUp | None:
        return (
            FollowUp.objects.select_related("owed_by")
            .filter(pk=pk, status=FollowUp.Status.OPEN, purged_at__isnull=True)
            .first()
        )

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        followup = self.followup(pk)
        if followup is None or not followup.owed_by.is_active:
            return []  # done or cancelled before the worker ran: nothing to remind
        out = [Delivery.to_user(Channel.APP, followup.owed_by, OFFICER)]
        if followup.owed_by.email:
            out.append(Delivery.to_user(Channel.EMAIL, followup.owed_by, OFFICER))
        return out

    def values(self, followup: FollowUp) -> dict[str, str]:
        return {
            "kind": str(followup.get_kind_display()),
            "due": date_format(followup.due_on, "DATE_FORMAT"),
            "encounter": followup.source_label or str(_("an encounter")),
            "link": absolute_url(reverse("stories:followup_detail", args=[followup.pk])),
        }

    @abstractmethod
    def text(self, values: dict[str, str]) -> tuple[str, str]:
        """The subject and body in the active language."""

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        followup = self.followup(pk)
        if followup is None:
            return None
        values = self.values(followup)
        subject, body = self.text(values)
        return Message(
            subject=subject,
            body=body,
            url=reverse("stories:followup_detail", args=[followup.pk]),
        )


class FollowUpDue(_FollowUpKind):
    name = "stories.followup_due"

    def text(self, values: dict[str, str]) -> tuple[str, str]:
        subject = _("Follow-up due today: %(kind)s") % values
        body = (
            _(
                "A follow-up you owe is due today (%(due)s): %(kind)s, after %(encounter)s. "
                "Mark it done when it is: %(link)s"
            )
            % values
        )
        return subject, body


class FollowUpOverdue(_FollowUpKind):
    name = "stories.followup_overdue"

    def text(self, values: dict[str, str]) -> tuple[str, str]:
        subject = _("Follow-up overdue: %(kind)s") % values
        body = (
            _(
                "A follow-up you owe was due on %(due)s and is not done yet: %(kind)s, after "
                "%(encounter)s. Do it, change its date or ask your coordinator: %(link)s"
            )
            % values
        )
        return subject, body


class NotePublished(NotificationKind):
    """A thank-you note was published: the officer thanked hears of it, or the unit's
    coordinators when it thanks the unit."""

    name = "stories.note_published"
    subject_key = "note"

    def agency_id(self, pk: int) -> int | None:
        return ThankYouNote.objects.filter(pk=pk).values_list("agency_id", flat=True).first()

    def note(self, pk: int) -> ThankYouNote | None:
        return (
            ThankYouNote.objects.select_related("agency", "officer")
            .filter(pk=pk, status=ThankYouNote.Status.PUBLISHED)
            .first()
        )

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        note = self.note(pk)
        if note is None:
            return []
        if note.officer is not None and note.officer.is_active:
            people = [(note.officer, OFFICER)]
        else:
            people = [
                (u, COORDINATOR)
                for u in User.objects.filter(
                    agency_id=note.agency_id, is_active=True, role=Role.COORDINATOR
                )
            ]
        out = []
        for person, role in people:
            out.append(Delivery.to_user(Channel.APP, person, role))
            if person.email:
                out.append(Delivery.to_user(Channel.EMAIL, person, role))
        from showup.stories.notes import mark_officer_told

        mark_officer_told(pk)
        return out

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        note = self.note(pk)
        if note is None:
            return None
        path = reverse("stories:notes_public", args=[note.agency.slug])
        values = {"link": absolute_url(path), "text": note.public_body[:1500]}
        if delivery.role == OFFICER:
            subject = _("Someone thanked you")
            lead = _("A thank-you note to you is now on the unit's page: %(link)s") % values
        else:
            subject = _("A thank-you note to the unit")
            lead = _("A thank-you note to the unit is now on its page: %(link)s") % values
        body = f"{lead}\n\n{values['text']}"
        if delivery.channel == Channel.APP:
            body = lead
        return Message(subject=subject, body=body, url=path)


KINDS: tuple[NotificationKind, ...] = (FollowUpDue(), FollowUpOverdue(), NotePublished())


def register() -> None:
    """Called from StoriesConfig.ready()."""
    for kind in KINDS:
        register_notification_kind(kind)


# --- entry points called by services (inside their transaction) ---------------------------------


def _after_commit(kind: str, pk: int) -> None:
    transaction.on_commit(lambda: notifications.send(kind, pk))


def followup_due(pk: int) -> None:
    _after_commit(FollowUpDue.name, pk)


def followup_overdue(pk: int) -> None:
    _after_commit(FollowUpOverdue.name, pk)


def note_published(pk: int) -> None:
    _after_commit(NotePublished.name, pk)
