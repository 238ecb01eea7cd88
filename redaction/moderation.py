"""Moderation of public thank-you notes: what the public may read, and flags for the person
who approves it.

Taken out (replaced by `replacement_contact`): e-mail addresses, phone numbers (libphonenumber's
matcher, in the note's region and in international form), street addresses written as a
number and a street word ("12 Oak Street", "Calle Mayor 5"), and links (http(s), www., and
bare domains whose suffix is in the public suffix list that tldextract ships: it is read
from the package, never fetched). Taken out (replaced by `replacement_name`): the child's
known names in every spelling, and detected person names except `allowed_names` (the
thanked officer). Nothing else is changed.

Flags: "contact" (an e-mail, phone or address was taken out), "link", "child_name",
"person_name", "spam" (many links, a character repeated many times, shouting, a spam
phrase, a very long note), "abuse" (a word of the English and Spanish list below, read
through case, accents and common letter-for-digit swaps). Abuse is flagged, not masked: the
person moderating decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import phonenumbers

from matching.text import fold
from redaction.names import RedactedText, Span, apply, merge_spans, name_spans

__all__ = ["Moderation", "RedactedText", "Span", "moderate"]


@dataclass
class Moderation:
    public_text: str
    flags: list[str]
    spans: list[Span] = field(default_factory=list)


_EMAIL = re.compile(
    # name@host.tld, and the spelled-out "name (at) host (dot) tld"
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?:@|\s*(?:\(at\)|\[at\])\s*)"
    r"[A-Za-z0-9-]+(?:(?:\.|\s*(?:\(dot\)|\[dot\])\s*)[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
# Nine digits or more grouped by spaces, dots, dashes or brackets: a phone number of a
# region other than the note's ("020 7946 0958" in a US note) that libphonenumber's matcher
# only finds in its own region.
_DIGITS = re.compile(r"(?<![\w/:,])\+?\(?\d[\d\s().-]{7,}\d(?![\w/:,])")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_DOMAIN = re.compile(r"\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/[^\s<>\"']*)?", re.IGNORECASE)

_STREET_WORDS = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|circle|cir|highway|hwy|parkway|pkwy"
)
_STREET_ES = r"calle|c/|avenida|avda|av|carrera|cra|paseo|camino|plaza|pasaje|calzada"
_ADDRESS = re.compile(
    # 12 Oak Street, 1200 W. Elm Ave, 5 Rue ...: a number, one to four words, a street word
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][\w'-]*\.?\s+){{1,4}}(?:{_STREET_WORDS})\b"
    # Calle Mayor 5, Avenida de la Paz 123, C/ Sol 4
    rf"|\b(?:{_STREET_ES})\.?\s+(?:(?:de|del|la|las|los|el)\s+)*(?:[A-ZÁÉÍÓÚÑ][\w'-]*\s+){{1,4}}"
    r"(?:n\.?º\s*|no\.?\s*|#\s*)?\d{1,5}\b",
    re.IGNORECASE,
)

# Phrases that mark a note as spam (folded).
SPAM_PHRASES = (
    "buy now", "click here", "free money", "work from home", "casino", "viagra", "bitcoin",
    "crypto", "investment opportunity", "earn money", "make money", "seo services",
    "cheap pills", "limited offer", "visit my", "subscribe to", "follow me",
    "gana dinero", "haz clic", "compra ahora", "dinero facil", "oferta limitada",
    "trabaja desde casa", "prestamo rapido", "visita mi",
)  # fmt: skip

# Abusive words, English and Spanish, folded; a small list for a flag a person reads. A
# maintained multilingual list (glin-profanity) is on PyPI: see docs/stories.md.
ABUSIVE = frozenset(
    """
    asshole assholes bastard bitch bitches bullshit cunt dick dickhead fag faggot fuck fucked
    fucker fucking fuckin motherfucker nigger nigga piss pussy retard retarded shit shitty
    slut twat whore wanker moron idiot idiots scum pig pigs
    cabron cabrona cabrones chingada chingado chinga chingar culero culera gilipollas hijueputa
    hdp joder jodete malparido malparida marica maricon mierda pendejo pendeja pendejos pinche
    puta puto putos verga zorra imbecil idiota estupido estupida cerdo cerdos
    """.split()  # noqa: SIM905
)
_ABUSIVE_PHRASES = ("hijo de puta", "hija de puta", "son of a bitch", "chinga tu madre")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)

LONG = 3000  # characters: a note longer than this is flagged as spam
_REPEAT = re.compile(r"(\S)\1{7,}")
_LINKS_SPAM = 3


@lru_cache(maxsize=1)
def _suffixes() -> Any:
    import tldextract

    # The snapshot inside the package: no fetch, no cache directory.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_domain(candidate: str) -> bool:
    host = candidate.split("/", 1)[0]
    parts = _suffixes()(host)
    return bool(parts.domain and parts.suffix)


def _contact_spans(text: str, region: str) -> tuple[list[Span], list[Span]]:
    """(contact spans, link spans)."""
    contact: list[Span] = []
    links: list[Span] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s.start or a >= s.end for s in (*contact, *links))

    for m in _EMAIL.finditer(text):
        contact.append(Span(m.start(), m.end(), m.group(), "contact"))
    for m in _URL.finditer(text):
        end = m.end() - len(m.group()) + len(m.group().rstrip(".,;:!?)"))
        if free(m.start(), end):
            links.append(Span(m.start(), end, text[m.start() : end], "contact"))
    for m in _DOMAIN.finditer(text):
        end = m.end() - len(m.group()) + len(m.group().rstrip(".,;:!?)"))
        if free(m.start(), end) and _is_domain(text[m.start() : end]):
            links.append(Span(m.start(), end, text[m.start() : end], "contact"))
    seen: set[tuple[int, int]] = set()
    for reg in (region.upper() or "US", None):
        for pm in phonenumbers.PhoneNumberMatcher(
            text, reg, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            digits = sum(c.isdigit() for c in pm.raw_string)
            if digits >= 7 and (pm.start, pm.end) not in seen and free(pm.start, pm.end):
                seen.add((pm.start, pm.end))
                contact.append(Span(pm.start, pm.end, pm.raw_string, "contact"))
    for m in _DIGITS.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= 9 and free(m.start(), m.end()):
            contact.append(Span(m.start(), m.end(), m.group(), "contact"))
    for m in _ADDRESS.finditer(text):
        if free(m.start(), m.end()):
            contact.append(Span(m.start(), m.end(), m.group(), "contact"))
    return contact, links


def _abusive(text: str) -> bool:
    folded = fold(text.translate(_LEET))
    words = folded.split()
    if any(w in ABUSIVE for w in words):
        return True
    joined = f" {folded} "
    return any(f" {p} " in joined for p in _ABUSIVE_PHRASES)


def _spam(text: str, links: int) -> bool:
    if links >= _LINKS_SPAM or len(text) > LONG or _REPEAT.search(text):
        return True
    letters = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    if len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) >= 0.7:
        return True  # shouting
    folded = f" {fold(text)} "
    return any(f" {p} " in folded for p in SPAM_PHRASES)


def moderate(
    text: str,
    *,
    known_names: Sequence[str] = (),
    region: str = "US",
    replacement_name: str = "[name]",
    replacement_contact: str = "[contact]",
    allowed_names: Sequence[str] = (),
) -> Moderation:
    """The public text of a thank-you note and its flags (see the module's docstring)."""
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    contact, links = _contact_spans(text, region)
    taken = [*contact, *links]
    names = [
        s
        for s in name_spans(text, known_names, allowed_names=allowed_names)
        if all(s.end <= t.start or s.start >= t.end for t in taken)
    ]
    spans = merge_spans([*taken, *names], text)
    public = apply(
        text,
        spans,
        {"contact": replacement_contact, "known": replacement_name, "detected": replacement_name},
    )
    flags: list[str] = []
    if contact:
        flags.append("contact")
    if any(s.source == "known" for s in spans):
        flags.append("child_name")
    if any(s.source == "detected" for s in spans):
        flags.append("person_name")
    if links:
        flags.append("link")
    if _spam(text, len(links)):
        flags.append("spam")
    if _abusive(text):
        flags.append("abuse")
    return Moderation(public_text=public, flags=flags, spans=spans)
