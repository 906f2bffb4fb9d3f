"""`usked assignments list|show` and `usked invite`, on the bundled sample feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.helpers import run

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 09:00 in Chicago
ZOOM_104233 = "https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1"


@pytest.fixture
def synced() -> None:
    assert run(["feeds", "add", "maria", str(SAMPLE)]).exit_code == 0
    result = run(["sync"], now=NOW)
    assert result.exit_code == 0, result.stderr


def listed(*args: str) -> list[dict[str, object]]:
    result = run(["assignments", "list", *args, "--json"], now=NOW)
    assert result.exit_code == 0, result.stderr
    records: list[dict[str, object]] = json.loads(result.stdout)
    return records


def test_json_record_shape(synced: None) -> None:
    first_zoom = next(r for r in listed() if r["zoom"])
    assert first_zoom == {
        "user": "maria",
        "request_id": "104233",
        "title": "Request #104233 - Spanish Interpreting - Medical Appointment",
        "start": "2026-11-27T09:00:00-06:00",
        "end": "2026-11-27T10:00:00-06:00",
        "all_day": False,
        "zoom": True,
        "meeting_id": "85512345678",
        "invite_link": ZOOM_104233,
        # The passcode a person types is the notes' "Passcode:" line; the link's token is pwd.
        "passcode": "482913",
        "pwd": "SGVsbG9Xb3JsZDEyMzQ1Ng.1",
        "dial_in": [],
        "location": ZOOM_104233,
        "uid": "usked-request-104233@acme.usked.com",
        "recurrence_id": first_zoom["recurrence_id"],
        "host_link_opens": "2026-11-27T08:45:00-06:00",
    }
    assert isinstance(first_zoom["recurrence_id"], str)


def test_all_day_keeps_its_date_in_another_display_zone(synced: None) -> None:
    # Now is Sat 28 Nov 00:00 in Tokyo; all-day events compare with the window as dates, so
    # Friday's all-day event is in a window that starts on Friday 27 Nov (Tokyo's date).
    result = run(
        ["--tz", "Asia/Tokyo", "assignments", "list", "--from", "2026-11-27", "--json"], now=NOW
    )
    records = json.loads(result.stdout)
    all_day = next(r for r in records if r["all_day"])
    assert all_day["start"].startswith("2026-11-27T00:00:00")
    timed = next(r for r in records if r["request_id"] == "104233")
    assert timed["start"] == "2026-11-28T00:00:00+09:00"  # 09:00 Chicago shown in Tokyo


def test_zoom_only_and_user_filters(synced: None) -> None:
    assert {r["request_id"] for r in listed("--zoom-only")} == {"104233", "104251"}
    assert listed("--user", "maria") == listed()
    unknown = run(["assignments", "list", "--user", "nobody"], now=NOW)
    assert unknown.exit_code == 3
    assert "nobody" in unknown.stderr


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # The window is [from, to): an occurrence starting exactly at --to is out.
        (["--from", "2026-11-30T09:00", "--to", "2026-11-30T10:00"], ["104233"]),
        (["--from", "2026-11-30T10:00", "--to", "2026-11-30T11:00"], []),
        (["--from", "2026-11-30T08:00", "--to", "2026-11-30T09:00"], []),
        (["--from", "2026-11-30T09:59", "--to", "2026-11-30T09:59:30"], ["104233"]),
        (["--from", "tuesday", "--to", "tuesday"], ["104240"]),
        (["--from", "2026-12-02", "--to", "2026-12-02"], ["104233", "104251"]),
    ],
)
def test_window_edges(synced: None, window: list[str], expected: list[str]) -> None:
    assert [r["request_id"] for r in listed(*window)] == expected


def test_window_beyond_sync_horizon_expands_from_stored_feed(synced: None) -> None:
    # Two years ahead: outside the horizon stored at sync time, still listed.
    found = listed("--from", "2028-11-27", "--to", "2028-11-27")
    assert [r["request_id"] for r in found] == ["104233"]
    assert found[0]["start"] == "2028-11-27T09:00:00-06:00"


def test_piped_output_is_plain_tab_separated(synced: None) -> None:
    result = run(["assignments", "list", "--zoom-only"], now=NOW)
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == [
        "2026-11-27T09:00:00-06:00",
        "2026-11-27T10:00:00-06:00",
        "maria",
        "104233",
        "yes",
        "Request #104233 - Spanish Interpreting - Medical Appointment",
        ZOOM_104233,
        "2026-11-27T08:45:00-06:00",
    ]
    assert "\x1b[" not in result.stdout


def test_tty_output_groups_by_day_with_invite_link_in_place_of_location(
    synced: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", "250")
    result = run(["assignments", "list"], now=NOW)
    assert result.exit_code == 0
    out = result.stdout
    assert "Fri 27 Nov" in out
    assert out.count("Fri 27 Nov") == 1  # the day shows once, on its first row
    assert "Zoom" in out
    assert ZOOM_104233 in out
    assert "Lincoln Elementary, Room 12" in out
    assert "all day" in out


def test_csv_has_header_and_every_field(synced: None) -> None:
    result = run(["assignments", "list", "--csv"], now=NOW)
    header, *rows = result.stdout.splitlines()
    assert header.startswith("user,request_id,title,start,end,all_day,zoom,meeting_id")
    assert len(rows) == 7


def test_ics_lists_without_caching(tmp_path: Path, isolation: Path) -> None:
    result = run(["assignments", "list", "--ics", str(SAMPLE), "--json"], now=NOW)
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 7
    assert json.loads(run(["feeds", "list", "--json"]).stdout) == []
    assert json.loads(run(["assignments", "list", "--json"], now=NOW).stdout) == []


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"<!DOCTYPE html><html><head><title>Login</title></head></html>", "HTML"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_ics_that_is_not_a_calendar_is_exit_2(tmp_path: Path, content: bytes, found: str) -> None:
    path = tmp_path / "feed.ics"
    path.write_bytes(content)
    result = run(["assignments", "list", "--ics", str(path)], now=NOW)
    assert result.exit_code == 2
    assert found in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_ics_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = run(["assignments", "list", "--ics", str(tmp_path / "nope.ics")], now=NOW)
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_empty_calendar_is_empty_list_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "empty.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n")
    result = run(["assignments", "list", "--ics", str(path), "--json"], now=NOW)
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    assert "no assignments" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "someday"], "--from 'someday'"),
        (["--to", "2026-13-45"], "--to '2026-13-45'"),
        (["--from", "2026-12-05", "--to", "2026-12-01"], "is not after"),
        (["--json", "--csv"], "alternatives"),
    ],
)
def test_bad_options_are_exit_2(synced: None, args: list[str], message: str) -> None:
    result = run(["assignments", "list", *args], now=NOW)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_show_every_field_and_upcoming_occurrences(synced: None) -> None:
    result = run(["assignments", "show", "#104233", "--json"], now=NOW)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["request_id"] == "104233"
    assert report["invite_link"] == ZOOM_104233
    assert report["users"] == ["maria"]
    assert "Passcode: 482913" in report["notes"]
    starts = [o["start"] for o in report["occurrences"]]
    assert starts[:3] == [
        "2026-11-27T09:00:00-06:00",
        "2026-11-30T09:00:00-06:00",
        "2026-12-02T09:00:00-06:00",
    ]
    assert all(s >= "2026-11-27" for s in starts)
    piped = run(["assignments", "show", "104233"], now=NOW)
    assert "invite_link\t" + ZOOM_104233 + "\n" in piped.stdout
    assert "passcode\t482913\n" in piped.stdout


def test_show_unknown_request_is_exit_3(synced: None) -> None:
    result = run(["assignments", "show", "999999"], now=NOW)
    assert result.exit_code == 3
    assert "999999" in result.stderr


def test_invite_prints_only_the_link(synced: None) -> None:
    result = run(["invite", "104233"], now=NOW)
    assert result.exit_code == 0
    assert result.stdout == ZOOM_104233 + "\n"
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("request_id", "message"), [("104240", "not a Zoom meeting"), ("1", "no assignment")]
)
def test_invite_refuses_with_exit_3(synced: None, request_id: str, message: str) -> None:
    result = run(["invite", request_id], now=NOW)
    assert result.exit_code == 3
    assert message in result.stderr
    assert result.stdout == ""


def test_list_before_any_sync_says_what_to_do() -> None:
    result = run(["assignments", "list"], now=NOW)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "usked feeds add" in result.stderr
