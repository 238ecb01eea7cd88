"""Visit forms: they check the shape of what people type (dates parse, windows are in the
future, group sizes are possible) and keep everything typed when something is wrong.
Services enforce what needs the database (overlaps, state)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from showup.core.models import PartnerOrganisation, User
from showup.core.text import TextCheckedForm
from showup.core.when import schedule_problem
from showup.visits.limits import MEMENTO_QUANTITY, NUMBER_RANGES
from showup.visits.models import MementoKind, Place, ReceivedVia, VisitGuest, VisitRequest
from showup.visits.services import Guest

INPUT_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = [INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
WINDOW_ROWS = 3
GUEST_ROWS = 2
MAX_VISIT = timedelta(hours=8)
# The API's limits (showup.visits.schemas) for the fields the model leaves unbounded.
TEXT_LIMITS = {"note": 2000, "rules_notes": 2000}


def limit_text(form: forms.BaseForm) -> None:
    """The same maximum lengths as the API: a 100,000-character note is refused on the web
    exactly as it is in the API."""
    for name, limit in TEXT_LIMITS.items():
        field = form.fields.get(name)
        if isinstance(field, forms.CharField) and field.max_length is None:
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = str(limit)


# What the web says below a range's lowest or above its highest, where it has its own words.
RANGE_MESSAGES = {
    ("max_group_size", "min_value"): _("At least one visitor must be allowed."),
    ("group_size", "min_value"): _("At least one visitor is needed for a visit."),
    ("child_age", "max_value"): _("Visits are for children and young people up to 21."),
}


def limit_numbers(form: forms.BaseForm) -> None:
    """The same number ranges as the API (showup.visits.limits): the model's fields would take
    up to 32767 where the API stops at, e.g., 365 days of notice."""
    for name, (lowest, highest) in NUMBER_RANGES.items():
        field = form.fields.get(name)
        if not isinstance(field, forms.IntegerField):
            continue
        field.min_value, field.max_value = lowest, highest
        field.validators += [MinValueValidator(lowest), MaxValueValidator(highest)]
        field.widget.attrs.update({"min": str(lowest), "max": str(highest)})
        for code in ("min_value", "max_value"):
            if (name, code) in RANGE_MESSAGES:
                field.error_messages[code] = RANGE_MESSAGES[(name, code)]


# A form filled in slowly should not fail because the first window is now a minute old.
PAST_TOLERANCE = timedelta(minutes=5)


def when_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=INPUT_FORMAT),
    )


def check_window(start: datetime, end: datetime, *, now: datetime | None = None) -> str | None:
    """The message for an impossible time window, or None. Shared by the forms and the API."""
    now = now or timezone.now()
    problem = schedule_problem(start, now=now) or schedule_problem(end, now=now)
    if problem:
        return str(problem)
    if start < now - PAST_TOLERANCE:
        return str(_("This time is in the past. Choose a time from now on."))
    if end <= start:
        return str(_("The end must be after the start."))
    return None


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name())


class PlaceForm(TextCheckedForm, forms.ModelForm):
    class Meta:
        model = Place
        fields = ["name", *Place.RULE_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_text(self)
        limit_numbers(self)


class RequestForm(TextCheckedForm, forms.ModelForm):
    """The partner's "Request a visit" form, prefilled from their place's rules."""

    class Meta:
        model = VisitRequest
        fields = [
            "child_first_name",
            "child_age",
            "interests",
            "asked_for",
            "ward",
            "urgency",
            "requested_officer",
            "group_size",
            *VisitRequest.RULE_FIELDS,
            "note",
        ]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "rules_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, officers: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_text(self)
        limit_numbers(self)
        field = OfficerChoiceField(
            queryset=User.objects.filter(pk__in=[o.pk for o in officers or []]),
            required=False,
            label=_("officer the child asked for (optional)"),
            help_text=_("If the child met an officer before and asked for them."),
        )
        self.fields["requested_officer"] = field
        self.fields["child_first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["child_age"].widget.attrs["inputmode"] = "numeric"
        for i in range(1, WINDOW_ROWS + 1):
            self.fields[f"window_{i}_start"] = when_field(_("from"), required=i == 1)
            self.fields[f"window_{i}_end"] = when_field(_("until"), required=i == 1)

    def window_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"window_{i}_start"], self[f"window_{i}_end"]) for i in range(1, WINDOW_ROWS + 1)
        ]

    def clean_child_first_name(self) -> str:
        value = self.cleaned_data["child_first_name"].strip()
        if " " in value:
            raise ValidationError(_("First name only, please: no family name."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        limit = data.get("max_group_size")
        size = data.get("group_size")
        if limit is not None and limit < 1:
            self.add_error("max_group_size", _("At least one visitor must be allowed."))
        if size is not None and size < 1:
            self.add_error("group_size", _("At least one visitor is needed for a visit."))
        elif size is not None and limit is not None and limit >= 1 and size > limit:
            self.add_error(
                "group_size",
                _("The place allows at most %(n)s visitors.") % {"n": limit},
            )
        for i in range(1, WINDOW_ROWS + 1):
            start, end = data.get(f"window_{i}_start"), data.get(f"window_{i}_end")
            if start is None and end is None:
                continue
            if start is None or end is None:
                missing = f"window_{i}_start" if start is None else f"window_{i}_end"
                if missing not in self.errors:
                    self.add_error(missing, _("Give both the start and the end of this time."))
                continue
            problem = check_window(start, end)
            if problem:
                field = f"window_{i}_end" if end <= start else f"window_{i}_start"
                self.add_error(field, problem)
        return data

    def windows(self) -> list[tuple[datetime, datetime]]:
        out = []
        for i in range(1, WINDOW_ROWS + 1):
            start = self.cleaned_data.get(f"window_{i}_start")
            end = self.cleaned_data.get(f"window_{i}_end")
            if start and end:
                out.append((start, end))
        return out

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class RequestForPartnerForm(RequestForm):
    """The coordinator files a request for a partner who phoned, wrote or came in: the
    partner's own form (same fields, same checks) plus which organisation and who asked.
    `partners` is the coordinator's agency's partners, so another agency's is refused here."""

    def __init__(
        self,
        *args: Any,
        partners: QuerySet[PartnerOrganisation],
        chosen: PartnerOrganisation | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner_org"] = forms.ModelChoiceField(
            queryset=partners,
            label=capfirst(_("partner organisation")),
            # Chosen on the first step (the rules below come from it); a select only when the
            # choice was refused, so it can be made again.
            widget=forms.HiddenInput if chosen is not None else forms.Select,
            error_messages={
                "invalid_choice": _("Choose one of your agency's partner organisations."),
                "required": _("Choose the partner organisation the request is for."),
            },
        )
        self.fields["requested_by"] = forms.CharField(
            label=capfirst(_("requested by (name and role at the partner)")),
            max_length=120,
            help_text=_("As they told you, e.g. “Ana, charge nurse, ward 4”."),
            error_messages={"required": _("Say who at the partner asked for the visit.")},
        )
        self.fields["received_via"] = forms.ChoiceField(
            label=capfirst(_("how the request reached the unit")),
            choices=ReceivedVia.choices,
            widget=forms.RadioSelect,
            error_messages={"required": _("Say how the request reached the unit.")},
        )


