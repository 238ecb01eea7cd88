"""The Django admin as the agency's onboarding desk: agencies, partner organisations, staff.

Two kinds of people use it. A superuser sees and changes everything. An agency admin (role
"admin", `is_staff`, not a superuser) sees and changes only their own agency: its users, its
partner organisations, its visits tables. They never grant superuser or Django permissions,
never move anyone to another agency, never see superusers. Permissions come from the role, not
from Django's per-model permission table, so an agency admin needs no groups to do their job.

Every add, change and delete made here writes an audit entry (`core.admin.<model>.created`,
`.changed`, `.deleted`) naming the fields changed, never their values, never a password; every
opening of a record's form writes `core.admin.<model>.viewed`. That holds for superusers (the
platform operator) too, and for models other apps register here (`audit_every_admin`, called
from CoreConfig.ready once every admin module is loaded).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from functools import partial
from typing import Any

from allauth.account.decorators import secure_admin_login
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.html import format_html
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from showup.core.accounts import is_locked_out, unlock_sign_in
from showup.core.audit import audit
from showup.core.models import Agency, AgencyEmblem, AuditEntry, PartnerOrganisation, Role, User
from showup.core.photos import clean_emblem

admin.site.site_header = _("showup administration")
# The admin has no login of its own: it sends people to the site's (allauth: lockout, second
# factor), so it can never be used to skip either (showup/core/accounts.py).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_title = _("showup admin")
admin.site.index_title = _("Agency, partners and staff")

# --- who may do what --------------------------------------------------------------------


def is_agency_admin(user: Any) -> bool:
    """An agency's own administrator: role admin, staff, active, of an agency, not superuser."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.is_staff
        and not user.is_superuser
        and user.role == Role.ADMIN
        and user.agency_id is not None
    )


def _is_superuser(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False) and request.user.is_active)


def _agency_path_of(model: type[Model]) -> str | None:
    """The lookup from `model` to its Agency, or None if it belongs to no agency."""
    if model is Agency:
        return "pk"
    model_admin = admin.site._registry.get(model)
    path = getattr(model_admin, "agency_path", None)
    if path:
        return str(path)
    if any(f.name == "agency" for f in model._meta.get_fields()):
        return "agency"
    return None


def scoped_choices(model: type[Model], agency_id: int) -> QuerySet[Any] | None:
    """What an agency admin may pick in a form field pointing at `model` (None: no scoping)."""
    path = _agency_path_of(model)
    if path is None:
        return None
    qs = model._default_manager.filter(**{path: agency_id})
    if model is User:
        qs = qs.filter(is_superuser=False)
    return qs


def changed_field_names(form: forms.BaseForm | None) -> list[str]:
    """The names of the fields a form changed; password fields are never named."""
    if form is None:
        return []
    return sorted(name for name in form.changed_data if "password" not in name)


class AuditedAdminMixin:
    """Writes `core.admin.<model>.viewed` whenever a record's form is shown (GET, or a POST
    that comes back with errors), to superusers as to agency admins."""

    audit_views: bool = True

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if self.audit_views and change and obj is not None and obj.pk is not None:
            _audit_admin(request, obj, "viewed", [])
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )


def _audit_admin(request: HttpRequest, obj: Any, what: str, fields: list[str]) -> None:
    agency_id = obj.pk if isinstance(obj, Agency) else None
    data: dict[str, Any] = {"fields": fields} if fields else {}
    if _is_superuser(request):
        data["superuser"] = True
    audit(
        f"core.admin.{obj._meta.model_name}.{what}",
        actor=request.user if isinstance(request.user, User) else None,
        obj=obj,
        agency_id=agency_id,
        **data,
    )


class LoggedActionsAuditedMixin(AuditedAdminMixin):
    """For admins that are not agency-scoped (Django's groups, other apps' tables): the
    additions, changes and deletions Django logs are audited as well."""

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _audit_admin(request, obj, "created", [])
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _audit_admin(request, obj, "changed", [])
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            _audit_admin(request, obj, "deleted", [])
        return super().log_deletions(request, queryset)  # type: ignore[misc]


