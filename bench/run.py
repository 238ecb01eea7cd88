"""`make bench`: quality on the development set, then speed and memory at scale.

    .venv/bin/python bench/run.py            # the full run (about an hour, see below)
    .venv/bin/python bench/run.py --quick    # 10k open reports, a small batch (minutes)
    .venv/bin/python bench/run.py --sizes 10000,100000 --batch-missing 50000 --batch-found 600
                                             # other arguments go to bench/scale.py

Runs bench/quality.py (the development set, its cross-validation and the look-alikes: the
quality part of docs/benchmarks.md), then bench/scale.py (the synthetic scenes with the
disaster recall, the growth table at 10k/100k/1M with Splink beside it, and the city
fortnight's batch with `showup match` and Splink's `predict()`:
docs/benchmarks-scale.md.part) and bench/board.py (the coordinator's board page and live
poll, docs/benchmarks-board.md.part), and joins them with a header naming the machine and the
commands. The held-out section (`bench/heldout.py --final`) and the load test's are kept.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
PART = REPO / "docs" / "benchmarks-scale.md.part"
BOARD_PART = REPO / "docs" / "benchmarks-board.md.part"
SERVICE_PART = REPO / "docs" / "benchmarks-service.md.part"


def machine() -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return [
        f"- CPUs (nproc): {os.cpu_count()}",
        f"- CPU model: {cpu}",
        f"- RAM: {mem}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- OS: {platform.platform()}",
    ]


# The hand-written analysis at the end of docs/benchmarks.md (what the figures mean, what
# is weak): kept beside the code so a re-run does not lose it.
WEAK = REPO / "bench" / "weak.md"


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    py = sys.executable
    subprocess.run([py, str(REPO / "bench" / "quality.py")], check=True, cwd=REPO)
    # --reuse-scale: join a docs/benchmarks-scale.md.part that bench/scale.py wrote on its own
    # (its table names its command), e.g. when the hour-long scale run went first on a quiet
    # machine.
    reuse_scale = "--reuse-scale" in sys.argv[1:]
    scale_args = [a for a in sys.argv[1:] if a != "--reuse-scale"]
    if reuse_scale and not PART.exists():
        sys.exit(f"--reuse-scale: {PART} is missing; run bench/scale.py first")
    if not reuse_scale:
        subprocess.run([py, str(REPO / "bench" / "scale.py"), *scale_args], check=True, cwd=REPO)
    board_args = ["--sizes", "30,300"] if quick else []
    subprocess.run([py, str(REPO / "bench" / "board.py"), *board_args], check=True, cwd=REPO)
    service_args = ["--backends", "sqlite"] if quick else ["--backends", "sqlite,postgres"]
    subprocess.run([py, str(REPO / "bench" / "service.py"), *service_args], check=True, cwd=REPO)
    quality = DOC.read_text(encoding="utf-8")
    body = quality.split("\n", 1)[1] if quality.startswith("# Benchmarks") else quality
    # bench/quality.py keeps the previous run's other sections: only its own part is kept
    body = body.split("\n## Synthetic scenes")[0]
    mark = body.find("## Matching quality")
    body = "\n" + body[mark:] if mark >= 0 else body
    head = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python bench/run.py"
        + "".join(f" {a}" for a in sys.argv[1:])
        + "`; `bench/run.py --quick` for a smoke run). Machine:",
        "",
        *machine(),
        "",
        "The machine is shared with other work while the benchmark runs, so single figures",
        "can wobble by tens of percent between runs; the shape does not.",
    ]
    if reuse_scale:
        head += [
            "",
            "The scale tables (synthetic scenes, growth, Splink, batch) come from their own run",
            "of bench/scale.py just before, alone on the machine; their command is given with",
            "them.",
        ]
    text = "\n".join(head) + "\n" + body.rstrip() + "\n\n" + PART.read_text(encoding="utf-8")
    text = text.rstrip() + "\n\n" + BOARD_PART.read_text(encoding="utf-8")
    text = text.rstrip() + "\n\n" + SERVICE_PART.read_text(encoding="utf-8")
    # `make loadtest` (bench/loadtest/report.py) and bench/redaction.py write their own
    # sections: keep the last ones (make bench re-runs the redaction one right after).
    for heading in ("\n## Load test\n", "\n## Redaction (faces in video)\n"):
        at = quality.find(heading)
        if at >= 0:
            end = quality.find("\n## ", at + 1)
            text = text.rstrip() + "\n\n" + quality[at + 1 : end if end >= 0 else None].rstrip()
    text = text.rstrip() + "\n\n" + WEAK.read_text(encoding="utf-8")
    DOC.write_text(text, encoding="utf-8")
    PART.unlink()
    BOARD_PART.unlink()
    SERVICE_PART.unlink()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
