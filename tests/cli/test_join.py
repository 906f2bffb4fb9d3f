"""`usked join REQUEST_ID|next`: the invite link, printed and handed to the browser (issue 13).

The browser is Python's `webbrowser`: in-process it is replaced by a recorder; one test runs the
installed console script with $BROWSER set to a script that writes down what it was given.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.helpers import run

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
# Request 104233 (Mon/Wed/Fri 09:00-10:00 Chicago), 104240 (on site, Tue/Thu 13:30-15:00),
# 104251 (Wed 16:00-17:00, link in the notes), 104262 (all day, every other Friday).
LINK_104233 = "https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1"
LINK_104251 = "https://acme.zoom.us/j/91234567890?pwd=cXdlcnR5dWlvcDEyMw.1"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 09:00 in Chicago
TUESDAY_1000 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # next: 104240 on site at 13:30
WEDNESDAY_1030 = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)  # 104233 over; 104251 at 16:00
WEDNESDAY_1630 = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)  # 104251 running (16:00-17:00)


@pytest.fixture
def synced() -> None:
    assert run(["feeds", "add", "maria", str(SAMPLE)]).exit_code == 0
    result = run(["sync"], now=NOW)
    assert result.exit_code == 0, result.stderr


def feed(tmp_path: Path, *events: tuple[str, str, str, str]) -> Path:
    """A one-off calendar: (request id, start, end, location) per event, times in UTC."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//join//EN"]
    for request_id, start, end, location in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:join-{request_id}@test",
            "DTSTAMP:20261101T000000Z",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            f"SUMMARY:Request #{request_id} - Test",
            f"LOCATION:{location}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path = tmp_path / "one-off.ics"
    path.write_bytes("".join(line + "\r\n" for line in lines).encode())
    return path


# --- --print ---------------------------------------------------------------------------------


def test_print_prints_only_the_link_and_opens_nothing(synced: None, opened: list[str]) -> None:
    result = run(["join", "104233", "--print"], now=NOW)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == LINK_104233 + "\n"
    assert result.stderr == ""
    assert opened == []


def test_request_id_may_carry_a_hash(synced: None, opened: list[str]) -> None:
    result = run(["join", "#104251", "--print"], now=NOW)
    assert (result.exit_code, result.stdout) == (0, LINK_104251 + "\n")


# --- next ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 104233 starts right now (09:00): it has not ended, so it is the one.
        (NOW, LINK_104233),
        # The next assignment is on site (104240, 13:30): skipped for Wednesday's 104233.
        (TUESDAY_1000, LINK_104233),
        # 104233 ended at 10:00; 104251 at 16:00 is next, not Friday's 104233.
        (WEDNESDAY_1030, LINK_104251),
        # A running meeting counts: 104251 began half an hour ago.
        (WEDNESDAY_1630, LINK_104251),
    ],
    ids=["starting-now", "skips-on-site", "skips-ended", "running"],
)
def test_next_picks_the_next_zoom_assignment(
    synced: None, opened: list[str], now: datetime, expected: str
) -> None:
    result = run(["join", "next", "--print"], now=now)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_next_for_one_user(synced: None, tmp_path: Path, opened: list[str]) -> None:
    joe = feed(
        tmp_path,
        ("555001", "20261201T163000Z", "20261201T170000Z", "https://acme.zoom.us/j/81111111111"),
    )
    assert run(["feeds", "add", "joe", str(joe)]).exit_code == 0
    assert run(["sync", "joe"], now=NOW).exit_code == 0
    # Joe's meeting (Tue 10:30) comes before Maria's (Wed 09:00).
    everyone = run(["join", "next", "--print"], now=TUESDAY_1000)
    assert everyone.stdout == "https://acme.zoom.us/j/81111111111\n"
    maria = run(["join", "next", "--user", "maria", "--print"], now=TUESDAY_1000)
    assert (maria.exit_code, maria.stdout) == (0, LINK_104233 + "\n")


