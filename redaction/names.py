"""Children's names out of free text: first the names the linked records know, then detected
person names as a safety net; a reviewer reads the result before anything is public.

Known names are matched through the matching engine's own name evidence
(`matching.names`: folding of any script to ASCII, transliteration conventions, nickname and
cognate tables, phonetic codes), so "Marcus", "MARCUS", "Márcus", "Marcus's", "Markus",
"Маркус" and, for a known "Alejandro", "Sasha" are all found. Whole words only: a known
"Eli" never hits "Elizabeth", a known "Mark" never "market". A word written in lower case
is only replaced when it is the name itself ("marcus"), not a nickname or a sound-alike
("will", "rob" stay). Chinese and Japanese text has no spaces: a known name written in
ideographs is found as written, and a run of two or more ideographs that read as the known
name's parts ("张伟" for a known "Zhang Wei").

Detection (`detect=True`) runs Presidio's AnalyzerEngine offline:
- its NLP engine is `spacy.blank("en")` (a tokenizer, no download) unless a spaCy pipeline
  package with an NER component is installed (`en_core_web_sm`, ...), which is then loaded
  from the package, never downloaded, and its PERSON entities are used too;
- none of Presidio's predefined recognisers is loaded (the e-mail and URL ones call
  tldextract, which fetches the public suffix list); contact details are `moderation`'s;
- `GivenNameRecognizer` finds capitalised words that are common given names of some country
  (`redaction.namelist`, built from names-dataset), words after "named", "called", "my son",
  "hija", "se llama"... and a capitalised word right after a found name (a family name).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from matching.names import Level, compare_tokens, name_tokens
from matching.text import fold
from redaction.namelist import given_names

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

Source = Literal["known", "detected", "contact"]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    source: Source


@dataclass(frozen=True)
class RedactedText:
    text: str
    spans: list[Span]


# A word: letters and combining marks of any script (apostrophes split "Marcus's").
_WORD = re.compile(r"[^\W\d_]+")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Capitalised words that start sentences or name things in a note, and are also someone's
# given name somewhere (names-dataset is built from social-network profiles): never taken
# for a person's name on their own. Folded forms.
COMMON_WORDS = frozenset(
    """
    a an and are as at be best bless blessed boy brave but by can care child city cookie
    cookies dad daughter day dear department do dream ever faith family father for friday
    from gift girl god good grace great guy happy have he heart her hero his home honor hope
    hospital i in is it joy just kid kind king kindness king lady last lord love lucky major
    man may me mercy miss mom monday more mother mr mrs ms mum my never new next night no not
    of officer on one our park peace please police precious proud rose saturday say she so
    son star summer sunday sunny sweet thank thanks that the their they this thursday to
    today tomorrow tuesday unit very was we wednesday well what when will with wonderful yes
    yesterday you your january february march april june july august september october
    november december angel art bill mark sun wish smile
    ademas adios agradecemos agradecido agradecida amigo amor ano bendiga bendicion buen
    buena buenas buenos calle carino casa con de del dia dias dios el ella ellos en es esta
    familia feliz gracias hija hijo hola hoy la las los mama mañana mi mis muchas mucho mundo
    nino nina ninos nuestra nuestro oficial papa para paz policia por que querida querido
    señor señora sra sr su sus te todo todos una uno y yo
    """.split()  # noqa: SIM905
)

# Words after which a capitalised word is a person's name (folded, single or two words).
_CUES = frozenset(
    """
    named called name son daughter boy girl kid child nephew niece grandson granddaughter
    brother sister baby toddler stepson stepdaughter
    llamado llamada llama llamaba hijo hija nino nina nieto nieta sobrino sobrina hermano
    hermana bebe pequeno pequena
    mr mrs ms miss sr sra srta don dona
    """.split()  # noqa: SIM905
)
_TWO_WORD_CUES = frozenset({("name", "is"), ("nombre", "es"), ("se", "llama"), ("me", "llamo")})


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES

    return frozenset(fold(w) for w in (*EN, *ES))


@lru_cache(maxsize=1)
def not_names() -> frozenset[str]:
    """Folded words that are never taken for a name on their own."""
    return COMMON_WORDS | _stop_words()


# ---------------------------------------------------------------------------------------
# known names


@dataclass(frozen=True)
class _Known:
    tokens: tuple[str, ...]  # folded tokens of every known name (and readings)
    glued: tuple[str, ...]  # "min jun" -> "minjun"
    literal: tuple[str, ...]  # known names as written, for scripts without spaces


def _known(known: Sequence[str]) -> _Known:
    toks: list[str] = []
    glued: list[str] = []
    literal: list[str] = []
    for name in known:
        name = (name or "").strip()
        if not name:
            continue
        parts = name_tokens(name)
        toks.extend(t for t in parts if len(t) >= 2 and t not in toks)
        if len(parts) > 1:
            glued.append("".join(parts))
        if _IDEOGRAPH.search(name):
            literal.extend(p for p in (name, *name.split()) if p and p not in literal)
    return _Known(tuple(toks), tuple(glued), tuple(literal))


def _looks_like_a_name(word: str) -> bool:
    """Capitalised, all capitals, or written in a script without case (Arabic, Hebrew...)."""
    first = word[0]
    if first.isupper():
        return True
    return not first.islower()


def _matches_known(word: str, known: _Known) -> bool:
    folded = fold(word).split()
    if not folded:
        return False
    namey = _looks_like_a_name(word)
    for tok in folded:
        if len(tok) < 2:
            continue
        for k in (*known.tokens, *known.glued):
            level = compare_tokens(tok, k)
            if level == Level.EXACT:
                return True
            # a nickname or sound-alike only when written as a name, never a function word
            # ("will", "May" stay for a known "William", "Mayra")
            if not namey or tok in _stop_words():
                continue
            if level == Level.NICKNAME:
                return True
            # Sound-alikes and spelling variants: not for short tokens, where they would
            # take common words ("Ana" / "Ann" are nicknames already, "Eli" / "Ella" not).
            if level in (Level.PHONETIC, Level.FUZZY) and min(len(tok), len(k)) >= 4:
                return True
    return False


def _ideograph_spans(text: str, known: _Known) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lit in known.literal:
        start = 0
        while (i := text.find(lit, start)) >= 0:
            out.append((i, i + len(lit)))
            start = i + len(lit)
    # A run of ideographs each read as a part of a known name ("张伟" for "Zhang Wei"); one
    # ideograph alone is a syllable shared by many words and is not taken.
    wanted = set(known.tokens)
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and _IDEOGRAPH.match(text[j]) and fold(text[j]) in wanted:
            j += 1
        if j - i >= 2:
            out.append((i, j))
        i = max(j, i + 1)
    return out


def known_spans(text: str, known: Sequence[str]) -> list[tuple[int, int]]:
    """Character ranges of `text` that are one of the `known` names, in any spelling."""
    k = _known(known)
    if not k.tokens and not k.literal:
        return []
    out = [
        (m.start(), m.end())
        for m in _WORD.finditer(text)
        if not _IDEOGRAPH.search(m.group()) and _matches_known(m.group(), k)
    ]
    if k.literal or any(_IDEOGRAPH.search(text[i]) for i in range(len(text))):
        out.extend(_ideograph_spans(text, k))
    return out


# ---------------------------------------------------------------------------------------
# detection


def detect_name_spans(text: str) -> list[tuple[int, int, float]]:
    """Person names found by the rules of `GivenNameRecognizer`: (start, end, score)."""
    names = given_names()
    stop = not_names()
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    folded = [fold(w) for _, _, w in words]
    out: list[tuple[int, int, float]] = []
    found_prev = False
    for i, (start, end, word) in enumerate(words):
        f = folded[i]
        hit = 0.0
        if word[0].isupper() and f not in stop and len(f) >= 2:
            if f in names:
                hit = 0.6
            prev = folded[i - 1] if i >= 1 else ""
            prev2 = (folded[i - 2], prev) if i >= 2 else ("", "")
            if prev in _CUES or prev2 in _TWO_WORD_CUES:
                hit = 0.85
            elif found_prev and text[words[i - 1][1] : start].strip() == "":
                hit = max(hit, 0.7)  # a family name after a given name
        if hit:
            out.append((start, end, hit))
        found_prev = bool(hit)
    return out


def _build_analyzer() -> AnalyzerEngine:
    import spacy
    from presidio_analyzer import (
        AnalyzerEngine,
        EntityRecognizer,
        RecognizerRegistry,
        RecognizerResult,
    )
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    model = next(
        (
            name
            for name in ("en_core_web_sm", "en_core_web_md", "en_core_web_lg")
            if spacy.util.is_package(name)
        ),
        None,
    )

    class OfflineSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine without its download: an installed pipeline package or
        a blank English tokenizer."""

        def load(self) -> None:
            pipeline = spacy.load(model) if model else spacy.blank("en")
            self.nlp = {"en": pipeline}  # type: ignore[assignment]  # typed None upstream

    class GivenNameRecognizer(EntityRecognizer):
        def load(self) -> None:
            given_names()

        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
        ) -> list[RecognizerResult]:
            return [
                RecognizerResult("PERSON", start, end, score)
                for start, end, score in detect_name_spans(text)
            ]

    engine = OfflineSpacyEngine(models=[{"lang_code": "en", "model_name": model or "blank"}])
    engine.load()
    pipeline: Any = engine.nlp["en"]  # type: ignore[index]
    recognizers: list[Any] = [GivenNameRecognizer(supported_entities=["PERSON"], name="given")]
    if model and "ner" in pipeline.pipe_names:
        recognizers.append(SpacyRecognizer(supported_entities=["PERSON"]))
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


