"""Phone numbers: read what a person typed, keep E.164, show it the local way.

One helper for the forms, the API and the SMS layer, so a number a form accepts can be texted.
The `phonenumbers` library (Google's libphonenumber) does the reading; the agency's
`phone_region` (a two-letter country code) says how to read a number typed without a country
code.

What is accepted: a number whose length is right for its country and whose digits have the
country's general shape (a US area code cannot start with 0 or 1). It is deliberately not
checked against the ranges allocated today (`is_valid_number`): those tables age, and the
fictional 555 numbers used in demos and training would be refused.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberFormat

DEFAULT_REGION = "US"

# Letters are refused even though libphonenumber reads vanity numbers (1-800-FLOWERS): in a
# guardian's phone field they are a slip, not a spelling.
_LETTERS = re.compile(r"[^\W\d_]")
_PLUS = re.compile(r"^\s*(?:\+|00)")


class PhoneNumberError(ValueError):
    """A number that cannot be read; `message` is translated in the active language and fit
    to show beside the field, `code` is stable ("empty", "letters", "invalid")."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _region(region: str | None) -> str:
    region = (region or "").strip().upper()
    return region if len(region) == 2 and region.isalpha() else DEFAULT_REGION


def _has_country_shape(number: PhoneNumber) -> bool:
    country_code = number.country_code or 0
    main_region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, main_region)
    if metadata is None or metadata.general_desc is None:
        return False
    pattern = metadata.general_desc.national_number_pattern
    national = phonenumbers.national_significant_number(number)
    return pattern is not None and re.fullmatch(pattern, national) is not None


def _read(text: str, region: str) -> PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE or not _has_country_shape(number):
        return None
    return number


def parse_phone(text: str, region: str | None = DEFAULT_REGION) -> str:
    """Return the number in E.164 ("+15552013344"), reading a number without a country code
    as one of `region` (the agency's `phone_region`). Raises PhoneNumberError."""
    raw = (text or "").strip()
    if not raw:
        raise PhoneNumberError("empty", _("Please enter a phone number."))
    if _LETTERS.search(raw):
        raise PhoneNumberError(
            "letters",
            _("A phone number may contain only digits, spaces, dashes, brackets and a leading +."),
        )
    region = _region(region)
    number = _read(raw, region)
    if number is None and raw.startswith("00"):
        # "00" is the international prefix in most of the world but not in North America;
        # a number written that way is meant internationally wherever it is typed.
        number = _read("+" + raw[2:], region)
    if number is None:
        raise PhoneNumberError(
            "invalid",
            _(
                "This is not a phone number we can text. Check the digits, or start with + and "
                "the country code."
            ),
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_phone(e164: str, region: str | None = DEFAULT_REGION) -> str:
    """For display: the national format for a number of `region` ("(555) 201-3344"), the
    international one otherwise ("+52 55 1234 5678"). Text that is not a number is returned
    unchanged, so a stored value is never hidden."""
    region = _region(region)
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    country_code = number.country_code or 0
    if region in phonenumbers.region_codes_for_country_code(country_code):
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def tel_uri(e164: str, region: str | None = DEFAULT_REGION) -> str:
    """A `tel:` link target for a stored number ("tel:+15552013344"); empty when unreadable."""
    try:
        return "tel:" + parse_phone(e164, region)
    except PhoneNumberError:
        return ""
