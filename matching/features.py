"""Per-report profiles and per-field comparison levels of a (missing, found) pair.

Each field yields one categorical level (e.g. name="nickname", age="in"); the scorer turns
levels into log-likelihood ratios (Fellegi–Sunter) learnt by bench/fit_weights.py.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from matching.names import Level, NameMatch, best_match, name_tuple
from matching.reasons import Reason
from matching.report import ChildReport
from matching.text import fold
from matching.vocab import (
    Garment,
    colours_agree,
    garments,
    hair,
    items,
    same_garment,
    styles_agree,
)

EARTH_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything the comparison needs about one report, computed once."""

    report: ChildReport
    given: tuple[str, ...]  # folded tokens of given name and other names
    family: tuple[str, ...]
    age_lo: float | None  # missing: age_years twice; found: the estimate
    age_hi: float | None
    sex: str
    garments: tuple[Garment, ...]
    items: frozenset[str]
    hair_colour: frozenset[str]
    hair_style: frozenset[str]
    languages: frozenset[str]
    hours: float  # report time, hours since the epoch

    @property
    def shown(self) -> dict[str, str]:
        """Folded token -> the word as written, for reasons (computed on demand: only the
        few candidates shown to a person need it)."""
        r = self.report
        return _shown(r.given_name, *r.other_names, r.family_name)


