"""Photos through the reunite API: the same checks and private storage as the web forms."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from showup.core.models import AuditEntry, User
from showup.core.photos import photo_path
from showup.reunite import services
from showup.reunite.models import Report
from showup.reunite.tests.intake_helpers import (
    bomb_upload,
    corrupt_upload,
    jpeg_upload,
    oversized_upload,
)

pytestmark = pytest.mark.django_db
API = "/api/reunite"


@pytest.fixture
def report(agency: Any, partner: User, store: Any, report_data: Any) -> Report:
    """A missing report filed by the store's security desk (partner staff), no photo yet."""
    return services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing"),
        filed_by=partner,
        partner_org=store,
    )


def url(report: Report) -> str:
    return f"{API}/reports/{report.pk}/photo"


def upload(client: Client, report: Report, photo: Any) -> Any:
    return client.post(url(report), {"photo": photo})


def png_upload() -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 200, 128)).save(buf, "PNG")
    return SimpleUploadedFile("child.png", buf.getvalue(), content_type="image/png")


def jpeg_with_gps() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 3.0, 8.0), 3: "W", 4: (118.0, 14.0, 37.0)}  # GPSInfo
    buf = BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "JPEG", exif=exif)
    assert Image.open(BytesIO(buf.getvalue())).getexif().get_ifd(0x8825)
    return SimpleUploadedFile("gps.jpg", buf.getvalue(), content_type="image/jpeg")


def photo_edits(report: Report) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action="reunite.report.edited", object_id=str(report.pk)
        ).order_by("pk")
    )


@pytest.mark.parametrize("make", [jpeg_upload, png_upload], ids=["jpeg", "png"])
def test_it_stores_a_photo_privately_and_answers_with_the_report(
    login: Any, partner: User, report: Report, make: Any
) -> None:
    r = upload(login(partner), report, make())
    assert r.status_code == 200, r.content
    assert r.json()["id"] == report.pk and r.json()["has_photo"] is True
    report.refresh_from_db()
    path = photo_path(report.photo)
    assert path is not None and Image.open(path).format == "JPEG"  # re-encoded
    served = login(partner).get(f"/staff/reports/{report.pk}/photo/")
    assert served.status_code == 200 and "no-store" in served["Cache-Control"]


def test_it_strips_exif_and_gps(login: Any, partner: User, report: Report) -> None:
    assert upload(login(partner), report, jpeg_with_gps()).status_code == 200
    report.refresh_from_db()
    path = photo_path(report.photo)
    assert path is not None
    stored = Image.open(path)
    assert not stored.getexif() and "exif" not in stored.info


def test_it_replaces_the_old_photo_and_deletes_its_file(
    login: Any, partner: User, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(partner)
    upload(client, report, jpeg_upload())
    report.refresh_from_db()
    old = photo_path(report.photo)
    assert old is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, report, png_upload()).status_code == 200
    report.refresh_from_db()
    assert not old.exists()
    assert photo_path(report.photo) is not None


def test_it_audits_without_personal_data(login: Any, partner: User, report: Report) -> None:
    upload(login(partner), report, jpeg_upload(name="Mateo Alvarez.jpg"))
    login(partner).delete(url(report))
    entries = photo_edits(report)
    assert [e.data for e in entries] == [{"fields": ["photo"]}, {"fields": ["photo"]}]
    assert {e.actor for e in entries} == {partner}
    text = json.dumps([e.data for e in entries]) + "".join(e.actor_label for e in entries)
    assert "Mateo" not in text and "Alvarez" not in text and ".jpg" not in text


