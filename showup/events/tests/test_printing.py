"""Junior badges and certificates, read back from the PDFs: text in every script in logical
order, page sizes, embedded fonts, eight badges a sheet, QR codes decoded by a real decoder
(zbar) that lead back to the family's registration, and who may print.

The fonts, pdftoppm and zbarimg come from Debian (scripts/ensure-fonts.sh, run by `make test`
and CI through the Makefile's `browser` target): a missing one fails these tests, never skips
them.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import ContentStream

from showup.core.models import AuditEntry
from showup.events import printing, services
from showup.events.models import Event, RegisteredChild, Registration

ENSURE = "run scripts/ensure-fonts.sh (as root) or `make browser`"
SCRIPTS = {
    "latin": "Ethan",
    "arabic": "ليلى",
    "chinese": "小明",
    "japanese": "さくら",
    "korean": "지민",
    "cyrillic": "Алексей",
    "greek": "Νίκος",
    "devanagari": "आरव",
    "hebrew": "נועה",
}
LONG_NAME = "Maximiliana Alexandrina Konstantinopoulou-Vanderbilt Smithso"
ISSUER = printing.issuer("County Sheriff")


def require_tools() -> None:
    for tool in ("pdftoppm", "zbarimg", "fc-list"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: {ENSURE}")
    families = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, check=True
    ).stdout
    for family in ("Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari", "CJK JP"):
        if family not in families:
            pytest.fail(f"The font {family} is missing: {ENSURE}")


def badges(names: list[str], paper: str = "letter") -> PdfReader:
    require_tools()
    data = [printing.BadgeData(n, "Community Day", "June 14, 2025", f"p-{n}") for n in names]
    return PdfReader(io.BytesIO(printing.badge_sheets_pdf(data, issuer=ISSUER, paper=paper)))


# --- reading glyph runs back ------------------------------------------------------------------


def _unicode_map(font: Any) -> dict[int, str]:
    """A font's ToUnicode map (WeasyPrint writes bfchar entries)."""
    data = font["/ToUnicode"].get_object().get_data().decode("ascii")
    mapping = {}
    for section in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for glyph, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", section):
            mapping[int(glyph, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return mapping


def glyph_runs(page: Any) -> list[list[tuple[int, str]]]:
    """Each text-showing operation as (glyph id, the text it stands for), in drawing order."""
    fonts = page["/Resources"]["/Font"]
    maps = {name: _unicode_map(font.get_object()) for name, font in fonts.items()}
    current: dict[int, str] = {}
    runs = []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"Tf":
            current = maps[operands[0]]
        elif operator in (b"TJ", b"Tj"):
            items = operands[0] if operator == b"TJ" else [operands[0]]
            raw = b"".join(
                bytes(getattr(item, "original_bytes", item))
                for item in items
                if isinstance(item, (bytes, str))
            )
            glyphs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            runs.append([(g, current.get(g, "")) for g in glyphs])
    return runs


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def logical_texts(reader: PdfReader) -> list[str]:
    """The text of each run in logical order. A right-to-left run is drawn in visual order,
    so its glyph clusters are reversed, not its characters: one Arabic ligature glyph stands
    for two letters already in logical order (pypdf and pdftotext reverse characters, which
    turns "ليلى" drawn with the lam-alef maksura ligature into "لىلي")."""
    texts = []
    for page in reader.pages:
        for run in glyph_runs(page):
            text = "".join(t for _, t in run)
            if is_rtl(text):
                text = "".join(t for _, t in reversed(run))
            texts.append(text)
    return texts


# --- the PDF itself ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_prints_every_script_in_logical_order() -> None:
    reader = badges(list(SCRIPTS.values()))
    texts = logical_texts(reader)
    for script, name in SCRIPTS.items():
        assert name in texts, (script, name, texts)
    # pypdf's own extraction agrees for the scripts written left to right, and for Hebrew.
    extracted = "".join(page.extract_text() for page in reader.pages)
    for script, name in SCRIPTS.items():
        if script != "arabic":
            assert name in extracted, script


@pytest.mark.django_db
def test_it_joins_arabic_letters() -> None:
    """Shaped: the name's glyphs are contextual forms, none of them an isolated letter."""
    reader = badges(["ليلى", "ل ي ل ى"])
    arabic = [
        run
        for page in reader.pages
        for run in glyph_runs(page)
        if is_rtl("".join(t for _, t in run))
    ]
    joined, isolated = arabic[0], arabic[1]
    assert "".join(t for _, t in reversed(joined)) == "ليلى"
    isolated_glyphs = {g for g, t in isolated if t.strip()}
    assert len(isolated_glyphs) == 3  # ل ي ى
    assert not {g for g, _ in joined} & isolated_glyphs


@pytest.mark.django_db
@pytest.mark.parametrize(("paper", "size"), [("letter", (612, 792)), ("a4", (595, 842))])
def test_it_prints_eight_badges_a_sheet_on_letter_or_a4(paper: str, size: tuple[int, int]) -> None:
    names = [f"Kid{i}" for i in range(10)]
    reader = badges(names, paper=paper)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
    first, second = (page.extract_text() for page in reader.pages)
    assert [n for n in names if n in first] == names[:8]
    assert [n for n in names if n in second] == names[8:]
    assert first.count("JUNIOR OFFICER") == 8 and second.count("JUNIOR OFFICER") == 2


@pytest.mark.django_db
def test_it_embeds_every_font() -> None:
    reader = badges(list(SCRIPTS.values()))
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            seen.add(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
    assert any("Arabic" in f for f in seen) and any("CJK" in f for f in seen)
    assert any("Devanagari" in f for f in seen) and any("Hebrew" in f for f in seen)


@pytest.mark.django_db
def test_a_long_name_shrinks_and_is_printed_whole() -> None:
    assert len(LONG_NAME) == 60
    size = printing.fit_font_size(
        LONG_NAME, box=printing.BADGE_NAME_BOX, sizes=printing.BADGE_NAME_SIZES
    )
    short = printing.fit_font_size(
        "Eli", box=printing.BADGE_NAME_BOX, sizes=printing.BADGE_NAME_SIZES
    )
    assert printing.BADGE_NAME_SIZES[1] <= size < short == printing.BADGE_NAME_SIZES[0]
    reader = badges([LONG_NAME, "Eli"])
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert LONG_NAME.replace(" ", "") in text
    assert len(reader.pages) == 1


def test_cjk_counts_wider_than_latin() -> None:
    box, sizes = printing.BADGE_NAME_BOX, printing.BADGE_NAME_SIZES
    latin = printing.fit_font_size("Sakuraaaaa", box=box, sizes=sizes)
    japanese = printing.fit_font_size("さくらさくらさくらさく", box=box, sizes=sizes)
    assert japanese < latin
    assert printing.text_direction("ליה") == "rtl" and printing.text_direction("12 Ana") == "ltr"
    assert printing.cjk_language("さくら") == "ja" and printing.cjk_language("小明") == "zh"
    assert printing.cjk_language("지민") == "ko" and printing.cjk_language("Ana") == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "title"), [("chief", "CHIEF JUNIOR OFFICER"), ("partner", "PARTNER FOR THE DAY")]
)
@pytest.mark.parametrize(("paper", "size"), [("letter", (792, 612)), ("a4", (842, 595))])
def test_a_certificate_is_one_landscape_page(
    kind: str, title: str, paper: str, size: tuple[int, int]
) -> None:
    require_tools()
    pdf = printing.certificate_pdf(
        printing.CertificateData("さくら", "Open House", "June 14, 2025", kind),
        issuer=ISSUER,
        paper=paper,
    )
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
    text = page.extract_text()
    for expected in (title, "さくら", "Open House", "June 14, 2025", "County Sheriff"):
        assert expected in text
    assert "Officer's signature" in text


# --- the views --------------------------------------------------------------------------------


@pytest.fixture
def event(agency: Any, coordinator: Any) -> Event:
    start = timezone.now() + timedelta(days=7)
    return Event.objects.create(
        agency=agency,
        title="Community Day",
        place_name="Station",
        start=start,
        end=start + timedelta(hours=4),
        capacity=100,
        status=Event.Status.PUBLISHED,
        created_by=coordinator,
    )


def family(event: Event, *names: str, status: str = Registration.Status.CONFIRMED) -> Registration:
    registration = Registration.objects.create(
        event=event, contact_name="Parent", email="p@example.org", status=status
    )
    for name in names:
        RegisteredChild.objects.create(registration=registration, first_name=name, age_band="4-6")
    return registration


def decode_qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    require_tools()
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(source), str(tmp_path / "page")], check=True
    )
    payloads = []
    for image in sorted(tmp_path.glob("page*.png")):
        found = subprocess.run(
            ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True
        )
        payloads += [line for line in found.stdout.splitlines() if line]
    return payloads


