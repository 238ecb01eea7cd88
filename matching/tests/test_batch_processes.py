"""`showup match` gives the same bytes in one process or several (matching/cli.py).

The batch command files the index's postings in a forked child while it builds the rest,
and ranks the found reports in forked shares; none of it may change a byte of the output.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matching.cli as cli
from matching import ChildReport, Matcher
from matching.engine import ReportIndex, filed_postings

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

NAMES = ("Mateo", "Sofia", "Liam", "Amara", "Yusuf", "Mei", "Noah", "Nora", "Ivan", "Emma")
COLOURS = ("red", "blue", "green", "black", "white", "yellow")


def _report(kind: str, i: int, rnd: random.Random) -> dict[str, Any]:
    # two towns a few km apart, a week of reports: shared names, places and times
    lat, lon = rnd.choice(((34.05, -118.25), (34.10, -118.30)))
    return {
        "id": f"{kind[0].upper()}-{i}",
        "kind": kind,
        "given_name": rnd.choice(NAMES),
        "age_years": rnd.randint(3, 12),
        "sex": rnd.choice(("female", "male")),
        "clothing": f"{rnd.choice(COLOURS)} hoodie, {rnd.choice(COLOURS)} sneakers",
        "lat": lat + rnd.uniform(-0.02, 0.02),
        "lon": lon + rnd.uniform(-0.02, 0.02),
        "time": f"2026-06-0{rnd.randint(1, 7)}T{rnd.randint(10, 23)}:00:00-07:00",
    }


def _files(tmp_path: Path, n_missing: int = 400, n_found: int = 45) -> tuple[str, str]:
    rnd = random.Random(12)
    missing = [_report("missing", i, rnd) for i in range(n_missing)]
    found = [_report("found", j, rnd) for j in range(n_found)]
    m, f = tmp_path / "m.jsonl", tmp_path / "f.jsonl"
    m.write_text("".join(json.dumps(r) + "\n" for r in missing), encoding="utf-8")
    f.write_text("".join(json.dumps(r) + "\n" for r in found), encoding="utf-8")
    return str(m), str(f)


def _run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    processes: int,
    m: str,
    f: str,
    *extra: str,
) -> tuple[int, str, str]:
    monkeypatch.setenv(cli.PROCESSES_ENV, str(processes))
    code = cli.main(["--missing", m, "--found", f, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def _reports(path: str) -> list[ChildReport]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ChildReport.from_dict(json.loads(x)) for x in lines if x.strip()]


def test_same_bytes_in_one_process_or_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m, f = _files(tmp_path)
    index = Matcher().build_index(_reports(m))
    expected = "".join(cli._line(r.id, index.rank(r, top=3)) for r in _reports(f))
    assert sum('"match": true' in x for x in expected.splitlines()) > 0  # not a vacuous set
    for processes in (1, 2, 3):
        code, out, err = _run(monkeypatch, capsys, processes, m, f)
        assert (code, err) == (0, "")
        assert out == expected, processes


def test_blocks_and_uneven_shares_keep_the_input_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m, f = _files(tmp_path, n_found=23)
    _, one, _ = _run(monkeypatch, capsys, 1, m, f, "--top", "5")
    monkeypatch.setattr(cli, "BLOCK", 4)  # 23 = 5 blocks of 4 and one of 3, 2 shares each
    _, two, _ = _run(monkeypatch, capsys, 2, m, f, "--top", "5")
    assert two == one
    assert [json.loads(x)["found"] for x in two.splitlines()] == [f"F-{j}" for j in range(23)]


@pytest.mark.parametrize("every", [1, 3, 4])
def test_adopted_postings_are_those_add_files(tmp_path: Path, every: int) -> None:
    m, _ = _files(tmp_path)
    reports = _reports(m)
    built = ReportIndex(Matcher(), reports)
    adopted = ReportIndex(Matcher(), reports, file_postings=lambda row: row % every == 1)
    keys, rows = filed_postings(reports, lambda row: row % every != 1)
    adopted.adopt_postings(keys, rows)
    assert len(keys) > len(reports) // 2
    assert np.array_equal(built._store.keys, adopted._store.keys)
    assert np.array_equal(built._store.rows, adopted._store.rows)


def test_a_replaced_index_does_not_adopt(tmp_path: Path) -> None:
    m, _ = _files(tmp_path, n_missing=10)
    reports = _reports(m)
    index = ReportIndex(Matcher(), [*reports, reports[0]], file_postings=lambda row: False)
    assert index.replaced
    with pytest.raises(ValueError):
        index.adopt_postings(*filed_postings(reports))


def test_a_repeated_id_gives_the_single_process_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m, f = _files(tmp_path)
    lines = Path(m).read_text(encoding="utf-8").splitlines(keepends=True)
    # M-3 comes again, changed, after 100 others: the index replaces it (rows renumbered)
    again = json.loads(lines[3]) | {"given_name": "Noah", "age_years": 5}
    Path(m).write_text("".join([*lines[:103], json.dumps(again) + "\n", *lines[103:]]))
    _, one, _ = _run(monkeypatch, capsys, 1, m, f)
    _, two, _ = _run(monkeypatch, capsys, 2, m, f)
    assert two == one


def test_invalid_missing_line_is_reported_once_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m, f = _files(tmp_path, n_missing=50)
    with open(m, "a", encoding="utf-8") as fh:
        fh.write("{oops\n")
    code, out, err = _run(monkeypatch, capsys, 2, m, f)
    assert (code, out) == (2, "")
    assert err.count("m.jsonl:51:") == 1
    code, out, err = _run(monkeypatch, capsys, 2, m, f, "--skip-invalid")
    assert code == 0 and err.count("m.jsonl:51: skipped") == 1
    assert out == _run(monkeypatch, capsys, 1, m, f, "--skip-invalid")[1]


def test_a_failed_child_share_is_ranked_by_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m, f = _files(tmp_path)
    _, one, _ = _run(monkeypatch, capsys, 1, m, f)
    parent = os.getpid()
    rank_lines = cli._rank_lines

    def fails_in_a_child(*args: Any) -> list[str]:
        if os.getpid() != parent:
            raise RuntimeError("a child dies")
        return rank_lines(*args)

    def fails_to_file(*args: Any) -> Any:
        raise RuntimeError("a child dies")

    monkeypatch.setattr(cli, "_rank_lines", fails_in_a_child)
    monkeypatch.setattr(cli, "filed_postings", fails_to_file)
    code, two, err = _run(monkeypatch, capsys, 2, m, f)
    assert (code, err) == (0, "")
    assert two == one


def test_processes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.PROCESSES_ENV, "1")
    assert cli._processes() == 1
    monkeypatch.setenv(cli.PROCESSES_ENV, "3")
    assert cli._processes() == 3
    monkeypatch.delenv(cli.PROCESSES_ENV)
    assert 1 <= cli._processes() <= cli.MAX_PROCESSES
