"""The coordinator's day (`usked today`, `usked next`, `usked join next`): which assignment is
running, which comes next, and how long until it starts. Pure: the clock and the zone are
arguments.

Conventions (the CLI help repeats them):

* A day is a calendar day of the display zone, midnight to midnight: 23 or 25 hours long on the
  days the clocks change. All arithmetic is on instants, never on wall clocks.
* A timed assignment has **ended** once `end <= now`, is **running** (`now`) while
  `start <= now < end`, and is **next** when it has the earliest start after `now` (every one
  starting at that instant is next). The rest are **later**.
* All-day entries have no start time: `today` lists them as "all day", `next` never picks one.
* `next_up` is the first timed assignment that has not ended: a running one counts (the earliest
  start first; ties by request id, then user).
* Relative times truncate to whole minutes, as `format_wait` does: "in 25 min", "in 1 h 05 min",
  "in 2 d 3 h", "started 4 min ago"; under a minute either way: "starts now" / "started now".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

from usked_cli.models import Shown

S = TypeVar("S", bound=Shown)

__all__ = [
    "DayState",
    "choose_users",
    "day_span",
    "day_states",
    "day_summary",
    "next_up",
    "relative_start",
    "until",
]


class DayState(StrEnum):
    ENDED = "ended"
    NOW = "now"
    NEXT = "next"
    LATER = "later"
    ALL_DAY = "all-day"


def day_span(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants that begin `day` and the day after it in `tz` (23 or 25 hours apart on the
    days clocks change)."""
    return (
        datetime.combine(day, time(), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(), tzinfo=tz),
    )


# Instants are compared in UTC: two datetimes sharing a zone compare by wall time, which would
# put 01:30 CST (the hour repeated when clocks go back) before 01:45 CDT.
def _order(a: Shown) -> tuple[datetime, datetime, str, str]:
    return (a.start.astimezone(UTC), a.end.astimezone(UTC), a.request_id, a.user)


def day_states(assignments: Sequence[Shown], now: datetime) -> list[DayState]:
    """Each assignment's state at `now` (see the module docstring), in the order given."""
    now = as_utc(now)
    starts = [None if a.all_day else a.start.astimezone(UTC) for a in assignments]
    upcoming = [start for start in starts if start is not None and start > now]
    first = min(upcoming) if upcoming else None
    states = []
    for a, start in zip(assignments, starts, strict=True):
        if start is None:
            states.append(DayState.ALL_DAY)
        elif a.end.astimezone(UTC) <= now:
            states.append(DayState.ENDED)
        elif start <= now:
            states.append(DayState.NOW)
        elif start == first:
            states.append(DayState.NEXT)
        else:
            states.append(DayState.LATER)
    return states


def next_up(assignments: Sequence[S], now: datetime) -> S | None:
    """The first timed assignment that has not ended (a running one counts), or None."""
    now = as_utc(now)
    ahead = [a for a in assignments if not a.all_day and a.end.astimezone(UTC) > now]
    return min(ahead, key=_order) if ahead else None


def until(delta: timedelta) -> str:
    """A span for people, in whole minutes: "25 min", "1 h 05 min", "2 h", "2 d 3 h"
    (`format_wait`, minutes after hours in two digits; none below zero)."""
    from usked_cli.rules.window import format_wait

    return format_wait(max(delta, timedelta(0)), padded=True)


def relative_start(start: datetime, now: datetime) -> str:
    """When `start` is, seen from `now`: "in 25 min", "in 1 h 05 min", "started 4 min ago"."""
    start, now = as_utc(start), as_utc(now)
    if start > now:
        delta = start - now
        return "starts now" if delta < timedelta(minutes=1) else f"in {until(delta)}"
    delta = now - start
    return "started now" if delta < timedelta(minutes=1) else f"started {until(delta)} ago"


def day_summary(assignments: Sequence[Shown], states: Sequence[DayState], now: datetime) -> str:
    """One line under the day: "4 assignments, 3 on Zoom, next in 25 min"."""
    count = len(assignments)
    if not count:
        return "no assignments"
    parts = [
        f"{count} assignment{'' if count == 1 else 's'}",
        f"{sum(1 for a in assignments if a.zoom)} on Zoom",
    ]
    upcoming = [a for a, s in zip(assignments, states, strict=True) if s is DayState.NEXT]
    running = [a for a, s in zip(assignments, states, strict=True) if s is DayState.NOW]
    if running:
        ends = min(as_utc(a.end) for a in running)
        parts.append(f"{len(running)} running (ends in {until(ends - as_utc(now))})")
    if upcoming:
        parts.append(f"next {relative_start(upcoming[0].start, now)}")
    elif not running and any(s is DayState.ENDED for s in states):
        parts.append("all over for the day")
    return ", ".join(parts)


def choose_users(
    flagged: Sequence[str] | None, every_user: bool, me: str | None
) -> list[str] | None:
    """Whose day to show: --user's users, else everyone with --all, else `me`, else everyone
    (None). The caller refuses --user with --all."""
    if flagged:
        return list(dict.fromkeys(flagged))
    if every_user or me is None:
        return None
    return [me]


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC, to compare and subtract as instants (ValueError when naive)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)
