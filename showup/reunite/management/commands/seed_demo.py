"""Load the demo: the stories as scenarios (in our own words) and a realistic board around them.

Everything goes through the same services the application uses, so matching, audit entries
and hand-off records are real. All people and places here are invented.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from showup.core.accounts import DEMO_TOTP_SECRET, mfa_required
from showup.core.models import Agency, PartnerOrganisation, Role, User
from showup.reunite import services
from showup.reunite.matching_service import drain_outbox
from showup.reunite.models import Candidate, Report

DEMO_PASSWORD = "showup-demo"
# A town centre for the demo; the reports scatter within a few km of it.
CENTRE = (34.0736, -118.2400)

OPERATOR_USERNAME = "operator"

ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    # username, role, first, last, organisation key ("" = the agency)
    ("demo-trooper", Role.OFFICER, "Dale", "Hughes", ""),
    ("demo-deputy", Role.OFFICER, "Rosa", "Delgado", ""),
    ("demo-officer", Role.OFFICER, "Sam", "Okafor", ""),
    ("demo-coordinator", Role.COORDINATOR, "Maya", "Lindqvist", ""),
    ("demo-admin", Role.ADMIN, "Priya", "Raman", ""),
    ("demo-store", Role.PARTNER, "Tom", "Becker", "store"),
    ("demo-nurse", Role.PARTNER, "Grace", "Mwangi", "hospital"),
]

FIRST = {
    "male": ["Liam", "Mateo", "Noah", "Ethan", "Diego", "Kenji", "Omar", "Luca", "Caleb", "Arjun"],
    "female": ["Sofia", "Ava", "Isabella", "Mia", "Aaliyah", "Mei", "Zara", "Lucia", "Nora", "Ana"],
}
FAMILY = [
    "Nguyen",
    "Garcia",
    "Johnson",
    "Kim",
    "Patel",
    "Lopez",
    "Brown",
    "Haddad",
    "Novak",
    "Reyes",
]
COLOURS = ["red", "blue", "green", "yellow", "pink", "black", "white", "orange", "purple", "grey"]
TOPS = ["t-shirt", "hoodie", "sweater", "rain jacket", "polo shirt"]
BOTTOMS = {
    "male": ["shorts", "jeans", "track pants"],
    "female": ["shorts", "jeans", "leggings", "skirt", "track pants"],
}
SHOES = ["sneakers", "sandals", "rain boots", "crocs"]
ITEMS = ["stuffed bunny", "toy truck", "balloon", "backpack", "water bottle", ""]
PLACES = [
    "county fair, Gate B",
    "Riverside Park playground",
    "Main St library",
    "FreshMart parking lot",
    "bus station",
    "farmers market",
    "community pool",
]


class Command(BaseCommand):
    help = "Load the demo scenarios (stories 01-03) and a realistic board of open reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--extra", type=int, default=14, help="background report pairs")

    def handle(self, *args: Any, **options: Any) -> None:
        if Agency.objects.filter(slug="demo").exists():
            # The audit log is append-only, so the demo is reloaded by starting from a new
            # database file (make demo does that), never by deleting rows.
            self.stdout.write("Demo data already loaded.")
            return
        rng = random.Random(7)
        now = timezone.now()
        with transaction.atomic():
            agency, users = self._accounts()
        self._parking_lot(agency, users, now)
        self._donuts(agency, users, now)
        self._curb(agency, users, now)
        self._background(agency, users, now, rng, options["extra"])
        drain_outbox()  # the demo opens with its candidates, worker running or not
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {Report.objects.filter(agency=agency).count()} reports, "
                f"{Candidate.objects.filter(missing__agency=agency).count()} candidate matches. "
                f"Log in as any demo-* user with password '{DEMO_PASSWORD}'."
            )
        )

    def _accounts(self) -> tuple[Agency, dict[str, User]]:
        agency = Agency.objects.create(
            name="Riverside County Community Engagement Unit",
            slug="demo",
            email="engagement-unit@example.org",
            phone="+15550100100",
            phone_region="US",
        )
        orgs = {
            "store": PartnerOrganisation.objects.create(
                agency=agency, name="FreshMart Riverside (store security)", kind="store"
            ),
            "hospital": PartnerOrganisation.objects.create(
                agency=agency, name="Riverside Children's Hospital, child life", kind="hospital"
            ),
        }
        users = {}
        for username, role, first, last, org in ACCOUNTS:
            users[username] = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                agency=agency,
                partner_org=orgs.get(org),
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                # The agency's admin uses the administration for their agency only: staff,
                # never a superuser (showup.core.admin scopes them).
                is_staff=role == Role.ADMIN,
            )
            if mfa_required(users[username]):
                # A second factor, as in production; its fixed demo secret lets the home page
                # show the current code (demo mode only).
                TOTP.activate(users[username], DEMO_TOTP_SECRET)
        # The platform operator: a superuser of no agency, separate from the agency's admin,
        # whose every view and change in the administration is audited (docs/onboarding.md).
        operator = User.objects.create_superuser(
            username=OPERATOR_USERNAME,
            password=DEMO_PASSWORD,
            email="operator@example.org",
            role=Role.ADMIN,
            first_name="Platform",
            last_name="Operator",
        )
        if mfa_required(operator):
            TOTP.activate(operator, DEMO_TOTP_SECRET)
        return agency, users

    def _parking_lot(self, agency: Agency, users: dict[str, User], now: datetime) -> None:
        """Story 01: a boy wanders off in a supermarket car park; a trooper lends him his badge."""
        when = now - timedelta(days=2, hours=3)
        lot = (34.0701, -118.2493)
        missing = services.report_create(
            agency=agency,
            kind="missing",
            filed_by=users["demo-store"],
            partner_org=users["demo-store"].partner_org,
            data={
                "given_name": "Marcus",
                "family_name": "Bell",
                "age_years": 7,
                "sex": "male",
                "hair": "short black curls",
                "clothing": "green dinosaur t-shirt, grey shorts",
                "carrying": "",
                "languages": ["en"],
                "lat": lot[0],
                "lon": lot[1],
                "place": "FreshMart parking lot, by the cart return",
                "seen_at": when,
                "guardian_name": "Renee Bell",
                "guardian_phone": "+15550142201",
                "reporter_relationship": "mother",
                "reporter_has_custody": True,
                "authorised_adults": [{"name": "Gloria Bell", "relationship": "grandparent"}],
                "description": "Mother was loading groceries with a toddler; he was by the cart.",
            },
        )
        found = services.report_create(
            agency=agency,
            kind="found",
            filed_by=users["demo-trooper"],
            data={
                "given_name": "Marcus",
                "age_min": 6,
                "age_max": 8,
                "sex": "male",
                "hair": "black curly",
                "clothing": "green t-shirt with a dinosaur, gray shorts",
                "languages": ["en"],
                "lat": lot[0] + 0.0012,
                "lon": lot[1] + 0.0009,
                "place": "far end of the FreshMart lot",
                "seen_at": when + timedelta(minutes=6),
                "safe_location": "With Trooper Hughes by his cruiser; wearing the trooper's badge",
                "description": "Calm, proud of the badge. Says his mom has a baby with her.",
            },
        )
        drain_outbox()  # match here, as a worker would, so the pair can be confirmed
        candidate = Candidate.objects.get(missing=missing, found=found)
        services.candidate_confirm(candidate=candidate, actor=users["demo-coordinator"])
        services.handoff_record(
            candidate=candidate,
            officer=users["demo-trooper"],
            id_checked=True,
            id_type="driving_licence",
            id_last4="4821",
            child_recognises=True,
            guardian_knowledge=True,
            guardian_knowledge_note="Named his baby sister and his school",
            released_to="Renee Bell",
            collector="reporter",
        )
        services.note_add(
            report=found,
            author=users["demo-trooper"],
            text="Family invited to the station's community day; follow-up visit next week.",
        )

    def _donuts(self, agency: Agency, users: dict[str, User], now: datetime) -> None:
        """Story 02: a four-year-old is found walking to the donut shop before anyone knows."""
        street = (34.0812, -118.2305)
        services.report_create(
            agency=agency,
            kind="found",
            filed_by=users["demo-deputy"],
            data={
                "given_name": "Eli",
                "age_min": 3,
                "age_max": 5,
                "sex": "male",
                "hair": "blond, messy",
                "clothing": "blue pyjama top with rockets, bare feet",
                "carrying": "a handful of coins",
                "languages": ["en"],
                "lat": street[0],
                "lon": street[1],
                "place": "Oak Ave, walking toward Sunny Donuts",
                "seen_at": now - timedelta(minutes=25),
                "safe_location": "Walking with Deputy Delgado to the donut shop, then patrol car 7",
                "description": "Says he is going to buy donuts for his mom.",
            },
        )
        services.report_create(
            agency=agency,
            kind="missing",
            filed_by=None,
            data={
                "given_name": "Elijah",
                "family_name": "Carter",
                "other_names": ["Eli"],
                "age_years": 4,
                "sex": "male",
                "hair": "blonde",
                "languages": ["en"],
                "clothing": "rocket pyjamas, no shoes",
                "carrying": "",
                "lat": street[0] + 0.004,
                "lon": street[1] - 0.003,
                "place": "home on Birch St, the back door was unlatched",
                "seen_at": now - timedelta(minutes=50),
                "guardian_name": "Dana Carter",
                "guardian_phone": "+15550177302",
                "reporter_relationship": "mother",
                "reporter_has_custody": True,
                # The neighbour who may collect Eli while his mother is at work (story 02).
                "authorised_adults": [{"name": "Rosa Jiménez", "relationship": "neighbour"}],
                "guardian_language": "en",
            },
        )

    def _curb(self, agency: Agency, users: dict[str, User], now: datetime) -> None:
        """Story 03: a boy alone on a curb; an officer stays and shares his lunch."""
        services.report_create(
            agency=agency,
            kind="found",
            filed_by=users["demo-officer"],
            data={
                "situation": Report.Situation.ALONE,
                "given_name": "",
                "age_min": 8,
                "age_max": 11,
                "sex": "male",
                "hair": "short brown",
                "clothing": "red hoodie, jeans, worn sneakers",
                "carrying": "school backpack",
                "languages": ["en", "es"],
                "lat": 34.0655,
                "lon": -118.2281,
                "place": "curb outside the Corner Market, 5th St",
                "seen_at": now - timedelta(minutes=40),
                "safe_location": "Sitting with Officer Okafor outside the market",
                "description": "Would not give his name. Hungry; shared a sandwich. Welfare check.",
            },
        )

    def _background(
        self, agency: Agency, users: dict[str, User], now: datetime, rng: random.Random, pairs: int
    ) -> None:
        """Open reports around town so the board looks like a busy afternoon."""
        filers = [users["demo-trooper"], users["demo-deputy"], users["demo-officer"]]
        for i in range(pairs):
            sex = rng.choice(["male", "female"])
            first, family = rng.choice(FIRST[sex]), rng.choice(FAMILY)
            age = rng.randint(3, 12)
            top, bottom = (
                f"{rng.choice(COLOURS)} {rng.choice(TOPS)}",
                f"{rng.choice(COLOURS)} {rng.choice(BOTTOMS[sex])}",
            )
            clothing = f"{top}, {bottom}, {rng.choice(COLOURS)} {rng.choice(SHOES)}"
            item = rng.choice(ITEMS)
            lat = CENTRE[0] + rng.uniform(-0.03, 0.03)
            lon = CENTRE[1] + rng.uniform(-0.03, 0.03)
            seen = now - timedelta(minutes=rng.randint(15, 240))
            place = rng.choice(PLACES)
            has_missing = i % 3 != 2
            has_found = i % 3 != 1
            if has_missing:
                services.report_create(
                    agency=agency,
                    kind="missing",
                    filed_by=None,
                    data={
                        "given_name": first,
                        "family_name": family,
                        "age_years": age,
                        "sex": sex,
                        "clothing": clothing,
                        "carrying": item,
                        "languages": ["en"],
                        "lat": lat,
                        "lon": lon,
                        "place": place,
                        "seen_at": seen,
                        "guardian_name": f"{rng.choice(FIRST['female'])} {family}",
                        "guardian_phone": f"+1555010{i:04d}",
                        "reporter_relationship": "mother",
                        "reporter_has_custody": True,
                    },
                )
            if has_found:
                said = first if rng.random() < 0.6 else ""
                services.report_create(
                    agency=agency,
                    kind="found",
                    filed_by=rng.choice(filers),
                    data={
                        "given_name": said,
                        "age_min": max(0, age - 1),
                        "age_max": age + 1,
                        "sex": sex,
                        "clothing": clothing if has_missing else f"{top}, {bottom}",
                        "carrying": item,
                        "languages": ["en"],
                        "lat": lat + rng.uniform(-0.005, 0.005),
                        "lon": lon + rng.uniform(-0.005, 0.005),
                        "place": place,
                        "seen_at": seen + timedelta(minutes=rng.randint(5, 50)),
                        "safe_location": "With the officer at the information booth",
                    },
                )
