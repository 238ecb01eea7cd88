"""The agency's own emblem: uploaded in the agency admin (checked like a photo, audited, scoped
to the admin's agency) and printed on its badges and certificates, read back from the PDFs."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from showup.core.models import AgencyEmblem, AuditEntry, User
from showup.events.models import Event, RegisteredChild, Registration

pytestmark = pytest.mark.django_db

EMBLEM_RED = (200, 16, 46)


def picture(size: tuple[int, int] = (300, 300), fmt: str = "PNG") -> SimpleUploadedFile:
    image = Image.new("RGB", size, EMBLEM_RED)
    out = io.BytesIO()
    image.save(out, fmt)
    kind = "image/png" if fmt == "PNG" else "image/jpeg"
    return SimpleUploadedFile(f"emblem.{fmt.lower()}", out.getvalue(), content_type=kind)


def agency_form(agency: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": agency.name,
        "retention_days": str(agency.retention_days),
        "email": agency.email,
        "phone": agency.phone,
        "phone_region": agency.phone_region,
        "_save": "Save",
        **extra,
    }


@pytest.fixture
def ada(make_user: Any, agency: Any) -> User:
    user: User = make_user("ada", "admin", agency, is_staff=True)
    return user


@pytest.fixture
def child(agency: Any, coordinator: Any) -> RegisteredChild:
    start = timezone.now() + timedelta(days=7)
    event = Event.objects.create(
        agency=agency,
        title="Community Day",
        place_name="Station",
        start=start,
        end=start + timedelta(hours=4),
        capacity=100,
        status=Event.Status.PUBLISHED,
        created_by=coordinator,
    )
    registration = Registration.objects.create(
        event=event,
        contact_name="Parent",
        email="p@example.org",
        status=Registration.Status.CONFIRMED,
    )
    return RegisteredChild.objects.create(
        registration=registration, first_name="Eli", age_band="7-9"
    )


def pdf_images(content: bytes) -> list[Image.Image]:
    page = PdfReader(io.BytesIO(content)).pages[0]
    return [item.image for item in page.images if item.image is not None]


def is_emblem(image: Image.Image) -> bool:
    rgb = image.convert("RGB")
    return max(rgb.size) <= 512 and rgb.getpixel((rgb.width // 2, rgb.height // 2)) == EMBLEM_RED


def test_an_agency_admin_uploads_the_emblem_and_it_is_audited(
    client: Any, ada: User, agency: Any
) -> None:
    client.force_login(ada)
    url = reverse("admin:core_agency_change", args=[agency.pk])
    response = client.post(url, agency_form(agency, emblem_file=picture((1200, 900), "JPEG")))
    assert response.status_code == 302
    stored = Image.open(io.BytesIO(bytes(AgencyEmblem.objects.get(agency=agency).png)))
    assert stored.format == "PNG" and stored.size == (512, 384)  # shrunk, re-encoded
    entry = AuditEntry.objects.get(action="core.admin.agency.changed")
    assert entry.data["fields"] == ["emblem_file"]
    page = client.get(url).content.decode()
    assert 'src="data:image/png;base64,' in page  # the current emblem is shown


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_changes(
    client: Any, ada: User, agency: Any
) -> None:
    client.force_login(ada)
    url = reverse("admin:core_agency_change", args=[agency.pk])
    fake = SimpleUploadedFile("emblem.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client.post(url, agency_form(agency, phone="+15550001111", emblem_file=fake))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["emblem_file"]
    assert not AgencyEmblem.objects.exists()
    agency.refresh_from_db()
    assert agency.phone != "+15550001111"


def test_removing_the_emblem_prints_the_star_again(
    client: Any, ada: User, agency: Any, officer: User, child: RegisteredChild
) -> None:
    client.force_login(ada)
    url = reverse("admin:core_agency_change", args=[agency.pk])
    client.post(url, agency_form(agency, emblem_file=picture()))
    client.force_login(officer)
    badge = client.get(reverse("events:badge", args=[child.pk]))
    assert any(is_emblem(image) for image in pdf_images(badge.content))
    client.force_login(ada)
    assert client.post(url, agency_form(agency, emblem_remove="on")).status_code == 302
    assert not AgencyEmblem.objects.filter(agency=agency).exists()
    client.force_login(officer)
    badge = client.get(reverse("events:badge", args=[child.pk]))
    assert not any(is_emblem(image) for image in pdf_images(badge.content))


def test_the_emblem_is_printed_on_badges_and_certificates(
    login: Callable[[Any], Any], officer: User, agency: Any, child: RegisteredChild
) -> None:
    from showup.core.photos import clean_emblem

    AgencyEmblem.objects.create(agency=agency, png=clean_emblem(picture()))
    client = login(officer)
    event = child.registration.event
    for url in (
        reverse("events:badges", args=[event.pk]),
        reverse("events:badge", args=[child.pk]),
        reverse("events:certificate", args=[child.pk]) + "?kind=chief",
        reverse("events:certificate", args=[child.pk]) + "?kind=partner",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert any(is_emblem(image) for image in pdf_images(response.content)), url


def test_another_agency_keeps_its_own_emblem(
    login: Callable[[Any], Any],
    officer: User,
    agency: Any,
    other_agency: Any,
    child: RegisteredChild,
) -> None:
    from showup.core.photos import clean_emblem

    AgencyEmblem.objects.create(agency=other_agency, png=clean_emblem(picture()))
    response = login(officer).get(reverse("events:badge", args=[child.pk]))
    assert not any(is_emblem(image) for image in pdf_images(response.content))


def test_a_city_admin_cannot_change_our_emblem(
    client: Any, make_user: Any, agency: Any, other_agency: Any
) -> None:
    cyd = make_user("cyd", "admin", other_agency, is_staff=True)
    client.force_login(cyd)
    url = reverse("admin:core_agency_change", args=[agency.pk])
    response = client.post(url, agency_form(agency, emblem_file=picture()))
    assert response.status_code in (302, 403, 404)
    assert not AgencyEmblem.objects.filter(agency=agency).exists()
