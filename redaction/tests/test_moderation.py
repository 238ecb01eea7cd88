"""Moderation of public thank-you notes."""

from __future__ import annotations

import pytest

from redaction.moderation import moderate


def test_a_note_with_nothing_to_remove_is_unchanged() -> None:
    text = "Thank you for the visit last week, the cookies were for the whole unit!"
    m = moderate(text, known_names=["Marcus Delgado"])
    assert m.public_text == text
    assert m.flags == [] and m.spans == []


def test_it_takes_out_the_childs_name_contact_details_and_keeps_the_officer() -> None:
    m = moderate(
        "Thank you Officer Diaz for finding Marcus! Call me at (201) 555-0143 or mail "
        "rosa.delgado@example.com. We live at 12 Oak Street.",
        known_names=["Marcus Delgado", "Rosa Delgado"],
        allowed_names=["Diaz"],
    )
    assert m.public_text == (
        "Thank you Officer Diaz for finding [name]! Call me at [contact] or mail "
        "[contact]. We live at [contact]."
    )
    assert m.flags == ["contact", "child_name"]


def test_spanish_note_with_translated_replacements() -> None:
    m = moderate(
        "Gracias oficial Pérez por ayudar a mi hijo Mateo. Llámeme al 612 34 56 78. "
        "Vivimos en Calle Mayor 5.",
        region="ES",
        allowed_names=["Pérez"],
        replacement_name="[nombre]",
        replacement_contact="[contacto]",
    )
    assert m.public_text == (
        "Gracias oficial Pérez por ayudar a mi hijo [nombre]. Llámeme al [contacto]. "
        "Vivimos en [contacto]."
    )
    assert m.flags == ["contact", "person_name"]


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("(201) 555-0143", "US"),
        ("201-555-0143", "US"),
        ("201.555.0143", "US"),
        ("2015550143", "US"),
        ("+1 201 555 0143", "GB"),
        ("+44 20 7946 0958", "US"),
        ("020 7946 0958", "GB"),
        ("020 7946 0958", "US"),  # another region's national form
        ("612 34 56 78", "ES"),
        ("+34 612 345 678", "US"),
        ("55 1234 5678", "MX"),
        ("+52 1 55 1234 5678", "US"),
    ],
)
def test_phone_numbers_in_many_formats(number: str, region: str) -> None:
    m = moderate(f"Call {number} anytime.", region=region)
    assert m.public_text == "Call [contact] anytime."
    assert m.flags == ["contact"]


def test_dates_times_and_amounts_are_not_phone_numbers() -> None:
    text = "On 12/05/2024 at 10:30 we gave $1,500 for 3 tickets, in 2023."
    assert moderate(text).public_text == text


@pytest.mark.parametrize(
    "email",
    ["rosa@example.com", "Rosa.Delgado+note@mail.example.org", "rosa (at) example (dot) com"],
)
def test_emails(email: str) -> None:
    m = moderate(f"Write to {email} please.")
    assert m.public_text == "Write to [contact] please."
    assert "contact" in m.flags


def test_links_are_taken_out_and_many_links_are_spam() -> None:
    one = moderate("Our video: https://video.example.com/watch?v=1.")
    assert one.public_text == "Our video: [contact]."
    assert one.flags == ["link"]
    many = moderate("See www.a-shop.com, cheap-pills.net and http://x.example/y")
    assert many.public_text == "See [contact], [contact] and [contact]"
    assert many.flags == ["link", "spam"]


def test_a_sentence_without_a_space_after_the_full_stop_is_not_a_link() -> None:
    text = "It was late.We were cold.Thank you."
    assert moderate(text).public_text == text


@pytest.mark.parametrize(
    "text",
    [
        "THANK YOU SO MUCH FOR EVERYTHING YOU DID FOR US",
        "Soooooooooooo happy",
        "Make money fast, click here",
        "Gana dinero desde casa, haz clic",
        "Thanks! " * 400,
    ],
)
def test_spam_is_flagged(text: str) -> None:
    assert "spam" in moderate(text).flags


@pytest.mark.parametrize(
    "text",
    [
        "You are a useless piece of sh1t",
        "Eres un PENDEJO",
        "Qué hijo de puta",
        "Estúpido policía",
    ],
)
def test_abuse_is_flagged_in_english_and_spanish(text: str) -> None:
    assert moderate(text).flags == ["abuse"]


def test_words_that_contain_an_abusive_word_are_not_abuse() -> None:
    assert "abuse" not in moderate("We passed Scunthorpe and Shitake Road, a dickens novel.").flags


def test_a_child_name_inside_a_contact_is_taken_out_once() -> None:
    m = moderate("marcus@example.com", known_names=["Marcus"])
    assert m.public_text == "[contact]"
    assert [s.source for s in m.spans] == ["contact"]
