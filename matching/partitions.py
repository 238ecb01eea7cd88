"""Space-time partitions of the report index and the posting store behind them (issue 12).

A found child can only be a missing child who could have reached that place in the elapsed
time (matching/reach.py states the scorer's bounds). The index therefore files every report
under its place and time, and a query reads only the places and times within reach:

- **coarse partitions**: an H3 cell of resolution COARSE_RES (about 69 km edge) x a WEEK_H
  bucket of the report's time. A report's name and description keys are filed in its own
  partition only. A query reads the keys of every partition in the grid disk of COARSE_K
  cells around it (a disk that covers `REACH_KM` from any point of the centre cell,
  tests/test_partitions.py checks it, poles and antimeridian included) and in the weeks of
  the "warm" window (WARM_H back, the scorer's time tolerance forward; the other way round
  for a missing report). Older weeks of the same cells are read for name keys only (the
  "cold" pass): the scorer still calls such pairs plausible, with a penalty.
- **the "here" tier**: an H3 cell of resolution HERE_RES (about 1.4 km edge) x a HERE_H
  bucket, read WITHOUT keys: a nameless child found an hour later where another was lost is
  a candidate whatever was written about the clothes.
- **nowhere**: reports without coordinates sit in cell NOWHERE, which every query reads.

Nothing a query reads depends on reports outside these partitions, so adding reports in
another city or another month never changes what a query reads, and no budget is spent
before the exact test of reach (the engine's mask) has seen every candidate.

Storage: every posting is a (composite, row) pair, where the composite is a 64-bit mix of
(cell, time bucket, key hash). Postings live in two sorted numpy arrays (12 bytes a posting,
no Python object per key or per partition) plus a small dict of recent additions, merged
into the arrays when it grows past a share of them. A lookup is a `searchsorted` of the
query's composites. Two different (partition, key) pairs can mix to the same composite (two
partitions whose hashes share their first PART_BITS bits, with the same key: a few dozen of
the half a million "here" partitions at a million reports; or two keys of one partition whose
mixed ids share their first KEY_BITS bits, about one pair in a large partition): a query then
reads a few more rows, which the exact mask and the scorer judge like any other. Nothing is
ever missed.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from functools import lru_cache

import h3.api.basic_int as h3
import numpy as np

from matching.features import BEFORE_TOLERANCE_H, WEEKS_LATER_H
from matching.reach import FAR_LATE_KM, FAR_SOON_KM

COARSE_RES = 3
# Grid-disk radius read around a query: two rings cover REACH_KM from anywhere in the centre
# cell, the vertices of the small cells near the pentagons included (checked from the
# vertices of every seventh res-3 cell on Earth, and in tests/test_partitions.py).
COARSE_K = 2
REACH_KM = max(FAR_SOON_KM, FAR_LATE_KM) * 1.2  # widest plausible distance, with a margin
WEEK_H = 7 * 24.0
WARM_H = WEEKS_LATER_H  # within two weeks every key is read; beyond, names only
HERE_RES = 7
HERE_K = 2
HERE_H = 6.0
NOWHERE = 0  # the cell of reports without coordinates
HERE_KEY = 0  # the key id of the "here" tier

_M64 = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15  # odd: key_id * _MIX is one-to-one modulo 2**64
_SPLIT1, _SPLIT2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _scramble(x: int) -> int:
    """splitmix64's finaliser: every input bit moves about half the output bits."""
    x &= _M64
    x ^= x >> 30
    x = (x * _SPLIT1) & _M64
    x ^= x >> 27
    x = (x * _SPLIT2) & _M64
    return x ^ (x >> 31)


def partition_hash(cell: int, bucket: int) -> int:
    """A 64-bit stand-in for (cell, time bucket): stable across processes and hash seeds."""
    return _scramble(_scramble(cell) ^ (bucket & _M64))


