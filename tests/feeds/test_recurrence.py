"""Moving a rule's DTSTART on by whole steps changes none of its later occurrences
(usked_cli.feeds.recurrence), checked against dateutil, which expands rules for the parser."""

from __future__ import annotations

import signal
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from icalendar import vRecur

from usked_cli.feeds.recurrence import daily_rate, fast_forward

CHICAGO = ZoneInfo("America/Chicago")
STEP = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": timedelta(days=31),
    "YEARLY": timedelta(days=366),
}
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> tuple[str, date, date, date]:
    """(rule text, DTSTART, target, end): a rule and a stretch of its occurrences to compare."""
    freq = draw(st.sampled_from(list(STEP)))
    kind = draw(
        st.sampled_from(
            ["aware", "naive", "date"]
            if freq in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
            else ["aware", "naive"]
        )
    )
    every = draw(st.integers(1, 4))
    parts = [f"FREQ={freq}", f"INTERVAL={every}"]
    if kind != "date":
        if draw(st.booleans()):
            parts.append(
                "BYHOUR="
                + ",".join(
                    map(str, sorted(draw(st.sets(st.integers(0, 23), min_size=1, max_size=4))))
                )
            )
        if freq != "SECONDLY" and draw(st.booleans()):
            parts.append(
                "BYMINUTE="
                + ",".join(
                    map(str, sorted(draw(st.sets(st.integers(0, 59), min_size=1, max_size=3))))
                )
            )
    if draw(st.booleans()):
        days = sorted(draw(st.sets(st.sampled_from(DAYS), min_size=1, max_size=3)), key=DAYS.index)
        ordinal = freq in ("MONTHLY", "YEARLY") and draw(st.booleans())
        parts.append(
            "BYDAY="
            + ",".join(f"{draw(st.sampled_from([1, 2, -1]))}{d}" if ordinal else d for d in days)
        )
    if draw(st.booleans()):
        parts.append(
            "BYMONTH="
            + ",".join(map(str, sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=6)))))
        )
    if freq in ("MONTHLY", "YEARLY", "DAILY") and draw(st.booleans()):
        parts.append(
            "BYMONTHDAY="
            + ",".join(
                map(
                    str,
                    sorted(
                        draw(
                            st.sets(
                                st.sampled_from([1, 2, 15, 28, 29, 30, 31, -1]),
                                min_size=1,
                                max_size=3,
                            )
                        )
                    ),
                )
            )
        )
    # BYSETPOS picks within a period of several candidates (producers write it on MONTHLY rules)
    if freq in ("WEEKLY", "MONTHLY", "YEARLY") and len(parts) > 2 and draw(st.booleans()):
        parts.append("BYSETPOS=" + str(draw(st.sampled_from([1, -1, 2]))))
    first = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 12, 31)))
    first = first.replace(microsecond=0)
    start: date
    if kind == "date":
        start = first.date()
    elif kind == "aware":
        start = first.replace(tzinfo=CHICAGO)
    else:
        start = first
    # A gap of some hundreds of steps: enough to cross changes of month, year and clock.
    gap = STEP[freq] * every * draw(st.integers(0, 400)) + timedelta(
        seconds=draw(st.integers(0, 86400 * 3))
    )
    span = STEP[freq] * every * draw(st.integers(1, 60))
    if kind == "date":
        gap, span = timedelta(days=gap.days), timedelta(days=max(1, span.days))
    ending = draw(st.sampled_from(["none", "count", "until"]))
    if ending == "count":
        parts.append(f"COUNT={draw(st.integers(1, 600))}")
    elif ending == "until":
        until = start + gap + span * draw(st.floats(0, 1.5))
        if kind == "date":
            parts.append(f"UNTIL={until:%Y%m%d}")
        elif kind == "aware":
            parts.append(f"UNTIL={until.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}")
        else:
            parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}")
    return ";".join(parts), start, start + gap, start + gap + span


def occurrences(rule: str, start: date, after: date, before: date) -> list[datetime] | str:
    """The rule's occurrences in [after, before], or dateutil's refusal (a BYHOUR that an
    INTERVAL never reaches from DTSTART's hour, say), which a moved rule must give too."""

    def moment(value: date) -> datetime:
        if isinstance(value, datetime):
            return value
        return datetime.combine(value, datetime.min.time())

    first = moment(start)
    try:
        expanded = rrulestr(rule, dtstart=first)
    except ValueError as refused:
        return f"refused: {refused}"
    window = (
        moment(after).replace(tzinfo=first.tzinfo),
        moment(before).replace(tzinfo=first.tzinfo),
    )
    # dateutil walks a rule whose parts never meet (FREQ=HOURLY;BYSETPOS=2) to year 9999, for
    # minutes: such a rule is no reference for this test, so the example is dropped.
    signal.signal(signal.SIGALRM, _too_slow)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        return list(expanded.between(*window))
    except _TooSlowError:
        reject()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class _TooSlowError(Exception):
    pass


def _too_slow(signum: int, frame: object) -> None:
    raise _TooSlowError


@settings(max_examples=120, deadline=None)
@given(rules())
def test_moving_a_rule_on_keeps_every_occurrence_after_the_target(
    case: tuple[str, date, date, date],
) -> None:
    text, start, target, end = case
    ical = vRecur.from_ical(text)
    forward = fast_forward(ical, start, target)
    if forward is None:
        return
    # the new start is a grid point at or before the target, after the old one
    assert start < forward.start <= target if isinstance(start, datetime) else start < forward.start
    moved = vRecur.from_ical(text)
    count = moved.get("COUNT")
    if count:
        left = int(count[0]) - forward.steps
        if left <= 0:
            assert occurrences(text, start, target, end) == []
            return
        moved["COUNT"] = [left]
    moved_text = moved.to_ical().decode()
    assert occurrences(moved_text, forward.start, target, end) == occurrences(
        text, start, target, end
    )


def test_rules_that_cannot_be_counted_are_not_moved() -> None:
    start = datetime(2020, 1, 1, 9)
    assert (
        fast_forward(vRecur.from_ical("FREQ=DAILY;COUNT=900;BYDAY=MO"), start, datetime(2021, 1, 1))
        is None
    )
    assert (
        fast_forward(
            vRecur.from_ical("FREQ=MONTHLY;COUNT=9"), datetime(2020, 1, 31), datetime(2021, 1, 1)
        )
        is None
    )
    counted = fast_forward(
        vRecur.from_ical("FREQ=HOURLY;COUNT=900"), start, datetime(2020, 1, 2, 9)
    )
    assert counted is not None
    assert counted.steps == 24


def test_a_monthly_rule_moves_to_a_day_that_exists() -> None:
    forward = fast_forward(vRecur.from_ical("FREQ=MONTHLY"), date(2020, 1, 31), date(2020, 5, 15))
    assert forward is not None
    assert forward.start == date(2020, 3, 31)


def test_rates_are_upper_bounds() -> None:
    assert daily_rate(vRecur.from_ical("FREQ=MINUTELY")) == 1440
    assert daily_rate(vRecur.from_ical("FREQ=HOURLY;INTERVAL=2;BYMINUTE=0,30")) == 24
    assert daily_rate(vRecur.from_ical("FREQ=DAILY;BYHOUR=9,17")) == 2
    assert daily_rate(vRecur.from_ical("FREQ=WEEKLY;BYDAY=MO,WE,FR")) == 3 / 7
    assert daily_rate(vRecur.from_ical("FREQ=SECONDLY;BYHOUR=1")) == 86400
