"""Splink 5's batch linkage on the same files as `showup match`, in the contract's JSONL.

    .venv/bin/python bench/splink_batch.py --missing MISSING.jsonl --found FOUND.jsonl > out.jsonl

Reads both JSONL files (the child-report schema), trains the model of bench/splink_fair.py
on them (unsupervised: no truth is read), runs `linker.inference.predict()` and writes, for
every found report, its best three open reports by match probability:
`{"found": id, "candidates": [{"missing": id, "score": p, "match": bool}]}` (`match` when the
first has p >= 0.5). bench/scale.py runs it under /usr/bin/time -v beside `showup match`.
The last line on stderr is JSON: seconds spent loading, training and predicting.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from splink_fair import MATCH_P, arrow, train

# pairs below this probability are not kept (they cannot be a top-3 `match`, and the top 3
# of a found report with nothing above it are not worth a screen)
KEEP_P = 0.01


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--missing", type=Path, required=True)
    p.add_argument("--found", type=Path, required=True)
    a = p.parse_args()
    from splink import DuckDBAPI

    t0 = time.perf_counter()
    db = DuckDBAPI()
    missing = db.register(arrow(_read(a.missing)), table_name="m")
    found_rows = _read(a.found)
    found = db.register(arrow(found_rows), table_name="f")
    load_s = time.perf_counter() - t0
    linker, train_s, em_iterations = train(db, missing, found)
    t = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=KEEP_P, warning_mode="never")
    # the found report's side of each pair, then its three best by probability (in DuckDB)
    top = db._con.execute(
        f"""
        WITH p AS (
          SELECT CASE WHEN source_dataset_l = 'f' THEN unique_id_l ELSE unique_id_r END AS f,
                 CASE WHEN source_dataset_l = 'f' THEN unique_id_r ELSE unique_id_l END AS m,
                 match_probability AS p
          FROM {pred.physical_name}
        )
        SELECT f, m, p FROM (
          SELECT f, m, p, row_number() OVER (PARTITION BY f ORDER BY p DESC, m) AS rank
          FROM p
        ) WHERE rank <= 3 ORDER BY f, rank
        """
    ).fetchall()
    predict_s = time.perf_counter() - t
    by_found: dict[str, list[dict[str, Any]]] = {d["id"]: [] for d in found_rows}
    for fid, mid, prob in top:
        cands = by_found[fid]
        cands.append(
            {"missing": mid, "score": round(prob, 4), "match": not cands and prob >= MATCH_P}
        )
    out = sys.stdout
    for fid, cands in by_found.items():
        out.write(json.dumps({"found": fid, "candidates": cands}) + "\n")
    out.flush()
    phases = {
        "load_s": round(load_s, 1),
        "train_s": round(train_s, 1),
        "predict_s": round(predict_s, 1),
        "em_iterations": em_iterations,
    }
    print(json.dumps(phases), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
