"""Synthetic child reports at scale, generated in code (no record of the dev set is copied).

    .venv/bin/python bench/synth.py --missing 500000 --found 2700 --out /tmp/synth

writes MISSING.jsonl, FOUND.jsonl and truth.jsonl in the contract's format.

Names come from Faker's lists for sixteen locales (see namepool.py: English, Spanish,
Portuguese, French, Filipino, Polish, Vietnamese, Chinese, Korean, Japanese, Arabic, Persian,
Russian, Ukrainian, Hindi) with a realistic skew (a few names are very common), written in
the native script or romanised by ear, with nicknames and diminutives, spelling mistakes and
letter case variation; 8% of missing children are a sibling of another (same family name,
place and time), and a fifth of found children give no name.

A found report is what an officer writes about a child who belongs to one missing report
(or to none): the name the child gave (a nickname, another script, a misspelling, or
nothing), an age estimate whose error grows with age, the clothing in other
words, and a place and time that depend on the scene:

- ``ordinary``: spread over several cities and weeks; found within hours, walking distance.
- ``fair``: thousands of children within 2 km in the same afternoon; place and time tell
  nothing.
- ``disaster``: children last seen across a 30 km region, found 1-7 days later at shelters
  10-60 km away.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from namepool import LOCALE_WEIGHTS, LOCALES, Locale, draw, latin_form, nickname, pools

Report = dict[str, Any]
SIBLINGS = 0.08  # share of missing reports that are a brother or sister of the previous one

# ---- names: see namepool.py (Faker's per-locale lists with a Zipf-like skew) -------------

# ---- clothing and items --------------------------------------------------------------------
# family -> words a guardian or an officer may use for it
COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("red", "crimson", "scarlet", "dark red"),
    "pink": ("pink", "rose", "light pink", "hot pink"),
    "orange": ("orange", "bright orange"),
    "yellow": ("yellow", "mustard", "golden"),
    "green": ("green", "lime", "dark green", "mint"),
    "blue": ("blue", "navy", "light blue", "dark blue", "royal blue"),
    "purple": ("purple", "violet", "lilac", "lavender"),
    "brown": ("brown", "tan", "chocolate"),
    "black": ("black",),
    "white": ("white", "cream", "off-white"),
    "grey": ("grey", "gray", "charcoal", "silver"),
}
# slot -> kinds -> words
GARMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "top": {
        "hoodie": ("hoodie", "hooded sweatshirt", "sweatshirt", "hoody"),
        "sweater": ("sweater", "jumper", "pullover", "cardigan"),
        "shirt": ("t-shirt", "tee", "shirt", "top", "polo shirt"),
    },
    "outer": {"jacket": ("jacket", "coat", "raincoat", "windbreaker", "puffer jacket")},
    "legs": {
        "pants": ("jeans", "trousers", "pants", "joggers", "sweatpants"),
        "shorts": ("shorts",),
        "skirt": ("skirt",),
        "leggings": ("leggings", "tights"),
    },
    "body": {"dress": ("dress", "sundress"), "overalls": ("overalls", "dungarees")},
    "feet": {
        "sneakers": ("sneakers", "trainers", "tennis shoes", "running shoes"),
        "sandals": ("sandals", "flip-flops", "slides"),
        "boots": ("boots", "rain boots", "wellies"),
        "clogs": ("crocs", "clogs"),
    },
}
ITEMS: tuple[tuple[str, ...], ...] = (
    ("plush dog", "stuffed puppy", "toy dog"),
    ("teddy bear", "teddy", "stuffed bear"),
    ("toy truck", "toy car", "little car"),
    ("plastic dinosaur", "toy dino", "t-rex toy"),
    ("backpack", "school bag", "rucksack"),
    ("tablet", "ipad"),
    ("balloon", "red balloon"),
    ("blanket", "blankie"),
    ("doll", "barbie doll"),
    ("stuffed bunny", "toy rabbit"),
    ("soccer ball", "football", "ball"),
    ("water bottle", "bottle"),
    ("unicorn plush", "toy unicorn"),
)

# ---- places ---------------------------------------------------------------------------------
CITIES: tuple[tuple[float, float], ...] = (
    (34.05, -118.25),
    (40.71, -74.0),
    (41.88, -87.63),
    (29.76, -95.37),
    (33.45, -112.07),
    (19.43, -99.13),
    (10.82, 106.63),
    (31.23, 121.47),
    (30.04, 31.24),
    (50.45, 30.52),
    (28.61, 77.21),
    (51.51, -0.13),
)
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _offset(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    dlat = km / 111.0 * math.cos(bearing)
    dlon = km / (111.0 * max(0.2, math.cos(math.radians(lat)))) * math.sin(bearing)
    return round(max(-90.0, min(90.0, lat + dlat)), 6), round(((lon + dlon + 180) % 360) - 180, 6)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass(frozen=True)
class Scene:
    """Where and when the children of one event are lost and found."""

    kind: str  # ordinary | fair | disaster
    lat: float
    lon: float
    start: datetime
    shelters: tuple[tuple[float, float], ...] = ()
    # an ordinary scene's spread (a fair and a disaster have their own, fixed shapes)
    radius_km: float = 25.0
    span_days: float = 60.0


class Synth:
    """Deterministic generator (seeded)."""

    def __init__(self, seed: int = 7) -> None:
        self.rnd = random.Random(seed)

    # -- scenes ----------------------------------------------------------------------------

    def scene(self, kind: str) -> Scene:
        r = self.rnd
        lat, lon = r.choice(CITIES)
        lat, lon = _offset(lat, lon, r.uniform(0, 20), r.uniform(0, 2 * math.pi))
        start = T0 + timedelta(days=r.uniform(-30, 30))
        shelters: tuple[tuple[float, float], ...] = ()
        if kind == "disaster":
            shelters = tuple(
                _offset(lat, lon, r.uniform(10, 60), r.uniform(0, 2 * math.pi)) for _ in range(12)
            )
        return Scene(kind, lat, lon, start, shelters)

    def _lost_where_when(self, s: Scene) -> tuple[float, float, datetime]:
        r = self.rnd
        if s.kind == "fair":
            lat, lon = _offset(s.lat, s.lon, 2.0 * math.sqrt(r.random()), r.uniform(0, 6.3))
            return lat, lon, s.start + timedelta(minutes=r.uniform(0, 240))
        if s.kind == "disaster":
            lat, lon = _offset(s.lat, s.lon, 30.0 * math.sqrt(r.random()), r.uniform(0, 6.3))
            return lat, lon, s.start + timedelta(minutes=r.uniform(0, 24 * 60))
        lat, lon = _offset(s.lat, s.lon, r.uniform(0, s.radius_km), r.uniform(0, 6.3))
        return lat, lon, s.start + timedelta(days=r.uniform(0, s.span_days))

    def _found_where_when(self, s: Scene, lat: float, lon: float, t: datetime) -> Report:
        r = self.rnd
        if s.kind == "disaster":
            slat, slon = r.choice(s.shelters)
            when = t + timedelta(hours=r.uniform(20, 7 * 24))
            return {"lat": slat, "lon": slon, "time": _iso(when), "place": "shelter"}
        hours = r.uniform(0.1, 3.0) if s.kind == "fair" else r.uniform(0.2, 8.0)
        if r.random() < 0.05:
            hours = -r.uniform(0.2, 2.0)  # found before the guardian's "last seen"
        km = r.uniform(0, 1.5) if s.kind == "fair" else r.uniform(0, 1.0 + hours)
        flat, flon = _offset(lat, lon, abs(km), r.uniform(0, 6.3))
        return {"lat": flat, "lon": flon, "time": _iso(t + timedelta(hours=hours))}

    # -- descriptions ----------------------------------------------------------------------

    def _outfit(self, sex: str) -> list[tuple[str, str, str]]:
        """[(slot, kind, colour family)]"""
        r = self.rnd
        fams = list(COLOURS)
        out: list[tuple[str, str, str]] = []
        if sex == "female" and r.random() < 0.3:
            out.append(("body", r.choice(list(GARMENTS["body"])), r.choice(fams)))
        else:
            out.append(("top", r.choice(list(GARMENTS["top"])), r.choice(fams)))
            legs = [k for k in GARMENTS["legs"] if sex == "female" or k not in ("skirt",)]
            out.append(("legs", r.choice(legs), r.choice(fams)))
        if r.random() < 0.25:
            out.append(("outer", "jacket", r.choice(fams)))
        if r.random() < 0.7:
            out.append(("feet", r.choice(list(GARMENTS["feet"])), r.choice(fams)))
        return out

    def _describe(self, outfit: list[tuple[str, str, str]], drop: float, wrong: float) -> str:
        r = self.rnd
        words: list[str] = []
        for slot, kind, fam in outfit:
            if r.random() < drop:
                continue
            if r.random() < wrong:
                fam = r.choice(list(COLOURS))
            colour = r.choice(COLOURS[fam]) if r.random() < 0.92 else ""
            noun = r.choice(GARMENTS[slot][kind])
            words.append(f"{colour} {noun}".strip())
        return ", ".join(words)

    # -- names -----------------------------------------------------------------------------

    def _misspell(self, s: str) -> str:
        r = self.rnd
        if len(s) < 4 or not s.isascii():
            return s
        i = r.randrange(1, len(s) - 1)
        op = r.random()
        if op < 0.3:
            return s[:i] + s[i + 1 :]  # dropped letter
        if op < 0.55:
            return s[:i] + s[i] + s[i:]  # doubled letter
        if op < 0.8:
            return s[: i - 1] + s[i] + s[i - 1] + s[i + 1 :]  # swapped
        vowels = "aeiouy"
        j = next((k for k in range(i, len(s)) if s[k].lower() in vowels), i)
        return s[:j] + r.choice(vowels) + s[j + 1 :]

    def _case(self, s: str) -> str:
        x = self.rnd.random()
        return s.upper() if x < 0.08 else (s.lower() if x < 0.16 else s)

    def _latin(self, native: str, loc: Locale) -> str:
        return latin_form(native, loc.script, self.rnd, pools(loc.code).latin)

    def _guardian_writes(self, native: str, loc: Locale) -> str:
        """A guardian writes in their own script about half the time, else in Latin."""
        if loc.script == "latin" or (loc.script != "viet" and self.rnd.random() < 0.45):
            return native
        if loc.script == "viet" and self.rnd.random() < 0.6:
            return native
        return self._latin(native, loc)

    def _said(self, native: str, loc: Locale) -> str:
        """What a found child's given name looks like on the officer's form."""
        r = self.rnd
        latin = self._latin(native, loc)
        nick = nickname(latin, loc.lang, r) if r.random() < 0.25 else None
        if nick:
            said = nick
        elif loc.script != "latin" and r.random() < 0.15:
            said = native  # a volunteer who reads and writes the child's script
        else:
            said = latin
        if r.random() < 0.12:
            said = self._misspell(said)
        return self._case(said)

    # -- reports ---------------------------------------------------------------------------

    def missing(
        self, i: int, scene: Scene, sibling_of: dict[str, Any] | None = None
    ) -> tuple[Report, dict[str, Any]]:
        """A missing report and the hidden truth about the child (to derive found reports).

        With `sibling_of`, a brother or sister lost at the same time and place: same
        family name, language and guardian, another given name and age."""
        r = self.rnd
        loc = r.choices(LOCALES, LOCALE_WEIGHTS)[0] if sibling_of is None else sibling_of["loc"]
        pl = pools(loc.code)
        sex = r.choice(("male", "female"))
        given = draw(r, pl.boys if sex == "male" else pl.girls)
        if sibling_of is not None:
            for _ in range(5):  # siblings rarely share a given name
                if given != sibling_of["given"]:
                    break
                given = draw(r, pl.boys if sex == "male" else pl.girls)
            family = sibling_of["family"]
            if sibling_of["sex"] != sex and pl.family_m is not pl.family_f:
                family = _gendered(family, sex)
            age = min(17, max(0, sibling_of["age"] + r.choice((-4, -3, -2, -1, 1, 2, 3, 4))))
            lat, lon, t = sibling_of["lat"], sibling_of["lon"], sibling_of["t"]
        else:
            family = draw(r, pl.family_m if sex == "male" else pl.family_f)
            age = min(17, max(0, int(r.triangular(1, 17, 6))))
            lat, lon, t = self._lost_where_when(scene)
        outfit = self._outfit(sex)
        item = r.choice(ITEMS) if r.random() < 0.35 else None
        hair = r.choice(loc.hair)
        written = self._guardian_writes(given, loc)
        d: Report = {
            "id": f"M-S{i:07d}",
            "kind": "missing",
            "given_name": self._case(written),
            "family_name": self._case(self._guardian_writes(family, loc)),
            "age_years": age,
            "sex": sex,
            "hair": hair,
            "clothing": self._describe(outfit, 0.0, 0.0),
            "languages": [loc.lang, "en"] if loc.lang != "en" else ["en"],
            "lat": lat,
            "lon": lon,
            "time": _iso(t),
            "guardian": {"name": f"Guardian {i}", "phone": f"+1555{i % 10_000_000:07d}"},
        }
        if r.random() < 0.04:
            d["family_name"] = ""  # a form left half filled
        others: list[str] = []
        if loc.script != "latin" and written == given and r.random() < 0.5:
            others.append(self._latin(given, loc))  # "name in Latin letters"
        if r.random() < 0.25:
            nick = nickname(self._latin(given, loc), loc.lang, r)
            if nick:
                others.append(nick)
        if others:
            d["other_names"] = others
        if item:
            d["carrying"] = item[0]
        if r.random() < 0.3:
            d["height_cm"] = round(75 + 6.5 * age + r.gauss(0, 4))
        hidden = {
            "loc": loc,
            "given": given,
            "family": family,
            "age": age,
            "sex": sex,
            "outfit": outfit,
            "item": item,
            "hair": hair,
            "lat": lat,
            "lon": lon,
            "t": t,
        }
        return {k: v for k, v in d.items() if v != ""}, hidden

    def found_for(self, j: int, hidden: dict[str, Any], scene: Scene) -> Report:
        """An officer's report of the child behind `hidden`."""
        r = self.rnd
        loc: Locale = hidden["loc"]
        age = hidden["age"]
        est = age + r.gauss(0, 0.4 + 0.1 * age)
        half = 1 if age < 10 else 1.5
        d: Report = {"id": f"F-S{j:07d}", "kind": "found"}
        x = r.random()
        if x < 0.8:  # a fifth of found children give no name (too young, too scared)
            d["given_name"] = self._said(hidden["given"], loc)
        if x < 0.8 and r.random() < 0.35:
            fam = hidden["family"]
            written = (
                fam if (loc.script != "latin" and r.random() < 0.15) else self._latin(fam, loc)
            )
            if r.random() < 0.08:
                written = self._misspell(written)
            d["family_name"] = self._case(written)
        d["age_min"] = min(18, max(0, round(est - half)))
        d["age_max"] = min(18, max(d["age_min"], round(est + half)))
        d["sex"] = hidden["sex"] if r.random() < 0.95 else "unknown"
        d["hair"] = hidden["hair"] if r.random() < 0.8 else ""
        d["clothing"] = self._describe(hidden["outfit"], 0.25, 0.06)
        if hidden["item"] and r.random() < 0.7:
            d["carrying"] = r.choice(hidden["item"])
        d["languages"] = [loc.lang]
        d.update(self._found_where_when(scene, hidden["lat"], hidden["lon"], hidden["t"]))
        return {k: v for k, v in d.items() if v != ""}

    def stranger(self, j: int, scene: Scene) -> Report:
        """A found child nobody reported missing (or whose report is not open)."""
        _, hidden = self.missing(-1, scene)
        return self.found_for(j, hidden, scene)


