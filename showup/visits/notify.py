"""Who hears about a visit request, and what they are told.

Called by services inside their transaction: the in-app notices are written there and then (they
are true exactly when the change is); emails are sent after the commit, so a rolled-back change
never sends mail and a slow mail server never holds a lock. A failed email is logged and
audited ("visits.notification.failed") and never undoes anything.

Notices and emails name the request by its reference and the partner organisation, never the
child: email leaves showup, and the notices page is not an audited view of a child's record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from showup.core.audit import audit
from showup.core.models import Notice, Role, User
from showup.core.notifications import language_of
from showup.visits.models import Visit, VisitRequest

logger = logging.getLogger(__name__)
# A message is built per recipient, in their language: a function returning the text.
Text = Callable[[], str]
_emails_off: ContextVar[bool] = ContextVar("visits_emails_off", default=False)


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """No emails inside this block (the demo loader uses it); notices are still written."""
    token = _emails_off.set(True)
    try:
        yield
    finally:
        _emails_off.reset(token)


def _coordinators(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(
            agency_id=agency_id, role__in=[Role.COORDINATOR, Role.ADMIN], is_active=True
        )
    )


def _partner_staff(request: VisitRequest) -> list[User]:
    return list(
        User.objects.filter(
            partner_org_id=request.partner_org_id, role=Role.PARTNER, is_active=True
        )
    )


def _url(request: VisitRequest, name: str = "visits:request_detail") -> str:
    return reverse(name, args=[request.pk])


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _in_language_of(user: User, build: Text) -> str:
    """Build a message in the language the person reads (their profile's)."""
    with translation.override(language_of(user)):
        return build()


def _notify(users: list[User], text: Text, url: str) -> None:
    Notice.objects.bulk_create(
        [Notice(user=u, text=_in_language_of(u, text)[:300], url=url) for u in users]
    )


def _email_after_commit(
    users: list[User], subject: Text, body: Text, *, event: str, agency_id: int
) -> None:
    if _emails_off.get():
        return
    # Worded now, in each recipient's language; sent after the commit.
    recipients = [
        (u.pk, u.email, u.role, _in_language_of(u, subject), _in_language_of(u, body))
        for u in users
        if u.email
    ]

    def send() -> None:
        for user_pk, address, role, subject_text, body_text in recipients:
            try:
                send_mail(
                    subject_text,
                    body_text,
                    settings.DEFAULT_FROM_EMAIL,
                    [address],
                    fail_silently=False,
                )
            except Exception as exc:
                logger.exception("visit email %s to user %s failed", event, user_pk)
                audit(
                    "visits.notification.failed",
                    actor=None,
                    actor_label="system",
                    agency_id=agency_id,
                    event=event,
                    role=role,
                    error=type(exc).__name__,
                )
            else:
                audit(
                    "visits.notification.sent",
                    actor=None,
                    actor_label="system",
                    agency_id=agency_id,
                    event=event,
                    channel="email",
                    role=role,
                )

    transaction.on_commit(send)


def _values(request: VisitRequest, visit: Visit | None = None) -> dict[str, str]:
    values = {"ref": request.reference, "org": str(request.partner_org)}
    if visit is not None:
        from django.utils import timezone

        values["when"] = timezone.localtime(visit.start).strftime("%a %d %b %H:%M")
        values["officer"] = visit.officer.display_name()
    return values


def request_created(request: VisitRequest) -> None:
    values = _values(request)
    # A coordinator who filed it for the partner knows already.
    others = [u for u in _coordinators(request.agency_id) if u.pk != request.created_by_id]
    _notify(others, lambda: _("New visit request %(ref)s from %(org)s.") % values, _url(request))


def _email_body(text: Text, link_line: Text, request: VisitRequest) -> Text:
    """The notice, a line with the link to the request, and why nothing personal is in it
    (built in the recipient's language)."""

    def build() -> str:
        link = _absolute(_url(request))
        privacy = _(
            "For the child's privacy this email carries no personal details; they are in showup."
        )
        return "\n\n".join([text(), link_line() % {"link": link}, privacy])

    return build


def request_filed_for_partner(request: VisitRequest) -> None:
    """The unit filed a request for the partner (who phoned or wrote): their staff are told,
    so the request in their list is no surprise and they can correct it."""
    staff = _partner_staff(request)
    values = _values(request)

    def text() -> str:
        return (
            _(
                "The community-engagement unit filed visit request %(ref)s for %(org)s, as you "
                "asked. We will propose a time."
            )
            % values
        )

    _notify(staff, text, _url(request))
    _email_after_commit(
        staff,
        lambda: _("Visit request %(ref)s filed for you") % values,
        _email_body(text, lambda: _("Check it here: %(link)s"), request),
        event="request_filed_for_partner",
        agency_id=request.agency_id,
    )


def slot_proposed(visit: Visit) -> None:
    request = visit.request
    staff = _partner_staff(request)
    values = _values(request, visit)

    def text() -> str:
        return (
            _("A visit is proposed for %(ref)s: %(when)s with %(officer)s. Please confirm.")
            % values
        )

    _notify(staff, text, _url(request))
    _email_after_commit(
        staff,
        lambda: _("Visit %(ref)s: please confirm the proposed time") % values,
        _email_body(text, lambda: _("Confirm or decline here: %(link)s"), request),
        event="slot_proposed",
        agency_id=request.agency_id,
    )


def slot_accepted(visit: Visit) -> None:
    request = visit.request
    values = _values(request, visit)

    def text() -> str:
        return _("%(org)s confirmed visit %(ref)s: %(when)s with %(officer)s.") % values

    _notify(_coordinators(request.agency_id), text, _url(request))
    _notify([visit.officer], text, reverse("visits:my_day"))


def _officers_of(visit: Visit) -> list[User]:
    """The visit's officer and any guest officers still active."""
    guests = visit.guests.filter(officer__isnull=False, officer__is_active=True)
    return [visit.officer, *(g.officer for g in guests.select_related("officer") if g.officer)]


def slot_acceptance_withdrawn(visit: Visit) -> None:
    """The partner took back an acceptance: the coordinators and the officers (guests too)
    learn the visit is not confirmed any more, in-app and by email."""
    request = visit.request
    coordinators = _coordinators(request.agency_id)
    officers = _officers_of(visit)
    values = _values(request, visit)

    def text() -> str:
        return (
            _(
                "%(org)s withdrew their acceptance of visit %(ref)s (%(when)s with %(officer)s): "
                "it is not confirmed any more and waits for them again."
            )
            % values
        )

    _notify(coordinators, text, _url(request))
    _notify(officers, text, reverse("visits:my_day"))
    _email_after_commit(
        coordinators + officers,
        lambda: _("Visit %(ref)s is not confirmed any more") % values,
        _email_body(text, lambda: _("Details: %(link)s"), request),
        event="slot_withdrawn",
        agency_id=request.agency_id,
    )


def slot_declined(visit: Visit) -> None:
    request = visit.request
    values = _values(request, visit)
    _notify(
        _coordinators(request.agency_id),
        lambda: (
            _("%(org)s cannot take the proposed time for %(ref)s; please propose another.") % values
        ),
        _url(request),
    )


def visit_interrupted(visit: Visit) -> None:
    """The officer was called away: the partner and the coordinators are told, and the
    coordinators are pointed at rescheduling (with the same officer first)."""
    request = visit.request
    partner_staff = _partner_staff(request)
    coordinators = _coordinators(request.agency_id)
    values = _values(request, visit)

    def partner_text() -> str:
        return (
            _(
                "Visit %(ref)s was interrupted: %(officer)s was called away to an emergency. "
                "We are rescheduling it and will propose a new time."
            )
            % values
        )

    def coord_text() -> str:
        return (
            _(
                "Visit %(ref)s (%(org)s) was interrupted: %(officer)s was called away. "
                "Please reschedule it."
            )
            % values
        )

    def subject() -> str:
        return _("Visit %(ref)s interrupted — being rescheduled") % values

    def partner_body() -> str:
        link = _absolute(_url(request))
        return "\n\n".join([partner_text(), _("The request stays open: %(link)s") % {"link": link}])

    def coord_body() -> str:
        link = _absolute(_url(request, "visits:reschedule"))
        return "\n\n".join([coord_text(), _("Reschedule: %(link)s") % {"link": link}])

    _notify(partner_staff, partner_text, _url(request))
    _notify(coordinators, coord_text, _url(request, "visits:reschedule"))
    _email_after_commit(
        partner_staff, subject, partner_body, event="visit_interrupted", agency_id=request.agency_id
    )
    _email_after_commit(
        coordinators, subject, coord_body, event="visit_interrupted", agency_id=request.agency_id
    )
