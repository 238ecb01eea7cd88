"""How far apart a (missing, found) pair can be and still be called plausible by the scorer.

The candidate generator (issue 12, docs/plans/issue12-candidates.md) must never drop a pair
that the scorer would rank as plausible: "plausible" there means the age level is not "far",
the time level is not "before_long" and the place level is not "implausible" (engine.py). This
module states those bounds as a reach in km per elapsed time and an age test, so a spatial or
time index can cut candidates without reading them. Each function returns a SUPERSET of what
matching/features.py accepts: a pair outside it is certainly implausible; a pair inside it may
still score low.

Named constants are imported from features.py so the two cannot drift. `_place_level` writes
its distances as literals, so they are restated here once (FAR_SOON_KM, FAR_LATE_KM, ...);
matching/tests/test_reach.py runs the real feature functions on both sides of every bound, so
a change there fails the tests instead of silently losing or over-reading candidates.
"""

from __future__ import annotations

from matching.features import AGE_ERROR_GROWTH, AGE_OFF_UNITS, BEFORE_TOLERANCE_H

# Mirrors of the literals in features._place_level (checked by tests/test_reach.py).
SOON_H = 24.0  # up to this many hours (either way) the "soon" rules apply
FAR_SOON_KM = 60.0  # "far_soon": the widest plausible place within SOON_H
FAR_LATE_KM = 80.0  # "far_late": the widest plausible place after SOON_H (shelters, days on)


def reach_km(dh_hours: float) -> float | None:
    """The largest distance (km, inclusive) at which the scorer can still call a pair plausible.

    `dh_hours` is the found report's time minus the missing child's last-seen time; negative
    means found before last seen. Returns None when no distance is plausible: the scorer calls
    a found time more than BEFORE_TOLERANCE_H before last seen "before_long" wherever it is.

    Why these values: `_place_level` works on |dh|. Within SOON_H its widest plausible level is
    "far_soon" (the "here" and "walk" radii, 1 km and 1.5 + 1.5 h km <= 37.5 km, lie inside it);
    after SOON_H it is "far_late". Beyond two weeks the time level is "4", a penalty but not
    implausible, so the reach stays FAR_LATE_KM however long ago. A tolerated negative dh counts
    by its absolute value, as in the scorer.

    The distance compared must be the scorer's great-circle `km_between`; callers that use a
    flat-earth or cell approximation must widen it by their own margin.
    """
    if dh_hours < -BEFORE_TOLERANCE_H:
        return None
    if abs(dh_hours) <= SOON_H:
        return FAR_SOON_KM
    return FAR_LATE_KM


def age_out_of_reach(
    missing_lo: float | None,
    missing_hi: float | None,
    found_lo: float | None,
    found_hi: float | None,
) -> bool:
    """Whether the scorer's age level of the pair is "far", the only age level that makes a
    pair implausible.

    Arguments are the age ranges of `features.Profile` (age_lo/age_hi; a missing child's age
    given twice). An unknown age on either side is level "none", never "far", so it is kept.
    The "off" level (gap up to AGE_OFF_UNITS) is kept on purpose: true pairs do fall there
    (13 of 320 in the study's bench), and the scorer still calls them plausible.
    """
    if missing_lo is None or missing_hi is None or found_lo is None or found_hi is None:
        return False
    gap = max(0.0, found_lo - missing_hi, missing_lo - found_hi)
    if gap == 0:
        return False
    # The same unit as features._q_age: the error of an age estimate grows with the age.
    units = gap / (1.0 + AGE_ERROR_GROWTH * max(missing_hi, found_hi))
    return units > AGE_OFF_UNITS
