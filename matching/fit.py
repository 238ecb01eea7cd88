"""Learning the scorer's parameters from labelled pairs (used by bench/fit_weights.py).

Fellegi–Sunter: for every field level, weight = log(P(level | same child) / P(level | other
child)), smoothed; then a Platt (logistic) map from the summed weight to a probability,
fitted on the pairs a coordinator would actually see (each query's top candidates), so that
a score of 0.9 is right about 9 times in 10.
"""

from __future__ import annotations

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
}


def monotone(weights: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Cap each level's weight at that of the next stronger level."""
    out = {f: dict(levels) for f, levels in weights.items()}
    for f, order in ORDERED.items():
        levels = out.get(f, {})
        present = [lvl for lvl in order if lvl in levels]
        for weaker, stronger in reversed(list(zip(present, present[1:], strict=False))):
            levels[weaker] = min(levels[weaker], levels[stronger])
    return out


def merged(prior: dict[str, dict[str, float]], fitted: dict[str, dict[str, float]]) -> dict[
    str, dict[str, float]
]:
    """Fitted weights, falling back to the hand-set prior for levels the data never showed."""
    out = {f: dict(levels) for f, levels in prior.items()}
    for f, levels in fitted.items():
        out.setdefault(f, {}).update(levels)
    return out


def platt(
    totals: Sequence[float],
    labels: Sequence[bool],
    iters: int = 100,
    ridge: float = 1.0,
) -> tuple[float, float]:
    """Fit p = 1 / (1 + exp(-(a * total + b))) by Newton's method; returns (a, b).

    A ridge pulls the slope towards 1 (the weights are already log-likelihood ratios): a
    development set where the right candidate always wins would otherwise send the slope
    to infinity and every score to 0 or 1.
    """
    a, b = 1.0, 0.0
    for _ in range(iters):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in zip(totals, labels, strict=True):
            z = max(-30.0, min(30.0, a * x + b))
            p = 1.0 / (1.0 + math.exp(-z))
            r = p - (1.0 if y else 0.0)
            w = p * (1 - p) + 1e-9
            ga += r * x
            gb += r
            haa += w * x * x
            hab += w * x
            hbb += w
        ga += ridge * (a - 1.0)
        haa += ridge
        hbb += 1e-6
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) < 1e-9 and abs(db) < 1e-9:
            break
    return round(a, 4), round(b, 4)