_ANALYZER: AnalyzerEngine | None = None
_LOCK = threading.Lock()


def analyzer() -> AnalyzerEngine:
    """The process's analyzer, built on first use (about 2.5 s: importing Presidio and
    spaCy); call it at start-up of a worker to warm up."""
    global _ANALYZER
    with _LOCK:
        if _ANALYZER is None:
            _ANALYZER = _build_analyzer()
        return _ANALYZER


def detected_spans(text: str) -> list[tuple[int, int]]:
    results = analyzer().analyze(text=text, language="en", entities=["PERSON"])
    return [(r.start, r.end) for r in results if r.score >= 0.4]


# ---------------------------------------------------------------------------------------
# putting it together


def _allowed_tokens(allowed: Iterable[str]) -> frozenset[str]:
    return frozenset(t for name in allowed for t in fold(name).split())


def merge_spans(spans: Iterable[Span], text: str) -> list[Span]:
    """Overlapping spans, and spans of the same kind with only spaces between them
    ("Marcus Delgado"), become one; "known" wins over "detected"."""
    rank = {"contact": 2, "known": 1, "detected": 0}
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out:
            last = out[-1]
            gap = text[last.end : s.start]
            joinable = s.start <= last.end or (
                gap.strip() == ""
                and "\n" not in gap
                and {last.source, s.source} <= {"known", "detected"}
            )
            if joinable:
                end = max(last.end, s.end)
                source = max(last.source, s.source, key=lambda x: rank[x])
                out[-1] = Span(last.start, end, text[last.start : end], source)
                continue
        out.append(s)
    return out


