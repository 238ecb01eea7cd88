from __future__ import annotations

from datetime import datetime
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Readable labels for events' audit action codes (rendered in the reader's language).
AUDIT_LABELS = {
    "events.event.created": _("Event created"),
    "events.event.updated": _("Event changed"),
    "events.event.published": _("Event published"),
    "events.event.cancelled": _("Event cancelled"),
    "events.activity.added": _("Event activity added"),
    "events.activity.removed": _("Event activity removed"),
    "events.material.added": _("Safety material added to an event"),
    "events.material.removed": _("Safety material removed from an event"),
    "events.registration.created": _("Family registered for an event"),
    "events.registration.updated": _("Event registration changed"),
    "events.registration.cancelled": _("Event registration cancelled"),
    "events.registration.listed": _("Event registrations viewed"),
    "events.registration.purged": _("Event registration's personal data purged"),
    "events.offer.made": _("Freed place offered to a waitlisted family"),
    "events.offer.accepted": _("Offered place accepted"),
    "events.offer.declined": _("Offered place declined"),
    "events.offer.expired": _("Offered place expired"),
    "events.checkin.recorded": _("Family checked in at an event"),
    "events.badge.printed": _("Junior badge printed"),
    "events.badge.viewed": _("Junior badge opened again"),
    "events.badges.printed": _("Junior badges printed (batch)"),
    "events.certificate.printed": _("Junior certificate printed"),
    "events.invitation.sent": _("Event invitation sent"),
    "events.invitation.purged": _("Event invitation's personal data purged"),
    "events.feedback.submitted": _("Event feedback received"),
}

# How often the scheduler lets late offers expire (seconds).
EXPIRE_OFFERS_EVERY = 300


class RegistrationPurger:
    """events' entry in core's purger registry: registrations and invitations of events that
    ended longer ago than the agency's retention period lose the family's contact, names,
    children's first names and accessibility needs (services.purge_expired_registrations)."""

    name = "events"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        from showup.events.services import purge_due, purge_expired_registrations

        if not dry_run:
            return purge_expired_registrations(now)
        registrations, invitations = purge_due(now)
        return {"registrations": len(registrations), "invitations": len(invitations)}

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would purge" if dry_run else "Purged"
        return [
            f"{verb} {counts['registrations']} event registration(s) and "
            f"{counts['invitations']} invitation(s)."
        ]


def expire_offers_job() -> str | None:
    from showup.events.services import expire_offers

    expired = expire_offers()
    return f"{expired} offer(s) expired" if expired else None


class EventsConfig(AppConfig):
    name = "showup.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        """Plug events into core: its retention purger, notification kinds, audit labels and
        the periodic expiry of offered places."""
        from showup.core.registry import (
            register_audit_labels,
            register_home_section,
            register_periodic_job,
            register_purger,
        )
        from showup.events import notify
        from showup.events.templatetags.events_public import home_section

        register_purger(RegistrationPurger())
        notify.register()
        register_audit_labels(AUDIT_LABELS)
        register_periodic_job("events.expire_offers", expire_offers_job, EXPIRE_OFFERS_EVERY)
        register_home_section("events.upcoming", home_section)
