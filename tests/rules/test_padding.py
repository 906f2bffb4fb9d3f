"""Padding conflicts, over-commitment and free slots: boundaries, and agreement with brute force."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.rules.padding import (
    Conflict,
    Meeting,
    busy_meetings,
    find_conflicts,
    find_overcommitted,
    is_free,
)

# Same examples on every run: a property test that fails, fails every time and everywhere.
DETERMINISTIC = settings(derandomize=True, deadline=None, database=None)

CHICAGO = ZoneInfo("America/Chicago")


def t(hhmm: str, *, day: int = 15, month: int = 6, fold: int = 0) -> datetime:
    hour, minute = hhmm.split(":")
    return datetime(2026, month, day, int(hour), int(minute), tzinfo=CHICAGO, fold=fold)


def m(meeting_id: str, start: str, end: str, **kw: int) -> Meeting:
    return Meeting(meeting_id, f"Request {meeting_id}", t(start, **kw), t(end, **kw))


def pairs(conflicts: list[Conflict]) -> list[tuple[str, str, int]]:
    return [(c.first.meeting_id, c.second.meeting_id, c.gap_minutes) for c in conflicts]


class TestConflicts:
    def test_a_gap_equal_to_the_padding_is_not_a_conflict(self) -> None:
        assert (
            find_conflicts([m("a", "09:00", "10:00"), m("b", "10:10", "11:00")], padding_minutes=10)
            == []
        )

    def test_a_gap_one_minute_short_is_a_conflict(self) -> None:
        got = find_conflicts(
            [m("a", "09:00", "10:00"), m("b", "10:09", "11:00")], padding_minutes=10
        )
        assert pairs(got) == [("a", "b", 9)]
        assert not got[0].is_overlap

    def test_a_partial_minute_is_floored(self) -> None:
        a = m("a", "09:00", "10:00")
        b = Meeting("b", "B", t("10:09") + timedelta(seconds=30), t("11:00"))
        assert pairs(find_conflicts([a, b], padding_minutes=10)) == [("a", "b", 9)]
        c = Meeting("c", "C", t("10:10") + timedelta(seconds=30), t("11:00"))
        assert find_conflicts([a, c], padding_minutes=10) == []

    def test_back_to_back_is_a_zero_gap(self) -> None:
        meetings = [m("a", "09:00", "10:00"), m("b", "10:00", "11:00")]
        assert pairs(find_conflicts(meetings, padding_minutes=10)) == [("a", "b", 0)]
        assert find_conflicts(meetings, padding_minutes=0) == []

    def test_an_overlap_has_a_negative_gap(self) -> None:
        got = find_conflicts(
            [m("a", "09:00", "10:00"), m("b", "09:30", "11:00")], padding_minutes=0
        )
        assert pairs(got) == [("a", "b", -30)]
        assert got[0].is_overlap

    def test_an_overlap_of_seconds_is_negative(self) -> None:
        a = m("a", "09:00", "10:00")
        b = Meeting("b", "B", t("10:00") - timedelta(seconds=30), t("11:00"))
        assert pairs(find_conflicts([a, b], padding_minutes=0)) == [("a", "b", -1)]

    def test_a_long_meeting_is_compared_with_every_later_one_it_reaches(self) -> None:
        a, b, c = m("a", "09:00", "12:00"), m("b", "10:00", "10:30"), m("c", "11:00", "11:30")
        assert pairs(find_conflicts([c, b, a], padding_minutes=10)) == [
            ("a", "b", -120),
            ("a", "c", -60),
        ]

    def test_after_the_long_meeting_the_latest_end_counts(self) -> None:
        meetings = [m("a", "09:00", "12:00"), m("b", "10:00", "10:30"), m("d", "12:05", "13:00")]
        assert pairs(find_conflicts(meetings, padding_minutes=10)) == [
            ("a", "b", -120),
            ("a", "d", 5),
        ]

    def test_equal_ends_pair_with_the_earlier_meeting(self) -> None:
        meetings = [m("b", "09:30", "10:00"), m("a", "09:00", "10:00"), m("c", "10:05", "11:00")]
        assert pairs(find_conflicts(meetings, padding_minutes=10))[-1] == ("a", "c", 5)

    def test_order_of_input_does_not_matter(self) -> None:
        meetings = [m(str(i), f"{9 + i}:00", f"{10 + i}:05") for i in range(6)]
        expected = find_conflicts(meetings, padding_minutes=10)
        shuffled = meetings[:]
        random.Random(7).shuffle(shuffled)
        assert find_conflicts(shuffled, padding_minutes=10) == expected
        assert len(expected) == 5

    def test_the_same_occurrence_listed_twice_counts_once(self) -> None:
        a = m("a", "09:00", "10:00")
        assert find_conflicts([a, a, m("a", "09:00", "10:00")], padding_minutes=10) == []

    def test_occurrences_of_a_recurring_meeting(self) -> None:
        first = Meeting("900", "Weekly", t("09:00"), t("10:00"), occurrence_id="1781532000000")
        second = Meeting("900", "Weekly", t("10:05"), t("11:00"), occurrence_id="1781535900000")
        got = find_conflicts([second, first], padding_minutes=10)
        assert [(c.first.occurrence_id, c.second.occurrence_id) for c in got] == [
            ("1781532000000", "1781535900000")
        ]

    def test_the_fall_back_hour_is_compared_in_real_time(self) -> None:
        # a ends at 01:45 CDT; b starts at 01:15 CST, 30 real minutes later (the wall says earlier).
        a = Meeting("a", "A", t("00:30", month=11, day=1), t("01:45", month=11, day=1))
        b = Meeting("b", "B", t("01:15", month=11, day=1, fold=1), t("02:00", month=11, day=1))
        assert find_conflicts([a, b], padding_minutes=10) == []
        assert pairs(find_conflicts([a, b], padding_minutes=45)) == [("a", "b", 30)]

    def test_none_and_one(self) -> None:
        assert find_conflicts([], padding_minutes=10) == []
        assert find_conflicts([m("a", "09:00", "10:00")], padding_minutes=10) == []

    def test_refusals(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            find_conflicts([], padding_minutes=-1)
        with pytest.raises(ValueError, match="ends before it starts"):
            m("a", "10:00", "09:00")
        with pytest.raises(ValueError, match="timezone-aware"):
            Meeting("a", "A", datetime(2026, 6, 15, 9), datetime(2026, 6, 15, 10))


class TestOvercommitted:
    def test_three_padded_meetings_at_once(self) -> None:
        # a and b end at 10:00, padded to 10:10; c starts at 10:05: three run from 10:05 to 10:10.
        a, b, c = m("a", "09:00", "10:00"), m("b", "09:00", "10:00"), m("c", "10:05", "11:00")
        got = find_overcommitted([c, b, a], padding_minutes=10, max_concurrent=2)
        assert len(got) == 1
        assert (got[0].start, got[0].end, got[0].peak) == (t("10:05"), t("10:10"), 3)
        assert [x.meeting_id for x in got[0].meetings] == ["a", "b", "c"]

    def test_padding_that_only_touches_is_fine(self) -> None:
        meetings = [m("a", "09:00", "10:00"), m("b", "09:00", "10:00"), m("c", "10:10", "11:00")]
        assert find_overcommitted(meetings, padding_minutes=10, max_concurrent=2) == []

    def test_two_at_once_is_allowed(self) -> None:
        meetings = [m("a", "09:00", "10:00"), m("b", "09:30", "10:30")]
        assert find_overcommitted(meetings, padding_minutes=10, max_concurrent=2) == []

    def test_a_span_whose_meetings_change_is_one_span(self) -> None:
        # a runs all morning; b then c, back to back with padding, each overlap a and d.
        meetings = [
            m("a", "08:00", "12:00"),
            m("d", "08:00", "12:00"),
            m("b", "09:00", "10:00"),
            m("c", "10:10", "11:00"),
        ]
        got = find_overcommitted(meetings, padding_minutes=10, max_concurrent=2)
        assert [(o.start, o.end, o.peak) for o in got] == [(t("09:00"), t("11:10"), 3)]
        assert [x.meeting_id for x in got[0].meetings] == ["a", "d", "b", "c"]

    def test_separate_spans(self) -> None:
        meetings = [
            m("a", "09:00", "10:00"),
            m("b", "09:00", "10:00"),
            m("c", "09:30", "09:40"),
            m("d", "13:00", "14:00"),
            m("e", "13:00", "14:00"),
            m("f", "13:30", "15:00"),
        ]
        got = find_overcommitted(meetings, padding_minutes=0, max_concurrent=2)
        assert [(o.start, o.end) for o in got] == [
            (t("09:30"), t("09:40")),
            (t("13:30"), t("14:00")),
        ]

    def test_refusals(self) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            find_overcommitted([], padding_minutes=0, max_concurrent=0)
        with pytest.raises(ValueError, match="negative"):
            find_overcommitted([], padding_minutes=-5, max_concurrent=2)


class TestFree:
    AT = t("10:00")

    def busy(self, *meetings: Meeting, duration: int = 60, padding: int = 10) -> list[str]:
        found = busy_meetings(
            meetings, at=self.AT, duration_minutes=duration, padding_minutes=padding
        )
        assert is_free(
            meetings, at=self.AT, duration_minutes=duration, padding_minutes=padding
        ) == (not found)
        return [x.meeting_id for x in found]

    def test_no_meetings(self) -> None:
        assert self.busy() == []

    def test_a_meeting_ending_exactly_a_padding_before_is_not_in_the_way(self) -> None:
        assert self.busy(m("a", "08:00", "09:50")) == []
        assert self.busy(m("a", "08:00", "09:51")) == ["a"]

    def test_a_meeting_starting_exactly_a_padding_after_is_not_in_the_way(self) -> None:
        assert self.busy(m("a", "11:10", "12:00")) == []
        assert self.busy(m("a", "11:09", "12:00")) == ["a"]

    def test_without_padding_back_to_back_is_free(self) -> None:
        assert self.busy(m("a", "09:00", "10:00"), m("b", "11:00", "12:00"), padding=0) == []

    def test_meetings_inside_and_around(self) -> None:
        assert self.busy(m("inside", "10:15", "10:30")) == ["inside"]
        assert self.busy(m("around", "09:00", "12:00")) == ["around"]

    def test_the_blocking_meetings_come_in_order(self) -> None:
        got = self.busy(
            m("late", "11:05", "12:00"), m("free", "07:00", "08:00"), m("early", "09:30", "10:05")
        )
        assert got == ["early", "late"]

    def test_refusals(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            is_free([], at=self.AT, duration_minutes=0, padding_minutes=10)
        with pytest.raises(ValueError, match="negative"):
            is_free([], at=self.AT, duration_minutes=30, padding_minutes=-1)
        with pytest.raises(ValueError, match="timezone-aware"):
            is_free([], at=datetime(2026, 6, 15, 10), duration_minutes=30, padding_minutes=0)


# --- properties against brute force -------------------------------------------------------------

_BASE = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # spans Chicago's fall-back hour


def _meetings(min_duration: int = 0) -> st.SearchStrategy[list[Meeting]]:
    spans = st.tuples(st.integers(0, 600), st.integers(min_duration, 180))
    return st.lists(spans, max_size=12).map(
        lambda items: [
            Meeting(
                f"m{i}",
                "",
                (_BASE + timedelta(minutes=start, seconds=7 * i)).astimezone(CHICAGO),
                (_BASE + timedelta(minutes=start + length, seconds=7 * i)).astimezone(CHICAGO),
            )
            for i, (start, length) in enumerate(items)
        ]
    )


def _key(meeting: Meeting) -> tuple[datetime, datetime, str]:
    return (meeting.start.astimezone(UTC), meeting.end.astimezone(UTC), meeting.meeting_id)


def _reference_conflicts(meetings: list[Meeting], padding: int) -> list[tuple[str, str, int]]:
    """O(n²): each meeting against every earlier one, keeping the tightest (earliest on ties)."""
    ordered = sorted(meetings, key=_key)
    found = []
    for j, second in enumerate(ordered):
        tightest: tuple[timedelta, int] | None = None
        for i in range(j):
            gap = second.start.astimezone(UTC) - ordered[i].end.astimezone(UTC)
            if tightest is None or gap < tightest[0]:
                tightest = (gap, i)
        if tightest is not None and tightest[0] < timedelta(minutes=padding):
            gap_minutes = int(tightest[0].total_seconds() // 60)
            found.append((ordered[tightest[1]].meeting_id, second.meeting_id, gap_minutes))
    return found


@DETERMINISTIC
@given(meetings=_meetings(), padding=st.integers(0, 60))
def test_find_conflicts_agrees_with_brute_force(meetings: list[Meeting], padding: int) -> None:
    got = find_conflicts(meetings, padding_minutes=padding)
    assert pairs(got) == _reference_conflicts(meetings, padding)
    # Every meeting that starts too soon after any earlier one is reported, and only those.
    ordered = sorted(meetings, key=_key)
    too_soon = {
        b.meeting_id
        for j, b in enumerate(ordered)
        for a in ordered[:j]
        if b.start.astimezone(UTC) - a.end.astimezone(UTC) < timedelta(minutes=padding)
    }
    assert {c.second.meeting_id for c in got} == too_soon


@DETERMINISTIC
@given(meetings=_meetings(min_duration=1), padding=st.integers(0, 60), limit=st.integers(1, 3))
def test_find_overcommitted_agrees_with_counting(
    meetings: list[Meeting], padding: int, limit: int
) -> None:
    got = find_overcommitted(meetings, padding_minutes=padding, max_concurrent=limit)
    pad = timedelta(minutes=padding)
    spans = [(x.start.astimezone(UTC), x.end.astimezone(UTC) + pad, x) for x in meetings]
    moments = sorted({s for s, _, _ in spans} | {e for _, e, _ in spans})
    for moment in moments:
        running = [x for s, e, x in spans if s <= moment < e]
        inside = [o for o in got if o.start <= moment < o.end]
        assert bool(inside) == (len(running) > limit)
        if inside:
            assert set(running) <= set(inside[0].meetings)
    for earlier, later in itertools.pairwise(got):
        # Maximal: touching spans would have been merged. (UTC: both are in Chicago time, and
        # Python compares two times of one zone on the wall clock, wrong in the repeated hour.)
        assert earlier.end.astimezone(UTC) < later.start.astimezone(UTC)
    if limit == 1:
        # One meeting at a time: over-committed exactly when padding is violated.
        assert bool(got) == bool(find_conflicts(meetings, padding_minutes=padding))


@DETERMINISTIC
@given(
    meetings=_meetings(),
    at_minute=st.integers(0, 600),
    duration=st.integers(1, 180),
    padding=st.integers(0, 60),
)
def test_is_free_matches_its_definition(
    meetings: list[Meeting], at_minute: int, duration: int, padding: int
) -> None:
    at = (_BASE + timedelta(minutes=at_minute)).astimezone(CHICAGO)
    start, end = at.astimezone(UTC), at.astimezone(UTC) + timedelta(minutes=duration)
    pad = timedelta(minutes=padding)
    clear = all(
        x.end.astimezone(UTC) + pad <= start or end + pad <= x.start.astimezone(UTC)
        for x in meetings
    )
    assert is_free(meetings, at=at, duration_minutes=duration, padding_minutes=padding) == clear
