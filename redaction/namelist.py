"""The list of given names that `redaction.names` detects in free text, built from the
names-dataset package (first names by country, from public social-network profiles).

names-dataset's own loader reads a 25 MB gzipped pickle of 727,556 first names: about 5 s
and a peak of about 875 MiB in one process (measured on the 2-core machine). That is too
much for a web process that moderates one thank-you note, so the list is built once from
the installed package (the most common `TOP` names of every country, folded to lowercase
ASCII like the matching engine's names, common words left out) and shipped as a small text
file beside this module. `given_names()` reads that file on first use (about 20 ms, a few
MiB) and keeps it for the life of the process.

Rebuild after upgrading names-dataset (a test compares the version in the header):

    .venv/bin/python -m redaction.namelist
"""

from __future__ import annotations

import gzip
import importlib.metadata
import pickle  # nosec B403
from functools import lru_cache
from pathlib import Path

from matching.text import fold

DATA = Path(__file__).with_name("data") / "given_names.txt"
# The most common names of each country (rank 1 = most common); 500 gives about 25,000
# names, enough for a safety net behind the names the records already know.
TOP = 500


def _dataset_version() -> str:
    return importlib.metadata.version("names-dataset")


def build(top: int = TOP) -> list[str]:
    """Folded given names ranked within `top` in at least one country, sorted. Loads the
    whole dataset: run it as a command, not in a web process."""
    import names_dataset

    src = Path(names_dataset.__file__).parent / "v3" / "first_names.pkl.gz"
    with gzip.open(src, "rb") as f:
        table = pickle.load(f)  # nosec B301
    out: set[str] = set()
    for name, info in table.items():
        ranks = info.get("rank") or {}
        if not ranks or min(ranks.values()) > top:
            continue
        folded = fold(name)
        if len(folded) >= 2 and folded.isalpha():
            out.add(folded)
    return sorted(out)


def write(path: Path = DATA, top: int = TOP) -> int:
    names = build(top)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# names-dataset {_dataset_version()}; top {top} first names per country; folded\n"
    path.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
    return len(names)


def header_version(path: Path = DATA) -> str:
    """The names-dataset version the shipped list was built from."""
    with path.open(encoding="utf-8") as f:
        first = f.readline()
    return first.split(";")[0].removeprefix("# names-dataset ").strip()


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """The shipped list of folded given names (read once per process)."""
    with DATA.open(encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and line[0] != "#")


def main() -> None:
    count = write()
    print(f"{count} names written to {DATA}")


if __name__ == "__main__":
    main()
