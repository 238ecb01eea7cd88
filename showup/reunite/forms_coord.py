"""Forms of the coordination views: a match decision, a timeline note, the hand-off checklist."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from showup.reunite.models import Handoff

LAST4 = re.compile(r"^[A-Za-z0-9]{4}$")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("reject", _("Reject"))],
        error_messages={
            "required": _("Choose confirm or reject."),
            "invalid_choice": _("Choose confirm or reject."),
        },
    )
    next = forms.CharField(required=False, max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before saving it.")},
    )


class HandoffForm(forms.Form):
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
    released_to = forms.CharField(
        label=_("Released to (full name of the adult)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

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

    def missing_steps(self) -> list[str]:
        return missing_steps(self.cleaned_data)


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
