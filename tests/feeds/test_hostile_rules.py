"""Recurrence rules written to exhaust the machine: bounded by what is asked, same occurrences.

The parser rewrites some rules before dateutil walks them (usked_cli.feeds.recurrence.walkable),
bounds every walk to a year after the window (rule_walks_end_in), and caps occurrences per series
and per feed. Each rewrite is checked against icalendar + recurring_ical_events on the rule as
written (a differential property test on small windows, where the library's own walk is short),
and each hostile rule is checked for time through the parser.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.feeds import ical
from usked_cli.feeds.ical import parse_feed
from usked_cli.feeds.recurrence import rule_walks_end_in, walkable

UTC_ZONE = ZoneInfo("UTC")
WINDOW = (datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC))


def feed(rule: str, dtstart: str = "20261201T220000Z", *, uid: str = "r@x") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{dtstart}\r\n"
        f"DURATION:PT1S\r\nSUMMARY:Req 1\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def parsed_starts(data: bytes, window: tuple[datetime, datetime] = WINDOW) -> list[datetime]:
    result = parse_feed(
        data, user="u", window_start=window[0], window_end=window[1], default_tz=UTC_ZONE
    )
    return sorted(a.start.astimezone(UTC) for a in result.assignments)


def reference_starts(data: bytes, window: tuple[datetime, datetime] = WINDOW) -> list[datetime]:
    """The library on the rule as written; its walk bounded as the parser bounds its own (the
    bound changes no occurrence before it, see test_walk_bound_changes_nothing_before_it)."""
    calendar = icalendar.Calendar.from_ical(data)
    with rule_walks_end_in(window[1].year + 1):
        found = recurring_ical_events.of(calendar).between(*window)
    starts = [o["DTSTART"].dt.astimezone(UTC) for o in found]
    # the parser's window: occurrences that overlap it (the library's between() does the same
    # for these one-second events)
    return sorted(s for s in starts if s + timedelta(seconds=1) > window[0] and s < window[1])


# -- rewrites give the rule's own occurrences ----------------------------------------------------


def _values(draw: st.DrawFn, top: int, most: int) -> list[int]:
    return sorted(draw(st.sets(st.integers(0, top), min_size=1, max_size=most)))


@st.composite
def sub_daily_rules(draw: st.DrawFn) -> str:
    """FREQ=SECONDLY/MINUTELY/HOURLY with time BY parts, sometimes BYSETPOS, BYDAY, COUNT,
    UNTIL or INTERVAL: the rules walkable() rewrites, dense enough to need it, but few enough
    occurrences in a day for the library to list quickly."""
    freq = draw(st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY"]))
    parts = [f"FREQ={freq}"]
    hours = _values(draw, 23, 3) if draw(st.booleans()) else None
    minutes = _values(draw, 59, 3) if freq != "HOURLY" or draw(st.booleans()) else None
    seconds = _values(draw, 59, 3) if draw(st.booleans()) else None
    if freq == "SECONDLY" and minutes is None and hours is None:
        minutes = _values(draw, 59, 2)  # keep a day of SECONDLY under the occurrence cap
    if freq == "SECONDLY" and seconds is None and hours is None:
        hours = _values(draw, 23, 2)
    for name, values in (("BYHOUR", hours), ("BYMINUTE", minutes), ("BYSECOND", seconds)):
        if values is not None:
            parts.append(f"{name}={','.join(map(str, values))}")
    if draw(st.integers(0, 3)) == 0:
        parts.append(f"INTERVAL={draw(st.integers(2, 5))}")
    if draw(st.integers(0, 3)) == 0:
        positions = draw(st.lists(st.sampled_from([1, 2, 3, -1, -2, 61, -61]), min_size=1))
        parts.append(f"BYSETPOS={','.join(map(str, sorted(set(positions))))}")
    if draw(st.integers(0, 4)) == 0:
        parts.append("BYDAY=WE,TH")
    tail = draw(st.integers(0, 5))
    if tail == 0:
        parts.append(f"COUNT={draw(st.integers(1, 400))}")
    elif tail == 1:
        parts.append("UNTIL=20261202T120000Z")
    return ";".join(parts)


def _dead(rule: str) -> bool:
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    return walkable(icalendar.vRecur.from_ical(rule)) is None and "BYSETPOS" in parts


@settings(max_examples=120)
@given(rule=sub_daily_rules(), start_hour=st.integers(18, 23))
def test_rewritten_rules_give_the_library_occurrences(rule: str, start_hour: int) -> None:
    if _dead(rule):
        return  # the library would walk every second of two years: tested on its own below
    data = feed(rule, dtstart=f"20261201T{start_hour:02}1707Z")
    try:
        reference = reference_starts(data)
    except (ValueError, recurring_ical_events.errors.BadRuleStringFormat):
        # dateutil refuses the rule (a BY part its INTERVAL never reaches from DTSTART): the
        # parser skips the event and says so
        result = parse_feed(
            data, user="u", window_start=WINDOW[0], window_end=WINDOW[1], default_tz=UTC_ZONE
        )
        assert not result.assignments
        assert any("skipped event r@x" in warning for warning in result.warnings)
        return
    if len(reference) > ical.MAX_OCCURRENCES:
        return  # capped: compared in test_differential
    assert parsed_starts(data) == reference


@pytest.mark.parametrize(
    ("rule", "rewritten"),
    [
        ("FREQ=SECONDLY;BYSECOND=0", {"FREQ": ["MINUTELY"], "BYSECOND": [0]}),
        ("FREQ=SECONDLY;BYSECOND=0;BYMINUTE=5", {"FREQ": ["HOURLY"]}),
        ("FREQ=SECONDLY;BYHOUR=9", {"FREQ": ["DAILY"], "BYMINUTE": list(range(60))}),
        ("FREQ=MINUTELY;BYMINUTE=0;BYHOUR=9", {"FREQ": ["DAILY"]}),
        ("FREQ=SECONDLY;BYSETPOS=1;BYHOUR=9;BYMINUTE=0", {"FREQ": ["DAILY"]}),
        ("FREQ=MINUTELY;BYSECOND=1,2;BYSETPOS=2,5", {"FREQ": ["MINUTELY"], "BYSETPOS": [2]}),
    ],
)
def test_walkable_rewrites(rule: str, rewritten: dict[str, list[object]]) -> None:
    parts = walkable(icalendar.vRecur.from_ical(rule))
    assert parts is not None
    for name, values in rewritten.items():
        assert list(parts[name]) == values, name


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYHOUR=9",  # a day or longer: walked as it is
        "FREQ=SECONDLY;INTERVAL=2;BYSECOND=0",  # INTERVAL: every other second is not MINUTELY
        "FREQ=SECONDLY;BYMONTH=2",  # no time part: each day is skipped whole already
        "FREQ=HOURLY;BYMINUTE=0",  # HOURLY's own part (BYHOUR) is not given
    ],
)
def test_rules_left_as_written(rule: str) -> None:
    recur = icalendar.vRecur.from_ical(rule)
    assert walkable(recur) is recur


def test_walk_bound_changes_nothing_before_it() -> None:
    data = feed("FREQ=HOURLY;BYMONTH=1,12;BYHOUR=1,13", dtstart="20261201T010000Z")
    window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
    calendar = icalendar.Calendar.from_ical(data)
    unbounded = recurring_ical_events.of(calendar).between(*window)
    calendar = icalendar.Calendar.from_ical(data)
    with rule_walks_end_in(2027):
        bounded = recurring_ical_events.of(calendar).between(*window)
    assert [o["DTSTART"].dt for o in bounded] == [o["DTSTART"].dt for o in unbounded]
    assert len(bounded) == 2 * 62  # December and January, twice a day


def test_walk_bound_is_restored() -> None:
    import datetime as datetime_module

    import dateutil.rrule  # type: ignore[import-untyped]

    def fail_inside() -> None:
        with rule_walks_end_in(2030):
            assert dateutil.rrule.datetime.MAXYEAR == 2030
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside()
    assert dateutil.rrule.datetime is datetime_module


# -- hostile rules end in time -------------------------------------------------------------------

ALL_HOURS = ",".join(map(str, range(24)))
ALL_SIXTY = ",".join(map(str, range(60)))
HOSTILE = {
    # Each took from seconds to hours (or gigabytes) before its bound; the and ours.
    "every second by BY parts": (f"FREQ=DAILY;BYHOUR={ALL_HOURS};BYMINUTE={ALL_SIXTY};"
                                 f"BYSECOND={ALL_SIXTY}", "20261201T090000Z"),
    "hourly from the year 1": ("FREQ=HOURLY", "00010101T000000Z"),
    "secondly from 1900": ("FREQ=SECONDLY", "19000101T000000Z"),
    "BYSETPOS no hour reaches": ("FREQ=HOURLY;BYHOUR=0,2,7;BYMONTH=1,3,8;BYSETPOS=2",
                                 "20261201T090000Z"),
    "BYSETPOS no second reaches": ("FREQ=SECONDLY;BYSETPOS=2", "20261201T090000Z"),
    "BYSETPOS no minute reaches, 1900": ("FREQ=MINUTELY;BYSETPOS=2", "19000101T000000Z"),
    "30 February daily from the year 1": ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "00010101"),
    "a leap day by the second": ("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9;BYMINUTE=0",
                                 "20261201T090000Z"),
    "a minute a day by the second": ("FREQ=SECONDLY;BYHOUR=23;BYMINUTE=59", "20261201T090000Z"),
    "a week of Mondays by the second": ("FREQ=SECONDLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSETPOS=1",
                                        "20261201T090000Z"),
}  # fmt: skip
SYNC_WINDOW = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2028, 1, 6, tzinfo=UTC))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_rule_is_bounded(name: str) -> None:
    """Over a sync's whole window (62 days back, 400 ahead), within a few seconds (the bar for
    a whole feed is 10 s; the subprocess test in tests/robustness measures time and memory)."""
    rule, dtstart = HOSTILE[name]
    started = time.perf_counter()
    result = parse_feed(
        feed(rule, dtstart),
        user="u",
        window_start=SYNC_WINDOW[0],
        window_end=SYNC_WINDOW[1],
        default_tz=UTC_ZONE,
    )
    assert time.perf_counter() - started < 8
    assert len(result.assignments) <= ical.MAX_OCCURRENCES
    assert not any("skipped" in warning for warning in result.warnings), result.warnings


def test_a_rule_that_gives_nothing_is_its_dtstart_with_a_warning() -> None:
    result = parse_feed(
        feed("FREQ=SECONDLY;BYSETPOS=2", "20261202T090000Z", uid="dead@x"),
        user="u",
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        default_tz=UTC_ZONE,
    )
    assert [a.start for a in result.assignments] == [datetime(2026, 12, 2, 9, tzinfo=UTC_ZONE)]
    assert len(result.warnings) == 1
    assert "dead@x" in result.warnings[0]
    assert "BYSETPOS" in result.warnings[0]


def test_a_year_one_dtstart_is_expanded_not_skipped() -> None:
    starts = parsed_starts(feed("FREQ=HOURLY", "00010101T000000Z"))
    assert len(starts) == 24
    assert starts[0] == WINDOW[0]


# -- the cap per feed ------------------------------------------------------------------------------


def test_feed_cap_keeps_the_earliest_occurrences_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ical, "MAX_FEED_OCCURRENCES", 100)
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:s{i}@x\r\nDTSTAMP:20261201T000000Z\r\n"
        f"DTSTART:202612{1 + i:02}T090000Z\r\nDURATION:PT1H\r\nSUMMARY:Req {i}\r\n"
        "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
        for i in range(8)
    )
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + events + "END:VCALENDAR\r\n"
    ).encode()
    window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
    result = parse_feed(
        data, user="u", window_start=window[0], window_end=window[1], default_tz=UTC_ZONE
    )
    kept = sorted(a.start for a in result.assignments)
    assert len(kept) <= 100
    cut = result.complete_until
    assert cut is not None
    assert kept[-1] < cut
    # every occurrence before the cut is there: 8 daily series, each from its own DTSTART
    expected = sorted(
        datetime(2026, 12, 1 + i, 9, tzinfo=UTC) + timedelta(days=d)
        for i in range(8)
        for d in range(62)
        if datetime(2026, 12, 1 + i, 9, tzinfo=UTC) + timedelta(days=d) < cut
    )
    assert kept == expected
    said = [w for w in result.warnings if "occurrences in the window" in w]
    assert len(said) == 1
    assert "100" in said[0]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;INTERVAL=2;BYHOUR=0;BYMINUTE=0;BYSECOND=0;COUNT=1999999",
        "FREQ=MINUTELY;INTERVAL=7;BYHOUR=3;COUNT=1999999",
    ],
)
def test_a_count_with_by_parts_from_centuries_back_is_skipped_in_time(rule: str) -> None:
    """dateutil would count from 1601 period by period (43,200 steps a day for the first):
    minutes of work. The event is skipped, named, at once."""
    started = time.perf_counter()
    result = parse_feed(
        feed(rule, "16010101T000000Z", uid="count@x"),
        user="u",
        window_start=SYNC_WINDOW[0],
        window_end=SYNC_WINDOW[1],
        default_tz=UTC_ZONE,
    )
    assert time.perf_counter() - started < 2
    assert result.assignments == []
    assert len(result.warnings) == 1
    assert "skipped event count@x" in result.warnings[0]
    assert "COUNT with BY parts" in result.warnings[0]


def test_a_dense_series_with_many_overrides_lists_what_the_library_lists() -> None:
    """Past _FEW_OVERRIDES, each piece of a dense series gets only the overrides acting near
    it: cancelled ones, ones moved within the piece, hours on, or days into another piece."""
    assert ical._FEW_OVERRIDES < 120
    master = (
        "BEGIN:VEVENT\r\nUID:m@x\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20260915T000000Z\r\n"
        "DURATION:PT1M\r\nSUMMARY:Req 1\r\nRRULE:FREQ=MINUTELY;INTERVAL=2\r\nEND:VEVENT\r\n"
    )
    overrides = []
    first = datetime(2026, 12, 2, 0, 10, tzinfo=UTC)
    moves = [timedelta(0), timedelta(hours=1), timedelta(days=2), -timedelta(days=3), None]
    for i in range(120):
        replaced = first + timedelta(minutes=2 * 37 * i)  # on the rule's grid, across 6 days
        move = moves[i % len(moves)]
        own = replaced + (move or timedelta(0))
        status = "STATUS:CANCELLED\r\n" if move is None else ""
        overrides.append(
            f"BEGIN:VEVENT\r\nUID:m@x\r\nDTSTAMP:20261201T000000Z\r\n"
            f"RECURRENCE-ID:{replaced:%Y%m%dT%H%M%SZ}\r\nDTSTART:{own:%Y%m%dT%H%M%SZ}\r\n"
            f"DURATION:PT1M\r\nSUMMARY:Moved {i}\r\n{status}END:VEVENT\r\n"
        )
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        + master
        + "".join(overrides)
        + "END:VCALENDAR\r\n"
    ).encode()
    window = (datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    result = parse_feed(
        data, user="u", window_start=window[0], window_end=window[1], default_tz=UTC_ZONE
    )
    calendar = icalendar.Calendar.from_ical(data)
    reference = [
        (o["DTSTART"].dt.astimezone(UTC), str(o["SUMMARY"]))
        for o in recurring_ical_events.of(calendar).between(*window)
        if str(o.get("STATUS", "")) != "CANCELLED"
    ]
    listed = [(a.start.astimezone(UTC), a.title) for a in result.assignments]
    assert sorted(listed) == sorted(reference)
    assert sum(title.startswith("Moved") for _, title in listed) > 50
