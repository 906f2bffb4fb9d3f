"""The coordinator's day (usked_cli.rules.day): states, the next assignment, relative times, the
day's span across DST changes, and whose day is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from usked_cli.models import Assignment
from usked_cli.rules.day import (
    DayState,
    choose_users,
    day_span,
    day_states,
    day_summary,
    next_up,
    relative_start,
    until,
)

CHICAGO = ZoneInfo("America/Chicago")


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    """Thu 3 Dec 2026 (or another December day) in Chicago."""
    return datetime(2026, 12, day, hour, minute, tzinfo=CHICAGO)


def assignment(
    request_id: str,
    start: datetime,
    minutes: int = 60,
    *,
    zoom: bool = True,
    all_day: bool = False,
    user: str = "maria",
) -> Assignment:
    end = start + (timedelta(days=1) if all_day else timedelta(minutes=minutes))
    return Assignment(
        user=user,
        uid=f"{request_id}@test",
        request_id=request_id,
        title=f"Request #{request_id}",
        start=start,
        end=end,
        all_day=all_day,
        location="https://us02web.zoom.us/j/85512345678" if zoom else "400 Oak St",
        zoom=zoom,
        invite_link="https://us02web.zoom.us/j/85512345678" if zoom else None,
        meeting_id="85512345678" if zoom else None,
        passcode=None,
        notes="",
    )


DAY = [
    assignment("1", at(9)),  # 09:00-10:00
    assignment("2", at(11), 90),  # 11:00-12:30
    assignment("3", at(14), zoom=False),  # 14:00-15:00
    assignment("4", at(16)),  # 16:00-17:00
]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(7), ["next", "later", "later", "later"]),  # before the first
        (at(9, 30), ["now", "next", "later", "later"]),  # during one
        (at(10, 35), ["ended", "next", "later", "later"]),  # between two
        (at(10), ["ended", "next", "later", "later"]),  # an end is exclusive
        (at(11), ["ended", "now", "next", "later"]),  # a start is inclusive
        (at(18), ["ended", "ended", "ended", "ended"]),  # after the last
    ],
)
def test_states_through_the_day(now: datetime, expected: list[str]) -> None:
    assert [str(state) for state in day_states(DAY, now)] == expected


def test_every_assignment_starting_at_the_next_instant_is_next() -> None:
    day = [assignment("1", at(9)), assignment("2", at(9), user="li"), assignment("3", at(10))]
    assert day_states(day, at(8)) == [DayState.NEXT, DayState.NEXT, DayState.LATER]


def test_all_day_entries_are_never_next() -> None:
    day = [assignment("9", at(0), all_day=True), *DAY]
    assert day_states(day, at(7))[:2] == [DayState.ALL_DAY, DayState.NEXT]
    assert next_up(day, at(7)) == DAY[0]
    assert next_up([day[0]], at(7)) is None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(7), "1"),  # before the first
        (at(9, 30), "1"),  # a running one counts
        (at(10, 35), "2"),  # between two
        (at(16, 59), "4"),  # the last, running
        (at(17), None),  # after the last
    ],
)
def test_next_up(now: datetime, expected: str | None) -> None:
    found = next_up(DAY, now)
    assert (found.request_id if found else None) == expected


def test_next_up_ties_break_by_request_id_then_user() -> None:
    day = [assignment("7", at(9), user="zoe"), assignment("5", at(9), user="li")]
    day.append(assignment("5", at(9), user="ana"))
    found = next_up(day, at(8))
    assert found is not None
    assert (found.request_id, found.user) == ("5", "ana")


def test_next_up_compares_instants_in_the_hour_clocks_repeat() -> None:
    # Sun 1 Nov 2026, clocks go back at 02:00 CDT: 01:45 CDT comes before 01:30 CST, though its
    # wall time is later. Compared as wall times (one zone object), the CST one would win.
    early = datetime(2026, 11, 1, 1, 45, tzinfo=CHICAGO)  # fold=0: CDT, 06:45 UTC
    late = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=CHICAGO)  # CST, 07:30 UTC
    pair = [assignment("late", late, 10), assignment("early", early, 10)]
    now = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    found = next_up(pair, now)
    assert found is not None
    assert found.request_id == "early"
    assert day_states(pair, now) == [DayState.LATER, DayState.NEXT]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_up(DAY, datetime(2026, 12, 3, 9))


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=25, seconds=59), "25 min"),  # truncated, never rounded up
        (timedelta(hours=1, minutes=5), "1 h 05 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(days=2, hours=3, minutes=59), "2 d 3 h"),
        (timedelta(days=1), "1 d"),
    ],
)
def test_until(delta: timedelta, expected: str) -> None:
    assert until(delta) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(10, 25), "in 25 min"),
        (at(11, 5), "in 1 h 05 min"),
        (at(10) + timedelta(seconds=30), "starts now"),
        (at(9, 56), "started 4 min ago"),
        (at(10) - timedelta(seconds=20), "started now"),
    ],
)
def test_relative_start(start: datetime, expected: str) -> None:
    assert relative_start(start, at(10)) == expected


def test_relative_start_across_a_dst_change_counts_real_time() -> None:
    # Sat 7 Mar 2026 22:00 CST to Sun 8 Mar 09:00 CDT: 10 real hours, not 11 on the wall.
    now = datetime(2026, 3, 7, 22, 0, tzinfo=CHICAGO)
    start = datetime(2026, 3, 8, 9, 0, tzinfo=CHICAGO)
    assert relative_start(start, now) == "in 10 h"


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 12, 3), 24), (date(2026, 3, 8), 23), (date(2026, 11, 1), 25)],
)
def test_day_span_is_midnight_to_midnight(day: date, hours: int) -> None:
    start, end = day_span(day, CHICAGO)
    assert (start.date(), start.hour, end.date(), end.hour) == (day, 0, day + timedelta(1), 0)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(7), "4 assignments, 3 on Zoom, next in 2 h"),
        (at(9, 30), "4 assignments, 3 on Zoom, 1 running (ends in 30 min), next in 1 h 30 min"),
        (at(16, 40), "4 assignments, 3 on Zoom, 1 running (ends in 20 min)"),
        (at(18), "4 assignments, 3 on Zoom, all over for the day"),
    ],
)
def test_day_summary(now: datetime, expected: str) -> None:
    assert day_summary(DAY, day_states(DAY, now), now) == expected


def test_day_summary_of_one_and_of_none() -> None:
    one = [DAY[2]]
    assert day_summary(one, day_states(one, at(7)), at(7)) == "1 assignment, 0 on Zoom, next in 7 h"
    assert day_summary([], [], at(7)) == "no assignments"


@pytest.mark.parametrize(
    ("flagged", "every_user", "me", "expected"),
    [
        (["li", "li", "ana"], False, "maria", ["li", "ana"]),  # --user wins, once each
        (None, True, "maria", None),  # --all: everyone
        (None, False, "maria", ["maria"]),  # me
        (None, False, None, None),  # no me: everyone
        ([], False, None, None),
    ],
)
def test_choose_users(
    flagged: list[str] | None, every_user: bool, me: str | None, expected: list[str] | None
) -> None:
    assert choose_users(flagged, every_user, me) == expected
