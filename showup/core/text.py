"""Checks of the characters people send, shared by every form and API schema.

- Control characters (C0 and C1, NUL included) are refused everywhere: they have no meaning in
  a child's name or a note, NUL cannot be stored by PostgreSQL (a server error there), and the
  others hide text from the people who read it. Multi-line text keeps line feed, carriage
  return and tab.
- Bidirectional controls (embeddings, overrides, isolates, the directional marks) are refused
  in names: with them "Ana" can be stored so that it reads as another name on the board.
  Names already stored are neutralised for display by `strip_bidi` (the `nobidi` template
  filter) and shown in <bdi> so the names around them keep their order.

Each check returns a message in the active language, or None; `check_text` raises a Django
ValidationError (forms) and `text_problem` returns the message (pydantic validators raise a
ValueError with it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# C0 controls, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# LRM, RLM, ALM (U+061C), LRE..RLO (U+202A-202E), LRI..PDI (U+2066-2069).
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def text_problem(value: object, *, multiline: bool = False, name: bool = False) -> str | None:
    """Why `value` cannot be accepted as text, or None. `multiline` allows line breaks and
    tabs; `name` also refuses bidirectional controls."""
    if not isinstance(value, str) or not value:
        return None
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    if "\x00" in value:
        return _("This text contains a NUL character (\\0). Remove it and send the text again.")
    if pattern.search(value):
        return _(
            "This text contains an invisible control character. Retype it without pasting "
            "special characters."
        )
    if name and _BIDI.search(value):
        return _(
            "This name contains an invisible direction-changing character, which can make it "
            "read as another name. Type the name again without it."
        )
    return None


def check_text(value: object, *, multiline: bool = False, name: bool = False) -> None:
    """`text_problem` for forms: raises ValidationError (code `control_character` or
    `bidi_control`)."""
    problem = text_problem(value, multiline=multiline, name=name)
    if problem:
        code = "bidi_control" if name and _BIDI.search(str(value)) else "control_character"
        raise ValidationError(problem, code=code)


def strip_bidi(value: object) -> str:
    """The text without bidirectional controls (and other control characters), for display
    of names stored before they were refused."""
    return _CONTROL.sub("", _BIDI.sub("", "" if value is None else str(value)))


class TextChecks:
    """Validators for form fields: `TextChecks.line`, `TextChecks.lines`, `TextChecks.name`."""

    @staticmethod
    def line(value: object) -> None:
        check_text(value)

    @staticmethod
    def lines(value: object) -> None:
        check_text(value, multiline=True)

    @staticmethod
    def name(value: object) -> None:
        check_text(value, name=True)


def checked_text(value: object, *, multiline: bool = False, name: bool = False) -> object:
    """For pydantic validators: `value` unchanged, or ValueError with the message. Lists
    (other names, languages) are checked item by item."""
    if isinstance(value, list | tuple):
        for item in value:
            checked_text(item, multiline=multiline, name=name)
        return value
    problem = text_problem(value, multiline=multiline, name=name)
    if problem:
        raise ValueError(problem)
    return value


# Fields that hold a person's name, besides those called `name` or `..._name`.
NAME_FIELDS = frozenset({"other_names", "released_to", "requested_by"})


def is_name_field(field_name: str) -> bool:
    return field_name in NAME_FIELDS or field_name == "name" or field_name.endswith("_name")


def add_text_checks(form: Any, *, names: Iterable[str] = ()) -> None:
    """Give every text field of a Django form the checks above: multi-line for a Textarea,
    the name check for name fields (`is_name_field`, and `names`)."""
    from django import forms

    name_fields = set(names)
    for field_name, field in form.fields.items():
        if not isinstance(field, forms.CharField):
            continue
        if field_name in name_fields or is_name_field(field_name):
            field.validators.append(TextChecks.name)
        elif isinstance(field.widget, forms.Textarea):
            field.validators.append(TextChecks.lines)
        else:
            field.validators.append(TextChecks.line)


class TextCheckedForm:
    """A form mixin (put it first among the bases): every text field, including those added in
    __init__, gets `add_text_checks` before the form is cleaned."""

    def full_clean(self) -> None:
        if not getattr(self, "_text_checks_added", False):
            add_text_checks(self)
            self._text_checks_added = True
        super().full_clean()  # type: ignore[misc]
