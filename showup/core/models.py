"""Agencies, partner organisations, staff accounts, the append-only audit log, in-app notices."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    retention_days = models.PositiveIntegerField(
        _("retention period (days)"),
        default=settings.RETENTION_DAYS_DEFAULT,
        help_text=_("Personal data of closed reports is purged after this many days."),
    )
    email = models.EmailField(_("unit email"), blank=True)
    phone = models.CharField(
        _("unit phone"),
        max_length=32,
        blank=True,
        help_text=_("Shown to guardians on their status page (tap to call)."),
    )
    phone_region = models.CharField(
        _("phone region"),
        max_length=2,
        default="US",
        help_text=_("Two-letter country code used to read local phone numbers, e.g. US, MX, ES."),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def agency_by_slug(value: object) -> Agency | None:
    """The agency a slug from a query string, form or API body names, or None. Anything that
    is not a slug (NUL, other characters, too long) is None before the database sees it:
    PostgreSQL refuses a NUL in a query, which would be a server error."""
    if not isinstance(value, str) or not SLUG_PATTERN.fullmatch(value.strip()):
        return None
    return Agency.objects.filter(slug=value.strip()).first()


class AgencyEmblem(models.Model):
    """The agency's emblem printed on junior badges and certificates: a small PNG, checked and
    re-encoded on upload (`showup.core.photos.clean_emblem`). Kept apart from Agency so that
    the many queries that join an agency never load the picture."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="emblem")
    png = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agency emblem")
        verbose_name_plural = _("agency emblems")

    def __str__(self) -> str:
        return str(self.agency)


class PartnerOrganisation(models.Model):
    class Kind(models.TextChoices):
        STORE = "store", _("Store")
        HOSPITAL = "hospital", _("Hospital")
        EVENT = "event", _("Event")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner staff")
    ADMIN = "admin", _("Agency admin")


class User(AbstractUser):
    """A staff account. Guardians and the public never have one."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    partner_org = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        help_text=_("Only for partner staff."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    badge_number = models.CharField(_("badge number"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        default="en",
        help_text=_("Notices and emails to this person are written in it."),
    )
    alert_by_sms = models.BooleanField(
        _("alerts by text message"),
        default=False,
        help_text=_("New missing-child alerts by text, as well as in the app."),
    )
    alert_by_email = models.BooleanField(
        _("alerts by email"),
        default=False,
        help_text=_("New missing-child alerts by email, as well as in the app."),
    )

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_agency_staff(self) -> bool:
        """Officers, coordinators and admins: they see every report of their agency."""
        return (
            self.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN) and self.agency_id is not None
        )

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit entries are never edited")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries are never deleted")


class AuditEntry(models.Model):
    """One staff view or change of a child's record (or any other audited act).

    Append-only: the model refuses updates and deletes, and triggers refuse them in the database
    (migrations 0002, 0003, 0005), so not even a bulk query can rewrite history. Each entry
    carries the hash of the one before (`prev_hash`) and its own (`entry_hash`, over its content
    and `prev_hash`), so an edit, a removal or a rewrite that got past the guards breaks the chain
    and `showup verify_audit` names the first broken entry (showup.core.audit_chain).
    """

    # Set by showup.core.audit.audit() before the insert: the hash covers it.
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects: ClassVar[AuditQuerySet] = AuditQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries are never deleted")


class IdempotencyKey(models.Model):
    """One create request, remembered so that a repeat (a double tap, a retried request on a
    slow network) returns the first answer instead of making a second record.

    Holds no personal data: the fingerprint is a hash of the request body and the answer is
    the created object's type and id, rendered again on a repeat. Rows older than a day are
    removed by the retention run."""

    scope = models.CharField(max_length=80)  # "user:<pk>" or "session:<hash>"
    key = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)  # 0 while the first is in flight
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="one_idempotency_key_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class Notice(models.Model):
    """An in-app notification for one staff member."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text
