"""Officer visits requested by partners: places and their rules, requests, scheduled visits,
guests, mementos and the unit's memento stock, officers' shifts, calendar feed tokens.

Privacy: a request holds the child's first name only, an age, what they love and what they
asked for. There is deliberately no field for a diagnosis or any medical detail; urgency says
how soon, never why.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from showup.core.models import Agency, PartnerOrganisation

# No look-alike characters (as reunite's references): a nurse reads it out on the phone.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def new_visit_reference() -> str:
    """A reference that says nothing about how many requests exist or in which agency:
    V- and eight random characters (25^8, about 1.5e11). Unique in the database."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"V-{body[:4]}-{body[4:]}"


class VisitRules(models.Model):
    """A place's standing rules for special visitors. A Place keeps them; each request starts
    from a copy (the nurse can tighten or relax them for one child)."""

    max_group_size = models.PositiveSmallIntegerField(
        _("largest visiting group"),
        default=3,
        help_text=_("How many visitors may be in the room at once, officers and guests included."),
    )
    min_visitor_age = models.PositiveSmallIntegerField(
        _("minimum visitor age"),
        null=True,
        blank=True,
        help_text=_("Leave empty if there is no minimum."),
    )
    infection_screening = models.BooleanField(_("infection screening at the door"), default=False)
    flu_vaccination = models.BooleanField(_("flu vaccination required in season"), default=False)
    photos_allowed = models.BooleanField(_("photos of patients allowed"), default=False)
    escort_required = models.BooleanField(_("visitors must be escorted by staff"), default=False)
    min_notice_days = models.PositiveSmallIntegerField(
        _("notice needed (days)"),
        default=0,
        help_text=_("How far ahead a visit should be requested."),
    )
    rules_notes = models.TextField(
        _("other rules"),
        blank=True,
        help_text=_("Where to check in, parking, what not to bring. No patient details."),
    )

    RULE_FIELDS: ClassVar[tuple[str, ...]] = (
        "max_group_size",
        "min_visitor_age",
        "infection_screening",
        "flu_vaccination",
        "photos_allowed",
        "escort_required",
        "min_notice_days",
        "rules_notes",
    )

    class Meta:
        abstract = True

    def rules(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.RULE_FIELDS}


