"""Differential test: the parser lists what icalendar + recurring_ical_events make of a calendar.

For every calendar of the tests (tests/feeds/calendars.py, the fixtures and the inline feeds of
test_ical.py) and for generated ones, `parse_feed` must list the same occurrences at the same
instants as the reference, `recurring_ical_events.of(icalendar.Calendar.from_ical(data))`, with
the cancelled ones (STATUS:CANCELLED) left out. Occurrences are compared as a multiset of
(UID, start, end): instants in UTC for timed ones, dates for all-day ones.

How the reference is read, the same way for every calendar:
  - floating times: where the calendar has an X-WR-TIMEZONE, of() itself places them there (it
    runs x_wr_timezone.to_standard); elsewhere the reference leaves them naive, and they are read
    here in the parser's configured zone (`default_tz`), which is what the parser does;
  - all-day occurrences are compared by their dates: the parser anchors them at midnight in that
    same zone, the reference gives dates;
  - the window: the reference is asked for the window widened by MARGIN on each side and then
    cut by the rule the parser documents (usked_cli.feeds.window: instants for timed
    occurrences, the bounds' dates for all-day ones). recurring_ical_events compares floating
    times and dates in the zone of the bounds it is given, so its own cut differs at the edges
    on purpose; the occurrences themselves are the reference's;
  - icalendar caches a file's custom VTIMEZONEs per process, the first definition of a TZID
    winning: the cache is reset before each reading, as the parser does, so that the reference
    reads each calendar as a process of its own would.

Where the two legitimately differ, a case says so precisely, and the comparison is made against
the reference run on a *normalised copy* of the calendar: the same calendar with the one thing
the reference cannot read rewritten the way the parser reads it. So an exception is still a
check: each case also states exactly which UIDs differ on the calendar as written (or that the
reference cannot read it at all), which shows the exception is needed and covers nothing else.
The exceptions (see the normalisers below for the why of each):
  - TZIDs the reference cannot resolve and reads as floating (Outlook display names, TZIDs with
    stray blanks, another case, a legacy spelling, `UTC+01`, a VTIMEZONE's TZID in another case):
    replaced by the zone the parser resolves them to (`Tzids`);
  - a VTIMEZONE without TZNAME (as Outlook writes them) on a calendar with X-WR-TIMEZONE:
    x_wr_timezone takes a zone without a name for floating and moves the time into
    X-WR-TIMEZONE; the copy gets TZNAMEs (`Tznames`);
  - several VCALENDARs in one file: icalendar refuses the file; the copy is one VCALENDAR
    (`OneCalendar`);
  - one UID on several events without RECURRENCE-ID: the reference keeps one; the parser lists
    every distinct one (identical copies once, the highest SEQUENCE); the copy gives each distinct
    event a UID of its own (`DistinctUids`);
  - an end before the start: the reference swaps start and end; the parser keeps the start and
    takes DURATION, else one hour (a day when all-day); the copy says so (`Lengths`);
  - an all-day DTEND equal to its DTSTART: zero days for the reference, one day for the parser
    (what its producers mean); the copy drops that DTEND (`Lengths` with None);
  - events the parser skips (no or bad DTSTART, bad RRULE) and lines it drops: icalendar
    refuses the whole file; the copy leaves out what the parser's warnings name (`Drop`);
  - an event without UID: the reference cannot group it; the copy gets the UID the parser's
    warning says it used (`MissingUids`);
  - a DURATION with hours across a clock change: exact time for the parser (RFC 5545 3.3.6),
    wall-clock time for the reference; its ends are read as RFC 5545 says (`ExactDurations`);
  - a zoned series' RECURRENCE-ID or EXDATE in UTC on a calendar with X-WR-TIMEZONE: the
    reference moves it into that zone and then matches it by wall clock too, hitting another
    occurrence; the copy writes it in the series' zone (`ZonedIds`);
  - a floating series' UNTIL on a calendar with X-WR-TIMEZONE: the reference reads it as UTC
    once x_wr_timezone has placed DTSTART in the zone; the copy writes it in UTC
    (`FloatingUntils`);
  - a series with more than MAX_OCCURRENCES occurrences in the window: the parser lists the
    first MAX_OCCURRENCES; compared with the reference's first MAX_OCCURRENCES (`capped`; the
    case sets the cap at 200, so that the reference expands a few hundred, not thousands).
Unknown TZIDs (`Mars/Olympus_Mons`) need no exception: both read them as floating.

The property tests generate calendars (times zoned by tz database, Windows or the file's own
VTIMEZONE, UTC, floating and all-day, at any hour, the clocks' changes included; DAILY, WEEKLY and
MONTHLY rules with BYDAY or BYMONTHDAY, COUNT or UNTIL; EXDATE and RDATE, in UTC too; moved and
cancelled overrides; cancelled series; X-WR-TIMEZONE), and dense rules whose DTSTART lies far
back, and compare them with the reference reading a copy with the exceptions that can arise in
them (Tznames, ExactDurations, FloatingUntils; UTC ids only without X-WR-TIMEZONE, see ZonedIds).

Not compared: an EXDATE or RECURRENCE-ID in an hourly (or faster) series. recurring_ical_events
matches them by wall clock and by UTC time alike, so in a zone an offset of whole steps away
from UTC one also removes or replaces the occurrences that far off (EXDATE 05:30 in Berlin
removes 04:30, 05:30 and 06:30); the parser expands series with that library and does the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar.timezone import tzp

from tests.feeds.calendars import (
    ALL_DAY_EDGE,
    BARE_VEVENT,
    DUPLICATE_UIDS,
    EXCHANGE_NO_VTIMEZONE,
    EXCHANGE_QUOTED_VTIMEZONE,
    GOOGLE,
    HOURLY_UNBOUNDED,
    MOZILLA,
    ODD_TZIDS,
    OFFICE365_DISPLAY_NAMES,
    PRODUCERS,
    TWO_VCALENDARS,
    ZOOM_INVITATION,
    Calendar,
    ics,
    vtimezone_us,
)
from usked_cli.feeds import ical
from usked_cli.feeds.ical import MAX_OCCURRENCES, ParseResult, _FeedReader, parse_feed
from usked_cli.feeds.window import all_day_in_window, timed_in_window, window_days

# icalendar says it guesses what "/<vendor>/<Olson name>" TZIDs mean; the parser says nothing
pytestmark = pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "feeds"
CHICAGO = ZoneInfo("America/Chicago")
# A second configured zone, far from every zone the calendars name and without DST: floating
# times read in the wrong zone, or a TZID read as floating, cannot pass by coincidence there.
KOLKATA = ZoneInfo("Asia/Kolkata")
MARCH_2025 = (datetime(2025, 3, 1, tzinfo=CHICAGO), datetime(2025, 4, 1, tzinfo=CHICAGO))
MARGIN = timedelta(days=1)

EXACT_DURATION = "X-DIFFERENTIAL-EXACT-DURATION"  # see ExactDurations
# (UID, start, end): UTC instants for a timed occurrence, dates for an all-day one.
Key = tuple[str, date, date]

# -- the two readings ---------------------------------------------------------------------------


def read(data: bytes, window: tuple[datetime, datetime], default_tz: ZoneInfo) -> ParseResult:
    return parse_feed(
        data,
        user="ana",
        window_start=window[0],
        window_end=window[1],
        default_tz=default_tz,
        source="feed.ics",
    )


def read_watching_dense(
    data: bytes,
    window: tuple[datetime, datetime],
    default_tz: ZoneInfo,
    scale: dict[str, int] | None = None,
) -> tuple[ParseResult, list[str]]:
    """`read`, and the UIDs of the series the parser expanded the dense way (recurrence.py).

    `scale`: the parser's limits (MAX_OCCURRENCES, _DENSE_WALK) set lower for the read, so that
    the dense way and the cap are compared on a few hundred occurrences, not many thousands."""
    dense: list[str] = []
    expand = _FeedReader._dense_occurrences

    def watched(reader: _FeedReader, master: Any, *args: Any) -> Any:
        dense.append(str(master[2]["UID"]))
        return expand(reader, master, *args)

    with ExitStack() as stack:
        stack.enter_context(patch.object(_FeedReader, "_dense_occurrences", watched))
        for name, value in (scale or {}).items():
            stack.enter_context(patch.object(ical, name, value))
        return read(data, window, default_tz), dense


def tool_keys(result: ParseResult) -> Counter[Key]:
    keys: Counter[Key] = Counter()
    for a in result.assignments:
        if a.all_day:
            keys[(a.uid, a.start.date(), a.end.date())] += 1
        else:
            keys[(a.uid, a.start.astimezone(UTC), a.end.astimezone(UTC))] += 1
    return keys


def reference_keys(
    data: bytes,
    window: tuple[datetime, datetime],
    default_tz: ZoneInfo,
    capped: Iterable[str] = (),
    cap: int = MAX_OCCURRENCES,
) -> Counter[Key]:
    """What icalendar + recurring_ical_events list in the window, cancelled ones left out.

    A UID in `capped` keeps only its first `cap` occurrences in the window, by start.
    UIDs ending in DistinctUids.SUFFIX + n are read as the UID before it.
    """
    # icalendar caches a file's custom VTIMEZONEs per process by TZID, first definition wins:
    # reset, as for a process that reads only this calendar (the parser does the same).
    tzp.use_zoneinfo()
    calendar = icalendar.Calendar.from_ical(data)
    occurrences = recurring_ical_events.of(calendar).between(window[0] - MARGIN, window[1] + MARGIN)
    bounds = (window[0].astimezone(UTC), window[1].astimezone(UTC))
    days = window_days(*window)
    listed: list[tuple[datetime, Key]] = []
    for occurrence in occurrences:
        if str(occurrence.get("STATUS", "")).strip().upper() == "CANCELLED":
            continue
        uid = str(occurrence["UID"]).split(DistinctUids.SUFFIX)[0]
        start = occurrence["DTSTART"].dt
        end = occurrence["DTEND"].dt if "DTEND" in occurrence else start
        if not isinstance(start, datetime):
            if all_day_in_window(start, end, days):
                midnight = datetime.combine(start, time(), tzinfo=default_tz)
                listed.append((midnight.astimezone(UTC), (uid, start, end)))
            continue
        start, end = (
            moment if moment.tzinfo is not None else moment.replace(tzinfo=default_tz)
            for moment in (start, end)
        )
        exact = occurrence.get(EXACT_DURATION)
        if exact is not None:
            length = icalendar.vDuration.from_ical(str(exact))
            if end - start == length:  # the end came from DURATION (not an RDATE's period)
                nominal = start + timedelta(days=length.days)
                end = nominal.astimezone(UTC) + timedelta(seconds=length.seconds)
        if timed_in_window(start, end, bounds):
            listed.append(
                (start.astimezone(UTC), (uid, start.astimezone(UTC), end.astimezone(UTC)))
            )
    listed.sort(key=lambda item: item[0])
    keys: Counter[Key] = Counter()
    per_uid: Counter[str] = Counter()
    for _, key in listed:
        per_uid[key[0]] += 1
        if key[0] in capped and per_uid[key[0]] > cap:
            continue
        keys[key] += 1
    return keys


def differing_uids(tool: Counter[Key], reference: Counter[Key]) -> set[str]:
    return {key[0] for key in (tool - reference) + (reference - tool)}


def floating_tzids(data: bytes) -> set[str]:
    """The TZIDs of events' times that icalendar leaves without a zone (it cannot resolve)."""
    found: set[str] = set()
    tzp.use_zoneinfo()
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
            value = event.get(name)
            for prop in value if isinstance(value, list) else [value] if value else []:
                tzid = prop.params.get("TZID")
                times = [item.dt for item in prop.dts] if hasattr(prop, "dts") else [prop.dt]
                if tzid and any(isinstance(t, datetime) and t.tzinfo is None for t in times):
                    found.add(str(tzid))
    return found


