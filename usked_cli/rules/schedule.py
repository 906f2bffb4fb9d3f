"""A day of the pool as a picture's model: each host user's meetings, their padding state, the
free stretches, and the hours to draw (`usked admin schedule`). Plain functions, no I/O.

The rules are the ones `admin conflicts` and `zoom-users free` apply, so the three never disagree:

* a meeting's **state** is `overlap` when `find_conflicts` with no padding pairs it with another
  meeting of its host user (either side of the pair), else `padding` when `find_conflicts` with
  the org's padding does, else `ok`. Where a host user may run `max_concurrent` meetings at once,
  `find_overcommitted` takes the place of `find_conflicts` (with and without padding) the same way.
  Every meeting that breaks the rule is caught: one within the padding of any other meeting is in
  some pair, since each meeting is paired with the latest-ending meeting before it.
* a **free stretch** is a maximal span, from the day's start to `duration` past its end, in
  which a meeting of `duration` could start and end with the padding clear on both sides: for
  `at` within the day, `[at, at + duration)` is free (`is_free`) exactly when it lies within
  one stretch (`a <= at` and `at + duration <= b`). Stretches shorter than the duration, and
  those that begin after the day, are left out.
* the **hours drawn** are the same for every host user of a day: at least DAY_HOURS (08:00-18:00
  local), widened to whole hours around every meeting and its padding, within the day.

All arithmetic is on instants; the day is a local calendar day (23 or 25 hours when clocks change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from usked_cli.rules.day import as_utc, day_span
from usked_cli.rules.padding import Meeting, find_conflicts, find_overcommitted

__all__ = [
    "DAY_HOURS",
    "Bar",
    "DaySchedule",
    "HostDay",
    "State",
    "build_day",
    "drawn_hours",
    "free_stretches",
    "hour_marks",
    "label_candidates",
    "match_request_ids",
    "meeting_states",
]

State = Literal["ok", "padding", "overlap"]
DAY_HOURS = (8, 18)  # the hours always drawn, local time
_HOUR = timedelta(hours=1)
_QUARTER = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Bar:
    """One meeting (or webinar, or occurrence) on the picture."""

    meeting: Meeting
    state: State
    request_id: str | None = None  # the uSked request whose invite link carries the meeting id


@dataclass(frozen=True, slots=True)
class HostDay:
    """One host user's day: the bars meeting the day, and the day's free stretches (the
    pictures show the part within the drawn hours)."""

    email: str
    name: str
    bars: tuple[Bar, ...]
    free: tuple[tuple[datetime, datetime], ...]
    may_host: bool = True  # False for a basic user: Zoom ends their meetings after 40 minutes

    @property
    def idle(self) -> bool:
        """Nothing at all that day."""
        return not self.bars


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """The pool's day: `hosts` in pool order (idle ones included), drawn over
    [axis_start, axis_end)."""

    day: date
    timezone: tzinfo
    day_start: datetime
    day_end: datetime
    axis_start: datetime
    axis_end: datetime
    padding_minutes: int
    duration_minutes: int
    hosts: tuple[HostDay, ...]

    @property
    def busy_hosts(self) -> tuple[HostDay, ...]:
        return tuple(host for host in self.hosts if not host.idle)

    @property
    def idle_hosts(self) -> tuple[HostDay, ...]:
        """Free all day: nothing that day, and able to host a meeting."""
        return tuple(host for host in self.hosts if host.idle and host.may_host)

    @property
    def idle_basic_hosts(self) -> tuple[HostDay, ...]:
        """Nothing that day, but basic users: never offered, as `zoom-users free` leaves them
        out."""
        return tuple(host for host in self.hosts if host.idle and not host.may_host)


def meeting_states(
    meetings: Iterable[Meeting], *, padding_minutes: int, max_concurrent: int = 1
) -> dict[Meeting, State]:
    """Each distinct meeting's state (see the module docstring)."""
    distinct = list(dict.fromkeys(meetings))

    def breaking(padding: int) -> set[Meeting]:
        if max_concurrent > 1:
            spans = find_overcommitted(
                distinct, padding_minutes=padding, max_concurrent=max_concurrent
            )
            return {meeting for span in spans for meeting in span.meetings}
        pairs = find_conflicts(distinct, padding_minutes=padding)
        return {meeting for pair in pairs for meeting in (pair.first, pair.second)}

    overlapping = breaking(0)
    too_close = breaking(padding_minutes) if padding_minutes else set()
    states: dict[Meeting, State] = {}
    for meeting in distinct:
        if meeting in overlapping:
            states[meeting] = "overlap"
        elif meeting in too_close:
            states[meeting] = "padding"
        else:
            states[meeting] = "ok"
    return states


