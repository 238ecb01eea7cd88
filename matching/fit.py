"""Learning the scorer's parameters from labelled pairs (used by bench/fit_weights.py).

Fellegi–Sunter: for every field level, weight = log(P(level | same child) / P(level | other
child)), smoothed; then a Platt (logistic) map from the summed weight to a probability,
fitted on the pairs a coordinator would actually see (each query's top candidates), so that
a score of 0.9 is right about 9 times in 10.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence

Levels = Sequence[tuple[str, str]]  # (field, level) of one pair

WEIGHT_CLIP = 5.0


def level_weights(
    positives: Iterable[Levels], negatives: Iterable[Levels], smoothing: float = 1.0
) -> dict[str, dict[str, float]]:
    """Per-field, per-level log-likelihood ratios."""
    pos: Counter[tuple[str, str]] = Counter()
    neg: Counter[tuple[str, str]] = Counter()
    n_pos = n_neg = 0
    for lv in positives:
        n_pos += 1
        pos.update(lv)
    for lv in negatives:
        n_neg += 1
        neg.update(lv)
    fields: dict[str, set[str]] = {}
    for f, lvl in list(pos) + list(neg):
        fields.setdefault(f, set()).add(lvl)
    out: dict[str, dict[str, float]] = {}
    for f, levels in sorted(fields.items()):
        k = len(levels)
        out[f] = {}
        for lvl in sorted(levels):
            m = (pos[(f, lvl)] + smoothing) / (n_pos + smoothing * k)
            u = (neg[(f, lvl)] + smoothing) / (n_neg + smoothing * k)
            w = math.log(m / u)
            out[f][lvl] = round(max(-WEIGHT_CLIP, min(WEIGHT_CLIP, w)), 3)
    return out


# Levels of one field from weakest to strongest evidence for a match: the fitted weights are
# made monotone along these so that a small sample cannot rank "prefix" above "exact".
ORDERED: dict[str, tuple[str, ...]] = {
    "name": ("prefix", "fuzzy", "phonetic", "nickname", "exact"),
    "age": ("far", "off", "near", "in"),
    "clothing": ("0", "1", "2", "3"),
    "clothing_conflict": ("2", "1", "0"),
    "clothing_unmatched": ("2", "1", "0c", "0"),
}


def monotone(weights: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Cap each level's weight at that of the next stronger level."""
    out = {f: dict(levels) for f, levels in weights.items()}
    for f, order in ORDERED.items():
        levels = out.get(f, {})
        present = [lvl for lvl in order if lvl in levels]
        for weaker, stronger in reversed(list(itertools.pairwise(present))):
            levels[weaker] = min(levels[weaker], levels[stronger])
    return out


def merged(
    prior: dict[str, dict[str, float]], fitted: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Fitted weights, falling back to the hand-set prior for levels the data never showed."""
    out = {f: dict(levels) for f, levels in prior.items()}
    for f, levels in fitted.items():
        out.setdefault(f, {}).update(levels)
    return out


def _fit_offset(totals: Sequence[float], ys: Sequence[float], a: float) -> tuple[float, float]:
    """Best offset for a fixed slope (1-D Newton; concave, so it converges) and its log-loss."""
    b = 0.0
    for _ in range(60):
        g = h = 0.0
        for x, y in zip(totals, ys, strict=True):
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * x + b))))
            g += p - y
            h += p * (1 - p)
        step = g / (h + 1e-9)
        b -= max(-5.0, min(5.0, step))
        if abs(step) < 1e-7:
            break
    loss = 0.0
    for x, y in zip(totals, ys, strict=True):
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * x + b))))
        p = min(1 - 1e-12, max(1e-12, p))
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
    return b, loss


def platt(totals: Sequence[float], labels: Sequence[bool]) -> tuple[float, float]:
    """Fit p = 1 / (1 + exp(-(a * total + b))); returns (a, b).

    The slope is searched in [0.2, 1]: summed per-field log-likelihood ratios overstate the
    evidence (fields are not independent), so a slope above 1 is never right, and on a
    development set where the right candidate always wins an unconstrained fit would send
    the slope to infinity and every score to 0 or 1.
    """
    ys = [1.0 if y else 0.0 for y in labels]
    best: tuple[float, float, float] | None = None
    for k in range(4, 21):
        a = k * 0.05
        b, loss = _fit_offset(totals, ys, a)
        if best is None or loss < best[2]:
            best = (a, b, loss)
    assert best is not None
    return round(best[0], 4), round(best[1], 4)
