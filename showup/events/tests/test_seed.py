"""`make demo` loads the events demo after the reunite and visits demos, through the services;
running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from showup.core.models import AuditEntry
from showup.events.attribution import encounter_outcomes
from showup.events.models import Event, Invitation, RegisteredChild, Registration
from showup.reunite.models import Report

pytestmark = pytest.mark.django_db


def load() -> None:
    call_command("seed_demo", verbosity=0)
    call_command("seed_visits_demo", verbosity=0)
    call_command("seed_events_demo", verbosity=0)


def test_it_loads_both_stories_events_with_the_invited_families() -> None:
    load()
    community = Event.objects.get(title__startswith="Community day")
    open_house = Event.objects.get(title__startswith="Open house")
    for event in (community, open_house):
        assert event.status == Event.Status.PUBLISHED
        assert {m.title for m in event.materials.all()} == {
            "Door latches and child-proof locks",
            "What to teach children about getting lost",
        }
    assert {"Cruiser tour", "Face painting", "Bouncy house"} <= {
        a.title for a in community.activities.all()
    }
    assert any("Walkie-talkies" in a.title for a in community.activities.all())
    assert {"K-9 demonstration", "Safety education for parents"} <= {
        a.title for a in open_house.activities.all()
    }

    # Story 01: Marcus's mother, invited from the reunited report, registered two children.
    marcus_report = Report.objects.get(kind="found", given_name="Marcus")
    renee = Registration.objects.get(event=community, contact_name="Renee Bell")
    assert renee.status == Registration.Status.CONFIRMED
    assert [c.first_name for c in renee.children.all()] == ["Marcus", "Nia"]
    assert renee.invitation is not None
    assert (renee.invitation.source_kind, renee.invitation.source_id) == (
        "reunite.report",
        marcus_report.pk,
    )
    assert renee.phone == "+15550142201"
    # Story 02: Eli's mother, invited by the deputy, has a place at the small open house. His
    # report is still open (the hand-off is done live), so no encounter is credited yet.
    dana = Registration.objects.get(event=open_house, contact_name="Dana Carter")
    assert dana.status == Registration.Status.CONFIRMED
    assert dana.invitation is not None
    assert (dana.invitation.source_kind, dana.invitation.source_id) == ("", None)
    assert [c.first_name for c in dana.children.all()] == ["Eli"]
    assert dana.invitation.sent_by.username == "demo-deputy"
    # Theo's family, after the completed visit.
    theo = RegisteredChild.objects.get(first_name="Theo").registration
    assert theo.invitation is not None and theo.invitation.source_kind == "visits.visit"

    # The open house is full and one family waits, together.
    waiting = Registration.objects.get(event=open_house, status=Registration.Status.WAITLISTED)
    assert waiting.children.count() == 3
    assert not Registration.objects.filter(
        event=open_house, status=Registration.Status.CONFIRMED, pk=waiting.pk
    ).exists()
    taken = sum(
        r.adults + r.children.count()
        for r in open_house.registrations.filter(status=Registration.Status.CONFIRMED)
    )
    assert taken + waiting.adults + waiting.children.count() > open_house.capacity >= taken

    # Names in other scripts, as families typed them.
    names = set(RegisteredChild.objects.values_list("first_name", flat=True))
    for name in ("小明", "Алёша", "ليلى", "आरव", "지우"):
        assert name in names

    rows = {row.kind: row for row in encounter_outcomes(community)}
    assert rows["reunite.report"].rsvps == 1 and rows["visits.visit"].rsvps == 1
    assert AuditEntry.objects.filter(action="events.invitation.sent").count() == 3


def test_it_is_idempotent() -> None:
    load()
    counts = (
        Event.objects.count(),
        Registration.objects.count(),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    )
    call_command("seed_events_demo", verbosity=0)
    assert counts == (
        Event.objects.count(),
        Registration.objects.count(),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    )


def test_without_the_reunite_demo_it_does_nothing() -> None:
    call_command("seed_events_demo", verbosity=0)
    assert Event.objects.count() == 0
