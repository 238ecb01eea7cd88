"""Report forms: they validate and tidy what people type, nothing more.

Business rules (who may file, which agency, matching) live in views and services. Every error
is worded for the person who made it, in their language, and a form with errors re-renders
everything that was typed (a file input is the one thing a browser cannot re-fill, so the photo
message says so).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from showup.core.models import Agency
from showup.core.photos import clean_photo as check_photo
from showup.core.text import TextCheckedForm
from showup.reunite.models import Relationship, Report, Sex
from showup.reunite.validation import AGE_YEARS, HEIGHT_CM, LATITUDE, LONGITUDE, check_report

# Common languages in the communities we serve, as BCP 47 codes with their own names (a
# frightened parent looks for their language written in it).
LANGUAGE_CHOICES: list[tuple[str, str]] = [
    ("en", "English"),
    ("es", "Español"),
    ("zh", "中文"),
    ("vi", "Tiếng Việt"),
    ("ko", "한국어"),
    ("tl", "Tagalog"),
    ("ar", "العربية"),
    ("ru", "Русский"),
    ("fr", "Français"),
    ("ht", "Kreyòl ayisyen"),
    ("pt", "Português"),
    ("hi", "हिन्दी"),
    ("ja", "日本語"),
]
KNOWN_LANGUAGES = {code for code, _name in LANGUAGE_CHOICES}

SEEN_AT_FORMAT = "%Y-%m-%dT%H:%M"


def now_local_input() -> str:
    return timezone.localtime().strftime(SEEN_AT_FORMAT)


def split_names(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


class SeenAtInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=SEEN_AT_FORMAT)


class ReportFieldsForm(TextCheckedForm, forms.Form):
    """The fields missing and found reports share, with their checks."""

    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    hair = forms.CharField(
        label=_("Hair"),
        max_length=200,
        required=False,
        help_text=_("Colour and style, e.g. short brown, two braids."),
    )
    clothing = forms.CharField(
        label=_("Clothing"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Colours and items, e.g. red t-shirt, blue shorts, white sneakers."),
    )
    carrying = forms.CharField(
        label=_("Carrying"),
        max_length=300,
        required=False,
        help_text=_("A toy, a bag, a phone…"),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages the child speaks"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages_other = forms.CharField(
        label=_("Other languages"),
        max_length=200,
        required=False,
        help_text=_("Separate several with commas."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG, WebP or GIF, up to 10 MB. Only staff handling the report see it."),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    lat = forms.FloatField(
        required=False, min_value=LATITUDE[0], max_value=LATITUDE[1], widget=forms.HiddenInput
    )
    lon = forms.FloatField(
        required=False, min_value=LONGITUDE[0], max_value=LONGITUDE[1], widget=forms.HiddenInput
    )
    seen_at = forms.DateTimeField(
        label=_("When"),
        widget=SeenAtInput(),
        error_messages={"invalid": _("Please enter a date and time, e.g. 2025-06-01 14:30.")},
    )
    description = forms.CharField(
        label=_("Anything else that could help"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # The fields handed to services as they are (after cleaning).
    service_fields: tuple[str, ...] = (
        "sex",
        "hair",
        "clothing",
        "carrying",
        "place",
        "lat",
        "lon",
        "seen_at",
        "description",
    )

    kind: str = ""  # the report kind the form files; the subclasses set it

    def __init__(
        self, *args: Any, region: str | None = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.region = region  # the agency's phone region, to read local numbers
        self.editing = editing  # older reports may lack what a new one must say
        self.photo_image: Image.Image | None = None
        if not self.is_bound and "seen_at" not in self.initial:
            self.initial["seen_at"] = now_local_input()
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.Textarea):
                field.widget.attrs.setdefault("autocomplete", "off")

    @property
    def photo_dropped(self) -> bool:
        """A good photo came with other errors: the browser will not send it again."""
        return bool(
            self.is_bound and self.errors and "photo" not in self.errors and self.files.get("photo")
        )

    def full_clean(self) -> None:
        super().full_clean()
        # Mark invalid inputs for screen readers once errors are known.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            self.photo_image = check_photo(upload)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            raise ValidationError(
                _(
                    "%(problem)s Everything else you typed is kept; "
                    "please choose the photo again (browsers cannot keep a chosen file)."
                ),
                code=exc.code or "photo",
                params={"problem": message},
            ) from exc
        return upload

    def _unchanged_seen_at(self, value: datetime) -> bool:
        # Editing an older report must not fail on a time nobody changed.
        initial = self.initial.get("seen_at")
        return isinstance(initial, datetime) and abs(initial - value) < timedelta(minutes=1)

    def clean_languages_other(self) -> list[str]:
        return [lang[:35] for lang in split_names(self.cleaned_data.get("languages_other", ""))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            # The map fills both; half a position is a glitch, not something to ask about.
            data["lat"] = data["lon"] = None
        self._check_rules(data)
        return data

    def _check_rules(self, data: dict[str, Any]) -> None:
        """The report rules shared with the API (showup.reunite.validation). A field that
        already has its own error (required, too long) is not told twice."""
        if "seen_at" in self.errors:
            data = {**data, "seen_at": None}
        values = dict(data)
        seen_at = data.get("seen_at")
        check_time = isinstance(seen_at, datetime) and not self._unchanged_seen_at(seen_at)
        problems = check_report(
            self.kind, values, check_time=check_time, creating=not self.editing, region=self.region
        )
        for problem in problems:
            field = problem.field if problem.field in self.fields else None
            if field is not None and field in self.errors:
                continue
            if field == "seen_at" and seen_at is None:
                continue
            self.add_error(field, ValidationError(problem.message, code=problem.code))
        if "guardian_phone" in values and "guardian_phone" not in self.errors:
            data["guardian_phone"] = values["guardian_phone"]

    def languages_list(self) -> list[str]:
        chosen = list(self.cleaned_data.get("languages") or [])
        for other in self.cleaned_data.get("languages_other") or []:
            if other.lower() in KNOWN_LANGUAGES:
                other = other.lower()
            if other not in chosen:
                chosen.append(other)
        return chosen

    def service_data(self) -> dict[str, Any]:
        """The cleaned values in the shape services.report_create/report_update expect."""
        data = {name: self.cleaned_data.get(name) for name in self.service_fields}
        for name in ("sex", "hair", "clothing", "carrying", "place", "description"):
            data[name] = (data.get(name) or "").strip()
        data["languages"] = self.languages_list()
        return data

    @classmethod
    def initial_from(cls, report: Report) -> dict[str, Any]:
        """Initial values for editing an existing report."""
        initial: dict[str, Any] = {
            name: getattr(report, name) for name in cls.service_fields if hasattr(report, name)
        }
        if report.seen_at:
            initial["seen_at"] = timezone.localtime(report.seen_at).replace(second=0, microsecond=0)
        langs = list(report.languages or [])
        initial["languages"] = [code for code in langs if code in KNOWN_LANGUAGES]
        initial["languages_other"] = ", ".join(c for c in langs if c not in KNOWN_LANGUAGES)
        return initial


class MissingReportForm(ReportFieldsForm):
    """A guardian (or staff for a guardian) reports a missing child."""

    kind = Report.Kind.MISSING

    given_name = forms.CharField(
        label=_("Child's first name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    family_name = forms.CharField(
        label=_("Child's family name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    other_names = forms.CharField(
        label=_("What does your child call themself?"),
        max_length=300,
        required=False,
        help_text=_("Nicknames, short names, names in another language. Separate with commas."),
    )
    age_years = forms.DecimalField(
        label=_("Age (years)"),
        min_value=Decimal(AGE_YEARS[0]),
        max_value=Decimal(AGE_YEARS[1]),
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
        error_messages={
            "min_value": _("Please enter an age from 0 to 18."),
            "max_value": _("Please enter an age from 0 to 18."),
        },
    )
    height_cm = forms.IntegerField(
        label=_("Height (cm, optional)"),
        required=False,
        min_value=HEIGHT_CM[0],
        max_value=HEIGHT_CM[1],
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": _("Please enter a height from 30 to 220 cm."),
            "max_value": _("Please enter a height from 30 to 220 cm."),
        },
    )
    guardian_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    guardian_phone = forms.CharField(
        label=_("Your phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    guardian_email = forms.EmailField(
        label=_("Your email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    guardian_language = forms.ChoiceField(
        label=_("Language we should use with you"),
        choices=settings.LANGUAGES,
        required=False,
    )
    # Who the reporting adult is to the child and who else may collect the child: the
    # hand-off releases the child only to one of them unless a coordinator overrides.
    reporter_relationship = forms.ChoiceField(
        label=_("Your relationship to the child"),
        choices=[("", _("Choose…")), *Relationship.choices],
        error_messages={"required": _("Please choose who you are to the child.")},
    )
    CUSTODY_YES, CUSTODY_NO, CUSTODY_UNSURE = "yes", "no", "unsure"
    reporter_has_custody = forms.ChoiceField(
        label=_("Do you have custody (legal responsibility) of the child?"),
        choices=[
            (CUSTODY_YES, _("Yes")),
            (CUSTODY_NO, _("No")),
            (CUSTODY_UNSURE, _("Shared, or not sure")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please answer; choose “Shared, or not sure” if you are not sure.")
        },
    )
    ADULT_ROWS = 3
    ADULT_NAME_MAX = 200

    field_order = [
        "given_name",
        "family_name",
        "other_names",
        "age_years",
        "sex",
        "height_cm",
        "hair",
        "clothing",
        "carrying",
        "languages",
        "languages_other",
        "photo",
        "place",
        "lat",
        "lon",
        "seen_at",
        "description",
        "guardian_name",
        "reporter_relationship",
        "reporter_has_custody",
        "guardian_phone",
        "guardian_email",
        "guardian_language",
        *(
            f"adult_{n}_{part}"
            for n in range(1, ADULT_ROWS + 1)
            for part in ("name", "relationship")
        ),
    ]
    service_fields = (
        *ReportFieldsForm.service_fields,
        "given_name",
        "family_name",
        "age_years",
        "height_cm",
        "guardian_name",
        "guardian_phone",
        "guardian_email",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].label = _("Where was your child last seen?")
        self.fields["place"].help_text = _(
            "An address, a store, a landmark. You can also drop a pin on the map."
        )
        self.fields["seen_at"].label = _("When was your child last seen?")
        self.fields["sex"].required = True
        self._add_reporter_fields()

    def _add_reporter_fields(self) -> None:
        # A report filed before these questions existed can still be edited without them.
        editing = self.editing or "reporter_relationship" in self.initial  # see initial_from
        if editing and not self.initial.get("reporter_relationship"):
            self.fields["reporter_relationship"].required = False
            self.fields["reporter_has_custody"].required = False
        relationships = [("", _("Choose…")), *Relationship.choices]
        # Three rows; more only when an edited report already lists more (the API allows it).
        listed = sum(1 for key in self.initial if re.fullmatch(r"adult_\d+_name", key))
        self.adult_count = max(self.ADULT_ROWS, listed)
        for n in range(1, self.adult_count + 1):
            self.fields[f"adult_{n}_name"] = forms.CharField(
                label=_("Adult %(number)s: full name") % {"number": n},
                max_length=self.ADULT_NAME_MAX,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
            )
            self.fields[f"adult_{n}_relationship"] = forms.ChoiceField(
                label=_("Adult %(number)s: relationship to the child") % {"number": n},
                choices=relationships,
                required=False,
            )
        self.order_fields(self.field_order)

    def adult_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """The name and relationship fields of each adult row, for the template."""
        return [
            (self[f"adult_{n}_name"], self[f"adult_{n}_relationship"])
            for n in range(1, self.adult_count + 1)
        ]

    def clean(self) -> dict[str, Any]:
        # Only complete rows reach the shared rules; a half-filled row is told here, by row.
        self.cleaned_data["authorised_adults"] = self._authorised_adults()
        return super().clean()

    def _authorised_adults(self) -> list[dict[str, str]]:
        adults = []
        for n in range(1, self.adult_count + 1):
            name_field, rel_field = f"adult_{n}_name", f"adult_{n}_relationship"
            if name_field in self.errors or rel_field in self.errors:
                continue
            name = " ".join((self.cleaned_data.get(name_field) or "").split())
            relationship = self.cleaned_data.get(rel_field) or ""
            if name and not relationship:
                self.add_error(
                    rel_field,
                    ValidationError(
                        _("Please choose who %(name)s is to the child, or clear the name."),
                        code="adult_relationship",
                        params={"name": name},
                    ),
                )
            elif relationship and not name:
                self.add_error(
                    name_field,
                    ValidationError(
                        _(
                            "Please give this adult's full name, or set the relationship "
                            "back to “Choose…”."
                        ),
                        code="adult_name",
                    ),
                )
            elif name:
                adults.append({"name": name, "relationship": relationship})
        return adults

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("given_name", "family_name", "guardian_name", "guardian_email"):
            data[name] = (data.get(name) or "").strip()
        data["other_names"] = split_names(self.cleaned_data.get("other_names", ""))
        language = self.cleaned_data.get("guardian_language")
        if language:
            data["guardian_language"] = language
        data["reporter_relationship"] = self.cleaned_data.get("reporter_relationship") or ""
        custody = self.cleaned_data.get("reporter_has_custody")
        # Shared custody or not sure is stored as "unknown": the hand-off treats both alike.
        data["reporter_has_custody"] = {self.CUSTODY_YES: True, self.CUSTODY_NO: False}.get(
            custody or ""
        )
        data["authorised_adults"] = list(self.cleaned_data.get("authorised_adults") or [])
        return data

    @classmethod
    def initial_from(cls, report: Report) -> dict[str, Any]:
        initial = super().initial_from(report)
        initial["other_names"] = ", ".join(report.other_names or [])
        initial["guardian_language"] = report.guardian_language
        initial["reporter_relationship"] = report.reporter_relationship
        if report.reporter_has_custody is True:
            initial["reporter_has_custody"] = cls.CUSTODY_YES
        elif report.reporter_has_custody is False:
            initial["reporter_has_custody"] = cls.CUSTODY_NO
        elif report.reporter_relationship:
            initial["reporter_has_custody"] = cls.CUSTODY_UNSURE
        adults = [a for a in report.authorised_adults or [] if isinstance(a, dict)]
        for n, adult in enumerate(adults, start=1):
            initial[f"adult_{n}_name"] = adult.get("name", "")
            initial[f"adult_{n}_relationship"] = adult.get("relationship", "")
        return initial


class GuardianAddForm(TextCheckedForm, forms.Form):
    """The guardian adds what she remembered, or a photo, from her status page."""

    text = forms.CharField(
        label=_("What else should we know?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("A new sighting, a place your child might go, something they carry…"),
    )
    photo = forms.FileField(
        label=_("A photo of your child (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG, WebP or GIF, up to 10 MB. Only staff handling the report see it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.photo_image: Image.Image | None = None

    @property
    def photo_dropped(self) -> bool:
        """A good photo came with other errors: the browser will not send it again."""
        return bool(
            self.is_bound and self.errors and "photo" not in self.errors and self.files.get("photo")
        )

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean_text(self) -> str:
        return (self.cleaned_data.get("text") or "").strip()

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            self.photo_image = check_photo(upload)
        except ValidationError as exc:
            raise ValidationError(
                _(
                    "%(problem)s Everything else you typed is kept; "
                    "please choose the photo again (browsers cannot keep a chosen file)."
                ),
                code=exc.code or "photo",
                params={"problem": " ".join(exc.messages)},
            ) from exc
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("text") and self.photo_image is None:
            message = _("Write something or choose a photo to add.")
            self.add_error("text", ValidationError(message, code="empty"))
        return data


class FoundReportForm(ReportFieldsForm):
    """An officer (or partner) with a child: fast, few required fields."""

    kind = Report.Kind.FOUND

    situation = forms.ChoiceField(
        label=_("Situation"),
        choices=Report.Situation.choices,
        widget=forms.RadioSelect,
        initial=Report.Situation.LOST,
    )
    given_name = forms.CharField(
        label=_("What the child says their name is"),
        max_length=100,
        required=False,
        help_text=_("Leave empty if the child does not say."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    family_name = forms.CharField(
        label=_("Family name, if the child says it"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    age_min = forms.DecimalField(
        label=_("Age from"),
        min_value=Decimal(AGE_YEARS[0]),
        max_value=Decimal(AGE_YEARS[1]),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    age_max = forms.DecimalField(
        label=_("Age to"),
        min_value=Decimal(AGE_YEARS[0]),
        max_value=Decimal(AGE_YEARS[1]),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    safe_location = forms.CharField(
        label=_("Where is the child being kept safe now?"),
        max_length=300,
        help_text=_("E.g. patrol car 12, the store's security office."),
    )

    field_order = [
        "situation",
        "given_name",
        "family_name",
        "age_min",
        "age_max",
        "sex",
        "clothing",
        "carrying",
        "hair",
        "languages",
        "languages_other",
        "safe_location",
        "place",
        "lat",
        "lon",
        "seen_at",
        "photo",
        "description",
    ]
    service_fields = (
        *ReportFieldsForm.service_fields,
        "situation",
        "given_name",
        "family_name",
        "age_min",
        "age_max",
        "safe_location",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].label = _("Where was the child found?")
        self.fields["place"].help_text = _("Type the place if the location was not captured.")
        self.fields["seen_at"].label = _("When was the child found?")

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("given_name", "family_name", "safe_location"):
            data[name] = (data.get(name) or "").strip()
        # One given age becomes a range of one.
        if data.get("age_min") is None and data.get("age_max") is not None:
            data["age_min"] = data["age_max"]
        if data.get("age_max") is None and data.get("age_min") is not None:
            data["age_max"] = data["age_min"]
        return data


class CancelForm(TextCheckedForm, forms.Form):
    reason = forms.CharField(
        label=_("Why is this report no longer needed?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        error_messages={"required": _("Please give a reason.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give a reason."), code="required")
        return reason


class PublicAgencyForm(forms.Form):
    """Only when the site serves several agencies and none is configured for the public."""

    agency: forms.ModelChoiceField[Agency] = forms.ModelChoiceField(
        label=_("Which police department covers the place?"),
        queryset=None,
        empty_label=_("Choose…"),
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = queryset  # type: ignore[attr-defined]
