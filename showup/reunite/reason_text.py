"""The engine's reasons in the reader's language.

The engine (`matching.reasons`) explains a candidate with keys and arguments and renders them
in English for its CLI. Here each key has the same English template marked for translation,
so the Spanish catalogue carries them; the msgids must stay the engine's templates verbatim
(a test compares them). Placeholders are str.format names ({said}); the names, clothing and
items inside them stay as written in the reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matching.reasons import Reason, render

TEXTS: dict[str, str | Promise] = {
    "name_differs": _("name {said} ≠ {known}"),
    "same_name": _("same name {said}"),
    "name_other_script": _("same name, other script: {said} ~ {known}"),
    "nickname": _("nickname {said} ~ {known}"),
    "sounds_alike": _("sounds alike: {said} ~ {known}"),
    "spelling": _("spelling {said} ~ {known}"),
    "short_form": _("short form {said} ~ {known}"),
    "family_differs": _("family name {said} ≠ {known}"),
    "same_family": _("same family name {said}"),
    "family_other_script": _("same family name, other script: {said} ~ {known}"),
    "family_similar": _("family name {said} ~ {known}"),
    "same_rare_name": _("same rare name {said}"),
    "rare_name_other_script": _("same rare name, other script: {said} ~ {known}"),
    "rare_nickname": _("same rare nickname {said} ~ {known}"),
    "same_rare_family": _("same rare family name {said}"),
    "rare_family_other_script": _("same rare family name, other script: {said} ~ {known}"),
    "rare_note": _("{reason} (a rare name)"),
    # {count} is at least 3: the engine mentions a common name only then
    "common_same": _("{reason} is common here ({count} open reports)"),
    "common_note": _("{reason} (common here: {count} open reports)"),
    "age_within": _("age {age} within estimate {estimate}"),
    "age_outside": _("age {age} outside estimate {estimate}"),
    "sex_differs": _("sex differs"),
    "height": _("height {found} vs {missing} cm"),
    "hair": _("hair: {found} ~ {missing}"),
    "hair_differs": _("hair differs: {found} vs {missing}"),
    "clothing": _("clothing: {garments}"),
    "clothing_differs": _("clothing differs: {garments}"),
    "carrying_same": _("carrying {found}"),
    "carrying": _("carrying: {found} ~ {missing}"),
    "carrying_differs": _("carrying differs: {found} vs {missing}"),
    "speaks": _("speaks {languages}"),
    "languages_differ": _("languages differ"),
    "found_when": _("found {when}"),
    "same_place_same_time": _("same place, same time"),
    "same_place_when": _("same place, {when}"),
    "found_away": _("found {distance} away, {when}"),
    "minutes_later": _("minutes later"),
    "minutes_before": _("minutes before last seen"),
    "later": _("{duration} later"),
    "before_last_seen": _("{duration} before last seen"),
    "minutes": _("{n} min"),
    "hours": _("{n} h"),
    # {n} is at least 2: shorter gaps are told in hours
    "days": _("{n} days"),
    "metres": _("{n} m"),
    "km": _("{n} km"),
}


def _rivals(n: int) -> str:
    return ngettext(
        "{n} other open report fits nearly as well", "{n} other open reports fit nearly as well", n
    )


def _crowded(n: int) -> str:
    return ngettext(
        "{n} open report was here at this time: place and time say little",
        "{n} open reports were here at this time: place and time say little",
        n,
    )


PLURALS: dict[str, Callable[[int], str]] = {"rivals": _rivals, "crowded": _crowded}


def template(key: str, count: int | None) -> str:
    """The template of a key in the active language; KeyError when unknown."""
    plural = PLURALS.get(key)
    if plural is not None:
        return plural(count if count is not None else 0)
    return str(TEXTS[key])


def reason_text(data: Mapping[str, Any], english: str) -> str:
    """A stored reason ({"key", "args"}) in the active language, or `english` (the text the
    engine gave) when the key or an argument is unknown here."""
    try:
        return render(Reason.from_json(data), template)
    except (KeyError, ValueError, IndexError, AttributeError):
        return english


def shown_reasons(structured: list[Any], english: list[str]) -> list[str]:
    """A candidate's reasons in the active language. Rows saved before reasons were stored
    structured (or purged) have no usable structure: their English text is shown."""
    if len(structured) != len(english):
        return list(english)
    return [
        reason_text(data, text) if isinstance(data, Mapping) else text
        for data, text in zip(structured, english, strict=True)
    ]