def audit_every_admin(site: admin.AdminSite | None = None) -> None:
    """Give every registered model admin that does not audit itself the audit of views and
    logged changes (third-party apps' admins register outside showup's control)."""
    site = site or admin.site
    for model, original in list(site._registry.items()):
        if isinstance(original, AuditedAdminMixin):
            continue
        site.unregister(model)
        audited = type(
            f"Audited{type(original).__name__}", (LoggedActionsAuditedMixin, type(original)), {}
        )
        site.register(model, audited)


class AgencyScopedMixin:
    """Role-based permissions and agency scoping shared by model admins and inlines."""

    agency_path: str = "agency"

    def _editor_agency_id(self, request: HttpRequest) -> int | None:
        return getattr(request.user, "agency_id", None)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request) or is_agency_admin(request.user)

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        if _is_superuser(request):
            return True
        if not is_agency_admin(request.user):
            return False
        if obj is None or obj.pk is None:
            return True
        return self._in_agency(obj, self._editor_agency_id(request))

    def _in_agency(self, obj: Model, agency_id: int | None) -> bool:
        qs = type(obj)._default_manager.filter(pk=obj.pk)
        return bool(qs.filter(**{self.agency_path: agency_id}).exists())

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if not _is_superuser(request):
            agency_id = self._editor_agency_id(request)
            choices = scoped_choices(db_field.related_model, agency_id) if agency_id else None
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if not _is_superuser(request):
            agency_id = self._editor_agency_id(request)
            choices = scoped_choices(db_field.related_model, agency_id) if agency_id else None
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class AgencyScopedAdmin(AuditedAdminMixin, AgencyScopedMixin, admin.ModelAdmin):
    """A model admin whose rows belong to one agency through `agency_path`.

    Agency admins see only their agency's rows, pick only their agency's related rows, and a
    new row with a direct `agency` field is put in their agency. Views and changes are
    audited, whoever makes them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if _is_superuser(request):
            return qs
        if is_agency_admin(request.user):
            return qs.filter(**{self.agency_path: self._editor_agency_id(request)})
        return qs.none()

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A filter on agency would list every agency's name; only superusers need it.
        filters = super().get_list_filter(request)
        if _is_superuser(request):
            return filters
        return [f for f in filters if not (isinstance(f, str) and "agency" in f)]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if not _is_superuser(request) and self.agency_path == "agency":
            exclude.append("agency")  # always the admin's own agency
        return exclude

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not _is_superuser(request) and self.agency_path == "agency":
            obj.agency_id = self._editor_agency_id(request)
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "changed" if change else "created", changed_field_names(form))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        touched = sorted(
            formset.model._meta.model_name for formset in formsets if formset.has_changed()
        )
        if touched:
            self._audit(request, form.instance, "related_changed", touched)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._audit(request, obj, "deleted", [])
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, obj, "deleted", [])
            super().delete_queryset(request, queryset)

    def _audit(self, request: HttpRequest, obj: Any, what: str, fields: list[str]) -> None:
        _audit_admin(request, obj, what, fields)


class AgencyScopedInline(AgencyScopedMixin, admin.TabularInline):
    """An inline whose parent is agency-scoped: it only needs scoped choices and permissions."""

    extra = 0

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        # `obj` is the parent here, already scoped by its own admin's queryset.
        return _is_superuser(request) or is_agency_admin(request.user)


class SuperuserOnlyMixin(LoggedActionsAuditedMixin):
    """For Django's groups and the task results: superusers only, whatever permissions say.
    What they view and change there is audited."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_superuser(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request) and super().has_delete_permission(request, obj)  # type: ignore[misc]