def _shown(*texts: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in texts:
        for word in text.split():
            for tok in fold(word).split():
                out.setdefault(tok, word.strip(",.;"))
    return out


def _age_range(r: ChildReport) -> tuple[float | None, float | None]:
    if r.age_years is not None:
        return r.age_years, r.age_years
    lo, hi = r.age_min, r.age_max
    if lo is None and hi is None:
        return None, None
    lo = hi if lo is None else lo
    hi = lo if hi is None else hi
    assert lo is not None and hi is not None
    return min(lo, hi), max(lo, hi)


@lru_cache(maxsize=4096)
def _languages(codes: tuple[str, ...]) -> frozenset[str]:
    # English is spoken by nearly everyone in the data we serve, so it tells nothing.
    primary = {c.split("-")[0].split("_")[0].strip().lower() for c in codes}
    return frozenset(primary - {"en", ""})


def profile(r: ChildReport) -> Profile:
    """Precompute the comparable parts of a report."""
    lo, hi = _age_range(r)
    hc, hs = hair(r.hair)
    return Profile(
        report=r,
        given=name_tuple(r.given_name, *r.other_names),
        family=name_tuple(r.family_name),
        age_lo=lo,
        age_hi=hi,
        sex=r.sex if r.sex in ("male", "female") else "",
        garments=garments(r.clothing),
        items=items(r.carrying),
        hair_colour=hc,
        hair_style=hs,
        languages=_languages(r.languages),
        hours=r.time.timestamp() / 3600.0,
    )


@dataclass(frozen=True, slots=True)
class Level_:
    """One field's comparison: its level and a reason to show (None: nothing worth saying)."""

    field: str
    level: str
    reason: Reason | None = None


# ---- names -----------------------------------------------------------------------------


def _name_level(m: Profile, f: Profile) -> Level_:
    if not m.given or not f.given:
        return Level_("name", "none")
    hit = best_match(list(f.given), list(m.given))
    if hit is None:
        said, known = _show(f, f.given[0]), _show(m, m.given[0])
        return Level_("name", "differ", Reason.of("name_differs", said=said, known=known))
    label = {
        Level.EXACT: "exact",
        Level.NICKNAME: "nickname",
        Level.PHONETIC: "phonetic",
        Level.FUZZY: "fuzzy",
        Level.PREFIX: "prefix",
    }[hit.level]
    said, known = _show(f, hit.said), _show(m, hit.known)
    if hit.level == Level.EXACT:
        if said != known and (_non_latin(said) or _non_latin(known)):
            return Level_("name", label, Reason.of("name_other_script", said=said, known=known))
        given = m.report.given_name
        if given and hit.known not in fold(given).split():
            # the name the child gave is one the guardian listed as a nickname
            return Level_("name", label, Reason.of("nickname", said=said, known=given))
        return Level_("name", label, Reason.of("same_name", said=said))
    return Level_("name", label, Reason.of(_NAME_REASON[hit.level], said=said, known=known))


_NAME_REASON = {
    Level.PHONETIC: "sounds_alike",
    Level.NICKNAME: "nickname",
    Level.FUZZY: "spelling",
    Level.PREFIX: "short_form",
}


def _non_latin(word: str) -> bool:
    """Whether a word has letters of a script other than Latin (Богдан, محمد, 陈)."""
    return any(
        ch.isalpha() and not ch.isascii() and "LATIN" not in unicodedata.name(ch, "") for ch in word
    )


def _family_level(m: Profile, f: Profile) -> Level_:
    if not m.family or not f.family:
        return Level_("family", "none")
    hit = best_match(list(f.family), list(m.family))
    if hit is None or hit.level <= Level.PREFIX:
        said, known = _show(f, f.family[0]), _show(m, m.family[0])
        return Level_("family", "differ", Reason.of("family_differs", said=said, known=known))
    if hit.level == Level.EXACT:
        said, known = _show(f, hit.said), _show(m, hit.known)
        if said != known and (_non_latin(said) or _non_latin(known)):
            reason = Reason.of("family_other_script", said=said, known=known)
            return Level_("family", "same", reason)
        return Level_("family", "same", Reason.of("same_family", said=said))
    said, known = _show(f, hit.said), _show(m, hit.known)
    return Level_("family", "similar", Reason.of("family_similar", said=said, known=known))


def _show(p: Profile, tok: str) -> str:
    return p.shown.get(tok, tok)


# ---- age, sex, body --------------------------------------------------------------------


def _fmt_age(x: float) -> str:
    return f"{x:g}"


# An age gap is measured in units of (1 + AGE_ERROR_GROWTH * age) years, and is "far" beyond
# AGE_OFF_UNITS of them (blocking reaches that far for names).
AGE_ERROR_GROWTH = 0.08
AGE_OFF_UNITS = 1.8


def _age_level(m: Profile, f: Profile) -> Level_:
    if m.age_lo is None or f.age_lo is None or m.age_hi is None or f.age_hi is None:
        return Level_("age", "none")
    # Distance between the two ranges; an officer's estimate errs more for older children,
    # so the gap is measured in units that grow with age.
    gap = max(0.0, f.age_lo - m.age_hi, m.age_lo - f.age_hi)
    scale = 1.0 + AGE_ERROR_GROWTH * max(m.age_hi, f.age_hi)
    g = gap / scale
    est = (
        _fmt_age(f.age_lo) if f.age_lo == f.age_hi else f"{_fmt_age(f.age_lo)}–{_fmt_age(f.age_hi)}"
    )
    age = _fmt_age(m.age_lo) if m.age_lo == m.age_hi else f"{m.age_lo:g}–{m.age_hi:g}"
    if gap == 0:
        return Level_("age", "in", Reason.of("age_within", age=age, estimate=est))
    level = "near" if g <= 0.8 else ("off" if g <= AGE_OFF_UNITS else "far")
    return Level_("age", level, Reason.of("age_outside", age=age, estimate=est))


def _sex_level(m: Profile, f: Profile) -> Level_:
    if not m.sex or not f.sex:
        return Level_("sex", "none")
    if m.sex == f.sex:
        return Level_("sex", "same")
    return Level_("sex", "differ", Reason.of("sex_differs"))


def _height_level(m: Profile, f: Profile) -> Level_:
    a, b = m.report.height_cm, f.report.height_cm
    if a is None or b is None:
        return Level_("height", "none")
    d = abs(a - b)
    level = "close" if d <= 6 else ("near" if d <= 15 else "far")
    return Level_("height", level, Reason.of("height", found=f"{b:g}", missing=f"{a:g}"))


def _hair_levels(m: Profile, f: Profile) -> list[Level_]:
    out: list[Level_] = []
    said = Reason.of("hair", found=f.report.hair, missing=m.report.hair)
    c = colours_agree(m.hair_colour, f.hair_colour)
    if c is None:
        out.append(Level_("hair_colour", "none"))
    else:
        out.append(
            Level_(
                "hair_colour",
                "same" if c else "differ",
                said
                if c
                else Reason.of("hair_differs", found=f.report.hair, missing=m.report.hair),
            )
        )
    s = styles_agree(m.hair_style, f.hair_style)
    if s is None:
        out.append(Level_("hair_style", "none"))
    else:
        out.append(Level_("hair_style", "same" if s else "differ", said if s and not c else None))
    return out


# ---- clothing, items, languages --------------------------------------------------------


def _unmatched_level(n: int, conflicts: int) -> str:
    """How many found garments the missing report has nothing like; "0c" when every one is
    accounted for but some in another colour (clothing_conflict weighs that)."""
    if n == 0:
        return "0c" if conflicts else "0"
    return "1" if n == 1 else "2"


# A found garment is paired with the missing report's garment of the same kind first, then
# the one whose colours agree. A garment paired only with a near kind (a hoodie for a
# sweater, leggings for trousers: vocab._NEAR) counts as unmatched: in the development
# set the right child's clothes were named in the same kind in every pair (0 of 294),
# while about half the wrong pairs shared a garment only by a near kind; and after a
# disaster, where place and time say nothing, such look-alikes were the commonest false
# alarms (bench/weak.md). A found garment the missing report has nothing like at all (a
# jacket it never mentions, shorts where it says trousers) is strong evidence against:
# the "clothing_unmatched" field.
_SAME_KIND = 3


def _garment_rank(g: Garment, h: Garment, agree: bool | None) -> int:
    """_SAME_KIND and up for the same kind; + 2 colours agree, 1 unknown, 0 differ."""
    colour = 2 if agree else (1 if agree is None else 0)
    return colour + (_SAME_KIND if g.category == h.category else 0)


def _clothing_level(m: Profile, f: Profile) -> list[Level_]:
    if not m.garments or not f.garments:
        return [
            Level_("clothing", "none"),
            Level_("clothing_conflict", "none"),
            Level_("clothing_unmatched", "none"),
        ]
    matched: list[tuple[Garment, Garment]] = []
    conflicts: list[tuple[Garment, Garment]] = []
    unmatched: list[Garment] = []
    clashes: list[str] = []
    used: set[int] = set()
    for g in f.garments:
        best: tuple[int, Garment, bool | None] | None = None
        best_rank = -1
        for j, h in enumerate(m.garments):
            if j in used or not same_garment(g, h):
                continue
            agree = colours_agree(g.colours, h.colours)
            rank = _garment_rank(g, h, agree)
            if rank > best_rank:
                best, best_rank = (j, h, agree), rank
        if best is None:
            unmatched.append(g)
            continue
        used.add(best[0])
        if best_rank < _SAME_KIND:
            # only a near kind (a hoodie for a sweater): see _garment_rank
            unmatched.append(g)
            clashes.append(f"{g.words} vs {best[1].words}")
            continue
        if best[2] is False:
            conflicts.append((g, best[1]))
        elif best[2]:
            matched.append((g, best[1]))
    n = len(matched)
    level = "0" if n == 0 else ("1" if n == 1 else ("2" if n == 2 else "3"))
    reason = None
    if matched:
        said = ", ".join(
            a.words if a.words == b.words else f"{a.words} ~ {b.words}" for a, b in matched
        )
        reason = Reason.of("clothing", garments=said)
    k = len(conflicts)
    clevel = "0" if k == 0 else ("1" if k == 1 else "2")
    creason = None
    if conflicts:
        said = ", ".join(f"{a.words} vs {b.words}" for a, b in conflicts)
        creason = Reason.of("clothing_differs", garments=said)
    # a garment the officer saw that the guardian's list has nothing like: where the list
    # names another kind in that place on the body (shorts where it says trousers), say so
    clashes += [
        f"{g.words} vs {h.words}"
        for g in unmatched
        for h in m.garments
        if h.slot == g.slot and not same_garment(g, h)
    ]
    ureason = Reason.of("clothing_differs", garments=", ".join(clashes[:2])) if clashes else None
    return [
        Level_("clothing", level, reason),
        Level_("clothing_conflict", clevel, creason),
        Level_("clothing_unmatched", _unmatched_level(len(unmatched), k), ureason),
    ]


def _items_level(m: Profile, f: Profile) -> Level_:
    if not m.items or not f.items:
        return Level_("carrying", "none")
    fr, mr = f.report.carrying, m.report.carrying
    if m.items & f.items:
        same = fold(fr) == fold(mr)
        reason = (
            Reason.of("carrying_same", found=fr)
            if same
            else Reason.of("carrying", found=fr, missing=mr)
        )
        return Level_("carrying", "same", reason)
    return Level_("carrying", "differ", Reason.of("carrying_differs", found=fr, missing=mr))


def _language_level(m: Profile, f: Profile) -> Level_:
    if not m.languages or not f.languages:
        if m.languages or f.languages:
            return Level_("languages", "one")
        return Level_("languages", "none")
    common = m.languages & f.languages
    if common:
        return Level_(
            "languages", "shared", Reason.of("speaks", languages=", ".join(sorted(common)))
        )
    return Level_("languages", "differ", Reason.of("languages_differ"))


# ---- place and time --------------------------------------------------------------------


def km_between(a: ChildReport, b: ChildReport) -> float | None:
    """Great-circle distance in km, None when either has no coordinates."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _duration(h: float) -> Reason:
    h = abs(h)
    if h < 1:
        return Reason.of("minutes", n=max(1, round(h * 60)))
    if h < 48:
        return Reason.of("hours", n=f"{h:.0f}")
    return Reason.of("days", n=f"{h / 24:.0f}")


def _distance(d: float) -> Reason:
    if d < 1:
        return Reason.of("metres", n=max(10, round(d * 100) * 10))
    return Reason.of("km", n=f"{d:.1f}" if d < 10 else f"{d:.0f}")


BEFORE_TOLERANCE_H = 6.0
# Past two weeks a reunion is rare while open reports of that age are many: a name and an
# age shared across such a gap are more often coincidence.
WEEKS_LATER_H = 14 * 24.0


def _time_level(hours: float) -> str:
    # The found time may precede last seen (the donut story: found before anyone reported
    # him missing, and "last seen" is a guardian's guess), so the gap counts by its absolute
    # value within a tolerance; a found time long before last seen is evidence against.
    if hours < -BEFORE_TOLERANCE_H:
        return "before_long"
    h = abs(hours)
    if h > WEEKS_LATER_H:
        return "4"
    return "0" if h <= 3 else ("1" if h <= 24 else ("2" if h <= 96 else "3"))


def _place_level(d: float, hours: float) -> str:
    # A child on foot covers about 1 km/h; after a disaster children are carried to shelters
    # tens of km away days later.
    h = abs(hours)
    walk = 1.5 + 1.5 * h
    if d <= 1.0 and h <= 6:
        return "here"
    if d <= walk and h <= 24:
        return "walk"
    if h <= 24:
        return "far_soon" if d <= 60 else "implausible"
    if d <= 15:
        return "near_late"
    return "far_late" if d <= 80 else "implausible"


def _where_when(m: Profile, f: Profile) -> list[Level_]:
    hours = f.hours - m.hours
    tl = _time_level(hours)
    if abs(hours) < 1:
        when = Reason.of("minutes_later" if hours >= 0 else "minutes_before")
    elif hours > 0:
        when = Reason.of("later", duration=_duration(hours))
    else:
        when = Reason.of("before_last_seen", duration=_duration(hours))
    found_when = Reason.of("found_when", when=when)
    d = km_between(m.report, f.report)
    tlev = Level_("time", tl, found_when if tl == "before_long" else None)
    if d is None:
        return [tlev, Level_("place", "none", found_when)]
    if d < 0.03 and abs(hours) < 0.25:
        where = Reason.of("same_place_same_time")
    elif d < 0.03:
        where = Reason.of("same_place_when", when=when)
    else:
        where = Reason.of("found_away", distance=_distance(d), when=when)
    return [tlev, Level_("place", _place_level(d, hours), where)]


def compare(m: Profile, f: Profile) -> list[Level_]:
    """All field levels of a (missing, found) pair (in FIELDS order)."""
    clothing, conflict, unmatched = _clothing_level(m, f)
    out = [
        _name_level(m, f),
        _family_level(m, f),
        _age_level(m, f),
        _sex_level(m, f),
        _height_level(m, f),
        *_hair_levels(m, f),
        clothing,
        conflict,
        _items_level(m, f),
        _language_level(m, f),
        *_where_when(m, f),
        unmatched,
    ]
    return out


# ---- the same levels without reasons (the hot path of ranking) ---------------------------

FIELDS: tuple[str, ...] = (
    "name",
    "family",
    "age",
    "sex",
    "height",
    "hair_colour",
    "hair_style",
    "clothing",
    "clothing_conflict",
    "carrying",
    "languages",
    "time",
    "place",
    # found garments the missing report has nothing like (last, so the indices above hold)
    "clothing_unmatched",
)
_NAME_LABEL = {
    Level.EXACT: "exact",
    Level.NICKNAME: "nickname",
    Level.PHONETIC: "phonetic",
    Level.FUZZY: "fuzzy",
    Level.PREFIX: "prefix",
}


def _q_name(m: Profile, f: Profile) -> tuple[str, NameMatch | None]:
    if not m.given or not f.given:
        return "none", None
    hit = best_match(f.given, m.given)
    return ("differ", None) if hit is None else (_NAME_LABEL[hit.level], hit)


def _q_family(m: Profile, f: Profile) -> tuple[str, NameMatch | None]:
    if not m.family or not f.family:
        return "none", None
    hit = best_match(f.family, m.family)
    if hit is None or hit.level <= Level.PREFIX:
        return "differ", None
    return ("same" if hit.level == Level.EXACT else "similar"), hit


def _q_age(m: Profile, f: Profile) -> str:
    if m.age_lo is None or f.age_lo is None or m.age_hi is None or f.age_hi is None:
        return "none"
    gap = max(0.0, f.age_lo - m.age_hi, m.age_lo - f.age_hi)
    if gap == 0:
        return "in"
    g = gap / (1.0 + AGE_ERROR_GROWTH * max(m.age_hi, f.age_hi))
    return "near" if g <= 0.8 else ("off" if g <= AGE_OFF_UNITS else "far")


def _q_hair(a: frozenset[str], b: frozenset[str]) -> str:
    c = colours_agree(a, b)
    return "none" if c is None else ("same" if c else "differ")


def _q_style(a: frozenset[str], b: frozenset[str]) -> str:
    c = styles_agree(a, b)
    return "none" if c is None else ("same" if c else "differ")


def _q_clothing(m: Profile, f: Profile) -> tuple[str, str, str]:
    """(clothing, clothing_conflict, clothing_unmatched) levels."""
    mg, fg = m.garments, f.garments
    if not mg or not fg:
        return "none", "none", "none"
    n = k = u = 0
    used: set[int] = set()
    for g in fg:
        best_j = -1
        best_rank = -1
        for j, h in enumerate(mg):
            if j in used or not same_garment(g, h):
                continue
            # _garment_rank inlined (colours_agree: True -> 2, None -> 1, False -> 0)
            a, b = g.colours, h.colours
            if not a or not b:
                rank = 1
            else:
                rank = 2 if not a.isdisjoint(b) or "multi" in a or "multi" in b else 0
            if g.category == h.category:
                rank += _SAME_KIND
            if rank > best_rank:
                best_j, best_rank = j, rank
        if best_j < 0:
            u += 1
            continue
        used.add(best_j)
        if best_rank < _SAME_KIND:
            u += 1
        elif best_rank == _SAME_KIND:
            k += 1
        elif best_rank == _SAME_KIND + 2:
            n += 1
    return (
        "0" if n == 0 else ("1" if n == 1 else ("2" if n == 2 else "3")),
        "0" if k == 0 else ("1" if k == 1 else "2"),
        _unmatched_level(u, k),
    )


def quick_levels(m: Profile, f: Profile) -> tuple[str, ...]:
    """The levels of `compare(m, f)` in FIELDS order, without building any reason."""
    return quick_eval(m, f)[0]


def quick_eval(
    m: Profile, f: Profile
) -> tuple[tuple[str, ...], NameMatch | None, NameMatch | None]:
    """`quick_levels` and the given- and family-name agreements behind them (for the
    name-frequency adjustment)."""
    a, b = m.report.height_cm, f.report.height_cm
    if a is None or b is None:
        height = "none"
    else:
        d = abs(a - b)
        height = "close" if d <= 6 else ("near" if d <= 15 else "far")
    sex = "none" if not m.sex or not f.sex else ("same" if m.sex == f.sex else "differ")
    cl, cc, cu = _q_clothing(m, f)
    mi, fi = m.items, f.items
    carrying = "none" if not mi or not fi else ("differ" if mi.isdisjoint(fi) else "same")
    ml, fl = m.languages, f.languages
    if not ml or not fl:
        lang = "one" if (ml or fl) else "none"
    else:
        lang = "differ" if ml.isdisjoint(fl) else "shared"
    hours = f.hours - m.hours
    km = km_between(m.report, f.report)
    name, given_hit = _q_name(m, f)
    family, family_hit = _q_family(m, f)
    levels = (
        name,
        family,
        _q_age(m, f),
        sex,
        height,
        _q_hair(m.hair_colour, f.hair_colour),
        _q_style(m.hair_style, f.hair_style),
        cl,
        cc,
        carrying,
        lang,
        _time_level(hours),
        "none" if km is None else _place_level(km, hours),
        cu,
    )
    return levels, given_hit, family_hit


# public names for the index's cheap pre-score
quick_age = _q_age
time_level = _time_level
place_level = _place_level