class GuestFieldsMixin(TextCheckedForm, forms.Form):
    def add_guest_fields(self, officers: list[User] | None = None) -> None:
        for i in range(1, GUEST_ROWS + 1):
            self.fields[f"guest_{i}_kind"] = forms.ChoiceField(
                label=_("guest"),
                required=False,
                choices=[("", _("— no guest —")), *VisitGuest.Kind.choices],
            )
            self.fields[f"guest_{i}_name"] = forms.CharField(
                label=_("guest's name"),
                required=False,
                max_length=120,
                help_text=_("First name, or the K-9 team's name."),
            )
            if officers:
                self.fields[f"guest_{i}_officer"] = OfficerChoiceField(
                    queryset=User.objects.filter(pk__in=[o.pk for o in officers]).order_by(
                        "first_name", "username"
                    ),
                    required=False,
                    label=_("or an officer of the agency"),
                    help_text=_("If the guest is one of our officers, choose them here."),
                    empty_label=_("— not one of our officers —"),
                )

    def guest_rows(
        self,
    ) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField | None]]:
        if "guest_1_kind" not in self.fields:
            return []
        return [
            (
                self[f"guest_{i}_kind"],
                self[f"guest_{i}_name"],
                self[f"guest_{i}_officer"] if f"guest_{i}_officer" in self.fields else None,
            )
            for i in range(1, GUEST_ROWS + 1)
        ]

    def clean_guests(self, data: dict[str, Any]) -> None:
        for i in range(1, GUEST_ROWS + 1):
            kind, name = data.get(f"guest_{i}_kind"), (data.get(f"guest_{i}_name") or "").strip()
            officer = data.get(f"guest_{i}_officer")
            if officer is not None:
                if kind and kind != VisitGuest.Kind.OFFICER:
                    self.add_error(
                        f"guest_{i}_officer",
                        _("Only a guest who is another officer can be an officer of the agency."),
                    )
            elif kind and not name:
                self.add_error(f"guest_{i}_name", _("Give the guest's name."))
            elif name and not kind:
                self.add_error(f"guest_{i}_kind", _("Say who this guest is."))

    def guests(self) -> list[Guest]:
        out = []
        for i in range(1, GUEST_ROWS + 1):
            kind = self.cleaned_data.get(f"guest_{i}_kind")
            name = (self.cleaned_data.get(f"guest_{i}_name") or "").strip()
            officer = self.cleaned_data.get(f"guest_{i}_officer")
            if officer is not None:
                out.append(Guest(kind=VisitGuest.Kind.OFFICER, name=name, officer=officer))
            elif kind and name:
                out.append(Guest(kind=kind, name=name))
        return out


