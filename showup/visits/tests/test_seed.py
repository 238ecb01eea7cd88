"""The visits demo loads into the demo agency, tells story 04, and runs once."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core import mail
from django.core.management import call_command

from showup.core.models import Agency, PartnerOrganisation, User
from showup.visits.models import MementoStock, Shift, Visit, VisitRequest


def run() -> str:
    out = StringIO()
    call_command("seed_visits_demo", stdout=out)
    return out.getvalue()


def test_without_the_demo_agency_it_says_so_and_does_nothing(db: Any) -> None:
    assert "seed_demo" in run()
    assert VisitRequest.objects.count() == 0


def test_it_loads_the_hospital_story_once(db: Any) -> None:
    agency = Agency.objects.create(name="Demo", slug="demo")
    hospital = PartnerOrganisation.objects.create(
        agency=agency, name="Riverside Children's Hospital, child life", kind="hospital"
    )
    for name, role in [
        ("demo-nurse", "partner"),
        ("demo-officer", "officer"),
        ("demo-trooper", "officer"),
        ("demo-coordinator", "coordinator"),
    ]:
        User.objects.create(
            username=name,
            role=role,
            agency=agency,
            partner_org=hospital if role == "partner" else None,
        )
    assert "loaded" in run()
    story = VisitRequest.objects.get(child_first_name="Theo")
    assert story.status == "completed"
    first, back = story.visits.order_by("start")
    assert first.status == "interrupted" and first.interrupt_reason == "called away"
    assert back.return_of == first and back.officer == first.officer
    assert back.guests.get().kind == "honouree"
    assert first.mementos.get().kind == "patch"  # given before he was called away
    assert back.mementos.get().kind == "toy_badge"
    assert (back.start.date() - first.start.date()).days == 2
    assert MementoStock.objects.get(agency=agency, kind="patch").quantity == 39
    assert MementoStock.objects.get(agency=agency, kind="toy_badge").quantity == 28
    assert Shift.objects.filter(agency=agency).count() > 14
    assert VisitRequest.objects.open().count() >= 2
    assert Visit.objects.filter(status="scheduled").exists()
    phoned_in = VisitRequest.objects.get(child_first_name="Leo")
    assert phoned_in.filed_by_unit and phoned_in.created_by.username == "demo-coordinator"
    assert mail.outbox == []  # the demo sends no email
    assert "already loaded" in run()
    assert VisitRequest.objects.filter(child_first_name="Theo").count() == 1
    assert MementoStock.objects.get(agency=agency, kind="patch").quantity == 39
