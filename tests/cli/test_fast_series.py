"""Unbounded fast series (issue 12): expanded in the window asked for only, capped per series,
and never a reason for a later window to come back empty; and what the parser notes about a
file (a bare VEVENT) reaches the user."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import usked_cli.feeds.ical as ical
from tests.cli.helpers import run
from usked_cli.feeds.ical import MAX_OCCURRENCES, parse_feed

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n{e}END:VEVENT\r\n" for e in events)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n"
    ).encode()


SECONDLY = calendar(
    "UID:sec\r\nDTSTART:20261201T000000Z\r\nDTEND:20261201T000001Z\r\n"
    "SUMMARY:Request #7 - every second\r\nRRULE:FREQ=SECONDLY\r\n"
)
HOURLY = calendar(
    "UID:hour\r\nDTSTART;TZID=America/New_York:20200101T000000\r\n"
    "DTEND;TZID=America/New_York:20200101T003000\r\n"
    "SUMMARY:Request #8 - every hour\r\nRRULE:FREQ=HOURLY\r\n"
)


def test_a_secondly_series_is_expanded_from_its_start_in_pieces_of_bounded_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before: the empty stretch between the window's start and DTSTART doubled the pieces
    # until one held a month of seconds (2.3 million occurrences, 20-35 s).
    sizes: list[int] = []
    make_query = ical._query

    def counting_query(series: Any) -> Any:
        query = make_query(series)
        between = query.between

        def counted(*args: Any) -> Any:
            found = between(*args)
            sizes.append(len(found))
            return found

        query.between = counted
        return query

    monkeypatch.setattr(ical, "_query", counting_query)
    result = parse_feed(
        SECONDLY,
        user="ana",
        window_start=datetime(2026, 10, 1, tzinfo=UTC),
        window_end=datetime(2027, 12, 1, tzinfo=UTC),
        default_tz=UTC,
        source="secondly.ics",
    )
    starts = [a.start for a in result.assignments]
    assert len(starts) == MAX_OCCURRENCES
    assert starts[0] == datetime(2026, 12, 1, tzinfo=UTC)
    assert starts[-1] == datetime(2026, 12, 1, 1, 23, 19, tzinfo=UTC)
    assert result.complete_until == starts[-1]
    assert max(sizes) <= MAX_OCCURRENCES  # no piece holds more than the cap
    assert sum(sizes) <= 2 * MAX_OCCURRENCES
    assert any("listed the first 5000" in w for w in result.warnings)


def test_a_capped_series_is_listed_in_a_later_window_from_the_stored_copy(tmp_path: Path) -> None:
    feed = tmp_path / "hour.ics"
    feed.write_bytes(HOURLY)
    assert run(["feeds", "add", "hour", str(feed)], now=NOW).exit_code == 0
    synced = run(["sync"], now=NOW)
    assert synced.exit_code == 0, synced.stderr
    assert "listed the first 5000, to 2027-04-27 " in synced.stderr
    # June 2027 is inside the sync horizon (400 days) but after the cut: expanded again.
    later = run(
        ["--tz", "UTC", "assignments", "list", "--from", "2027-06-01", "--to", "2027-06-01"],
        now=NOW,
    )
    assert later.exit_code == 0, later.stderr
    lines = later.stdout.splitlines()
    assert len(lines) == 24
    assert lines[0].startswith("2027-06-01T00:00:00+00:00\t")
    # Before the cut the cache answers, with the same occurrences.
    earlier = run(
        ["--tz", "UTC", "assignments", "list", "--from", "2026-12-03", "--to", "2026-12-03"],
        now=NOW,
    )
    assert len(earlier.stdout.splitlines()) == 24


BARE = (
    b"BEGIN:VEVENT\r\nUID:bare-1\r\nDTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;TZID=America/Chicago:20261203T090000\r\n"
    b"DTEND;TZID=America/Chicago:20261203T100000\r\nSUMMARY:Request #9 - bare\r\nEND:VEVENT\r\n"
)


def test_a_bare_vevent_is_listed_with_a_one_line_note(tmp_path: Path) -> None:
    feed = tmp_path / "bare.ics"
    feed.write_bytes(BARE)
    listed = run(["assignments", "list", "--ics", str(feed), "--to", "+3d"], now=NOW)
    assert listed.exit_code == 0, listed.stderr
    assert "\t9\t" in listed.stdout
    assert listed.stderr.count("\n") == 1
    assert listed.stderr.startswith("note: ")
    assert "read as a calendar of one event" in listed.stderr
    assert run(["feeds", "add", "bare", str(feed)], now=NOW).exit_code == 0
    synced = run(["sync"], now=NOW)
    assert synced.exit_code == 0
    assert "note: bare: " in synced.stderr
    assert "read as a calendar of one event" in synced.stderr


def test_the_host_link_hint_repeats_ics(monkeypatch: pytest.MonkeyPatch) -> None:
    # Following the hint in a workspace with no synced feed must find the request again.
    for name, value in {"ACCOUNT_ID": "a", "CLIENT_ID": "b", "CLIENT_SECRET": "c"}.items():
        monkeypatch.setenv(f"USKED_ZOOM__{name}", value)
    sample = str(Path(__file__).parents[2] / "examples" / "sample-feed.ics")
    result = run(["host-link", "104251", "--ics", sample], now=NOW)
    assert result.exit_code == 4
    assert result.stderr.splitlines()[-1] == f"hint: usked host-link 104251 --wait --ics {sample}"