def free_stretches(
    meetings: Iterable[Meeting],
    *,
    start: datetime,
    end: datetime,
    padding_minutes: int,
    duration_minutes: int,
) -> list[tuple[datetime, datetime]]:
    """The maximal spans of [start, end) clear of every meeting's padded time, at least
    `duration_minutes` long, in `start`'s zone."""
    if duration_minutes <= 0:
        raise ValueError(f"the duration must be positive, not {duration_minutes}")
    padding = timedelta(minutes=padding_minutes)
    window_start, window_end = as_utc(start), as_utc(end)
    busy = sorted(
        (as_utc(m.start) - padding, as_utc(m.end) + padding)
        for m in meetings
        if as_utc(m.start) - padding < window_end and as_utc(m.end) + padding > window_start
    )
    stretches: list[tuple[datetime, datetime]] = []
    cursor = window_start
    for busy_start, busy_end in [*busy, (window_end, window_end)]:
        if busy_start - cursor >= timedelta(minutes=duration_minutes):
            stretches.append((cursor, busy_start))
        cursor = max(cursor, busy_end)
    zone = start.tzinfo
    return [(a.astimezone(zone), b.astimezone(zone)) for a, b in stretches]


def drawn_hours(
    day_start: datetime,
    day_end: datetime,
    meetings: Iterable[Meeting],
    *,
    padding_minutes: int,
    tz: tzinfo,
) -> tuple[datetime, datetime]:
    """The span to draw: DAY_HOURS of the day, widened to whole local hours around the meetings
    and their padding that meet the day, never past the day itself."""
    day = day_start.astimezone(tz).date()
    first = as_utc(datetime.combine(day, time(DAY_HOURS[0]), tzinfo=tz))
    last = as_utc(datetime.combine(day, time(DAY_HOURS[1]), tzinfo=tz))
    padding = timedelta(minutes=padding_minutes)
    lower, upper = as_utc(day_start), as_utc(day_end)
    for meeting in meetings:
        if not _meets_day(meeting, lower, upper):
            continue  # not drawn: its padding alone must not widen the picture
        begins, ends = as_utc(meeting.start) - padding, as_utc(meeting.end) + padding
        first = min(first, max(lower, begins))
        last = max(last, min(upper, ends))
    # Whole local hours, also in zones half an hour off UTC (India, Newfoundland).
    first = _floor_local_hour(first, tz, lower)
    last = _ceil_local_hour(last, tz, upper)
    return first.astimezone(tz), last.astimezone(tz)


def match_request_ids(
    meetings: Iterable[Meeting],
    assignments: Iterable[tuple[str, str | None, datetime, datetime]],
) -> dict[Meeting, str]:
    """The uSked request id of each meeting that an assignment's invite link names.

    `assignments` are (request id, meeting id, start, end). A meeting id is the join between the
    two systems, but a recurring meeting carries one id for all its occurrences: an occurrence
    takes the request of an assignment with its meeting id *at its time* (overlapping it, or
    starting when it does), the nearest start first (ties: the lower id). An occurrence no
    assignment covers carries none, however many other days do. A one-off meeting's id names
    one meeting only: it takes the nearest assignment with that id whenever it is (a request
    moved in uSked while Zoom kept the old time still shows whose it is).
    """
    by_meeting: dict[str, list[tuple[str, datetime, datetime]]] = {}
    for request_id, meeting_id, start, end in assignments:
        if meeting_id:
            by_meeting.setdefault(meeting_id, []).append((request_id, as_utc(start), as_utc(end)))
    matched: dict[Meeting, str] = {}
    for meeting in meetings:
        begins, ends = as_utc(meeting.start), as_utc(meeting.end)
        one_off = meeting.occurrence_id is None
        covering = [
            (abs(start - begins), request_id)
            for request_id, start, end in by_meeting.get(meeting.meeting_id, ())
            if one_off or start == begins or (start < ends and end > begins)
        ]
        if covering:
            matched[meeting] = min(covering)[1]
    return matched


