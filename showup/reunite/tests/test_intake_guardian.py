"""The guardian's "My child is missing" page and the private status link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from showup.core.models import AuditEntry
from showup.core.photos import photo_path
from showup.reunite import services
from showup.reunite.models import Report
from showup.reunite.tests.intake_helpers import (
    bomb_upload,
    corrupt_upload,
    jpeg_upload,
    missing_post,
    oversized_upload,
)

URL = "/missing/"

pytestmark = pytest.mark.django_db


def test_it_reverses_the_public_urls() -> None:
    assert reverse("reunite:report_missing_public") == URL
    assert reverse("reunite:status", kwargs={"token": "abc"}) == "/status/abc/"


def test_it_shows_the_form_to_anyone(client: Client, agency: Any) -> None:
    r = client.get(URL)
    assert r.status_code == 200
    body = r.content.decode()
    assert 'name="given_name"' in body
    assert 'name="lat"' in body and 'type="hidden"' in body
    assert "data-use-location" in body and "data-map" in body
    assert 'enctype="multipart/form-data"' in body
    # Progressive enhancement: the map block is hidden until JavaScript shows it.
    assert "data-locator hidden" in body


def test_it_files_a_missing_report_and_shows_the_status(client: Client, agency: Any) -> None:
    r = client.post(URL, missing_post())
    assert r.status_code == 302
    report = Report.objects.get()
    assert r["Location"] == f"/status/{report.status_token}/"
    assert report.kind == "missing"
    assert report.agency == agency
    assert report.filed_by is None
    assert report.given_name == "Mateo"
    assert report.other_names == ["Teo", "Mateíto"]
    assert report.guardian_phone == "+15550001111"
    assert report.languages == ["es", "en"]
    assert report.lat is None and report.place == "Main St near the donut shop"
    assert report.photo == ""
    assert AuditEntry.objects.filter(action="reunite.report.created.missing").count() == 1

    page = client.get(r["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert report.reference in body
    assert "We are searching" in body
    assert "Keep this link private; bookmark it." in body
    assert f"http://testserver/status/{report.status_token}/" in body
    # The child's details are not repeated on the public page.
    assert "Mateo" not in body and "Alvarez" not in body and "Main St" not in body

    again = client.get(r["Location"]).content.decode()
    assert "Keep this link private; bookmark it." not in again
    assert report.reference in again


def test_it_stores_an_uploaded_photo_privately(client: Client, agency: Any) -> None:
    r = client.post(URL, {**missing_post(), "photo": jpeg_upload()})
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.photo
    path = photo_path(report.photo)
    assert path is not None and path.is_file()
    body = client.get(r["Location"]).content.decode()
    assert report.photo not in body and "<img" not in body


def test_it_takes_a_map_pin_instead_of_an_address(client: Client, agency: Any) -> None:
    r = client.post(URL, missing_post(place="", lat="34.05", lon="-118.24"))
    assert r.status_code == 302
    report = Report.objects.get()
    assert (report.lat, report.lon) == (34.05, -118.24)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"place": "", "lat": "", "lon": ""}, "place", "drop a pin"),
        (
            {"guardian_phone": "", "guardian_email": ""},
            "guardian_phone",
            "phone number or an email",
        ),
        ({"guardian_phone": "call me maybe"}, "guardian_phone", "only digits"),
        ({"age_years": "19"}, "age_years", "from 0 to 18"),
        ({"height_cm": "500"}, "height_cm", "from 30 to 220"),
        ({"given_name": ""}, "given_name", "This field is required"),
        ({"seen_at": "2001-01-01T10:00"}, "seen_at", "more than 30 days ago"),
        ({"seen_at": "2999-01-01T10:00"}, "seen_at", "in the future"),
    ],
)
def test_it_refuses_bad_input_and_keeps_what_was_typed(
    client: Client, agency: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    r = client.post(URL, missing_post(**overrides))
    assert r.status_code == 400
    assert not Report.objects.exists()
    form = r.context["form"]
    assert field in form.errors
    body = r.content.decode()
    assert message in body
    # What the guardian typed is still there.
    if field != "guardian_name":
        assert 'value="Lucia Alvarez"' in body
    assert "red t-shirt, blue shorts" in body
    if "given_name" not in overrides:
        assert 'value="Mateo"' in body
    assert 'value="es" checked' in body or ('value="es"' in body and "checked" in body)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (oversized_upload, "over 10 MB"),
        (corrupt_upload, "not a readable photo"),
        (bomb_upload, "dimensions are too large"),
    ],
)
def test_it_refuses_bad_photos_and_keeps_the_rest(
    client: Client, agency: Any, upload: Any, message: str, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    r = client.post(URL, {**missing_post(), "photo": upload()})
    assert r.status_code == 400
    assert not Report.objects.exists()
    body = r.content.decode()
    assert message in body
    assert "choose the photo again" in body
    assert 'value="Mateo"' in body and 'value="Lucia Alvarez"' in body


def test_it_refuses_a_bomb_under_a_small_pixel_limit(
    client: Client, agency: Any, settings: Any
) -> None:
    settings.MAX_PHOTO_PIXELS = 100
    r = client.post(URL, {**missing_post(), "photo": jpeg_upload(size=(20, 20))})
    assert r.status_code == 400
    assert not Report.objects.exists()
    assert "dimensions are too large" in r.content.decode()


def test_it_speaks_spanish(client: Client, agency: Any) -> None:
    r = client.get(URL, headers={"accept-language": "es"})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'lang="es"' in body
    assert "Mi hijo o hija ha desaparecido" in body
    assert "¿Cómo se llama a sí mismo su hijo o hija?" in body
    assert "Niña" in body and "Tiếng Việt" in body
    assert "Enviar el reporte" in body
    assert "Usar mi ubicación" in body


def test_it_gives_spanish_errors_and_records_the_language(client: Client, agency: Any) -> None:
    client.cookies["django_language"] = "es"
    r = client.post(URL, missing_post(guardian_phone="", guardian_email=""))
    assert r.status_code == 400
    assert "un teléfono o un correo" in r.content.decode()
    r = client.post(URL, missing_post(guardian_language=""))
    assert r.status_code == 302
    assert Report.objects.get().guardian_language == "es"
    status = client.get(r["Location"]).content.decode()
    assert "Estamos buscando" in status


def test_it_asks_for_the_agency_when_several_and_none_configured(
    client: Client, agency: Any, other_agency: Any, settings: Any
) -> None:
    settings.PUBLIC_AGENCY_SLUG = ""
    r = client.get(URL)
    assert 'name="agency"' in r.content.decode()
    r = client.post(URL, missing_post())
    assert r.status_code == 400
    assert not Report.objects.exists()
    r = client.post(URL, {**missing_post(), "agency": other_agency.pk})
    assert r.status_code == 302
    assert Report.objects.get().agency == other_agency


def test_it_uses_the_configured_public_agency(
    client: Client, agency: Any, other_agency: Any, settings: Any
) -> None:
    settings.PUBLIC_AGENCY_SLUG = "city"
    assert 'name="agency"' not in client.get(URL).content.decode()
    assert client.post(URL, missing_post()).status_code == 302
    assert Report.objects.get().agency == other_agency


def test_it_records_staff_who_use_the_public_page(
    login: Any, agency: Any, partner: Any, store: Any
) -> None:
    r = login(partner).post(URL, missing_post())
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.filed_by == partner
    assert report.partner_org == store


# --- the status page ----------------------------------------------------------------------


@pytest.fixture
def two_reports(agency: Any, report_data: Any) -> tuple[Report, Report]:
    mine = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    other = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data(
            "missing", given_name="Zoe", family_name="Whitfield", place="Oak Park pond"
        ),
        filed_by=None,
    )
    return mine, other


def test_it_never_shows_another_childs_data(client: Client, two_reports: Any) -> None:
    mine, other = two_reports
    body = client.get(f"/status/{mine.status_token}/").content.decode()
    assert mine.reference in body
    for leak in (other.reference, other.status_token, "Zoe", "Whitfield", "Oak Park"):
        assert leak not in body


def test_it_answers_404_for_unknown_and_found_tokens(
    client: Client, agency: Any, report_data: Any
) -> None:
    assert client.get("/status/not-a-real-token/").status_code == 404
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=None
    )
    assert client.get(f"/status/{found.status_token}/").status_code == 404


def test_it_keeps_the_status_page_private(client: Client, two_reports: Any) -> None:
    mine, _other = two_reports
    r = client.get(f"/status/{mine.status_token}/")
    assert r["Referrer-Policy"] == "same-origin"  # never to another site; see _private_headers
    assert "no-store" in r["Cache-Control"]
    body = r.content.decode()
    assert '<meta name="robots" content="noindex' in body
    assert "tile.openstreetmap.org" not in body


def test_it_polls_a_fragment_while_searching(client: Client, two_reports: Any) -> None:
    mine, _other = two_reports
    page = client.get(f"/status/{mine.status_token}/").content.decode()
    assert 'hx-trigger="every 10s"' in page
    frag = client.get(f"/status/{mine.status_token}/", headers={"hx-request": "true"})
    assert frag.status_code == 200
    text = frag.content.decode()
    assert "<html" not in text and 'id="report-state"' in text and "We are searching" in text


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("matched", "A coordinator will call you"),
        # No recorded hand-off: nothing says who has the child, so not "back with you".
        ("reunited", "Your child is safe"),
        # Closed before outcomes were recorded.
        ("cancelled", "This report was cancelled"),
        ("closed", "This report was cancelled"),
    ],
)
def test_it_words_every_state(client: Client, two_reports: Any, state: str, text: str) -> None:
    mine, _other = two_reports
    Report.objects.filter(pk=mine.pk).update(status=state)
    body = client.get(f"/status/{mine.status_token}/").content.decode()
    assert text in body
    assert "We are searching" not in body
    if state != "matched":
        assert 'hx-trigger="every 10s"' not in body


def test_it_lets_the_guardian_cancel_with_a_reason(client: Client, two_reports: Any) -> None:
    mine, other = two_reports
    url = f"/status/{mine.status_token}/cancel/"
    r = client.post(url, {"reason": "  "})
    assert r.status_code == 400
    assert "Please give a reason." in r.content.decode()
    mine.refresh_from_db()
    assert mine.status == "open"

    r = client.post(url, {"reason": "We found her at the neighbour's, thank you"})
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "closed" and mine.outcome == "no_report_needed"
    assert mine.cancel_reason == "We found her at the neighbour's, thank you"
    entry = AuditEntry.objects.get(action="reunite.report.closed")
    assert entry.actor is None and entry.object_id == str(mine.pk)
    other.refresh_from_db()
    assert other.status == "open"
    body = client.get(f"/status/{mine.status_token}/").content.decode()
    assert 'data-state="no_report_needed"' in body and "Your child is safe" in body
    assert "cancel the report" not in body and "Add to my report" not in body


def test_it_does_not_cancel_through_an_unknown_token(client: Client, two_reports: Any) -> None:
    assert client.post("/status/nope/cancel/", {"reason": "x"}).status_code == 404
    assert not Report.objects.filter(status="cancelled").exists()


def test_it_asks_to_choose_a_good_photo_again_after_other_errors(
    client: Client, agency: Any
) -> None:
    r = client.post(URL, {**missing_post(given_name=""), "photo": jpeg_upload()})
    assert r.status_code == 400
    assert not Report.objects.exists()
    assert "please choose the photo again before sending" in r.content.decode()
    r = client.post(URL, missing_post(given_name=""))
    assert "please choose the photo again before sending" not in r.content.decode()
