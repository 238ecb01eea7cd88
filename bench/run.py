"""`make bench`: quality on the development set, then speed and memory at scale.

    .venv/bin/python bench/run.py            # the full run (several minutes)
    .venv/bin/python bench/run.py --quick    # 10k open reports, a small batch

Runs bench/quality.py (which writes the quality part of docs/benchmarks.md), then
bench/scale.py (which writes docs/benchmarks-scale.md.part), and joins them with a header
naming the machine and the commands.
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


WEAK = """
## What is weak

- **Crowded fairs.** On the held-out fair (seed 202) precision of `match: true` is 0.97 and
  10 of 120 children with no open report were called a match (8%): a stranger who shares a
  rare name, age, sex and language with one open report at the same fair looks, to every
  field the engine reads, like that child. The fitting fair (seed 101) stays at 0.99 / 1.7%.
  Fair scenes differ a lot from one another; a threshold fitted on two fairs does not hold
  on every third one.
- **Disasters.** Top-1 is about 0.80 on 20,000 open reports: for about one found child in
  eight the right report is not among the 50 the index scores fully (names that agree only
  by sound, no name at all, clothing changed over days), and recall of `match: true` is 0.43.
- **Development set recall** fell from 0.83 (the old fixed rule, tuned on that set) to 0.78:
  the posterior is fitted on synthetic scenes, which are harder than the development set, so
  on the development set it is under-confident (candidates scored 0.3-0.7 are right 9 times in
  10); precision stays 1.0 with no false alarm.
- **Index memory** grew to about 600 MiB at 1,000,000 open reports (from 391 MiB): realistic
  names give many more distinct blocking keys than the old generator's few dozen.
- The posterior's density term (more children nearby, likelier a chance look-alike) fitted
  a small power (0.15); most of the protection comes from counting competitors and from
  name and language frequencies.
"""


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    py = sys.executable
    subprocess.run([py, str(REPO / "bench" / "quality.py")], check=True, cwd=REPO)
    scale_args = ["--quick"] if quick else []
    subprocess.run([py, str(REPO / "bench" / "scale.py"), *scale_args], check=True, cwd=REPO)
    quality = DOC.read_text(encoding="utf-8")
    body = quality.split("\n", 1)[1] if quality.startswith("# Benchmarks") else quality
    head = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python bench/run.py`; "
        "`bench/run.py --quick` for a smoke run). Machine:",
        "",
        *machine(),
        "",
        "The machine is shared with other work while the benchmark runs, so single figures",
        "can wobble by tens of percent between runs; the shape does not.",
    ]
    text = "\n".join(head) + "\n" + body.rstrip() + "\n\n" + PART.read_text(encoding="utf-8")
    text = text.rstrip() + "\n" + WEAK
    DOC.write_text(text, encoding="utf-8")
    PART.unlink()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
