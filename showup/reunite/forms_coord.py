"""Forms of the coordination views: a match decision, a timeline note, the hand-off checklist."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from showup.core.text import TextCheckedForm
from showup.reunite.models import Handoff, Outcome, Relationship, Report
from showup.reunite.services import PARTNER_OUTCOMES

LAST4 = re.compile(r"^[A-Za-z0-9]{4}$")


class DecisionForm(TextCheckedForm, forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("reject", _("Reject")), ("undo", _("Undo"))],
        error_messages={
            "required": _("Choose confirm or reject."),
            "invalid_choice": _("Choose confirm or reject."),
        },
    )
    reason = forms.CharField(required=False, max_length=300)
    next = forms.CharField(required=False, max_length=500)


class NoteForm(TextCheckedForm, forms.Form):
    text = forms.CharField(
        label=_("Add a note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before saving it.")},
    )


class HandoffForm(TextCheckedForm, forms.Form):
    """The verification checklist. Any subset of steps may be saved; the view closes nothing
    itself: the service closes both reports once every step is recorded."""

    id_checked = forms.BooleanField(
        label=_("I checked the adult's photo identity document"), required=False
    )
    id_type = forms.ChoiceField(
        label=_("Type of document"),
        choices=[("", _("Choose…")), *Handoff.IdType.choices],
        required=False,
    )
    id_last4 = forms.CharField(
        label=_("Last four characters of the document number"),
        required=False,
        max_length=4,
        help_text=_("Exactly 4 letters or digits."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "inputmode": "text",
                "size": 6,
            }
        ),
    )
    child_recognises = forms.BooleanField(label=_("The child recognises the adult"), required=False)
    guardian_knowledge = forms.BooleanField(
        label=_("The adult described something only a guardian would know"), required=False
    )
    guardian_knowledge_note = forms.CharField(
        label=_("What did they describe?"),
        required=False,
        max_length=300,
        help_text=_('A few words, e.g. "the name of his toy dinosaur".'),
    )
    collector = forms.ChoiceField(
        label=_("Who is taking the child?"),
        choices=Handoff.Collector.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    listed_adult = forms.ChoiceField(label=_("Which listed adult?"), choices=[], required=False)
    released_to = forms.CharField(
        label=_("Full name of the adult"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("As on the identity document."),
    )
    collector_relationship = forms.ChoiceField(
        label=_("Their relationship to the child"),
        choices=[("", _("Choose…")), *Relationship.choices],
        required=False,
    )

    def __init__(self, *args: Any, missing: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.missing = missing
        adults = [a for a in missing.authorised_adults or [] if isinstance(a, dict)]
        _choice_field(self, "listed_adult").choices = [("", _("Choose…"))] + [
            (
                str(i),
                f"{a.get('name', '')} ({Relationship(a['relationship']).label})"
                if a.get("relationship") in Relationship.values
                else str(a.get("name", "")),
            )
            for i, a in enumerate(adults)
        ]
        self.adults = adults
        reporter = missing.guardian_name or _("the reporting adult")
        collectors: list[tuple[str, Any]] = []
        for value, label in Handoff.Collector.choices:
            if value == Handoff.Collector.LISTED and not adults:
                continue
            shown: Any = label
            if value == Handoff.Collector.REPORTER:
                shown = _("%(name)s, who reported the child missing") % {"name": reporter}
            collectors.append((value, shown))
        _choice_field(self, "collector").choices = collectors

    def clean_id_last4(self) -> str:
        value: str = self.cleaned_data.get("id_last4", "").strip().upper()
        if value and not LAST4.match(value):
            raise forms.ValidationError(_("Enter exactly 4 letters or digits."), code="last4")
        return value

    def clean_guardian_knowledge_note(self) -> str:
        value: str = self.cleaned_data.get("guardian_knowledge_note", "")
        return value.strip()

    def clean_released_to(self) -> str:
        value: str = self.cleaned_data.get("released_to", "")
        return value.strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_collector(data)
        if data.get("id_checked"):
            if not data.get("id_type"):
                self.add_error("id_type", _("Choose the type of document you checked."))
            if not data.get("id_last4") and "id_last4" not in self.errors:
                self.add_error("id_last4", _("Enter the last 4 characters of the document number."))
        if data.get("guardian_knowledge") and not data.get("guardian_knowledge_note"):
            self.add_error(
                "guardian_knowledge_note", _("Write a few words about what the adult described.")
            )
        all_steps = (
            data.get("id_checked")
            and data.get("child_recognises")
            and data.get("guardian_knowledge")
        )
        if all_steps and not data.get("released_to"):
            self.add_error(
                "released_to", _("Enter the name of the adult the child is released to.")
            )
        return data

    def _clean_collector(self, data: dict[str, Any]) -> None:
        collector = data.get("collector")
        if collector == Handoff.Collector.REPORTER:
            data["released_to"] = self.missing.guardian_name
            data["collector_relationship"] = self.missing.reporter_relationship
        elif collector == Handoff.Collector.LISTED:
            index = data.get("listed_adult") or ""
            if not index.isdigit() or int(index) >= len(self.adults):
                self.add_error("listed_adult", _("Choose the adult from the list."))
                return
            adult = self.adults[int(index)]
            data["released_to"] = str(adult.get("name", ""))
            data["collector_relationship"] = str(adult.get("relationship", ""))
        elif collector == Handoff.Collector.OTHER:
            if not data.get("released_to"):
                self.add_error("released_to", _("Enter the adult's full name."))
            if not data.get("collector_relationship"):
                self.add_error(
                    "collector_relationship", _("Choose their relationship to the child.")
                )

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name) or ("" if name not in HANDOFF_FLAGS else False)
            for name in (*HANDOFF_FLAGS, *HANDOFF_TEXTS)
        }

    def missing_steps(self) -> list[str]:
        return missing_steps(self.cleaned_data)


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


HANDOFF_FLAGS = ("id_checked", "child_recognises", "guardian_knowledge")
HANDOFF_TEXTS = (
    "id_type",
    "id_last4",
    "guardian_knowledge_note",
    "released_to",
    "collector",
    "collector_relationship",
)


class OverrideForm(TextCheckedForm, forms.Form):
    """A coordinator authorises a release to an adult the report does not name."""

    collector_name = forms.CharField(
        label=_("Full name of the adult"),
        max_length=200,
        error_messages={"required": _("Name the adult the release is authorised for.")},
    )
    reason = forms.CharField(
        label=_("Why may this adult take the child?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('E.g. "The mother called me and asked her neighbour to collect him."'),
        error_messages={"required": _("Give the reason for the override.")},
    )


class CloseForm(TextCheckedForm, forms.Form):
    """How the report ended (a reunion is the hand-off, not this form)."""

    outcome = forms.ChoiceField(
        label=_("How did it end?"),
        choices=[(v, label) for v, label in Outcome.choices if v != Outcome.REUNITED],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the report ended.")},
    )
    agency = forms.CharField(
        label=_("Agency"),
        max_length=200,
        required=False,
        help_text=_("Child services or the other agency: its name."),
    )
    reference = forms.CharField(label=_("Their reference"), max_length=100, required=False)
    duplicate_of = forms.CharField(
        label=_("Reference of the report that is kept"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("A few words (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, partner: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if partner:
            allowed = PARTNER_OUTCOMES
            _choice_field(self, "outcome").choices = [
                (value, label) for value, label in Outcome.choices if value in allowed
            ]


class TransferForm(TextCheckedForm, forms.Form):
    to: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Transfer to"),
        queryset=None,
        empty_label=_("Choose…"),
        error_messages={"required": _("Choose the officer.")},
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = queryset  # type: ignore[attr-defined]
        self.fields["to"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.display_name()} ({u.get_role_display()})"
        )


def missing_steps(values: dict[str, Any]) -> list[str]:
    """What is still to do before the child may go, in the order an officer does it."""
    todo = []
    if not values.get("id_checked"):
        todo.append(str(_("Check the adult's photo identity document")))
    if not values.get("child_recognises"):
        todo.append(str(_("See that the child recognises the adult")))
    if not values.get("guardian_knowledge"):
        todo.append(str(_("Ask the adult something only a guardian would know")))
    if not values.get("released_to"):
        todo.append(str(_("Write down who the child is released to")))
    return todo
