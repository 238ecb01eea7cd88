"""`showup match`: rank missing reports for every found report (the contract's command).

    showup match --missing MISSING.jsonl --found FOUND.jsonl [--top K] [--skip-invalid]

The missing file is read whole (it becomes the index); the found file is streamed, and its
output is spooled to a temporary file until the end, because an invalid line anywhere must
mean "exit 2 without any output".
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from matching.candidate import Candidate
from matching.engine import Matcher
from matching.report import ChildReport
from matching.schema import validation_error

EXIT_INVALID = 2
MAX_REPORTED = 50  # per file: enough to fix a file, without flooding the terminal


@dataclass
class _Problems:
    """Counts and reports invalid lines on stderr."""

    skip: bool
    count: int = 0

    def report(self, path: str, lineno: int, reason: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED:
            action = "skipped" if self.skip else "invalid"
            print(f"{path}:{lineno}: {action}: {reason}", file=sys.stderr)

    def finish(self) -> None:
        if self.count > MAX_REPORTED:
            print(f"... {self.count - MAX_REPORTED} more invalid line(s)", file=sys.stderr)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _decode(line: str) -> tuple[dict[str, Any] | None, str | None]:
    # orjson is several times faster and, like the contract, rejects NaN and Infinity; a
    # line it refuses is decoded again by the standard library for the same message as
    # before (and for the few things orjson refuses that JSON allows, e.g. huge integers).
    try:
        return orjson.loads(line), None
    except orjson.JSONDecodeError:
        pass
    try:
        obj = json.loads(line, parse_constant=_reject_constant)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        return None, f"not valid JSON: {exc}"
    return obj, None


def _reports(path: str, kind: str, problems: _Problems) -> Iterator[ChildReport]:
    """Valid reports of `kind` from a JSON-lines file; invalid lines go to `problems`."""
    # utf-8-sig: a BOM at the start (Windows editors, Excel exports) is dropped.
    with open(path, encoding="utf-8-sig", errors="strict", newline=None) as fh:
        lineno = 0
        while True:
            lineno += 1
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                problems.report(path, lineno, f"not UTF-8 text ({exc.reason})")
                return
            if not line:
                return
            if not line.strip():
                continue
            obj, reason = _decode(line)
            if obj is not None:
                reason = validation_error(obj, kind)
            if reason is not None or obj is None:
                problems.report(path, lineno, reason or "invalid")
                continue
            yield ChildReport.from_dict(obj)


def _line(found_id: str, cands: list[Candidate]) -> str:
    out = {
        "found": found_id,
        "candidates": [
            {"missing": c.other_id, "score": c.score, "match": c.match, "reasons": c.reasons}
            for c in cands
        ],
    }
    # ensure_ascii as before (json.dumps' default), so the output bytes do not change
    return json.dumps(out) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="showup match", description="Rank missing reports for every found report."
    )
    p.add_argument("--missing", required=True, help="missing reports, JSON lines")
    p.add_argument("--found", required=True, help="found reports, JSON lines")
    p.add_argument("--top", type=int, default=3, help="candidates per found report (3)")
    p.add_argument("--skip-invalid", action="store_true", help="report invalid lines and go on")
    return p


def _run(args: argparse.Namespace, out: IO[str]) -> int:
    problems = _Problems(skip=args.skip_invalid)
    matcher = Matcher()
    # Half a million reports are millions of small objects that live to the end: the cyclic
    # garbage collector would rescan them again and again, so it is paused while the index
    # is built and the built index is then frozen out of its reach.
    gc.disable()
    try:
        index = matcher.build_index(_reports(args.missing, "missing", problems))
    finally:
        gc.freeze()
        gc.enable()
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8") as spool:
        for found in _reports(args.found, "found", problems):
            spool.write(_line(found.id, index.rank(found, top=args.top)))
        problems.finish()
        if problems.count and not args.skip_invalid:
            return EXIT_INVALID
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `showup match`; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return int(exc.code or 0)
    if args.top < 0:
        print("showup match: --top must be 0 or more", file=sys.stderr)
        return EXIT_INVALID
    try:
        return _run(args, sys.stdout)
    except OSError as exc:
        print(f"showup match: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
