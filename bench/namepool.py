"""Realistic child names for the synthetic benchmark, drawn from Faker's per-locale name lists.

Each locale gives boys', girls' and family names, in their native script where the locale
has one (Han, Hangul, Kanji/Kana, Arabic, Cyrillic, Devanagari, Vietnamese with diacritics).
Names are drawn with a realistic skew: where Faker carries real frequencies (en_US, ko_KR,
zh_CN and ja_JP family names) those are used, elsewhere a Zipf law over a fixed shuffle of the
list (the "population", the same for every dataset seed), so a few names repeat a lot and
most are rare.

A name is then *written* by someone: a guardian in their own script or in Latin letters; an
officer in Latin letters as the child said it, romanised by ear (Arabic without fixed vowels,
Korean and Russian under rival conventions, Chinese in pinyin or an older spelling),
shortened to a nickname or diminutive, misspelt, in upper or lower case.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii
from faker import Faker
from nicknames import NickNamer

Pool = tuple[tuple[str, ...], tuple[float, ...]]  # names and cumulative weights


@dataclass(frozen=True)
class Locale:
    code: str  # Faker locale
    lang: str  # the report's language code
    weight: float  # share of children
    script: str  # latin | han | hangul | kanji | arabic | cyrillic | devanagari | viet
    hair: tuple[str, ...]


_DARK = ("black straight", "black short", "black ponytail", "dark brown", "black bob")
_MIXED = ("brown wavy", "dark brown", "black curly", "light brown", "brown ponytail", "black")
_FAIR = ("blonde straight", "light brown", "brown short", "red curly", "dark blond", "ginger")

LOCALES: tuple[Locale, ...] = (
    Locale("en_US", "en", 0.20, "latin", _FAIR + _MIXED),
    Locale("es_MX", "es", 0.14, "latin", _MIXED),
    Locale("es_ES", "es", 0.04, "latin", _MIXED),
    Locale("pt_BR", "pt", 0.05, "latin", _MIXED),
    Locale("fr_FR", "fr", 0.04, "latin", _FAIR + _MIXED),
    Locale("tl_PH", "tl", 0.04, "latin", _DARK),
    Locale("vi_VN", "vi", 0.06, "viet", _DARK),
    Locale("zh_CN", "zh", 0.07, "han", _DARK),
    Locale("ko_KR", "ko", 0.04, "hangul", _DARK),
    Locale("ja_JP", "ja", 0.03, "kanji", _DARK),
    Locale("ar_AA", "ar", 0.08, "arabic", _MIXED),
    Locale("ru_RU", "ru", 0.05, "cyrillic", _FAIR),
    Locale("uk_UA", "uk", 0.04, "cyrillic", _FAIR),
    Locale("hi_IN", "hi", 0.07, "devanagari", _DARK),
    Locale("fa_IR", "fa", 0.02, "arabic", _MIXED),
    Locale("pl_PL", "pl", 0.03, "latin", _FAIR),
)
LOCALE_WEIGHTS = tuple(loc.weight for loc in LOCALES)


def _person(code: str) -> object:
    f = Faker(code)
    return next(p for p in f.providers if "person" in type(p).__module__)


def _zipf(names: list[str], seed: str, s: float = 1.0) -> Pool:
    names = sorted(set(n for n in names if n and " " not in n.strip()))
    random.Random(seed).shuffle(names)
    acc = 0.0
    cum: list[float] = []
    for rank in range(len(names)):
        acc += 1.0 / (rank + 1) ** s
        cum.append(acc)
    return tuple(names), tuple(cum)


def _weighted(items: dict[str, float]) -> Pool:
    names: list[str] = []
    cum: list[float] = []
    acc = 0.0
    for name, w in items.items():
        if not name or " " in name.strip() or w <= 0:
            continue
        acc += float(w)
        names.append(name)
        cum.append(acc)
    return tuple(names), tuple(cum)


@dataclass(frozen=True)
class Pools:
    boys: Pool
    girls: Pool
    family_m: Pool
    family_f: Pool
    latin: dict[str, str]  # native -> its usual Latin form, where Faker knows it (ja_JP)


@cache
def pools(code: str) -> Pools:
    """The name lists of one locale with their weights (built once per process)."""
    if code == "tl_PH":  # Filipino children: Spanish and English given names, Spanish families
        es, en = pools("es_MX"), pools("en_US")
        return Pools(
            _zipf([*es.boys[0][:120], *en.boys[0][:120]], "tl-b"),
            _zipf([*es.girls[0][:120], *en.girls[0][:120]], "tl-g"),
            es.family_m,
            es.family_f,
            {},
        )
    p = _person(code)
    latin: dict[str, str] = {}
    if code == "ja_JP":
        boys = [k for k, _, _ in p.first_name_male_pairs]  # type: ignore[attr-defined]
        girls = [k for k, _, _ in p.first_name_female_pairs]  # type: ignore[attr-defined]
        for k, _, rom in (*p.first_name_male_pairs, *p.first_name_female_pairs):  # type: ignore[attr-defined]
            latin[k] = rom
        fam_items = {k[0]: w for k, w in p.last_name_pairs.items()}  # type: ignore[attr-defined]
        for (k, _, rom), _ in p.last_name_pairs.items():  # type: ignore[attr-defined]
            latin[k] = rom
        fam = _weighted(fam_items)
        return Pools(_zipf(boys, code + "b"), _zipf(girls, code + "g"), fam, fam, latin)

    def pool(attr: str, salt: str) -> Pool:
        v = getattr(p, attr, None)
        if v is None:
            v = p.last_names  # type: ignore[attr-defined]
        if isinstance(v, dict):
            return _weighted(v)
        return _zipf(list(v), code + salt)

    boys = pool("first_names_male", "b")
    girls = pool("first_names_female", "g")
    if code == "vi_VN":  # Vietnamese given names are often unisex; add those
        uni = list(getattr(p, "first_names_unisex", ()))
        boys = _zipf([*boys[0], *uni], code + "b")
        girls = _zipf([*girls[0], *uni], code + "g")
        fam = _zipf(list(p.last_names), code + "f", s=1.6)  # type: ignore[attr-defined]
        return Pools(boys, girls, fam, fam, latin)
    if code == "pl_PL":  # Faker's pl_PL keeps its family names apart (last_names is ["Doe"])
        male = [*p.male_last_names, *p.unisex_last_names]  # type: ignore[attr-defined]
        female = [_polish_female(n) for n in male]
        return Pools(boys, girls, _zipf(male, code + "f"), _zipf(female, code + "f"), latin)
    fam_m = (
        pool("last_names_male", "f") if hasattr(p, "last_names_male") else pool("last_names", "f")
    )
    fam_f = pool("last_names_female", "f") if hasattr(p, "last_names_female") else fam_m
    return Pools(boys, girls, fam_m, fam_f, latin)


def _polish_female(name: str) -> str:
    """Kowalski -> Kowalska, Zawadzki -> Zawadzka; other family names do not change."""
    for m, f in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if name.endswith(m):
            return name[: -len(m)] + f
    return name


def draw(rnd: random.Random, pool: Pool) -> str:
    names, cum = pool
    return rnd.choices(names, cum_weights=cum)[0]


# ---- writing a name ------------------------------------------------------------------------

_NICK = NickNamer()

# Korean family names have conventional spellings far from the official romanisation.
_KO_FAMILY = {
    "Gim": ("Kim",),
    "I": ("Lee", "Yi", "Rhee"),
    "Bak": ("Park", "Pak"),
    "Choe": ("Choi",),
    "Jeong": ("Jung", "Chung"),
    "Jo": ("Cho",),
    "Gang": ("Kang",),
    "Yun": ("Yoon",),
    "Jang": ("Chang",),
    "Im": ("Lim",),
    "Han": ("Hahn",),
    "O": ("Oh",),
    "Sin": ("Shin",),
    "Gwon": ("Kwon",),
    "Hwang": ("Whang",),
    "Song": ("Song",),
}

_AR = {
    "ا": "a",
    "أ": "a",
    "إ": "i",
    "آ": "aa",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "ع": "",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "ة": "a",
    "و": "w",
    "ي": "y",
    "ى": "a",
    "ء": "",
    "ئ": "",
    "ؤ": "",
    "پ": "p",
    "چ": "ch",
    "ژ": "zh",
    "گ": "g",
    "ک": "k",
    "ی": "y",
}


def _arabic_latin(name: str, rnd: random.Random) -> str:
    """Romanise Arabic/Persian script by ear: the script writes no short vowels, so each
    speaker supplies their own ('محمد' -> Muhammad, Mohamed, Mahmad...)."""
    text = name
    prefix = ""
    if text.startswith("ال") and len(text) > 3:
        prefix = rnd.choice(("Al-", "Al", "El-", "al-"))
        text = text[2:]
    out: list[str] = []
    prev_cons = False
    for i, ch in enumerate(text):
        if ch in "وي" and i > 0:
            v = ("u", "o", "oo", "w") if ch == "و" else ("i", "ee", "y", "ei")
            out.append(rnd.choice(v))
            prev_cons = False
            continue
        lat = _AR.get(ch, anyascii(ch).lower())
        if not lat:
            continue
        is_vowel = lat in ("a", "i", "aa")
        if prev_cons and not is_vowel:
            out.append(rnd.choices(("a", "u", "i", "e", "o"), (0.45, 0.2, 0.15, 0.12, 0.08))[0])
        out.append(lat)
        prev_cons = not is_vowel
    word = "".join(out)
    return prefix + word[:1].upper() + word[1:]


_DEVANAGARI_VOWELS = frozenset(["A", "AA", "I", "II", "U", "UU", "E", "AI", "O", "AU"])


def _devanagari_latin(name: str) -> str:
    """Devanagari with the inherent vowel spoken (anyascii drops it)."""
    out: list[str] = []
    chars = list(name)
    for i, ch in enumerate(chars):
        lat = anyascii(ch).lower()
        out.append(lat)
        cat = unicodedata.category(ch)
        if cat == "Lo" and unicodedata.name(ch, "").startswith("DEVANAGARI LETTER"):
            is_vowel_letter = unicodedata.name(ch).split()[-1] in _DEVANAGARI_VOWELS
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if not is_vowel_letter and nxt and unicodedata.category(nxt) not in ("Mc", "Mn"):
                out.append("a")
    word = "".join(out)
    return word[:1].upper() + word[1:]


_VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "cyrillic": (
        ("iy", "i"),
        ("iy", "y"),
        ("ii", "iy"),
        ("kh", "h"),
        ("ya", "ia"),
        ("yu", "iu"),
        ("ie", "ye"),
        ("ksa", "xa"),
        ("v", "w"),
        ("e", "ye"),
    ),
    "hangul": (("u", "oo"), ("eo", "u"), ("eo", "o"), ("ae", "e"), ("i", "ee"), ("j", "ch")),
    "han": (("x", "hs"), ("q", "ch"), ("zh", "ch"), ("z", "ts"), ("ong", "ung")),
    "devanagari": (("aa", "a"), ("v", "w"), ("sh", "s"), ("ee", "i"), ("ksh", "x"), ("u", "oo")),
    "latin": (("ph", "f"), ("th", "t"), ("y", "i"), ("c", "k"), ("ll", "l"), ("z", "s")),
    "viet": (("uy", "ui"), ("nh", "n"), ("ng", "n")),
    "kanji": (("ou", "o"), ("uu", "u"), ("shi", "si"), ("tsu", "tu")),
    "arabic": (),
}


def latin_form(native: str, script: str, rnd: random.Random, latin: dict[str, str]) -> str:
    """How someone writes `native` in Latin letters (one of several plausible spellings)."""
    if script == "latin":
        return native
    if script == "arabic":
        return _arabic_latin(native, rnd)
    if script == "devanagari":
        word = _devanagari_latin(native)
    elif script == "kanji":
        word = latin.get(native) or anyascii(native)
    elif script == "hangul":
        base = anyascii(native)
        conv = _KO_FAMILY.get(base)
        if conv and rnd.random() < 0.8:
            return rnd.choice(conv)
        word = base if rnd.random() < 0.5 else base.capitalize()
        if rnd.random() < 0.2 and len(word) > 3:
            word = word[:2] + "-" + word[2:].lower()
    else:
        word = anyascii(native)
    rules = _VARIANTS.get(script, ())
    if rules and rnd.random() < 0.35:
        a, b = rnd.choice(rules)
        if a in word.lower():
            low = word.lower().replace(a, b, 1)
            word = low[:1].upper() + low[1:]
    return word


def nickname(name: str, lang: str, rnd: random.Random) -> str | None:
    """A nickname or diminutive a child might give instead of their name (Latin names)."""
    low = name.lower()
    if not name.isascii() or len(name) < 4:
        return None
    if lang in ("en", "tl", "fr", "pl"):
        nicks = sorted(_NICK.nicknames_of(low))
        if nicks and rnd.random() < 0.8:
            return rnd.choice(nicks).capitalize()
    if lang in ("es", "pt", "tl") and rnd.random() < 0.5:
        stem = low[:-1] if low[-1] in "aeo" else low
        suffix = (
            ("ita" if low.endswith("a") else "ito")
            if lang != "pt"
            else ("inha" if low.endswith("a") else "inho")
        )
        return (stem + suffix).capitalize()
    # a short form: the first syllable or two
    cut = rnd.choice((3, 4))
    if len(low) > cut + 1:
        return low[:cut].capitalize() + rnd.choice(("", "", "y", "i"))
    return None