def _superuser_only(model: type[Model]) -> None:
    original = admin.site._registry.get(model)
    if original is None:
        return
    admin.site.unregister(model)
    restricted = type(
        f"SuperuserOnly{type(original).__name__}", (SuperuserOnlyMixin, type(original)), {}
    )
    admin.site.register(model, restricted)


class SuperuserOnlyGroupAdmin(SuperuserOnlyMixin, DjangoGroupAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, SuperuserOnlyGroupAdmin)
try:
    from django_tasks_db.models import DBTaskResult
except ImportError:  # pragma: no cover - the task results app is optional
    pass
else:
    _superuser_only(DBTaskResult)


# --- invitations ------------------------------------------------------------------------


def invitation_link(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def send_invitation(user: User, *, actor: User | None) -> bool:
    """Email `user` a link to set their password, in their language. False without an email.

    The link is Django's password-reset token: it stops working once the password is set (or
    after PASSWORD_RESET_TIMEOUT), so a forwarded old invitation opens nothing."""
    if not user.email:
        return False
    context = {
        "user": user,
        "name": user.display_name(),
        "username": user.get_username(),
        "agency": user.agency.name if user.agency_id and user.agency else "",
        "link": invitation_link(user),
        "login_url": settings.SITE_URL.rstrip("/") + reverse("login"),
        "timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("registration/invitation_subject.txt", context).split())
        body = render_to_string("registration/invitation_email.txt", context)
    reply_to = user.agency.email if user.agency_id and user.agency else ""
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=[reply_to] if reply_to else None,
    ).send(fail_silently=False)
    audit("core.admin.user.invited", actor=actor, obj=user, language=user.language)
    return True


def _send_invitation_by_pk(user_pk: int, actor: User | None) -> None:
    """After the admin's transaction commits: the account exists, its latest state is read."""
    send_invitation(User.objects.get(pk=user_pk), actor=actor)


# --- agencies and partner organisations -------------------------------------------------


class AgencyForm(forms.ModelForm):
    """The agency's fields, and its emblem for badges and certificates (checked like a photo,
    stored as a small PNG)."""

    emblem_file = forms.ImageField(
        label=_("emblem"),
        required=False,
        help_text=_(
            "Printed on junior badges and certificates. A PNG, JPEG or WebP picture, square "
            "if possible; it is shrunk to 512 pixels. Without one, showup's star is printed."
        ),
    )
    emblem_remove = forms.BooleanField(
        label=_("remove the emblem (print showup's star instead)"), required=False
    )

    class Meta:
        model = Agency
        fields = ("name", "slug", "retention_days", "email", "phone", "phone_region")

    def clean_emblem_file(self) -> bytes | None:
        upload = self.cleaned_data.get("emblem_file")
        return clean_emblem(upload) if upload else None


@admin.register(Agency)
class AgencyAdmin(AgencyScopedAdmin):
    agency_path = "pk"
    form = AgencyForm
    list_display = ("name", "slug", "phone", "email", "retention_days")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("emblem_preview",)

    @admin.display(description=_("current emblem"))
    def emblem_preview(self, obj: Agency | None) -> str:
        emblem = AgencyEmblem.objects.filter(agency=obj).first() if obj and obj.pk else None
        if emblem is None:
            return gettext("None: showup's star is printed.")
        source = "data:image/png;base64," + base64.b64encode(bytes(emblem.png)).decode()
        return format_html('<img src="{}" alt="" width="96" height="96" class="emblem">', source)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        png = form.cleaned_data.get("emblem_file")
        if png:
            AgencyEmblem.objects.update_or_create(agency=obj, defaults={"png": png})
        elif form.cleaned_data.get("emblem_remove"):
            AgencyEmblem.objects.filter(agency=obj).delete()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)  # an agency admin manages their own agency only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _is_superuser(request):
            return ("emblem_preview",)
        return ("slug", "emblem_preview")

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {"slug": ("name",)} if _is_superuser(request) else {}


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(AgencyScopedAdmin):
    list_display = ("name", "kind", "agency", "staff_count")
    list_filter = ("kind", "agency")
    search_fields = ("name",)

    @admin.display(description=_("staff"))
    def staff_count(self, obj: PartnerOrganisation) -> int:
        return obj.staff.count()


