"""Fit the posterior's SLOPE and OFFSET and the match threshold on synthetic scenes.

    .venv/bin/python bench/calibrate.py                 # fit on seed 101, judge on seed 202
    .venv/bin/python bench/calibrate.py --write         # ... and rewrite them in weights.py

The field weights stay those fitted on the development set (bench/fit_weights.py). What is
fitted here is how the summed weights become a probability that accounts for competitors:

    P(candidate i) = exp(a t_i) / (exp(c) + sum_j exp(a t_j) + tail)

(a conditional logit with a "no open report" option of mass exp(c); OFFSET = -c), by
maximum likelihood over every found report of the fitting scenes, whose right answer is one
of the scored candidates or "none of them". The match threshold is then the lowest
posterior whose matches are right at least TARGET of the time on the fitting scenes.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from devset import REPO, load
from synth import Dataset, batch, scene_set

from matching import ChildReport, Matcher
from matching.engine import DENSITY_FLOOR, ReportIndex, crowd_of
from matching.features import profile

FIT_SEED, JUDGE_SEED = 101, 202
TARGET = 0.99  # precision aimed at on the fitting scenes (the contract asks 0.98 held out)
SCENES = (("fair", 3000, 600), ("disaster", 20000, 1000), ("ordinary", 5000, 500))


@dataclass
class Query:
    totals: list[float]  # summed weights (with name frequency) of the scored candidates
    ids: list[str]
    tail_totals: list[float]  # a sample of the pre-scored candidates left out ...
    left_out: int  # ... and how many there were
    truth: int  # index of the right candidate in `ids`, -1 when none of them
    density: float  # open reports plausible by place, time and age (Matcher.null_mass)
    crowd: float  # the plausible candidates' mean place-and-time weight (Matcher.null_mass)


def scene_sets(seed: int, mixed: int = 100_000) -> dict[str, Dataset]:
    out = {kind: scene_set(kind, n_m, n_f, seed=seed) for kind, n_m, n_f in SCENES}
    out["fair 2"] = scene_set("fair", 3000, 600, seed=seed + 1)
    if mixed:
        out["mixed 100k"] = batch(mixed, 1000, seed=seed)
    return out


def collect(matcher: Matcher, ds: Dataset | Any) -> list[Query]:
    """Every found report's scored candidates, as the index sees them."""
    missing = [m if isinstance(m, ChildReport) else ChildReport.from_dict(m) for m in ds.missing]
    found = [f if isinstance(f, ChildReport) else ChildReport.from_dict(f) for f in ds.found]
    index: ReportIndex = matcher.build_index(missing)
    out: list[Query] = []
    for f in found:
        q = profile(f)
        short, sample, left_out = index._shortlist(q)
        sc = matcher._score_all(q, short, index._freq)
        tl = matcher._score_all(q, sample, index._freq) if left_out and sample else []
        ids = [x.other_id for x in sc]
        want = ds.truth.get(f.id)
        density = index._density(q)
        plausible = [x.where_when for x in sc if x.plausible]
        if density is None:
            density = len(plausible)
        out.append(
            Query(
                [x.s / matcher.slope for x in sc],
                ids,
                [x.s / matcher.slope for x in tl],
                left_out,
                ids.index(want) if want in ids else -1,
                density,
                crowd_of(plausible),
            )
        )
    return out


# slope a, null mass c (= -OFFSET), density power, crowd weight
Params = tuple[float, float, float, float]


def posteriors(q: Query, p: Params) -> tuple[list[float], float]:
    """Posterior of each scored candidate and of 'none of them'."""
    a, c0, beta, gamma = p
    c = c0 + beta * math.log(max(DENSITY_FLOOR, q.density)) + gamma * a * q.crowd
    ss = [a * t for t in q.totals]
    hi = max([c, *ss])
    terms = [math.exp(s - hi) for s in ss]
    tail = 0.0
    if q.tail_totals:
        tail = q.left_out * sum(math.exp(min(50.0, a * t) - hi) for t in q.tail_totals)
        tail /= len(q.tail_totals)
    z = math.exp(c - hi) + sum(terms) + tail
    return [t / z for t in terms], (math.exp(c - hi) + tail) / z


def loglik(qs: list[Query], p: Params) -> float:
    total = 0.0
    for q in qs:
        ps, none = posteriors(q, p)
        right = ps[q.truth] if q.truth >= 0 else none
        total += math.log(max(right, 1e-12))
    return total


