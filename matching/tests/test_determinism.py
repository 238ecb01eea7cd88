"""The same reports give the same answers, whatever order the blocking keys come in.

Blocking keys live in sets, whose order changes with Python's string-hash seed
(PYTHONHASHSEED). Reports that tie on shared keys and on the cheap pre-score were once put
in that order, so which of them were scored, or stood for those left out, and with them the
scores, changed from one run of `showup match` to the next.
"""

from __future__ import annotations

import random

import pytest

import matching.engine as engine
from matching import ChildReport, Matcher

from .helpers import found, missing

NAMES = (
    "Mateo", "Sofia", "Liam", "Amara", "Yusuf", "Mei", "Matteo", "Sophia", "Leah", "Amir",
    "Yosef", "May", "Noah", "Nora", "Ivan", "Ivana", "Omar", "Emma", "Ali", "Alia",
)  # fmt: skip
COLOURS = ("red", "blue", "green", "black", "white", "yellow")
HAIR = ("black", "brown", "blond", "red", "dark brown curly")


def _fair() -> tuple[list[ChildReport], list[ChildReport]]:
    """Every report at one place and time, few names and colours: many ties."""
    rnd = random.Random(7)
    open_reports = [
        missing(
            id=f"M-{i}",
            given_name=rnd.choice(NAMES),
            age_years=rnd.randint(4, 9),
            sex=rnd.choice(("female", "male")),
            hair=rnd.choice(HAIR),
            clothing=f"{rnd.choice(COLOURS)} hoodie, {rnd.choice(COLOURS)} sneakers",
        )
        for i in range(280)
    ]
    children = [
        found(
            id=f"F-{j}",
            given_name=NAMES[j],
            age_min=5,
            age_max=8,
            sex="female" if j % 2 else "male",
            hair=HAIR[j % len(HAIR)],
            clothing=f"{COLOURS[j % len(COLOURS)]} hooded sweatshirt",
        )
        for j in range(len(NAMES))
    ]
    return open_reports, children


def _answers(order_seed: int | None, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    keys_of = engine.query_keys

    def shuffled(q: object) -> tuple[list[str], list[str]]:
        names, other = keys_of(q)  # type: ignore[arg-type]
        if order_seed is not None:
            rnd = random.Random(order_seed)
            rnd.shuffle(names)
            rnd.shuffle(other)
        return names, other

    monkeypatch.setattr(engine, "query_keys", shuffled)
    open_reports, children = _fair()
    index = Matcher().build_index(open_reports)
    return [[(c.other_id, c.score) for c in index.rank(f)] for f in children]


def test_answers_do_not_depend_on_the_order_of_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    as_given = _answers(None, monkeypatch)
    for seed in (1, 2, 3):
        assert _answers(seed, monkeypatch) == as_given