# --- users ------------------------------------------------------------------------------


class _RoleRulesForm(forms.ModelForm):
    """The rules for a staff account, shared by the add and change forms.

    `forced_agency_id` is set per request for agency admins: the account is in their agency
    whatever the form says."""

    forced_agency_id: int | None = None

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.forced_agency_id is not None:
            self.instance.agency_id = self.forced_agency_id
        agency = cleaned.get("agency", getattr(self.instance, "agency", None))
        agency_id = self.forced_agency_id or (agency.pk if agency else None)
        role = cleaned.get("role", self.instance.role)
        partner_org = cleaned.get("partner_org")
        if role == Role.PARTNER and partner_org is None and "partner_org" in self.fields:
            self.add_error(
                "partner_org", _("Partner staff belong to a partner organisation: choose one.")
            )
        if role != Role.PARTNER and partner_org is not None:
            self.add_error("partner_org", _("Only partner staff belong to a partner organisation."))
        if partner_org is not None and partner_org.agency_id != agency_id:
            self.add_error("partner_org", _("This partner organisation works with another agency."))
        if agency_id is None and not cleaned.get("is_superuser", self.instance.is_superuser):
            self.add_error(
                "agency" if "agency" in self.fields else None,
                _("Every staff account belongs to an agency."),
            )
        return cleaned


