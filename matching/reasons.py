"""Structured reasons: a key and its arguments, one English template per key.

The engine explains a candidate with `Reason`s; `str(reason)` is the English text the
`showup match` CLI prints (its contract). Other front ends (the Django app) render the same
keys through their own translated templates, so a coordinator reads them in their language.

Arguments are the words as written in the reports (names, clothing), numbers already
formatted as the English text shows them, or nested reasons (a distance, a time gap) that are
rendered, and translated, first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any, NamedTuple


class Plural(NamedTuple):
    """A template whose wording depends on the number in argument `number`."""

    one: str
    other: str
    number: str = "n"

    def pick(self, n: int) -> str:
        return self.one if n == 1 else self.other


# One English template per key, with named placeholders (str.format).
ENGLISH: dict[str, str | Plural] = {
    # given name
    "name_differs": "name {said} ≠ {known}",
    "same_name": "same name {said}",
    "name_other_script": "same name, other script: {said} ~ {known}",
    "nickname": "nickname {said} ~ {known}",
    "sounds_alike": "sounds alike: {said} ~ {known}",
    "spelling": "spelling {said} ~ {known}",
    "short_form": "short form {said} ~ {known}",
    # family name
    "family_differs": "family name {said} ≠ {known}",
    "same_family": "same family name {said}",
    "family_other_script": "same family name, other script: {said} ~ {known}",
    "family_similar": "family name {said} ~ {known}",
    # how common a name is in the pool of open reports
    "same_rare_name": "same rare name {said}",
    "rare_name_other_script": "same rare name, other script: {said} ~ {known}",
    "rare_nickname": "same rare nickname {said} ~ {known}",
    "same_rare_family": "same rare family name {said}",
    "rare_family_other_script": "same rare family name, other script: {said} ~ {known}",
    "rare_note": "{reason} (a rare name)",
    "common_same": "{reason} is common here ({count} open reports)",
    "common_note": "{reason} (common here: {count} open reports)",
    # body
    "age_within": "age {age} within estimate {estimate}",
    "age_outside": "age {age} outside estimate {estimate}",
    "sex_differs": "sex differs",
    "height": "height {found} vs {missing} cm",
    "hair": "hair: {found} ~ {missing}",
    "hair_differs": "hair differs: {found} vs {missing}",
    # clothing and belongings; `garments` lists pairs as written ("red top ~ red hoodie")
    "clothing": "clothing: {garments}",
    "clothing_differs": "clothing differs: {garments}",
    "carrying_same": "carrying {found}",
    "carrying": "carrying: {found} ~ {missing}",
    "carrying_differs": "carrying differs: {found} vs {missing}",
    "speaks": "speaks {languages}",
    "languages_differ": "languages differ",
    # place and time; `when` and `distance` are nested reasons
    "found_when": "found {when}",
    "same_place_same_time": "same place, same time",
    "same_place_when": "same place, {when}",
    "found_away": "found {distance} away, {when}",
    "minutes_later": "minutes later",
    "minutes_before": "minutes before last seen",
    "later": "{duration} later",
    "before_last_seen": "{duration} before last seen",
    "minutes": "{n} min",
    "hours": "{n} h",
    "days": "{n} days",
    "metres": "{n} m",
    "km": "{n} km",
    # competition
    "rivals": Plural(
        "{n} other open report fits nearly as well", "{n} other open reports fit nearly as well"
    ),
    "crowded": Plural(
        "{n} open report was here at this time: place and time say little",
        "{n} open reports were here at this time: place and time say little",
    ),
}

# The frequency note of a name agreed exactly when the name is rare: its own wording.
RARE_OF: dict[str, str] = {
    "same_name": "same_rare_name",
    "name_other_script": "rare_name_other_script",
    "nickname": "rare_nickname",
    "same_family": "same_rare_family",
    "family_other_script": "rare_family_other_script",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: a template key and its named arguments."""

    key: str
    args: tuple[tuple[str, Arg], ...] = ()

    @classmethod
    def of(cls, key: str, **args: Arg) -> Reason:
        if key not in ENGLISH:
            raise KeyError(f"unknown reason key {key!r}")
        return cls(key, tuple(args.items()))

    def __str__(self) -> str:
        return render(self, english_template)

    def to_json(self) -> dict[str, Any]:
        """{"key": ..., "args": {...}}, nested reasons as the same kind of object."""
        return {
            "key": self.key,
            "args": {k: v.to_json() if isinstance(v, Reason) else v for k, v in self.args},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        """The inverse of `to_json`; raises ValueError on anything else."""
        key, args = data.get("key"), data.get("args", {})
        if not isinstance(key, str) or not isinstance(args, Mapping):
            raise ValueError("a reason is {'key': str, 'args': {...}}")
        out: list[tuple[str, Arg]] = []
        for name, value in args.items():
            if isinstance(value, Mapping):
                out.append((name, cls.from_json(value)))
            elif isinstance(value, str | int) and not isinstance(value, bool):
                out.append((name, value))
            else:
                raise ValueError(f"bad argument {name!r} of reason {key!r}")
        return cls(key, tuple(out))


Arg = str | int | Reason


def english_template(key: str, count: int | None) -> str:
    t = ENGLISH[key]
    if isinstance(t, Plural):
        return t.pick(count if count is not None else 0)
    return t


def count_arg(key: str) -> str | None:
    """The argument that picks the plural form of a key's template (None: not plural)."""
    t = ENGLISH.get(key)
    return t.number if isinstance(t, Plural) else None


def placeholders(template: str) -> set[str]:
    """The named placeholders of a str.format template."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def render(reason: Reason, template_of: Callable[[str, int | None], str]) -> str:
    """The text of a reason with `template_of(key, count)`, nested reasons rendered first
    with the same templates. Raises KeyError for a key or placeholder it cannot fill."""
    values: dict[str, str] = {}
    for name, value in reason.args:
        values[name] = render(value, template_of) if isinstance(value, Reason) else str(value)
    count_name = count_arg(reason.key)
    count = None
    if count_name is not None:
        raw = dict(reason.args).get(count_name)
        count = raw if isinstance(raw, int) else None
    return template_of(reason.key, count).format_map(values)
