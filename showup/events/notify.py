"""What families are told about their registration, and invited families about an event.

Services call the entry points at the bottom inside their transaction; each hands a kind's name
and a primary key to core's notifications after the commit (a rolled-back change tells
nobody), and core delivers from its worker. The kinds are registered with core in
EventsConfig.ready().

A family is written to in the language it registered in (`Registration.language`), by every
channel it gave: an email when it gave an address, a text when it gave a phone. Each message
names the event, its date, the registration's reference and the private manage link
(`/events/r/<token>/`, where the QR code for the door is shown); never a child's name (a text
or an email leaves showup). A registration purged since the change tells nobody.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from showup.core import notifications
from showup.core.models import User
from showup.core.notifications import (
    Channel,
    Delivery,
    Message,
    NotificationKind,
    absolute_url,
    supported_language,
)
from showup.core.registry import register_notification_kind
from showup.events.models import Event, Invitation, Registration

logger = logging.getLogger(__name__)

FAMILY = "family"


def _path(name: str, arg: str, fallback: str) -> str:
    """The page's path by its URL name; the documented path while the pages are not wired."""
    try:
        return reverse(name, args=[arg])
    except NoReverseMatch:
        return fallback


def manage_link(registration: Registration) -> str:
    token = registration.token
    return absolute_url(_path("events:manage", token, f"/events/r/{token}/"))


def rsvp_link(invitation: Invitation) -> str:
    reference = invitation.event.reference
    path = _path("events:rsvp", reference, f"/events/{reference}/rsvp/")
    return absolute_url(f"{path}?i={invitation.token}")


def _when(event: Event) -> str:
    return date_format(timezone.localtime(event.start), "DATETIME_FORMAT")


def _family_deliveries(registration: Registration | None) -> list[Delivery]:
    if registration is None or registration.purged_at is not None:
        return []
    out = []
    if registration.email.strip():
        out.append(Delivery(Channel.EMAIL, FAMILY, FAMILY))
    if registration.phone.strip():
        out.append(Delivery(Channel.SMS, FAMILY, FAMILY))
    return out


class _RegistrationKind(NotificationKind):
    subject_key = "registration"
    # Only send while the registration is still in one of these statuses (None: any).
    statuses: tuple[str, ...] | None = None

    def agency_id(self, pk: int) -> int | None:
        return Registration.objects.filter(pk=pk).values_list("event__agency_id", flat=True).first()

    def registration(self, pk: int) -> Registration | None:
        registration = (
            Registration.objects.select_related("event", "event__agency").filter(pk=pk).first()
        )
        if registration is None:
            logger.warning("%s for registration %s skipped: it no longer exists", self.name, pk)
        return registration

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        registration = self.registration(pk)
        if registration is None:
            return []
        if self.statuses is not None and registration.status not in self.statuses:
            return []  # changed again before the worker ran: this message is no longer true
        return _family_deliveries(registration)

    @abstractmethod
    def text(self, registration: Registration, values: dict[str, str]) -> tuple[str, str]:
        """(subject, body) in the active language: each kind words its own message."""

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        registration = self.registration(pk)
        if registration is None or registration.purged_at is not None:
            return None
        event = registration.event
        agency = event.agency
        with translation.override(supported_language(registration.language)):
            values = {
                "event": event.title,
                "when": _when(event),
                "place": event.place_name,
                "reference": registration.reference,
                "link": manage_link(registration),
                "agency": agency.name,
                "expires": (
                    date_format(
                        timezone.localtime(registration.offer_expires_at), "DATETIME_FORMAT"
                    )
                    if registration.offer_expires_at
                    else ""
                ),
            }
            subject, body = self.text(registration, values)
        return Message(
            subject=subject,
            body=body,
            to=registration.phone if delivery.channel == Channel.SMS else registration.email,
            reply_to=agency.email,
            phone_region=agency.phone_region,
        )


class RegistrationConfirmed(_RegistrationKind):
    name = "events.registration_confirmed"
    statuses = (Registration.Status.CONFIRMED,)

    def text(self, registration: Registration, values: dict[str, str]) -> tuple[str, str]:
        subject = _("You are registered: %(event)s (%(reference)s)") % values
        body = (
            _(
                "%(event)s, %(when)s at %(place)s: your family is registered (reference "
                "%(reference)s). Show the QR code on your private page at the door; change or "
                "cancel there too: %(link)s"
            )
            % values
        )
        return subject, body


