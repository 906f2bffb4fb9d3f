"""Padding between meetings on one Zoom host user: conflicts, over-commitment, free slots.

Every function here looks at the meetings of **one** host user (occurrences of recurring meetings
included, each as its own `Meeting`). Conventions (the CLI help repeats them):

* Meetings are half-open intervals `[start, end)`: back-to-back meetings (one ends at 10:00, the
  next starts at 10:00) do not overlap; their gap is 0.
* **Gap** = next start - previous end. It is negative for an overlap. `gap_minutes` is the gap
  floored to whole minutes, so a 9.5-minute gap is 9 and any overlap, however short, is negative.
* **Conflict**: a gap strictly below `padding_minutes`. A gap exactly equal to the padding is fine.
* **Which pairs**: meetings are ordered by start (then end, meeting id, occurrence id), and each
  meeting is compared with the *latest-ending* meeting before it, the one that leaves it the least
  room. So A 9:00-12:00, B 10:00-10:30, C 11:00-11:30 gives the conflicts (A, B) and (A, C): C
  overlaps A even though B, its neighbour in the list, ended long before. Each meeting is reported
  at most once, as the `second` of a conflict, paired with that tightest predecessor (ties: the
  earlier in the order). Equal `Meeting` records (the same occurrence listed twice) count once.
* **Over-commitment** (where a host user may run `max_concurrent` meetings at once, as licensed
  users on Business plans may run 2): each meeting is padded *after* its end (padding is the room a
  meeting may overrun into), and the report is every maximal span in which more than
  `max_concurrent` padded meetings run at once, with the meetings involved. With `max_concurrent` 1
  this flags exactly the situations `find_conflicts` flags.
  A meeting with no duration and no padding takes no time and never over-commits.
* **Free**: a host user is free for `[at, at + duration)` when none of its meetings overlaps
  `[at - padding, at + duration + padding)`. A meeting that ends exactly at `at - padding`, or
  starts exactly at `at + duration + padding`, leaves it free (the gap equals the padding).
* All arithmetic is on instants (UTC), never on wall clocks, so daylight-saving days are right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "Conflict",
    "Meeting",
    "Overcommit",
    "busy_meetings",
    "find_conflicts",
    "find_overcommitted",
    "is_free",
]


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting, or one occurrence of a recurring meeting, on a host user's Zoom calendar.

    `start` and `end` are aware; `end` is `start + duration` from Zoom.
    """

    meeting_id: str
    topic: str
    start: datetime
    end: datetime
    occurrence_id: str | None = None
    kind: str = "meeting"  # or "webinar": it takes its host user all the same

    def __post_init__(self) -> None:
        if _utc(self.end, "end") < _utc(self.start, "start"):
            raise ValueError(f"meeting {self.meeting_id} ends before it starts")


@dataclass(frozen=True, slots=True)
class Conflict:
    """`second` starts less than the padding after `first` ends (or overlaps it)."""

    first: Meeting
    second: Meeting
    gap_minutes: int  # floored; negative for an overlap, 0 for back-to-back

    @property
    def is_overlap(self) -> bool:
        return self.gap_minutes < 0


@dataclass(frozen=True, slots=True)
class Overcommit:
    """A maximal span in which more than the allowed number of padded meetings run at once.

    `start`/`end` are in the timezone of the meeting that sets each of them; `peak` is the largest
    number of padded meetings running at one moment of the span; `meetings` are all those that run
    during it, in meeting order.
    """

    start: datetime
    end: datetime
    peak: int
    meetings: tuple[Meeting, ...]


