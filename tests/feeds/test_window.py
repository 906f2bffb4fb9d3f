"""The window rule the parser and the cache share (usked_cli.feeds.window), and the cache's new
columns: all-day events by their dates, timed ones by their instants; pwd and dial-in stored."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.feeds.calendars import ALL_DAY_EDGE, CHICAGO, ZOOM_INVITATION, ics
from usked_cli.feeds.ical import parse_feed
from usked_cli.feeds.window import all_day_in_window, window_days
from usked_cli.models import Assignment, DialIn
from usked_cli.store import Workspace

TOKYO = ZoneInfo("Asia/Tokyo")
AUCKLAND = ZoneInfo("Pacific/Auckland")
HONOLULU = ZoneInfo("Pacific/Honolulu")


def test_window_days_are_the_dates_of_its_bounds_in_their_own_zone() -> None:
    # `--from 2026-03-10 --to 2026-03-12` in Chicago: [10th 00:00, 13th 00:00)
    assert window_days(
        datetime(2026, 3, 10, tzinfo=CHICAGO), datetime(2026, 3, 13, tzinfo=CHICAGO)
    ) == (
        date(2026, 3, 10),
        date(2026, 3, 12),
    )
    # an end inside a day holds that day
    assert window_days(
        datetime(2026, 3, 10, 15, tzinfo=CHICAGO), datetime(2026, 3, 12, 8, tzinfo=CHICAGO)
    ) == (date(2026, 3, 10), date(2026, 3, 12))


def test_all_day_events_meet_the_window_by_their_dates() -> None:
    days = (date(2026, 3, 10), date(2026, 3, 12))
    assert all_day_in_window(date(2026, 3, 12), date(2026, 3, 13), days)  # on the --to day
    assert not all_day_in_window(date(2026, 3, 13), date(2026, 3, 14), days)  # the day after
    assert not all_day_in_window(date(2026, 3, 9), date(2026, 3, 10), days)  # the day before
    assert all_day_in_window(date(2026, 3, 8), date(2026, 3, 11), days)  # across the start
    assert all_day_in_window(date(2026, 3, 12), date(2026, 3, 12), days)  # DTEND = DTSTART


@pytest.mark.parametrize("floating", [AUCKLAND, HONOLULU, CHICAGO, TOKYO])
def test_the_parser_lists_the_to_day_and_not_the_day_after_wherever_midnight_falls(
    floating: ZoneInfo,
) -> None:
    data = ALL_DAY_EDGE.data.replace(b"Pacific/Auckland", floating.key.encode())
    result = parse_feed(
        data, user="ana", window_start=ALL_DAY_EDGE.window[0], window_end=ALL_DAY_EDGE.window[1],
        default_tz=CHICAGO,
    )  # fmt: skip
    assert [a.title for a in result.assignments] == ["On the first day", "On the last day"]


def stored(tmp_path: Path, data: bytes, floating: ZoneInfo = CHICAGO) -> Workspace:
    """A workspace holding the feed's assignments over a wide window."""
    parsed = parse_feed(
        data,
        user="ana",
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2027, 1, 1, tzinfo=UTC),
        default_tz=floating,
    )
    workspace = Workspace.open(tmp_path / "data")
    workspace.replace_assignments(
        "ana",
        parsed.assignments,
        source="feed.ics",
        body=data,
        etag=None,
        last_modified=None,
        synced_at="2026-03-01T00:00:00+00:00",
        horizon=(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        event_count=parsed.event_count,
        calendar_tz=parsed.calendar_tz,
        parsed_with="test",
    )
    return workspace


@pytest.mark.parametrize("display", [CHICAGO, TOKYO, HONOLULU])
def test_the_cache_applies_the_same_rule_as_the_parser(tmp_path: Path, display: ZoneInfo) -> None:
    workspace = stored(tmp_path, ALL_DAY_EDGE.data)
    try:
        start = datetime(2026, 3, 10, tzinfo=display)
        end = datetime(2026, 3, 13, tzinfo=display)
        cached = workspace.assignments_between(start, end)
        parsed = parse_feed(
            ALL_DAY_EDGE.data, user="ana", window_start=start, window_end=end, default_tz=CHICAGO
        )
        assert [a.title for a in cached] == ["On the first day", "On the last day"]
        assert cached == parsed.assignments
    finally:
        workspace.close()


TIMED_AND_ALL_DAY = ics(
    """
BEGIN:VCALENDAR
X-WR-TIMEZONE:Pacific/Auckland
BEGIN:VEVENT
UID:timed
DTSTART;TZID=America/Chicago:20260312T230000
DTEND;TZID=America/Chicago:20260313T003000
END:VEVENT
BEGIN:VEVENT
UID:zero-length
DTSTART;TZID=America/Chicago:20260313T000000
END:VEVENT
BEGIN:VEVENT
UID:day
DTSTART;VALUE=DATE:20260313
END:VEVENT
END:VCALENDAR
"""
)


@given(
    st.integers(min_value=-3 * 24, max_value=3 * 24),
    st.integers(min_value=1, max_value=4 * 24),
    st.sampled_from([CHICAGO, TOKYO, HONOLULU, ZoneInfo("UTC")]),
)
def test_cache_and_parser_agree_on_any_window(start_hour: int, hours: int, zone: ZoneInfo) -> None:
    import tempfile

    start = datetime(2026, 3, 12, tzinfo=zone) + timedelta(hours=start_hour)
    end = start + timedelta(hours=hours)
    with tempfile.TemporaryDirectory() as folder:
        workspace = stored(Path(folder), TIMED_AND_ALL_DAY)
        try:
            cached = workspace.assignments_between(start, end)
        finally:
            workspace.close()
    parsed = parse_feed(
        TIMED_AND_ALL_DAY, user="ana", window_start=start, window_end=end, default_tz=CHICAGO
    ).assignments
    assert sorted(a.uid for a in cached) == sorted(a.uid for a in parsed)


def test_pwd_and_dial_in_are_stored_and_read_back(tmp_path: Path) -> None:
    workspace = stored(tmp_path, ZOOM_INVITATION.data)
    try:
        (cached,) = workspace.assignments_for_request("104729")
    finally:
        workspace.close()
    assert cached.passcode == "482913"
    assert cached.pwd == "SGVsbG9Xb3JsZDEyMzQ1Ng.1"
    assert cached.dial_in[:2] == (
        DialIn("+1 301 715 8592", "US (Washington DC)"),
        DialIn("+1 312 626 6799", "US (Chicago)"),
    )


def test_distinct_events_sharing_a_uid_are_all_stored(tmp_path: Path) -> None:
    from tests.feeds.calendars import DUPLICATE_UIDS

    workspace = stored(tmp_path, DUPLICATE_UIDS.data)
    try:
        shared = [a for a in workspace.assignments_between(
            datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        ) if a.uid == "shared@icloud"]  # fmt: skip
    finally:
        workspace.close()
    assert sorted(a.title for a in shared) == [
        "Request #104726 - afternoon",
        "Request #104726 - morning",
        "Request #104727 - same start, another summary",
    ]


def test_the_migration_moves_the_old_passcode_to_pwd_and_asks_for_a_new_parse(
    tmp_path: Path,
) -> None:
    from usked_cli import store

    folder = tmp_path / "data"
    folder.mkdir()
    db = sqlite3.connect(folder / store.DB_NAME)
    for statement in ";".join(store._MIGRATIONS[:3]).split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO assignment VALUES ('ana', 'u', '', '1', 't', '2026-03-10T09:00:00-05:00', "
        "'2026-03-10T10:00:00-05:00', 1773151200, 1773154800, 0, '', 1, 'https://zoom.us/j/1', "
        "'85512345678', 'SGVsbG8', '')"
    )
    db.execute(
        "INSERT INTO feed_state (user, source, parsed_with) VALUES ('ana', 'f.ics', 'x 1.0')"
    )
    db.commit()
    db.close()
    workspace = Workspace.open(folder)
    try:
        (old,) = workspace.assignments_for_request("1")
        (state,) = workspace.feed_states()
    finally:
        workspace.close()
    assert (old.passcode, old.pwd, old.dial_in) == (None, "SGVsbG8", ())
    assert state.parsed_with is None


def test_an_assignment_round_trips_through_the_cache(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "data")
    one = Assignment(
        user="ana",
        uid="u",
        request_id="1",
        title="t",
        start=datetime(2026, 3, 10, 9, tzinfo=CHICAGO),
        end=datetime(2026, 3, 10, 10, tzinfo=CHICAGO),
        all_day=False,
        location="",
        zoom=True,
        invite_link="https://zoom.us/j/85512345678?pwd=abc",
        meeting_id="85512345678",
        passcode="482913",
        pwd="abc",
        dial_in=(DialIn("+1 312 626 6799", "US (Chicago)"), DialIn("877 853 5247", "")),
    )
    try:
        workspace.replace_assignments(
            "ana", [one], source="f", body=b"", etag=None, last_modified=None,
            synced_at="2026-03-01T00:00:00+00:00",
            horizon=(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
            event_count=1, calendar_tz=None, parsed_with="t",
        )  # fmt: skip
        (back,) = workspace.assignments_for_request("1")
    finally:
        workspace.close()
    assert back == one
