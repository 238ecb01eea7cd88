"""Who hears about a confirmed match or a reunion, and what they are told.

Services call `match_confirmed(candidate_pk)` and `reunited(candidate_pk)` after their
transaction commits. Both only enqueue a django.tasks task (showup.core.tasks), so a slow SMS
provider never holds up the coordinator's click: with the default ImmediateBackend the task runs
inline, in production django_tasks_db's DatabaseBackend hands it to `manage.py db_worker`.

The fan-out task writes the in-app notices and enqueues one delivery task per email or SMS;
tasks carry only primary keys and roles, never an address, so the task queue holds no personal
data. A delivery that fails is logged and audited ("core.notification.failed") and never undoes
anything; each delivery that succeeds is audited ("core.notification.sent", with the channel and
the recipient's role, never the number or address).

What the guardian is told: that a child matching their report may have been found and to expect
a call from the unit, with the link to their status page. Never where the child is, the found
report's place, or the officer's name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from showup.core.access import is_staff_user
from showup.core.audit import audit
from showup.core.models import Notice, Role, User
from showup.core.sms import SmsError, send_sms

if TYPE_CHECKING:
    from showup.reunite.models import Candidate

logger = logging.getLogger(__name__)


class Event(StrEnum):
    MATCH_CONFIRMED = "match_confirmed"
    REUNITED = "reunited"


class Channel(StrEnum):
    APP = "app"
    EMAIL = "email"
    SMS = "sms"


GUARDIAN = "guardian"


# --- entry points called by services (on commit) -------------------------------------------


def match_confirmed(candidate_pk: int) -> None:
    """A coordinator confirmed a match: tell the officer holding the child, the coordinators
    and the guardian."""
    _enqueue_fan_out(Event.MATCH_CONFIRMED, candidate_pk)


def reunited(candidate_pk: int) -> None:
    """The hand-off is complete: thank the guardian, tell the coordinators."""
    _enqueue_fan_out(Event.REUNITED, candidate_pk)


def _enqueue_fan_out(event: Event, candidate_pk: int) -> None:
    # Runs from transaction.on_commit: an exception here would reach the coordinator's request
    # after the match is already saved, so nothing may escape.
    from showup.core.tasks import notify

    try:
        notify.enqueue(str(event), candidate_pk)
    except Exception as exc:
        logger.exception("could not enqueue %s notifications for candidate %s", event, candidate_pk)
        _audit_failed(event, candidate_pk, channel="queue", role="all", error=exc)


# --- the fan-out (runs as a task) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffRecipient:
    user: User
    role: str  # "holding_officer", "filer" or "coordinator"


def fan_out(event: str, candidate_pk: int) -> None:
    """Write the in-app notices and enqueue one delivery per email and SMS."""
    from showup.reunite.models import Candidate

    candidate = (
        Candidate.objects.select_related("missing", "found", "found__agency")
        .filter(pk=candidate_pk)
        .first()
    )
    if candidate is None:
        logger.warning("notifications for candidate %s skipped: it no longer exists", candidate_pk)
        return
    if event == Event.MATCH_CONFIRMED and candidate.decision != Candidate.Decision.CONFIRMED:
        # Rejected again before the worker got here: nobody should expect a call.
        logger.info("match_confirmed for candidate %s skipped: no longer confirmed", candidate_pk)
        return

    staff = _staff_recipients(candidate, event)
    for recipient in staff:
        _create_notice(candidate, Event(event), recipient)
    if event == Event.MATCH_CONFIRMED:
        for recipient in staff:
            if recipient.user.email:
                _enqueue_delivery(
                    event,
                    candidate_pk,
                    Channel.EMAIL,
                    f"user:{recipient.user.pk}",
                    recipient.role,
                )

    guardian_channel = _guardian_channel(
        candidate.missing.guardian_phone, candidate.missing.guardian_email
    )
    if guardian_channel is None:
        logger.info("candidate %s: the missing report has no guardian contact", candidate_pk)
        return
    _enqueue_delivery(event, candidate_pk, guardian_channel, GUARDIAN, GUARDIAN)


def _enqueue_delivery(
    event: str, candidate_pk: int, channel: str, recipient: str, role: str
) -> None:
    from showup.core.tasks import deliver

    try:
        deliver.enqueue(event, candidate_pk, str(channel), recipient, role)
    except Exception as exc:
        logger.exception("could not enqueue a %s delivery for candidate %s", channel, candidate_pk)
        _audit_failed(event, candidate_pk, channel=str(channel), role=role, error=exc)


def _guardian_channel(phone: str, email: str) -> Channel | None:
    if phone.strip():
        return Channel.SMS
    if email.strip():
        return Channel.EMAIL
    return None


def _staff_recipients(candidate: Candidate, event: str) -> list[StaffRecipient]:
    found = candidate.found
    recipients: list[StaffRecipient] = []
    seen: set[int] = set()
    if event == Event.MATCH_CONFIRMED:
        holder, role = found.holding_officer, "holding_officer"
        if holder is None:
            holder, role = found.filed_by, "filer"
        if holder is not None and is_staff_user(holder) and holder.agency_id == found.agency_id:
            recipients.append(StaffRecipient(holder, role))
            seen.add(holder.pk)
    coordinators = User.objects.filter(
        agency_id=found.agency_id, role=Role.COORDINATOR, is_active=True
    ).order_by("pk")
    for user in coordinators:
        if user.pk not in seen:
            recipients.append(StaffRecipient(user, "coordinator"))
            seen.add(user.pk)
    return recipients


def _create_notice(candidate: Candidate, event: Event, recipient: StaffRecipient) -> None:
    found, missing = candidate.found, candidate.missing
    refs = {"found": found.reference, "missing": missing.reference}
    with translation.override(settings.LANGUAGE_CODE):
        if event == Event.REUNITED:
            text = (
                _(
                    "Reunited: found %(found)s and missing %(missing)s are closed after a "
                    "verified hand-off."
                )
                % refs
            )
            url = _path("reunite:report_detail", found.pk)
        elif recipient.role in ("holding_officer", "filer"):
            text = (
                _(
                    "Match confirmed for the child you are with (found %(found)s). The guardian "
                    "will be called; complete the hand-off checklist when they arrive."
                )
                % refs
            )
            url = _path("reunite:handoff", candidate.pk)
        else:
            text = (
                _(
                    "Match confirmed: found %(found)s and missing %(missing)s. The guardian has "
                    "been told to expect a call from the unit."
                )
                % refs
            )
            url = _path("reunite:report_detail", found.pk)
    try:
        with transaction.atomic():
            Notice.objects.create(user=recipient.user, text=text[:300], url=url)
            _audit_sent(
                str(event), candidate.pk, Channel.APP, recipient.role, user=recipient.user.pk
            )
    except Exception as exc:
        logger.exception("could not write an in-app notice")
        _audit_failed(str(event), candidate.pk, channel=Channel.APP, role=recipient.role, error=exc)


# --- one delivery (runs as a task) ----------------------------------------------------------


def deliver_one(event: str, candidate_pk: int, channel: str, recipient: str, role: str) -> bool:
    """Send one email or SMS; returns whether it went out. Failures are logged and audited."""
    from showup.reunite.models import Candidate

    candidate = (
        Candidate.objects.select_related("missing", "found", "missing__agency")
        .filter(pk=candidate_pk)
        .first()
    )
    if candidate is None:
        return False
    missing = candidate.missing
    try:
        if recipient == GUARDIAN:
            subject, body = _guardian_message(Event(event), candidate)
            if channel == Channel.SMS:
                message_id = send_sms(missing.guardian_phone, body)
            else:
                _send_email(missing.guardian_email, subject, body, reply_to=missing.agency.email)
                message_id = ""
        else:
            user = User.objects.get(pk=int(recipient.removeprefix("user:")), is_active=True)
            subject, body = _staff_email(Event(event), candidate, role)
            _send_email(user.email, subject, body, reply_to="")
            message_id = ""
    except Exception as exc:
        logger.warning(
            "%s notification by %s to the %s failed (candidate %s): %s",
            event,
            channel,
            role,
            candidate_pk,
            _describe(exc),
        )
        _audit_failed(event, candidate_pk, channel=channel, role=role, error=exc)
        if recipient == GUARDIAN and channel == Channel.SMS and missing.guardian_email.strip():
            # A number the provider refuses should not leave the guardian without word.
            _enqueue_delivery(event, candidate_pk, Channel.EMAIL, GUARDIAN, GUARDIAN)
        return False
    extra = {"message_id": message_id} if message_id else {}
    _audit_sent(event, candidate_pk, channel, role, **extra)
    return True


def _send_email(to: str, subject: str, body: str, *, reply_to: str) -> None:
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.send(fail_silently=False)


def status_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reunite:status", args=[token])


def _guardian_message(event: Event, candidate: Candidate) -> tuple[str, str]:
    """Subject and body in the guardian's language. Never the child's whereabouts."""
    missing = candidate.missing
    language = missing.guardian_language or settings.LANGUAGE_CODE
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    values = {
        "reference": missing.reference,
        "agency": missing.agency.name,
        "link": status_link(missing.status_token),
    }
    with translation.override(language):
        if event == Event.MATCH_CONFIRMED:
            subject = _("Your report %(reference)s: please expect a call") % values
            body = (
                _(
                    "showup %(reference)s: a child matching your report may have been found. "
                    "%(agency)s will call you shortly; please keep your phone with you. "
                    "Your status page: %(link)s"
                )
                % values
            )
        else:
            subject = _("Your report %(reference)s: reunited") % values
            body = (
                _(
                    "showup %(reference)s: your report is closed as reunited. Thank you, and we "
                    "are glad you are together again. %(link)s"
                )
                % values
            )
    return subject, body


def _staff_email(event: Event, candidate: Candidate, role: str) -> tuple[str, str]:
    # Email leaves showup: it names the reports, not the child, and links back to the app.
    found, missing = candidate.found, candidate.missing
    values = {"found": found.reference, "missing": missing.reference}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Match confirmed: found %(found)s, missing %(missing)s") % values
        if role in ("holding_officer", "filer"):
            action = _(
                "You are with the child. When the guardian arrives, complete the hand-off "
                "checklist: %(url)s"
            ) % {"url": _absolute("reunite:handoff", candidate.pk)}
        else:
            action = _("Call the guardian and arrange the hand-off: %(url)s") % {
                "url": _absolute("reunite:report_detail", found.pk)
            }
        body = "\n\n".join(
            [
                _(
                    "A coordinator confirmed that found report %(found)s and missing report "
                    "%(missing)s are the same child. The guardian has been told to expect a call "
                    "from the unit."
                )
                % values,
                action,
                _(
                    "For the child's privacy this email carries no personal details; they are in "
                    "showup."
                ),
            ]
        )
    return subject, body


def _path(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        logger.warning("no URL named %s; the notice will carry no link", name)
        return ""


def _absolute(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + (_path(name, pk) or "/")


# --- audit ----------------------------------------------------------------------------------


def _agency_of(candidate_pk: int) -> int | None:
    from showup.reunite.models import Candidate

    return (
        Candidate.objects.filter(pk=candidate_pk)
        .values_list("missing__agency_id", flat=True)
        .first()
    )


def _audit_sent(event: str, candidate_pk: int, channel: str, role: str, **extra: Any) -> None:
    audit(
        "core.notification.sent",
        actor=None,
        actor_label="system",
        agency_id=_agency_of(candidate_pk),
        event=str(event),
        candidate=candidate_pk,
        channel=str(channel),
        role=role,
        **extra,
    )


def _audit_failed(
    event: str, candidate_pk: int, *, channel: str, role: str, error: BaseException
) -> None:
    try:
        audit(
            "core.notification.failed",
            actor=None,
            actor_label="system",
            agency_id=_agency_of(candidate_pk),
            event=str(event),
            candidate=candidate_pk,
            channel=str(channel),
            role=role,
            # The class only: provider messages and SMTP errors can quote the address.
            error=type(error).__name__,
        )
    except Exception:
        logger.exception("could not audit a failed notification")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SmsError):
        return f"SmsError: {exc}"
    return type(exc).__name__
