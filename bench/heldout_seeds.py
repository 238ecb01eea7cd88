"""Held-out seeds, drawn once with `secrets.randbelow` (10,000 + randbelow(90,000)) and
committed before any figure was computed on them ("not yet run").

`bench/heldout.py --final` runs them once, at the end of a piece of work, and writes its own
table with the commit id. Nothing is tuned on them: once their figures have been looked at,
they are development data too and new seeds must be drawn the same way.

Development data (seen while the engine was built, so their figures are not held out):
the development set (../shared/data/child-reports-dev), towns 301-305, scenes 101 (fitted
the posterior) and 202, the scale seed 3 and the batch seed 5.
"""

from __future__ import annotations

DEV_TOWN_SEEDS = (301, 302, 303, 304, 305)
DEV_SCENE_SEEDS = (101, 202)
DEV_SCALE_SEED = 3
DEV_BATCH_SEED = 5

TOWN_SEEDS = (64888, 77952, 92118, 80697, 62267)
SCENE_SEED = 28296
SCALE_SEED = 44195  # bench/synth.py tiled()
BATCH_SEED = 68932  # bench/synth.py city_fortnight()
