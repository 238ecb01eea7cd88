"""The follow-ups and notes demo: a follow-up owed from story 01, an overdue one from story 04,
the cookies of story 02 as a published note; loaded through the services, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from showup.stories.models import FollowUp, ThankYouNote

pytestmark = pytest.mark.django_db


def load() -> None:
    call_command("seed_demo", verbosity=0)
    call_command("seed_visits_demo", verbosity=0)
    call_command("seed_followups_demo", verbosity=0)


def test_it_loads_an_owed_and_an_overdue_follow_up_and_the_cookies(client: Any) -> None:
    load()
    owed = FollowUp.objects.get(source_kind="reunite.report")
    late = FollowUp.objects.get(source_kind="visits.visit")
    today = timezone.localdate()
    assert owed.due_on > today and owed.owed_by.username == "demo-trooper"
    assert late.due_on < today and late.owed_by.username == "demo-officer"
    assert "Marcus" not in owed.source_label and "Theo" not in late.source_label
    note = ThankYouNote.objects.get()
    assert note.status == "published" and note.officer is not None
    assert note.officer.username == "demo-deputy"
    page = client.get(reverse("stories:notes_public", args=["demo"])).content.decode()
    assert "chocolate chip cookies" in page
    assert "Eli" not in page.replace("Delgado", "") and "555-0142" not in page
    call_command("seed_followups_demo", verbosity=0)
    assert FollowUp.objects.count() == 2 and ThankYouNote.objects.count() == 1
