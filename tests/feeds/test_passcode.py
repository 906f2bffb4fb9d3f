"""What a person needs to join by hand: passcode, dial-in numbers, meeting ID (invitation.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.feeds.calendars import ZOOM_INVITATION_NOTES
from usked_cli.feeds.invitation import MAX_DIAL_IN, find_dial_in, find_meeting_id, find_passcode
from usked_cli.models import DialIn


@pytest.mark.parametrize(
    ("notes", "passcode"),
    [
        ("Meeting ID: 855 1234 5678\nPasscode: 482913\n", "482913"),
        ("Password: abc123", "abc123"),
        ("Meeting Password: Xy7@kq", "Xy7@kq"),
        ("Meeting Passcode: 0042.", "0042"),
        ("Webinar Passcode: s3cr3t", "s3cr3t"),
        ("Código de acceso: 482913", "482913"),  # Spanish template
        ("Code secreto: 9xY", "9xY"),
        ("Contraseña: 123456", "123456"),
        ("Kenncode: 482913", "482913"),  # German
        ("Passwort: ab12", "ab12"),
        ("Mot de passe : 482913", "482913"),  # French, a blank before the colon
        ("Code secret: 482913", "482913"),
        ("Senha: 482913", "482913"),  # Portuguese
        ("Codice d'accesso: 482913", "482913"),  # Italian
        ("Toegangscode: 482913", "482913"),  # Dutch
        ("パスコード: 482913", "482913"),  # Japanese
        ("会议密码\uff1a482913", "482913"),  # Chinese, full-width colon
        ("암호: 482913", "482913"),  # Korean
        ("<p>Passcode: 482913</p>", "482913"),
        ("PASSCODE:482913", "482913"),
    ],
)
def test_passcode_lines_in_every_template(notes: str, passcode: str) -> None:
    assert find_passcode(notes) == passcode


@pytest.mark.parametrize(
    "notes",
    [
        "https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1",  # pwd= is no passcode
        "Passcode: https://example.org/where-to-find-it",
        "Passcode:\n482913",  # on the next line: not read
        "NoPasscode: 1",
        "The secret: 42",  # an ordinary word before a colon
        "Request ID: 104233",
        "",
    ],
)
def test_no_passcode(notes: str) -> None:
    assert find_passcode(notes) is None


def test_the_first_passcode_line_wins_and_texts_are_tried_in_order() -> None:
    assert find_passcode("Passcode: 111\nPasscode: 222") == "111"
    assert find_passcode(None, "no label here", "Password: 333") == "333"


def test_a_zoom_invitation_gives_its_numbers_in_order_each_once() -> None:
    assert find_dial_in(ZOOM_INVITATION_NOTES) == (
        DialIn("+1 301 715 8592", "US (Washington DC)"),
        DialIn("+1 312 626 6799", "US (Chicago)"),
        DialIn("+1 929 205 6099", "US (New York)"),
        DialIn("877 853 5247", "US Toll-free"),
    )


def test_one_tap_lines_alone_are_read_in_any_language() -> None:
    notes = (
        "Un toque en móvil\n"
        "+13126266799,,85512345678#,,,,*512345# Estados Unidos (Chicago)\n"
        "+16465588656,,85512345678# US (New York)\n"
    )
    assert find_dial_in(notes) == (
        DialIn("+13126266799", "Estados Unidos (Chicago)"),
        DialIn("+16465588656", "US (New York)"),
    )


def test_location_numbers_without_a_country_and_with_tabs() -> None:
    notes = (
        "Dial by your location\n\t+1 669 900 6833\n\t+44 203 481 5237 United Kingdom\nMeeting ID"
    )
    assert find_dial_in(notes) == (
        DialIn("+1 669 900 6833", ""),
        DialIn("+44 203 481 5237", "United Kingdom"),
    )


def test_phone_numbers_outside_a_dial_in_list_are_not_dial_in_numbers() -> None:
    assert find_dial_in("Client phone: +1 612 555 0100\nCall 612-555-0199 if late") == ()


def test_at_most_ten_numbers() -> None:
    lines = "\n".join(f"+1 312 626 {6700 + n} US" for n in range(15))
    found = find_dial_in(f"Dial by your location\n{lines}\n")
    assert len(found) == MAX_DIAL_IN
    assert found[0] == DialIn("+1 312 626 6700", "US")


@pytest.mark.parametrize(
    ("notes", "meeting_id"),
    [
        ("Meeting ID: 855 1234 5678", "85512345678"),
        ("Webinar ID: 912-3456-7890", "91234567890"),
        ("ID de reunión: 855 1234 5678", "85512345678"),
        ("Meeting ID: 12", None),
        ("Room 855 1234 5678", None),
    ],
)
def test_meeting_id_lines(notes: str, meeting_id: str | None) -> None:
    assert find_meeting_id(notes) == meeting_id


@given(st.text(max_size=300))
def test_any_text_gives_a_passcode_without_blanks_or_none(text: str) -> None:
    passcode = find_passcode(text)
    assert passcode is None or (passcode and not any(c.isspace() for c in passcode))
    assert all(n.number and n.number[-1].isdigit() for n in find_dial_in(text))