def test_it_does_not_run_matching_again(login: Any, partner: User, report: Report) -> None:
    from showup.reunite.models import MatchOutbox

    asked = MatchOutbox.objects.filter(report=report).count()
    client = login(partner)
    assert upload(client, report, jpeg_upload()).status_code == 200
    assert client.delete(url(report)).status_code == 200
    # Photos are not matched: nothing asks a matching worker to look again.
    assert MatchOutbox.objects.filter(report=report).count() == asked


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (oversized_upload, 413, "too large"),
        (corrupt_upload, 422, "not a readable photo"),
        (lambda: SimpleUploadedFile("notes.txt", b"hello " * 100, "text/plain"), 422, "readable"),
        (bomb_upload, 422, "dimensions are too large"),
    ],
    ids=["too-big", "corrupt", "not-an-image", "bomb"],
)
def test_it_refuses_bad_files_and_keeps_the_old_photo(
    login: Any, partner: User, report: Report, make: Any, status: int, words: str
) -> None:
    client = login(partner)
    upload(client, report, jpeg_upload())
    report.refresh_from_db()
    before = report.photo
    r = upload(client, report, make())
    assert r.status_code == status, r.content
    detail = r.json()["detail"]
    message = detail if status == 413 else detail[0]["msg"]
    assert words in message
    if status == 422:
        assert detail[0]["loc"] == ["file", "photo"]
    report.refresh_from_db()
    assert report.photo == before and len(photo_edits(report)) == 1


def test_it_speaks_spanish_when_asked(login: Any, partner: User, report: Report) -> None:
    r = login(partner).post(url(report), {"photo": corrupt_upload()}, HTTP_ACCEPT_LANGUAGE="es")
    assert r.status_code == 422
    assert "no es una foto legible" in r.json()["detail"][0]["msg"]


def test_it_requires_the_file(login: Any, partner: User, report: Report) -> None:
    r = login(partner).post(url(report), {})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["file", "photo"]
    assert r.json()["detail"][0]["type"] == "missing"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("officer", 200),
        ("coordinator", 200),
        ("partner", 200),
        ("other_partner", 404),  # another organisation's report: as if it did not exist
        ("outsider", 404),  # another agency
    ],
)
def test_it_lets_only_those_who_may_edit_change_the_photo(
    role: str, expected: int, report: Report, request: Any
) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert upload(client, report, jpeg_upload()).status_code == expected
    assert client.delete(url(report)).status_code == expected
    report.refresh_from_db()
    assert bool(photo_edits(report)) == (expected == 200)


def test_it_answers_404_for_an_unknown_report(login: Any, coordinator: User) -> None:
    r = login(coordinator).post(f"{API}/reports/999999/photo", {"photo": jpeg_upload()})
    assert r.status_code == 404


def test_it_refuses_a_purged_report(login: Any, partner: User, report: Report) -> None:
    Report.objects.filter(pk=report.pk).update(purged_at=timezone.now())
    client = login(partner)
    assert upload(client, report, jpeg_upload()).status_code == 409
    assert client.delete(url(report)).status_code == 409


def test_it_deletes_the_photo(
    login: Any, partner: User, report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(partner)
    upload(client, report, jpeg_upload())
    report.refresh_from_db()
    path = photo_path(report.photo)
    assert path is not None
    with django_capture_on_commit_callbacks(execute=True):
        r = client.delete(url(report))
    assert r.status_code == 200 and r.json()["has_photo"] is False
    assert not path.exists()
    assert client.get(f"/staff/reports/{report.pk}/photo/").status_code == 404
    # Nothing left to remove: no error, no second audit entry.
    assert client.delete(url(report)).status_code == 200
    assert len(photo_edits(report)) == 2


def test_the_openapi_schema_describes_the_upload() -> None:
    schema = Client().get("/api/openapi.json").json()
    upload_op = schema["paths"]["/api/reunite/reports/{report_id}/photo"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"200", "401", "404", "413", "422"} <= set(upload_op["responses"])


def test_it_answers_400_in_json_for_an_unreadable_upload(
    login: Any, partner: User, report: Report
) -> None:
    r = login(partner).generic("POST", url(report), b"garbage", content_type="multipart/form-data")
    assert r.status_code == 400
    assert "multipart/form-data" in r.json()["detail"]