def find_conflicts(meetings: Iterable[Meeting], *, padding_minutes: int) -> list[Conflict]:
    """Each meeting that starts less than `padding_minutes` after an earlier one ends.

    Compares each meeting with the latest-ending meeting before it (see the module docstring), in
    O(n log n).
    """
    padding = _padding(padding_minutes)
    conflicts: list[Conflict] = []
    latest: Meeting | None = None  # the latest-ending meeting seen so far
    latest_end = datetime.min.replace(tzinfo=UTC)
    for meeting in _in_order(meetings):
        if latest is not None:
            gap = _utc(meeting.start, "start") - latest_end
            if gap < padding:
                conflicts.append(Conflict(latest, meeting, gap // timedelta(minutes=1)))
        end = _utc(meeting.end, "end")
        if latest is None or end > latest_end:
            latest, latest_end = meeting, end
    return conflicts


def find_overcommitted(
    meetings: Iterable[Meeting], *, padding_minutes: int, max_concurrent: int
) -> list[Overcommit]:
    """The spans in which more than `max_concurrent` padded meetings run at once."""
    padding = _padding(padding_minutes)
    if max_concurrent < 1:
        raise ValueError(f"max_concurrent must be at least 1, not {max_concurrent}")
    ordered = _in_order(meetings)
    # Events (instant, +1/-1, position). At one instant ends sort before starts (-1 < +1): padded
    # intervals are half-open, so one that ends as another starts never runs alongside it.
    events: list[tuple[datetime, int, int]] = []
    for position, meeting in enumerate(ordered):
        start, padded_end = _utc(meeting.start, "start"), _utc(meeting.end, "end") + padding
        if padded_end > start:  # an empty interval never runs
            events.append((start, 1, position))
            events.append((padded_end, -1, position))
    events.sort()

    spans: list[Overcommit] = []
    running: set[int] = set()
    span_start: tuple[datetime, int] | None = None  # (instant, position of the meeting setting it)
    involved: set[int] = set()
    peak = 0
    for index, (instant, step, position) in enumerate(events):
        if step > 0:
            running.add(position)
        else:
            running.discard(position)
        # Judge the count only once every event at this instant is applied.
        if index + 1 < len(events) and events[index + 1][0] == instant:
            continue
        if len(running) > max_concurrent:
            if span_start is None:
                span_start, involved, peak = (instant, position), set(), 0
            involved |= running
            peak = max(peak, len(running))
        elif span_start is not None:
            spans.append(
                Overcommit(
                    start=_in_zone_of(span_start[0], ordered[span_start[1]]),
                    end=_in_zone_of(instant, ordered[position]),
                    peak=peak,
                    meetings=tuple(ordered[i] for i in sorted(involved)),
                )
            )
            span_start = None
    return spans


def busy_meetings(
    meetings: Iterable[Meeting], *, at: datetime, duration_minutes: int, padding_minutes: int
) -> list[Meeting]:
    """The meetings that overlap `[at - padding, at + duration + padding)`, in meeting order."""
    padding = _padding(padding_minutes)
    if duration_minutes <= 0:
        raise ValueError(f"the duration must be positive, not {duration_minutes}")
    at_utc = _utc(at, "at")
    window_start = at_utc - padding
    window_end = at_utc + timedelta(minutes=duration_minutes) + padding
    return [
        meeting
        for meeting in _in_order(meetings)
        if _utc(meeting.start, "start") < window_end and _utc(meeting.end, "end") > window_start
    ]


def is_free(
    meetings: Iterable[Meeting], *, at: datetime, duration_minutes: int, padding_minutes: int
) -> bool:
    """Whether a host user with these meetings can take `[at, at + duration)` with padding."""
    return not busy_meetings(
        meetings, at=at, duration_minutes=duration_minutes, padding_minutes=padding_minutes
    )


def _in_order(meetings: Iterable[Meeting]) -> list[Meeting]:
    """Distinct meetings by start, then end (as instants), then ids, for a deterministic order."""
    distinct: dict[tuple[datetime, datetime, str, str, str], Meeting] = {}
    for meeting in meetings:
        # Keyed on instants: equal wall times in one zone compare equal even an hour apart (folds).
        key = (
            _utc(meeting.start, "start"),
            _utc(meeting.end, "end"),
            meeting.meeting_id,
            meeting.occurrence_id or "",
            meeting.topic,
        )
        distinct.setdefault(key, meeting)
    return [distinct[key] for key in sorted(distinct)]


def _padding(padding_minutes: int) -> timedelta:
    if padding_minutes < 0:
        raise ValueError(f"the padding must not be negative, not {padding_minutes}")
    return timedelta(minutes=padding_minutes)


def _in_zone_of(instant: datetime, meeting: Meeting) -> datetime:
    return instant.astimezone(meeting.start.tzinfo)


def _utc(moment: datetime, what: str) -> datetime:
    """`moment` as UTC; comparing aware datetimes that share a tzinfo would ignore DST folds."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a meeting's {what} must be a timezone-aware datetime")
    return moment.astimezone(UTC)