class RegistrationWaitlisted(_RegistrationKind):
    name = "events.registration_waitlisted"
    statuses = (Registration.Status.WAITLISTED,)

    def text(self, registration: Registration, values: dict[str, str]) -> tuple[str, str]:
        subject = _("On the waitlist: %(event)s (%(reference)s)") % values
        body = (
            _(
                "%(event)s, %(when)s, is full for now: your family is on the waitlist together "
                "(reference %(reference)s). If places free up we will offer them to you, in "
                "order. Your private page: %(link)s"
            )
            % values
        )
        return subject, body


class OfferMade(_RegistrationKind):
    name = "events.offer_made"
    statuses = (Registration.Status.OFFERED,)

    def text(self, registration: Registration, values: dict[str, str]) -> tuple[str, str]:
        subject = _("A place for your family: %(event)s (%(reference)s)") % values
        body = (
            _(
                "Places freed up for %(event)s, %(when)s: they are held for your family until "
                "%(expires)s. Accept or decline on your private page: %(link)s (reference "
                "%(reference)s)"
            )
            % values
        )
        return subject, body


class OfferExpired(_RegistrationKind):
    name = "events.offer_expired"
    statuses = (Registration.Status.EXPIRED,)

    def text(self, registration: Registration, values: dict[str, str]) -> tuple[str, str]:
        subject = _("The offered place has gone: %(event)s (%(reference)s)") % values
        body = (
            _(
                "The places offered for %(event)s were not accepted in time and went to the "
                "next family on the waitlist. You may register again if places are left: "
                "%(link)s (reference %(reference)s)"
            )
            % values
        )
        return subject, body


class EventCancelled(_RegistrationKind):
    name = "events.event_cancelled"

    def text(self, registration: Registration, values: dict[str, str]) -> tuple[str, str]:
        subject = _("Cancelled: %(event)s") % values
        body = (
            _(
                "We are sorry: %(event)s, %(when)s, is cancelled. Your registration "
                "%(reference)s is cancelled with it. %(agency)s"
            )
            % values
        )
        return subject, body


class InvitationSent(NotificationKind):
    """An officer's personal invitation: the link prefills the RSVP form."""

    name = "events.invitation"
    subject_key = "invitation"

    def agency_id(self, pk: int) -> int | None:
        return Invitation.objects.filter(pk=pk).values_list("event__agency_id", flat=True).first()

    def invitation(self, pk: int) -> Invitation | None:
        return (
            Invitation.objects.select_related("event", "event__agency", "sent_by")
            .filter(pk=pk, purged_at__isnull=True)
            .first()
        )

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        invitation = self.invitation(pk)
        if invitation is None or not invitation.contact:
            return []
        return [Delivery(Channel(invitation.channel), FAMILY, FAMILY)]

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        invitation = self.invitation(pk)
        if invitation is None:
            return None
        event = invitation.event
        agency = event.agency
        with translation.override(supported_language(invitation.language)):
            values = {
                "event": event.title,
                "when": _when(event),
                "place": event.place_name,
                "agency": agency.name,
                "link": rsvp_link(invitation),
            }
            subject = _("You are invited: %(event)s") % values
            body = (
                _(
                    "%(agency)s invites your family to %(event)s, %(when)s at %(place)s. It "
                    "would be good to see you again. Register here (free): %(link)s"
                )
                % values
            )
        return Message(
            subject=subject,
            body=body,
            to=invitation.contact,
            reply_to=agency.email,
            phone_region=agency.phone_region,
        )


KINDS: tuple[NotificationKind, ...] = (
    RegistrationConfirmed(),
    RegistrationWaitlisted(),
    OfferMade(),
    OfferExpired(),
    EventCancelled(),
    InvitationSent(),
)


def register() -> None:
    """Called from EventsConfig.ready()."""
    for kind in KINDS:
        register_notification_kind(kind)


# --- entry points called by services (inside their transaction) ---------------------------------


def _after_commit(kind: str, pk: int) -> None:
    transaction.on_commit(lambda: notifications.send(kind, pk))


def registration_confirmed(pk: int) -> None:
    _after_commit(RegistrationConfirmed.name, pk)


def registration_waitlisted(pk: int) -> None:
    _after_commit(RegistrationWaitlisted.name, pk)


def offer_made(pk: int) -> None:
    _after_commit(OfferMade.name, pk)


def offer_expired(pk: int) -> None:
    _after_commit(OfferExpired.name, pk)


def event_cancelled(pk: int) -> None:
    _after_commit(EventCancelled.name, pk)


def invitation_sent(pk: int) -> None:
    _after_commit(InvitationSent.name, pk)
