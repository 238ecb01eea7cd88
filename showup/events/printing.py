"""Junior badges, name tags and certificates as PDF (WeasyPrint, Debian's Noto fonts, segno).

Framework-light: the functions take plain data (`BadgeData`, `CertificateData`, `Issuer`) and
return PDF bytes; they read no model and check no access (views_print does both). The HTML is a
Django template (`templates/events/print/`) so that its labels are translated in the active
language; the CSS is in files beside it and handed to WeasyPrint, with one small generated
stylesheet for the per-name font sizes.

Names in any script: the font-family lists in the CSS cover Latin, Cyrillic, Greek, Arabic,
Hebrew, Devanagari and CJK with Noto (`scripts/ensure-fonts.sh` installs them); Pango shapes
and joins them. Each name carries its own direction (what `dir="auto"` means: the first strong
character decides) and is isolated from the text around it, and a `lang` for Chinese, Japanese
and Korean so that Han characters take the glyphs of that language.

A name too long for its box shrinks to fit and then wraps, never cut: WeasyPrint cannot be
asked how wide a text is before layout, so `fit_font_size` estimates each character's width
conservatively (CJK counted a full em) and picks the largest size at which the estimated lines
fit, down to a minimum size below which the name still shows whole.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from django.template.loader import render_to_string

PRINT_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "events" / "print"
DEFAULT_EMBLEM = Path(__file__).resolve().parent.parent.parent / "static" / "img" / "emblem.svg"

PT_PER_IN = 72.0
BADGES_PER_SHEET = 8


@dataclass(frozen=True)
class SheetLayout:
    """A label sheet: page size, label size and where the top-left label starts, with the
    distance from one label to the next (the pitch), all in points."""

    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    columns: int = 2
    rows: int = 4

    def slot_origin(self, slot: int) -> tuple[float, float]:
        row, column = divmod(slot, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


# Avery 5395 (and compatible 8395, 45395): US Letter, 2 x 4 name badges of 3 3/8" x 2 1/3",
# 11/16" side margin, 7/12" top margin, 3 3/4" across and 2 1/2" down from one to the next.
LETTER = SheetLayout("letter", 612.0, 792.0, 243.0, 168.0, 49.5, 42.0, 270.0, 180.0)
# The same badges centred on A4 with the same gaps (A4 name-badge stock varies by maker).
A4 = SheetLayout(
    "a4", 595.28, 841.89, 243.0, 168.0, (595.28 - 513.0) / 2, (841.89 - 708.0) / 2, 270.0, 180.0
)
LAYOUTS = {"letter": LETTER, "a4": A4}
# Certificates are one landscape page.
CERTIFICATE_PAGES = {"letter": (792.0, 612.0), "a4": (841.89, 595.28)}

# The badge's name box (see badges.css: .name-box) and the certificate's (certificate.css).
BADGE_NAME_BOX = (225.0, 62.0)
BADGE_NAME_SIZES = (40.0, 9.0)
BADGE_EVENT_BOX = (160.0, 30.0)
BADGE_EVENT_SIZES = (9.0, 5.0)
CERTIFICATE_NAME_BOX = (600.0, 96.0)
CERTIFICATE_NAME_SIZES = (64.0, 14.0)
LINE_HEIGHT = 1.2  # the CSS line-height of a fitted text


@dataclass(frozen=True)
class Issuer:
    """The agency printed on a badge or certificate: its name and its emblem as a data URI
    (a PNG the agency uploaded, or showup's star)."""

    name: str
    emblem_uri: str


@dataclass(frozen=True)
class BadgeData:
    first_name: str
    event_title: str
    event_date: str  # already formatted in the reader's language
    qr_payload: str


@dataclass(frozen=True)
class CertificateData:
    first_name: str
    event_title: str
    event_date: str
    kind: str  # "chief" or "partner"


CERTIFICATE_KINDS = ("chief", "partner")


def issuer(name: str, emblem_png: bytes | None = None) -> Issuer:
    """The agency's name with its own emblem (PNG bytes, already checked and re-encoded by
    showup.core.photos.clean_emblem), or showup's star badge when it has none."""
    if emblem_png:
        uri = "data:image/png;base64," + base64.b64encode(emblem_png).decode("ascii")
    else:
        uri = _svg_data_uri(DEFAULT_EMBLEM.read_text(encoding="utf-8"))
    return Issuer(name=name, emblem_uri=uri)


# --- text measuring -------------------------------------------------------------------------


def char_width_em(char: str) -> float:
    """A conservative estimate of a character's advance in bold Noto Sans, in ems."""
    if char.isspace():
        return 0.3
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf"):
        return 0.0  # combining marks, joiners: drawn over their base
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0  # CJK ideographs, kana, Hangul: full width
    if category == "Mc":
        return 0.4  # spacing vowel signs (Devanagari)
    code = ord(char)
    if 0x0900 <= code <= 0x097F:
        return 0.75
    if 0x0590 <= code <= 0x05FF:
        return 0.62
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F:
        return 0.6
    if category == "Lu" or char.isdigit():
        return 0.8
    if category == "Ll":
        return 0.66
    return 0.75


def text_width_em(text: str) -> float:
    return sum(char_width_em(c) for c in text)


def estimated_lines(text: str, size: float, box_width: float) -> int:
    """Lines a greedy wrap at spaces would take; a word wider than the box is broken
    (the CSS says overflow-wrap: anywhere), counting every line it needs."""
    space = char_width_em(" ") * size
    lines, used = 0, 0.0
    for word in text.split():
        width = text_width_em(word) * size
        if width > box_width:
            if used:
                lines += 1
            full, rest = divmod(width, box_width)
            lines += int(full)
            used = rest
            continue
        if used and used + space + width <= box_width:
            used += space + width
        else:
            if used:
                lines += 1
            used = width
    return lines + (1 if used else 0) or 1


def fit_font_size(
    text: str, *, box: tuple[float, float], sizes: tuple[float, float], line_height: float = 1.2
) -> float:
    """The largest size (in 0.5 pt steps from sizes[0] down to sizes[1]) at which the text's
    estimated lines fit the box; the minimum when none does (the text then takes more room,
    it is never cut)."""
    width, height = box
    largest, smallest = sizes
    size = largest
    while size >= smallest:
        if estimated_lines(text, size, width) * size * line_height <= height:
            return size
        size -= 0.5
    return smallest


# --- direction and language -----------------------------------------------------------------


def text_direction(text: str) -> str:
    """ "rtl" or "ltr" by the first strong character, as HTML's dir="auto" decides."""
    for char in text:
        bidi = unicodedata.bidirectional(char)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"


def cjk_language(text: str) -> str:
    """ "ja", "ko" or "zh" when the text is written in CJK (so Han characters take that
    language's glyphs); "" otherwise."""
    han = False
    for char in text:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
            return "ja"
        if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            return "ko"
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FFFF:
            han = True
    return "zh" if han else ""


# --- rendering ------------------------------------------------------------------------------


def qr_svg_data_uri(payload: str) -> str:
    """The QR code as an SVG data URI, with the standard 4-module quiet zone."""
    return segno.make(payload, error="m", micro=False).svg_data_uri(scale=1, border=4)


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _text(text: str, css_class: str) -> dict[str, str]:
    return {"text": text, "dir": text_direction(text), "lang": cjk_language(text), "cls": css_class}


def _pt(value: float) -> str:
    return f"{value:.2f}pt"


def _write_pdf(html: str, stylesheets: Sequence[str], generated_css: str) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only printing needs.
    from PIL import ImageFile
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint turns this on for the whole process when imported; children's photos must
    # still be refused when truncated (showup.core.photos), so put it back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    fonts = FontConfiguration()
    sheets = [CSS(filename=str(PRINT_DIR / name), font_config=fonts) for name in stylesheets]
    sheets.append(CSS(string=generated_css, font_config=fonts))
    pdf = HTML(string=html, base_url=str(PRINT_DIR)).write_pdf(
        stylesheets=sheets, font_config=fonts
    )
    assert pdf is not None
    return bytes(pdf)


def badge_sheets_pdf(
    badges: Sequence[BadgeData], *, issuer: Issuer, paper: str = "letter", first_slot: int = 0
) -> bytes:
    """Sheets of 8 badges for Avery 5395-style stock (or A4). `first_slot` (0-7) starts the
    first sheet at a later label, for a sheet that is partly used already."""
    layout = LAYOUTS[paper]
    if not 0 <= first_slot < BADGES_PER_SHEET:
        raise ValueError("first_slot")
    css = [
        f"@page {{ size: {_pt(layout.page_width)} {_pt(layout.page_height)}; margin: 0; }}",
        f".sheet {{ width: {_pt(layout.page_width)}; height: {_pt(layout.page_height)}; }}",
        f".badge {{ width: {_pt(layout.label_width)}; height: {_pt(layout.label_height)}; }}",
    ]
    for slot in range(BADGES_PER_SHEET):
        x, y = layout.slot_origin(slot)
        css.append(f".slot-{slot} {{ left: {_pt(x)}; top: {_pt(y)}; }}")
    sheets: list[list[dict[str, object]]] = []
    slot = first_slot
    for index, badge in enumerate(badges):
        if not sheets:
            sheets.append([])
        elif slot == BADGES_PER_SHEET:
            sheets.append([])
            slot = 0
        name_size = fit_font_size(
            badge.first_name, box=BADGE_NAME_BOX, sizes=BADGE_NAME_SIZES, line_height=LINE_HEIGHT
        )
        event_size = fit_font_size(
            badge.event_title,
            box=BADGE_EVENT_BOX,
            sizes=BADGE_EVENT_SIZES,
            line_height=LINE_HEIGHT,
        )
        css.append(f".name-{index} {{ font-size: {name_size:.1f}pt; }}")
        css.append(f".event-{index} {{ font-size: {event_size:.1f}pt; }}")
        sheets[-1].append(
            {
                "slot": slot,
                "name": _text(badge.first_name, f"name-{index}"),
                "event": _text(badge.event_title, f"event-{index}"),
                "date": badge.event_date,
                "qr": qr_svg_data_uri(badge.qr_payload),
            }
        )
        slot += 1
    html = render_to_string(
        "events/print/badges.html",
        {
            "sheets": sheets,
            "agency": _text(issuer.name, "agency"),
            "emblem": issuer.emblem_uri,
            "paper": layout.name,
        },
    )
    return _write_pdf(html, ["fonts.css", "badges.css"], "\n".join(css))


def certificate_pdf(
    certificate: CertificateData, *, issuer: Issuer, paper: str = "letter"
) -> bytes:
    """One landscape page: "Chief Junior Officer" or "Partner for the day"."""
    if certificate.kind not in CERTIFICATE_KINDS:
        raise ValueError("kind")
    width, height = CERTIFICATE_PAGES[paper]
    name_size = fit_font_size(
        certificate.first_name,
        box=CERTIFICATE_NAME_BOX,
        sizes=CERTIFICATE_NAME_SIZES,
        line_height=LINE_HEIGHT,
    )
    css = [
        f"@page {{ size: {_pt(width)} {_pt(height)}; margin: 0; }}",
        f".page {{ width: {_pt(width)}; height: {_pt(height)}; }}",
        f".name-0 {{ font-size: {name_size:.1f}pt; }}",
    ]
    html = render_to_string(
        "events/print/certificate.html",
        {
            "kind": certificate.kind,
            "name": _text(certificate.first_name, "name-0"),
            "event": _text(certificate.event_title, "event"),
            "date": certificate.event_date,
            "agency": _text(issuer.name, "agency"),
            "emblem": issuer.emblem_uri,
        },
    )
    return _write_pdf(html, ["fonts.css", "certificate.css"], "\n".join(css))


def pages_needed(count: int, first_slot: int = 0) -> int:
    return math.ceil((count + first_slot) / BADGES_PER_SHEET) if count else 1
