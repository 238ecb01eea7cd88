"""The board's search and filters: a GET form, so every filtered board is a plain link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from showup.core.models import PartnerOrganisation, User
from showup.reunite.models import Report

# Age bands in whole years, inclusive: (value, label, youngest, oldest).
AGE_BANDS: list[tuple[str, Any, int, int]] = [
    ("0-4", _("0–4 years"), 0, 4),
    ("5-9", _("5–9 years"), 5, 9),
    ("10-13", _("10–13 years"), 10, 13),
    ("14-17", _("14–17 years"), 14, 17),
]


class BoardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or reference"), required=False, max_length=100, strip=True
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Missing and found")), *Report.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any open status")),
            (Report.Status.OPEN, _("Searching")),
            (Report.Status.MATCHED, _("Match confirmed, hand-off pending")),
        ],
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("Any age")), *((v, label) for v, label, _lo, _hi in AGE_BANDS)],
    )
    area = forms.CharField(label=_("Place contains"), required=False, max_length=100, strip=True)
    partner = forms.TypedChoiceField(
        label=_("Partner organisation"), required=False, coerce=int, empty_value=None
    )
    # "south,west,north,east", set by the map's "Only this area" button.
    bounds = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_id = user.agency_id or 0
        partners = PartnerOrganisation.objects.filter(agency_id=agency_id).order_by("name")
        self.fields["partner"].choices = [  # type: ignore[attr-defined]
            ("", _("Any (or none)")),
            *((p.pk, p.name) for p in partners),
        ]

    def clean_bounds(self) -> tuple[float, float, float, float] | None:
        raw = self.cleaned_data.get("bounds") or ""
        if not raw:
            return None
        try:
            south, west, north, east = (float(part) for part in raw.split(","))
        except ValueError as exc:
            raise forms.ValidationError(
                _("The map area could not be read."), code="bounds"
            ) from exc
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise forms.ValidationError(_("The map area could not be read."), code="bounds")
        return (south, west, north, east)
