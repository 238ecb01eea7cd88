"""Event forms: they check the shape of what people type (names fit on a badge, a phone number
can be texted, times parse and end after they start) and keep everything typed when something is
wrong. Services enforce what needs the database (capacity, duplicates, the event's state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from showup.core.phones import PhoneNumberError, parse_phone
from showup.core.text import TextCheckedForm
from showup.core.when import schedule_problem
from showup.events.models import Activity, Event, Feedback, RegisteredChild, SafetyMaterial

INPUT_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = [INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
MIN_CHILDREN = 1
MAX_CHILDREN = 10
CHILD_ROWS = 3  # rows shown at first; "More rows for children" adds this many again
MAX_ADULTS = 10


def too_long(limit: int) -> Any:
    return _(
        "This is too long: at most %(limit_value)d characters (you typed %(show_value)d). "
        "A shorter form of the name is fine."
    )


def when_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=INPUT_FORMAT),
    )


def _time_problem(value: datetime | None) -> None:
    if value is not None:
        problem = schedule_problem(value)
        if problem:
            raise ValidationError(problem, code="time")


# --- families ---------------------------------------------------------------------------------


class RegistrationForm(TextCheckedForm, forms.Form):
    """The family: who to contact, how many adults, languages, needs. The children come in
    ChildFormSet."""

    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"max_length": too_long(100), "required": _("Please give your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=32,
        help_text=_("We send the confirmation and any freed place by text or email."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    adults = forms.IntegerField(
        label=_("Adults coming"),
        min_value=1,
        max_value=MAX_ADULTS,
        initial=1,
        error_messages={
            "min_value": _("At least one adult comes with the children."),
            "max_value": _("At most %(limit_value)s adults per family."),
        },
    )
    languages = forms.CharField(
        label=_("Languages you speak at home"),
        required=False,
        max_length=200,
        help_text=_("For example: English, Spanish."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        help_text=_("A wheelchair, a quiet space, an interpreter: anything that helps you come."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, region: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        if not raw.strip():
            return ""
        try:
            return parse_phone(raw, self.region)
        except PhoneNumberError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        no_contact = not data.get("email") and not data.get("phone")
        if no_contact and not self.has_error("phone") and not self.has_error("email"):
            raise ValidationError(
                _("Please give an email address or a mobile phone number (or both)."),
                code="no_contact",
            )
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "contact_name": data["contact_name"].strip(),
            "email": data.get("email", ""),
            "phone": data.get("phone", ""),
            "adults": data["adults"],
            "languages": data.get("languages", "").strip(),
            "accessibility_needs": data.get("accessibility_needs", "").strip(),
        }


class ChildForm(TextCheckedForm, forms.Form):
    first_name = forms.CharField(
        label=_("Child's first name, as it should be printed on the badge"),
        max_length=60,
        error_messages={"max_length": too_long(60)},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=[("", _("Choose…")), *RegisteredChild.AgeBand.choices],
    )


class BaseChildFormSet(forms.BaseFormSet):  # type: ignore[type-arg,unused-ignore]
    """Every row is a new one: `initial` only fills the rows in (prefilled names, rows kept
    when more are added), so the first row is required and the others may stay empty."""

    def initial_form_count(self) -> int:
        return 0

    def children(self) -> list[dict[str, str]]:
        return [
            {
                "first_name": f.cleaned_data["first_name"].strip(),
                "age_band": f.cleaned_data["age_band"],
            }
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


def child_formset(rows: int = CHILD_ROWS) -> type[BaseChildFormSet]:
    """A formset of `rows` rows (between 1 and 10): the first row is required, the others may
    stay empty. Without JavaScript, "More rows for children" re-renders with more rows."""
    rows = max(MIN_CHILDREN, min(MAX_CHILDREN, rows))
    return forms.formset_factory(  # type: ignore[return-value]
        ChildForm,
        formset=BaseChildFormSet,
        extra=rows - MIN_CHILDREN,
        min_num=MIN_CHILDREN,
        max_num=MAX_CHILDREN,
        absolute_max=MAX_CHILDREN,
        validate_min=True,
        validate_max=True,
    )


CHILD_FORMSET_ERRORS: dict[str, Any] = {
    "too_few_forms": _("Please give at least one child's first name and age."),
    "too_many_forms": _("At most 10 children per registration."),
}


class FeedbackForm(TextCheckedForm, forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["felt_welcome", "would_call_officer", "liked"]
        widgets = {
            "felt_welcome": forms.RadioSelect,
            "would_call_officer": forms.RadioSelect,
            "liked": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A radio group without the "---------" choice.
        for name in ("felt_welcome", "would_call_officer"):
            field = self.fields[name]
            field.choices = Feedback.Answer.choices  # type: ignore[attr-defined]


# --- staff ----------------------------------------------------------------------------------


class EventForm(TextCheckedForm, forms.ModelForm):
    start = when_field(_("Starts"))
    end = when_field(_("Ends"))

    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "place_name",
            "address",
            "lat",
            "lon",
            "start",
            "end",
            "capacity",
            "accessibility",
            "staff_languages",
            "offer_hours",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["capacity"].widget.attrs["min"] = "1"
        self.fields["offer_hours"].widget.attrs.update({"min": "1", "max": "168"})
        self.fields["lat"].widget.attrs["step"] = "any"
        self.fields["lon"].widget.attrs["step"] = "any"

    def clean_start(self) -> datetime:
        value = self.cleaned_data["start"]
        _time_problem(value)
        return value

    def clean_end(self) -> datetime:
        value = self.cleaned_data["end"]
        _time_problem(value)
        return value

    def clean_capacity(self) -> int:
        value = self.cleaned_data["capacity"]
        if value < 1:
            raise ValidationError(_("At least one place is needed."), code="min_value")
        return value

    def clean_offer_hours(self) -> int:
        value = self.cleaned_data["offer_hours"]
        if not 1 <= value <= 168:
            raise ValidationError(
                _("Give between 1 and 168 hours (a week) to accept a freed place."),
                code="range",
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lon", _("Give both the latitude and the longitude, or neither."))
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("lat", _("A latitude is between -90 and 90."))
        if lon is not None and not -180 <= lon <= 180:
            self.add_error("lon", _("A longitude is between -180 and 180."))
        return data

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ActivityForm(TextCheckedForm, forms.ModelForm):
    start = when_field(_("Starts"))
    end = when_field(_("Ends"), required=False)

    class Meta:
        model = Activity
        fields = ["title", "start", "end", "place"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            value = data.get(name)
            if value is not None:
                problem = schedule_problem(value)
                if problem:
                    self.add_error(name, problem)
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return data


class MaterialForm(TextCheckedForm, forms.ModelForm):
    class Meta:
        model = SafetyMaterial
        fields = ["title", "body", "url"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("body") and not data.get("url") and not self.errors:
            raise ValidationError(_("Give the text, a link, or both."), code="empty")
        return data


class DoorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Family or child's first name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