def test_next_with_nothing_ahead_in_14_days_is_exit_3(tmp_path: Path) -> None:
    path = feed(
        tmp_path,
        # Zoom, but 15 days ahead; on site tomorrow; Zoom, but over yesterday.
        ("555002", "20261212T150000Z", "20261212T160000Z", "https://acme.zoom.us/j/82222222222"),
        ("555003", "20261128T150000Z", "20261128T160000Z", "Room 12"),
        ("555004", "20261126T150000Z", "20261126T160000Z", "https://acme.zoom.us/j/83333333333"),
    )
    assert run(["feeds", "add", "joe", str(path)]).exit_code == 0
    assert run(["sync"], now=NOW).exit_code == 0
    result = run(["join", "next"], now=NOW)
    assert result.exit_code == 3
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error == "error: no Zoom assignment ahead in the next 14 days"
    assert hint.startswith("hint: ")
    # 13 days ahead is inside the window.
    thirteen_days = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
    found = run(["join", "next", "--print"], now=thirteen_days)
    assert (found.exit_code, found.stdout) == (0, "https://acme.zoom.us/j/82222222222\n")


def test_next_with_no_feed_at_all_is_exit_3() -> None:
    result = run(["join", "next", "--print"], now=NOW)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "no Zoom assignment ahead" in result.stderr


# --- not a Zoom meeting, no such request ---------------------------------------------------


def test_on_site_request_is_exit_3_with_one_line(synced: None, opened: list[str]) -> None:
    result = run(["join", "104240"], now=NOW)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "error: request 104240 is not a Zoom meeting "
        "(location: Lincoln Elementary, Room 12, 400 Oak St, Springfield)\n"
    )
    assert opened == []


def test_unknown_request_is_exit_3(synced: None, opened: list[str]) -> None:
    result = run(["join", "999999"], now=NOW)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "999999" in result.stderr
    assert opened == []


def test_request_not_on_the_users_schedule_is_exit_3(synced: None, opened: list[str]) -> None:
    result = run(["join", "104233", "--user", "joe", "--print"], now=NOW)
    assert result.exit_code == 3
    assert "not on the schedule of joe" in result.stderr


# --- the browser -----------------------------------------------------------------------------


def test_browser_is_asked_to_open_the_link(synced: None, opened: list[str]) -> None:
    result = run(["join", "104233"], now=NOW)
    assert result.exit_code == 0, result.stderr
    assert opened == [LINK_104233]
    assert result.stdout == LINK_104233 + "\n"  # the link it opened, on stdout (contracts.md)


