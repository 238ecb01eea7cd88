"""Load the events demo: the community day of story 01 and the open house of story 02, told in
our own words, with the families who come.

- The community day at the station (cruiser tours, walkie-talkies, face painting, a bouncy
  house, the Chief Junior Officer ceremony). Marcus's mother was invited by the trooper from
  the reunited report of the reunite demo (story 01) and registers him and his little sister;
  Theo's family, invited after the officer's completed visit (story 04, visits demo); families
  whose children's names are written in Arabic, Chinese, Cyrillic, Devanagari and Korean.
- The open house (K-9 demonstration, face painting, open dialogue, safety education for
  parents), small on purpose: Eli's mother, invited by the deputy (story 02), and three more
  families fill it; a family that registers later waits on the waitlist, together.

Everything goes through showup.events.services (and core's registry of encounter kinds for the
invitations' prefill), so statuses, waitlist, audit entries and invitations are real. All people
here are invented. Needs the demo agency made by `seed_demo` (and, for Theo's family,
`seed_visits_demo`); running it again changes nothing.

events imports no other module: the encounters are found through the app registry by model
name, and what an invitation may say comes from the modules' encounter providers.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone

from showup.core.models import Agency, User
from showup.core.registry import Encounter, encounter
from showup.events import services
from showup.events.models import Event, Invitation

COMMUNITY_DAY = "Community day at the station"
OPEN_HOUSE = "Open house: meet the K-9 unit"
STATION = "Riverside County Community Engagement Unit, station"
STATION_ADDRESS = "120 Main St, Riverside"
STATION_PIN = (34.0729, -118.2417)


def local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


def next_saturday(after: datetime, *, at_least_days: int) -> datetime:
    day = after + timedelta(days=at_least_days)
    return day + timedelta(days=(5 - day.weekday()) % 7)


LATCHES = (
    "Door latches and child-proof locks",
    "A latch high on the front and back doors, out of a small child's reach, and a door that "
    "closes by itself: most children who walk out alone leave through a door that did not "
    "latch. Child-proof covers on door knobs; a chime or a simple door alarm that sounds when a "
    "door opens. Check the latch after every delivery.",
)
LOST = (
    "What to teach children about getting lost",
    "Stay where you are and call out your grown-up's name. Ask a mother with children, a "
    "cashier or anyone in uniform for help. Know your grown-up's phone number (or carry it on a "
    "card). Never go to a car or leave the place with someone who offers help. Practise it as a "
    "game at home, and agree on a meeting point whenever you go somewhere busy.",
)

# (contact name, email, adults, [(child's first name, age band)], language at home, messages)
COMMUNITY_FAMILIES: list[tuple[str, str, int, list[tuple[str, str]], str, str]] = [
    ("Wang Fang", "wang.family@example.org", 2, [("小明", "7-9"), ("美玲", "4-6")], "zh", "en"),
    ("Irina Petrova", "petrova@example.org", 1, [("Алёша", "7-9")], "ru", "en"),
    ("Salma Haddad", "haddad@example.org", 1, [("ليلى", "4-6"), ("يوسف", "7-9")], "ar", "en"),
    (
        "Lucía Romero",
        "romero@example.org",
        2,
        [("Mateo", "10-12"), ("Valentina", "4-6")],
        "es",
        "es",
    ),
    ("Jamal Wright", "jwright@example.org", 1, [("Aaliyah", "7-9")], "en", "en"),
]
OPEN_HOUSE_FAMILIES: list[tuple[str, str, int, list[tuple[str, str]], str, str]] = [
    ("Kim Min-jun", "kim.family@example.org", 2, [("지우", "4-6")], "ko", "en"),
    ("Priya Sharma", "sharma@example.org", 2, [("आरव", "7-9"), ("अनन्या", "4-6")], "hi", "en"),
    ("Nadia Haddad", "nadia.h@example.org", 1, [("سارة", "10-12"), ("عمر", "7-9")], "ar", "en"),
]
# Registers when the open house is already full: waits, the whole family together.
WAITLISTED = (
    "Ana Novak",
    "novak@example.org",
    1,
    [("Luka", "7-9"), ("Ema", "4-6"), ("Iva", "0-3")],
    "hr",
    "en",
)


class Command(BaseCommand):
    help = "Load the events demo (stories 01 and 02) into the demo agency made by seed_demo."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug="demo").first()
        if agency is None:
            self.stdout.write("No demo agency yet: run `manage.py seed_demo` first. Nothing done.")
            return
        users = {
            u.username: u for u in User.objects.filter(agency=agency, username__startswith="demo-")
        }
        needed = ("demo-coordinator", "demo-trooper", "demo-deputy", "demo-officer")
        if any(name not in users for name in needed):
            self.stdout.write("The demo agency lacks its demo accounts. Nothing done.")
            return
        if Event.objects.filter(agency=agency, title__in=[COMMUNITY_DAY, OPEN_HOUSE]).exists():
            self.stdout.write("Events demo already loaded.")
            return
        now = timezone.localtime()
        community = self._community_day(agency, users, now)
        open_house = self._open_house(agency, users, now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Events demo loaded: {community.title} ({community.registrations.count()} "
                f"families), {open_house.title} ({open_house.registrations.count()} families, "
                "one waiting). Staff pages: /events/staff/ (demo-coordinator)."
            )
        )

    # --- the events -----------------------------------------------------------------------

    def _event(
        self,
        agency: Agency,
        coordinator: User,
        *,
        title: str,
        description: str,
        start: datetime,
        end: datetime,
        capacity: int,
        activities: list[tuple[str, datetime, datetime | None, str]],
        languages: str,
        accessibility: str,
    ) -> Event:
        event = services.event_create(
            agency=agency,
            actor=coordinator,
            data={
                "title": title,
                "description": description,
                "place_name": STATION,
                "address": STATION_ADDRESS,
                "lat": STATION_PIN[0],
                "lon": STATION_PIN[1],
                "start": start,
                "end": end,
                "capacity": capacity,
                "accessibility": accessibility,
                "staff_languages": languages,
                "offer_hours": 24,
            },
        )
        for what, begins, ends, where in activities:
            services.activity_add(
                event=event, actor=coordinator, title=what, start=begins, end=ends, place=where
            )
        for heading, body in (LATCHES, LOST):
            services.material_add(event=event, actor=coordinator, title=heading, body=body)
        return services.event_publish(event=event, actor=coordinator)

    def _community_day(self, agency: Agency, users: dict[str, User], now: datetime) -> Event:
        """Story 01: the trooper invites the mother and her boy to the station's community day,
        where the boy is made Chief Junior Officer for the day."""
        day = next_saturday(now, at_least_days=2)
        event = self._event(
            agency,
            users["demo-coordinator"],
            title=COMMUNITY_DAY,
            description="Families meet the officers who serve them: climb into a cruiser, talk "
            "on a walkie-talkie, get your face painted, jump in the bouncy house. Every child "
            "leaves a junior officer, with a badge sticker and a name tag.",
            start=local(day, 10),
            end=local(day, 14),
            capacity=60,
            activities=[
                ("Cruiser tour", local(day, 10), local(day, 10, 45), "the station lot"),
                (
                    "Walkie-talkies: call the dispatch desk",
                    local(day, 10, 30),
                    None,
                    "dispatch room",
                ),
                ("Face painting", local(day, 11), local(day, 13), "community room"),
                ("Bouncy house", local(day, 11), local(day, 14), "the lawn"),
                (
                    "Junior officer badges and Chief Junior Officer",
                    local(day, 13, 30),
                    None,
                    "front steps",
                ),
            ],
            languages="en, es, zh, ar",
            accessibility="Step-free entrance on the lot side; accessible restroom; a quiet room "
            "by the front desk. The bouncy house closes for 15 minutes every hour for children "
            "who prefer it calm.",
        )
        trooper = users["demo-trooper"]
        # Marcus's mother, from the reunited report of the parking lot (story 01).
        report = self._model_row("reunite", "Report", kind="found", given_name="Marcus")
        found = encounter("reunite.report", trooper, report.pk) if report is not None else None
        if found is not None and (found.phone or found.email):
            invitation = self._invite(event, trooper, found, "reunite.report", report.pk)
            children = [(name, "7-9") for name in found.children_names] + [("Nia", "0-3")]
            self._register(
                event,
                found.family_name,
                found.email,
                found.phone,
                1,
                children,
                "en",
                "en",
                invitation,
            )
        # Theo's family, after the officer's completed visit (story 04): the hospital's contact
        # is not the family's, so the officer typed the mother's address.
        visit = self._model_row(
            "visits", "Visit", status="completed", request__child_first_name="Theo"
        )
        officer = users["demo-officer"]
        seen = encounter("visits.visit", officer, visit.pk) if visit is not None else None
        if seen is not None:
            typed = Encounter(
                label=seen.label,
                family_name="Claire Moreau",
                children_names=seen.children_names,
                email="moreau@example.org",
            )
            invitation = self._invite(event, officer, typed, "visits.visit", visit.pk)
            self._register(
                event,
                "Claire Moreau",
                "moreau@example.org",
                "",
                1,
                [(name, "7-9") for name in seen.children_names],
                "fr",
                "en",
                invitation,
            )
        for name, email, adults, children, languages, language in COMMUNITY_FAMILIES:
            self._register(event, name, email, "", adults, children, languages, language)
        return event

    def _open_house(self, agency: Agency, users: dict[str, User], now: datetime) -> Event:
        """Story 02: the deputy invites the four-year-old's mother to the open house; small, so
        a family that registers late waits on the waitlist."""
        day = next_saturday(now, at_least_days=9)
        event = self._event(
            agency,
            users["demo-coordinator"],
            title=OPEN_HOUSE,
            description="An afternoon at the station for families: the K-9 unit shows what the "
            "dogs do, face painting for the children, open dialogue with the officers, and "
            "safety education for parents (door latches, and what to teach children about "
            "getting lost).",
            start=local(day, 11),
            end=local(day, 15),
            capacity=12,
            activities=[
                (
                    "K-9 demonstration",
                    local(day, 11),
                    local(day, 11, 45),
                    "the field behind the station",
                ),
                ("Face painting", local(day, 11), local(day, 14), "community room"),
                ("Open dialogue with officers", local(day, 12), local(day, 13), "community room"),
                (
                    "Safety education for parents",
                    local(day, 13),
                    local(day, 13, 45),
                    "briefing room",
                ),
            ],
            languages="en, es, ko, hi",
            accessibility="Step-free entrance; the K-9 demonstration is loud for a moment: ear "
            "defenders at the door.",
        )
        deputy = users["demo-deputy"]
        # Eli's mother (story 02). The report of the donut walk stays open in the reunite demo,
        # so the match can be confirmed and the hand-off done live; an open report cannot lead
        # to an invitation (services.invitation_send), so here the deputy typed the contact the
        # mother gave on her report. After the hand-off, "Invite the family to an event" on the
        # closed report is the way the walkthrough shows.
        missing = self._model_row("reunite", "Report", kind="missing", given_name="Elijah")
        if missing is not None:
            typed = Encounter(
                label=missing.reference,
                family_name=missing.guardian_name,
                children_names=("Eli",),
                phone=missing.guardian_phone,
                email=missing.guardian_email,
                language=missing.guardian_language or "en",
            )
            invitation = self._invite(event, deputy, typed, "", None)
            self._register(
                event,
                typed.family_name,
                typed.email,
                typed.phone,
                1,
                [("Eli", "4-6")],
                "en",
                "en",
                invitation,
            )
        for name, email, adults, children, languages, language in OPEN_HOUSE_FAMILIES:
            self._register(event, name, email, "", adults, children, languages, language)
        name, email, adults, children, languages, language = WAITLISTED
        self._register(event, name, email, "", adults, children, languages, language)
        return event

    # --- helpers ----------------------------------------------------------------------------

    def _model_row(self, app: str, model: str, **match: Any) -> Any:
        """A demo row of another module, or None when that module or demo is not loaded."""
        try:
            cls = apps.get_model(app, model)
        except LookupError:
            return None
        return cls.objects.filter(**match).order_by("pk").first()

    def _invite(
        self, event: Event, officer: User, found: Encounter, kind: str, pk: int | None
    ) -> Invitation:
        channel = Invitation.Channel.EMAIL if found.email else Invitation.Channel.SMS
        return services.invitation_send(
            event=event,
            actor=officer,
            channel=channel,
            contact=found.email or found.phone,
            family_name=found.family_name,
            children_names=", ".join(found.children_names),
            language=found.language,
            source_kind=kind,
            source_id=pk,
        )

    def _register(
        self,
        event: Event,
        name: str,
        email: str,
        phone: str,
        adults: int,
        children: list[tuple[str, str]],
        languages: str,
        language: str,
        invitation: Invitation | None = None,
    ) -> None:
        services.registration_create(
            event=event,
            data={
                "contact_name": name,
                "email": email,
                "phone": phone,
                "adults": adults,
                "languages": languages,
            },
            children=[{"first_name": first, "age_band": band} for first, band in children],
            language=language,
            invitation=invitation,
        )
