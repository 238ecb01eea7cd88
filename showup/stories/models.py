"""Follow-ups owed after an encounter, thank-you notes from the public, and stories told
without exposing a child.

Privacy, by field:
- Follow-ups point at an encounter by kind and id (core's registry of encounter kinds, as
  events' invitations do) and carry a label that is a reference, never a child's name. The
  officer's note is free text: purged with the follow-up after the retention period.
- A thank-you note's text as sent (`body`) and its author's contact are private, seen by the
  unit's coordinators only; what the public may read is `public_body`, made by the moderation
  (a child's name and contact details taken out) and approved by a person.
- A story's draft text (`body`) and its media originals are private. `public_body` and each
  media item's redacted file are what the public pages, the feed and the share previews use,
  and only while the story is published and every consent it needs stands.
- Consent is a guardian's, recorded per story (its text) and per media item: who, how, when,
  for what use. Revoking it unpublishes at once (`services` does it in the same transaction).
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from showup.core.models import Agency

# No look-alike characters, as the other modules' references.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def _reference(prefix: str) -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def new_story_reference() -> str:
    return _reference("S")


def new_note_reference() -> str:
    return _reference("T")


def new_public_token() -> str:
    """The public address of a published story: random, so that story pages cannot be
    counted or guessed before they are published."""
    return secrets.token_urlsafe(12)


def new_revoke_token() -> str:
    return secrets.token_urlsafe(32)


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", _("A visit")
        CALL = "call", _("A call")
        INVITATION = "invitation", _("An invitation to an event")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Owed")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="follow_ups")
    # The encounter, through core's registry ("reunite.report", "visits.visit").
    source_kind = models.CharField(max_length=30)
    source_id = models.PositiveBigIntegerField()
    # How staff call the encounter (a reference): never a child's name.
    source_label = models.CharField(max_length=100, blank=True)
    kind = models.CharField(_("what is owed"), max_length=20, choices=Kind.choices)
    note = models.TextField(
        _("note"),
        max_length=1000,
        blank=True,
        help_text=_("What was promised. No medical details."),
    )
    owed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups_owed"
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome_note = models.TextField(max_length=1000, blank=True)
    # The last email reminder (one when due, one when overdue; see services).
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["agency", "status", "due_on"]),
            models.Index(fields=["owed_by", "status", "due_on"]),
            models.Index(fields=["source_kind", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.source_label})"


class ThankYouNote(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved, not shown")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    reference = models.CharField(max_length=16, unique=True, default=new_note_reference)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="thank_you_notes")
    # An officer thanked by name, or none: the unit as a whole.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="thank_you_notes",
    )
    # The officer as the writer named them (a name or badge number), kept privately for the
    # coordinator when it matched nobody or more than one person.
    officer_hint = models.CharField(max_length=100, blank=True)
    # The reference of an encounter the writer gave (a report's or a visit's), as typed.
    encounter_reference = models.CharField(max_length=20, blank=True)
    author_name = models.CharField(_("your name"), max_length=100, blank=True)
    author_email = models.EmailField(_("your email"), blank=True)
    body = models.TextField(_("your note"), max_length=4000)
    language = models.CharField(max_length=10, default="en")
    # Moderation: the text with names and contact details taken out, and why it was flagged
    # (codes: "spam", "abuse", "contact", "child_name", "link"...).
    public_body = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    officer_told_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["agency", "status", "created_at"])]

    def __str__(self) -> str:
        return self.reference


class Story(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    reference = models.CharField(max_length=16, unique=True, default=new_story_reference)
    public_token = models.CharField(max_length=32, unique=True, default=new_public_token)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="stories")
    title = models.CharField(_("title"), max_length=140)
    # The draft as the coordinator wrote it: private, may hold names.
    body = models.TextField(_("story"), max_length=10000)
    # Names the coordinator adds to those the linked records know (a nickname, a pet name),
    # one per line: private, used only to take them out.
    extra_names = models.TextField(_("other names to take out"), max_length=2000, blank=True)
    # The names the linked records knew when the draft was made (one per line): private, kept
    # so the text is still checked for them if the encounter can no longer be read.
    known_names = models.TextField(blank=True)
    # The text with names replaced (made by the redaction, edited by the reviewer).
    public_body = models.TextField(blank=True)
    # What the story came from: an encounter (registry kind and id) or a thank-you note.
    source_kind = models.CharField(max_length=30, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    note = models.ForeignKey(
        ThankYouNote, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Why it was unpublished: "consent_revoked", "withdrawn".
    unpublished_reason = models.CharField(max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("stories")
        indexes: ClassVar = [models.Index(fields=["agency", "status", "published_at"])]

    def __str__(self) -> str:
        return self.reference


class StoryMedia(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be redacted")
        PROCESSING = "processing", _("Being redacted")
        CHECKING = "checking", _("Being checked for faces")
        READY = "ready", _("Redacted and checked")
        NEEDS_REVIEW = "needs_review", _("A person must check it")
        FAILED = "failed", _("Could not be redacted")
        CANCELLED = "cancelled", _("Cancelled")

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # File names under PRIVATE_MEDIA_ROOT/stories/: the original (private, purged) and the
    # redacted output (public only through a published story).
    original_name = models.CharField(max_length=80)
    redacted_name = models.CharField(max_length=80, blank=True)
    poster_name = models.CharField(max_length=80, blank=True)  # a redacted still, for previews
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    keep_audio = models.BooleanField(_("keep the sound"), default=False)
    # Faces of consenting adults to leave unblurred: boxes [frame, x, y, w, h] chosen on a
    # frame of the original (the officer's face, when they agree).
    keep_faces = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0..100, shown on the page
    cancel_requested = models.BooleanField(default=False)
    error_code = models.CharField(max_length=40, blank=True)
    # What the redaction and the re-check found: frames flagged for a person (a lost track),
    # faces blurred, faces the re-check still saw (must be 0 to approve).
    report = models.JSONField(default=dict, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    # A person looked at a flagged output side by side with the original and cleared it.
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = _("story media")

    def __str__(self) -> str:
        return f"{self.story.reference} {self.kind} {self.pk}"


class Consent(models.Model):
    """A guardian's consent for a story's text (media empty) or for one media item."""

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form, in person")
        PHONE = "phone", _("By phone, noted by the officer")
        EMAIL = "email", _("By email")
        IN_PERSON = "in_person", _("Spoken, in person")

    class Use(models.TextChoices):
        WEBSITE = "website", _("The unit's website")
        SOCIAL = "social", _("Social media")
        PRINT = "print", _("Print (newsletters, posters)")
        PRESS = "press", _("Press and television")

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="consents")
    media = models.ForeignKey(
        StoryMedia, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=100)
    relationship = models.CharField(_("relationship to the child"), max_length=50)
    method = models.CharField(_("how consent was given"), max_length=20, choices=Method.choices)
    given_on = models.DateField(_("given on"))
    uses = models.JSONField(_("uses agreed"), default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    # The guardian's own private link to withdraw consent (printed on their receipt).
    revoke_token = models.CharField(max_length=43, unique=True, default=new_revoke_token)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.story.reference} consent {self.pk}"
