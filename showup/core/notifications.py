"""Notifications: the generic machinery. Modules say who hears what; core delivers it.

A module registers a `NotificationKind` (showup.core.registry.register_notification_kind) and,
after its transaction commits, calls `send(kind_name, pk, **params)`. That only enqueues the
`notify` task (showup.core.tasks), so a slow SMS provider never holds up a click: with the
default ImmediateBackend the task runs inline, in production django_tasks_db's DatabaseBackend
hands it to `showup db_worker`.

The fan-out asks the kind for its deliveries (channel, recipient, role), writes the in-app
notices at once (all of one fan-out in one transaction, with one audit entry) and enqueues one
`deliver` task per email or SMS. Tasks carry only the kind's
name, primary keys, roles and codes, never an address: the kind reads the address from the
database inside the worker, so the task queue holds no personal data.

Staff recipients ("user:<pk>") read everything in their own language (`User.language`): core
renders their notice or email inside that language. Other recipients (a guardian) are the
kind's business, language included.

A delivery that fails is logged and audited ("core.notification.failed", with the error's class
only: provider messages can quote the address) and never undoes anything; the kind may offer a
fallback (a guardian's SMS refused, so an email). Each email or SMS that goes out is audited
("core.notification.sent", with the channel and the recipient's role, never the address), after
the send and in a short transaction of its own, so no provider call holds the audit chain's
lock. A fan-out's in-app notices are audited together: one "core.notification.sent" entry with
channel "app", their count and the recipients' user ids by role (a storm's report alerts fifty
officers: one commit and one turn of the chain's lock instead of fifty).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation

from showup.core.audit import audit
from showup.core.models import Notice, User
from showup.core.phones import DEFAULT_REGION
from showup.core.registry import notification_kind
from showup.core.sms import SmsError, send_sms

logger = logging.getLogger(__name__)

USER_PREFIX = "user:"


class Channel(StrEnum):
    APP = "app"
    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: through which channel, to whom ("user:<pk>" or a code the kind
    understands, such as "guardian"), and the recipient's role (audited)."""

    channel: Channel
    recipient: str
    role: str

    @classmethod
    def to_user(cls, channel: Channel, user: User | int, role: str) -> Delivery:
        pk = user if isinstance(user, int) else user.pk
        return cls(channel, f"{USER_PREFIX}{pk}", role)


@dataclass(frozen=True, slots=True)
class Message:
    """What a kind renders for one delivery. `body` is the notice's text in the app; `url` its
    link (a path). `to` is needed only for recipients who are not users (a user's own email
    or phone is used otherwise). `phone_region` reads a number stored without country code."""

    body: str
    subject: str = ""
    url: str = ""
    to: str = ""
    reply_to: str = ""
    phone_region: str = DEFAULT_REGION


class NotificationKind(ABC):
    """One kind of notification of one module (a confirmed match, a new missing report)."""

    name: ClassVar[str]
    # The audit entry names the object by this key: {"candidate": 12} or {"report": 7}.
    subject_key: ClassVar[str] = "object"

    def agency_id(self, pk: int) -> int | None:
        """The agency whose audit log records the deliveries."""
        return None

    @abstractmethod
    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        """Who hears about it, through which channel (empty: nobody, e.g. the object is gone
        or the state changed again before the worker ran)."""

    @abstractmethod
    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        """The message for one delivery; None skips it. For a staff recipient `user` is the
        account and the active language is theirs."""

    def fallback(self, pk: int, delivery: Delivery, params: Mapping[str, Any]) -> Delivery | None:
        """Another way to reach the recipient when `delivery` failed, or None."""
        return None


# --- helpers for kinds ------------------------------------------------------------------------


def supported_language(code: str | None) -> str:
    """`code` when the site speaks it, the site's default otherwise."""
    if code and code in {lang for lang, _name in settings.LANGUAGES}:
        return code
    return settings.LANGUAGE_CODE


def language_of(user: User) -> str:
    return supported_language(getattr(user, "language", ""))


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + (path or "/")


