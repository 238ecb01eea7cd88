"""Load the visits demo: story 04 told in our own words, and a week of shifts around it.

A seven-year-old in hospital asks to meet a real-life hero. An officer comes, is called away to
an emergency mid-visit, and comes back two days later with a teenager being honoured for
helping a classmate. The patch is given before the officer is called away (recorded on the
interrupted visit); toy badges on the return visit. Everything goes through the services the
app uses, so statuses, audit entries and stock are real. All people here are invented.

Needs the demo agency made by `seed_demo` (reunite); without it, says so and does nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from showup.core.models import Agency, PartnerOrganisation, User
from showup.visits import notify, services
from showup.visits.models import Place, Shift

HOSPITAL = "Riverside Children's Hospital, child life"
PLACE = "Sunflower ward (children's oncology and surgery)"


def local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


class Command(BaseCommand):
    help = "Load the visits demo (story 04) into the demo agency made by seed_demo."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug="demo").first()
        if agency is None:
            self.stdout.write("No demo agency yet: run `manage.py seed_demo` first. Nothing done.")
            return
        hospital = PartnerOrganisation.objects.filter(agency=agency, name=HOSPITAL).first()
        users = {
            u.username: u for u in User.objects.filter(agency=agency, username__startswith="demo-")
        }
        needed = ("demo-nurse", "demo-officer", "demo-trooper", "demo-coordinator")
        if hospital is None or any(name not in users for name in needed):
            self.stdout.write("The demo agency lacks the hospital or demo accounts. Nothing done.")
            return
        if Place.objects.filter(partner_org=hospital).exists():
            self.stdout.write("Visits demo already loaded.")
            return
        # The demo's emails would only clutter the console.
        with notify.emails_suppressed():
            self._load(agency, hospital, users)
        self.stdout.write(
            self.style.SUCCESS(
                "Visits demo loaded: log in as demo-nurse, demo-coordinator or demo-officer."
            )
        )

    def _load(self, agency: Agency, hospital: PartnerOrganisation, users: dict[str, User]) -> None:
        nurse, coord = users["demo-nurse"], users["demo-coordinator"]
        hero, trooper = users["demo-officer"], users["demo-trooper"]
        now = timezone.localtime()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)

        place = services.place_save(
            partner_org=hospital,
            actor=nurse,
            data={
                "name": PLACE,
                "max_group_size": 3,
                "min_visitor_age": 14,
                "infection_screening": True,
                "flu_vaccination": True,
                "photos_allowed": True,
                "escort_required": True,
                "min_notice_days": 14,
                "rules_notes": "Sign in at the child-life desk on level 3; a specialist walks you "
                "up. Hand gel on the way in and out. Photos only with the parent's "
                "yes, and never of other patients.",
            },
        )

        for officer in (hero, trooper, users.get("demo-deputy")):
            if officer is None:
                continue
            for d in range(-3, 8):
                day = today + timedelta(days=d)
                Shift.objects.create(
                    agency=agency, officer=officer, start=local(day, 7), end=local(day, 17)
                )
        for kind, qty in (
            ("patch", 40),
            ("junior_badge", 120),
            ("toy_badge", 30),
            ("sticker", 250),
        ):
            services.stock_set(agency=agency, kind=kind, quantity=qty, actor=coord)

        # The story. The first visit was three days ago; the return visit two days later.
        first_day, return_day = today - timedelta(days=3), today - timedelta(days=1)
        theo = services.request_create(
            actor=nurse,
            partner_org=hospital,
            place=place,
            data={
                "child_first_name": "Theo",
                "child_age": 7,
                "interests": "dinosaurs (he lines them up as guards), fire-truck sirens, his toy "
                "raccoon",
                "asked_for": 'to meet a real-life hero: "a real police officer, a brave one"',
                "ward": "Sunflower ward, room 9",
                "group_size": 2,
                "urgency": "soon",
                "note": "Mornings are best, before his afternoon treatment.",
            },
            windows=[(local(first_day, 9), local(first_day, 12))],
        )
        first = services.slot_propose(
            request=theo,
            officer=hero,
            start=local(first_day, 10),
            end=local(first_day, 11),
            actor=coord,
        )
        services.slot_accept(visit=first, actor=nurse)
        services.visit_start(visit=first, actor=hero, at=local(first_day, 10, 5))
        services.visit_interrupt(visit=first, actor=hero, at=local(first_day, 10, 40))
        # Before leaving he had made Theo his partner with a department patch.
        services.visit_record_given(
            visit=first,
            actor=hero,
            mementos={"patch": 1},
            note="Made Theo my partner with a department patch before the radio call. "
            'He told me to go: "they need you".',
        )
        back = services.visit_reschedule(
            request=theo,
            officer=hero,
            start=local(return_day, 14),
            end=local(return_day, 15),
            actor=coord,
            guests=[("honouree", "Jordan (16)")],
        )
        services.slot_accept(visit=back, actor=nurse)
        services.visit_start(visit=back, actor=hero, at=local(return_day, 14, 2))
        services.visit_complete(
            visit=back,
            actor=hero,
            at=local(return_day, 14, 55),
            note="Came back after being called away. Theo still had his partner's patch. "
            "Jordan, honoured for pushing a classmate clear of a car outside the high "
            "school, played cards with him; toy badges for both. Bring the junior badge "
            "next time.",
            mementos={"toy_badge": 2},
            photo_consent=True,
            can_feed_story=True,
        )

        # A visit on today's list for the same officer, so "My day" has something to start.
        soon = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        amara = services.request_create(
            actor=nurse,
            partner_org=hospital,
            place=place,
            data={
                "child_first_name": "Amara",
                "child_age": 9,
                "interests": "horses, drawing",
                "asked_for": "to ask an officer how they help lost kids",
                "ward": "Sunflower ward, playroom",
                "group_size": 2,
                "urgency": "routine",
            },
            windows=[(soon, soon + timedelta(hours=2))],
        )
        visit = services.slot_propose(
            request=amara, officer=hero, start=soon, end=soon + timedelta(minutes=45), actor=coord
        )
        services.slot_accept(visit=visit, actor=nurse)

        # Still open: one waiting for a slot (the nurse phoned it in, so the coordinator
        # filed it for the ward), one waiting for the nurse to confirm.
        tomorrow = today + timedelta(days=1)
        services.request_create_for_partner(
            actor=coord,
            partner_org=hospital,
            requested_by="Sam, charge nurse, Sunflower ward",
            received_via="phone",
            data={
                "child_first_name": "Leo",
                "child_age": 5,
                "interests": "police dogs, trucks",
                "asked_for": "to pet a police dog",
                "ward": "Sunflower ward, room 4",
                "group_size": 3,
                "urgency": "urgent",
                "requested_officer": trooper,
            },
            windows=[
                (local(tomorrow, 13), local(tomorrow, 17)),
                (local(tomorrow + timedelta(days=1), 9), local(tomorrow + timedelta(days=1), 12)),
            ],
        )
        maya = services.request_create(
            actor=nurse,
            partner_org=hospital,
            place=place,
            data={
                "child_first_name": "Maya",
                "child_age": 11,
                "interests": "science, space",
                "asked_for": "a tour of a patrol car (from the window)",
                "ward": "Sunflower ward, room 2",
                "group_size": 1,
                "urgency": "routine",
            },
            windows=[
                (local(tomorrow + timedelta(days=2), 10), local(tomorrow + timedelta(days=2), 12))
            ],
        )
        services.slot_propose(
            request=maya,
            officer=trooper,
            start=local(tomorrow + timedelta(days=2), 10),
            end=local(tomorrow + timedelta(days=2), 11),
            actor=coord,
        )