def test_no_browser_still_prints_the_link_and_exits_1(
    synced: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    result = run(["join", "104233"], now=NOW)
    assert result.exit_code == 1
    assert result.stdout == LINK_104233 + "\n"
    assert "no web browser could be started" in result.stderr
    assert "BROWSER" in result.stderr  # the hint says how to name one


def test_early_join_asks_on_a_terminal_and_yes_does_not(
    synced: None, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("usked_cli.cli.join._interactive", lambda context: True)
    early = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Mon 08:00: an hour before 104233
    declined = run(["join", "104233"], now=early, input="n\n")
    assert declined.exit_code == 0
    assert "open it now?" in declined.stderr
    assert LINK_104233 not in declined.stdout  # (CliRunner echoes the typed answer there)
    assert "not opened" in declined.stderr
    assert opened == []
    accepted = run(["join", "104233"], now=early, input="y\n")
    assert accepted.exit_code == 0
    assert accepted.stdout.endswith(LINK_104233 + "\n")
    assert opened == [LINK_104233]
    yes = run(["join", "104233", "--yes"], now=early)
    assert "open it now?" not in yes.stderr
    assert opened == [LINK_104233, LINK_104233]
    # Within 15 minutes of the start nothing is asked.
    soon = run(["join", "104233"], now=datetime(2026, 11, 30, 14, 50, tzinfo=UTC))
    assert "open it now?" not in soon.stderr
    assert len(opened) == 3


# --- --ics -----------------------------------------------------------------------------------


def test_ics_works_without_any_synced_feed(opened: list[str]) -> None:
    by_id = run(["join", "104233", "--ics", str(SAMPLE), "--print"], now=NOW)
    assert by_id.exit_code == 0, by_id.stderr
    assert by_id.stdout == LINK_104233 + "\n"
    following = run(["join", "next", "--ics", str(SAMPLE), "--print"], now=WEDNESDAY_1030)
    assert (following.exit_code, following.stdout) == (0, LINK_104251 + "\n")
    opening = run(["join", "104251", "--ics", str(SAMPLE)], now=NOW)
    assert opening.exit_code == 0, opening.stderr
    assert opened == [LINK_104251]
    # Nothing was cached.
    assert json.loads(run(["feeds", "list", "--json"]).stdout) == []
    assert run(["join", "104233", "--print"], now=NOW).exit_code == 3


def test_ics_next_with_nothing_ahead_hints_at_the_feed_not_sync(tmp_path: Path) -> None:
    path = feed(tmp_path, ("555005", "20261128T150000Z", "20261128T160000Z", "Room 12"))
    result = run(["join", "next", "--ics", str(path)], now=NOW)
    assert result.exit_code == 3
    assert "no Zoom assignment ahead in the next 14 days" in result.stderr
    hint = result.stderr.splitlines()[-1]
    assert hint.startswith("hint: ")
    assert "usked sync" not in hint  # --ics reads no synced feed; syncing would not help
    assert "--ics" in hint


# --- the installed console script, with a real $BROWSER ---------------------------------------


def _console_script() -> Path:
    path = Path(sys.executable).with_name("usked")
    if not path.exists():
        pytest.fail(f"the console script is not installed beside {sys.executable}")
    return path


def _browser_env(tmp_path: Path, browser: str | None) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")
    }
    # No other browser on PATH: only $BROWSER (if any) can be found.
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    env["PATH"] = str(empty)
    if browser is not None:
        env["BROWSER"] = browser
    return env


def test_installed_script_hands_the_link_to_browser(tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    browser = tmp_path / "fake-browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    result = subprocess.run(
        [str(_console_script()), "join", "104233", "--ics", str(SAMPLE), "--yes"],
        capture_output=True,
        text=True,
        env=_browser_env(tmp_path, str(browser)),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == LINK_104233 + "\n"
    assert record.read_text() == LINK_104233 + "\n"  # one argument: the link, whole


def test_installed_script_without_a_browser_prints_the_link_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(_console_script()), "join", "104233", "--ics", str(SAMPLE), "--yes"],
        capture_output=True,
        text=True,
        env=_browser_env(tmp_path, None),
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == LINK_104233 + "\n"
    assert result.stderr.startswith("error: no web browser could be started")
    assert "Traceback" not in result.stderr


# --- review of issue 15 --------------------------------------------------------------------------


def test_a_personal_room_link_counts_as_a_link(tmp_path: Path, opened: list[str]) -> None:
    # Personal Meeting Room links (/my/NAME) carry no meeting id; they are still a way in.
    room = "https://acme.zoom.us/my/ana.interpreter"
    path = feed(tmp_path, ("555010", "20261127T160000Z", "20261127T170000Z", room))
    result = run(["join", "555010", "--ics", str(path)], now=NOW)
    assert (result.exit_code, result.stdout) == (0, room + "\n")
    assert opened == [room]
    following = run(["join", "next", "--ics", str(path), "--print"], now=NOW)
    assert (following.exit_code, following.stdout) == (0, room + "\n")


def test_ctrl_c_at_the_question_is_an_interruption(
    synced: None, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    monkeypatch.setattr("usked_cli.cli.join._interactive", lambda context: True)

    def interrupted(*args: object, **kwargs: object) -> bool:
        raise typer.Abort()  # what click's prompt raises on Ctrl-C and Ctrl-D

    monkeypatch.setattr(typer, "confirm", interrupted)
    early = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    result = run(["join", "104233"], now=early)
    assert result.exit_code == 130
    assert opened == []
    assert LINK_104233 not in result.stdout


def test_all_goes_with_next_only(synced: None) -> None:
    result = run(["join", "104233", "--all", "--print"], now=NOW)
    assert result.exit_code == 2
    assert "--all goes with `next`" in result.stderr
