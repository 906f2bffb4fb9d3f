"""Read one user's iCalendar feed into the assignments that fall in a time window.

Every event a calendar holds is listed, at the time its producer meant; where the reader has to
guess, it says so once. What real feeds (uSked, Exchange/Outlook, Office 365, Google, Apple,
Mozilla, Evolution, Zimbra, Zoom) hold and how it is read:
  - time zones are resolved, never a reason to skip an event (usked_cli.feeds.zones: the file's
    VTIMEZONE, tz database names old and new, Windows names, Outlook display names, Mozilla's
    globally unique TZIDs, fixed offsets). A TZID nothing matches is read in the calendar's
    X-WR-TIMEZONE, else `default_tz`, with one warning per TZID. The zones are ours: icalendar
    resolves TZIDs while it parses (or leaves a time naive when it cannot), and every zoned time
    is then set again to the zone resolved here;
  - a DTEND, RECURRENCE-ID, EXDATE or RDATE without a zone next to a DTSTART with one takes
    DTSTART's zone (Mozilla and Exchange write that); UTC times stay UTC; floating times (no
    TZID, no Z) and all-day dates take the calendar's X-WR-TIMEZONE if it names a zone, else
    `default_tz`;
  - on a calendar with X-WR-TIMEZONE, a series whose DTSTART is UTC (as Google writes some)
    keeps the wall-clock time of that zone across daylight-saving changes, as Google shows it:
    its UTC times are moved into the zone before expansion. Times with their own TZID never move;
  - an end before the start is corrected from DURATION, else to one hour (one day for an
    all-day event), with a warning: the event is listed, not dropped;
  - single events are read directly; only recurring series (RRULE, RDATE, RECURRENCE-ID) go
    through recurring_ical_events, one series at a time, because expanding the whole calendar
    through it costs about as much again as parsing it; its occurrences point at their source
    event instead of copying it (see _SourceEventAdapter);
  - a dense series (FREQ=HOURLY or faster, BY* parts that multiply a rule, or a DTSTART so far
    back that the walk to the window is long) is expanded piece by piece inside the window only,
    its DTSTART moved on by whole periods of its rule first (usked_cli.feeds.recurrence), and
    capped at MAX_OCCURRENCES occurrences in the window, with one warning naming its UID;
  - recurring_ical_events.of() is NOT used: it first calls x_wr_timezone.to_standard(), which
    takes any time whose zone has no name (an inline VTIMEZONE without TZNAME, as Outlook writes
    them) for a floating time and moves it into X-WR-TIMEZONE;
  - icalendar caches a feed's custom VTIMEZONE per process under its TZID, first definition
    wins, so a second feed defining the same TZID differently would get the first one's rules;
    the cache is reset before each parse (parses take a lock, as the cache is global);
  - a bare VEVENT (no VCALENDAR around it, as single-event files are) is read as a calendar of
    its own, with a note; a file of several VCALENDARs is read as one calendar, with a note;
  - the same UID on several events without RECURRENCE-ID: every distinct event (another start
    or summary) is listed, identical copies count once (the highest SEQUENCE), one warning;
  - an all-day event is a span of dates, in the window when its dates meet the window's
    (usked_cli.feeds.window, the rule the cache's query applies too).

Cancelled events and cancelled occurrences are left out. An event that cannot be placed in time
(bad or missing DTSTART, bad RRULE) is skipped with a warning naming its UID and line; a line
icalendar cannot read at all is dropped with a warning and the rest parsed again. Input that is
not a calendar (HTML, JSON, binary, an empty or cut-short file) raises InputError with one line
saying what it is instead.

Identity: `recurrence_id` is the ISO form of an occurrence's original start (its RECURRENCE-ID
for an override; a plain date for all-day series); a single event has None. An event without a
UID gets `no-uid-<hash of summary and DTSTART>`, stable from one sync to the next. Distinct
events sharing a UID each get their start as `recurrence_id` (the cache keys assignments by
user, UID and recurrence_id); two of them that still collide (same start, another summary) get
`#<8 hex digits of a hash of their DTSTART and SUMMARY>` after it: stable from one sync to the
next as long as the event is, whatever the other copies do.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.error import GloballyUniqueTZIDGuessed
from icalendar.timezone import tzp

from usked_cli.errors import InputError
from usked_cli.feeds.invitation import find_dial_in, find_meeting_id, find_passcode
from usked_cli.feeds.links import find_request_id, find_zoom_link
from usked_cli.feeds.recurrence import (
    daily_rate,
    fast_forward,
    frequency,
    grid_steps,
    rule_walks_end_in,
    uncountable,
    walkable,
)
from usked_cli.feeds.window import all_day_in_window, timed_in_window, window_days
from usked_cli.feeds.zones import Zones
from usked_cli.models import Assignment, DialIn, ZoomLink

__all__ = ["MAX_FEED_OCCURRENCES", "MAX_OCCURRENCES", "ParseResult", "parse_feed"]

# At most this many occurrences of one series in a window; more are left out with a warning.
MAX_OCCURRENCES = 5_000
# At most this many occurrences of a whole feed in a window: forty series at their cap, or a
# hundred thousand single events twice over. The series after it are left out, with a warning.
MAX_FEED_OCCURRENCES = 200_000


@dataclass(slots=True)
class ParseResult:
    """What one feed holds for the window, and what was wrong with it."""

    assignments: list[Assignment] = field(default_factory=list)  # by start, then request_id
    warnings: list[str] = field(default_factory=list)
    # Things said about the feed that are not wrong with it (a bare VEVENT read as a calendar).
    notes: list[str] = field(default_factory=list)
    event_count: int = 0  # VEVENTs seen, the skipped ones included
    calendar_name: str | None = None  # X-WR-CALNAME
    calendar_tz: str | None = None  # X-WR-TIMEZONE, as written
    # Where a capped series was cut: the assignments are complete only before this instant
    # (a cache keeps them for windows that end before it, and expands later ones again).
    complete_until: datetime | None = None
    # For incremental sync (usked_cli.feeds.incremental): the UIDs of the events something was
    # said about (a warning names them), and whether anything was said about the feed as a
    # whole, a line salvaged or an occurrence cut. Those are read again at every sync.
    said_of: set[str] = field(default_factory=set)
    said_of_feed: bool = False
    salvaged: bool = False  # unreadable lines were dropped (their line numbers are the data's)

    def complete_before(self, cut: datetime) -> None:
        """Occurrences from `cut` on were left out (of a series, or of the whole feed)."""
        if self.complete_until is None or cut < self.complete_until:
            self.complete_until = cut


# Properties that place an event in time: a broken one means the event cannot be placed.
_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE")
_ZONED_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_RECURRENCE_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")
# Where the Zoom invite may be, in the order it is looked for.
_LINK_PROPERTIES = ("LOCATION", "DESCRIPTION", "URL", "CONFERENCE", "X-ALT-DESC")
_EXTRA_LINK_PROPERTIES = ("X-GOOGLE-CONFERENCE",)
# Recurrences are asked for a day wider than the window: the library compares floating times
# as if they were in the bounds' zone, up to 14 hours off; the exact cut is made here after.
_QUERY_MARGIN = timedelta(days=1)
_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
# A series whose rule would walk more steps than this from its DTSTART to the window's end is
# expanded the dense way (moved on, in pieces); one that cannot be moved and would walk more
# than _MAX_WALK steps is skipped with a warning (a COUNT rule with BY* parts from centuries back).
_DENSE_WALK = 50_000
_MAX_WALK = 2_000_000
_LONG_WALK = (
    f"its rule would take over {_MAX_WALK} steps to reach the window "
    "and cannot be started later (COUNT with BY parts)"
)
# Past this many overrides, a dense series' piece is given only those acting near it.
_FEW_OVERRIDES = 32
_SNIPPET_CHARS = 40
_MESSAGE_CHARS = 200
# One parse at a time: it resets icalendar's process-wide zone cache and records warnings,
# both global state. Parsing holds the GIL throughout, so this costs no throughput.
_PARSE_LOCK = threading.Lock()
_FOLD = re.compile(rb"\r?\n[ \t]")
_TEXT_FOLD = re.compile(r"\r?\n[ \t]")
# A content line: a property name, then parameters or the value (RFC 5545 3.1).
_CONTENT_LINE = re.compile(r"[A-Za-z0-9-]+[;:]")
# Components that only appear at the top level: meeting one means the one before is unclosed.
_TOP_LEVEL_BEGINS = {
    f"BEGIN:{name}"
    for name in ("VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VAVAILABILITY")
}
# What a calendar file may begin with when its VCALENDAR lines are missing.
_BARE_BEGINS = ("BEGIN:VEVENT", "BEGIN:VTIMEZONE")
_UTC_ZONES = (UTC, ZoneInfo("UTC"))


# An event's properties by upper-case name: a plain-dict copy of the component is read about
# eight times faster than the component itself, whose every lookup normalises the name.
_Properties = Mapping[str, Any]
_Member = tuple[int, icalendar.cal.Component, dict[str, Any]]  # position, event, properties


class _EventError(Exception):
    """One event cannot be read; the message says why."""


def parse_feed(
    data: bytes,
    *,
    user: str,
    window_start: datetime,
    window_end: datetime,
    default_tz: ZoneInfo,
    source: str = "",
    event_lines: Sequence[int] | None = None,
) -> ParseResult:
    """The assignments of every occurrence in `data` that overlaps [window_start, window_end).

    `event_lines` are the lines warnings give for the VEVENTs, in order (when `data` is built
    from parts of a feed: usked_cli.feeds.blocks.sub_feed); by default their lines in `data`.

    Raises InputError (and nothing else) when `data` is not an iCalendar feed; a feed that
    parses but has no event in the window gives an empty list. An all-day event is in the
    window when its dates meet the dates of the window's bounds, in the zone they are given in
    (usked_cli.feeds.window).
    """
    label = source or "the feed"
    # A rule that never gives an occurrence (BYSETPOS past its period's candidates, 30 February)
    # would walk to the year 9999 looking for one: the walk ends a year after the window.
    last_year = _as_utc(window_end, default_tz).year + 1
    with (
        _PARSE_LOCK,
        rule_walks_end_in(last_year),
        warnings.catch_warnings(record=True) as library_warnings,
    ):
        # icalendar warns through Python's warnings: make them feed warnings, so they reach
        # stderr in our words and once, not as a Python traceback line.
        warnings.simplefilter("always")
        try:
            reader = _FeedReader(data, label, user, window_start, window_end, default_tz)
            if event_lines is not None:
                reader.event_lines_given = list(event_lines)
            result = reader.read()
        except InputError:
            raise
        except Exception as error:  # last line of defence: one line, never a traceback
            raise InputError(f"{label} could not be read: {_one_line(error)}") from error
    notes: list[str] = []
    for caught in library_warnings:
        if issubclass(caught.category, DeprecationWarning | PendingDeprecationWarning):
            # meant for developers, not about the feed: pass it on unchanged
            warnings.warn_explicit(caught.message, caught.category, caught.filename, caught.lineno)
        elif issubclass(caught.category, GloballyUniqueTZIDGuessed):
            continue  # zones are resolved (and any guess reported) by this module
        else:
            notes.append(f"{label}: {_one_line(caught.message)}")
    result.warnings.extend(dict.fromkeys(notes))
    if notes or result.notes:
        result.said_of_feed = True
    return result


class _FeedReader:
    """The state of one parse: the calendar, the zones, the line map and the warnings."""

    def __init__(
        self,
        data: bytes,
        label: str,
        user: str,
        window_start: datetime,
        window_end: datetime,
        default_tz: ZoneInfo,
    ) -> None:
        self.data = data
        self.label = label
        self.user = user
        self.default_tz = default_tz
        self.window_start = _as_utc(window_start, default_tz)
        self.window_end = _as_utc(window_end, default_tz)
        self.bounds = (self.window_start, self.window_end)
        self.days = window_days(window_start, window_end)
        self.floating_tz: tzinfo = default_tz
        self.calendar_zone: tzinfo | None = None  # X-WR-TIMEZONE, when it names a zone
        self.zones = Zones(())
        self.result = ParseResult()
        self.text = ""
        self._line_shift = 0  # lines added in front of the feed (a bare VEVENT's VCALENDAR)
        self._event_lines: list[int] | None = None
        self._details: dict[int, _Details] = {}
        self._tz_of: dict[str, tzinfo] = {}
        # Past MAX_FEED_OCCURRENCES: occurrences from this instant on are left out (and not
        # expanded).
        self.feed_cut: datetime | None = None
        self._feed_cut_said = False
        self._last_kept = ("", 0)  # the UID and position of the last event added
        self.event_lines_given: list[int] | None = None
        self._told = 0  # warnings that name an event (ParseResult.said_of)

    # -- reading the calendar -------------------------------------------------------------

    def read(self) -> ParseResult:
        self.text = self._wrap_bare(_decode(self.data, self.label, self.result.warnings))
        _refuse_non_calendar(self.text, self.label)
        calendar = self._parse_calendar()
        self.result.calendar_name = _optional_text(calendar.get("X-WR-CALNAME"))
        self.result.calendar_tz = _optional_text(calendar.get("X-WR-TIMEZONE"))
        self.zones = Zones(c for c in calendar.subcomponents if c.name == "VTIMEZONE")
        if self.result.calendar_tz:
            found = self.zones.resolve(self.result.calendar_tz)
            if found is None:
                self.result.warnings.append(
                    f"{self.label}: X-WR-TIMEZONE {self.result.calendar_tz!r} is not a known "
                    f"time zone; floating times are read in {self.default_tz.key}"
                )
            else:
                self.floating_tz = self.calendar_zone = found.zone
        events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
        self.result.event_count += len(events)
        if self.event_lines_given is not None and self._event_lines is None:
            self._event_lines = self.event_lines_given
        self._read_events(events)
        if len(self.result.assignments) > MAX_FEED_OCCURRENCES:
            self._cut_feed(*self._last_kept)
        result = self.result
        if len(result.warnings) > self._told or result.complete_until is not None:
            result.said_of_feed = True
        self.result.assignments.sort(
            key=lambda a: (a.start, a.request_id, a.uid, a.recurrence_id or "")
        )
        return self.result

    def _wrap_bare(self, text: str) -> str:
        """A feed of bare VEVENTs (no VCALENDAR around them) as a calendar of its own."""
        start = _TEXT_FOLD.sub("", text[:400].lstrip("\ufeff \t\r\n"))
        first_line = start.split("\n", 1)[0].strip().upper()
        if first_line not in _BARE_BEGINS:
            return text
        count = len(re.findall(r"(?im)^BEGIN:VEVENT[ \t]*\r?$", text))
        if count == 1:
            what = "a VEVENT without a VCALENDAR around it; read as a calendar of one event"
        else:
            what = f"{count} VEVENTs without a VCALENDAR around them; read as one calendar"
        self.result.notes.append(f"{self.label}: holds {what}")
        self._line_shift = 1
        ending = "" if text.endswith("\n") else "\r\n"
        return f"BEGIN:VCALENDAR\r\n{text}{ending}END:VCALENDAR\r\n"

    def _parse_calendar(self) -> icalendar.Calendar:
        try:
            return self._calendar_of(self.text)
        except Exception as error:
            first_error = error
        if "END:VCALENDAR" not in _TEXT_FOLD.sub("", self.text[-400:]).upper():
            raise InputError(
                f"{self.label} is not a complete iCalendar feed: it ends before END:VCALENDAR "
                "(cut short?)"
            )
        # One unreadable line must not sink the feed: drop the lines and components that do
        # not parse on their own and try again; refuse the feed only if that does not help.
        kept_text, event_lines = self._salvage()
        self.result.said_of_feed = self.result.salvaged = True
        try:
            calendar = self._calendar_of(kept_text)
        except Exception:
            line = self._line_of_text(str(first_error))
            where = f" (line {line})" if line else ""
            raise InputError(
                f"{self.label} is not a readable iCalendar feed: {_one_line(first_error)}{where}"
            ) from first_error
        self._event_lines = event_lines
        return calendar

    def _calendar_of(self, text: str) -> icalendar.Calendar:
        calendar, count = _from_ical(text)
        if count > 1:
            self.result.notes.append(
                f"{self.label}: holds {count} VCALENDARs; read them as one calendar"
            )
        return calendar

    def _salvage(self) -> tuple[str, list[int]]:
        """The feed text minus its unreadable lines and components; the kept VEVENTs' lines."""
        lines = self.text.splitlines()
        kept: list[str] = []
        event_lines: list[int] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            key = line.strip().upper()
            if key in ("BEGIN:VCALENDAR", "END:VCALENDAR"):
                kept.append(line)
            elif key.startswith("BEGIN:"):
                index = self._salvage_component(lines, index, kept, event_lines)
                continue
            elif line[:1] in (" ", "\t") or (
                _CONTENT_LINE.match(line) and not key.startswith("END:")
            ):
                kept.append(line)
            elif key:
                self.result.warnings.append(
                    f"{self.label}: ignored an unreadable line {index + 1 - self._line_shift}: "
                    f'"{_snippet(line)}"'
                )
            index += 1
        return "\r\n".join(kept) + "\r\n", event_lines

    def _salvage_component(
        self, lines: list[str], index: int, kept: list[str], event_lines: list[int]
    ) -> int:
        """Keep the component that begins at `index` if it parses alone; the index after it."""
        name = lines[index].strip().upper()[len("BEGIN:") :]
        end_key = f"END:{name}"
        end = index + 1
        while end < len(lines):
            key = lines[end].strip().upper()
            if key in (end_key, "END:VCALENDAR") or key in _TOP_LEVEL_BEGINS:
                break
            end += 1
        complete = end < len(lines) and lines[end].strip().upper() == end_key
        block = lines[index : end + 1] if complete else lines[index:end]
        reason = _block_error(block) if complete else f"no {end_key}"
        line = index + 1 - self._line_shift
        if reason is None:
            kept.extend(block)
            if name == "VEVENT":
                event_lines.append(line)
        elif name == "VEVENT":
            self.result.event_count += 1
            self.result.warnings.append(
                f"{self.label}: skipped event {_block_uid(block)} (line {line}): {reason}"
            )
        else:
            self.result.warnings.append(
                f"{self.label}: ignored an unreadable {name} (line {line}): {reason}"
            )
        return end + 1 if complete else end

    # -- line numbers for warnings ----------------------------------------------------------

    def _line_of_event(self, position: int) -> int | None:
        """The line of the `position`-th top-level BEGIN:VEVENT in the feed."""
        if self._event_lines is None:
            lines: list[int] = []
            line = 1 - self._line_shift
            last = 0
            for match in re.finditer(r"(?im)^BEGIN:VEVENT[ \t]*\r?$", self.text):
                line += self.text.count("\n", last, match.start())
                last = match.start()
                lines.append(line)
            # A folded BEGIN:VEVENT line (legal, never seen) would shift every number after it.
            self._event_lines = lines if len(lines) == self.result.event_count else []
        if 0 <= position < len(self._event_lines):
            return self._event_lines[position]
        return None

    def _line_of_text(self, message: str) -> int | None:
        """The line of the content line that an icalendar error message quotes, if found."""
        quoted = re.search(r"parts: '(.+?)'", message)
        if not quoted:
            return None
        offset = self.text.find(quoted.group(1)[:60])
        if offset < 0:
            return None
        return self.text.count("\n", 0, offset) + 1 - self._line_shift

    def _where(self, position: int, form: str = " (line {})") -> str:
        line = self._line_of_event(position)
        return form.format(line) if line else ""

    def _warn(self, uid: str, position: int, reason: str) -> None:
        self.result.warnings.append(
            f"{self.label}: skipped event {uid}{self._where(position)}: {reason}"
        )

    def _note(self, uid: str, position: int, note: str) -> None:
        """A warning about an event that is listed all the same."""
        self.result.warnings.append(f"{self.label}: event {uid}{self._where(position)}: {note}")

    # -- zones ------------------------------------------------------------------------------

    def _zone_for(self, tzid: str) -> tzinfo:
        """The zone a TZID names; an unknown one is read as floating, said once per TZID."""
        zone = self._tz_of.get(tzid)
        if zone is not None:
            return zone
        found = self.zones.resolve(tzid)
        if found is None:
            zone = self.floating_tz
            why = "X-WR-TIMEZONE" if self.calendar_zone is not None else "the configured timezone"
            self.result.warnings.append(
                f"{self.label}: unknown time zone {tzid!r}; read as {_zone_name(zone)} ({why})"
            )
        else:
            zone = found.zone
            if found.guessed:
                self.result.warnings.append(
                    f"{self.label}: time zone {tzid!r} is not a known zone; read as {found.reading}"
                )
        self._tz_of[tzid] = zone
        return zone

    def _place(self, properties: _Properties) -> None:
        """Set every zoned time of an event in the zone resolved here (see the docstring)."""
        for name in _ZONED_PROPERTIES:
            value = properties.get(name)
            if value is None:
                continue
            for prop in value if isinstance(value, list) else (value,):
                params = getattr(prop, "params", None)
                # icalendar keeps parameter names upper-case: a plain dict lookup is enough
                tzid = dict.get(params, "TZID") if params else None
                if tzid:
                    _set_zone(prop, self._zone_for(str(tzid)))
        start = properties["DTSTART"].dt
        zone = start.tzinfo if isinstance(start, datetime) else None
        if zone is not None:
            # Mozilla and Exchange write a floating DTEND (or EXDATE...) next to a zoned DTSTART.
            for name in ("DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
                for prop in _each(properties.get(name)):
                    _set_zone(prop, zone, only_naive=True)

    # -- events -----------------------------------------------------------------------------

    def _read_events(self, events: list[icalendar.cal.Component]) -> None:
        """Check each event, then read single events directly and series by UID."""
        by_uid: dict[str, list[_Member]] = {}
        for position, event in enumerate(events):
            said = len(self.result.warnings)
            properties = dict(event.items())
            uid = self._uid(event, properties, position)
            try:
                note = _check_event(event, properties)
                self._place(properties)
                self._mend_end(uid, position, event, properties)
            except _EventError as error:
                self._warn(uid, position, str(error))
                continue
            except Exception as error:  # an icalendar surprise in one event
                self._warn(uid, position, _one_line(error))
                continue
            finally:
                self._told_of(uid, said)
            if note:
                said = len(self.result.warnings)
                self._note(uid, position, note)
                self._told_of(uid, said)
            by_uid.setdefault(uid, []).append((position, event, properties))
        for uid, members in by_uid.items():
            said = len(self.result.warnings)
            try:
                self._read_uid(uid, members)
            except _EventError as error:
                self._warn(uid, members[0][0], str(error))
            except Exception as error:
                self._warn(uid, members[0][0], _one_line(error))
            finally:
                self._told_of(uid, said)

    def _told_of(self, uid: str, said: int) -> None:
        """The warnings from `said` on were about the events of `uid`."""
        told = len(self.result.warnings) - said
        if told:
            self.result.said_of.add(uid)
            self._told += told

    def _uid(
        self, event: icalendar.cal.Component, properties: dict[str, Any], position: int
    ) -> str:
        uid = _optional_text(properties.get("UID"))
        if uid:
            return uid
        # Stable across syncs, so the same event keeps the same id while the feed lacks one.
        start: Any = properties.get("DTSTART")
        try:
            start_text = start.to_ical().decode()
        except Exception:  # no DTSTART, or a broken one: the summary alone must do
            start_text = ""
        digest = hashlib.sha1(
            f"{_text(properties, 'SUMMARY')}\x1f{start_text}".encode(), usedforsecurity=False
        ).hexdigest()[:16]
        uid = f"no-uid-{digest}"
        event["UID"] = properties["UID"] = uid  # recurring_ical_events groups series by UID
        self.result.warnings.append(
            f"{self.label}: the event{self._where(position, ' at line {}')} has no UID; using {uid}"
        )
        return uid

    def _mend_end(
        self, uid: str, position: int, event: icalendar.cal.Component, properties: dict[str, Any]
    ) -> None:
        """An end before the start: take DURATION, else the producer's default length."""
        value = properties["DTSTART"].dt
        all_day = not isinstance(value, datetime)
        start = self._aware(value)
        dtend = properties.get("DTEND")
        duration = properties.get("DURATION")
        length = getattr(duration, "dt", None)
        if dtend is not None:
            end = self._aware(_moment(dtend, "DTEND"))
            if end >= start:
                return
            problem = f"it ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        elif isinstance(length, timedelta) and length < timedelta(0):
            problem = f"its DURATION is negative (-{_length_text(-length)})"
        else:
            return
        if not isinstance(length, timedelta) or length < timedelta(0):
            length = _ONE_DAY if all_day else _ONE_HOUR
            how = "one day long" if all_day else "one hour long"
        else:
            how = f"{_length_text(length)} long, its DURATION"
        for name in ("DTEND", "DURATION"):
            event.pop(name, None)
            properties.pop(name, None)
        event["DURATION"] = properties["DURATION"] = icalendar.vDuration(length)
        self._note(uid, position, f"{problem}; read as {how}")

    def _read_uid(self, uid: str, members: list[_Member]) -> None:
        """Every event of one UID: its distinct events, each with its occurrences."""
        masters = [member for member in members if "RECURRENCE-ID" not in member[2]]
        overrides = [member for member in members if "RECURRENCE-ID" in member[2]]
        copies = self._distinct(uid, masters)
        if len(copies) > 1:
            # The overrides belong to one series: the rule-bearing copy with the highest SEQUENCE.
            primary = max(copies, key=lambda m: ("RRULE" in m[2], _sequence(m[2]), m[0]))
            groups = [[primary, *overrides]] + [[m] for m in copies if m is not primary]
        else:
            groups = [copies + overrides]
        made = [(group[0], self._read_group(uid, group)) for group in groups if group]
        if len(copies) > 1:
            made = self._tell_apart(made)
        for member, assignments in made:
            self._keep(uid, member[0], assignments)

    @property
    def _expand_end(self) -> datetime:
        """How far series are expanded: the window's end, or the feed's cut when it has one."""
        return self.window_end if self.feed_cut is None else min(self.window_end, self.feed_cut)

    def _keep(self, uid: str, position: int, assignments: list[Assignment]) -> None:
        """Add an event's assignments, within MAX_FEED_OCCURRENCES for the whole feed.

        Past the cap the feed keeps its earliest occurrences: the cache is then complete up to
        the cut (`complete_until`), and later series are expanded only up to it.
        """
        self._last_kept = (uid, position)
        cut = self.feed_cut
        if cut is not None:
            assignments = [a for a in assignments if a.start < cut]
        self.result.assignments.extend(assignments)
        if len(self.result.assignments) > MAX_FEED_OCCURRENCES * 5 // 4:
            self._cut_feed(uid, position)

    def _cut_feed(self, uid: str, position: int) -> None:
        """Keep the feed's first MAX_FEED_OCCURRENCES occurrences by start; say so once."""
        kept = self.result.assignments
        kept.sort(key=lambda a: a.start)
        cut = kept[MAX_FEED_OCCURRENCES].start
        while kept and kept[-1].start >= cut:
            kept.pop()
        self.feed_cut = cut
        self.result.complete_before(cut)
        if not self._feed_cut_said:
            self._feed_cut_said = True
            self._note(
                uid,
                position,
                f"the feed gives more than {MAX_FEED_OCCURRENCES} occurrences in the window "
                "(this event passed the count); listed those before the cut, where later "
                "windows are read from the feed again",
            )

    def _distinct(self, uid: str, masters: list[_Member]) -> list[_Member]:
        """One copy per distinct event (start, summary): the highest SEQUENCE of identical ones."""
        if len(masters) <= 1:
            return masters
        kept: dict[tuple[object, str], _Member] = {}
        for member in masters:
            key = (self._instant(member[2]["DTSTART"].dt), _text(member[2], "SUMMARY").strip())
            known = kept.get(key)
            if known is None or (_sequence(member[2]), member[0]) > (
                _sequence(known[2]),
                known[0],
            ):
                kept[key] = member
        copies = sorted(kept.values(), key=lambda member: member[0])
        if len(copies) == 1:
            where = self._where(copies[0][0], " at line {}")
            self.result.warnings.append(
                f"{self.label}: UID {uid} appears {len(masters)} times; kept the copy{where}"
            )
        else:
            self.result.warnings.append(
                f"{self.label}: UID {uid} appears {len(masters)} times without RECURRENCE-ID; "
                f"listed its {len(copies)} distinct events (another start or summary)"
            )
        return copies

    def _tell_apart(
        self, made: list[tuple[_Member, list[Assignment]]]
    ) -> list[tuple[_Member, list[Assignment]]]:
        """Distinct events sharing a UID: a recurrence_id each (see the module docstring)."""
        keyed: list[tuple[_Member, list[Assignment]]] = []
        counts: dict[str | None, int] = {}
        for member, assignments in made:
            own = [
                a if a.recurrence_id else replace(a, recurrence_id=_start_id(a))
                for a in assignments
            ]
            for a in own:
                counts[a.recurrence_id] = counts.get(a.recurrence_id, 0) + 1
            keyed.append((member, own))
        result: list[tuple[_Member, list[Assignment]]] = []
        for member, assignments in keyed:
            tag = _copy_tag(member[2])
            result.append(
                (
                    member,
                    [
                        replace(a, recurrence_id=f"{a.recurrence_id}#{tag}")
                        if counts[a.recurrence_id] > 1
                        else a
                        for a in assignments
                    ],
                )
            )
        return result

    def _read_group(self, uid: str, group: list[_Member]) -> list[Assignment]:
        recurring = any(name in member[2] for member in group for name in _RECURRENCE_PROPERTIES)
        if recurring:
            return self._read_series(uid, group)
        _, event, properties = group[0]
        if _cancelled(properties):
            return []
        start, end, all_day = self._span(properties)
        if not self._in_window(start, end, all_day):
            return []
        details = self._details_of(event, properties)
        return [self._assignment(uid, details, start, end, all_day)]

    def _read_series(self, uid: str, members: list[_Member]) -> list[Assignment]:
        master = next((m for m in members if "RECURRENCE-ID" not in m[2]), None)
        if master is not None and self.calendar_zone is not None and _starts_utc(master[2]):
            for _, _, properties in members:
                _move_utc(properties, self.calendar_zone)
        made: list[Assignment] = []
        for occurrence in self._occurrences(uid, master, members):
            event = occurrence.source
            details = self._details_of(event)
            if details.cancelled:
                continue
            all_day = not isinstance(occurrence.start, datetime)
            start = self._aware(occurrence.start)
            end = self._aware(occurrence.end)
            length = details.length
            if (
                length is not None
                and isinstance(occurrence.start, datetime)
                and isinstance(occurrence.end, datetime)
                and (occurrence.start.tzinfo is None) is (occurrence.end.tzinfo is None)
                and occurrence.end - occurrence.start == length
            ):
                # As for single events: the hours of DURATION are exact time (RFC 5545 3.3.6);
                # recurring_ical_events adds them on the wall clock, an hour off across a change.
                end = self._add_duration(occurrence.start, start, length)
            if all_day and end == start:  # as for single events: DTEND = DTSTART is one day
                end = self._aware(occurrence.start + _ONE_DAY)
            if end < start:
                end = start + (_ONE_DAY if all_day else _ONE_HOUR)
            if not self._in_window(start, end, all_day):
                continue
            if len(made) >= MAX_OCCURRENCES:
                cut = made[-1].start
                self.result.complete_before(cut)
                position = master[0] if master is not None else members[0][0]
                self._note(
                    uid,
                    position,
                    f"its rule gives more than {MAX_OCCURRENCES} occurrences in the window; "
                    f"listed the first {MAX_OCCURRENCES}, to {made[-1].start:%Y-%m-%d %H:%M}",
                )
                break
            # An override (RECURRENCE-ID) is the occurrence it replaces; a rule's occurrence
            # is its own original start.
            original: date = occurrence.start
            if details.replaces is not None and occurrence.start == details.start:
                original = details.replaces
            made.append(
                self._assignment(uid, details, start, end, all_day, self._recurrence_id(original))
            )
        return made

    def _occurrences(
        self, uid: str, master: _Member | None, members: list[_Member]
    ) -> Iterable[_Occurrence]:
        """The series' occurrences around the window, by start where it matters (dense ones)."""
        query = (self.window_start - _QUERY_MARGIN, self._expand_end + _QUERY_MARGIN)
        rules = self._live_rules(uid, master) if master is not None else []
        if master is not None and rules:
            rate = sum(daily_rate(rule) for rule in rules)
            first = self._instant(master[2]["DTSTART"].dt)
            walk = rate * max(0.0, (query[1] - first).total_seconds() / 86400)
            counts = [_first_int(rule.get("COUNT")) for rule in rules]
            if all(count is not None for count in counts):
                walk = min(walk, float(sum(count or 0 for count in counts)))
            in_window = rate * (query[1] - query[0]).total_seconds() / 86400
            days = (query[1] - first).total_seconds() / 86400
            steps = max(grid_steps(rule, days) for rule in rules)
            if steps > _MAX_WALK and any(uncountable(rule) for rule in rules):
                # Counted from DTSTART, period by period, for as long as it takes: a COUNT with
                # BY parts cannot be started later (see recurrence.fast_forward).
                raise _EventError(_LONG_WALK)
            if walk > _DENSE_WALK or in_window > MAX_OCCURRENCES:
                return self._dense_occurrences(master, members, rules, rate, walk)
        series = icalendar.Calendar()
        for _, event, _ in members:
            series.add_component(event)
        found: list[_Occurrence] = _query(series).between(*query)
        if len(found) > MAX_OCCURRENCES:
            found.sort(key=lambda occurrence: self._instant(occurrence.start))
        return found

    def _live_rules(self, uid: str, master: _Member) -> list[Any]:
        """The master's rules as they are cheapest to walk, giving the same occurrences.

        See usked_cli.feeds.recurrence.walkable. A rule that can give no occurrence is
        dropped, with a warning: the event is then its DTSTART (and RDATEs) alone, as RFC 5545
        counts it.
        """
        position, event, properties = master
        rules = _each(properties.get("RRULE"))
        live = []
        changed = False
        for rule in rules:
            parts = walkable(rule)
            changed = changed or parts is not rule
            if parts is None:
                unit = frequency(rule).lower().removesuffix("ly")
                self._note(
                    uid,
                    position,
                    f"its rule's BYSETPOS is past the candidates of each {unit} and gives "
                    "no occurrence; listed its DTSTART alone",
                )
                continue
            if parts is not rule:
                rule = icalendar.vRecur(parts)
            live.append(rule)
        if changed:
            event.pop("RRULE", None)
            for rule in live:
                event.add("RRULE", rule)
            if live:
                properties["RRULE"] = event["RRULE"]
            else:
                properties.pop("RRULE", None)
        return live

    def _dense_occurrences(
        self,
        master: _Member,
        members: list[_Member],
        rules: list[Any],
        rate: float,
        walk: float,
    ) -> Iterator[_Occurrence]:
        """A dense series, piece by piece through the window, its rule moved on each time.

        Each piece holds at most about MAX_OCCURRENCES / 2 occurrences by the rule's rate. The
        walk from DTSTART is paid once when the rule cannot be moved (the query is kept).
        """
        _, master_event, properties = master
        start = properties["DTSTART"].dt
        if isinstance(start, datetime) and start.tzinfo is None:
            # Floating: placed in the floating zone now rather than after expansion (the same
            # wall-clock times), so that the pieces' bounds compare exactly, without a margin.
            for name in ("DTSTART", "DTEND", "EXDATE", "RDATE"):
                for prop in _each(properties.get(name)):
                    _set_zone(prop, self.floating_tz, only_naive=True)
        margin = _QUERY_MARGIN if not isinstance(start, datetime) else timedelta(0)
        query = (self.window_start - margin, self._expand_end + margin)
        others = [event for _, event, props in members if props is not properties]
        length = self._length(properties)
        # Where each override acts: the occurrence it replaces and its own time. A piece needs
        # only those acting near it; with thousands of overrides, handing every piece all of them
        # made the work grow with their square. RANGE=THISANDFUTURE acts on every later one.
        reach: list[tuple[icalendar.cal.Component, datetime, datetime, datetime] | None] = []
        for _, event, props in members:
            if props is properties:
                continue
            try:
                recurrence = props["RECURRENCE-ID"]
                if recurrence.params.get("RANGE") or "DTSTART" not in props:
                    raise KeyError
                replaced = self._instant(recurrence.dt)
                own = self._instant(props["DTSTART"].dt)
                reach.append((event, replaced, own, own + self._length(props)))
            except (KeyError, AttributeError, TypeError, ValueError, OverflowError):
                reach.append(None)
        span = timedelta(days=max(MAX_OCCURRENCES / 2 / rate, 1 / 24))
        widest = span * 64
        piece_start = query[0]
        if properties.get("RDATE") is None:
            # Nothing occurs before DTSTART (an override's own, when it moved one earlier): the
            # pieces start there, or an empty stretch before it would widen them (below) until
            # one held millions of a FREQ=SECONDLY rule's occurrences.
            earliest = min(
                self._instant(props["DTSTART"].dt) for _, _, props in members if "DTSTART" in props
            )
            piece_start = max(piece_start, _minus(earliest, length))
        # An occurrence that two pieces both hold is listed once. Keyed by wall clock and
        # instant: a rule's step into a skipped hour (02:00 when the clocks go to 03:00) is the
        # same instant as the next one and still an occurrence of its own, as it is for
        # recurring_ical_events and for a series expanded in one piece.
        seen: set[tuple[bool, datetime, datetime]] = set()
        kept: recurring_ical_events.CalendarQuery | None = None
        while piece_start < query[1]:
            piece_end = min(piece_start + span, query[1])
            target = piece_start - length - _QUERY_MARGIN
            core = self._moved(master_event, properties, rules, rate, target, query[1])
            # A rule that cannot be moved is walked from DTSTART: its query is kept and reused
            # (with every override); one that starts near the piece is cheap to build again.
            unmoved = core is None
            if core is None:
                if walk > _MAX_WALK:
                    raise _EventError(_LONG_WALK)
                core = master_event
            if unmoved and kept is not None:
                series_query = kept
            else:
                series = icalendar.Calendar()
                series.add_component(core)
                near = others
                if not unmoved and len(others) > _FEW_OVERRIDES:
                    low = piece_start - length - 2 * _QUERY_MARGIN
                    high = piece_end + 2 * _QUERY_MARGIN
                    near = [
                        others[index]
                        for index, acts in enumerate(reach)
                        if acts is None
                        or low <= acts[1] <= high
                        or (acts[2] < high and acts[3] > low)
                    ]
                for event in near:
                    series.add_component(event)
                series_query = _query(series)
                if unmoved:
                    kept = series_query
            found: list[_Occurrence] = series_query.between(piece_start, piece_end)
            found.sort(key=lambda occurrence: self._instant(occurrence.start))
            for occurrence in found:
                if occurrence.source is core:
                    occurrence.source = master_event
                key = (
                    occurrence.source is master_event,
                    _naive(occurrence.start),
                    self._instant(occurrence.start),
                )
                if key not in seen:
                    seen.add(key)
                    yield occurrence
            if len(found) < MAX_OCCURRENCES // 8:
                span = min(span * 2, widest)
            piece_start = piece_end

    def _moved(
        self,
        event: icalendar.cal.Component,
        properties: _Properties,
        rules: list[Any],
        rate: float,
        target: datetime,
        last: datetime,
    ) -> icalendar.cal.Component | None:
        """A copy of the series' master with DTSTART moved on to just before `target`.

        The master itself when there is nothing to move; None when it cannot be moved.
        """
        start = properties["DTSTART"].dt
        if not self._instant(start) < target:
            return event
        if len(rules) != 1:
            return None
        rule = rules[0]
        count = _first_int(rule.get("COUNT"))
        # The steps the rule takes by `last`, counted on the wall clock it steps on (across a
        # change to summer time it takes an hour's steps more than the hours that pass).
        zone = start.tzinfo if isinstance(start, datetime) and start.tzinfo else self.floating_tz
        days = (_naive(last.astimezone(zone)) - _naive(start)).total_seconds() / 86400
        reach = rate * max(0.0, days) + 1
        if count is not None and count > reach:
            # A COUNT the rule cannot reach by the end of the window is no limit in it.
            rule = icalendar.vRecur({k: v for k, v in rule.items() if k != "COUNT"})
            count = None
        if isinstance(start, datetime):
            wall = target.astimezone(start.tzinfo or self.floating_tz)
            target_wall: date = wall if start.tzinfo is not None else wall.replace(tzinfo=None)
        else:
            target_wall = target.astimezone(self.floating_tz).date()
        forward = fast_forward(rule, start, target_wall)
        if forward is None:
            return None
        moved = copy.copy(event)
        moved["DTSTART"] = icalendar.vDDDTypes(forward.start)
        dtend = properties.get("DTEND")
        if dtend is not None:
            moved["DTEND"] = icalendar.vDDDTypes(dtend.dt + (_naive(forward.start) - _naive(start)))
        if count is not None:
            if count <= forward.steps:
                moved.pop("RRULE", None)  # the rule ended before the piece: DTSTART alone
            else:
                rule = icalendar.vRecur(rule)
                rule["COUNT"] = [count - forward.steps]
        if moved.get("RRULE") is not None:
            moved["RRULE"] = rule
        return moved

    def _length(self, properties: _Properties) -> timedelta:
        """How long the event lasts (exact time), for how far back its occurrences reach."""
        start, end, _ = self._span(properties)
        return end - start

    def _span(self, properties: _Properties) -> tuple[datetime, datetime, bool]:
        """The aware start and end of a single event, and whether it is all-day."""
        value = _moment(properties.get("DTSTART"), "DTSTART")
        all_day = not isinstance(value, datetime)
        start = self._aware(value)
        dtend = properties.get("DTEND")
        duration = properties.get("DURATION")
        if dtend is not None:
            end = self._aware(_moment(dtend, "DTEND"))
            if all_day and end == start:  # some producers write DTEND = DTSTART for one day
                end = self._aware(value + _ONE_DAY)
        elif duration is not None:
            end = self._add_duration(value, start, getattr(duration, "dt", None))
        elif all_day:
            end = self._aware(value + _ONE_DAY)
        else:
            end = start  # RFC 5545: a timed event without DTEND or DURATION takes no time
        if end < start:  # mended before (see _mend_end); kept as a guard
            end = start + (_ONE_DAY if all_day else _ONE_HOUR)
        return start, end, all_day

    def _aware(self, value: date) -> datetime:
        """An aware datetime: a date is its midnight, a floating time is in the floating zone."""
        if not isinstance(value, datetime):
            return datetime.combine(value, time(), tzinfo=self.floating_tz)
        if value.tzinfo is None:
            return value.replace(tzinfo=self.floating_tz)
        return value

    def _instant(self, value: date) -> datetime:
        """A date or time as an instant in UTC, to order and compare occurrences."""
        return self._aware(value).astimezone(UTC)

    def _add_duration(self, value: date, start: datetime, duration: object) -> datetime:
        if not isinstance(duration, timedelta):
            raise _EventError(f"DURATION {duration!r} is not a duration")
        if not isinstance(value, datetime):
            return self._aware(value + timedelta(days=duration.days))
        # RFC 5545 3.3.6: days are calendar days (wall clock), hours and less are exact time.
        nominal = start + timedelta(days=duration.days)
        exact = timedelta(seconds=duration.seconds, microseconds=duration.microseconds)
        return (nominal.astimezone(UTC) + exact).astimezone(start.tzinfo)

    def _in_window(self, start: datetime, end: datetime, all_day: bool) -> bool:
        """Timed: overlap with the window's instants; all-day: with its dates (see window.py)."""
        if all_day:
            return all_day_in_window(start.date(), end.date(), self.days)
        return timed_in_window(start, end, self.bounds)

    def _recurrence_id(self, original: date) -> str:
        """The ISO form of an occurrence's original start: a date for all-day occurrences."""
        if not isinstance(original, datetime):
            return original.isoformat()
        return self._aware(original).isoformat()

    def _details_of(
        self, event: icalendar.cal.Component, properties: _Properties | None = None
    ) -> _Details:
        """What the event says; the occurrences of a series share it, so it is read once."""
        details = self._details.get(id(event))
        if details is None:
            details = _Details.of(dict(event.items()) if properties is None else properties)
            self._details[id(event)] = details
        return details

    def _assignment(
        self,
        uid: str,
        details: _Details,
        start: datetime,
        end: datetime,
        all_day: bool,
        recurrence_id: str | None = None,
    ) -> Assignment:
        zoom = details.zoom
        return Assignment(
            user=self.user,
            uid=uid,
            request_id=details.request_id or uid,
            title=details.title,
            start=start,
            end=end,
            all_day=all_day,
            location=details.location,
            zoom=zoom is not None,
            invite_link=zoom.invite_link if zoom else None,
            meeting_id=details.meeting_id,
            passcode=details.passcode,
            notes=details.notes,
            recurrence_id=recurrence_id,
            pwd=zoom.pwd if zoom else None,
            dial_in=details.dial_in,
        )


@dataclass(frozen=True, slots=True)
class _Details:
    """What an event's text says, apart from its times."""

    title: str
    request_id: str | None
    location: str
    zoom: ZoomLink | None
    meeting_id: str | None
    passcode: str | None
    dial_in: tuple[DialIn, ...]
    notes: str
    cancelled: bool
    start: date | None  # DTSTART
    replaces: date | None  # RECURRENCE-ID: the occurrence an override stands in for
    # DURATION of an event without DTEND, when it has hours, minutes or seconds (exact time)
    length: timedelta | None = None

    @classmethod
    def of(cls, properties: _Properties) -> _Details:
        summary = _text(properties, "SUMMARY")
        description = _text(properties, "DESCRIPTION")
        links = [_text(properties, name) for name in _LINK_PROPERTIES + _EXTRA_LINK_PROPERTIES]
        start = getattr(properties.get("DTSTART"), "dt", None)
        replaces = getattr(properties.get("RECURRENCE-ID"), "dt", None)
        length = None if "DTEND" in properties else getattr(properties.get("DURATION"), "dt", None)
        zoom = find_zoom_link(*links)
        notes = description.strip() or _html_to_text(_text(properties, "X-ALT-DESC"))
        meeting_id = zoom.meeting_id if zoom else None
        if zoom is not None and meeting_id is None:
            meeting_id = find_meeting_id(notes)
        return cls(
            title=summary.strip(),
            request_id=find_request_id(summary, description),
            location=_text(properties, "LOCATION").strip(),
            zoom=zoom,
            meeting_id=meeting_id,
            passcode=find_passcode(notes),
            dial_in=find_dial_in(notes),
            notes=notes,
            cancelled=_cancelled(properties),
            start=start if isinstance(start, date) else None,
            replaces=replaces if isinstance(replaces, date) else None,
            length=length if isinstance(length, timedelta) and length.seconds else None,
        )


@dataclass(slots=True)
class _Occurrence:
    """One occurrence of a series: its times as recurring_ical_events computed them, and the
    event (the series' master or an override) whose text it carries."""

    source: icalendar.cal.Component
    start: date
    end: date

    def __setitem__(self, name: str, value: object) -> None:
        """recurring_ical_events sets SEQUENCE on an override's occurrence; unused here."""


class _SourceEventAdapter(recurring_ical_events.EventAdapter):  # type: ignore[misc]
    """An EventAdapter whose occurrences point at their event instead of copying it.

    recurring_ical_events makes each occurrence by copying the whole event and re-encoding its
    times, about two thirds of its cost per occurrence; the parser needs only the times and the
    source event's text. The library documents `adapter=` as its extension point.
    """

    def __init__(self, component: icalendar.cal.Component) -> None:
        super().__init__(component)
        self.source = component

    def as_component(
        self,
        start: date | None = None,
        stop: date | None = None,
        keep_recurrence_attributes: bool = True,
    ) -> _Occurrence:
        return _Occurrence(
            self.source,
            self.start if start is None else start,
            self.end if stop is None else stop,
        )


_SERIES_EVENTS = recurring_ical_events.ComponentsWithName("VEVENT", adapter=_SourceEventAdapter)


def _query(series: icalendar.Calendar) -> recurring_ical_events.CalendarQuery:
    return recurring_ical_events.CalendarQuery(series, components=[_SERIES_EVENTS])


# -- times ------------------------------------------------------------------------------------


def _set_zone(prop: Any, zone: tzinfo, *, only_naive: bool = False) -> None:
    """Put a DTSTART-like or EXDATE/RDATE-like property's times in `zone`, wall clock kept.

    A time icalendar read as UTC (written with Z) stays UTC, whatever its TZID says.
    """
    if isinstance(prop, icalendar.vDDDLists):
        for item in prop.dts:
            value = item.dt
            if isinstance(value, tuple):  # an RDATE period: (start, end or duration)
                item.dt = tuple(_zoned(part, zone, only_naive) for part in value)
            else:
                item.dt = _zoned(value, zone, only_naive)
    elif hasattr(prop, "dt"):
        prop.dt = _zoned(prop.dt, zone, only_naive)


def _zoned(value: Any, zone: tzinfo, only_naive: bool) -> Any:
    if not isinstance(value, datetime) or value.tzinfo is zone:
        return value
    if value.tzinfo is not None and (only_naive or value.tzinfo in _UTC_ZONES):
        return value
    return value.replace(tzinfo=zone)


def _starts_utc(properties: _Properties) -> bool:
    """Whether a series' DTSTART is a UTC time written with Z (Google's form)."""
    prop = properties["DTSTART"]
    value = prop.dt
    params = getattr(prop, "params", None)
    return (
        isinstance(value, datetime)
        and value.tzinfo in _UTC_ZONES
        and not (params and dict.get(params, "TZID"))
        and any(name in properties for name in ("RRULE", "RDATE"))
    )


def _move_utc(properties: _Properties, zone: tzinfo) -> None:
    """Move an event's UTC times (those without a TZID) into `zone`: the same instants."""
    for name in _ZONED_PROPERTIES:
        for prop in _each(properties.get(name)):
            params = getattr(prop, "params", None)
            if params and dict.get(params, "TZID"):
                continue
            if isinstance(prop, icalendar.vDDDLists):
                for item in prop.dts:
                    value = item.dt
                    if isinstance(value, tuple):
                        item.dt = tuple(_in_zone(part, zone) for part in value)
                    else:
                        item.dt = _in_zone(value, zone)
            elif hasattr(prop, "dt"):
                prop.dt = _in_zone(prop.dt, zone)


def _in_zone(value: Any, zone: tzinfo) -> Any:
    if isinstance(value, datetime) and value.tzinfo in _UTC_ZONES:
        return value.astimezone(zone)
    return value


def _minus(moment: datetime, length: timedelta) -> datetime:
    """`moment - length`, or the earliest instant there is (a DTSTART in the year 1)."""
    try:
        return moment - length
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def _naive(value: date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time())


def _first_int(value: Any) -> int | None:
    values = _each(value)
    try:
        return int(values[0]) if values else None
    except (TypeError, ValueError):
        return None


def _start_id(assignment: Assignment) -> str:
    """The ISO start of a single event, as its recurrence_id when its UID is shared."""
    if assignment.all_day:
        return assignment.start.date().isoformat()
    return assignment.start.isoformat()


def _copy_tag(properties: _Properties) -> str:
    """8 hex digits naming one of several events that share a UID: its DTSTART and SUMMARY."""
    start: Any = properties.get("DTSTART")
    try:
        start_text = start.to_ical().decode()
    except Exception:
        start_text = ""
    text = f"{start_text}\x1f{_text(properties, 'SUMMARY').strip()}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]


def _length_text(length: timedelta) -> str:
    """A duration as a person writes it: "1 d 2 h", "30 min"."""
    minutes = int(length.total_seconds()) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    text = " ".join(part for part in parts[:2] if part)
    return f"{text} {parts[2]}".strip() if minutes or not text else text


def _zone_name(zone: tzinfo) -> str:
    key = getattr(zone, "key", None)
    return str(key) if key else str(zone)


# -- reading the bytes ------------------------------------------------------------------------


def _decode(data: bytes, label: str, warnings: list[str]) -> str:
    """The feed as text: UTF-8 (BOM allowed), UTF-16 with a BOM, else Windows-1252 (warned)."""
    if not data.strip():
        detail = "0 bytes" if not data else "only whitespace"
        raise InputError(f"{label} is empty ({detail})")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{label} is not an iCalendar feed: it looks like binary data"
            ) from None
    kind = _binary_kind(data)
    if kind:
        raise InputError(f"{label} is not an iCalendar feed: it looks like {kind}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Some producers fold at 75 octets through the middle of a character; unfolding the
        # bytes first (RFC 5545 3.1 unfolds before decoding) joins it again.
        return _FOLD.sub(b"", data).decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(f"{label}: the feed is not UTF-8; read it as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _binary_kind(data: bytes) -> str | None:
    """What a non-text payload is, by its magic number or its control bytes; None for text."""
    head = data[:1024]
    for magic, kind in (
        (b"\x1f\x8b", "gzip-compressed data"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"%PDF", "a PDF document"),
    ):
        if head.startswith(magic):
            return f"binary data ({kind})"
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) // 10:
        return "binary data"
    return None


def _refuse_non_calendar(text: str, label: str) -> None:
    """Raise InputError naming what the text is when it does not begin as a calendar."""
    start = _TEXT_FOLD.sub("", text[:400].lstrip("\ufeff \t\r\n"))
    first_line = start.split("\n", 1)[0].strip()
    if first_line.upper().startswith("BEGIN:VCALENDAR"):
        return
    snippet = _snippet(first_line)
    lowered = start[:200].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered or "<head" in lowered:
        what = "an HTML page"
    elif lowered.startswith("<?xml") or lowered.startswith("<"):
        what = "an XML or HTML document"
    elif lowered.startswith(("{", "[")):
        what = "JSON"
    elif first_line.upper().startswith("BEGIN:"):
        what = f"a {first_line[6:].strip() or 'component'} without a VCALENDAR around it"
    else:
        raise InputError(
            f"{label} is not an iCalendar feed: it does not start with BEGIN:VCALENDAR "
            f'(starts with "{snippet}")'
        )
    raise InputError(
        f'{label} is not an iCalendar feed: it looks like {what} (starts with "{snippet}")'
    )


def _from_ical(text: str) -> tuple[icalendar.Calendar, int]:
    """Parse with icalendar (its per-process cache of custom time zones reset first): the
    calendar, its VCALENDARs merged into one, and how many there were."""
    tzp.use_zoneinfo()  # drops VTIMEZONEs cached from earlier feeds (first TZID wins there)
    components = icalendar.Calendar.from_ical(text, multiple=True)
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if not calendars or not isinstance(calendars[0], icalendar.Calendar):
        raise ValueError("the feed holds no VCALENDAR")
    calendar = calendars[0]
    for other in calendars[1:]:
        for name in ("X-WR-CALNAME", "X-WR-TIMEZONE"):
            if name not in calendar and name in other:
                calendar[name] = other[name]
        calendar.subcomponents.extend(other.subcomponents)
    # Components after the last END:VCALENDAR (a VEVENT appended to a calendar) join it too.
    calendar.subcomponents.extend(
        c for c in components if c.name in ("VEVENT", "VTIMEZONE") and c is not calendar
    )
    return calendar, len(calendars)


def _block_error(block: list[str]) -> str | None:
    """Why one component's lines do not parse on their own, or None when they do."""
    try:
        icalendar.cal.Component.from_ical("\r\n".join(block) + "\r\n")
    except Exception as error:
        if str(error).startswith("Found no components"):
            return "a component inside it has no END line"
        return _one_line(error)
    return None


def _block_uid(block: list[str]) -> str:
    for line in block:
        if line.upper().startswith("UID:"):
            return line[4:].strip() or "(empty UID)"
    return "(no UID)"


# -- one event --------------------------------------------------------------------------------


def _check_event(event: icalendar.cal.Component, properties: _Properties) -> str | None:
    """Raise _EventError when the event cannot be placed in time; else a note on what was lost.

    icalendar keeps an event whose other lines could not be read, recording them in `errors`
    (with no property name when the line itself was unreadable): the note reports them.
    """
    unreadable: list[str] = []
    for name, message in getattr(event, "errors", ()):
        if name in _TIME_PROPERTIES:
            raise _EventError(f"bad {name}: {_one_line(message)}")
        if name is None:
            unreadable.append(_one_line(message))
    dtstart = properties.get("DTSTART")
    if dtstart is None:
        lost = [message for message in unreadable if "DTSTART" in message.upper()]
        raise _EventError(f"unreadable DTSTART: {lost[0]}" if lost else "it has no DTSTART")
    if isinstance(dtstart, list):
        raise _EventError("it has more than one DTSTART")
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        prop = properties.get(name)
        if prop is None:
            continue
        if isinstance(prop, list) or not isinstance(getattr(prop, "dt", None), date):
            raise _EventError(f"bad {name}: not a date or date-time")
    duration = properties.get("DURATION")
    if duration is not None and not isinstance(getattr(duration, "dt", None), timedelta):
        raise _EventError("bad DURATION: not a duration")
    for rule in _each(properties.get("RRULE")):
        if not _each(rule.get("FREQ")):
            raise _EventError("bad RRULE: it has no FREQ")
    if unreadable:
        return f"ignored an unreadable line: {unreadable[0]}"
    return None


def _moment(prop: object, name: str) -> date:
    """The date or datetime of a DTSTART-like property (a datetime is a date too)."""
    value = getattr(prop, "dt", None)
    if not isinstance(value, date):
        raise _EventError(f"bad {name}: not a date or date-time")
    return value


def _each(value: Any) -> list[Any]:
    """A property's values as a list: icalendar gives a list only when it appears twice."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _cancelled(properties: _Properties) -> bool:
    return _text(properties, "STATUS").strip().upper() == "CANCELLED"


def _sequence(properties: _Properties) -> int:
    try:
        return int(properties.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return 0


def _text(properties: _Properties, name: str) -> str:
    """A property's text, unescaped; repeated values joined by lines."""
    value = properties.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_unescaped(item) for item in value)
    return _unescaped(value)


_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")


def _unescaped(value: object) -> str:
    """icalendar unescapes known TEXT properties but leaves X- ones (X-ALT-DESC) as written."""
    if not isinstance(value, icalendar.vUnknown) or "\\" not in value:
        return str(value)
    return _TEXT_ESCAPE.sub(
        lambda match: "\n" if match.group(1) in "nN" else match.group(1), str(value)
    )


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value).strip()
    return text or None


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/tr)\b[^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _html_to_text(markup: str) -> str:
    """Plain text from an HTML copy of the notes, for feeds that carry only the HTML one."""
    if not markup:
        return ""
    body = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", body)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# -- small helpers ----------------------------------------------------------------------------


def _as_utc(moment: datetime, default_tz: tzinfo) -> datetime:
    """A window bound in UTC; a naive bound is read in the default zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment.astimezone(UTC)


def _snippet(line: str) -> str:
    printable = "".join(char if char.isprintable() else "?" for char in line)
    printable = printable.replace('"', "'")
    if len(printable) > _SNIPPET_CHARS:
        return printable[:_SNIPPET_CHARS] + "…"
    return printable


def _one_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= _MESSAGE_CHARS else text[:_MESSAGE_CHARS] + "…"
