"""The engine's answer for one (missing, found) pair."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Candidate:
    """One ranked candidate: the other report's id, a probability-like score, the engine's
    match decision and short reasons a coordinator reads at a glance."""

    other_id: str
    score: float
    match: bool = False
    reasons: list[str] = field(default_factory=list)
