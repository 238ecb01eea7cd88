"""Scorer parameters: field weights from bench/fit_weights.py (development set); SLOPE,
OFFSET and the constants at the end from bench/calibrate.py (synthetic scenes and the
development set, `bench/calibrate.py --mixed 0 --write`; the threshold then set by hand
to 0.94, just under the fit's 0.947: with the right report always among the scored, as the
candidate search aims, 0.94 keeps precision 0.99 on every fitting scene; bench/weak.md).

WEIGHTS[field][level] is log(P(level | same child) / P(level | other child)), smoothed
and clipped; the probability is 1 / (1 + exp(-(SLOPE * total + OFFSET))).
"""

from __future__ import annotations

WEIGHTS: dict[str, dict[str, float]] = {
    "age": {"far": -4.675, "in": 1.027, "near": 0.093, "none": 0.0, "off": -2.374},
    "carrying": {"differ": -4.297, "none": -0.269, "same": 2.396},
    "clothing": {"0": -3.86, "1": 1.626, "2": 5.0, "3": 5.0, "none": 0.425},
    "clothing_conflict": {"0": 0.198, "1": -0.387, "2": -1.471, "none": 0.429},
    # "0" by likelihood on seed 101 and the dev set (fit_weights gives the clip, 5.0, which
    # counts again what the "clothing" level says; 2.5 to 5.0 tried, bench/weak.md)
    "clothing_unmatched": {"0": 3.5, "0c": 1.316, "1": -4.573, "2": -5.0, "none": 0.425},
    "family": {"differ": -3.428, "none": -0.017, "same": 3.201, "similar": 1.581},
    "hair_colour": {"differ": -4.798, "none": -0.403, "same": 1.593},
    "hair_style": {"differ": -4.327, "none": -0.345, "same": 1.744},
    "height": {"close": 1.299, "far": -2.093, "near": 0.56, "none": -0.0},
    "languages": {"differ": -3.114, "none": 0.297, "one": -1.484, "shared": 3.212},
    "name": {
        "differ": -4.732,
        "exact": 3.676,
        "fuzzy": 3.201,
        "nickname": 3.201,
        "none": 0.044,
        "phonetic": 3.201,
        "prefix": 3.201,
    },
    "place": {
        "far_late": -0.876,
        "far_soon": -0.586,
        "here": 3.325,
        "implausible": -5.0,
        "near_late": -2.236,
        "none": 0.0,
        "walk": 0.752,
    },
    "sex": {"differ": -4.958, "none": -0.175, "same": 0.693},
    "time": {
        "0": 2.698,
        "1": 0.393,
        "2": -0.775,
        "3": -0.841,
        "4": -2.5,
        "before": -0.5,
        "before_long": -4.723,
    },
}

SLOPE = 0.8
OFFSET = -4.375

# Hand-set first guesses, used for levels the data never showed (and to fit from).
PRIOR: dict[str, dict[str, float]] = {
    "age": {"far": -5.0, "in": 1.0, "near": -0.5, "none": 0.0, "off": -2.0},
    "carrying": {"differ": -1.0, "none": 0.0, "same": 2.0},
    "clothing": {"0": -0.5, "1": 1.0, "2": 2.5, "3": 3.5, "none": 0.0},
    "clothing_conflict": {"0": 0.0, "1": -0.5, "2": -1.0, "none": 0.0},
    "clothing_unmatched": {"0": 0.5, "0c": 0.0, "1": -1.5, "2": -2.5, "none": 0.0},
    "family": {"differ": -2.0, "none": 0.0, "same": 3.0, "similar": 2.0},
    "hair_colour": {"differ": -1.5, "none": 0.0, "same": 0.8},
    "hair_style": {"differ": -0.5, "none": 0.0, "same": 0.5},
    "height": {"close": 1.0, "far": -2.0, "near": 0.0, "none": 0.0},
    "languages": {"differ": -1.5, "none": 0.0, "one": -0.5, "shared": 1.5},
    "name": {
        "differ": -3.0,
        "exact": 4.0,
        "fuzzy": 2.0,
        "nickname": 3.5,
        "none": 0.0,
        "phonetic": 3.0,
        "prefix": 1.5,
    },
    "place": {
        "far_late": -0.5,
        "far_soon": -2.0,
        "here": 3.0,
        "implausible": -5.0,
        "near_late": 0.5,
        "none": 0.0,
        "walk": 1.5,
    },
    "sex": {"differ": -4.0, "none": 0.0, "same": 0.6},
    "time": {
        "0": 1.0,
        "1": 0.0,
        "2": -0.5,
        "3": -1.0,
        "4": -2.5,
        "before": -0.5,
        "before_long": -3.0,
    },
}

# Name frequency: the share of non-matching pairs whose given (family) names agree exactly,
# the reference a name's own share in the pool is compared with (bench/fit_weights.py).
U_GIVEN = 0.0113
U_FAMILY = 0.0047
U_LANG = 0.038  # a non-English language's typical share of the development pool
# The posterior the best candidate needs for `match: true` (bench/calibrate.py).
MATCH_SCORE = 0.94
# How the prior mass of "no open report" grows with the number of plausible open reports.
DENSITY_POWER = 0.325
# How much of the plausible candidates' mean place-and-time weight joins the null mass.
CROWD_WEIGHT = 0.65
