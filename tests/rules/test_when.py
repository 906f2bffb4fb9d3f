"""WHEN phrases and durations: every accepted form, day bounds, daylight-saving days, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.rules.when import MAX_DURATION_MINUTES, parse_duration_minutes, parse_when

# Same examples on every run: a property test that fails, fails every time and everywhere.
DETERMINISTIC = settings(derandomize=True, deadline=None, database=None)

CHICAGO = ZoneInfo("America/Chicago")
# A Wednesday afternoon, with seconds, so that "exact" and "midnight" are told apart.
NOW = datetime(2026, 3, 4, 15, 45, 30, tzinfo=CHICAGO)


def at(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    tz: ZoneInfo = CHICAGO,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", at(2026, 12, 1)),
        ("2026-12-01T09:30", at(2026, 12, 1, 9, 30)),
        ("2026-12-01 09:30", at(2026, 12, 1, 9, 30)),
        ("2026-12-01t09:30:15", at(2026, 12, 1, 9, 30, 15)),
        ("2026-12-01T15:30Z", at(2026, 12, 1, 9, 30)),
        ("2026-12-01T15:30z", at(2026, 12, 1, 9, 30)),
        ("2026-12-01T09:30+01:00", at(2026, 12, 1, 2, 30)),
        ("2026-12-01T09:30-0600", at(2026, 12, 1, 9, 30)),
        ("now", NOW),
        ("today", at(2026, 3, 4)),
        ("tomorrow", at(2026, 3, 5)),
        ("yesterday", at(2026, 3, 3)),
        ("+3d", at(2026, 3, 7)),
        ("-2d", at(2026, 3, 2)),
        ("+0d", at(2026, 3, 4)),
        ("+2w", at(2026, 3, 18)),
        ("-1w", at(2026, 2, 25)),
        ("+5h", at(2026, 3, 4, 20, 45, 30)),
        ("-30m", at(2026, 3, 4, 15, 15, 30)),
        ("wednesday", at(2026, 3, 4)),  # today counts
        ("wed", at(2026, 3, 4)),
        ("thursday", at(2026, 3, 5)),
        ("fri", at(2026, 3, 6)),
        ("sunday", at(2026, 3, 8)),
        ("monday", at(2026, 3, 9)),
        ("tue", at(2026, 3, 10)),  # six days ahead: the farthest a weekday reaches
        ("  TOMORROW ", at(2026, 3, 5)),
        ("Mon", at(2026, 3, 9)),
        ("NOW", NOW),
    ],
)
def test_every_form(text: str, expected: datetime) -> None:
    got = parse_when(text, now=NOW, tz=CHICAGO)
    assert got == expected
    assert got.tzinfo is CHICAGO
    assert got.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", at(2026, 12, 2)),
        ("today", at(2026, 3, 5)),
        ("tomorrow", at(2026, 3, 6)),
        ("yesterday", at(2026, 3, 4)),
        ("+3d", at(2026, 3, 8)),
        ("+1w", at(2026, 3, 12)),
        ("friday", at(2026, 3, 7)),  # `--to friday` includes all of Friday
        ("wed", at(2026, 3, 5)),
    ],
)
def test_end_of_day_is_the_start_of_the_following_day(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO, end_of_day=True) == expected


@pytest.mark.parametrize("text", ["now", "+5h", "-30m", "2026-12-01T09:30", "2026-12-01T15:30Z"])
def test_time_like_phrases_ignore_end_of_day(text: str) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO, end_of_day=True) == parse_when(
        text, now=NOW, tz=CHICAGO
    )


def test_now_in_another_zone_is_read_in_the_display_zone() -> None:
    # 03:00 UTC on the 5th is still the 4th in Chicago: "today" is the Chicago date.
    now = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
    assert parse_when("today", now=now, tz=CHICAGO) == at(2026, 3, 4)
    assert parse_when("now", now=now, tz=CHICAGO) == at(2026, 3, 4, 21, 0)
    assert parse_when("today", now=now, tz=ZoneInfo("Europe/Berlin")) == at(
        2026, 3, 5, tz=ZoneInfo("Europe/Berlin")
    )


class TestDaylightSavingDays:
    """America/Chicago springs forward on 2026-03-08 (23 h) and falls back on 2026-11-01 (25 h)."""

    def test_spring_forward_day_is_23_hours(self) -> None:
        now = at(2026, 3, 7, 12)
        start = parse_when("tomorrow", now=now, tz=CHICAGO)
        end = parse_when("tomorrow", now=now, tz=CHICAGO, end_of_day=True)
        assert start == at(2026, 3, 8)
        assert start.utcoffset() == timedelta(hours=-6)
        assert end == at(2026, 3, 9)
        assert end.utcoffset() == timedelta(hours=-5)
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)

    def test_fall_back_day_is_25_hours(self) -> None:
        now = at(2026, 10, 31, 23, 59)
        start = parse_when("+1d", now=now, tz=CHICAGO)
        end = parse_when("+1d", now=now, tz=CHICAGO, end_of_day=True)
        assert (start.utcoffset(), end.utcoffset()) == (timedelta(hours=-5), timedelta(hours=-6))
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)

    def test_days_are_added_on_the_calendar_not_as_24_hours(self) -> None:
        # Late on the Saturday before the change: 24 h later would be 23:30 on Sunday, +1d is
        # midnight on Sunday, and +2d midnight on Monday (47 real hours after Saturday's midnight).
        now = at(2026, 3, 7, 23, 30)
        assert parse_when("+1d", now=now, tz=CHICAGO) == at(2026, 3, 8)
        monday = parse_when("+2d", now=now, tz=CHICAGO)
        assert monday == at(2026, 3, 9)
        assert monday.astimezone(UTC) - at(2026, 3, 7).astimezone(UTC) == timedelta(hours=47)

    def test_hours_are_elapsed_time(self) -> None:
        # 23:00 CST + 5 real hours is 05:00 CDT (adding to the wall clock would say 04:00).
        assert parse_when("+5h", now=at(2026, 3, 7, 23), tz=CHICAGO) == at(2026, 3, 8, 5)
        got = parse_when("+90m", now=at(2026, 11, 1, 0, 45), tz=CHICAGO)
        assert got.astimezone(UTC) == datetime(2026, 11, 1, 7, 15, tzinfo=UTC)
        assert (got.hour, got.minute, got.fold) == (1, 15, 1)  # the second 01:15, in CST

    def test_a_skipped_wall_time_is_read_with_the_offset_before_the_gap(self) -> None:
        got = parse_when("2026-03-08T02:30", now=NOW, tz=CHICAGO)
        assert got.astimezone(UTC) == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
        assert (got.hour, got.minute) == (3, 30)

    def test_a_repeated_wall_time_is_the_first_of_the_two(self) -> None:
        got = parse_when("2026-11-01 01:30", now=NOW, tz=CHICAGO)
        assert got.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT

    def test_midnight_that_does_not_exist_moves_forward(self) -> None:
        # Havana springs forward at midnight: 2026-03-08 00:00 does not exist there.
        havana = ZoneInfo("America/Havana")
        got = parse_when("2026-03-08", now=NOW, tz=havana)
        assert (got.date().isoformat(), got.hour) == ("2026-03-08", 1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "later",
        "3d",  # relative phrases need their sign
        "+3",
        "+3y",
        "+1.5d",
        "next monday",
        "mo",
        "12/01/2026",
        "2026-12-1",
        "20261201",
        "2026-12-01T9:30",
        "2026-12-01T09",
    ],
)
def test_unreadable_phrases_list_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read") as caught:
        parse_when(text, now=NOW, tz=CHICAGO)
    message = str(caught.value)
    for form in ("2026-12-01", "2026-12-01T09:30", "now", "tomorrow", "+3d", "-30m", "monday"):
        assert form in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-13-01", "not a valid date"),
        ("2026-02-29", "not a valid date"),
        ("2026-12-01T25:00", "not a valid date and time"),
        ("2026-12-01T09:60", "not a valid date and time"),
        ("2026-12-01T09:30+25:00", "invalid UTC offset"),
        ("+999999w", "out of range"),
    ],
)
def test_impossible_values_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_when(text, now=NOW, tz=CHICAGO)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("today", now=datetime(2026, 3, 4, 12), tz=CHICAGO)


@DETERMINISTIC
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    zone=st.sampled_from(["America/Chicago", "America/New_York", "Europe/London", "UTC"]),
)
def test_a_day_bound_is_midnight_and_the_end_is_the_next_midnight(day: date, zone: str) -> None:
    tz = ZoneInfo(zone)
    text = str(day)
    start = parse_when(text, now=NOW, tz=tz)
    end = parse_when(text, now=NOW, tz=tz, end_of_day=True)
    assert (start.date(), start.hour, start.minute) == (day, 0, 0)
    assert end.date() - start.date() == timedelta(days=1)
    assert timedelta(hours=23) <= end.astimezone(UTC) - start.astimezone(UTC) <= timedelta(hours=25)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90m", 90),
        ("90 min", 90),
        ("90mins", 90),
        ("45 minutes", 45),
        ("1h", 60),
        ("2 hours", 120),
        ("1h30m", 90),
        ("1h30", 90),
        ("1h 30min", 90),
        ("1.5h", 90),
        ("1.25h", 75),
        ("0.5h", 30),
        (" 2H ", 120),
        ("168h", MAX_DURATION_MINUTES),
    ],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "cannot read"),
        ("abc", "cannot read"),
        ("-5", "cannot read"),
        ("90s", "cannot read"),
        ("1.5", "cannot read"),
        ("1.5h30m", "cannot read"),
        ("1d", "cannot read"),
        ("0", "positive"),
        ("0h0m", "positive"),
        ("1.33h", "whole number of minutes"),
        ("10081", "longer than a week"),
    ],
)
def test_refused_durations(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_duration_minutes(text)


# -- a day with a time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 15:30", at(2026, 3, 5, 15, 30)),
        ("mon 9:00", at(2026, 3, 9, 9, 0)),
        ("today 14h", at(2026, 3, 4, 14, 0)),
        ("today 14h30", at(2026, 3, 4, 14, 30)),
        ("2026-12-03 15:30", at(2026, 12, 3, 15, 30)),
        ("Friday 2pm", at(2026, 3, 6, 14, 0)),
        ("fri 3:30PM", at(2026, 3, 6, 15, 30)),
        ("wed 12am", at(2026, 3, 4, 0, 0)),
        ("wed 12pm", at(2026, 3, 4, 12, 0)),
        ("tomorrow at 9:30", at(2026, 3, 5, 9, 30)),
        ("+2d 8:15", at(2026, 3, 6, 8, 15)),
        ("  yesterday   23:59 ", at(2026, 3, 3, 23, 59)),
        ("15:30", at(2026, 3, 4, 15, 30)),
        ("9am", at(2026, 3, 4, 9, 0)),
    ],
)
def test_a_day_with_a_time(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO) == expected
    # The time wins over end_of_day: `--to 'fri 18:00'` ends at 18:00, not at midnight.
    assert parse_when(text, now=NOW, tz=CHICAGO, end_of_day=True) == expected


def test_a_time_on_the_spring_forward_day_follows_rfc_5545() -> None:
    # 2026-03-08 02:30 does not exist in Chicago: read with the offset before the gap.
    moment = parse_when("2026-03-08 2:30", now=NOW, tz=CHICAGO)
    assert moment.utcoffset() == timedelta(hours=-5)
    assert (moment.hour, moment.minute) == (3, 30)


@pytest.mark.parametrize(
    "text", ["today 25:00", "tomorrow 9:60", "mon 13pm", "mon 0am", "today 14h75", "later 9:00"]
)
def test_impossible_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text.strip())):
        parse_when(text, now=NOW, tz=CHICAGO)


def test_a_bare_number_is_not_a_time() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        parse_when("15", now=NOW, tz=CHICAGO)


@pytest.mark.parametrize("text", ["tomorrow", "mon", "2026-12-03", "+2d", "today"])
def test_need_time_refuses_a_day_alone(text: str) -> None:
    with pytest.raises(ValueError, match="names a day, not a time"):
        parse_when(text, now=NOW, tz=CHICAGO, need_time=True)


@pytest.mark.parametrize("text", ["tomorrow 9:00", "now", "+2h", "2026-12-03T09:30"])
def test_need_time_takes_instants(text: str) -> None:
    assert parse_when(text, now=NOW, tz=CHICAGO, need_time=True) is not None


def test_to_yesterday_means_the_end_of_yesterday() -> None:
    assert parse_when("yesterday", now=NOW, tz=CHICAGO, end_of_day=True) == at(2026, 3, 4)