# -- normalisers: the one thing the reference cannot read, written as the parser reads it ------


def unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return re.sub(r"\r?\n[ \t]", "", text).splitlines()


def refold(lines: list[str]) -> bytes:
    return ics("\n".join(lines))


def event_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each top-level VEVENT."""
    blocks: list[tuple[int, int]] = []
    start = None
    for index, line in enumerate(lines):
        if line.strip().upper() == "BEGIN:VEVENT" and start is None:
            start = index
        elif line.strip().upper() == "END:VEVENT" and start is not None:
            blocks.append((start, index))
            start = None
    return blocks


_HEAD = re.compile(r'^((?:[^:"]|"[^"]*")*):(.*)$')


def split_line(line: str) -> tuple[str, str] | None:
    """A content line's name and parameters, and its value (a colon in quotes is a parameter's)."""
    match = _HEAD.match(line)
    return (match.group(1), match.group(2)) if match else None


def property_of(lines: list[str], name: str) -> str | None:
    for line in lines:
        parts = split_line(line)
        if parts and parts[0].split(";")[0].upper() == name:
            return parts[1]
    return None


def each_event(lines: list[str], change: Callable[[int, list[str]], list[str]]) -> list[str]:
    """The lines with each top-level VEVENT's lines (numbered from 0) replaced by `change`'s."""
    out: list[str] = []
    position = 0
    for number, (first, last) in enumerate(event_blocks(lines)):
        out.extend(lines[position:first])
        out.extend(change(number, lines[first : last + 1]))
        position = last + 1
    return out + lines[position:]


class Normaliser:
    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Tzids(Normaliser):
    """TZIDs icalendar cannot resolve and reads as floating, each replaced by the zone the parser
    resolves it to (usked_cli.feeds.zones). A value of None: nobody knows the zone (both read
    the times as floating), left as written. The test checks that icalendar leaves exactly
    these TZIDs without a zone."""

    zones: dict[str, str | None]

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        def replace(match: re.Match[str]) -> str:
            written = match.group(1)
            wanted = self.zones.get(written.strip('"'))
            return f";TZID={wanted}" if wanted else match.group(0)

        out = []
        for line in lines:
            parts = split_line(line)
            if parts is None or parts[0].upper().startswith("TZID"):
                out.append(line)
                continue
            head, value = parts
            out.append(re.sub(r';TZID=("[^"]*"|[^;]*)', replace, head) + ":" + value)
        return out


@dataclass(frozen=True)
class Tznames(Normaliser):
    """A TZNAME in each STANDARD/DAYLIGHT of a VTIMEZONE that has none (Outlook writes none).

    x_wr_timezone (run by of() on a calendar with X-WR-TIMEZONE) reads a time whose zone has no
    name as floating and moves it into X-WR-TIMEZONE; the parser keeps the zone. The names change
    no offset."""

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        out: list[str] = []
        part: list[str] | None = None
        for line in lines:
            key = line.strip().upper()
            if key in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
                part = [line]
                continue
            if part is not None:
                part.append(line)
                if key in ("END:STANDARD", "END:DAYLIGHT"):
                    if property_of(part, "TZNAME") is None:
                        part.insert(-1, f"TZNAME:{key[4:7]}")
                    out.extend(part)
                    part = None
                continue
            out.append(line)
        return out


@dataclass(frozen=True)
class OneCalendar(Normaliser):
    """Several VCALENDARs in one file as one (the parser reads them so: the first calendar's
    X-WR-TIMEZONE holds for the file); icalendar refuses such a file."""

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        keys = [line.strip().upper() for line in lines]
        first = keys.index("BEGIN:VCALENDAR")
        last = len(keys) - 1 - keys[::-1].index("END:VCALENDAR")
        inner = [
            line
            for index, line in enumerate(lines)
            if first < index < last and keys[index] not in ("BEGIN:VCALENDAR", "END:VCALENDAR")
        ]
        # the headers of the later calendars (VERSION, PRODID) are harmless repeats
        return [lines[first], *inner, lines[last]]


@dataclass(frozen=True)
class DistinctUids(Normaliser):
    """One UID on several events without RECURRENCE-ID: the reference keeps one event (the last
    one read). The parser lists each distinct one (another start or summary) and of identical
    copies the one with the highest SEQUENCE (usked_cli.feeds.ical). The copy keeps those and
    gives each but the first a UID of its own, read back as the shared UID."""

    SUFFIX = "#copy-"
    uids: frozenset[str]

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        blocks = event_blocks(lines)
        chosen: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
        dropped: set[int] = set()
        for number, (first, last) in enumerate(blocks):
            block = lines[first : last + 1]
            uid = property_of(block, "UID") or ""
            if uid not in self.uids or property_of(block, "RECURRENCE-ID") is not None:
                continue
            start_line = next(line for line in block if line.upper().startswith("DTSTART"))
            key = (start_line, (property_of(block, "SUMMARY") or "").strip())
            sequence = int(property_of(block, "SEQUENCE") or 0)
            known = chosen.setdefault(uid, {}).get(key)
            if known is None or (sequence, number) > (known[0], known[1]):
                if known is not None:
                    dropped.add(known[1])
                chosen[uid][key] = (sequence, number)
            else:
                dropped.add(number)
        renamed: dict[int, str] = {}
        for uid, copies in chosen.items():
            for index, (_, number) in enumerate(sorted(copies.values(), key=lambda c: c[1])):
                if index:
                    renamed[number] = f"{uid}{self.SUFFIX}{index}"

        def change(number: int, block: list[str]) -> list[str]:
            if number in dropped:
                return []
            if number not in renamed:
                return block
            return [f"UID:{renamed[number]}" if line.startswith("UID:") else line for line in block]

        return each_event(lines, change)


@dataclass(frozen=True)
class Lengths(Normaliser):
    """Events whose end the parser reads otherwise than their DTEND: the copy's DTEND/DURATION
    replaced by the DURATION the parser takes (None: no DTEND, an all-day event's one day).

    An end before the start: recurring_ical_events swaps start and end; the parser keeps the
    start and takes DURATION, else one hour (one day when all-day), with a warning. An all-day
    DTEND equal to DTSTART: zero days for the reference, one day for the parser."""

    durations: dict[str, str | None]

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        def change(number: int, block: list[str]) -> list[str]:
            uid = property_of(block, "UID") or ""
            if uid not in self.durations:
                return block
            kept = [
                line for line in block if re.split("[;:]", line)[0] not in ("DTEND", "DURATION")
            ]
            duration = self.durations[uid]
            return [*kept[:-1], f"DURATION:{duration}", kept[-1]] if duration else kept

        return each_event(lines, change)


@dataclass(frozen=True)
class Drop(Normaliser):
    """Events the parser skips (with a warning naming each UID) and lines it drops as unreadable:
    icalendar refuses the whole file for any of them. The test checks the parser's warnings name
    exactly these."""

    uids: frozenset[str] = frozenset()
    lines: frozenset[str] = frozenset()

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        skipped = set(re.findall(r": skipped event (\S+) ", "\n".join(result.warnings)))
        assert skipped == set(self.uids)
        for line in self.lines:
            assert any(line in warning for warning in result.warnings), line
        kept = each_event(
            lines, lambda number, block: [] if property_of(block, "UID") in self.uids else block
        )
        return [line for line in kept if line not in self.lines]


@dataclass(frozen=True)
class FloatingUntils(Normaliser):
    """A floating series' UNTIL (a floating time, as RFC 5545 wants it there) on a calendar with
    X-WR-TIMEZONE: x_wr_timezone places the series' DTSTART in that zone but not its UNTIL, and
    recurring_ical_events then reads the UNTIL as UTC, hours off (it drops a last occurrence
    that UNTIL names). The parser reads UNTIL on the same wall clock as DTSTART. The copy writes
    the UNTIL in UTC: the same wall time in X-WR-TIMEZONE."""

    zone: str

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        def utc(match: re.Match[str]) -> str:
            wall = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
            instant = wall.replace(tzinfo=ZoneInfo(self.zone)).astimezone(UTC)
            return f"UNTIL={instant:%Y%m%dT%H%M%S}Z"

        return [
            re.sub(r"UNTIL=(\d{8}T\d{6})(?![\dZ])", utc, line)
            if line.upper().startswith("RRULE")
            else line
            for line in lines
        ]


@dataclass(frozen=True)
class ExactDurations(Normaliser):
    """Events whose end comes from a DURATION with hours, minutes or seconds: RFC 5545 3.3.6 makes
    those exact time (the parser adds them to the instant, for single events and series alike);
    recurring_ical_events adds them on the wall clock, an hour off across a clock change. No
    rewriting of a series expresses exact time per occurrence, so the copy marks such events
    (EXACT_DURATION, a property the reference copies to each occurrence) and `reference_keys`
    takes their occurrences' ends as RFC 5545 says: days on the wall clock, the rest exact."""

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        def change(number: int, block: list[str]) -> list[str]:
            duration = property_of(block, "DURATION")
            if duration is None or property_of(block, "DTEND") is not None:
                return block
            return [*block[:-1], f"{EXACT_DURATION}:{duration}", block[-1]]

        return each_event(lines, change)


@dataclass(frozen=True)
class ZonedIds(Normaliser):
    """A zoned series' RECURRENCE-ID or EXDATE written in UTC, on a calendar with X-WR-TIMEZONE:
    x_wr_timezone moves the UTC time into X-WR-TIMEZONE, and recurring_ical_events matches
    recurrence ids by their wall clock as well as by their instant, so the moved one also
    names an occurrence whose wall clock in the series' own zone reads the same (an override
    then replaces, or an EXDATE removes, an occurrence it does not name). The parser keeps the
    UTC time and matches the instant. The copy writes it in the series' TZID (`zone`)."""

    uids: frozenset[str]
    zone: str

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        def zoned(line: str) -> str:
            parts = split_line(line)
            if parts is None or parts[0].upper() not in ("RECURRENCE-ID", "EXDATE"):
                return line
            instant = datetime.strptime(parts[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            wall = instant.astimezone(ZoneInfo(self.zone))
            return f"{parts[0]};TZID={self.zone}:{wall:%Y%m%dT%H%M%S}"

        return each_event(
            lines,
            lambda number, block: (
                [zoned(line) for line in block] if property_of(block, "UID") in self.uids else block
            ),
        )


@dataclass(frozen=True)
class MissingUids(Normaliser):
    """Events without a UID: the reference cannot group them (a KeyError); the copy gets the UID
    the parser's warnings say it used, in the order of the events."""

    def __call__(self, lines: list[str], result: ParseResult) -> list[str]:
        given = re.findall(r"has no UID; using (\S+)", "\n".join(result.warnings))
        assert given

        def change(number: int, block: list[str]) -> list[str]:
            if property_of(block, "UID") is not None:
                return block
            return [block[0], f"UID:{given.pop(0)}", *block[1:]]

        out = each_event(lines, change)
        assert not given
        return out


# -- the calendars ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    window: tuple[datetime, datetime]
    default_tz: ZoneInfo
    normalise: tuple[Normaliser, ...] = ()
    # UIDs whose occurrences differ between the two on the calendar as written (in default_tz);
    # None: the reference cannot read the calendar as written at all.
    differs: frozenset[str] | None = frozenset()
    capped: frozenset[str] = frozenset()
    scale: dict[str, int] = field(default_factory=dict)  # see read_watching_dense
    dense: bool = False  # expanded the dense way (usked_cli.feeds.recurrence); checked
    floating: bool = False  # a dense case with floating times: compared in KOLKATA too
    tzids: dict[str, str | None] = field(default_factory=dict)

    @property
    def cap(self) -> int:
        return self.scale.get("MAX_OCCURRENCES", MAX_OCCURRENCES)

    def normalised(self, result: ParseResult) -> bytes:
        steps: list[Normaliser] = list(self.normalise)
        if self.tzids:
            steps.insert(0, Tzids(self.tzids))
        if not steps:
            return self.data
        lines = unfold(self.data)
        for step in steps:
            lines = step(lines, result)
        return refold(lines)


def case(calendar: Calendar, **options: Any) -> Case:
    return Case(calendar.name, calendar.data, calendar.window, calendar.default_tz, **options)


def fixture(name: str, window: tuple[datetime, datetime] = MARCH_2025, **options: Any) -> Case:
    data = (FIXTURES / name).read_bytes()
    return Case(name, data, window, CHICAGO, **options)


def feed(*events: str, header: str = "") -> bytes:
    """An inline calendar: each event is the lines between BEGIN:VEVENT and END:VEVENT."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", header]
    for event in events:
        lines += ["BEGIN:VEVENT", event, "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ics("\n".join(lines))


def inline(name: str, data: bytes, **options: Any) -> Case:
    return Case(name, data, MARCH_2025, CHICAGO, **options)


OUTLOOK_EUROPE = "Europe/Amsterdam"  # what the parser reads "(UTC+01:00) Amsterdam, Berlin, ..."
CUSTOM_ZONE = feed(
    "UID:custom\nDTSTART;TZID=Customized Time Zone:20250311T090000\nSUMMARY:Request #1",
    header="""
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
END:VTIMEZONE
""",
)

# 52,160 minutes from 17 February 00:00 in Chicago, the wall clock passing 9 March's change
COUNTED_MINUTELY = feed(
    "UID:counted\nDTSTART;TZID=America/Chicago:20250217T000000\nDURATION:PT1M\n"
    "RRULE:FREQ=MINUTELY;COUNT=52160"
)
COUNTED_MINUTELY_WINDOW = (
    datetime(2025, 3, 24, 18, tzinfo=CHICAGO),
    datetime(2025, 3, 25, 6, tzinfo=CHICAGO),
)

CASES = [
    # -- tests/feeds/calendars.py: as their producers write them
    case(EXCHANGE_NO_VTIMEZONE),  # icalendar maps Windows names itself
    case(
        EXCHANGE_QUOTED_VTIMEZONE,
        # the VTIMEZONE's TZID in another case: icalendar matches TZIDs exactly
        tzids={"customized time zone": "Customized Time Zone"},
        differs=frozenset({"custom-zone-other-case@exchange"}),
    ),
    case(
        OFFICE365_DISPLAY_NAMES,
        # Outlook display names: not in CLDR, nor anything icalendar knows
        tzids={
            "(UTC-05:00) Eastern Time (US & Canada)": "America/New_York",
            "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": OUTLOOK_EUROPE,
            "(GMT +01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": OUTLOOK_EUROPE,
            # known by its offset alone: the parser's guess (said in a warning), a fixed offset
            "(UTC-03:00) Brasilia": "Etc/GMT+3",
        },
        differs=frozenset(
            {
                "o365-eastern@outlook",
                "o365-berlin-weekly@outlook",
                "o365-old-gmt@outlook",
                "o365-brasilia@outlook",
            }
        ),
    ),
    case(MOZILLA),
    case(GOOGLE),  # of() moves the UTC series into X-WR-TIMEZONE too (x_wr_timezone)
    case(
        ODD_TZIDS,
        tzids={
            " America/Denver ": "America/Denver",
            "US-Eastern": "America/New_York",
            "america/los_angeles": "America/Los_Angeles",
            # floating in the configured Chicago gives the same times: not in `differs`
            "(GMT-06.00) Central Time (US & Canada)": "America/Chicago",
            # on a RECURRENCE-ID: floating 10:00 still names the 10:00 Berlin occurrence
            "UTC+01": "Etc/GMT-1",
            "Mars/Olympus_Mons": None,  # nobody knows it: floating for both
        },
        differs=frozenset({"stray-blanks@zimbra", "legacy-name@zimbra", "wrong-case@zimbra"}),
    ),
    case(BARE_VEVENT),  # icalendar reads a lone VEVENT, and of() expands it
    case(TWO_VCALENDARS, normalise=(OneCalendar(),), differs=None),
    case(HOURLY_UNBOUNDED),
    case(
        DUPLICATE_UIDS,
        normalise=(DistinctUids(frozenset({"shared@icloud", "resent@icloud"})),),
        differs=frozenset({"shared@icloud"}),  # the reference keeps one of three
    ),
    case(ALL_DAY_EDGE),
    case(ZOOM_INVITATION),
    # -- tests/fixtures/feeds (test_ical.py)
    fixture("usked_assignments.ics"),
    fixture("outlook_windows_zones.ics"),
    fixture("google_recurring.ics", (MARCH_2025[0], datetime(2025, 5, 1, tzinfo=CHICAGO))),
    fixture(
        "xwr_timezone_trap.ics",
        normalise=(Tznames(),),
        differs=frozenset(
            {"own-vtimezone-without-tzname", "recurring-own-zone", "custom-offset-zone"}
        ),
    ),
    fixture("floating_no_zone.ics", normalise=(MissingUids(),), differs=None),
    fixture("zoom_invites.ics"),
    fixture("no_events.ics"),
    fixture(
        "broken_events.ics",
        # one day: the unbounded minutely rule stays under the cap, so it is compared whole
        (datetime(2025, 3, 11, tzinfo=CHICAGO), datetime(2025, 3, 12, tzinfo=CHICAGO)),
        normalise=(
            Drop(uids=frozenset({"bad-dtstart", "bad-rrule", "no-dtstart"})),
            Lengths({"ends-before-start": "PT1H"}),
        ),
        differs=None,
    ),
    fixture(
        "mangled_lines.ics",
        normalise=(
            Drop(
                uids=frozenset({"unclosed-alarm"}),
                lines=frozenset({"this line lost its property name", "so did this one"}),
            ),
        ),
        differs=None,
    ),
    # -- inline feeds (test_ical.py)
    inline(
        "all-day-series",
        feed("UID:weekly-day\nDTSTART;VALUE=DATE:20250303\nRRULE:FREQ=WEEKLY;COUNT=2\nSUMMARY:x"),
    ),
    inline(
        "orphan-override",
        feed(
            "UID:orphan\nRECURRENCE-ID:20250312T140000Z\nDTSTART:20250312T150000Z\n"
            "DTEND:20250312T160000Z\nSUMMARY:Request #104900"
        ),
    ),
    inline(
        "cancelled-series",
        feed("UID:gone\nDTSTART:20250303T090000\nRRULE:FREQ=DAILY;COUNT=5\nSTATUS:CANCELLED"),
    ),
    inline(
        "series-after-the-window",
        feed("UID:later\nDTSTART:20250603T090000\nRRULE:FREQ=DAILY;COUNT=5\nSUMMARY:x"),
    ),
    inline(
        "ends-before-it-starts",
        feed(
            "UID:backwards\nDTSTART:20250311T090000\nDTEND:20250311T080000\n"
            "RRULE:FREQ=DAILY;COUNT=3",
            "UID:with-duration\nDTSTART:20250311T090000\nDTEND:20250311T080000\nDURATION:PT30M",
            "UID:all-day\nDTSTART;VALUE=DATE:20250312\nDTEND;VALUE=DATE:20250310",
            "UID:negative\nDTSTART:20250313T090000\nDURATION:-PT2H",
            "UID:fine\nDTSTART:20250314T090000\nDURATION:PT2H",
        ),
        normalise=(
            Lengths(
                {
                    "backwards": "PT1H",
                    "with-duration": "PT30M",
                    "all-day": "P1D",
                    "negative": "PT1H",
                }
            ),
        ),
        differs=frozenset({"backwards", "with-duration", "all-day", "negative"}),
    ),
    inline(
        "all-day-dtend-equal-to-dtstart",
        feed(
            "UID:same\nDTSTART;VALUE=DATE:20250311\nDTEND;VALUE=DATE:20250311\nSUMMARY:x",
            "UID:same-series\nDTSTART;VALUE=DATE:20250317\nDTEND;VALUE=DATE:20250317\n"
            "RRULE:FREQ=DAILY;COUNT=2",
        ),
        normalise=(Lengths({"same": None, "same-series": None}),),
        differs=frozenset({"same", "same-series"}),
    ),
    inline(
        "duration-across-the-change",
        feed(
            "UID:zoned\nDTSTART;TZID=America/Chicago:20250308T170000\nDURATION:PT10H",
            "UID:floating\nDTSTART:20250308T180000\nDURATION:PT10H30M",
            "UID:series\nDTSTART;TZID=America/Chicago:20250307T200000\nDURATION:P1DT8H\n"
            "RRULE:FREQ=DAILY;COUNT=3",
            "UID:by-dtend\nDTSTART;TZID=America/Chicago:20250308T170000\n"
            "DTEND;TZID=America/Chicago:20250309T030000",
            "UID:whole-days\nDTSTART;TZID=America/Chicago:20250308T170000\nDURATION:P1D",
        ),
        normalise=(ExactDurations(),),
        # DTEND and whole days are wall clock for both
        differs=frozenset({"zoned", "floating", "series"}),
    ),
    inline(
        "utc-recurrence-id-under-x-wr-timezone",
        feed(
            # 01:00 in Chicago on 7 March is an RDATE; the override names 00:00 (06:00 UTC),
            # no occurrence; moved into New York it reads 01:00 on the wall clock
            "UID:rdate\nDTSTART;TZID=America/Chicago:20250301T000000\nRRULE:FREQ=DAILY;COUNT=1\n"
            "RDATE;TZID=America/Chicago:20250307T010000\nSUMMARY:Request #1",
            "UID:rdate\nRECURRENCE-ID:20250307T060000Z\nDTSTART;TZID=America/Chicago:20250307T000000"
            "\nSTATUS:CANCELLED\nSUMMARY:Request #1",
            # 10:00 in Chicago each day; the EXDATE is 09:00 in Chicago (14:00 UTC), no
            # occurrence; moved into New York it reads 10:00
            "UID:exdate\nDTSTART;TZID=America/Chicago:20250310T100000\nRRULE:FREQ=DAILY;COUNT=3\n"
            "EXDATE:20250311T140000Z\nSUMMARY:Request #2",
            header="X-WR-TIMEZONE:America/New_York",
        ),
        normalise=(ZonedIds(frozenset({"rdate", "exdate"}), "America/Chicago"),),
        differs=frozenset({"rdate", "exdate"}),
    ),
    inline(
        "floating-until-under-x-wr-timezone",
        feed(
            "UID:until\nDTSTART:20250301T000000\nRRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20250310T000000",
            "UID:until-afternoon\nDTSTART:20250303T150000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;UNTIL=20250305T150000",
            header="X-WR-TIMEZONE:America/New_York",
        ),
        normalise=(FloatingUntils("America/New_York"),),
        # New York is behind UTC: read as UTC, UNTIL comes hours before the last occurrence
        differs=frozenset({"until", "until-afternoon"}),
    ),
    inline(
        "globally-unique-tzid",
        feed(
            "UID:evolution\nDTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:"
            "20250311T090000\nSUMMARY:x"
        ),
    ),
    inline(
        "windows-name-without-vtimezone",
        feed(
            "UID:eastern\nDTSTART;TZID=Eastern Standard Time:20250311T090000\n"
            "DTEND;TZID=Eastern Standard Time:20250311T100000\nSUMMARY:Request #1"
        ),
    ),
    inline("custom-vtimezone", CUSTOM_ZONE),
    inline(
        "duplicate-uids-distinct",
        feed(
            "UID:dup\nSEQUENCE:2\nDTSTART:20250311T100000\nSUMMARY:Request #2 (latest)",
            "UID:dup\nSEQUENCE:1\nDTSTART:20250311T090000\nSUMMARY:Request #1 (other)",
        ),
        normalise=(DistinctUids(frozenset({"dup"})),),
        differs=frozenset({"dup"}),
    ),
    inline(
        "duplicate-uids-identical",
        feed(
            "UID:dup\nSEQUENCE:2\nDTSTART:20250311T100000\nSUMMARY:Request #2\nLOCATION:Room 2",
            "UID:dup\nSEQUENCE:1\nDTSTART:20250311T100000\nSUMMARY:Request #2\nLOCATION:Room 1",
        ),
    ),
    # -- dense rules (usked_cli.feeds.recurrence): DTSTART moved on, the window in pieces
    Case(
        "minutely-every-7-from-months-back",
        feed(
            "UID:minutely\nDTSTART;TZID=America/Chicago:20240601T000300\nDURATION:PT1M\n"
            "RRULE:FREQ=MINUTELY;INTERVAL=7;BYHOUR=9,10"
        ),
        (datetime(2025, 3, 10, 8, tzinfo=CHICAGO), datetime(2025, 3, 10, 12, tzinfo=CHICAGO)),
        CHICAGO,
        dense=True,
    ),
    Case(
        "minutely-by-hour-and-day-from-months-back",
        feed(
            "UID:by-parts\nDTSTART;TZID=America/Chicago:20241001T000300\nDURATION:PT1M\n"
            "RRULE:FREQ=MINUTELY;BYHOUR=9,10;BYDAY=MO,TU"
        ),
        (datetime(2025, 3, 9, tzinfo=CHICAGO), datetime(2025, 3, 12, tzinfo=CHICAGO)),
        CHICAGO,
        # walked as FREQ=DAILY;BYHOUR=9,10;BYMINUTE=0..59 (recurrence.walkable): not dense
        dense=False,
    ),
    Case(
        "daily-by-hour-and-minute-from-decades-back",
        feed(
            "UID:by-time\nDTSTART:20050101T000000\nDURATION:PT15M\n"
            "RRULE:FREQ=DAILY;BYHOUR=0,2,9,17;BYMINUTE=0,30"
        ),
        (datetime(2025, 3, 7, tzinfo=CHICAGO), datetime(2025, 3, 11, tzinfo=CHICAGO)),
        CHICAGO,
        dense=True,
        floating=True,
    ),
    Case(
        # its COUNT ends it at 05:19 on 10 March, 41 minutes before the window ends: counted
        # on the wall clock it steps on, an hour's steps more than the hours since DTSTART
        "minutely-with-count-ending-in-the-window",
        feed(
            "UID:counted\nDTSTART;TZID=America/Chicago:20250308T000000\nDURATION:PT1M\n"
            "RRULE:FREQ=MINUTELY;COUNT=3200"
        ),
        (datetime(2025, 3, 10, tzinfo=CHICAGO), datetime(2025, 3, 10, 6, tzinfo=CHICAGO)),
        CHICAGO,
        dense=True,
        scale={"_DENSE_WALK": 2_000},
    ),
    Case(
        # over the cap: the parser lists the first of the window, the dense way in pieces, one
        # across the change to summer time on 8 March 2026
        "hourly-unbounded-over-the-cap",
        HOURLY_UNBOUNDED.data,
        (datetime(2026, 3, 5, tzinfo=CHICAGO), datetime(2026, 3, 15, tzinfo=CHICAGO)),
        CHICAGO,
        capped=frozenset({"hourly@example.org"}),
        dense=True,
        scale={"MAX_OCCURRENCES": 200},
    ),
]


def test_every_producer_calendar_is_compared() -> None:
    names = {c.name for c in CASES}
    assert {calendar.name for calendar in PRODUCERS} <= names
    fixtures = {path.name for path in FIXTURES.glob("*.ics")}
    # the two that are not calendars at all are refused whole (test_ical.py)
    assert fixtures - names == {"expired_link_login_page.ics", "truncated.ics"}


def second_zone(case: Case) -> bool:
    """Whether the case is compared in KOLKATA too: it has times read in the configured zone."""
    return b"X-WR-TIMEZONE" not in case.data and (case.floating or not case.dense)


RUNS = [(case, None) for case in CASES] + [(case, KOLKATA) for case in CASES if second_zone(case)]


@pytest.mark.parametrize(
    ("case", "default_tz"),
    RUNS,
    ids=[f"{case.name}-{'kolkata' if zone else 'own-zone'}" for case, zone in RUNS],
)
def test_the_parser_lists_what_the_reference_lists(case: Case, default_tz: ZoneInfo | None) -> None:
    zone = default_tz or case.default_tz
    result, dense = read_watching_dense(case.data, case.window, zone, case.scale)
    tool = tool_keys(result)
    assert bool(dense) is case.dense
    assert tool or case.name in ("no_events.ics", "cancelled-series", "series-after-the-window")
    for uid in case.capped:
        assert sum(count for key, count in tool.items() if key[0] == uid) == case.cap
        assert any(f"{uid} (line" in w and "more than" in w for w in result.warnings)
    raw: Counter[Key] | None = None
    # the exception, checked: the calendar as written differs exactly where the case says
    if case.differs is None:
        with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal will do
            reference_keys(case.data, case.window, zone, case.capped, case.cap)
    else:
        raw = reference_keys(case.data, case.window, zone, case.capped, case.cap)
        if default_tz is None:
            assert differing_uids(tool, raw) == set(case.differs)
            assert floating_tzids(case.data) == set(case.tzids)
    normalised = case.normalised(result)
    if normalised == case.data and raw is not None:
        reference = raw
    else:
        reference = reference_keys(normalised, case.window, zone, case.capped, case.cap)
    assert tool == reference


def test_a_dense_series_lists_the_hour_the_clocks_skip_as_a_short_window_does() -> None:
    # Regression: the dense way (a window over the cap of a short one) kept one occurrence per
    # instant, so 02:00 on 8 March (which the clocks skip: the instant of 03:00 CDT) was lost,
    # while a short window and recurring_ical_events list both steps of the rule.
    short = read(HOURLY_UNBOUNDED.data, HOURLY_UNBOUNDED.window, CHICAGO)
    long_window = (HOURLY_UNBOUNDED.window[0], datetime(2026, 10, 1, tzinfo=CHICAGO))
    dense = read(HOURLY_UNBOUNDED.data, long_window, CHICAGO)

    def on_the_8th(result: ParseResult) -> list[tuple[datetime, str | None]]:
        return [
            (a.start, a.recurrence_id)
            for a in result.assignments
            if a.uid == "hourly@example.org" and a.start.date() == date(2026, 3, 8)
        ]

    assert len(on_the_8th(short)) == 24
    assert on_the_8th(dense) == on_the_8th(short)
    skipped, after = (a for a in on_the_8th(dense) if a[0].hour in (2, 3))
    assert skipped[0].astimezone(UTC) == after[0].astimezone(UTC)
    assert skipped[1] != after[1]  # two occurrences, each its own identity


def test_a_series_takes_the_hours_of_its_duration_as_exact_time_like_a_single_event() -> None:
    # Regression: a series' occurrences took their ends from recurring_ical_events, which adds
    # DURATION on the wall clock, while a single event adds its hours as exact time (RFC 5545
    # 3.3.6): the same event written as a series of one ended an hour earlier across a change.
    single = "UID:single\nDTSTART;TZID=America/Chicago:20250308T170000\nDURATION:PT10H"
    series_of_one = single.replace("single", "series") + "\nRRULE:FREQ=DAILY;COUNT=1"
    floating = "UID:floating\nDTSTART:20250308T170000\nDURATION:PT10H\nRRULE:FREQ=WEEKLY"
    result = read(feed(single, series_of_one, floating), MARCH_2025, CHICAGO)
    ten_hours_later = datetime(2025, 3, 9, 4, tzinfo=CHICAGO)  # 17:00 CST + 10 h: 04:00 CDT
    ends = {a.uid: a.end for a in result.assignments if a.start.day == 8}
    assert ends == {
        "single": ten_hours_later,
        "series": ten_hours_later,
        "floating": ten_hours_later,
    }
    assert {a.end.astimezone(UTC) - a.start for a in result.assignments} == {timedelta(hours=10)}


def test_a_count_that_ends_in_the_window_after_a_clock_change_ends_it_there() -> None:
    # Regression: moving a dense rule on, the parser took a COUNT for out of reach by the
    # window's end when the hours since DTSTART were fewer than that COUNT of minutes, and
    # dropped it; but the rule steps on the wall clock, which jumped an hour ahead on 9 March,
    # so the COUNT ended at 05:19 and the parser listed 40 minutes more.
    result = read(COUNTED_MINUTELY, COUNTED_MINUTELY_WINDOW, CHICAGO)
    starts = [a.start for a in result.assignments]
    assert starts[0] == datetime(2025, 3, 24, 18, tzinfo=CHICAGO)
    assert starts[-1] == datetime(2025, 3, 25, 5, 19, tzinfo=CHICAGO)  # the 52,160th
    assert len(starts) == 11 * 60 + 20


# -- generated calendars ------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
GENERATED_WINDOW = (datetime(2025, 3, 1, tzinfo=CHICAGO), datetime(2025, 4, 15, tzinfo=CHICAGO))
# How a series' times are written: a TZID (tz database or Windows name, each resolved by both),
# "" floating, "Z" UTC, "DATE" all-day. The zones change offsets inside the window (US 9 March,
# EU 30 March, Lord Howe by half an hour on 6 April) or have odd offsets.
IANA_OF = {
    "America/Chicago": "America/Chicago",
    "Europe/Berlin": "Europe/Berlin",
    "Asia/Kolkata": "Asia/Kolkata",
    "America/St_Johns": "America/St_Johns",
    "Australia/Lord_Howe": "Australia/Lord_Howe",
    "Eastern Standard Time": "America/New_York",
    "W. Europe Standard Time": "Europe/Berlin",
    # only the file's VTIMEZONE defines it (Outlook's form: no TZNAME), US rules as Chicago's
    "Customized Central": "America/Chicago",
}
CUSTOM_VTIMEZONE = vtimezone_us("Customized Central", "", "", "-0600", "-0500")
FORMS = ["", "Z", "DATE", *IANA_OF]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def stamp(form: str, moment: datetime, *, utc: bool = False) -> str:
    """`;params:value` of a DTSTART-like property at the wall time `moment` of the form.

    `utc`: a zoned time written as the same instant in UTC (as Google writes EXDATE and
    RECURRENCE-ID)."""
    if form == "DATE":
        return f";VALUE=DATE:{moment:%Y%m%d}"
    if form == "Z":
        return f":{moment:%Y%m%dT%H%M%S}Z"
    if form == "":
        return f":{moment:%Y%m%dT%H%M%S}"
    if utc:
        instant = moment.replace(tzinfo=ZoneInfo(IANA_OF[form])).astimezone(UTC)
        return f":{instant:%Y%m%dT%H%M%S}Z"
    return f";TZID={form}:{moment:%Y%m%dT%H%M%S}"


def until_value(form: str, moment: datetime) -> str:
    """UNTIL as RFC 5545 wants it: a date, a floating time, or UTC for zoned and UTC series."""
    if form == "DATE":
        return f"{moment:%Y%m%d}"
    if form == "":
        return f"{moment:%Y%m%dT%H%M%S}"
    if form == "Z":
        return f"{moment:%Y%m%dT%H%M%S}Z"
    return f"{moment.replace(tzinfo=ZoneInfo(IANA_OF[form])).astimezone(UTC):%Y%m%dT%H%M%S}Z"


def end_line(form: str, end_form: str, start: datetime, length: timedelta) -> list[str]:
    if end_form == "DTEND":
        return [f"DTEND{stamp(form, start + length)}"]
    if end_form == "DURATION":
        if form == "DATE":
            return [f"DURATION:P{length.days}D"]
        return [f"DURATION:PT{int(length.total_seconds()) // 60}M"]
    return []


@st.composite
def series(draw: st.DrawFn, number: int, calendar_zone: str | None) -> list[str]:
    """The VEVENTs of one event or series: its master, then its overrides."""
    form = draw(st.sampled_from(FORMS))
    day = date(2025, 3, 1) + timedelta(days=draw(st.integers(-50, 45)))
    # any hour: the clocks' skipped and repeated hours included
    wall = datetime.combine(day, time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))))
    all_day = form == "DATE"
    end_form = draw(st.sampled_from(["DTEND", "DURATION", "NONE"]))
    length = (
        timedelta(days=draw(st.integers(1, 3)))
        if all_day
        else timedelta(minutes=draw(st.sampled_from([0, 30, 60, 90, 600])))
    )
    uid = f"series-{number}@usked.test"
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTART{stamp(form, wall)}"]
    lines += end_line(form, end_form, wall, length)
    lines.append(f"SUMMARY:Request #{104000 + number}")
    if draw(st.integers(0, 9)) == 0:
        lines.append("STATUS:CANCELLED")
    freq = draw(st.sampled_from([None, "DAILY", "WEEKLY", "MONTHLY"]))
    overrides: list[str] = []
    if freq is not None:
        rule = f"FREQ={freq};INTERVAL={draw(st.integers(1, 2))}"
        if freq == "WEEKLY" and draw(st.booleans()):
            days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True))
            rule += f";BYDAY={','.join(days)}"
        if freq == "MONTHLY" and draw(st.booleans()):
            rule += f";BYMONTHDAY={draw(st.sampled_from(['-1', '31', '1,15']))}"
        # the rule's first occurrences as dateutil steps it on the wall clock
        firsts = list(rrulestr(rule + ";COUNT=10", dtstart=wall))
        ending = draw(st.sampled_from(["COUNT", "UNTIL", "NONE"]))
        if ending == "COUNT":
            rule += f";COUNT={draw(st.integers(1, 12))}"
        elif ending == "UNTIL" and firsts:
            rule += f";UNTIL={until_value(form, draw(st.sampled_from(firsts)))}"
        lines.append(f"RRULE:{rule}")
        # EXDATE, RDATE and RECURRENCE-ID of a zoned series in UTC, as Google writes some; not
        # on a calendar with X-WR-TIMEZONE (the exception ZonedIds says why)
        zoned = form in IANA_OF and calendar_zone is None
        for moment in draw(st.lists(st.sampled_from(firsts), max_size=2, unique=True)):
            lines.append(f"EXDATE{stamp(form, moment, utc=zoned and draw(st.booleans()))}")
        if firsts and draw(st.integers(0, 3)) == 0:  # one more occurrence, a day after one
            extra = draw(st.sampled_from(firsts)) + timedelta(days=1, hours=draw(st.integers(0, 3)))
            lines.append(f"RDATE{stamp(form, extra, utc=zoned and draw(st.booleans()))}")
        for moment in draw(st.lists(st.sampled_from(firsts), max_size=2, unique=True)):
            shift = (
                timedelta(days=draw(st.integers(-1, 2)))
                if all_day
                else timedelta(minutes=draw(st.sampled_from([0, -90, 60, 120, 1440, 2880])))
            )
            moved = moment + shift
            overrides += [
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"RECURRENCE-ID{stamp(form, moment, utc=zoned and draw(st.booleans()))}",
                f"DTSTART{stamp(form, moved, utc=zoned and draw(st.booleans()))}",
                *end_line(form, end_form, moved, length),
                f"SUMMARY:Request #{104000 + number} (moved)",
                *(["STATUS:CANCELLED"] if draw(st.integers(0, 3)) == 0 else []),
                "END:VEVENT",
            ]
    lines.append("END:VEVENT")
    return lines + overrides


@st.composite
def calendars(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A calendar, and the copy the reference reads (the exceptions Tznames, ExactDurations and
    FloatingUntils)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//usked-cli differential//EN"]
    calendar_zone = draw(st.sampled_from([None, "America/New_York", "Europe/Berlin", "Asia/Tokyo"]))
    if calendar_zone:
        lines.append(f"X-WR-TIMEZONE:{calendar_zone}")
    lines += CUSTOM_VTIMEZONE.strip().splitlines()
    for number in range(draw(st.integers(1, 4))):
        lines += draw(series(number, calendar_zone))
    lines.append("END:VCALENDAR")
    copy = Tznames()(ExactDurations()(lines, ParseResult()), ParseResult())
    if calendar_zone:
        copy = FloatingUntils(calendar_zone)(copy, ParseResult())
    return ics("\n".join(lines)), ics("\n".join(copy))


@PROPERTY_SETTINGS
@given(calendars(), st.sampled_from([CHICAGO, KOLKATA]))
def test_generated_calendars_list_what_the_reference_lists(
    generated: tuple[bytes, bytes], default_tz: ZoneInfo
) -> None:
    data, copy = generated
    result = read(data, GENERATED_WINDOW, default_tz)
    assert result.warnings == []
    assert tool_keys(result) == reference_keys(copy, GENERATED_WINDOW, default_tz)


@st.composite
def dense_calendars(draw: st.DrawFn) -> tuple[bytes, tuple[datetime, datetime]]:
    """A minutely or hourly rule whose walk from DTSTART to the window is over the parser's
    _DENSE_WALK (50,000 steps by its estimate), read in a window of hours or a day."""
    form = draw(st.sampled_from(["", "Z", "America/Chicago", "Europe/Berlin", "Asia/Kolkata"]))
    freq = draw(st.sampled_from(["MINUTELY", "HOURLY"]))
    # (INTERVAL=1 with BYHOUR is walked as FREQ=DAILY, not the dense way: recurrence.walkable,
    # compared in test_hostile_rules)
    interval = draw(st.sampled_from([5, 7] if freq == "MINUTELY" else [1, 3]))
    rule = f"FREQ={freq};INTERVAL={interval}"
    # BY parts the parser's estimate ignores and dateutil skips cheaply (the reference walks
    # from DTSTART): BYHOUR for a minutely rule, BYDAY for an hourly one
    if freq == "MINUTELY":
        rule += f";BYHOUR={draw(st.sampled_from(['9', '1,2,3', '9,17']))}"
        steps_per_day = 1440 // interval
        if draw(st.booleans()):
            rule += f";BYDAY={draw(st.sampled_from(['MO', 'SU,MO', 'SA,SU']))}"
    else:
        rule += f";BYDAY={draw(st.sampled_from(['MO', 'SU,MO', 'SA,SU']))}"
        steps_per_day = 24 // interval
    window_start = datetime(2025, 3, draw(st.integers(7, 31)), tzinfo=CHICAGO)
    back = timedelta(days=50_000 // steps_per_day + draw(st.integers(2, 60)))
    wall = (window_start - back).replace(tzinfo=None, minute=draw(st.sampled_from([0, 3, 30])))
    lines = [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "UID:dense@usked.test",
        f"DTSTART{stamp(form, wall)}",
        f"DURATION:PT{draw(st.sampled_from([1, 10, 90]))}M",
        f"RRULE:{rule}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    window = (window_start, window_start + timedelta(hours=draw(st.sampled_from([6, 30]))))
    return ics("\n".join(lines)), window


@settings(PROPERTY_SETTINGS, max_examples=5)
@given(dense_calendars())
def test_generated_dense_series_list_what_the_reference_lists(
    generated: tuple[bytes, tuple[datetime, datetime]],
) -> None:
    data, window = generated
    result, dense = read_watching_dense(data, window, CHICAGO)
    assert dense == ["dense@usked.test"]
    assert result.warnings == []
    assert tool_keys(result) == reference_keys(data, window, CHICAGO)
