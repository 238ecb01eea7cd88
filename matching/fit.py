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


def platt(totals: Sequence[float], labels: Sequence[bool], iters: int = 100) -> tuple[float, float]:
    """Fit p = 1 / (1 + exp(-(a * total + b))) by Newton's method; returns (a, b)."""
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
        haa += 1e-6  # a tiny ridge keeps the step defined when the data separate
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
