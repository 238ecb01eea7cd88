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


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase ASCII transliteration with single spaces: 'Nguyễn  MINH' -> 'nguyen minh'."""
    parts: list[str] = []
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
