"""Community days and open houses: events, their activities and safety material, families'
registrations (RSVPs) with their children and the waitlist, invitations from encounters,
check-in scans and families' feedback.

Children's first names are printed on badges for the event and purged with the rest of a
registration's personal details after the agency's retention period; public pages show counts,
never names.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from showup.core.models import Agency

REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes, as reunite's references


def new_event_reference() -> str:
    return "E-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def new_registration_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{body[:4]}-{body[4:]}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="events")
    reference = models.CharField(max_length=12, unique=True, default=new_event_reference)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    place_name = models.CharField(_("place"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(
        _("capacity"), help_text=_("How many people (adults and children) can come.")
    )
    accessibility = models.TextField(_("accessibility"), max_length=2000, blank=True)
    staff_languages = models.CharField(
        _("languages spoken by staff"),
        max_length=200,
        blank=True,
        help_text=_("Language codes separated by commas, e.g. en, es, vi."),
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a freed place"),
        default=24,
        help_text=_("A waitlisted family offered a freed place has this long to take it."),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.reference})"


class Activity(models.Model):
    """Cruiser tour at 10:00 at the lot, K-9 at 11:00 in the field."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("activity"), max_length=200)
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("where"), max_length=200, blank=True)

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return self.title


class SafetyMaterial(models.Model):
    """Safety education handed to parents: door latches and child-proof locks; what to teach
    children about getting lost."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000, blank=True)
    url = models.URLField(_("link"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """A personal invitation an officer sends after an encounter (a closed report, a visit, a
    follow-up). `source_kind`/`source_id` name the encounter through core's registry of
    encounter kinds, so events imports no other module."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    contact = models.CharField(max_length=254)  # the address or phone, purged with the rest
    family_name = models.CharField(max_length=100, blank=True)
    children_names = models.CharField(max_length=300, blank=True)  # prefill, comma-separated
    language = models.CharField(max_length=10, default="en")
    source_kind = models.CharField(max_length=30, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.pk}"


class Registration(models.Model):
    """One family's RSVP: they wait together on the waitlist and are offered places together."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("Offered a place")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")

    HOLDS_PLACES = (Status.CONFIRMED, Status.OFFERED)

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    reference = models.CharField(max_length=14, unique=True, default=new_registration_reference)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    contact_name = models.CharField(_("your name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    languages = models.CharField(_("languages at home"), max_length=200, blank=True)
    accessibility_needs = models.TextField(_("accessibility needs"), max_length=1000, blank=True)
    language = models.CharField(max_length=10, default="en")  # for messages to the family
    status = models.CharField(max_length=12, choices=Status.choices)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="registrations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]  # the waitlist's order

    def __str__(self) -> str:
        return self.reference

    @property
    def people(self) -> int:
        return self.adults + self.children.count()


class RegisteredChild(models.Model):
    class AgeBand(models.TextChoices):
        UNDER_4 = "0-3", _("Under 4")
        AGE_4_6 = "4-6", _("4 to 6")
        AGE_7_9 = "7-9", _("7 to 9")
        AGE_10_12 = "10-12", _("10 to 12")
        AGE_13_17 = "13-17", _("13 to 17")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="children"
    )
    first_name = models.CharField(_("first name as it should be printed"), max_length=60)
    age_band = models.CharField(_("age"), max_length=6, choices=AgeBand.choices)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    badge_printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.first_name


class CheckIn(models.Model):
    """One scan or search at the door. `scan_id` is made by the scanning phone, so a scan sent
    twice (kept offline, then re-sent) is stored once."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="checkins"
    )
    scan_id = models.CharField(max_length=64, unique=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["scanned_at", "pk"]

    def __str__(self) -> str:
        return self.scan_id


class Feedback(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        SOMEWHAT = "somewhat", _("Somewhat")
        NO = "no", _("No")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    registration = models.OneToOneField(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    liked = models.TextField(_("what you liked"), max_length=1000, blank=True)
    felt_welcome = models.CharField(
        _("did you feel welcome?"), max_length=10, choices=Answer.choices
    )
    would_call_officer = models.CharField(
        _("would you call an officer if your child were lost?"),
        max_length=10,
        choices=Answer.choices,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event_id}: {self.felt_welcome}/{self.would_call_officer}"
