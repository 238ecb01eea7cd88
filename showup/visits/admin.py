from django.contrib import admin

from showup.core.admin import AgencyScopedAdmin, AgencyScopedInline
from showup.visits.models import (
    FeedToken,
    MementoGiven,
    MementoStock,
    Place,
    Shift,
    Visit,
    VisitGuest,
    VisitRequest,
    VisitWindow,
)


@admin.register(Place)
class PlaceAdmin(AgencyScopedAdmin):
    agency_path = "partner_org__agency"
    list_display = ("name", "partner_org", "max_group_size", "photos_allowed", "escort_required")
    list_filter = ("partner_org__agency",)


class WindowInline(AgencyScopedInline):
    model = VisitWindow
    extra = 0


@admin.register(VisitRequest)
class VisitRequestAdmin(AgencyScopedAdmin):
    # The child's first name is left out of the list on purpose: the admin is not an audited view.
    list_display = ("reference", "partner_org", "status", "urgency", "created_at")
    list_filter = ("status", "urgency", "agency")
    inlines = [WindowInline]
    readonly_fields = ("created_at", "closed_at", "purged_at")


class GuestInline(AgencyScopedInline):
    model = VisitGuest
    extra = 0


class MementoInline(AgencyScopedInline):
    model = MementoGiven
    extra = 0


@admin.register(Visit)
class VisitAdmin(AgencyScopedAdmin):
    agency_path = "request__agency"
    list_display = ("pk", "request", "officer", "start", "end", "status")
    list_filter = ("status",)
    inlines = [GuestInline, MementoInline]


@admin.register(MementoStock)
class MementoStockAdmin(AgencyScopedAdmin):
    list_display = ("agency", "kind", "quantity", "updated_at")


@admin.register(Shift)
class ShiftAdmin(AgencyScopedAdmin):
    list_display = ("officer", "start", "end", "agency")
    list_filter = ("agency",)


@admin.register(FeedToken)
class FeedTokenAdmin(AgencyScopedAdmin):
    agency_path = "user__agency"
    list_display = ("user", "created_at")
    exclude = ("token",)
