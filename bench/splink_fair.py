"""A fair comparison with Splink 5 (DuckDB): the same data, a trained model, warm queries.

Used by bench/scale.py (online, one found report at a time, and a micro-batch) and by
bench/splink_batch.py (the whole batch with `predict()`).

- Splink gets what showup reads: given, family and other names folded to Latin letters
  (matching.text.fold, the same transliteration showup uses), the age or age range, sex,
  hair, clothing words, languages, place and the time last seen or found.
- The model is trained as Splink's documentation advises: the prior from a deterministic
  rule, u by random sampling, m by expectation maximisation on two blocking rules (so every
  comparison gets an m), then a term-frequency table for the given name. Training is timed
  on its own.
- Online: every query record is registered once (`q_all`); a query is a DuckDB view over one
  id, registered by name, then `predict_between(open, view)`; the same warm-up and the same
  number of timed queries as showup.
- Quality: each found report's rows by match probability, top 3, `match` when the first
  has p >= 0.5; scored like showup's answers, plus a threshold sweep (recall at precision
  0.99) and blocking recall (the true pair among Splink's pairs at all).
"""

from __future__ import annotations

import logging
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from matching.text import fold

# EM on synthetic data may not converge: iterations are capped, and the figure says so
EM_MAX_ITERATIONS = 20
U_MAX_PAIRS = 1e7
PRIOR_RECALL = 0.7
ONLINE_MEMORY_LIMIT = "8GB"
MATCH_P = 0.5
Answers = dict[str, list[dict[str, Any]]]


def _words(text: str) -> list[str] | None:
    w = sorted(set(fold(text).split()))
    return w or None