def label_candidates(bar: Bar) -> list[str]:
    """What a bar may be labelled with, best first: request id, meeting id, topic."""
    candidates = [bar.request_id or "", bar.meeting.meeting_id, bar.meeting.topic.strip()]
    return [c for c in dict.fromkeys(candidates) if c]


def build_day(
    day: date,
    tz: tzinfo,
    hosts: Sequence[tuple[str, str, Sequence[Meeting]] | tuple[str, str, Sequence[Meeting], bool]],
    *,
    padding_minutes: int,
    duration_minutes: int,
    max_concurrent: int = 1,
    request_ids: Mapping[Meeting, str] | None = None,
) -> DaySchedule:
    """The day's schedule for `hosts` (email, name, meetings[, may host: default True]), in
    the order given. A host user who may not host (a basic user) has no free stretches.

    The meetings may reach outside the day: those just before or after it still set the states
    and free stretches of the day's own meetings.
    """
    day_start, day_end = day_span(day, tz)
    everything = [m for host in hosts for m in host[2]]
    axis_start, axis_end = drawn_hours(
        day_start, day_end, everything, padding_minutes=padding_minutes, tz=tz
    )
    request_ids = request_ids or {}
    host_days: list[HostDay] = []
    for email, name, meetings, *may_host in hosts:
        states = meeting_states(
            meetings, padding_minutes=padding_minutes, max_concurrent=max_concurrent
        )
        bars = tuple(
            Bar(meeting, states[meeting], request_ids.get(meeting))
            for meeting in sorted(states, key=_order)
            if _meets_day(meeting, as_utc(day_start), as_utc(day_end))
        )
        # A meeting that starts late in the day may end after midnight: the stretches reach
        # `duration` into the next day, so that one starting at 23:30 is found here.
        free = (
            [
                stretch
                for stretch in free_stretches(
                    meetings,
                    start=day_start,
                    end=day_end + timedelta(minutes=duration_minutes),
                    padding_minutes=padding_minutes,
                    duration_minutes=duration_minutes,
                )
                if as_utc(stretch[0]) < as_utc(day_end)
            ]
            if all(may_host)
            else []
        )
        host_days.append(HostDay(email, name, bars, tuple(free), all(may_host)))
    return DaySchedule(
        day=day,
        timezone=tz,
        day_start=day_start,
        day_end=day_end,
        axis_start=axis_start,
        axis_end=axis_end,
        padding_minutes=padding_minutes,
        duration_minutes=duration_minutes,
        hosts=tuple(host_days),
    )


def hour_marks(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Each whole local hour in [start, end], in `tz`, found instant by instant: on a day the
    clocks change, an hour is skipped or comes twice, as on the wall clock. Every zone's offset
    is a whole number of quarter hours, and so is any change of it (Lord Howe moves by half an
    hour), so the quarter hours from a whole UTC hour meet every local hour."""
    moment = as_utc(start).replace(minute=0, second=0, microsecond=0)
    last = as_utc(end)
    marks = []
    while moment <= last:
        local = moment.astimezone(tz)
        if local.minute == 0 and moment >= as_utc(start):
            marks.append(local)
        moment += _QUARTER
    return marks


def _meets_day(meeting: Meeting, day_start: datetime, day_end: datetime) -> bool:
    """Whether a meeting is drawn on the day [day_start, day_end) (UTC): it overlaps the day,
    or takes no time at a moment of it."""
    begins, ends = as_utc(meeting.start), as_utc(meeting.end)
    return begins < day_end and (ends > day_start or begins >= day_start)


def _order(meeting: Meeting) -> tuple[datetime, datetime, str, str]:
    return (
        as_utc(meeting.start),
        as_utc(meeting.end),
        meeting.meeting_id,
        meeting.occurrence_id or "",
    )


def _floor_local_hour(moment: datetime, tz: tzinfo, lower: datetime) -> datetime:
    local = moment.astimezone(tz)
    floored = as_utc(local.replace(minute=0, second=0, microsecond=0))
    return max(lower, floored)


def _ceil_local_hour(moment: datetime, tz: tzinfo, upper: datetime) -> datetime:
    local = moment.astimezone(tz)
    if local.minute or local.second or local.microsecond:
        local = local.replace(minute=0, second=0, microsecond=0)
        ceiled = as_utc(local) + _HOUR
    else:
        ceiled = as_utc(local)
    return min(upper, ceiled)
