"""Zoom invite links and uSked request numbers found in event text."""

from __future__ import annotations

import pytest

from usked_cli.feeds.links import find_request_id, find_zoom_link, is_zoom_host
from usked_cli.models import ZoomLink

# -- Zoom links: the forms seen in the wild ----------------------------------------------------


@pytest.mark.parametrize(
    ("link", "meeting_id", "pwd"),
    [
        ("https://zoom.us/j/85512345678?pwd=aBc123.1", "85512345678", "aBc123.1"),
        ("https://us02web.zoom.us/j/812345678", "812345678", None),
        ("https://acme.zoom.us/j/1234567890?pwd=x", "1234567890", "x"),  # vanity subdomain
        ("https://www.zoomgov.com/j/1601234567?pwd=R292", "1601234567", "R292"),
        ("https://zoomgov.com/j/160123456", "160123456", None),
        ("https://acme.zoom.us/w/91234567890?tk=T", "91234567890", None),  # webinar
        ("https://acme.zoom.us/my/ana.interpreter", None, None),  # personal room
        ("https://acme.zoom.us/my/ana?pwd=UGVy", None, "UGVy"),
        ("http://zoom.us/j/85512345678", "85512345678", None),
        ("HTTPS://US02WEB.ZOOM.US/j/85512345678", "85512345678", None),
        ("https://zoom.us/j/85512345678/", "85512345678", None),
        ("https://zoom.us/j/85512345678#success", "85512345678", None),
    ],
)
def test_zoom_link_forms(link: str, meeting_id: str | None, pwd: str | None) -> None:
    assert find_zoom_link(f"Join Zoom Meeting\n{link}\nThanks") == ZoomLink(link, meeting_id, pwd)


@pytest.mark.parametrize(
    "text",
    [
        "Join at https://zoom.us/j/85512345678?pwd=abc.",
        "(https://zoom.us/j/85512345678?pwd=abc)",
        "<https://zoom.us/j/85512345678?pwd=abc>",
        '<a href="https://zoom.us/j/85512345678?pwd=abc">join</a>',
        "<a href='https://zoom.us/j/85512345678?pwd=abc'>join</a>",
        "**https://zoom.us/j/85512345678?pwd=abc**",
        "link: https://zoom.us/j/85512345678?pwd=abc, then wait",
        "[join](https://zoom.us/j/85512345678?pwd=abc).",
        "https://zoom.us/j/85512345678?pwd=abc<br>",
        'He said "https://zoom.us/j/85512345678?pwd=abc".',
    ],
)
def test_trailing_punctuation_and_markup_are_not_part_of_the_link(text: str) -> None:
    link = find_zoom_link(text)
    assert link is not None
    assert link.invite_link == "https://zoom.us/j/85512345678?pwd=abc"
    assert link.pwd == "abc"


def test_html_entities_are_unescaped_before_matching() -> None:
    html = '<A HREF="https://acme.zoom.us/j/83334445556?pwd=SGVsbG8&amp;uname=Ana">Join</A>'
    assert find_zoom_link(html) == ZoomLink(
        "https://acme.zoom.us/j/83334445556?pwd=SGVsbG8&uname=Ana", "83334445556", "SGVsbG8"
    )


def test_pwd_is_read_when_it_is_not_the_first_parameter() -> None:
    link = find_zoom_link("https://zoom.us/j/85512345678?from=addon&pwd=Z9")
    assert link is not None
    assert link.pwd == "Z9"


@pytest.mark.parametrize(
    ("text", "invite_link", "meeting_id", "pwd"),
    [
        (
            "zoommtg://zoom.us/join?action=join&confno=81234567890&pwd=Zm9v",
            "https://zoom.us/j/81234567890?pwd=Zm9v",
            "81234567890",
            "Zm9v",
        ),
        (
            "zoommtg://us02web.zoom.us/join?confno=812345678",
            "https://us02web.zoom.us/j/812345678",
            "812345678",
            None,
        ),
        (
            "zoomus://zoom.us/join?confno=81234567890",
            "https://zoom.us/j/81234567890",
            "81234567890",
            None,
        ),
    ],
)
def test_app_links_become_https_invites(
    text: str, invite_link: str, meeting_id: str, pwd: str | None
) -> None:
    assert find_zoom_link(text) == ZoomLink(invite_link, meeting_id, pwd)


