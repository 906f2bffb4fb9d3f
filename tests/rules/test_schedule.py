"""The pool's day: states, free stretches, drawn hours, request ids; against brute force and
against the padding rules `admin conflicts` and `zoom-users free` use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.rules.day import day_span
from usked_cli.rules.padding import Meeting, is_free
from usked_cli.rules.schedule import (
    Bar,
    build_day,
    drawn_hours,
    free_stretches,
    hour_marks,
    label_candidates,
    match_request_ids,
    meeting_states,
)

DETERMINISTIC = settings(derandomize=True, deadline=None, database=None, max_examples=300)
CHICAGO = ZoneInfo("America/Chicago")
KOLKATA = ZoneInfo("Asia/Kolkata")
BASE = datetime(2026, 6, 15, 8, 0, tzinfo=CHICAGO)


def local(hhmm: str, day: date = date(2026, 6, 15), tz: ZoneInfo = CHICAGO) -> datetime:
    hour, minute = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=tz)


def mt(meeting_id: str, start: str, end: str, day: date = date(2026, 6, 15)) -> Meeting:
    return Meeting(meeting_id, f"Topic {meeting_id}", local(start, day), local(end, day))


# Meetings as (start minute, length) from 08:00 on a June day; distinct ids.
meetings_strategy = st.lists(
    st.tuples(st.integers(0, 600), st.integers(1, 180)), min_size=0, max_size=8
).map(
    lambda spans: [
        Meeting(
            str(i),
            f"m{i}",
            BASE + timedelta(minutes=s),
            BASE + timedelta(minutes=s + length),
        )
        for i, (s, length) in enumerate(spans)
    ]
)


def brute_states(meetings: list[Meeting], padding: int) -> dict[Meeting, str]:
    pad = timedelta(minutes=padding)
    states = {}
    for m in meetings:
        others = [o for o in meetings if o is not m]
        if any(o.start < m.end and m.start < o.end for o in others):
            states[m] = "overlap"
        elif padding and any(o.start < m.end + pad and m.start < o.end + pad for o in others):
            states[m] = "padding"
        else:
            states[m] = "ok"
    return states


@DETERMINISTIC
@given(meetings_strategy, st.integers(0, 60))
def test_states_are_what_brute_force_finds(meetings: list[Meeting], padding: int) -> None:
    """Marking from `find_conflicts` pairs misses no meeting: every one within the padding of
    another is in some pair (the property the module docstring claims)."""
    assert meeting_states(meetings, padding_minutes=padding) == brute_states(meetings, padding)


@DETERMINISTIC
@given(meetings_strategy, st.integers(0, 60))
def test_two_at_once_marks_what_runs_three_at_once(meetings: list[Meeting], padding: int) -> None:
    """With two concurrent meetings allowed, a meeting is red when, at some moment it runs,
    more than two (padded after their end) run; `overlap` when that holds without padding."""
    states = meeting_states(meetings, padding_minutes=padding, max_concurrent=2)

    def crowded(m: Meeting, pad: timedelta) -> bool:
        moments = [o.start for o in meetings] + [o.end + pad for o in meetings]
        for moment in moments:
            if not (m.start <= moment < m.end + pad):
                continue
            running = [o for o in meetings if o.start <= moment < o.end + pad]
            if len(running) > 2:
                return True
        return False

    for m in meetings:
        if crowded(m, timedelta(0)):
            assert states[m] == "overlap"
        elif crowded(m, timedelta(minutes=padding)):
            assert states[m] == "padding"
        else:
            assert states[m] == "ok"


def test_states_examples() -> None:
    a = mt("a", "09:00", "10:00")
    b = mt("b", "10:05", "11:00")  # 5 minutes after a: padding 10 broken
    c = mt("c", "10:30", "10:45")  # inside b: overlap
    d = mt("d", "11:10", "12:00")  # exactly the padding after b: fine
    states = meeting_states([a, b, c, d], padding_minutes=10)
    assert states == {a: "padding", b: "overlap", c: "overlap", d: "ok"}
    assert meeting_states([a, b, d], padding_minutes=0) == {a: "ok", b: "ok", d: "ok"}


@DETERMINISTIC
@given(meetings_strategy, st.integers(0, 60), st.integers(15, 120), st.integers(-30, 660))
def test_free_stretches_agree_with_free(
    meetings: list[Meeting], padding: int, duration: int, offset: int
) -> None:
    """A meeting fits at `at` (as `zoom-users free` judges) exactly when it lies in a stretch."""
    start, end = BASE, BASE + timedelta(hours=10)
    stretches = free_stretches(
        meetings, start=start, end=end, padding_minutes=padding, duration_minutes=duration
    )
    at = BASE + timedelta(minutes=offset)
    inside = start <= at and at + timedelta(minutes=duration) <= end
    fits = inside and is_free(meetings, at=at, duration_minutes=duration, padding_minutes=padding)
    in_stretch = any(a <= at and at + timedelta(minutes=duration) <= b for a, b in stretches)
    assert fits == in_stretch
    for a, b in stretches:
        assert b - a >= timedelta(minutes=duration)
        assert a.tzinfo is CHICAGO
    assert stretches == sorted(stretches)


def test_free_stretches_examples() -> None:
    meetings = [mt("a", "09:00", "10:00"), mt("b", "12:00", "13:00")]
    stretches = free_stretches(
        meetings,
        start=local("08:00"),
        end=local("18:00"),
        padding_minutes=10,
        duration_minutes=60,
    )
    assert stretches == [(local("10:10"), local("11:50")), (local("13:10"), local("18:00"))]
    # 08:00-08:50 holds 50 minutes: too short for 60; with 30 it counts.
    shorter = free_stretches(
        meetings, start=local("08:00"), end=local("18:00"), padding_minutes=10,
        duration_minutes=30,
    )  # fmt: skip
    assert shorter[0] == (local("08:00"), local("08:50"))


def test_drawn_hours_are_8_to_18_widened_to_whole_hours() -> None:
    day_start, day_end = day_span(date(2026, 6, 15), CHICAGO)
    assert drawn_hours(day_start, day_end, [], padding_minutes=10, tz=CHICAGO) == (
        local("08:00"),
        local("18:00"),
    )
    early_late = [mt("a", "07:05", "07:30"), mt("b", "18:00", "19:20")]
    assert drawn_hours(day_start, day_end, early_late, padding_minutes=10, tz=CHICAGO) == (
        local("06:00"),  # 07:05 less 10 minutes of padding
        local("20:00"),
    )
    # A meeting from the day before that runs past midnight: the axis starts at midnight.
    overnight = Meeting("n", "Night", local("23:00", date(2026, 6, 14)), local("01:30"))
    first, last = drawn_hours(day_start, day_end, [overnight], padding_minutes=0, tz=CHICAGO)
    assert (first, last) == (local("00:00"), local("18:00"))
    # And one the day after never widens today.
    tomorrow = mt("t", "07:00", "08:00", date(2026, 6, 16))
    assert drawn_hours(day_start, day_end, [tomorrow], padding_minutes=0, tz=CHICAGO)[1] == (
        local("18:00")
    )


def test_drawn_hours_on_clock_change_days() -> None:
    # Spring forward, Sunday 8 March 2026: 02:00-03:00 does not exist; the day has 23 hours.
    spring = date(2026, 3, 8)
    start, end = day_span(spring, CHICAGO)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    early = Meeting("e", "Early", local("01:30", spring), local("03:30", spring))
    first, last = drawn_hours(start, end, [early], padding_minutes=0, tz=CHICAGO)
    assert first == local("01:00", spring)
    assert last.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=16)  # CST to CDT
    # Fall back, Sunday 1 November 2026: 25 hours.
    fall = date(2026, 11, 1)
    start, end = day_span(fall, CHICAGO)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)


def test_drawn_hours_in_a_half_hour_zone() -> None:
    day = date(2026, 6, 15)
    start, end = day_span(day, KOLKATA)
    meeting = Meeting("k", "K", local("07:40", day, KOLKATA), local("08:10", day, KOLKATA))
    first, last = drawn_hours(start, end, [meeting], padding_minutes=0, tz=KOLKATA)
    assert first == local("07:00", day, KOLKATA)
    assert last == local("18:00", day, KOLKATA)


def occurrence(meeting: Meeting) -> Meeting:
    return Meeting(
        meeting.meeting_id, meeting.topic, meeting.start, meeting.end, str(meeting.start.day)
    )


def test_request_ids_join_by_meeting_id_at_the_occurrences_time() -> None:
    monday = occurrence(mt("85512345678", "09:00", "10:00", date(2026, 6, 15)))
    wednesday = occurrence(mt("85512345678", "09:00", "10:00", date(2026, 6, 17)))
    friday = occurrence(mt("85512345678", "09:00", "10:00", date(2026, 6, 19)))
    other = mt("999", "11:00", "12:00")
    assignments = [
        (
            "104233",
            "85512345678",
            local("09:00", date(2026, 6, 17)),
            local("10:00", date(2026, 6, 17)),
        ),
        # The feed's event runs 08:45-10:00 on Monday (the interpreter comes early): it covers
        # the occurrence, so it names it.
        ("104200", "85512345678", local("08:45"), local("10:00")),
        ("104300", None, local("09:00"), local("10:00")),
    ]
    matched = match_request_ids([monday, wednesday, friday, other], assignments)
    assert matched == {monday: "104200", wednesday: "104233"}  # Friday: no assignment then


def test_request_ids_nearest_start_wins_among_those_covering() -> None:
    meeting = occurrence(mt("1", "09:00", "11:00"))
    assignments = [
        ("B", "1", local("10:00"), local("11:00")),
        ("A", "1", local("09:05"), local("10:00")),
    ]
    assert match_request_ids([meeting], assignments) == {meeting: "A"}
    instant = Meeting("2", "t", local("09:00"), local("09:00"))
    assert match_request_ids([instant], [("C", "2", local("09:00"), local("09:00"))]) == {
        instant: "C"
    }


def test_label_candidates_best_first_without_repeats() -> None:
    meeting = mt("81234567890", "09:00", "10:00")
    assert label_candidates(Bar(meeting, "ok", "104233")) == [
        "104233",
        "81234567890",
        "Topic 81234567890",
    ]
    assert label_candidates(Bar(meeting, "ok")) == ["81234567890", "Topic 81234567890"]
    blank = Meeting("", "  ", meeting.start, meeting.end)
    assert label_candidates(Bar(blank, "ok")) == []


def test_build_day_keeps_the_days_meetings_and_lets_neighbours_set_states() -> None:
    day = date(2026, 6, 15)
    late_yesterday = Meeting(
        "y", "Late", local("23:00", date(2026, 6, 14)), local("23:58", date(2026, 6, 14))
    )
    just_after_midnight = mt("z", "00:05", "01:00")
    ends_at_midnight = Meeting("x", "Ends", local("23:00", date(2026, 6, 14)), local("00:00"))
    tomorrow = mt("t", "00:00", "01:00", date(2026, 6, 16))
    schedule = build_day(
        day,
        CHICAGO,
        [
            ("a@x", "A", [late_yesterday, just_after_midnight]),
            ("b@x", "B", [ends_at_midnight, tomorrow]),
            ("c@x", "C", [mt("c", "09:00", "10:00")], False),
        ],
        padding_minutes=10,
        duration_minutes=60,
    )
    a, b, c = schedule.hosts
    assert [(bar.meeting.meeting_id, bar.state) for bar in a.bars] == [("z", "padding")]
    assert b.bars == ()
    assert b.idle
    assert c.free == ()  # a basic user is never offered as free
    assert schedule.idle_hosts == (b,)
    assert schedule.axis_start == local("00:00")  # widened to the padding of 00:05
    assert [stretch[0] for stretch in a.free] == [local("01:10")]


def test_states_are_judged_on_instants_across_the_fall_back_hour() -> None:
    fall = date(2026, 11, 1)
    first = Meeting(
        "a",
        "A",
        datetime(2026, 11, 1, 1, 0, tzinfo=CHICAGO),
        datetime(2026, 11, 1, 1, 50, tzinfo=CHICAGO),
    )
    # 01:20 the second time (CST) is 30 minutes after the first ends, by the clock 01:20 < 01:50.
    second = Meeting(
        "b",
        "B",
        datetime(2026, 11, 1, 1, 20, tzinfo=CHICAGO, fold=1),
        datetime(2026, 11, 1, 1, 40, tzinfo=CHICAGO, fold=1),
    )
    schedule = build_day(
        fall, CHICAGO, [("a@x", "A", [first, second])], padding_minutes=10, duration_minutes=30
    )
    assert {bar.meeting.meeting_id: bar.state for bar in schedule.hosts[0].bars} == {
        "a": "ok",
        "b": "ok",
    }
    assert schedule.day_end.astimezone(UTC) - schedule.day_start.astimezone(UTC) == timedelta(
        hours=25
    )
    assert schedule.axis_start.astimezone(UTC) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)


def test_a_meeting_not_drawn_does_not_widen_the_hours() -> None:
    """One that ended at midnight is not on the day: its padding leaves the axis at 08:00."""
    day = date(2026, 6, 15)
    ended = Meeting("x", "Ends", local("23:00", date(2026, 6, 14)), local("00:00"))
    schedule = build_day(
        day, CHICAGO, [("a@x", "A", [ended])], padding_minutes=10, duration_minutes=60
    )
    assert schedule.axis_start == local("08:00")
    assert schedule.hosts[0].idle
    # Free from the padding after it, to a meeting's length past midnight.
    assert schedule.hosts[0].free == ((local("00:10"), local("01:00", date(2026, 6, 16))),)


def test_hour_marks_on_a_half_hour_clock_change() -> None:
    """Lord Howe moves its clocks by half an hour (02:00 -> 02:30, 4 October 2026): the marks
    stay on the local whole hours."""
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    start = datetime(2026, 10, 4, 0, 0, tzinfo=lord_howe)
    marks = hour_marks(start, datetime(2026, 10, 4, 5, 0, tzinfo=lord_howe), lord_howe)
    assert [f"{m:%H:%M}" for m in marks] == ["00:00", "01:00", "03:00", "04:00", "05:00"]
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+5:45
    marks = hour_marks(
        datetime(2026, 6, 15, 8, tzinfo=kathmandu),
        datetime(2026, 6, 15, 10, tzinfo=kathmandu),
        kathmandu,
    )
    assert [f"{m:%H:%M}" for m in marks] == ["08:00", "09:00", "10:00"]


def test_a_one_off_meeting_takes_its_request_whenever_it_is() -> None:
    """A one-off meeting's id names that meeting only: a request moved in uSked while Zoom
    kept the old time still shows whose it is."""
    meeting = mt("91234567890", "16:00", "17:00")
    assignments = [
        ("104251", "91234567890", local("18:00"), local("19:00")),
        (
            "104999",
            "91234567890",
            local("09:00", date(2026, 6, 20)),
            local("10:00", date(2026, 6, 20)),
        ),
    ]
    assert match_request_ids([meeting], assignments) == {meeting: "104251"}
