"""Missing and found child reports, candidate matches, the verified hand-off, timeline notes."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from showup.core.models import Agency, PartnerOrganisation
from showup.reunite.reason_text import shown_reasons

REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes: a guardian reads it on a phone


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"{body[:3]}-{body[3:]}"


def new_status_token() -> str:
    return secrets.token_urlsafe(32)


class Sex(models.TextChoices):
    MALE = "male", _("Boy")
    FEMALE = "female", _("Girl")
    UNKNOWN = "unknown", _("Not sure / other")


class Relationship(models.TextChoices):
    """Who an adult is to the child (the reporter, a listed adult, the adult collecting)."""

    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    PARENT = "parent", _("Parent")
    STEP_PARENT = "step_parent", _("Step-parent")
    LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
    FOSTER_PARENT = "foster_parent", _("Foster parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Adult brother or sister")
    RELATIVE = "relative", _("Other relative")
    CARER = "carer", _("Babysitter or carer")
    SCHOOL = "school", _("Teacher or school staff")
    NEIGHBOUR = "neighbour", _("Neighbour or family friend")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    """How a report ended. Never only "cancelled": outcomes feed follow-ups and statistics."""

    REUNITED = "reunited", _("Reunited")
    TAKEN_HOME = "taken_home", _("Taken home by the officer")
    CHILD_SERVICES = "child_services", _("Referred to child services")
    OTHER_AGENCY = "other_agency", _("Handed to another agency")
    NO_REPORT_NEEDED = "no_report_needed", _("Guardian found, no report needed")
    DUPLICATE = "duplicate", _("Duplicate of another report")
    FILED_IN_ERROR = "filed_in_error", _("Filed in error")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> ReportQuerySet:
        return self.filter(status__in=Report.OPEN_STATUSES)

    def for_agency(self, agency_id: int) -> ReportQuerySet:
        return self.filter(agency_id=agency_id)


class Report(models.Model):
    class Kind(models.TextChoices):
        MISSING = "missing", _("Missing child")
        FOUND = "found", _("Found child")

    class Situation(models.TextChoices):
        LOST = "lost", _("Lost or separated")
        ALONE = "alone", _("Alone, welfare check")

    class Status(models.TextChoices):
        OPEN = "open", _("Searching")
        MATCHED = "matched", _("Match confirmed, hand-off pending")
        REUNITED = "reunited", _("Reunited")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.OPEN, Status.MATCHED)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    situation = models.CharField(
        max_length=10, choices=Situation.choices, default=Situation.LOST, blank=True
    )
    reference = models.CharField(max_length=12, unique=True, default=new_reference)
    status_token = models.CharField(max_length=64, unique=True, default=new_status_token)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)

    # The child, as reported (any script, any case).
    given_name = models.CharField(_("first name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    other_names = models.JSONField(_("other names"), default=list, blank=True)
    age_years = models.DecimalField(_("age"), max_digits=4, decimal_places=1, null=True, blank=True)
    age_min = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    age_max = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), null=True, blank=True)
    hair = models.CharField(_("hair"), max_length=200, blank=True)
    clothing = models.CharField(_("clothing"), max_length=500, blank=True)
    carrying = models.CharField(_("carrying"), max_length=300, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    description = models.TextField(_("anything else"), blank=True)
    photo = models.CharField(max_length=200, blank=True)  # file name under PRIVATE_MEDIA_ROOT

    # Where and when: last seen (missing) or found (found).
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    seen_at = models.DateTimeField(_("time"))
    safe_location = models.CharField(
        _("where the child is kept safe now"), max_length=300, blank=True
    )

    # The guardian (missing reports filed by the public or a partner).
    guardian_name = models.CharField(_("your name"), max_length=200, blank=True)
    guardian_phone = models.CharField(_("phone"), max_length=32, blank=True)
    guardian_email = models.EmailField(_("email"), blank=True)
    guardian_language = models.CharField(max_length=10, default="en")
    # Who the reporting adult is to the child, and who else may collect the child: the
    # hand-off releases the child only to one of them unless a coordinator overrides.
    reporter_relationship = models.CharField(
        _("your relationship to the child"), max_length=20, choices=Relationship.choices, blank=True
    )
    reporter_has_custody = models.BooleanField(_("you have custody"), null=True, blank=True)
    # [{"name": "...", "relationship": "<Relationship>"}]
    authorised_adults = models.JSONField(
        _("other adults allowed to collect the child"), default=list, blank=True
    )

    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner_org = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    holding_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="held_reports",
        help_text=_(
            "The officer responsible: for a found report, the one with the child. A transfer "
            "changes it."
        ),
    )
    # Set when the report was filed: an open report of the same kind that looks like the same
    # child from the same contact, hours apart. The board flags it; a merge closes this one.
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # Child services or the other agency, and their reference.
    outcome_agency = models.CharField(_("agency"), max_length=200, blank=True)
    outcome_reference = models.CharField(_("their reference"), max_length=100, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purged_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ReportQuerySet] = ReportQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def status_label(self) -> str:
        """The status as staff read it: an open found report is a child waiting for a guardian."""
        if self.kind == self.Kind.FOUND and self.status == self.Status.OPEN:
            return str(_("Safe, waiting for a guardian"))
        return str(self.get_status_display())

    def child_label(self) -> str:
        """How staff refer to the child: the reported name or a description."""
        name = " ".join(p for p in (self.given_name, self.family_name) if p)
        return name or str(_("Unnamed child"))


class Candidate(models.Model):
    """A proposed pairing of one missing and one found report, with the engine's evidence."""

    class Decision(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    missing = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="candidates_as_missing"
    )
    found = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="candidates_as_found")
    score = models.FloatField()
    engine_match = models.BooleanField(default=False)
    # The engine's reasons in English (as `showup match` prints them) and the same reasons
    # structured ({"key", "args"}, one per English line) to show them in the reader's language.
    reasons = models.JSONField(default=list)
    reason_keys = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["missing", "found"], name="one_candidate_per_pair")
        ]

    def __str__(self) -> str:
        return f"candidate {self.missing_id}~{self.found_id} ({self.score:.2f})"

    def shown_reasons(self) -> list[str]:
        """The reasons in the active language (English for rows from before they were
        stored structured)."""
        return shown_reasons(self.reason_keys, self.reasons)


