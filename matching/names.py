"""Name evidence: transliteration, nicknames, diminutives, phonetic codes, prefixes."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

import jellyfish
from nicknames import NickNamer
from rapidfuzz.distance import JaroWinkler

from matching.text import tokens

# The nicknames package is an English (US genealogy) list: it knows Lizzie -> Elizabeth but
# not Spanish, Russian, Arabic, Pacific or Asian diminutives, nor cross-language cognates a
# guardian and a child may use for the same name (Yusuf / Joseph / José). This small hand list
# fills that gap; every entry maps a folded name to one or more canonical keys.
_GROUPS: tuple[tuple[str, ...], ...] = (
    # Spanish / Portuguese diminutives
    (
        "jose",
        "pepe",
        "pepito",
        "chepe",
        "josecito",
        "joseph",
        "yusuf",
        "yousef",
        "youssef",
        "josef",
        "giuseppe",
        "joe",
        "joey",
    ),
    ("francisco", "paco", "pancho", "curro", "paquito", "frank", "francis", "kiko"),
    ("guadalupe", "lupita", "lupe"),
    ("ignacio", "nacho"),
    ("jesus", "chucho", "chuy", "isa"),
    ("guillermo", "memo", "william", "willy", "liam", "will", "wilhelm"),
    ("enrique", "quique", "henry", "harry", "hank"),
    ("antonio", "tono", "tonio", "anthony", "tony", "anton"),
    ("eduardo", "lalo", "edward", "eddie", "ed"),
    ("dolores", "lola", "lolita"),
    ("santiago", "santi", "tiago", "diego", "james", "jaime", "jacob", "yakov", "jakub"),
    (
        "alejandro",
        "alejandra",
        "ale",
        "alex",
        "alexander",
        "aleksandr",
        "alexandra",
        "sasha",
        "sacha",
        "shura",
        "lyosha",
        "alyosha",
        "alexei",
        "aleksei",
        "iskander",
    ),
    ("fernando", "nando", "fer"),
    ("manuel", "manolo", "manu", "emmanuel"),
    ("concepcion", "concha", "conchita"),
    ("rosario", "charo"),
    ("guadalupe", "lupe"),
    ("roberto", "beto", "robert", "bob", "bobby", "rob"),
    ("alberto", "beto", "albert", "al"),
    ("daniel", "dani", "danny", "dan"),
    ("nicolas", "nico", "nicholas", "nick", "kolya", "nikolai"),
    ("gabriel", "gabi", "gabe", "gabriela", "gabby"),
    ("isabel", "isabella", "isa", "bella", "izzy", "chabela"),
    ("sofia", "sofi", "sophie", "sophia", "sonya", "sonia"),
    ("rafael", "rafa"),
    ("teresa", "tere", "teresita", "tessa"),
    ("maria", "mari", "mary", "maryam", "mariam", "masha", "marie", "mia", "maja"),
    # Russian diminutives and cognates
    ("dmitri", "dmitry", "dimitri", "dima", "mitya"),
    ("mikhail", "misha", "michael", "miguel", "mike", "mikey", "mika"),
    ("ivan", "vanya", "john", "juan", "johnny", "jack", "yahya", "giovanni", "sean", "jean"),
    ("pyotr", "petya", "peter", "pedro", "pierre", "pete"),
    ("sergei", "sergey", "seryozha", "sergio"),
    ("natalia", "natasha", "natalie"),
    ("daria", "dasha"),
    ("ekaterina", "katya", "katherine", "catherine", "kate", "katie", "catalina", "kathryn"),
    ("anna", "anya", "ana", "ann", "anne", "annie", "hannah", "hana"),
    ("anastasia", "nastya", "stacy", "ana"),
    ("tatiana", "tanya"),
    ("olga", "olya"),
    ("elena", "lena", "helen", "helena", "ellie"),
    ("yulia", "julia", "julie", "yulya"),
    # Arabic / Somali / Urdu names and their English forms
    (
        "muhammad",
        "mohammed",
        "mohamed",
        "muhammed",
        "mohammad",
        "mo",
        "moe",
        "hamoudi",
        "hamudi",
        "mamadou",
    ),
    ("ibrahim", "abraham", "ibra", "avraham", "abe"),
    ("dawud", "david", "davud", "dave", "davy"),
    ("sulaiman", "suleiman", "solomon"),
    ("aisha", "ayesha", "aysha", "ayşe", "eisha"),
    ("fatima", "fatma", "fati", "fatuma"),
    ("yaqub", "jacob", "yakub"),
    ("musa", "moses", "moshe"),
    ("yunus", "jonah", "jonas"),
    # Pacific / other short forms
    ("malakai", "kai", "malachi", "malachai"),
    ("olivia", "livvy", "liv", "livia", "ollie", "olive"),
    ("abigail", "abby", "abbie", "gail"),
    ("charlotte", "charlie", "lottie", "lotte", "carlota"),
    ("zoe", "zoi", "zoey", "zoya"),
    ("haruto", "haru"),
)


def _build_hand() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for group in _GROUPS:
        key = "=" + group[0]
        for name in group:
            out.setdefault(name, set()).add(key)
    return {k: frozenset(v) for k, v in out.items()}


_HAND = _build_hand()
_NICK = NickNamer()


class Level(IntEnum):
    """How well two name tokens agree, weakest first."""

    NONE = 0
    PREFIX = 1  # "pri" ~ "priya", "tiago" ~ "santiago"
    FUZZY = 2  # small spelling difference
    PHONETIC = 3  # same sound
    NICKNAME = 4  # diminutive, nickname or cognate
    EXACT = 5


LEVEL_WORD = {
    Level.PREFIX: "short form",
    Level.FUZZY: "spelling",
    Level.PHONETIC: "sounds alike",
    Level.NICKNAME: "nickname",
    Level.EXACT: "name",
}


_SLAVIC_ENDINGS = (("iy", "i"), ("ij", "i"), ("ii", "i"), ("yy", "y"), ("iya", "ia"))


def _spellings(token: str) -> set[str]:
    # Transliteration conventions differ (Дмитрий: Dmitriy, Dmitrij, Dmitrii, Dmitri); the
    # hand list holds one form, so the common ending variants are tried too.
    out = {token}
    for end, repl in _SLAVIC_ENDINGS:
        if token.endswith(end) and len(token) > len(end) + 2:
            out.add(token[: -len(end)] + repl)
    return out


@lru_cache(maxsize=65536)
def canon(token: str) -> frozenset[str]:
    """Canonical keys for a name token: itself, English canonicals, hand-list groups."""
    keys = _spellings(token)
    for t in list(keys):
        keys |= _NICK.canonicals_of(t)
        keys |= _HAND.get(t, frozenset())
    for c in list(keys):
        keys |= _HAND.get(c, frozenset())
    return frozenset(keys)


def _skeleton(token: str) -> str:
    # Consonant skeleton, doubled letters merged: Arabic script carries no short vowels, so
    # "محمد" transliterates to "mhmd"; the skeleton still meets "Muhammad".
    out: list[str] = []
    for ch in token:
        if ch in "aeiouyhw" or (out and out[-1] == ch):
            continue
        out.append(ch)
    return "".join(out)


# Letters that sound alike across the conventions a name is written in by ear: Jazmin /
# Yasmin, Jusuf / Yusuf (j as y), Khalid / Halid, Filip / Philip, Wiktor / Viktor. Metaphone
# and NYSIIS keep the first letter's sound apart, so both read the token with these folded.
_FIRST_SOUNDS = (
    ("j", "y"), ("w", "v"), ("ph", "f"),
    # Gi before a vowel is a y sound (Giorgos / Yorgos, Giulia / Yulia, Gianna / Yanna)
    ("gia", "ya"), ("gio", "yo"), ("giu", "yu"), ("gie", "ye"),
)  # fmt: skip


def _sound_fold(token: str) -> str:
    token = token.replace("kh", "h")
    for a, b in _FIRST_SOUNDS:
        if token.startswith(a):
            return b + token[len(a) :]
    return token


@lru_cache(maxsize=65536)
def phonetic(token: str) -> tuple[str, str, str]:
    """Phonetic codes of a token: metaphone, NYSIIS (both of the token with sound-alike
    letters folded: `_sound_fold`), consonant skeleton."""
    said = _sound_fold(token)
    return jellyfish.metaphone(said), jellyfish.nysiis(said), _skeleton(token)


def _vowelless(token: str) -> bool:
    # a name written without vowels, as Arabic, Persian and Hebrew script leave short ones
    return len(token) >= 2 and not any(c in "aeiou" for c in token)


@lru_cache(maxsize=65536)
def _nicknames(token: str) -> frozenset[str]:
    # cached: a ranking compares thousands of token pairs, most of them seen for the first time
    return frozenset(_NICK.nicknames_of(token))


def _nick_related(a: str, b: str) -> bool:
    if canon(a) & canon(b):
        return True
    return a in _nicknames(b) or b in _nicknames(a)


def _part_of(a: str, b: str) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and long_.startswith(short):
        return True
    return len(short) >= 4 and long_.endswith(short)


@lru_cache(maxsize=262144)
def compare_tokens(a: str, b: str) -> Level:
    """Agreement level of two folded name tokens (symmetric)."""
    if a > b:
        a, b = b, a
    if a == b:
        return Level.EXACT
    if _nick_related(a, b):
        return Level.NICKNAME
    pa, pb = phonetic(a), phonetic(b)
    if min(len(a), len(b)) >= 3 and (pa[0] == pb[0] or pa[1] == pb[1]):
        return Level.PHONETIC
    if min(len(a), len(b)) >= 4 and len(pa[2]) >= 3 and pa[2] == pb[2]:
        return Level.PHONETIC
    if (_vowelless(a) or _vowelless(b)) and len(pa[2]) >= 2 and pa[2] == pb[2]:
        return Level.PHONETIC  # Arabic or Hebrew letters: "زهرا" (zhr) is Zahra
    if JaroWinkler.normalized_similarity(a, b) >= 0.88 and min(len(a), len(b)) >= 4:
        return Level.FUZZY
    if _part_of(a, b):
        return Level.PREFIX
    return Level.NONE


@dataclass(frozen=True, slots=True)
class NameMatch:
    level: Level
    said: str  # the token as one side gave it (folded)
    known: str  # the token it met on the other side


def best_match(left: Sequence[str], right: Sequence[str]) -> NameMatch | None:
    """The strongest agreement between any token of `left` and any of `right`."""
    best: NameMatch | None = None
    for a in left:
        for b in right:
            lvl = compare_tokens(a, b)
            if lvl and (best is None or lvl > best.level):
                best = NameMatch(lvl, a, b)
    # Names split differently ("Min Jun" / "Minjun"): compare the glued forms too.
    if len(left) > 1 or len(right) > 1:
        ga, gb = "".join(left), "".join(right)
        lvl = compare_tokens(ga, gb) if ga and gb else Level.NONE
        if lvl >= Level.PHONETIC and (best is None or lvl > best.level):
            best = NameMatch(lvl, ga, gb)
    return best


def name_tokens(*texts: str) -> list[str]:
    """Folded tokens of several name fields, without duplicates, in order; a name written
    in kanji also gives its Japanese reading."""
    out: list[str] = []
    for t in texts:
        for tok in (*tokens(t), *japanese_reading(t)):
            if tok not in out:
                out.append(tok)
    return out


_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_KAKASI: Any = None


@lru_cache(maxsize=65536)
def japanese_reading(text: str) -> tuple[str, ...]:
    """The Japanese reading of a name written with kanji, as romanised names are written
    ("洋介" -> yosuke, "池田" -> ikeda): anyascii reads every ideograph as Chinese (yang jie),
    which never meets the child's name as a Japanese officer or parent writes it. Long
    vowels are written short (Yōsuke, Yosuke). Empty for text without kanji.

    pykakasi's dictionaries take about 120 MiB, so they are loaded on the first kanji."""
    global _KAKASI
    if not _KANJI.search(text):
        return ()
    if _KAKASI is None:
        import pykakasi

        _KAKASI = pykakasi.kakasi()
    reading = "".join(part["hepburn"] for part in _KAKASI.convert(text)).replace("'", "")
    return tuple(_short_vowels(tok) for tok in tokens(reading))


def _short_vowels(token: str) -> str:
    for long_, short in (("ou", "o"), ("oo", "o"), ("uu", "u")):
        token = token.replace(long_, short)
    return token


@lru_cache(maxsize=65536)
def name_tuple(*texts: str) -> tuple[str, ...]:
    """`name_tokens` as a shared tuple of interned strings (many reports share names)."""
    return tuple(sys.intern(t) for t in name_tokens(*texts))


@lru_cache(maxsize=262144)
def blocking_keys(token: str) -> frozenset[str]:
    """Index keys under which a name token is found: any two tokens that compare at PREFIX or
    better share at least one key in most cases (fuzzy-only matches may be missed)."""
    keys = {"t:" + token}
    keys |= {"c:" + c for c in canon(token)}
    m, n, s = phonetic(token)
    keys.add("m:" + m)
    keys.add("n:" + n)
    if len(s) >= 2:
        keys.add("s:" + s)
    if len(token) >= 3:
        keys.add("p:" + token[:3])
    if len(token) >= 4:
        keys.add("x:" + token[-4:])
    return frozenset(keys)
