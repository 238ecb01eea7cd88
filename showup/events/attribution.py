"""Which encounters led to attendance: for one event, the invitations officers sent after
encounters, grouped by the kind of encounter (a reunited report, a completed visit...), the
RSVPs made from them and the children checked in. Counts only, never a name: the coordinator's
event page shows them (templates/events/staff/detail.html)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from showup.core.registry import encounter_kind_label
from showup.events.models import Event, Invitation, RegisteredChild, Registration


@dataclass
class KindOutcome:
    kind: str
    label: str
    invited: int = 0  # invitations sent
    rsvps: int = 0  # registrations made from them (any status but cancelled)
    confirmed: int = 0  # of those, families confirmed now
    attended: int = 0  # families with at least one child checked in
    children_checked_in: int = 0


def encounter_outcomes(event: Event) -> list[KindOutcome]:
    """One row per kind of encounter that led to an invitation, in the order of the kinds'
    names; invitations sent without an encounter come last as their own row."""
    rows: dict[str, KindOutcome] = {}

    def row(kind: str) -> KindOutcome:
        if kind not in rows:
            label = encounter_kind_label(kind) if kind else ""
            rows[kind] = KindOutcome(kind=kind, label=label)
        return rows[kind]

    sent = Invitation.objects.filter(event=event).values("source_kind").annotate(n=Count("pk"))
    for item in sent:
        row(item["source_kind"]).invited += item["n"]
    registrations = (
        Registration.objects.filter(event=event, invitation__isnull=False)
        .exclude(status=Registration.Status.CANCELLED)
        .annotate(
            checked=Count("children", filter=Q(children__checked_in_at__isnull=False)),
        )
        .values_list("invitation__source_kind", "status", "checked")
    )
    for kind, status, checked in registrations:
        out = row(kind)
        out.rsvps += 1
        out.confirmed += status == Registration.Status.CONFIRMED
        out.attended += checked > 0
        out.children_checked_in += checked
    return sorted(rows.values(), key=lambda r: (r.kind == "", r.kind))


def children_checked_in(event: Event) -> int:
    """Every child checked in at the event, invited or not (for the share invitations made)."""
    return RegisteredChild.objects.filter(
        registration__event=event, checked_in_at__isnull=False
    ).count()
