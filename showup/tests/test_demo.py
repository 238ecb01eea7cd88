"""`make demo` loads the stories as scenarios through the real services."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from showup.core.models import AuditEntry, User
from showup.reunite.models import Candidate, Handoff, Report

pytestmark = pytest.mark.django_db


def test_it_loads_the_three_story_scenarios() -> None:
    call_command("seed_demo", verbosity=0)
    parking = Report.objects.get(kind="found", given_name="Marcus")
    assert parking.status == Report.Status.REUNITED
    handoff = Handoff.objects.get(candidate__found=parking)
    assert handoff.is_complete and handoff.completed_at is not None
    assert AuditEntry.objects.filter(action="reunite.handoff.completed").exists()

    donut_found = Report.objects.get(kind="found", given_name="Eli")
    donut_missing = Report.objects.get(kind="missing", given_name="Elijah")
    assert donut_found.created_at < donut_missing.created_at  # found before anyone reported him
    candidate = Candidate.objects.get(found=donut_found, missing=donut_missing)
    assert candidate.decision == Candidate.Decision.PROPOSED

    curb = Report.objects.get(situation=Report.Situation.ALONE)
    assert curb.is_open and curb.given_name == ""

    assert Report.objects.open().count() >= 15
    assert User.objects.filter(username__startswith="demo-").values("role").distinct().count() == 4


def test_it_is_idempotent() -> None:
    call_command("seed_demo", verbosity=0)
    count = Report.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Report.objects.count() == count


def test_the_stories_demo_command_publishes_the_curb_story_once() -> None:
    """`make demo` runs seed_stories_demo: story 03 published with its redacted clip."""
    from showup.stories.demo_stories import CHILD
    from showup.stories.models import Story, StoryMedia

    call_command("seed_demo", verbosity=0)
    call_command("seed_stories_demo", verbosity=0)
    story = Story.objects.get()
    assert story.status == Story.Status.PUBLISHED
    assert CHILD not in story.public_body and "Okafor" in story.public_body
    media = StoryMedia.objects.get(story=story)
    assert media.status == StoryMedia.Status.READY and media.report["recheck_passed"]
    assert story.consents.filter(revoked_at__isnull=True).count() == 2
    call_command("seed_stories_demo", verbosity=0)
    assert Story.objects.count() == 1
