"""Tables on a terminal at 60, 80, 120 and 200 columns: nothing a person copies is ever cut.

Links, emails, request ids, meeting ids and times are whole on one line at every width; a link
that the row cannot hold goes on its own line under the row; titles may wrap; emails lose their
domain only when every row shares it, and the header says which.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.helpers import run
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import DEFAULT_EPOCH
from usked_cli.render import Column, Output

WIDTHS = [60, 80, 120, 200]
SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
NOW = datetime.fromisoformat("2026-11-27T06:00:00-06:00")  # the sample's first week
LINKS = {
    "104233": "https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1",
    "104251": "https://acme.zoom.us/j/91234567890?pwd=cXdlcnR5dWlvcDEyMw.1",
}
OSC8 = re.compile(r"\x1b]8;;[^\x1b]*\x1b\\")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def on_terminal(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", str(width))


def assert_fits(text: str, width: int, *, except_links: bool = True) -> None:
    for line in text.splitlines():
        if except_links and line.strip().startswith("https://"):
            continue  # a link alone on its line is never cut: the terminal may soft-wrap it
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"
    assert "…" not in text


@pytest.mark.parametrize("width", WIDTHS)
def test_listing_keeps_links_and_ids_whole(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    on_terminal(monkeypatch, width)
    result = run(
        ["--tz", "America/Chicago", "assignments", "list", "--ics", str(SAMPLE), "--to", "+7d"],
        now=NOW,
    )
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert_fits(text, width)
    lines = text.splitlines()
    for request_id, link in LINKS.items():
        assert any(link in line for line in lines), f"{link} is not whole at {width}"
        assert request_id in text
    assert "104240" in text
    assert "104262" in text
    assert lines[0] == f"Assignments of {SAMPLE.stem}"  # one user: named once, above
    assert "Time (CST)" in lines[1]
    # Times are whole: every timed row shows its HH:MM-HH:MM range on one line.
    assert len(re.findall(r"\b\d\d:\d\d-\d\d:\d\d\b", text)) >= 5
    # The host-link column is kept at every width.
    assert "Host link" in lines[1]
    assert "from 08:45" in text
    if width >= 200:
        assert any(LINKS["104233"] in line and "104233" in line for line in lines)
    else:
        # Narrower: under its row, alone on the line, indented.
        assert f"    {LINKS['104233']}" in lines


def test_links_are_hyperlinks_where_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    on_terminal(monkeypatch, 80)
    monkeypatch.setenv("USKED_HYPERLINKS", "1")
    result = run(["assignments", "list", "--ics", str(SAMPLE), "--to", "+3d"], now=NOW)
    link = LINKS["104233"]
    assert f"\x1b]8;;{link}\x1b\\{link}\x1b]8;;\x1b\\" in result.stdout
    # Stripped of the escape, the screen shows the same text as without it.
    monkeypatch.setenv("USKED_HYPERLINKS", "0")
    plain = run(["assignments", "list", "--ics", str(SAMPLE), "--to", "+3d"], now=NOW)
    assert OSC8.sub("", result.stdout) == plain.stdout


def test_piped_listing_is_one_line_per_assignment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    result = run(["assignments", "list", "--ics", str(SAMPLE), "--to", "+7d"], now=NOW)
    for line in result.stdout.splitlines():
        assert len(line.split("\t")) == 8
    assert LINKS["104233"] in result.stdout


# --- the layout itself -----------------------------------------------------------------------


def render(columns: list[Column], rows: list[dict[str, str]], width: int) -> str:
    return "\n".join(Output(no_color=True).table_lines(columns, rows, width=width))


EMAILS = [Column("email", "Host user", kind="email"), Column("topic", "Topic")]


@pytest.mark.parametrize("width", WIDTHS)
def test_emails_are_never_cut(width: int) -> None:
    rows = [
        {"email": f"zoomhost{i:04d}-interpreting@acme-language-services.org", "topic": "A " * 30}
        for i in range(3)
    ]
    text = render(EMAILS, rows, width)
    for row in rows:
        local = row["email"].split("@")[0]
        assert local in text
    if "(@acme-language-services.org)" in text:
        assert width < 120  # the domain goes only when the full emails would not fit
    else:
        for row in rows:
            assert row["email"] in text
    assert "…" not in text


def test_emails_keep_their_domain_when_rows_differ() -> None:
    rows = [
        {"email": "zoomhost0001-interpreting@acme.org", "topic": "x"},
        {"email": "zoomhost0002-interpreting@other.org", "topic": "y"},
    ]
    text = render(EMAILS, rows, 40)
    assert "zoomhost0001-interpreting@acme.org" in text
    assert "zoomhost0002-interpreting@other.org" in text


def test_a_shared_domain_is_said_once_in_the_header() -> None:
    rows = [{"email": f"host-{c}@acme.org", "topic": "Weekly meeting " * 4} for c in "abc"]
    text = render(EMAILS, rows, 22)
    lines = text.splitlines()
    assert "@acme.org" not in "\n".join(lines[2:])  # said once, in the header
    assert lines[0].startswith("Host user")
    assert lines[1].strip() == "(@acme.org)"
    for letter in "abc":
        assert f"host-{letter} " in text


@pytest.mark.parametrize("width", WIDTHS)
def test_titles_wrap_and_ids_stay(width: int) -> None:
    columns = [
        Column("id", "Request", kind="id"),
        Column("title", "Title"),
        Column("meeting", "Meeting", kind="id"),
    ]
    rows = [{"id": "104233", "title": "Spanish Interpreting " * 6, "meeting": "85512345678"}]
    text = render(columns, rows, width)
    assert_fits(text, width)
    assert "104233" in text
    assert "85512345678" in text
    words = " ".join(" ".join(line.split()) for line in text.splitlines()[2:])
    assert words.count("Interpreting") == 6  # wrapped, nothing dropped


def test_control_characters_from_outside_are_shown_not_acted_on() -> None:
    rows = [{"id": "1", "title": "Hi\x1b[2J\x1b]52;c;cHduZWQ=\x07 there\u202e"}]
    text = render([Column("id", "Id", kind="id"), Column("title", "Title")], rows, 80)
    assert "\x1b" not in text
    assert "\\x1b[2J" in text
    assert "\\u202e" in text


# --- admin tables ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_conflicts_keep_emails_and_times_whole(
    zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "zoomhost*@acme-interpreting.org")
    start = DEFAULT_EPOCH + timedelta(hours=1)
    for letter in "ab":
        user = zoom.fake.add_user(f"zoomhost0{letter}@acme-interpreting.org", "Host", letter)
        zoom.fake.add_meeting(user, "Medical appointment, long topic " * 2, start, 60)
        zoom.fake.add_meeting(user, "Legal", start + timedelta(minutes=65), 60)
    on_terminal(monkeypatch, width)
    result = zoom.run(["admin", "conflicts"])
    assert result.exit_code == 1, result.stderr
    assert_fits(result.stdout, width)
    text = result.stdout
    assert "zoomhost0a@acme-interpreting.org" in text
    assert "zoomhost0b@acme-interpreting.org" in text
    assert "First" in text
    assert "(CST)" in text
    assert "Mon 02 Mar 10:00-11:00" in text
    assert re.search(r"\b11:05-12:05\b", text)  # the same day: the day is said once


EXCHANGE_UID = (
    "040000008200E00074C5B7101A82E0080000000010A1B2C3D4E5F60100000000000000001000000"
    "09F8E7D6C5B4A39281706F5E4D3C2B1A0"
)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_exchange_uid_as_request_id_goes_whole_under_its_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, width: int
) -> None:
    # An event with no request number takes its UID as the request id; Exchange's are ~100
    # characters. It must not widen the table past the terminal nor break the titles.
    feed = tmp_path / "exchange.ics"
    feed.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{EXCHANGE_UID}\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Eastern Standard Time:20261127T090000\r\n"
        "DTEND;TZID=Eastern Standard Time:20261127T100000\r\n"
        "SUMMARY:Quarterly review with the interpreting team\r\n"
        "LOCATION:https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    on_terminal(monkeypatch, width)
    result = run(
        ["--tz", "America/Chicago", "assignments", "list", "--ics", str(feed), "--to", "+2d"],
        now=NOW,
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    below = [line for line in lines if EXCHANGE_UID in line]
    assert below == [f"    Request: {EXCHANGE_UID}"]  # whole, on its own line
    table = [line for line in lines if line not in below]
    assert_fits("\n".join(table), width)
    assert any("08:00-09:00" in line and "↓" in line for line in table)
    shown = set(" ".join(table).split())
    title = {"Quarterly", "review", "with", "the", "interpreting", "team"}
    assert title <= shown  # no word of the title broken


def test_an_empty_listing_on_a_terminal_is_the_note_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    on_terminal(monkeypatch, 80)
    result = run(
        ["assignments", "list", "--ics", str(SAMPLE), "--from", "2026-11-29", "--to", "2026-11-29"],
        now=NOW,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # no table of headers with nothing under them
    assert result.stderr.startswith("no assignments from ")