def _gendered(family: str, sex: str) -> str:
    """Russian/Ukrainian/Polish family names change with sex (Ivanov / Ivanova)."""
    if sex == "female":
        for m, f in (("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ий", "ая"), ("ski", "ska")):
            if family.endswith(m):
                return family[: -len(m)] + f
        return family
    for f, m in (("ова", "ов"), ("ева", "ев"), ("ина", "ин"), ("ая", "ий"), ("ska", "ski")):
        if family.endswith(f):
            return family[: -len(f)] + m
    return family


@dataclass
class Dataset:
    missing: list[Report]
    found: list[Report]
    truth: dict[str, str | None]
    scene_of: dict[str, str] = field(default_factory=dict)  # found id -> its scene's kind


def scene_set(
    kind: str, n_missing: int, n_found: int, seed: int = 11, share_matched: float = 0.8
) -> Dataset:
    """One scene: n_missing open reports, n_found found reports (share_matched with truth)."""
    g = Synth(seed)
    sc = g.scene(kind)
    missing: list[Report] = []
    hidden: list[dict[str, Any]] = []
    for i in range(n_missing):
        sib = hidden[-1] if hidden and g.rnd.random() < SIBLINGS else None
        d, h = g.missing(seed * 10_000_000 + i, sc, sibling_of=sib)
        missing.append(d)
        hidden.append(h)
    found: list[Report] = []
    truth: dict[str, str | None] = {}
    picks = g.rnd.sample(range(n_missing), min(n_missing, round(n_found * share_matched)))
    for j in range(n_found):
        fid = seed * 10_000_000 + j
        if j < len(picks):
            f = g.found_for(fid, hidden[picks[j]], sc)
            truth[f["id"]] = missing[picks[j]]["id"]
        else:
            f = g.stranger(fid, sc)
            truth[f["id"]] = None
        found.append(f)
    g.rnd.shuffle(found)
    return Dataset(missing, found, truth)


