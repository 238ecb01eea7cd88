"""Text folding: any script and case to lowercase ASCII tokens."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _is_ideograph(ch: str) -> bool:
    # CJK ideographs are one syllable each; anyascii glues them ("ZhangWei"), so a space is
    # put between them to let "张伟" meet "Zhang Wei" token by token.
    return unicodedata.name(ch, "").startswith("CJK")


# Modern Greek as names are said (anyascii spells letter by letter: "Μπέλλα" -> "mpella",
# "Ντάνιελ" -> "ntaniel", "Γιουσούφ" -> "gioysoyf"): digraphs first, then single letters.
_GREEK_START = (("μπ", "b"), ("ντ", "d"), ("γκ", "g"), ("τζ", "j"), ("γι", "y"))
_GREEK_PAIRS = (
    ("μπ", "mb"), ("ντ", "nd"), ("γκ", "ng"), ("γγ", "ng"), ("τζ", "dz"), ("τσ", "ts"),
    ("ου", "u"), ("αι", "e"), ("ει", "i"), ("οι", "i"), ("υι", "i"), ("αυ", "av"),
    ("ευ", "ev"), ("γι", "gi"),
)  # fmt: skip
_GREEK_LETTERS = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "i", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]+")


_GREEK_VOWELS = "αεηιουω"


def _greek_word(word: str) -> str:
    w = unicodedata.normalize("NFD", word.lower())
    # a diaeresis splits a digraph ("Αϊσα" is A-i-sa, not Esa): mark such a letter first
    w = w.replace("ι\u0308", "\x01").replace("υ\u0308", "\x01")
    w = "".join(c for c in w if not unicodedata.combining(c))
    out: list[str] = []
    if w.startswith("ου") and w[2:3] and w[2] in _GREEK_VOWELS:
        out.append("w")  # "Ουίλιαμ" is William
        w = w[2:]
    for a, b in _GREEK_START:
        if w.startswith(a) and not (a == "γι" and len(w) < 3):
            out.append(b)
            w = w[len(a) :]
            break
    while w:
        if w.startswith("γι") and w[2:3] and w[2] in _GREEK_VOWELS:
            out.append("y")  # "Πρίγια" is Priya
            w = w[2:]
            continue
        if w[0] == "χ" and w[1:2] and w[1] in "αοω":
            out.append("h")  # "Χάρης" is Haris, "Χάνα" Hana; "Χριστίνα" keeps its ch
            w = w[1:]
            continue
        for a, b in _GREEK_PAIRS:
            if w.startswith(a):
                out.append(b)
                w = w[len(a) :]
                break
        else:
            out.append(_GREEK_LETTERS.get(w[0], "i" if w[0] == "\x01" else w[0]))
            w = w[1:]
    return "".join(out)


def _greek(text: str) -> str:
    return _GREEK.sub(lambda m: _greek_word(m.group(0)), text)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase ASCII transliteration with single spaces: 'Nguyễn  MINH' -> 'nguyen minh'."""
    parts: list[str] = []
    if not text.isascii() and _GREEK.search(text):
        text = _greek(text)
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            parts.append(ch)
        elif _is_ideograph(ch):
            parts.append(f" {anyascii(ch)} ")
        else:
            parts.append(anyascii(ch))
    return " ".join(_NON_ALNUM.sub(" ", "".join(parts).lower()).split())


def tokens(text: str) -> list[str]:
    """Folded tokens of free text."""
    return fold(text).split()
