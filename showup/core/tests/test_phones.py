"""Phone numbers as people type them, read with the agency's region; the one reading the forms,
the API and the SMS layer share."""

from __future__ import annotations

import pytest
from django.utils import translation

from showup.core import sms
from showup.core.phones import PhoneNumberError, format_phone, parse_phone, tel_uri


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(555) 201-3344", "US", "+15552013344"),
        ("555.201.3344", "US", "+15552013344"),
        ("1 555 201 3344", "US", "+15552013344"),
        ("+1-555-201-3344", "MX", "+15552013344"),  # a country code wins over the region
        ("55 1234 5678", "MX", "+525512345678"),
        ("55 1234 5678", "mx", "+525512345678"),
        ("612 34 56 78", "ES", "+34612345678"),
        ("0044 20 7946 0958", "US", "+442079460958"),  # 00 means abroad wherever typed
        ("011 44 20 7946 0958", "US", "+442079460958"),  # North America's own prefix
        ("+44 (0)20 7946 0958", "ES", "+442079460958"),
        ("(555) 201-3344", "", "+15552013344"),  # no region: the default (US)
    ],
)
def test_it_reads_numbers_in_the_agencys_region(raw: str, region: str, expected: str) -> None:
    assert parse_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "code"),
    [
        ("", "US", "empty"),
        ("   ", "US", "empty"),
        ("call me", "US", "letters"),
        ("+1 555 CALL NOW", "US", "letters"),
        ("555-2013", "US", "invalid"),  # a local number: it cannot be texted
        ("0555201334", "US", "invalid"),  # no US area code starts with 0
        ("12345678901234567", "US", "invalid"),
        ("+0123456789", "US", "invalid"),
        ("612 34 56 78", "US", "invalid"),  # a Spanish mobile, typed for a US agency
        ("(555) 201-3344", "ES", "invalid"),
    ],
)
def test_it_refuses_what_cannot_be_texted(raw: str, region: str, code: str) -> None:
    with pytest.raises(PhoneNumberError) as caught:
        parse_phone(raw, region)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_its_message_is_in_the_active_language() -> None:
    with translation.override("en"), pytest.raises(PhoneNumberError) as english:
        parse_phone("555-2013", "US")
    assert english.value.message == str(english.value)
    assert "country code" in english.value.message


@pytest.mark.parametrize(
    ("e164", "region", "shown"),
    [
        ("+15552013344", "US", "(555) 201-3344"),
        ("+525512345678", "MX", "55 1234 5678"),
        ("+525512345678", "US", "+52 55 1234 5678"),
        ("+34612345678", "ES", "612 34 56 78"),
        ("not a number", "US", "not a number"),
    ],
)
def test_it_formats_for_display(e164: str, region: str, shown: str) -> None:
    assert format_phone(e164, region) == shown


def test_it_makes_tel_links() -> None:
    assert tel_uri("(555) 201-3344", "US") == "tel:+15552013344"
    assert tel_uri("", "US") == ""


def test_any_number_it_accepts_can_be_texted(settings: object) -> None:
    settings.SMS_BACKEND = "locmem"  # type: ignore[attr-defined]
    sms.outbox.clear()
    for raw, region in (("55 1234 5678", "MX"), ("612 34 56 78", "ES"), ("555.201.3344", "US")):
        number = parse_phone(raw, region)
        sms.send_sms(raw, "Hola", region=region)
        assert sms.outbox[-1].to == number
    with pytest.raises(sms.SmsError):
        sms.send_sms("612 34 56 78", "Hola", region="US")