@lru_cache(maxsize=1 << 16)
def key_hash(key: str) -> int:
    """A blocking key's 64-bit id: stable across processes and hash seeds, and kept in no
    table (a dict from a million key strings to ids would cost about 120 MiB at a million
    reports). Common keys (names, garments at every age) hit the small cache."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


# A composite is partition-major: the high PART_BITS of the partition's hash, then the high
# KEY_BITS of the mixed key id. The postings of one partition therefore lie together in the
# sorted arrays, and a query's sorted needles (a few partitions x its keys) search a few small
# regions that stay in cache, instead of 2,000 scattered binary searches over 20 million
# postings (which were two thirds of a slow query at a million reports).
PART_BITS = 32
KEY_BITS = 64 - PART_BITS
_PART_MASK = ((1 << PART_BITS) - 1) << KEY_BITS


def composite(part: int, key_id: int) -> int:
    """The posting key of `key_id` in the partition whose hash is `part`."""
    return (part & _PART_MASK) | (((key_id * _MIX) & _M64) >> PART_BITS)


def placed(lat: float | None, lon: float | None) -> bool:
    return (
        lat is not None
        and lon is not None
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90.0 <= lat <= 90.0
    )


def coarse_cell(lat: float | None, lon: float | None) -> int:
    if lat is None or lon is None or not placed(lat, lon):
        return NOWHERE
    return int(h3.latlng_to_cell(lat, lon, COARSE_RES))


def here_cell(lat: float, lon: float) -> int:
    return int(h3.latlng_to_cell(lat, lon, HERE_RES))


def week(hours: float) -> int:
    return math.floor(hours / WEEK_H)


def here_bucket(hours: float) -> int:
    return math.floor(hours / HERE_H)


def coarse_disk(cell: int) -> list[int]:
    """The coarse cells a query in `cell` reads (sorted; NOWHERE for a query with no place
    is handled by the caller, which reads every cell)."""
    return sorted(int(c) for c in h3.grid_disk(cell, COARSE_K))


def here_partitions(lat: float, lon: float, hours: float) -> list[int]:
    """Partition hashes of the "here" tier around a place and time: the fine cells of the
    disk x the bucket of `hours` and its two neighbours (at least HERE_H either way)."""
    b = here_bucket(hours)
    cells = h3.grid_disk(here_cell(lat, lon), HERE_K)
    return [partition_hash(int(c), b + d) for c in cells for d in (-1, 0, 1)]


def warm_weeks(hours: float, query_is_found: bool) -> range:
    """The weeks whose reports are within the warm window of a query at `hours`: a found
    child is read against children lost up to WARM_H before and BEFORE_TOLERANCE_H after;
    a missing child against children found BEFORE_TOLERANCE_H before to WARM_H after."""
    if query_is_found:
        return range(week(hours - WARM_H), week(hours + BEFORE_TOLERANCE_H) + 1)
    return range(week(hours - BEFORE_TOLERANCE_H), week(hours + WARM_H) + 1)


def is_cold(wk: int, warm: range, query_is_found: bool) -> bool:
    """A week beyond the warm window on the plausible side (older for a found child, later
    for a missing child); weeks on the other side are never plausible."""
    return wk < warm.start if query_is_found else wk >= warm.stop


class PostingStore:
    """(composite, row) postings: two sorted numpy arrays, a dict of recent ones and a flat
    list of pending ones.

    `add` only appends to the pending list (flat arrays, no object per posting), so a warm-up
    that adds a million reports before its first query sorts once. A lookup first settles
    the pending postings: into the dict when few (a worker adding a report between queries),
    into the sorted arrays, with the dict, once they pass a share of them.

    Rows are only ever appended with growing numbers (the index renumbers in `renumber`,
    keeping the order), so within one composite the rows stay in ascending order."""

    __slots__ = (
        "_delta",
        "_delta_n",
        "_dir",
        "_dir_of",
        "_pend_kids",
        "_pend_parts",
        "_pend_rows",
        "keys",
        "rows",
    )

    MERGE_MIN = 1 << 16  # recent postings kept in the dict before a merge ...
    MERGE_SHARE = 8  # ... or this fraction of the sealed postings, whichever is more

    def __init__(self) -> None:
        self.keys = np.empty(0, dtype=np.uint64)
        self.rows = np.empty(0, dtype=np.uint32)
        self._delta: dict[int, list[int]] = {}
        self._delta_n = 0
        self._pend_parts = array("Q")
        self._pend_kids = array("Q")
        self._pend_rows = array("I")
        # The partitions' blocks in `keys`: each prefix and where its block starts (and, last,
        # the end); rebuilt when `keys` is replaced (`_dir_of` is the array it describes).
        self._dir: tuple[np.ndarray, np.ndarray] = (np.empty(0, np.uint64), np.zeros(1, np.int64))
        self._dir_of: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.keys) + self._delta_n + len(self._pend_rows)

    def add(self, parts: list[int], key_ids: list[int], row: int) -> None:
        """File `composite(parts[i], key_ids[i])` for every i under `row`."""
        self._pend_parts.extend(parts)
        self._pend_kids.extend(key_ids)
        self._pend_rows.extend([row] * len(key_ids))

    def pending(self) -> tuple[np.ndarray, np.ndarray]:
        """Take the pending postings out: (composites, rows), in the order added."""
        return self._pending()

    def merge(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """File postings computed elsewhere (`pending` of another store), whatever their
        rows: everything is sorted again by (composite, row), as if added here."""
        self.seal()
        new_k = np.concatenate((self.keys, keys.astype(np.uint64, copy=False)))
        new_r = np.concatenate((self.rows, rows.astype(np.uint32, copy=False)))
        order = np.lexsort((new_r, new_k))
        self.keys, self.rows = new_k[order], new_r[order]

    def _pending(self) -> tuple[np.ndarray, np.ndarray]:
        keys = _mix(
            np.frombuffer(self._pend_parts, dtype=np.uint64),
            np.frombuffer(self._pend_kids, dtype=np.uint64),
        )
        rows = np.frombuffer(self._pend_rows, dtype=np.uint32).copy()
        self._pend_parts, self._pend_kids, self._pend_rows = array("Q"), array("Q"), array("I")
        return keys, rows

    def settle(self) -> None:
        """Make the pending postings visible to `lookup`."""
        if not self._pend_rows:
            return
        if len(self) - len(self.keys) > max(self.MERGE_MIN, len(self.keys) // self.MERGE_SHARE):
            self.seal()
            return
        keys, rows = self._pending()
        delta = self._delta
        for c, r in zip(keys.tolist(), rows.tolist(), strict=True):
            got = delta.get(c)
            if got is None:
                delta[c] = [r]
            else:
                got.append(r)
        self._delta_n += len(rows)

    def seal(self) -> None:
        """Merge the recent and pending postings into the sorted arrays."""
        parts_k, parts_r = [], []
        if self._pend_rows:
            keys, rows = self._pending()
            parts_k.append(keys)
            parts_r.append(rows)
        if self._delta:
            ks = np.fromiter(
                (c for c, rows in self._delta.items() for _ in rows), np.uint64, self._delta_n
            )
            rs = np.fromiter(
                (r for rows in self._delta.values() for r in rows), np.uint32, self._delta_n
            )
            parts_k.append(ks)
            parts_r.append(rs)
        if not parts_k:
            return
        new_k = np.concatenate(parts_k)
        new_r = np.concatenate(parts_r)
        order = np.lexsort((new_r, new_k))
        new_k, new_r = new_k[order], new_r[order]
        if len(self.keys):
            # every new row is above every sealed row: after them within a composite
            at = np.searchsorted(self.keys, new_k, side="right")
            self.keys = np.insert(self.keys, at, new_k)
            self.rows = np.insert(self.rows, at, new_r)
        else:
            self.keys, self.rows = new_k, new_r
        self._delta, self._delta_n = {}, 0

    def distinct(self) -> int:
        """How many different composites are filed."""
        self.seal()
        return int(np.count_nonzero(np.diff(self.keys))) + 1 if len(self.keys) else 0

    def renumber(self, new_of: np.ndarray) -> None:
        """Map every row through `new_of` (old row -> new row, -1: dropped), keeping order."""
        self.seal()
        mapped = new_of[self.rows]
        keep = mapped >= 0
        self.keys = self.keys[keep]
        self.rows = mapped[keep].astype(np.uint32)

    def _directory(self) -> tuple[np.ndarray, np.ndarray]:
        if self._dir_of is not self.keys:
            prefixes = self.keys >> np.uint64(KEY_BITS)
            starts = np.flatnonzero(np.diff(prefixes)) + 1
            starts = np.concatenate((np.zeros(min(1, len(prefixes)), np.int64), starts))
            self._dir = (prefixes[starts], np.append(starts, len(prefixes)).astype(np.int64))
            self._dir_of = self.keys
        return self._dir

    def _bounds(self, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each of the sorted `needles` starts and ends in `keys`. Each needle is looked
        for only inside its partition's block (a few thousand postings that stay in cache),
        not over all of them: at a million reports a query's thousands of binary searches
        over 20 million scattered postings cost more than the rest of the query."""
        heads, edges = self._directory()
        lo = np.zeros(len(needles), np.int64)
        hi = np.zeros(len(needles), np.int64)
        if not len(heads) or not len(needles):
            return lo, hi
        prefixes = needles >> np.uint64(KEY_BITS)
        at = np.minimum(np.searchsorted(heads, prefixes), len(heads) - 1)
        filed = np.flatnonzero(heads[at] == prefixes)  # needles whose partition has postings
        if not len(filed):
            return lo, hi
        # sorted needles of one partition are neighbours: one group per block
        cuts = np.flatnonzero(np.diff(at[filed])) + 1
        for group in np.split(filed, cuts):
            a = int(at[group[0]])
            start, end = int(edges[a]), int(edges[a + 1])
            block, wanted = self.keys[start:end], needles[group]
            lo[group] = start + np.searchsorted(block, wanted, side="left")
            hi[group] = start + np.searchsorted(block, wanted, side="right")
        return lo, hi

    def lookup(self, composites: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows filed under each of `composites` (unique), with that composite's weight."""
        self.settle()
        order = np.argsort(composites)  # sorted needles: the binary searches share cache lines
        composites, weights = composites[order], weights[order]
        lo, hi = self._bounds(composites)
        lens = hi - lo
        total = int(lens.sum())
        if total:
            ends = np.cumsum(lens)
            idx = np.arange(total) + np.repeat(lo - (ends - lens), lens)
            rows = self.rows[idx]
            w = np.repeat(weights, lens)
        else:
            rows, w = np.empty(0, dtype=np.uint32), np.empty(0, dtype=weights.dtype)
        if self._delta:
            extra_r: list[int] = []
            extra_w: list[int] = []
            get = self._delta.get
            for c, wt in zip(composites.tolist(), weights.tolist(), strict=True):
                got = get(c)
                if got:
                    extra_r += got
                    extra_w += [wt] * len(got)
            if extra_r:
                rows = np.concatenate((rows, np.array(extra_r, dtype=np.uint32)))
                w = np.concatenate((w, np.array(extra_w, dtype=weights.dtype)))
        return rows, w


def _mix(parts: np.ndarray, key_ids: np.ndarray) -> np.ndarray:
    """`composite` over numpy arrays (broadcasting)."""
    mixed = key_ids * np.uint64(_MIX)  # wraps modulo 2**64
    return (parts & np.uint64(_PART_MASK)) | (mixed >> np.uint64(PART_BITS))


def composites(parts: list[int], key_ids: list[int]) -> np.ndarray:
    """`composite(p, k)` for every partition hash p of `parts` and key id k of `key_ids`."""
    p = np.array(parts, dtype=np.uint64)[:, None]
    k = np.array(key_ids, dtype=np.uint64)[None, :]
    return np.ravel(_mix(p, k))