def fit(qs: list[Query], beta: float | None = None, gamma: float | None = None) -> Params:
    """Maximum likelihood by coordinate search (the log-likelihood is smooth and unimodal
    in practice); `beta` fixes the density power and `gamma` the crowd weight instead of
    fitting them."""
    p = [0.8, 3.0, 0.5 if beta is None else beta, 0.5 if gamma is None else gamma]
    free = [0, 1] + ([2] if beta is None else []) + ([3] if gamma is None else [])
    steps = [0.1, 1.0, 0.2, 0.2]
    best = loglik(qs, (p[0], p[1], p[2], p[3]))
    for _ in range(12):
        improved = False
        for k in free:
            for sign in (1, -1):
                while True:
                    trial = list(p)
                    trial[k] = round(trial[k] + sign * steps[k], 4)
                    if trial[0] <= 0.05 or trial[2] < 0 or trial[3] < 0:
                        break
                    ll = loglik(qs, (trial[0], trial[1], trial[2], trial[3]))
                    if ll <= best:
                        break
                    p, best, improved = trial, ll, True
        if not improved:
            steps = [x / 2 for x in steps]
            if steps[0] < 0.005:
                break
    return round(p[0], 3), round(p[1], 3), round(p[2], 3), round(p[3], 3)


def best_of(q: Query, p: Params) -> tuple[float, bool]:
    ps, _ = posteriors(q, p)
    if not ps:
        return 0.0, False
    i = max(range(len(ps)), key=lambda k: ps[k])
    return ps[i], i == q.truth


def threshold(qs: list[Query], p: Params, target: float = TARGET) -> float:
    """Lowest posterior whose best candidates at or above it are right >= target."""
    pts = sorted((best_of(q, p) for q in qs), reverse=True)
    right = 0
    tau = 1.0
    for n, (p, ok) in enumerate(pts, start=1):
        right += ok
        if right / n >= target:
            tau = p
    return round(max(0.5, tau), 3)


def reliability(qs: list[Query], p: Params) -> list[tuple[str, int, float, float]]:
    """(score bin, best candidates in it, mean score, share right)."""
    bins = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)]
    rows = []
    pts = [best_of(q, p) for q in qs]
    for lo, hi in bins:
        inside = [(p, ok) for p, ok in pts if lo <= p < hi]
        if inside:
            mean = sum(p for p, _ in inside) / len(inside)
            share = sum(ok for _, ok in inside) / len(inside)
        else:
            mean = share = float("nan")
        rows.append((f"{lo:.2f}–{min(hi, 1.0):.2f}", len(inside), mean, share))
    return rows


def write_weights(a: float, offset: float, beta: float, gamma: float, tau: float) -> None:
    path = REPO / "matching" / "weights.py"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^SLOPE = .*$", f"SLOPE = {a}", text)
    text = re.sub(r"(?m)^OFFSET = .*$", f"OFFSET = {offset}", text)
    text = re.sub(r"(?m)^MATCH_SCORE = .*$", f"MATCH_SCORE = {tau}", text)
    text = re.sub(r"(?m)^DENSITY_POWER = .*$", f"DENSITY_POWER = {beta}", text)
    text = re.sub(r"(?m)^CROWD_WEIGHT = .*$", f"CROWD_WEIGHT = {gamma}", text)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--mixed", type=int, default=100_000)
    ap.add_argument("--dev-fit", action="store_true", help="(diagnosis) fit on the dev set")
    ap.add_argument("--no-dev", action="store_true", help="fit on synthetic scenes only")
    ap.add_argument("--density-power", type=float, default=None, help="fix it, fit the rest")
    ap.add_argument("--crowd-weight", type=float, default=None, help="fix it, fit the rest")
    ap.add_argument("--target", type=float, default=TARGET)
    args = ap.parse_args()
    m = Matcher()
    fit_qs: list[Query] = []
    per_scene: list[list[Query]] = []
    # The development set joins the synthetic scenes: they are harsher than the reports the
    # engine is judged on, and fitted alone they leave it under-confident there. (Its
    # cross-validated figures, posterior fitted on one half, are in bench/quality.py.)
    fit_sets: dict[str, Any] = {"dev": load()} if args.dev_fit else scene_sets(FIT_SEED, args.mixed)
    if not args.dev_fit and not args.no_dev:
        fit_sets["dev"] = load()
    for name, ds in fit_sets.items():
        qs = collect(m, ds)
        print(f"seed {FIT_SEED} {name}: {len(qs)} queries", flush=True)
        fit_qs += qs
        per_scene.append(qs)
    p = fit(fit_qs, args.density_power, args.crowd_weight)
    # the threshold must hold in every scene, not only on average
    tau = max(threshold(qs, p, args.target) for qs in per_scene)
    print(f"SLOPE={p[0]} OFFSET={-p[1]} DENSITY_POWER={p[2]} CROWD_WEIGHT={p[3]} MATCH_SCORE={tau}")
    for row in reliability(fit_qs, p):
        print("  fit", row)
    judge = {**scene_sets(JUDGE_SEED, args.mixed), "dev": load()}
    for name, ds in judge.items():
        qs = collect(m, ds)
        said = [best_of(q, p) for q in qs]
        matches = [ok for p, ok in said if p >= tau]
        pos = sum(1 for q in qs if q.truth >= 0)
        print(
            f"judge {name}: precision {sum(matches) / max(1, len(matches)):.4f} "
            f"matches {len(matches)} of {len(qs)} (right answer scored in {pos})"
        )
        for row in reliability(qs, p):
            print("   ", row)
    if args.write:
        write_weights(p[0], -p[1], p[2], p[3], tau)
        print("wrote matching/weights.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
