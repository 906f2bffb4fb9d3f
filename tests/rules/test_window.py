"""The host-link window at its edges, for recurring assignments and on daylight-saving days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.rules.window import (
    HostLinkWindow,
    WindowState,
    format_wait,
    host_link_opens,
    host_link_window,
)

# Same examples on every run: a property test that fails, fails every time and everywhere.
DETERMINISTIC = settings(derandomize=True, deadline=None, database=None)

CHICAGO = ZoneInfo("America/Chicago")
LEAD = 15
TICK = timedelta(microseconds=1)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO, fold=fold)


START, END = at(2026, 6, 15, 10), at(2026, 6, 15, 11)
ONE = [(START, END)]


def window(
    now: datetime, occurrences: list[tuple[datetime, datetime]] = ONE, lead: int = LEAD
) -> HostLinkWindow | None:
    return host_link_window(occurrences, now=now, lead_minutes=lead)


class TestOneOccurrence:
    def test_before_the_window(self) -> None:
        got = window(at(2026, 6, 15, 8, 33))
        assert got is not None
        assert got.state is WindowState.NOT_YET
        assert not got.is_open
        assert got.opens == at(2026, 6, 15, 9, 45)
        assert got.closes == END
        assert (got.occurrence_start, got.occurrence_end) == (START, END)
        assert got.wait == timedelta(hours=1, minutes=12)
        assert format_wait(got.wait) == "1 h 12 min"

    def test_a_moment_before_opening(self) -> None:
        got = window(at(2026, 6, 15, 9, 45) - TICK)
        assert got is not None
        assert got.state is WindowState.NOT_YET
        assert got.wait == TICK
        assert format_wait(got.wait) == "less than a minute"

    def test_exactly_at_opening_it_is_open(self) -> None:
        got = window(at(2026, 6, 15, 9, 45))
        assert got is not None
        assert got.state is WindowState.OPEN
        assert got.wait == timedelta(0)

    def test_inside(self) -> None:
        got = window(at(2026, 6, 15, 10, 30))
        assert got is not None
        assert got.is_open
        assert got.state == "open"  # a StrEnum: renders and serialises as its value

    def test_a_moment_before_the_end_it_is_still_open(self) -> None:
        got = window(END - TICK)
        assert got is not None
        assert got.is_open

    def test_at_the_end_it_is_over(self) -> None:
        assert window(END) is None

    def test_after(self) -> None:
        assert window(at(2026, 6, 16, 9)) is None

    def test_no_occurrences(self) -> None:
        assert window(START, []) is None

    def test_no_lead_time_opens_at_the_start(self) -> None:
        before, at_start = window(START - TICK, lead=0), window(START, lead=0)
        assert before is not None
        assert before.state is WindowState.NOT_YET
        assert at_start is not None
        assert at_start.state is WindowState.OPEN

    def test_the_message_the_cli_prints(self) -> None:
        january = [(at(2026, 1, 12, 10), at(2026, 1, 12, 11))]
        got = window(at(2026, 1, 12, 8, 33), january)
        assert got is not None
        message = f"Host link opens at {got.opens:%H:%M %Z}, in {format_wait(got.wait)}"
        assert message == "Host link opens at 09:45 CST, in 1 h 12 min"

    def test_time_until_opens_from_another_moment(self) -> None:
        got = window(at(2026, 6, 15, 8))
        assert got is not None
        assert got.time_until_opens(at(2026, 6, 15, 9, 40)) == timedelta(minutes=5)
        assert got.time_until_opens(at(2026, 6, 15, 10)) == timedelta(0)


class TestRecurring:
    # A weekly assignment on three Mondays, given out of order.
    WEEKS: ClassVar[list[tuple[datetime, datetime]]] = [
        (at(2026, 6, 29, 10), at(2026, 6, 29, 11)),
        (at(2026, 6, 15, 10), at(2026, 6, 15, 11)),
        (at(2026, 6, 22, 10), at(2026, 6, 22, 11)),
    ]

    def test_the_first_occurrence_comes_first(self) -> None:
        got = window(at(2026, 6, 14, 12), self.WEEKS)
        assert got is not None
        assert got.occurrence_start == at(2026, 6, 15, 10)

    def test_during_an_occurrence_it_is_that_one(self) -> None:
        got = window(at(2026, 6, 22, 10, 59), self.WEEKS)
        assert got is not None
        assert (got.occurrence_start, got.state) == (at(2026, 6, 22, 10), WindowState.OPEN)

    def test_at_an_occurrence_end_the_next_one_is_considered(self) -> None:
        got = window(at(2026, 6, 15, 11), self.WEEKS)
        assert got is not None
        assert got.occurrence_start == at(2026, 6, 22, 10)
        assert got.state is WindowState.NOT_YET
        assert got.wait == timedelta(days=6, hours=22, minutes=45)
        assert format_wait(got.wait) == "6 d 22 h"

    def test_the_next_occurrence_opens_at_its_own_lead_time(self) -> None:
        got = window(at(2026, 6, 29, 9, 45), self.WEEKS)
        assert got is not None
        assert (got.occurrence_start, got.state) == (at(2026, 6, 29, 10), WindowState.OPEN)

    def test_after_the_last_occurrence(self) -> None:
        assert window(at(2026, 6, 29, 11), self.WEEKS) is None

    def test_overlapping_occurrences_take_the_earliest_not_ended(self) -> None:
        long = (at(2026, 6, 15, 9), at(2026, 6, 15, 12))
        short = (at(2026, 6, 15, 10), at(2026, 6, 15, 10, 30))
        got = window(at(2026, 6, 15, 10, 15), [short, long])
        assert got is not None
        assert got.occurrence_start == long[0]

    def test_same_start_takes_the_one_that_ends_first(self) -> None:
        long = (at(2026, 6, 15, 10), at(2026, 6, 15, 12))
        short = (at(2026, 6, 15, 10), at(2026, 6, 15, 10, 30))
        got = window(at(2026, 6, 15, 9), [long, short])
        assert got is not None
        assert got.occurrence_end == short[1]


class TestDaylightSavingDays:
    """America/Chicago springs forward on 2026-03-08 and falls back on 2026-11-01."""

    def test_a_lead_across_spring_forward_counts_real_minutes(self) -> None:
        # 120 minutes before 03:30 CDT is 00:30 CST; the wall clock would say 01:30.
        start, end = at(2026, 3, 8, 3, 30), at(2026, 3, 8, 4, 30)
        opens = host_link_opens(start, 120)
        assert opens.astimezone(UTC) == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
        assert (opens.hour, opens.minute, f"{opens:%Z}") == (0, 30, "CST")
        got = window(at(2026, 3, 8, 1, 0), [(start, end)], lead=120)
        assert got is not None
        assert got.is_open
        got = window(at(2026, 3, 8, 0, 29), [(start, end)], lead=120)
        assert got is not None
        assert got.wait == timedelta(minutes=1)

    def test_a_lead_across_fall_back_counts_real_minutes(self) -> None:
        # The second 01:30 (CST). 30 minutes earlier is 01:00 CST; now is 01:15 CDT, which is
        # 45 real minutes before opening although its wall clock reads later.
        start = at(2026, 11, 1, 1, 30, fold=1)
        end = at(2026, 11, 1, 2, 30)
        now = at(2026, 11, 1, 1, 15, fold=0)
        got = window(now, [(start, end)], lead=30)
        assert got is not None
        assert got.state is WindowState.NOT_YET
        assert got.wait == timedelta(minutes=45)
        assert got.opens.astimezone(UTC) == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
        assert f"{got.opens:%H:%M %Z}" == "01:00 CST"

    def test_an_occurrence_that_ended_in_the_repeated_hour_is_over(self) -> None:
        # Ends at 01:45 CDT; at 01:15 CST (later in real time, earlier on the wall) it is over.
        occurrence = (at(2026, 11, 1, 1, 0), at(2026, 11, 1, 1, 45))
        assert window(at(2026, 11, 1, 1, 15, fold=1), [occurrence]) is None

    def test_recurring_across_the_change_keeps_the_wall_clock_time(self) -> None:
        # Daily at 09:00 local on both sides of the change: each opens at 08:45 local.
        days = [(at(2026, 3, day, 9), at(2026, 3, day, 10)) for day in (7, 8, 9)]
        got = window(at(2026, 3, 7, 12), days)
        assert got is not None
        assert f"{got.opens:%Y-%m-%d %H:%M %Z}" == "2026-03-08 08:45 CDT"
        assert got.wait == timedelta(hours=19, minutes=45)  # 20 h 45 min on the wall, minus 1 h


class TestRefusals:
    def test_negative_lead(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            window(START, lead=-1)

    def test_naive_times(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            window(datetime(2026, 6, 15, 9))
        with pytest.raises(ValueError, match="timezone-aware"):
            window(START, [(datetime(2026, 6, 15, 10), END)])

    def test_an_occurrence_ending_before_it_starts(self) -> None:
        with pytest.raises(ValueError, match="before it starts"):
            window(START, [(END, START)])


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "less than a minute"),
        (timedelta(seconds=59, microseconds=999999), "less than a minute"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=45, seconds=59), "45 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=1, minutes=12, seconds=30), "1 h 12 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=1, minutes=59), "1 d"),
        (timedelta(days=2, hours=3, minutes=59), "2 d 3 h"),
        (timedelta(days=40, hours=1), "40 d 1 h"),
    ],
)
def test_format_wait(delta: timedelta, text: str) -> None:
    assert format_wait(delta) == text


def test_format_wait_refuses_a_negative_wait() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_wait(timedelta(seconds=-1))


_base = datetime(2026, 1, 1, tzinfo=UTC)
_minutes = st.integers(min_value=0, max_value=400 * 24 * 60)


@DETERMINISTIC
@given(
    spans=st.lists(st.tuples(_minutes, st.integers(0, 600)), max_size=8),
    now_minute=_minutes,
    lead=st.integers(0, 24 * 60),
)
def test_window_matches_its_definition(
    spans: list[tuple[int, int]], now_minute: int, lead: int
) -> None:
    occurrences = [
        (
            (_base + timedelta(minutes=s)).astimezone(CHICAGO),
            (_base + timedelta(minutes=s + d)).astimezone(CHICAGO),
        )
        for s, d in spans
    ]
    now = (_base + timedelta(minutes=now_minute)).astimezone(CHICAGO)
    got = host_link_window(occurrences, now=now, lead_minutes=lead)
    # The reference works on UTC instants: Python compares and subtracts two datetimes that share
    # a tzinfo on their wall clocks, which is wrong in the repeated hour and across a change.
    now_utc = now.astimezone(UTC)
    instants = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in occurrences]
    pending = sorted((s, e) for s, e in instants if e > now_utc)
    if not pending:
        assert got is None
        return
    assert got is not None
    start, end = pending[0]
    assert got.occurrence_start.astimezone(UTC) == start
    assert got.occurrence_end.astimezone(UTC) == end
    opens = start - timedelta(minutes=lead)
    assert got.opens.astimezone(UTC) == opens
    assert got.is_open == (opens <= now_utc < end)
    assert got.wait == max(timedelta(0), opens - now_utc)
