"""How dense a recurrence rule is, and how to start it later without changing its occurrences.

recurring_ical_events (through dateutil) walks a rule from its DTSTART to the end of the window
asked for, and returns every occurrence of the window in one list. For a rule such as
FREQ=MINUTELY from a DTSTART years back that is millions of steps, and hundreds of thousands of
occurrences in a year's window. The parser therefore

  - bounds how many occurrences a rule can make per day (`daily_rate`, an upper bound read from
    FREQ, INTERVAL and the BY* parts that multiply it), to ask for a window in pieces that hold
    at most a few thousand occurrences each; and
  - moves the rule's DTSTART forward by a whole number of its steps (INTERVAL x FREQ) to just
    before the piece asked for (`fast_forward`), so that the walk starts there.

Why moving by whole steps changes nothing: a rule's occurrences are the points of a grid that
starts at DTSTART and advances by its step on the wall clock (as dateutil steps it), each grid
period expanded and filtered by the BY* parts. What the BY* parts keep depends on the candidate's
own date and time (BYMONTH, BYHOUR, BYDAY, an ordinal BYDAY within its month or year, BYSETPOS
within the period), and what a rule takes from DTSTART when a part is missing (the time of day,
the weekday, the day of the month, the month) stays the same when DTSTART moves by whole steps:
a DAILY rule moves by whole days, WEEKLY by whole weeks, MONTHLY and YEARLY by whole months and
years (to a date that exists: 31 January moves to 31 March, not to 31 February). So the grid
points after the new start, and the occurrences they give, are the old ones. The new DTSTART is
an occurrence of its own (RFC 5545 counts DTSTART even when the rule would not give it); the
parser moves it to before the part of the window it asks for, where it does not count.

A rule that never gives an occurrence again (BYSETPOS=2 on periods that hold one candidate, 30
February, a BYMONTH its BYWEEKNO never meets) makes dateutil walk period after period to the
year 9999 looking for one: it checks UNTIL only against candidates it found. Its walk ends at
datetime.MAXYEAR, which it reads from its own reference to the datetime module at each year it
enters; `rule_walks_end_in` points that reference at a copy of the module with an earlier
MAXYEAR while a feed is parsed, so the walk ends a year after the window asked for.

A rule with COUNT is moved only when every grid point is one occurrence (no BY* parts, and for
MONTHLY or YEARLY a day of the month that every month has), its COUNT lowered by the points
skipped; a COUNT larger than the rule could reach by the window's end is no limit at all.
"""

from __future__ import annotations

import datetime as datetime_module
import threading
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "Forward",
    "daily_rate",
    "fast_forward",
    "grid_steps",
    "rule_walks_end_in",
    "uncountable",
    "walkable",
]

_STEP_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
}
_DAY = 86400
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
_BY_PARTS = (
    *_TIME_PARTS,
    "BYMONTH",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYDAY",
    "BYSETPOS",
)


@dataclass(frozen=True, slots=True)
class Forward:
    """A rule's DTSTART moved on: the new start, and the grid points (steps) skipped."""

    start: date
    steps: int


def _values(rule: Mapping[str, Any], name: str) -> list[Any]:
    value = rule.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def frequency(rule: Mapping[str, Any]) -> str:
    values = _values(rule, "FREQ")
    return str(values[0]).upper() if values else ""


def interval(rule: Mapping[str, Any]) -> int:
    values = _values(rule, "INTERVAL")
    try:
        return max(1, int(values[0])) if values else 1
    except (TypeError, ValueError):
        return 1


