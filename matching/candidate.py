"""The engine's answer for one (missing, found) pair."""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.reasons import Reason


@dataclass(slots=True)
class Candidate:
    """One ranked candidate: the other report's id, a probability-like score, the engine's
    match decision and short reasons a coordinator reads at a glance."""

    other_id: str
    score: float
    match: bool = False
    explained: list[Reason] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """The reasons in English, as the `showup match` contract prints them."""
        return [str(r) for r in self.explained]
