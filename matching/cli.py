"""`showup match`: rank missing reports for every found report (the contract's command).

    showup match --missing MISSING.jsonl --found FOUND.jsonl [--top K] [--skip-invalid]

The missing file is read whole (it becomes the index); the found file is streamed, and its
output is spooled to a temporary file until the end, because an invalid line anywhere must
mean "exit 2 without any output".
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, NoReturn

import numpy as np
import orjson

from matching.candidate import Candidate
from matching.engine import Matcher, ReportIndex, filed_postings
from matching.report import ChildReport
from matching.schema import validation_error

EXIT_INVALID = 2
MAX_REPORTED = 50  # per file: enough to fix a file, without flooding the terminal
# The found reports are ranked by this many processes (forked once the index is built, so
# they share it copy-on-write); 1 ranks in this process alone. Default: the usable cores, at
# most MAX_PROCESSES. The output is the same bytes whatever the number.
PROCESSES_ENV = "SHOWUP_MATCH_PROCESSES"
MAX_PROCESSES = 2
# The build's child files the postings of CHILD_ROWS[0] rows in every CHILD_ROWS[1]: it
# parses the file as this process does, which builds everything else (measured balance).
CHILD_ROWS = (3, 4)
# Found reports ranked per round of forks: bounds what is held in memory, and a fork of a
# big index costs tens of milliseconds, small beside a block's ranking.
BLOCK = 4096


@dataclass
class _Problems:
    """Counts and reports invalid lines on stderr."""

    skip: bool
    count: int = 0
    quiet: bool = False  # count only (a second reader of a file already reported)

    def report(self, path: str, lineno: int, reason: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED and not self.quiet:
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
    processes = _processes()
    gc.disable()
    try:
        index = _build(matcher, args.missing, problems, processes)
    finally:
        gc.freeze()
        gc.enable()
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8") as spool:
        found = _reports(args.found, "found", problems)
        while block := list(itertools.islice(found, BLOCK)):
            spool.writelines(_rank_block(index, block, args.top, processes))
        problems.finish()
        if problems.count and not args.skip_invalid:
            return EXIT_INVALID
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    out.flush()
    return 0


def _processes() -> int:
    """How many processes rank the found reports (PROCESSES_ENV, else the usable cores)."""
    raw = os.environ.get(PROCESSES_ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            print(f"showup match: ignoring {PROCESSES_ENV}={raw!r}", file=sys.stderr)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_PROCESSES, cores))


def _build(matcher: Matcher, path: str, problems: _Problems, processes: int) -> ReportIndex:
    """The index of the missing reports of `path`.

    With two processes or more, a forked child reads the file too and files the postings
    (index keys, hashed: about half the build) of most rows (CHILD_ROWS) while this
    process builds the rest; the index then adopts them. Both number the valid reports in
    file order, as `add` does, and postings are kept sorted by (composite, row), so the
    index is the one a single process builds; a file that repeats an id (a report replaced,
    rows renumbered) is built again in this process alone."""
    if processes < 2 or not hasattr(os, "fork"):
        return matcher.build_index(_reports(path, "missing", problems))
    with tempfile.TemporaryFile() as sink:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _write_postings(path, sink)  # never returns
        try:
            reports = _reports(path, "missing", problems)
            index = ReportIndex(matcher, reports, file_postings=_parent_rows)
        finally:
            _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0 and not index.replaced:
            sink.seek(0)
            (n,) = np.fromfile(sink, dtype=np.uint64, count=1).tolist()
            keys = np.fromfile(sink, dtype=np.uint64, count=n)
            rows = np.fromfile(sink, dtype=np.uint32, count=n)
            index.adopt_postings(keys, rows)
            return index
    del index
    return matcher.build_index(_reports(path, "missing", _Problems(skip=True, quiet=True)))


def _parent_rows(row: int) -> bool:
    return row % CHILD_ROWS[1] >= CHILD_ROWS[0]


def _child_rows(row: int) -> bool:
    return row % CHILD_ROWS[1] < CHILD_ROWS[0]


def _write_postings(path: str, sink: IO[bytes]) -> NoReturn:
    """In a forked child: write the postings of the child's rows of the valid reports of
    `path` to `sink` (count, keys, rows) and exit (0: written)."""
    status = 1
    try:
        reports = _reports(path, "missing", _Problems(skip=True, quiet=True))
        keys, rows = filed_postings(reports, _child_rows)
        sink.write(np.array([len(keys)], dtype=np.uint64).tobytes())
        sink.write(keys.astype(np.uint64).tobytes())
        sink.write(rows.astype(np.uint32).tobytes())
        sink.flush()
        status = 0
    finally:
        os._exit(status)


def _rank_lines(index: ReportIndex, reports: list[ChildReport], top: int) -> list[str]:
    return [_line(r.id, index.rank(r, top=top)) for r in reports]


def _fork_ranker(index: ReportIndex, share: list[ChildReport], top: int, sink: IO[bytes]) -> int:
    """Fork a child that writes the lines of `share` to `sink` and exits; its pid."""
    pid = os.fork()
    if pid == 0:  # the child leaves without cleanup: the files and buffers are the parent's
        status = 1
        try:
            sink.write("".join(_rank_lines(index, share, top)).encode("ascii"))
            sink.flush()
            status = 0
        finally:
            os._exit(status)
    return pid


def _rank_block(
    index: ReportIndex, block: list[ChildReport], top: int, processes: int
) -> list[str]:
    """The output lines of `block`, in its order.

    With several processes, report i goes to share i % n (striped: neighbouring reports
    cost alike); shares 1.. are ranked by forked children, each writing its lines to a file
    of its own, and share 0 here. A query reads the index and changes nothing any other
    query reads, so a share ranked apart gives the lines it would give in one process. A
    child that fails has its share ranked here instead."""
    n = min(processes, len(block)) if hasattr(os, "fork") else 1
    if n <= 1:
        return _rank_lines(index, block, top)
    shares = [block[i::n] for i in range(n)]
    sys.stdout.flush()
    sys.stderr.flush()
    with contextlib.ExitStack() as stack:
        children: list[tuple[int, IO[bytes]]] = []
        for share in shares[1:]:
            sink = stack.enter_context(tempfile.TemporaryFile())
            children.append((_fork_ranker(index, share, top, sink), sink))
        results = [_rank_lines(index, shares[0], top)]
        for (pid, done), share in zip(children, shares[1:], strict=True):
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                done.seek(0)
                # the lines are JSON with ensure_ascii: no line break inside one
                results.append([b.decode("ascii") for b in done.read().splitlines(keepends=True)])
            else:
                results.append(_rank_lines(index, share, top))
    lines = [""] * len(block)
    for i, got in enumerate(results):
        lines[i::n] = got
    return lines


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