def daily_rate(rule: Mapping[str, Any]) -> float:
    """An upper bound on the occurrences the rule makes per day."""
    freq = frequency(rule)
    every = interval(rule)
    hours, minutes, seconds = (max(1, len(_values(rule, name))) for name in _TIME_PARTS)
    weekdays = len(_values(rule, "BYDAY"))
    if freq == "SECONDLY":
        rate = 86400 / every
    elif freq == "MINUTELY":
        rate = 1440 / every * seconds
    elif freq == "HOURLY":
        rate = 24 / every * minutes * seconds
    else:
        per_day = hours * minutes * seconds
        if freq == "DAILY":
            rate = per_day / every
        elif freq == "WEEKLY":
            rate = per_day * min(7, max(1, weekdays)) / (7 * every)
        elif freq == "MONTHLY":
            days = len(_values(rule, "BYMONTHDAY")) + 5 * weekdays
            rate = per_day * min(31, max(1, days)) / (28 * every)
        else:  # YEARLY (and anything unknown, which the parser refuses before)
            days = (
                len(_values(rule, "BYYEARDAY"))
                + 12 * len(_values(rule, "BYMONTHDAY"))
                + 53 * weekdays
                + 7 * len(_values(rule, "BYWEEKNO"))
            )
            months = len(_values(rule, "BYMONTH"))
            rate = per_day * min(366, max(1, days, months)) / (365 * every)
    return min(rate, 86400.0)


# The BY parts that make the candidates inside one period of a rule finer than a day.
_FINER_PARTS = {"SECONDLY": (), "MINUTELY": ("BYSECOND",), "HOURLY": ("BYMINUTE", "BYSECOND")}
# A rule finer than a day: the BY part of its own unit, the FREQ one unit up, and the BY parts
# of the coarser time units.
_UNITS = {
    "SECONDLY": ("BYSECOND", "MINUTELY", ("BYMINUTE", "BYHOUR")),
    "MINUTELY": ("BYMINUTE", "HOURLY", ("BYHOUR",)),
    "HOURLY": ("BYHOUR", "DAILY", ()),
}
_FULL = {"BYSECOND": list(range(60)), "BYMINUTE": list(range(60)), "BYHOUR": list(range(24))}


