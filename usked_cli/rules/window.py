"""The host-link window: when an assignment's Zoom host link may be handed out.

Conventions (the CLI help repeats them):

* The window belongs to the assignment's **next occurrence that has not ended**: the
  earliest-starting occurrence whose end is after `now` (ties: the one that ends first). For a
  recurring assignment that is the current occurrence while it runs, then the next one.
  Overlapping occurrences (rare) do not change the rule: the earliest start among those not ended
  wins.
* The window opens `lead_minutes` before that occurrence's start and closes at its end:
  **`opens <= now < closes`** is open. Open at exactly the opening instant; over at exactly the end
  (an occurrence that ends at `now` has ended, so the next one is considered).
* All arithmetic is on instants, never on wall clocks: a lead of 120 minutes before 03:30 CDT on
  the day clocks spring forward is 00:30 CST (two real hours), not 01:30. `opens` is in the zone
  of the occurrence's start.
* `format_wait` truncates to whole minutes (an "in 45 min" wait is at least 45 minutes; the absolute
  opening time printed next to it is exact), drops minutes once the wait is a day or more, and
  says "less than a minute" below one minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

__all__ = [
    "HostLinkWindow",
    "WindowState",
    "format_wait",
    "host_link_opens",
    "host_link_window",
]


class WindowState(StrEnum):
    """Whether the host link may be handed out now."""

    OPEN = "open"
    NOT_YET = "not_yet"


@dataclass(frozen=True, slots=True)
class HostLinkWindow:
    """The window of one occurrence, seen from one `now`.

    `opens` and `closes` are in the timezone of the occurrence; `wait` is how long until the window
    opens (zero once it is open).
    """

    occurrence_start: datetime
    occurrence_end: datetime
    opens: datetime
    closes: datetime
    state: WindowState
    wait: timedelta

    @property
    def is_open(self) -> bool:
        return self.state is WindowState.OPEN

    def time_until_opens(self, now: datetime) -> timedelta:
        """How long from `now` until the window opens; zero when it is already open."""
        return max(timedelta(0), _utc(self.opens, "opens") - _utc(now, "now"))


def host_link_opens(start: datetime, lead_minutes: int) -> datetime:
    """The instant `lead_minutes` before `start`, in `start`'s timezone (elapsed minutes)."""
    if lead_minutes < 0:
        raise ValueError(f"the lead time must not be negative, not {lead_minutes}")
    tz = start.tzinfo
    # Subtracting from an aware datetime works on its wall clock; go through UTC for real minutes.
    return (_utc(start, "start") - timedelta(minutes=lead_minutes)).astimezone(tz)


def host_link_window(
    occurrences: Sequence[tuple[datetime, datetime]], *, now: datetime, lead_minutes: int
) -> HostLinkWindow | None:
    """The window of the next occurrence that has not ended, or None when every one has ended.

    `occurrences` are (start, end) pairs of aware datetimes in any order. An occurrence whose end is
    before its start is refused with `ValueError`.
    """
    now_utc = _utc(now, "now")
    best: tuple[datetime, datetime, datetime, datetime] | None = None
    for start, end in occurrences:
        start_utc, end_utc = _utc(start, "occurrence start"), _utc(end, "occurrence end")
        if end_utc < start_utc:
            raise ValueError(
                f"an occurrence ends ({end.isoformat()}) before it starts ({start.isoformat()})"
            )
        if end_utc <= now_utc:
            continue  # over: an occurrence ending exactly now has ended
        if best is None or (start_utc, end_utc) < (best[0], best[1]):
            best = (start_utc, end_utc, start, end)
    if best is None:
        return None

    _, end_utc, start, end = best
    opens = host_link_opens(start, lead_minutes)
    opens_utc = _utc(opens, "opens")
    is_open = opens_utc <= now_utc  # and now < end, known from the selection above
    return HostLinkWindow(
        occurrence_start=start,
        occurrence_end=end,
        opens=opens,
        closes=end,
        state=WindowState.OPEN if is_open else WindowState.NOT_YET,
        wait=timedelta(0) if is_open else opens_utc - now_utc,
    )


def format_wait(delta: timedelta, *, padded: bool = False) -> str:
    """A wait for people: "2 d 3 h", "1 h 12 min", "1 h", "45 min", "less than a minute";
    `padded`: minutes after hours in two digits ("1 h 05 min")."""
    if delta < timedelta(0):
        raise ValueError("a wait cannot be negative")
    minutes = delta // timedelta(minutes=1)  # integer floor, no float rounding
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        if not minutes:
            return f"{hours} h"
        return f"{hours} h {minutes:02} min" if padded else f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return "less than a minute"


def _utc(moment: datetime, what: str) -> datetime:
    """`moment` as UTC; comparing aware datetimes that share a tzinfo would ignore DST folds."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment.astimezone(UTC)