def test_every_qr_code_decodes_to_its_family(
    login: Callable[[Any], Any], officer: Any, event: Event, tmp_path: Path
) -> None:
    families = [family(event, f"Kid{i}a", f"Kid{i}b") for i in range(5)]
    family(event, "Waiting", status=Registration.Status.WAITLISTED)
    family(event, "Gone", status=Registration.Status.CANCELLED)
    response = login(officer).get(reverse("events:badges", args=[event.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # 10 confirmed children, 8 a sheet
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Waiting" not in text and "Gone" not in text
    payloads = decode_qr_codes(response.content, tmp_path)
    assert len(payloads) == 10
    decoded = sorted(services.registration_from_qr(p).pk for p in payloads)
    assert decoded == sorted(r.pk for r in families for _ in range(2))


def test_batch_printing_is_audited_and_not_cached(
    login: Callable[[Any], Any], coordinator: Any, event: Event
) -> None:
    registration = family(event, "Eli", "Sam")
    response = login(coordinator).get(reverse("events:badges", args=[event.pk]) + "?paper=a4")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="badges-{event.reference}.pdf"'
    assert "no-store" in response["Cache-Control"]
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert round(float(page.mediabox.width)) == 595
    entry = AuditEntry.objects.get(action="events.badges.printed")
    children = sorted(c.pk for c in registration.children.all())
    assert entry.data == {"event_id": event.pk, "count": 2, "children": children, "paper": "a4"}
    assert "Eli" not in str(entry.data)


def test_printing_a_badge_at_the_door_marks_the_child(
    login: Callable[[Any], Any], officer: Any, event: Event, tmp_path: Path
) -> None:
    registration = family(event, "ليلى")
    child = registration.children.get()
    response = login(officer).post(reverse("events:badge", args=[child.pk]), {"slot": "3"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert "ليلى" in logical_texts(PdfReader(io.BytesIO(response.content)))
    child.refresh_from_db()
    assert child.badge_printed_at is not None
    assert AuditEntry.objects.filter(action="events.badge.printed").count() == 1
    assert [
        services.registration_from_qr(p).pk for p in decode_qr_codes(response.content, tmp_path)
    ] == [registration.pk]


def test_opening_a_badge_again_marks_nothing(
    login: Callable[[Any], Any], officer: Any, event: Event
) -> None:
    """A GET (a link followed, a preloader, a crawler) shows the PDF and stamps nothing."""
    child = family(event, "Eli").children.get()
    client = login(officer)
    response = client.get(reverse("events:badge", args=[child.pk]) + "?slot=2")
    assert response.status_code == 200
    assert "Eli" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    child.refresh_from_db()
    assert child.badge_printed_at is None
    assert not AuditEntry.objects.filter(action="events.badge.printed").exists()
    assert AuditEntry.objects.get(action="events.badge.viewed").data["child"] == child.pk
    assert client.post(reverse("events:badge", args=[child.pk]), {"slot": "9"}).status_code == 400
    assert client.put(reverse("events:badge", args=[child.pk])).status_code == 405
    child.refresh_from_db()
    assert child.badge_printed_at is None


def test_certificate_kinds_and_bad_input(
    login: Callable[[Any], Any], officer: Any, event: Event
) -> None:
    child = family(event, "Eli").children.get()
    client = login(officer)
    url = reverse("events:certificate", args=[child.pk])
    partner = client.get(url + "?kind=partner")
    assert "PARTNER FOR THE DAY" in PdfReader(io.BytesIO(partner.content)).pages[0].extract_text()
    assert client.get(url + "?kind=captain").status_code == 400
    assert client.get(url + "?paper=legal").status_code == 400
    badges_url = reverse("events:badges", args=[event.pk])
    assert client.get(badges_url + "?slot=9").status_code == 400
    entry = AuditEntry.objects.get(action="events.certificate.printed")
    assert entry.data["kind"] == "partner" and entry.data["child"] == child.pk


@pytest.mark.parametrize("view", ["badges", "badge", "certificate"])
def test_who_may_print(
    client: Any,
    login: Callable[[Any], Any],
    view: str,
    event: Event,
    officer: Any,
    coordinator: Any,
    partner: Any,
    outsider: Any,
) -> None:
    child = family(event, "Eli").children.get()
    waiting = family(event, "Sam", status=Registration.Status.WAITLISTED).children.get()
    pk = event.pk if view == "badges" else child.pk
    url = reverse(f"events:{view}", args=[pk])
    assert client.get(url).status_code == 302  # anonymous: log in
    assert login(partner).get(url).status_code == 403
    assert login(outsider).get(url).status_code == 404
    assert login(officer).get(url).status_code == 200
    assert login(coordinator).get(url).status_code == 200
    if view == "badge":  # printing at the door, by the same rules
        assert login(partner).post(url).status_code == 403
        assert login(outsider).post(url).status_code == 404
        assert login(officer).post(url).status_code == 200
    if view != "badges":  # a child not confirmed is not printed
        assert login(officer).get(reverse(f"events:{view}", args=[waiting.pk])).status_code == 404