class Place(VisitRules):
    """Where a partner receives visits (a ward, a school, a shelter) and its standing rules."""

    partner_org = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="visit_places"
    )
    name = models.CharField(_("place"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner_org", "name"]

    def __str__(self) -> str:
        return f"{self.partner_org} — {self.name}"


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon (within days)")
    URGENT = "urgent", _("Urgent (as soon as possible)")


URGENCY_RANK = Case(
    When(urgency=Urgency.URGENT, then=Value(0)),
    When(urgency=Urgency.SOON, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class ReceivedVia(models.TextChoices):
    """How the unit heard of a request it filed for a partner."""

    PHONE = "phone", _("By phone")
    EMAIL = "email", _("By email")
    IN_PERSON = "in_person", _("In person")


class VisitRequestQuerySet(models.QuerySet["VisitRequest"]):
    def open(self) -> VisitRequestQuerySet:
        return self.exclude(status__in=VisitRequest.CLOSED_STATUSES)

    def by_urgency(self) -> VisitRequestQuerySet:
        """Most urgent first, then the longest waiting."""
        return self.annotate(urgency_rank=URGENCY_RANK).order_by("urgency_rank", "created_at", "pk")


class VisitRequest(VisitRules):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PROPOSED = "proposed", _("Slot proposed — please confirm")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("Visit in progress")
        INTERRUPTED = "interrupted", _("Interrupted — being rescheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    CLOSED_STATUSES: ClassVar[tuple[str, ...]] = (Status.COMPLETED, Status.CANCELLED)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="visit_requests")
    partner_org = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="visit_requests"
    )
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reference = models.CharField(max_length=12, unique=True, default=new_visit_reference)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    child_first_name = models.CharField(
        _("child's first name"),
        max_length=60,
        help_text=_("First name only. Never a family name."),
    )
    child_age = models.PositiveSmallIntegerField(_("age"))
    interests = models.CharField(
        _("what they love"),
        max_length=300,
        blank=True,
        help_text=_("Sirens, dogs, dinosaurs… anything that helps the officer connect."),
    )
    asked_for = models.CharField(
        _("what they asked for"),
        max_length=300,
        blank=True,
        help_text=_("In their words, if you can."),
    )
    ward = models.CharField(_("ward, room or meeting point"), max_length=120, blank=True)
    group_size = models.PositiveSmallIntegerField(
        _("visitors wanted"),
        default=1,
        help_text=_("How many visitors (officers and guests) you would welcome."),
    )
    urgency = models.CharField(
        _("how soon"),
        max_length=10,
        choices=Urgency.choices,
        default=Urgency.ROUTINE,
        help_text=_("Say how soon, not why. Please do not include any medical details."),
    )
    requested_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer asked for"),
    )
    note = models.TextField(
        _("anything else"),
        blank=True,
        help_text=_("Practical notes only. Please do not include any medical details."),
    )
    # Why it was cancelled, as the partner or coordinator wrote it: kept on the request (never in
    # the audit log, which outlives it) and cleared by the retention purge with the rest.
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    # Set only when the unit filed the request for the partner (created_by is then the
    # coordinator): who at the partner asked, and how the unit heard.
    requested_by = models.CharField(
        _("requested by (name and role at the partner)"),
        max_length=120,
        blank=True,
        help_text=_("As they told you, e.g. “Ana, charge nurse, ward 4”."),
    )
    received_via = models.CharField(
        _("how the request reached the unit"),
        max_length=10,
        choices=ReceivedVia.choices,
        blank=True,
    )

    objects: ClassVar[VisitRequestQuerySet] = VisitRequestQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    @property
    def filed_by_unit(self) -> bool:
        """The community-engagement unit filed it for the partner (who phoned or wrote)."""
        return bool(self.received_via)


class VisitWindow(models.Model):
    """A time the partner would welcome a visit."""

    request = models.ForeignKey(VisitRequest, on_delete=models.CASCADE, related_name="windows")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="visits_window_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class VisitQuerySet(models.QuerySet["Visit"]):
    def booked(self) -> VisitQuerySet:
        """Visits that hold an officer's time."""
        return self.filter(status__in=Visit.BOOKED_STATUSES)

    def overlapping(self, start: object, end: object) -> VisitQuerySet:
        return self.filter(start__lt=end, end__gt=start)


class Visit(models.Model):
    """One slot for a request: proposed by the coordinator, accepted by the partner, then
    started, interrupted or completed by the officer. A return visit links to the first."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        INTERRUPTED = "interrupted", _("Called away")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    BOOKED_STATUSES: ClassVar[tuple[str, ...]] = (
        Status.PROPOSED,
        Status.SCHEDULED,
        Status.IN_PROGRESS,
    )

    request = models.ForeignKey(VisitRequest, on_delete=models.CASCADE, related_name="visits")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("officer"),
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    interrupted_at = models.DateTimeField(null=True, blank=True)
    interrupt_reason = models.CharField(max_length=120, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    return_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="returns",
        verbose_name=_("return visit of"),
    )
    officer_note = models.TextField(
        _("private note"),
        blank=True,
        help_text=_("For the unit only: what worked, what to bring next time. No medical details."),
    )
    photo_consent = models.BooleanField(_("guardian consented to photos"), default=False)
    can_feed_story = models.BooleanField(_("may feed a story"), default=False)

    objects: ClassVar[VisitQuerySet] = VisitQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="visits_visit_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} {self.start:%Y-%m-%d %H:%M}"

    @property
    def agency_id(self) -> int:
        return self.request.agency_id


class VisitGuest(models.Model):
    class Kind(models.TextChoices):
        OFFICER = "officer", _("Another officer")
        K9 = "k9", _("K-9 team")
        HONOUREE = "honouree", _("Young person being honoured")
        OTHER = "other", _("Other guest")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="guests")
    kind = models.CharField(_("guest"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guest_visits",
        verbose_name=_("officer of the agency"),
        help_text=_("For a guest who is another officer: their time is booked too."),
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class MementoKind(models.TextChoices):
    PATCH = "patch", _("Department patch")
    JUNIOR_BADGE = "junior_badge", _("Junior officer badge")
    TOY_BADGE = "toy_badge", _("Toy badge")
    STICKER = "sticker", _("Sticker")
    OTHER = "other", _("Other")


class MementoGiven(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="mementos")
    kind = models.CharField(max_length=20, choices=MementoKind.choices)
    quantity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.kind}"


class MementoStock(models.Model):
    """How many of each memento the unit has on hand. Never below zero (a database
    constraint): giving more than the count says is refused with "recount the stock"
    (showup.visits.services._stock_take), so a wrong count is corrected, not hidden."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memento_stock")
    kind = models.CharField(max_length=20, choices=MementoKind.choices)
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind"], name="visits_stock_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="visits_stock_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.quantity}"


class Shift(models.Model):
    """An officer on duty: when visits can be booked without a second thought."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="shifts")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="visits_shift_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class FeedToken(models.Model):
    """The secret in a user's calendar subscription URL. Rotating it revokes old subscriptions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_feed_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
