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
- **Disasters.** Top-1 is about 0.80 on 20,000 open reports (the right report is not among
  the 50 scored fully for about one child in eight), and recall of `match: true` fell to
  about 0.33 (from 0.42) when the null mass began to grow with the number of plausible open
  reports (density power 0.75, counted over two days back): precision is 1.0 there now.
- **The posterior is fitted on the development set too** (with the seed-101 scenes); its
  cross-validated recall (0.85, posterior and weights fitted on the other half) is the
  honest figure, and the density power and threshold (0.96) were chosen by hand between
  fits aimed at precision 0.99 and 0.995 on the fitting scenes.
- **Names that differ in their first sound** (Jazmin / Yasmin, J/Y, Kh/H) are not caught
  by metaphone or NYSIIS; only nickname lists and the consonant skeleton bridge some.
- **Other languages' clothing words** cover Spanish, French and Portuguese only; a colour
  written after its garment is read only at the end of a comma-separated piece.
- **Index memory** is about 600 MiB at 1,000,000 open reports.
"""


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    py = sys.executable
    subprocess.run([py, str(REPO / "bench" / "quality.py")], check=True, cwd=REPO)
    scale_args = ["--quick"] if quick else []
    subprocess.run([py, str(REPO / "bench" / "scale.py"), *scale_args], check=True, cwd=REPO)
    quality = DOC.read_text(encoding="utf-8")
    body = quality.split("\n", 1)[1] if quality.startswith("# Benchmarks") else quality
    # bench/quality.py keeps the previous run's other sections: only its own part is kept
    body = body.split("\n## Synthetic scenes")[0]
    mark = body.find("## Matching quality")
    body = "\n" + body[mark:] if mark >= 0 else body
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