def walkable(rule: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The rule's parts rewritten to give the same occurrences at a fraction of dateutil's walk
    (the rule itself when nothing is to gain), or None when it can give no occurrence at all.

    dateutil walks a rule period by period of its FREQ, and looks for the next occurrence
    until it finds one (see rule_walks_end_in). Two kinds of rule finer than a day make that
    walk long for nothing:

    - BYSETPOS past the candidates of each period. A period of such a rule (a second, a
      minute, an hour) holds only the candidates of the BY parts finer than its FREQ: one for
      SECONDLY, its BYSECONDs for MINUTELY. A position past their count selects nothing in any
      period (FREQ=SECONDLY;BYSETPOS=2 would walk for hours); those are left out, and a
      BYSETPOS that selects every candidate is no filter and goes.
    - With INTERVAL 1, a rule visits every period of its FREQ, and a BY part of its own unit
      keeps the periods it names: FREQ=SECONDLY;BYSECOND=0 visits each second to keep one a
      minute, which is FREQ=MINUTELY;BYSECOND=0. Where only a coarser time part is given
      (SECONDLY;BYHOUR=9), the own unit's part is every value (BYSECOND=0..59, the same seconds)
      and the rule moves up the same way: it ends as FREQ=DAILY;BYHOUR=9;BYSECOND=0..59;
      BYMINUTE=0..59, walked a day at a time instead of 86,400 steps a day. COUNT and UNTIL
      count the same occurrences in the same order; a remaining BYSETPOS (per period) stops it.
    """
    parts = {str(name).upper(): _values(rule, name) for name in rule}
    freq = frequency(rule)
    changed = False
    positions = parts.get("BYSETPOS")
    if freq in _FINER_PARTS and positions:
        candidates = 1
        for name in _FINER_PARTS[freq]:
            candidates *= max(1, len(set(parts.get(name) or ())))
        reachable = []
        for position in positions:
            try:
                value = int(position)
            except (TypeError, ValueError):
                continue
            if 1 <= abs(value) <= candidates:
                reachable.append(value)
        if not reachable:
            return None
        selected = {p - 1 if p > 0 else candidates + p for p in reachable}
        if len(selected) == candidates:
            del parts["BYSETPOS"]
            changed = True
        elif len(reachable) < len(positions):
            parts["BYSETPOS"] = reachable
            changed = True
    if interval(rule) == 1 and not parts.get("BYSETPOS"):
        while freq in _UNITS:
            own, up, coarser = _UNITS[freq]
            if not parts.get(own):
                if not any(parts.get(name) for name in coarser):
                    break
                parts[own] = list(_FULL[own])
            freq = up
            parts["FREQ"] = [freq]
            changed = True
    return parts if changed else rule


# A period of each FREQ, the shortest month and year (the bound on steps is then an upper one).
_PERIOD_SECONDS = {**_STEP_SECONDS, "MONTHLY": 28 * _DAY, "YEARLY": 365 * _DAY}


def grid_steps(rule: Mapping[str, Any], days: float) -> float:
    """An upper bound on the periods dateutil steps through in `days` (its CPU, not the
    occurrences: FREQ=SECONDLY;INTERVAL=2;BYHOUR=0 gives one a day for 43,200 steps)."""
    period = _PERIOD_SECONDS.get(frequency(rule), _DAY) / _DAY
    return max(0.0, days) / (period * interval(rule))


def uncountable(rule: Mapping[str, Any]) -> bool:
    """A COUNT rule whose walk cannot be cut short: its BY parts leave some periods without an
    occurrence, so neither the COUNT nor fast_forward bounds the steps to the window."""
    return bool(_values(rule, "COUNT")) and any(_values(rule, name) for name in _BY_PARTS)


def fast_forward(rule: Mapping[str, Any], start: date, target: date) -> Forward | None:
    """`start` moved on by whole steps of the rule to the latest grid point at or before
    `target`, or None when the rule cannot be moved (or need not be).

    `start` and `target` are wall-clock values of the same kind: both dates, or datetimes
    (aware ones are compared on their own wall clocks).
    """
    if not _before(start, target):
        return None
    freq = frequency(rule)
    every = interval(rule)
    filtered = any(_values(rule, name) for name in _BY_PARTS)
    counted = bool(_values(rule, "COUNT"))
    if freq in _STEP_SECONDS:
        if counted and filtered:
            return None
        step = _STEP_SECONDS[freq] * every
        if not isinstance(start, datetime) and step % _DAY:
            return None  # a date rule steps by days; a finer one is not for dates
        steps = int(_seconds_between(start, target) // step)
        if steps <= 0:
            return None
        return Forward(start + timedelta(seconds=steps * step), steps)
    if freq in ("MONTHLY", "YEARLY"):
        if counted and (filtered or start.day > 28):
            return None
        step = every * (12 if freq == "YEARLY" else 1)
        months = (target.year - start.year) * 12 + target.month - start.month
        steps = months // step
        while steps > 0:
            moved = _add_months(start, steps * step)
            if moved is not None and _before(moved, target, inclusive=True):
                return Forward(moved, steps)
            steps -= 1
    return None


def _add_months(value: date, months: int) -> date | None:
    year, month = divmod(value.month - 1 + months, 12)
    try:
        return value.replace(year=value.year + year, month=month + 1)
    except ValueError:  # no such day in that month (31 April, 29 February), or past year 9999
        return None


def _before(first: date, second: date, *, inclusive: bool = False) -> bool:
    a, b = _wall(first), _wall(second)
    return a <= b if inclusive else a < b


def _wall(value: date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, datetime.min.time())


def _seconds_between(start: date, target: date) -> float:
    return (_wall(target) - _wall(start)).total_seconds()


_WALK_LOCK = threading.Lock()


@contextmanager
def rule_walks_end_in(year: int) -> Iterator[None]:
    """While inside: dateutil's rules stop looking for occurrences after the end of `year`.

    Occurrences up to then are the same; none later is asked for by the caller. A rule's
    cached occurrences (recurring_ical_events caches them) end there too: the rules made inside
    must not be asked beyond `year` after it. One at a time: the reference is module state.
    """
    import dateutil.rrule  # type: ignore[import-untyped]

    bounded = types.ModuleType("datetime")
    bounded.__dict__.update(vars(datetime_module))
    last = max(datetime_module.MINYEAR, min(year, datetime_module.MAXYEAR))
    bounded.MAXYEAR = last  # type: ignore[attr-defined]
    with _WALK_LOCK:
        saved = dateutil.rrule.datetime
        dateutil.rrule.datetime = bounded
        try:
            yield
        finally:
            dateutil.rrule.datetime = saved