def test_an_https_link_is_preferred_to_an_app_link_even_in_a_later_text() -> None:
    link = find_zoom_link(
        "zoommtg://zoom.us/join?confno=81234567890", "https://zoom.us/j/85512345678"
    )
    assert link is not None
    assert link.meeting_id == "85512345678"


def test_the_first_text_given_wins() -> None:
    link = find_zoom_link(None, "", "https://zoom.us/j/111111111", "https://zoom.us/j/222222222")
    assert link is not None
    assert link.meeting_id == "111111111"


@pytest.mark.parametrize(
    "text",
    [
        "https://us02web.zoom.us/s/85512345678?zak=eyJ0eXAi",  # start link: host powers
        "https://zoom.us.evil.com/j/85512345678",
        "https://notzoom.us/j/85512345678",
        "https://zoom.usx.com/j/85512345678",
        "https://zoom.us@evil.com/j/85512345678",  # user-info trick: the host is evil.com
        "https://evil.com/zoom.us/j/85512345678",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
        "https://meet.google.com/abc-defg-hij",
        "https://acme.webex.com/meet/ana",
        "https://zoom.us/j/12345678",  # 8 digits: too short for a meeting id
        "https://zoom.us/j/123456789012",  # 12 digits: too long
        "https://zoom.us/j/8551234567a",  # not only digits
        "https://zoom.us/signin",
        "zoom.us/j/85512345678",  # no scheme: not a link anyone can click
        "zoommtg://evil.com/join?confno=81234567890",
        "zoommtg://zoom.us/join?confno=abc",
        "Meeting ID: 812 3456 7890",  # an id alone never invents a link
        "",
    ],
)
def test_not_an_invite(text: str) -> None:
    assert find_zoom_link(text) is None


def test_a_start_link_is_skipped_and_the_invite_after_it_found() -> None:
    text = (
        "Host: https://us02web.zoom.us/s/85512345678?zak=secret\n"
        "Everyone: https://us02web.zoom.us/j/85512345678?pwd=Sm9pbg"
    )
    link = find_zoom_link(text)
    assert link is not None
    assert "/j/" in link.invite_link
    assert "zak" not in link.invite_link


@pytest.mark.parametrize(
    "text",
    [
        # Outlook Safe Links (Microsoft Defender) rewrite every link in mail and invites.
        "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fus02web.zoom.us"
        "%2Fj%2F85512345678%3Fpwd%3DQWJj&data=05%7C01%7C&reserved=0",
        # Google Calendar's redirector in HTML descriptions.
        '<a href="https://www.google.com/url?q=https://us02web.zoom.us/j/85512345678?pwd%3DQWJj'
        '&amp;sa=D&amp;source=calendar">Join</a>',
    ],
)
def test_redirector_wrapped_links_are_unwrapped(text: str) -> None:
    assert find_zoom_link(text) == ZoomLink(
        "https://us02web.zoom.us/j/85512345678?pwd=QWJj", "85512345678", "QWJj"
    )


@pytest.mark.parametrize(
    "text",
    [
        "https://www.google.com/url?q=https%3A%2F%2Fevil.com%2Fj%2F85512345678",
        "https://x.safelinks.protection.outlook.com/?url=https%3A%2F%2Fzoom.us%2Fs%2F85512345678",
    ],
)
def test_wrapped_links_that_are_not_invites_stay_out(text: str) -> None:
    assert find_zoom_link(text) is None


def test_nothing_given_finds_nothing() -> None:
    assert find_zoom_link() is None
    assert find_zoom_link(None, None) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("zoom.us", True),
        ("ZOOM.US", True),
        ("us02web.zoom.us", True),
        ("zoom.us.", True),
        ("zoomgov.com", True),
        ("www.zoomgov.com", True),
        ("notzoom.us", False),
        ("zoom.us.evil.com", False),
        ("zoom.usx.com", False),
        ("zoomgov.com.evil.com", False),
        ("zoom.com", False),
    ],
)
def test_zoom_hosts(host: str, expected: bool) -> None:
    assert is_zoom_host(host) is expected