class Handoff(models.Model):
    """The verified hand-off of a found child to the adult of a confirmed match."""

    class Collector(models.TextChoices):
        """Who takes the child, as checked against the missing report."""

        REPORTER = "reporter", _("The adult who reported the child missing")
        LISTED = "listed", _("An adult listed on the report")
        OTHER = "other", _("Someone else")

    class IdType(models.TextChoices):
        DRIVING_LICENCE = "driving_licence", _("Driving licence")
        STATE_ID = "state_id", _("State ID card")
        PASSPORT = "passport", _("Passport")
        CONSULAR = "consular", _("Consular ID")
        OTHER = "other", _("Other photo ID")

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="handoff")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    id_checked = models.BooleanField(default=False)
    id_type = models.CharField(max_length=20, choices=IdType.choices, blank=True)
    id_last4 = models.CharField(max_length=4, blank=True)
    child_recognises = models.BooleanField(default=False)
    guardian_knowledge = models.BooleanField(default=False)
    guardian_knowledge_note = models.CharField(max_length=300, blank=True)
    released_to = models.CharField(max_length=200, blank=True)
    collector = models.CharField(max_length=10, choices=Collector.choices, blank=True)
    collector_relationship = models.CharField(
        max_length=20, choices=Relationship.choices, blank=True
    )
    # A release to someone the report does not name needs a coordinator's word, with a reason.
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(max_length=300, blank=True)
    override_for = models.CharField(max_length=200, blank=True)  # the name it was given for
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hand-off of candidate {self.candidate_id}"

    @property
    def is_complete(self) -> bool:
        """Every check done and the adult named: only then may the child go."""
        return (
            self.id_checked
            and self.child_recognises
            and self.guardian_knowledge
            and bool(self.released_to.strip())
        )


class TimelineNote(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    from_guardian = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on report {self.report_id}"


class MatchOutbox(models.Model):
    """A report changed in a way matching must see. Written in the report's own transaction
    (so a change is never lost and never seen before it is committed) and consumed in id order
    by a matching worker, at least once: processing reads the report's current state, so doing
    a row twice writes the same candidates."""

    class Reason(models.TextChoices):
        CREATED = "created"
        EDITED = "edited"
        INFO_ADDED = "info_added"
        CLOSED = "closed"
        REOPENED = "reopened"
        IMPORTED = "imported"
        MERGED = "merged"

    id = models.BigAutoField(primary_key=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    shard = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Retries wait: a row that failed is taken again only from here on.
    available_at = models.DateTimeField(default=timezone.now)
    leased_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    failed = models.BooleanField(default=False)
    # The exception's class only: never a report's data.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["shard", "id"],
                condition=Q(done_at__isnull=True),
                name="match_outbox_pending",
            ),
            models.Index(fields=["done_at"], name="match_outbox_done"),
        ]

    def __str__(self) -> str:
        return f"match outbox {self.pk} ({self.reason}, report {self.report_id})"


class MatchShard(models.Model):
    """Which worker owns a shard of agencies, until when. `epoch` grows at every change of
    owner: a worker writes only while the epoch it took is still the shard's (fencing), so a
    worker that stalled past its lease cannot write over the new owner's work."""

    shard = models.PositiveSmallIntegerField(primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    epoch = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"match shard {self.shard} ({self.owner or 'free'})"


class BoardVersion(models.Model):
    """One small row per agency that moves whenever its board could look different, so the
    board's live poll reads one row instead of aggregating the agency's open work."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"board version {self.agency_id}: {self.version}"


class MatchWorker(models.Model):
    """A running `showup match_worker`, seen at its last heartbeat. The live ones (seen within a
    lease) set the fair share of shards, so a worker holding more hands the surplus over."""

    name = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"match worker {self.name}"