def apply(text: str, spans: Sequence[Span], replacement: dict[str, str]) -> str:
    parts: list[str] = []
    at = 0
    for s in spans:
        parts.append(text[at : s.start])
        parts.append(replacement[s.source])
        at = s.end
    parts.append(text[at:])
    return "".join(parts)


def name_spans(
    text: str, known: Sequence[str], *, detect: bool = True, allowed_names: Sequence[str] = ()
) -> list[Span]:
    """Unmerged spans of known and detected names (detected names made only of `allowed`
    words are left out; known names never are)."""
    text = unicodedata.normalize("NFC", text)
    spans = [Span(a, b, text[a:b], "known") for a, b in known_spans(text, known)]
    if detect and text.strip():
        allowed = _allowed_tokens(allowed_names)
        for a, b in detected_spans(text):
            words = fold(text[a:b]).split()
            if words and all(w in allowed for w in words):
                continue
            spans.append(Span(a, b, text[a:b], "detected"))
    return spans


def redact_names(
    text: str,
    known: Sequence[str],
    *,
    replacement: str = "[name]",
    detect: bool = True,
    allowed_names: Sequence[str] = (),
) -> RedactedText:
    """`text` with the `known` names (in every spelling the matching engine knows) and, with
    `detect`, detected person names replaced by `replacement` (a translated word, "[name]"
    by default). `allowed_names` (the thanked officer) stay unless they are known names.
    The spans are positions in the NFC-normalised input."""
    text = unicodedata.normalize("NFC", text)
    spans = merge_spans(name_spans(text, known, detect=detect, allowed_names=allowed_names), text)
    out = apply(
        text, spans, {"known": replacement, "detected": replacement, "contact": replacement}
    )
    return RedactedText(out, spans)