# -- request numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "notes", "expected"),
    [
        ("Request ID: 104233", None, "104233"),
        ("Request #104233 - Spanish", None, "104233"),
        ("Request 104233", None, "104233"),
        ("request no. 104233", None, "104233"),
        ("Service Request Number 104233", None, "104233"),
        ("Req #42", None, "42"),  # an explicit sign or label allows a short number
        ("Request ID: 7", None, "7"),
        ("Spanish #104233", None, "104233"),
        ("ASL - #104233", None, "104233"),
        (None, "Request ID: 104250\nWebinar", "104250"),
        ("", "Notes: #104251", "104251"),
        ("Interpreting", None, None),
        (None, None, None),
    ],
)
def test_request_id_forms(summary: str | None, notes: str | None, expected: str | None) -> None:
    assert find_request_id(summary, notes) == expected


def test_the_summary_is_read_before_the_notes() -> None:
    assert find_request_id("Request #104233", "Request #999999") == "104233"


def test_an_explicit_form_in_the_notes_wins_over_a_bare_number_in_the_summary() -> None:
    assert find_request_id("Spanish #555555", "Request ID: 104233") == "104233"


@pytest.mark.parametrize(
    ("summary", "notes"),
    [
        ("Room #5", None),  # fewer than 3 digits after a bare #
        ("Room #512", None),  # a place, not a request
        ("Courthouse, Suite #300", None),
        ("Call ext. #4455", None),
        ("please request 2 interpreters", None),  # a bare "Request <n>" needs 3 digits
        ("Requested by Dr. Nguyen 104233", None),  # "Requested" is not "Request"
        ("Requestor: 104233", None),
        (None, "Meeting ID: 855 1234 5678\nPasscode: 512345"),
        (None, "+13126266799,,85512345678#,,,,*512345# US"),  # Zoom's one-tap dial string
        (None, "&#8211; an HTML entity"),
        (None, "https://example.com/page#12345"),  # a URL fragment
        (None, "#123456789"),  # 9 digits after a bare #: a meeting id, not a request
        (None, "Passcode: #512345"),
        (None, "Meeting ID #8551234"),
    ],
)
def test_not_a_request_id(summary: str | None, notes: str | None) -> None:
    assert find_request_id(summary, notes) is None


def test_a_room_number_before_the_request_does_not_hide_it() -> None:
    assert find_request_id("Room #512, Request 104233", None) == "104233"
    assert find_request_id("Room #512 then #104233", None) == "104233"


# -- terminal safety: a link ends at a control or bidi character ---------------------------------


@pytest.mark.parametrize(
    "glued",
    ["\x1b", "\x1b]52;c;SGVsbG8=\x07", "\x07", "\x00", "\x0b", "\x7f", "\x9b", "\u202e", "\u2066"],
)
def test_a_link_ends_at_a_control_or_bidi_character(glued: str) -> None:
    text = f"Join: https://acme.zoom.us/j/123456789?pwd=ab{glued}cd more"
    assert find_zoom_link(text) == ZoomLink(
        "https://acme.zoom.us/j/123456789?pwd=ab", "123456789", "ab"
    )


def test_a_bidi_override_in_the_meeting_id_leaves_no_link() -> None:
    # The id ends at U+202E: "855" is no meeting id, and nothing after the override is read.
    assert find_zoom_link("https://zoom.us/j/855\u202e12345678?pwd=x") is None
    assert find_zoom_link("zoommtg://zoom.us/join?confno=855\x1b12345678") is None


def test_a_control_character_ends_an_app_link_too() -> None:
    link = find_zoom_link("zoommtg://acme.zoom.us/join?confno=85512345678&pwd=ab\u2066cd")
    assert link == ZoomLink("https://acme.zoom.us/j/85512345678?pwd=ab", "85512345678", "ab")


def test_an_app_link_passcode_that_is_not_a_token_is_left_out() -> None:
    found = find_zoom_link("zoommtg://zoom.us/join?confno=123456789&pwd=%1b]52;c;SGVsbG8=%07")
    assert found is not None
    assert found.invite_link == "https://zoom.us/j/123456789"
    assert found.pwd is None