# --- the entry point (called on commit) -------------------------------------------------------


def send(kind_name: str, pk: int, **params: int | str) -> None:
    """Enqueue the fan-out of one notification. Runs from transaction.on_commit: an exception
    here would reach the request after the change is saved, so nothing may escape."""
    from showup.core.tasks import notify

    try:
        notify.enqueue(kind_name, pk, **params)
    except Exception as exc:
        logger.exception("could not enqueue %s notifications for %s", kind_name, pk)
        _audit_failed(kind_name, pk, params, channel="queue", role="all", error=exc)


# --- the fan-out (runs as a task) -------------------------------------------------------------


def fan_out(kind_name: str, pk: int, params: Mapping[str, Any]) -> None:
    """Write the in-app notices and enqueue one delivery per email and SMS."""
    try:
        kind = notification_kind(kind_name)
    except LookupError:
        logger.error("notification %s for %s dropped: no such kind is registered", kind_name, pk)
        return
    deliveries = kind.deliveries(pk, params)
    _write_notices(kind, pk, [d for d in deliveries if d.channel == Channel.APP], params)
    for delivery in deliveries:
        if delivery.channel != Channel.APP:
            _enqueue_delivery(kind_name, pk, delivery, params)


def _enqueue_delivery(
    kind_name: str, pk: int, delivery: Delivery, params: Mapping[str, Any]
) -> None:
    from showup.core.tasks import deliver

    try:
        deliver.enqueue(
            kind_name, pk, str(delivery.channel), delivery.recipient, delivery.role, **params
        )
    except Exception as exc:
        logger.exception("could not enqueue a %s delivery of %s", delivery.channel, kind_name)
        _audit_failed(
            kind_name, pk, params, channel=str(delivery.channel), role=delivery.role, error=exc
        )


def _user_pk(recipient: str) -> int | None:
    if not recipient.startswith(USER_PREFIX):
        return None
    try:
        return int(recipient.removeprefix(USER_PREFIX))
    except ValueError:
        return None


def _user(recipient: str) -> User | None:
    user_pk = _user_pk(recipient)
    if user_pk is None:
        return None
    return User.objects.filter(pk=user_pk, is_active=True).first()


def _write_notices(
    kind: NotificationKind, pk: int, deliveries: list[Delivery], params: Mapping[str, Any]
) -> None:
    """All in-app notices of one fan-out: rendered one by one (each in its reader's language),
    written in one transaction with one audit entry (the recipients' ids by role)."""
    if not deliveries:
        return
    wanted = [_user_pk(d.recipient) for d in deliveries]
    users = {u.pk: u for u in User.objects.filter(pk__in=[p for p in wanted if p], is_active=True)}
    notices: list[Notice] = []
    recipients: dict[str, list[int]] = {}
    for delivery in deliveries:
        user = users.get(_user_pk(delivery.recipient) or 0)
        if user is None:
            logger.warning("%s: in-app notice for %s skipped", kind.name, delivery.recipient)
            continue
        try:
            with translation.override(language_of(user)):
                message = kind.render(pk, delivery, params, user)
        except Exception as exc:
            logger.exception("could not render an in-app notice")
            _audit_failed(kind.name, pk, params, channel=Channel.APP, role=delivery.role, error=exc)
            continue
        if message is None:
            continue
        notices.append(Notice(user=user, text=message.body[:300], url=message.url[:300]))
        recipients.setdefault(delivery.role, []).append(user.pk)
    if not notices:
        return
    roles = "+".join(sorted(recipients))
    try:
        agency_id = kind.agency_id(pk)  # read before the chain's lock is taken
        with transaction.atomic():
            Notice.objects.bulk_create(notices)
            audit(
                "core.notification.sent",
                actor=None,
                actor_label="system",
                agency_id=agency_id,
                **_audit_data(kind.name, kind.subject_key, pk, params, Channel.APP),
                count=len(notices),
                recipients={role: sorted(pks) for role, pks in recipients.items()},
            )
    except Exception as exc:
        logger.exception("could not write %s in-app notices", len(notices))
        _audit_failed(
            kind.name, pk, params, channel=Channel.APP, role=roles, error=exc, count=len(notices)
        )


