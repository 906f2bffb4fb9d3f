"""Which assignments a window [start, end) holds: the one rule the parser and the cache share.

A timed assignment is in the window when its instants overlap it (a zero-length one when it
starts inside it). An all-day assignment is a span of calendar dates [first day, day after the
last), in no time zone: it is in the window when those dates overlap the window's dates, the
dates of its bounds in the zone they are given in (the display zone for `assignments list`),
the end bound being exclusive. So `--to 2026-11-27` (which ends at midnight starting the 28th)
holds an all-day event on the 27th and not one on the 28th, wherever the feed's midnight falls.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

__all__ = ["all_day_in_window", "timed_in_window", "window_days"]

_INSTANT = timedelta(microseconds=1)


def window_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and the last calendar date of [start, end), each in its bound's own zone."""
    return start.date(), max(start.date(), (end - _INSTANT).date())


def all_day_in_window(first_day: date, end_day: date, days: tuple[date, date]) -> bool:
    """Whether the dates [first_day, end_day) meet the window's dates (`window_days`).

    `end_day` is exclusive, as DTEND is; an end on or before the first day counts as one day.
    """
    end_day = max(end_day, first_day + timedelta(days=1))
    return first_day <= days[1] and end_day > days[0]


def timed_in_window(start: datetime, end: datetime, bounds: tuple[datetime, datetime]) -> bool:
    """Overlap with [bounds); a zero-length assignment counts when it starts inside them."""
    if start >= bounds[1]:
        return False
    return end > bounds[0] or (start == end and start >= bounds[0])