class MementoFieldsMixin(TextCheckedForm, forms.Form):
    def add_memento_fields(self) -> None:
        for kind, label in MementoKind.choices:
            self.fields[f"given_{kind}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,  # none of this kind; the API leaves the row out
                max_value=MEMENTO_QUANTITY[1],
                initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def memento_fields(self) -> list[forms.BoundField]:
        return [self[f"given_{kind}"] for kind in MementoKind.values]

    def mementos(self) -> dict[str, int]:
        return {kind: self.cleaned_data.get(f"given_{kind}") or 0 for kind in MementoKind.values}


class SlotForm(GuestFieldsMixin):
    """The coordinator proposes an officer and a time (also used to reschedule and for return
    visits). A time outside the officer's shifts is allowed only when ticked on purpose."""

    officer = OfficerChoiceField(queryset=User.objects.none(), label=_("officer"))
    start = when_field(_("start"))
    end = when_field(_("end"))
    outside_shift_ok = forms.BooleanField(
        label=_("Book even if the officer is not on shift then"),
        required=False,
        help_text=_("Visits off shift need the officer's agreement (overtime or a day off)."),
    )

    def __init__(
        self, *args: Any, officers: list[User], with_guests: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[o.pk for o in officers]).order_by(
            "first_name", "username"
        )
        self.outside_shift = False
        if with_guests:
            self.add_guest_fields(officers)

    def clean(self) -> dict[str, Any]:
        from showup.visits.selectors import outside_shifts

        data = super().clean() or {}
        start, end, officer = data.get("start"), data.get("end"), data.get("officer")
        if start and end:
            problem = check_window(start, end)
            if problem:
                self.add_error("end" if end <= start else "start", problem)
            elif end - start > MAX_VISIT:
                self.add_error("end", _("A visit cannot be longer than 8 hours."))
            elif officer is not None and outside_shifts(officer, start, end):
                self.outside_shift = True
                if not data.get("outside_shift_ok"):
                    self.add_error(
                        "outside_shift_ok",
                        _(
                            "%(name)s is not on shift for all of this time. Tick the box to book "
                            "anyway, or choose a time within a shift."
                        )
                        % {"name": officer.display_name()},
                    )
        if "guest_1_kind" in self.fields:
            self.clean_guests(data)
        return data


class CompleteForm(MementoFieldsMixin, GuestFieldsMixin):
    officer_note = forms.CharField(
        label=_("private note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the unit only: what worked, what to bring next time. No medical details."),
    )
    photo_consent = forms.BooleanField(label=_("The guardian consented to photos"), required=False)
    can_feed_story = forms.BooleanField(
        label=_("This visit may become a story (needs the guardian's consent)"), required=False
    )

    def __init__(
        self,
        *args: Any,
        photos_allowed: bool = True,
        officers: list[User] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.photos_allowed = photos_allowed
        self.add_memento_fields()
        self.add_guest_fields(officers)
        if not photos_allowed:
            self.fields["photo_consent"].disabled = True
            self.fields["can_feed_story"].disabled = True
            self.fields["photo_consent"].help_text = _("This place does not allow photos.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("can_feed_story") and not data.get("photo_consent"):
            self.add_error(
                "can_feed_story", _("A visit can feed a story only with the guardian's consent.")
            )
        self.clean_guests(data)
        return data


class GivenForm(MementoFieldsMixin):
    """What the officer gave before being called away (or so far on a visit in progress)."""

    note = forms.CharField(
        label=_("Short private note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the unit only, e.g. “made him my partner”. No medical details."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_memento_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not self.errors
            and not (data.get("note") or "").strip()
            and not any(self.mementos().values())
        ):
            raise ValidationError(_("Enter what you gave, or a note."))
        return data


class StockForm(TextCheckedForm, forms.Form):
    kind = forms.ChoiceField(label=_("memento"), choices=MementoKind.choices)
    quantity = forms.IntegerField(label=_("on hand now"), min_value=0, max_value=100000)


class ShiftForm(TextCheckedForm, forms.Form):
    officer = OfficerChoiceField(queryset=User.objects.none(), label=_("officer"))
    start = when_field(_("start"))
    end = when_field(_("end"))

    def __init__(self, *args: Any, officers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[o.pk for o in officers])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return data