# --- one delivery (runs as a task) ------------------------------------------------------------


def deliver_one(
    kind_name: str, pk: int, channel: str, recipient: str, role: str, params: Mapping[str, Any]
) -> bool:
    """Send one email or SMS; returns whether it went out. Failures are logged and audited."""
    try:
        kind = notification_kind(kind_name)
    except LookupError:
        logger.error("delivery of %s dropped: no such kind is registered", kind_name)
        return False
    delivery = Delivery(Channel(channel), recipient, role)
    try:
        if recipient.startswith(USER_PREFIX):
            user = _user(recipient)
            if user is None:  # deactivated since: they no longer hear from us
                return False
            with translation.override(language_of(user)):
                message = kind.render(pk, delivery, params, user)
            to = (message.to if message else "") or (
                user.phone if delivery.channel == Channel.SMS else user.email
            )
        else:
            message = kind.render(pk, delivery, params, None)
            to = message.to if message else ""
        if message is None:
            return False
        if delivery.channel == Channel.SMS:
            message_id = send_sms(to, message.body, region=message.phone_region)
        else:
            if not to:
                raise ValueError("no email address")
            send_email(to, message.subject, message.body, reply_to=message.reply_to)
            message_id = ""
    except Exception as exc:
        logger.warning(
            "%s notification by %s to the %s failed (%s): %s",
            kind_name,
            channel,
            role,
            pk,
            _describe(exc),
        )
        _audit_failed(kind_name, pk, params, channel=channel, role=role, error=exc)
        alternative = kind.fallback(pk, delivery, params)
        if alternative is not None and alternative != delivery:
            _enqueue_delivery(kind_name, pk, alternative, params)
        return False
    extra = {"message_id": message_id} if message_id else {}
    _audit_sent(kind, pk, params, delivery.channel, role, **extra)
    return True


def send_email(to: str, subject: str, body: str, *, reply_to: str = "") -> None:
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    message.send(fail_silently=False)


# --- audit ------------------------------------------------------------------------------------


def _subject(kind_name: str, pk: int) -> tuple[str, int | None]:
    try:
        kind = notification_kind(kind_name)
    except LookupError:
        return "object", None
    try:
        return kind.subject_key, kind.agency_id(pk)
    except Exception:
        return kind.subject_key, None


def _audit_data(
    kind_name: str, subject_key: str, pk: int, params: Mapping[str, Any], channel: str
) -> dict[str, Any]:
    return {"event": kind_name, subject_key: pk, **params, "channel": str(channel)}


def _audit_sent(
    kind: NotificationKind,
    pk: int,
    params: Mapping[str, Any],
    channel: str,
    role: str,
    **extra: Any,
) -> None:
    """One email or SMS that went out. Called after the send: the provider's call is over
    before the chain's lock is taken, and the entry's transaction is this insert alone."""
    agency_id = kind.agency_id(pk)  # read before the chain's lock is taken
    audit(
        "core.notification.sent",
        actor=None,
        actor_label="system",
        agency_id=agency_id,
        **_audit_data(kind.name, kind.subject_key, pk, params, channel),
        role=role,
        **extra,
    )


def _audit_failed(
    kind_name: str,
    pk: int,
    params: Mapping[str, Any],
    *,
    channel: str,
    role: str,
    error: BaseException,
    **extra: Any,
) -> None:
    try:
        subject_key, agency_id = _subject(kind_name, pk)
        data: dict[str, Any] = {
            **_audit_data(kind_name, subject_key, pk, params, channel),
            "role": role,
            # The class only: provider messages and SMTP errors can quote the address.
            "error": type(error).__name__,
            **extra,
        }
        audit(
            "core.notification.failed",
            actor=None,
            actor_label="system",
            agency_id=agency_id,
            **data,
        )
    except Exception:
        logger.exception("could not audit a failed notification")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SmsError):
        return f"SmsError: {exc}"
    return type(exc).__name__
