"""Load the follow-ups and thank-you notes demo, told in our own words.

- Story 01: the trooper who lent his badge owes Marcus's family a visit next week (a follow-up
  on the reunited report of the parking lot).
- Story 04: the officer promised the hospital a return visit; it is overdue (a follow-up on
  the completed visit, its due date moved into the past here only: the service never accepts
  a past date).
- Story 02: the mother and her son bring homemade cookies to the deputy; her thank-you note is
  moderated (the boy's name taken out) and published on the unit's page.

Everything goes through showup.stories' services (the encounters through core's registry), so
labels, audit entries and notices are real. Needs `seed_demo` (and `seed_visits_demo` for the
visit); running it again changes nothing. All people are invented.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone

from showup.core.models import Agency, User
from showup.stories import followups, notes
from showup.stories.models import FollowUp, ThankYouNote

COOKIES = (
    "Deputy Delgado, thank you for bringing our little boy Eli home safe when he walked off "
    "to the donut shop on his own. You knelt down, talked to him kindly and never made him "
    "feel in trouble. We baked you our family's chocolate chip cookies this weekend. "
    "With love from Eli's mom, call me any time at 555-0142!"
)
COOKIES_PUBLIC = (
    "Deputy Delgado, thank you for bringing our little boy home safe when he walked off to the "
    "donut shop on his own. You knelt down, talked to him kindly and never made him feel in "
    "trouble. We baked you our family's chocolate chip cookies this weekend."
)


class Command(BaseCommand):
    help = "Load the follow-ups and thank-you notes demo (needs seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug="demo").first()
        if agency is None:
            self.stderr.write("Run seed_demo first: there is no demo agency.")
            return
        users = {u.username: u for u in User.objects.filter(agency=agency)}
        today = timezone.localdate()
        made = 0
        trooper, officer = users.get("demo-trooper"), users.get("demo-officer")
        coordinator = users.get("demo-coordinator")
        report = self._row("reunite", "Report", kind="found", given_name="Marcus")
        if trooper and report and not self._owed("reunite.report", report.pk):
            followups.followup_create(
                actor=trooper,
                source_kind="reunite.report",
                source_id=report.pk,
                kind=FollowUp.Kind.VISIT,
                due_on=today + timedelta(days=6),
                note="Promised to stop by with a junior badge of his own.",
            )
            made += 1
        visit = self._row("visits", "Visit", status="completed", request__child_first_name="Theo")
        if officer and visit and not self._owed("visits.visit", visit.pk):
            owed = followups.followup_create(
                actor=officer,
                source_kind="visits.visit",
                source_id=visit.pk,
                kind=FollowUp.Kind.VISIT,
                due_on=today,
                note="Come back to the ward before discharge, with the K-9 handler.",
            )
            # Demo only: an overdue follow-up needs a date the service would refuse today.
            FollowUp.objects.filter(pk=owed.pk).update(due_on=today - timedelta(days=3))
            made += 1
        if coordinator and not ThankYouNote.objects.filter(agency=agency).exists():
            note = notes.note_create(
                agency=agency,
                body=COOKIES,
                author_name="Dana Carter",
                author_email="dana.carter@example.org",
                officer_hint="Deputy Delgado",
            )
            notes.note_edit(note=note, actor=coordinator, public_body=COOKIES_PUBLIC)
            notes.note_publish(note=note, actor=coordinator)
            made += 1
        self.stdout.write(
            f"Follow-ups and notes demo: {made} item(s) added. /stories/follow-ups/ "
            "(demo-trooper, demo-officer), /stories/thanks/demo/ (public)."
        )

    def _row(self, app: str, model: str, **match: Any) -> Any:
        try:
            cls = apps.get_model(app, model)
        except LookupError:
            return None
        return cls.objects.filter(**match).order_by("pk").first()

    def _owed(self, kind: str, pk: int) -> bool:
        return FollowUp.objects.filter(source_kind=kind, source_id=pk).exists()
