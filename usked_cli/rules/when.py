"""WHEN phrases (`--from`, `--to`, `--at`) and durations (`--duration`).

Conventions (the CLI help repeats them):

* Input is case-insensitive and surrounding spaces are ignored.
* **Date-like** phrases name a day: an ISO date (`2026-12-01`), `today`, `tomorrow`, `yesterday`,
  `+3d` / `-2d` (days), `+2w` / `-1w` (weeks), and weekday names (`monday` or `mon`). They give
  midnight at the start of that day in the display timezone, or, with `end_of_day=True` (used for
  `--to`), midnight at the start of the *following* day, so `--to friday` includes all of Friday.
* A weekday means the next such day, **today included**: on a Monday, `monday` is today.
* Days and weeks are calendar arithmetic: the days are added to the date, then midnight of that
  date is placed in the zone. A day is never taken to be 24 hours (on a day when daylight saving
  time changes it is 23 or 25).
* **Time-like** phrases name an instant and ignore `end_of_day`: `now`, an ISO date and time
  (`2026-12-01T09:30`, `2026-12-01 09:30`, seconds optional), with an offset (`...Z`,
  `...+01:00`, `...-0600`) or without one (then it is a wall-clock time in the display timezone),
  and `+5h` / `-30m` (hours, minutes). Hours and minutes are elapsed time: `+5h` is five real
  hours from now, even across a daylight-saving change.
* A wall-clock time that does not exist (skipped when clocks spring forward) is read with the
  offset in force before the gap, so 02:30 on 2026-03-08 in America/Chicago is 03:30 CDT; a
  wall-clock time that happens twice (clocks fall back) is the first of the two. This is the rule of
  RFC 5545, which the iCalendar feeds follow too.
* A **day with a time** names that time of that day: `tomorrow 15:30`, `mon 9:00`,
  `today 14h`, `friday 2pm`, `+1d 8:15`, `2026-12-03 15:30`; a time alone (`15:30`, `9am`) is
  today's. Times are 24-hour `H:MM` or `HhMM` (`14h`, `14h30`), or 12-hour with am/pm.
  `need_time=True` (for `--at`, a meeting's start) refuses a day without a time: midnight is
  never what an admin means.
* Relative phrases need their sign (`+3d`, not `3d`), so that "in" and "ago" are never guessed.
* The result is always an aware datetime in the display timezone.

Durations: `90`, `90m`, `90min`, `2h`, `1h30m`, `1h 30min`, `1.5h` (decimal hours only when they
come to whole minutes: `1.25h` is 75 minutes, `1.33h` is refused). The result is a positive whole
number of minutes, at most a week.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only annotations need it; callers hand in the zone
    from zoneinfo import ZoneInfo

__all__ = [
    "DURATION_FORMS",
    "MAX_DURATION_MINUTES",
    "WHEN_FORMS",
    "is_day_only",
    "parse_duration_minutes",
    "parse_when",
]

#: The accepted forms, for error messages and the CLI help.
WHEN_FORMS = (
    "an ISO date (2026-12-01), an ISO date and time (2026-12-01T09:30, 2026-12-01 09:30, "
    "2026-12-01T15:30Z, 2026-12-01T09:30+01:00), now, today, tomorrow, yesterday, "
    "a signed offset (+3d, -2d, +2w, +5h, -30m) or a weekday (monday, mon), "
    "each day optionally with a time (tomorrow 15:30, mon 9:00, today 14h, fri 2pm)"
)
DURATION_FORMS = "minutes (90, 90m, 90min), hours (2h, 1.5h) or both (1h30m)"
#: The longest `--duration` accepted: a week, far beyond any meeting, but finite.
MAX_DURATION_MINUTES = 7 * 24 * 60

_WEEKDAYS = {
    name: number
    for number, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    for name in (full, full[:3])
}
_DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1}
# Pattern strings, not compiled patterns: `re` compiles (and caches) them on first use, so merely
# importing this module on the CLI's start-up path costs no regex compilation.
_ISO_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_ISO_DATETIME = r"(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2}))?\s*(z|[+-]\d{2}:?\d{2})?"
_RELATIVE = r"([+-])\s*(\d{1,6})\s*([dwhm])"
# A time of day: 15:30, 9:00, 14h, 14h30, 9am, 3:30pm (optionally after "at").
_TIME_OF_DAY = r"(?:at\s+)?(\d{1,2})(?:(?::|h)(\d{2})?)?\s*(am|pm)?"
_DAY_AND_TIME = r"(.+?)\s+" + _TIME_OF_DAY
# A bare number is minutes; "1h30" is 90 minutes.
_DURATION = (
    r"(?:(?P<hours>\d{1,6})(?:\.(?P<fraction>\d{1,6}))?\s*(?:h|hrs?|hours?))?"
    r"\s*(?:(?P<minutes>\d{1,6})\s*(?:m|mins?|minutes?)?)?"
)


#: The years a WHEN may name: wide for any schedule, narrow enough that adding a window or a
#: padding to it never leaves the range datetime can hold.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    end_of_day: bool = False,
    need_time: bool = False,
) -> datetime:
    """Read a WHEN phrase as an aware datetime in `tz` (see the module docstring for the forms).

    `now` must be aware; it is the only clock this function knows. Raises `ValueError` naming the
    accepted forms when `text` is none of them, or when it falls outside the years
    EARLIEST_YEAR..LATEST_YEAR.
    """
    if need_time and is_day_only(text):
        raise ValueError(
            f"{text.strip()!r} names a day, not a time; add the time, e.g. '{text.strip()} 09:30'"
        )
    try:
        moment = _parse_when(text, now=now, tz=tz, end_of_day=end_of_day)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(
            f"{text.strip()!r} is out of range (years {EARLIEST_YEAR} to {LATEST_YEAR})"
        )
    return moment


def is_day_only(text: str) -> bool:
    """Whether a WHEN phrase names a whole day (no time of day, not an instant like `now`)."""
    phrase = text.strip().lower()
    return (
        phrase in _DAY_WORDS
        or phrase in _WEEKDAYS
        or re.fullmatch(_ISO_DATE, phrase) is not None
        or ((match := re.fullmatch(_RELATIVE, phrase)) is not None and match.group(3) in "dw")
    )


def _parse_when(text: str, *, now: datetime, tz: ZoneInfo, end_of_day: bool) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    phrase = " ".join(text.strip().lower().split())
    local_now = now.astimezone(tz)
    today = local_now.date()

    # A time alone is today's; a bare number is not a time (it may be a typo for +3d).
    match = re.fullmatch(_TIME_OF_DAY, phrase)
    if match and (":" in phrase or "h" in phrase or match.group(3)):
        return _at_time(today, match, tz, text)
    if (match := re.fullmatch(_DAY_AND_TIME, phrase)) and is_day_only(match.group(1)):
        named_day = _parse_when(match.group(1), now=now, tz=tz, end_of_day=False).date()
        return _at_time(named_day, match, tz, text, first_group=2)

    if phrase == "now":
        return local_now
    if phrase in _DAY_WORDS:
        return _day_start(today + timedelta(days=_DAY_WORDS[phrase]), tz, end_of_day)
    if phrase in _WEEKDAYS:
        # Today counts: the number of days ahead is 0..6.
        ahead = (_WEEKDAYS[phrase] - today.weekday()) % 7
        return _day_start(today + timedelta(days=ahead), tz, end_of_day)

    if match := re.fullmatch(_RELATIVE, phrase):
        sign, digits, unit = match.groups()
        amount = int(digits) * (-1 if sign == "-" else 1)
        try:
            if unit in "dw":
                days = amount * 7 if unit == "w" else amount
                return _day_start(today + timedelta(days=days), tz, end_of_day)
            # Hours and minutes are elapsed time: add them to the instant, not to the wall clock.
            delta = timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount)
            return (now.astimezone(UTC) + delta).astimezone(tz)
        except OverflowError:
            raise ValueError(f"{text.strip()!r} is out of range") from None

    if match := re.fullmatch(_ISO_DATE, phrase):
        year, month, day = (int(part) for part in match.groups())
        try:
            return _day_start(date(year, month, day), tz, end_of_day)
        except ValueError:
            raise ValueError(f"{text.strip()!r} is not a valid date") from None

    if match := re.fullmatch(_ISO_DATETIME, phrase):
        return _iso_datetime(match, tz, text)

    raise ValueError(f"cannot read {text.strip()!r} as a time; use {WHEN_FORMS}")


def parse_duration_minutes(text: str) -> int:
    """Read a `--duration` as a positive whole number of minutes (see the module docstring)."""
    phrase = text.strip().lower()
    match = re.fullmatch(_DURATION, phrase)
    if match is None or not phrase:
        raise ValueError(f"cannot read {text.strip()!r} as a duration; use {DURATION_FORMS}")
    hours, fraction, minutes = match.group("hours", "fraction", "minutes")
    if fraction is not None and minutes is not None:
        # "1.5h30m" is more likely a typo than a sum.
        raise ValueError(f"cannot read {text.strip()!r} as a duration; use {DURATION_FORMS}")

    total = int(minutes or 0)
    if hours is not None:
        # Exact integer arithmetic for decimal hours: no float can turn 1.5h into 89.99999 minutes.
        digits = fraction or ""
        numerator = int(hours + digits) * 60
        denominator = 10 ** len(digits)
        if numerator % denominator:
            raise ValueError(f"{text.strip()!r} is not a whole number of minutes")
        total += numerator // denominator
    if total <= 0:
        raise ValueError(f"the duration must be positive, not {text.strip()!r}")
    if total > MAX_DURATION_MINUTES:
        raise ValueError(f"the duration {text.strip()!r} is longer than a week")
    return total


def _at_time(
    day: date, match: re.Match[str], tz: ZoneInfo, text: str, first_group: int = 1
) -> datetime:
    """`day` at the time of day that `match` (a _TIME_OF_DAY match) holds, placed in `tz`."""
    hour_text, minute_text, meridiem = match.group(first_group, first_group + 1, first_group + 2)
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text.strip()!r} has no {hour}{meridiem} (12-hour times run 1-12)")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(
            f"{text.strip()!r} has no {hour_text}:{minute_text or '00'} "
            "(hours run 0-23, minutes 0-59)"
        )
    return _localize(datetime.combine(day, time(hour, minute)), tz)


def _day_start(day: date, tz: ZoneInfo, end_of_day: bool) -> datetime:
    """Midnight at the start of `day` (or of the day after, for an end-of-day bound) in `tz`."""
    if end_of_day:
        day += timedelta(days=1)
    return _localize(datetime.combine(day, time(0), tzinfo=tz), tz)


def _localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """Place a wall-clock time in `tz`, resolving gaps and folds the RFC 5545 way.

    `fold=0` already picks the first of two repeated times, and for a skipped time it uses the
    offset before the gap; the round trip through UTC turns that into a time that really exists
    (02:30 CST on the spring-forward day becomes 03:30 CDT). Midnight exists in the America zones,
    but not everywhere (some zones have switched at midnight), hence the same care for days.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _iso_datetime(match: re.Match[str], tz: ZoneInfo, text: str) -> datetime:
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        wall = datetime(
            year=int(year),
            month=int(month),
            day=int(day),
            hour=int(hour),
            minute=int(minute),
            second=int(second or 0),
        )
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a valid date and time") from None
    if offset is None:
        return _localize(wall, tz)
    if offset == "z":
        zone: timezone = UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[-2:])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{text.strip()!r} has an invalid UTC offset")
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return wall.replace(tzinfo=zone).astimezone(tz)