def splink_row(d: dict[str, Any]) -> dict[str, Any]:
    """One child report as a Splink input row (what showup reads, folded to Latin)."""
    lo = d.get("age_years", d.get("age_min"))
    hi = d.get("age_years", d.get("age_max", lo))
    mid = None if lo is None else (lo + (hi if hi is not None else lo)) / 2
    names = [d.get("given_name", ""), *d.get("other_names", [])]
    sex = d.get("sex")
    return {
        "unique_id": d["id"],
        "given_name": fold(d.get("given_name", "")) or None,
        "family_name": fold(d.get("family_name", "")) or None,
        "name_tokens": _words(" ".join(names)),
        "age_min": None if lo is None else float(lo),
        "age_max": None if hi is None else float(hi),
        "age_band": None if mid is None else int(mid // 3),
        "sex": sex if sex in ("male", "female") else None,
        "hair": fold(d.get("hair", "")) or None,
        "clothing": _words(d.get("clothing", "") + " " + d.get("carrying", "")),
        "languages": sorted(d.get("languages", [])) or None,
        "lat": float(d["lat"]),
        "lon": float(d["lon"]),
        "cell10km": f"{round(float(d['lat']) * 10)}:{round(float(d['lon']) * 10)}",
        "seen_at": datetime.fromisoformat(d["time"]).replace(tzinfo=None),
    }


def arrow(rows: Iterable[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.Table.from_pylist([splink_row(d) for d in rows])


def settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    age = cl.CustomComparison(
        output_column_name="age",
        comparison_levels=[
            {
                "sql_condition": '"age_min_l" IS NULL OR "age_min_r" IS NULL',
                "label_for_charts": "null",
                "is_null_level": True,
            },
            {
                "sql_condition": '"age_min_l" <= "age_max_r" AND "age_min_r" <= "age_max_l"',
                "label_for_charts": "ranges overlap",
            },
            {
                "sql_condition": (
                    '"age_min_l" <= "age_max_r" + 2 AND "age_min_r" <= "age_max_l" + 2'
                ),
                "label_for_charts": "within 2 years",
            },
            {"sql_condition": "ELSE", "label_for_charts": "apart"},
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name"),
            cl.ArrayIntersectAtSizes("name_tokens", [1]),
            age,
            cl.ExactMatch("sex"),
            cl.ExactMatch("hair"),
            cl.ArrayIntersectAtSizes("clothing", [3, 2, 1]),
            cl.ArrayIntersectAtSizes("languages", [1]),
            cl.DistanceInKMAtThresholds("lat", "lon", [1, 5, 25]),
            cl.AbsoluteTimeDifferenceAtThresholds(
                "seen_at",
                input_is_string=False,
                metrics=["hour", "hour", "day"],
                thresholds=[1, 6, 3],
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("family_name"),
            block_on("sex", "age_band", "cell10km"),
        ],
        max_iterations=EM_MAX_ITERATIONS,
        retain_intermediate_calculation_columns=False,
    )


class _EMIterations(logging.Handler):
    """Splink logs "EM converged after N iterations" at INFO, also when N is the cap."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.iterations: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if m := re.search(r"EM converged after (\d+) iterations", record.getMessage()):
            self.iterations.append(int(m.group(1)))


def train(db: Any, left: Any, right: Any) -> tuple[Any, float, list[int]]:
    """A Linker over [open, found-for-training], trained: (linker, seconds, EM iterations
    per EM session; a session that reached EM_MAX_ITERATIONS did not converge)."""
    from splink import Linker, block_on

    t0 = time.perf_counter()
    linker = Linker([left, right], settings(), log_level=logging.WARNING)
    em_log = logging.getLogger("splink.internals.expectation_maximisation")
    em_log.setLevel(logging.INFO)
    em_log.propagate = False
    counter = _EMIterations()
    em_log.addHandler(counter)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "sex")], recall=PRIOR_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("sex", "age_band", "cell10km")
    )
    linker.table_management.compute_tf_table("given_name")
    em_log.removeHandler(counter)
    return linker, time.perf_counter() - t0, counter.iterations


def answers(rows: Iterable[dict[str, Any]], missing_side: str, top: int = 3) -> Answers:
    """Splink's pairs as showup-style answers: per found report, its best `top` by p."""
    by_found: dict[str, list[tuple[float, str]]] = {}
    for r in rows:
        left_is_missing = _side(r, "l") == missing_side
        mid = r["unique_id_l"] if left_is_missing else r["unique_id_r"]
        fid = r["unique_id_r"] if left_is_missing else r["unique_id_l"]
        by_found.setdefault(fid, []).append((float(r["match_probability"]), mid))
    out: Answers = {}
    for fid, pairs in by_found.items():
        pairs.sort(key=lambda x: (-x[0], x[1]))
        out[fid] = [
            {"missing": m, "score": round(p, 4), "match": i == 0 and p >= MATCH_P}
            for i, (p, m) in enumerate(pairs[:top])
        ]
    return out


def _side(r: dict[str, Any], lr: str) -> str:
    src = r.get(f"source_dataset_{lr}")
    if src is not None:
        return str(src)
    return "m" if str(r[f"unique_id_{lr}"]).startswith("M-") else "q"


def blocking_recall(truth: dict[str, str | None], rows: Iterable[dict[str, Any]]) -> float:
    pairs = {(r["unique_id_l"], r["unique_id_r"]) for r in rows}
    pos = [(f, m) for f, m in truth.items() if m]
    hit = sum(1 for f, m in pos if (m, f) in pairs or (f, m) in pairs)
    return round(hit / max(1, len(pos)), 4)


def recall_at_precision(
    truth: dict[str, str | None], got: Answers, target: float = 0.99
) -> tuple[float, float | None]:
    """The best recall of `match` over all thresholds on the shown candidates' scores whose
    precision is at least `target`; returns (recall, threshold)."""
    pos = sum(1 for f in got if truth.get(f))
    shown = sorted(
        ((float(c["score"]), truth.get(f) == c["missing"]) for f, cs in got.items() for c in cs),
        key=lambda x: -x[0],
    )
    best, at, said, right, i = 0.0, None, 0, 0, 0
    while i < len(shown):
        t = shown[i][0]
        while i < len(shown) and shown[i][0] == t:
            said += 1
            right += shown[i][1]
            i += 1
        # one found report has one right child, so right pairs = found reports recalled
        if right >= target * said and right / max(1, pos) > best:
            best, at = right / max(1, pos), t
    return round(best, 4), at


def _pct(xs: Sequence[float], q: float) -> float:
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def online(
    missing: list[dict[str, Any]],
    train_found: list[dict[str, Any]],
    warm: list[dict[str, Any]],
    timed: list[dict[str, Any]],
    truth: dict[str, str | None],
) -> dict[str, Any]:
    """Splink trained on `missing` x `train_found`, then each of `warm` and `timed` queried
    alone (timed), then `timed` as one micro-batch; latency and quality."""
    from splink import DuckDBAPI

    t0 = time.perf_counter()
    db = DuckDBAPI()
    # DuckDB's default is 80% of RAM: on a shared machine the 1M run is capped (it spills)
    db._con.execute(f"SET memory_limit = '{ONLINE_MEMORY_LIMIT}'")
    left = db.register(arrow(missing), table_name="m")
    right = db.register(arrow(train_found), table_name="f")
    load_s = time.perf_counter() - t0
    linker, train_s, em_iterations = train(db, left, right)
    q_all = db.register(arrow([*warm, *timed]), table_name="q_all")
    con = db._con  # the DuckDB connection: a view per query is how one id is selected
    lat: list[float] = []
    rows: list[dict[str, Any]] = []
    for i, f in enumerate([*warm, *timed]):
        t = time.perf_counter()
        view = f"q_{i}"
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM {q_all.physical_name} "
            f"WHERE unique_id = '{_quoted(f['id'])}'"
        )
        q = db.register(view, table_name=view)
        pred = linker.inference.predict_between(left, q, warning_mode="never")
        got = pred.as_record_list()
        if i >= len(warm):
            lat.append(time.perf_counter() - t)
            rows += got
        pred.drop_table_from_database_and_remove_from_cache()
    lat.sort()
    timed_ids = {f["id"] for f in timed}
    t = time.perf_counter()
    q_timed = db.register(arrow(timed), table_name="q_timed")
    batch_rows = linker.inference.predict_between(
        left, q_timed, warning_mode="never"
    ).as_record_list()
    micro_s = time.perf_counter() - t
    got_online = answers(rows, "m")
    for fid in timed_ids:
        got_online.setdefault(fid, [])
    t_truth = {f: truth[f] for f in timed_ids}
    return {
        "splink_load_s": round(load_s, 2),
        "splink_train_s": round(train_s, 1),
        "splink_em_iterations": em_iterations,
        "splink_queries": len(lat),
        "splink_median_ms": round(1000 * statistics.median(lat), 1),
        "splink_p90_ms": round(1000 * _pct(lat, 0.9), 1),
        "splink_p99_ms": round(1000 * _pct(lat, 0.99), 1),
        "splink_micro_batch_s": round(micro_s, 2),
        "splink_micro_per_query_ms": round(1000 * micro_s / max(1, len(timed)), 2),
        "splink_pairs_per_query": round(len(rows) / max(1, len(timed)), 1),
        "splink_blocking_recall": blocking_recall(t_truth, batch_rows),
        "splink_got": got_online,
        "splink_same_as_micro": len(rows) == len(batch_rows),
    }


def _quoted(s: str) -> str:
    return s.replace("'", "''")