def stream_missing(
    n: int, seed: int = 3, mix: tuple[float, float, float] = (0.5, 0.2, 0.3)
) -> Iterator[tuple[Report, dict[str, Any], Scene]]:
    """n open missing reports across many scenes: (ordinary, fair, disaster) shares."""
    g = Synth(seed)
    kinds = ("ordinary", "fair", "disaster")
    per_scene = {"ordinary": 20_000, "fair": 3_000, "disaster": 100_000}
    i = 0
    while i < n:
        kind = g.rnd.choices(kinds, mix)[0]
        sc = g.scene(kind)
        last: dict[str, Any] | None = None
        for _ in range(min(per_scene[kind], n - i)):
            sib = last if last is not None and g.rnd.random() < SIBLINGS else None
            d, h = g.missing(seed * 10_000_000 + i, sc, sibling_of=sib)
            last = h
            yield d, h, sc
            i += 1


def batch(n_missing: int, n_found: int, seed: int = 3, share_matched: float = 0.8) -> Dataset:
    """A big batch: n_missing open reports and n_found found reports (with truth)."""
    g = Synth(seed + 1)
    missing: list[Report] = []
    keep: list[tuple[str, dict[str, Any], Scene]] = []
    want = round(n_found * share_matched)
    stride = max(1, n_missing // max(1, want))
    for k, (d, h, sc) in enumerate(stream_missing(n_missing, seed)):
        missing.append(d)
        if k % stride == 0 and len(keep) < want:
            keep.append((d["id"], h, sc))
    found: list[Report] = []
    truth: dict[str, str | None] = {}
    for j in range(n_found):
        if j < len(keep):
            mid, h, sc = keep[j]
            f = g.found_for(seed * 10_000_000 + j, h, sc)
            truth[f["id"]] = mid
        else:
            sc = keep[j % len(keep)][2] if keep else g.scene("ordinary")
            f = g.stranger(seed * 10_000_000 + j, sc)
            truth[f["id"]] = None
        found.append(f)
    g.rnd.shuffle(found)
    return Dataset(missing, found, truth)


# ---- one generator at every size: tiles ----------------------------------------------------

TILE = 10_000
# every tile holds this mix of scenes, at its own (city, four weeks) slot
TILE_MIX: tuple[tuple[str, int], ...] = (("ordinary", 6_000), ("fair", 1_000), ("disaster", 3_000))
TILE_CITIES = 6  # tile k is in city k % 6: from 70,000 reports on, cities repeat in later weeks
SLOT_DAYS = 28  # a tile's ordinary reports span 21 days, its disaster is found within 7 more
ORDINARY_DAYS = 21.0
# The found reports' scene and whether the child has an open report, a pattern of 50 that
# repeats: any 50 consecutive queries (so the 200 warm-up and the 1,000 timed ones) have the
# same mix at every size (60% ordinary, 10% fair, 30% disaster; 80% with an open report).
QUERY_KINDS = (
    "ordinary", "disaster", "ordinary", "fair", "ordinary",
    "disaster", "ordinary", "ordinary", "disaster", "ordinary",
)  # fmt: skip


def query_mix(j: int) -> tuple[str, bool]:
    """The scene of found report j and whether its child has an open report."""
    return QUERY_KINDS[j % 10], (j // 10) % 5 != 4


def _tile_scenes(g: Synth, k: int) -> dict[str, Scene]:
    r = g.rnd
    lat, lon = CITIES[k % TILE_CITIES]
    start = T0 + timedelta(days=SLOT_DAYS * (k // TILE_CITIES))
    flat, flon = _offset(lat, lon, r.uniform(0, 10), r.uniform(0, 2 * math.pi))
    shelters = tuple(
        _offset(lat, lon, r.uniform(10, 60), r.uniform(0, 2 * math.pi)) for _ in range(12)
    )
    return {
        "ordinary": Scene("ordinary", lat, lon, start, span_days=ORDINARY_DAYS),
        "fair": Scene("fair", flat, flon, start + timedelta(days=r.uniform(0, ORDINARY_DAYS))),
        "disaster": Scene("disaster", lat, lon, start + timedelta(days=r.uniform(0, 14)), shelters),
    }


def _tile(
    k: int, seed: int, queries: list[int], tile: int
) -> tuple[list[Report], list[tuple[int, Report, str | None, str]]]:
    """Tile k's open reports (the same at every size) and found reports for `queries`."""
    g = Synth(seed * 1_000 + k)
    scenes = _tile_scenes(g, k)
    missing: list[Report] = []
    hidden: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    scale = tile / TILE
    for kind, n in TILE_MIX:
        last: dict[str, Any] | None = None
        part = hidden.setdefault(kind, [])
        for _ in range(round(n * scale)):
            sib = last if last is not None and g.rnd.random() < SIBLINGS else None
            d, last = g.missing(0, scenes[kind], sibling_of=sib)
            d["id"] = f"M-T{k:03d}{len(missing):05d}"
            missing.append(d)
            part.append((d["id"], last))
    wanted = {kind: sum(1 for j in queries if query_mix(j) == (kind, True)) for kind in hidden}
    picks = {k_: g.rnd.sample(hidden[k_], min(len(hidden[k_]), n)) for k_, n in wanted.items()}
    found: list[tuple[int, Report, str | None, str]] = []
    for j in queries:
        kind, matched = query_mix(j)
        if matched and picks[kind]:
            mid, h = picks[kind].pop()
            f = g.found_for(0, h, scenes[kind])
        else:
            mid, f = None, g.stranger(0, scenes[kind])
        f["id"] = f"F-T{k:03d}{j:05d}"
        found.append((j, f, mid, kind))
    return missing, found


def tiled(n: int, n_found: int, seed: int = 3, tile: int = TILE) -> Dataset:
    """n open reports as n / tile tiles of the same scene mix (TILE_MIX) at their own (city,
    month) slot; tile k is the same whatever n is. Found report j's scene and truth follow
    query_mix(j) at every size; its tile is drawn at random, so all tiles are queried."""
    tiles = max(1, round(n / tile))
    where = random.Random(seed).choices(range(tiles), k=n_found)
    per_tile: dict[int, list[int]] = {}
    for j, k in enumerate(where):
        per_tile.setdefault(k, []).append(j)
    missing: list[Report] = []
    found: list[tuple[int, Report, str | None, str]] = []
    for k in range(tiles):
        m, f = _tile(k, seed, per_tile.get(k, []), min(tile, n))
        missing += m
        found += f
    found.sort(key=lambda x: x[0])
    return Dataset(
        missing,
        [f for _, f, _, _ in found],
        {f["id"]: mid for _, f, mid, _ in found},
        {f["id"]: kind for _, f, _, kind in found},
    )


def city_fortnight(
    n_missing: int = 500_000,
    n_found: int = 2_700,
    true: int = 2_000,
    radius_km: float = 25.0,
    days: float = 14.0,
    seed: int = 5,
) -> Dataset:
    """One city's fortnight: n_missing open reports within radius_km over `days` days
    (about 36,000 a day at the defaults), n_found found within hours and walking distance,
    `true` of them with an open report."""
    g = Synth(seed)
    lat, lon = CITIES[seed % len(CITIES)]
    sc = Scene("ordinary", lat, lon, T0, radius_km=radius_km, span_days=days)
    picks = set(g.rnd.sample(range(n_missing), min(true, n_missing)))
    missing: list[Report] = []
    kept: list[tuple[str, dict[str, Any]]] = []
    last: dict[str, Any] | None = None
    for i in range(n_missing):
        sib = last if last is not None and g.rnd.random() < SIBLINGS else None
        d, last = g.missing(seed * 10_000_000 + i, sc, sibling_of=sib)
        missing.append(d)
        if i in picks:
            kept.append((d["id"], last))
    found: list[Report] = []
    truth: dict[str, str | None] = {}
    for j in range(n_found):
        fid = seed * 10_000_000 + j
        if j < len(kept):
            f = g.found_for(fid, kept[j][1], sc)
            truth[f["id"]] = kept[j][0]
        else:
            f = g.stranger(fid, sc)
            truth[f["id"]] = None
        found.append(f)
    g.rnd.shuffle(found)
    return Dataset(missing, found, truth)


def write(ds: Dataset, out: Path) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "missing.jsonl", out / "found.jsonl", out / "truth.jsonl")
    for path, rows in ((paths[0], ds.missing), (paths[1], ds.found)):
        with path.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in rows)
    with paths[2].open("w", encoding="utf-8") as fh:
        for f, m in ds.truth.items():
            fh.write(json.dumps({"found": f, "missing": m}) + "\n")
    return paths


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--missing", type=int, default=10_000)
    p.add_argument("--found", type=int, default=500)
    p.add_argument(
        "--scene",
        choices=("mixed", "tiled", "city", "ordinary", "fair", "disaster"),
        default="mixed",
    )
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    if a.scene == "mixed":
        ds = batch(a.missing, a.found, a.seed)
    elif a.scene == "tiled":
        ds = tiled(a.missing, a.found, a.seed)
    elif a.scene == "city":
        ds = city_fortnight(a.missing, a.found, round(a.found * 2_000 / 2_700), seed=a.seed)
    else:
        ds = scene_set(a.scene, a.missing, a.found, a.seed)
    for path in write(ds, a.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