class StaffCreationForm(_RoleRulesForm, AdminUserCreationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            # Invitations are the normal way in: the person chooses their own password.
            self.fields["usable_password"].initial = "false"
            self.fields["usable_password"].help_text = _(
                "Disabled: the person sets their own password from the invitation email "
                "(give their email address). Enabled: you choose a password and tell them."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.cleaned_data.get("set_usable_password", True) and not cleaned.get("email"):
            self.add_error(
                "email",
                _("Give an email address so the invitation can be sent, or set a password."),
            )
        return cleaned


class StaffChangeForm(_RoleRulesForm, UserChangeForm):
    pass


def _role_home_hint() -> str:
    return str(
        _(
            "Officers land on My reports, coordinators on the Board, partner staff on their "
            "reports, agency admins here."
        )
    )


@admin.register(User)
class StaffAdmin(AgencyScopedAdmin, DjangoUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = (
        "username",
        "full_name",
        "email",
        "role",
        "agency",
        "partner_org",
        "badge_number",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "agency", "is_active", "partner_org__kind")
    search_fields = ("username", "first_name", "last_name", "email", "badge_number")
    ordering = ("username",)
    list_select_related = ("agency", "partner_org")
    actions = ["send_invitations", "unlock_sign_in"]
    readonly_fields = ("last_login", "date_joined")

    _person = (
        _("Person"),
        {"fields": ("first_name", "last_name", "email", "phone", "badge_number", "language")},
    )
    _alerts = (_("Alerts"), {"fields": ("alert_by_sms", "alert_by_email")})
    _dates = (_("Important dates"), {"fields": ("last_login", "date_joined")})

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if _is_superuser(request):
            return qs
        return qs.filter(is_superuser=False)  # never shown to, or changed by, an agency admin

    def _in_agency(self, obj: Model, agency_id: int | None) -> bool:
        return isinstance(obj, User) and obj.agency_id == agency_id and not obj.is_superuser

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        superuser = _is_superuser(request)
        role_fields = ("role", "agency", "partner_org") if superuser else ("role", "partner_org")
        role = (_("Role"), {"fields": role_fields, "description": _role_home_hint()})
        if obj is None:
            login = (
                None,
                {
                    "classes": ("wide",),
                    "fields": ("username", "usable_password", "password1", "password2"),
                },
            )
            return (login, self._person, role, self._alerts)
        access: tuple[Any, dict[str, Any]]
        if superuser:
            access = (
                _("Access"),
                {
                    "fields": (
                        "is_active",
                        "is_staff",
                        "is_superuser",
                        "groups",
                        "user_permissions",
                    )
                },
            )
        else:
            access = (
                _("Access"),
                {
                    "fields": ("is_active",),
                    "description": _(
                        "Agency admins can use this administration; other roles cannot."
                    ),
                },
            )
        return (
            (None, {"fields": ("username", "password")}),
            self._person,
            role,
            self._alerts,
            access,
            self._dates,
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        forced = None if _is_superuser(request) else self._editor_agency_id(request)
        return type(form.__name__, (form,), {"forced_agency_id": forced})

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "language":
            return forms.ChoiceField(
                choices=settings.LANGUAGES,
                label=db_field.verbose_name,
                help_text=db_field.help_text,
                initial=settings.LANGUAGE_CODE,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        superuser = _is_superuser(request)
        if not superuser:
            obj.agency_id = self._editor_agency_id(request)
            obj.is_superuser = False
            # Whether someone may open this administration follows from their role.
            obj.is_staff = obj.role == Role.ADMIN
        elif obj.role == Role.ADMIN:
            obj.is_staff = True
        # AgencyScopedAdmin.save_model audits; its agency forcing is the same as above.
        super().save_model(request, obj, form, change)
        if not change and obj.email:
            actor = request.user if isinstance(request.user, User) else None
            transaction.on_commit(partial(_send_invitation_by_pk, obj.pk, actor))
            messages.info(
                request,
                gettext("An invitation to set a password is being sent to %(email)s.")
                % {"email": obj.email},
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):
            user = self.get_object(request, id)
            if user is not None:
                self._audit(request, user, "password_set", [])
        return response

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if "_send_invitation" in request.POST:
            self._invite(request, [obj])
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "show_send_invitation": True}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Unlock sign-in (after too many wrong passwords)"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The queryset is already this admin's agency (get_queryset); check each row again.
        actor = request.user if isinstance(request.user, User) else None
        unlocked: list[str] = []
        for user in queryset:
            if not self.has_change_permission(request, user):
                continue
            was_locked = is_locked_out(user)
            unlock_sign_in(request, user, actor=actor)
            if was_locked:
                unlocked.append(user.get_username())
        if unlocked:
            messages.success(
                request,
                gettext("Sign-in unlocked for %(names)s.") % {"names": ", ".join(unlocked)},
            )
        else:
            messages.info(request, gettext("None of these accounts was locked."))

    @admin.action(description=_("Send invitation (set-password link by email)"))
    def send_invitations(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._invite(request, list(queryset))

    def _invite(self, request: HttpRequest, users: Iterable[User]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        sent: list[str] = []
        skipped: list[str] = []
        for user in users:
            if not user.email or not user.is_active:
                skipped.append(user.get_username())
                continue
            transaction.on_commit(partial(_send_invitation_by_pk, user.pk, actor))
            sent.append(user.get_username())
        if sent:
            messages.success(
                request,
                ngettext(
                    "Invitation sent to %(names)s.",
                    "Invitations sent to %(names)s.",
                    len(sent),
                )
                % {"names": ", ".join(sent)},
            )
        if skipped:
            messages.warning(
                request,
                gettext(
                    "No invitation for %(names)s: no email address, or the account is inactive."
                )
                % {"names": ", ".join(skipped)},
            )


# --- the audit log: read only -----------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(AgencyScopedAdmin):
    audit_views = False  # reading the log is not a view of a child's record
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "agency")
    list_filter = ("action", "object_type", "agency")
    search_fields = ("action", "actor_label", "object_id")
    date_hierarchy = "at"
    list_select_related = ("agency",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in AuditEntry._meta.fields]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


__all__ = [
    "AgencyScopedAdmin",
    "AgencyScopedInline",
    "audit_every_admin",
    "is_agency_admin",
    "scoped_choices",
    "send_invitation",
]
