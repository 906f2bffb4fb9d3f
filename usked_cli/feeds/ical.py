"""Read one user's iCalendar feed into the assignments that fall in a time window.

What real feeds (uSked, Outlook, Google, Zoom) hold and how it is read:
  - times with a TZID take that zone: an inline VTIMEZONE, an IANA name without one, or an
    Outlook Windows name ("Central Standard Time", which icalendar maps to America/Chicago);
    UTC times stay UTC; floating times (no TZID, no Z) and all-day dates take the calendar's
    X-WR-TIMEZONE if it names a zone, else `default_tz`;
  - single events are read directly; only recurring series (RRULE, RDATE, RECURRENCE-ID) go
    through recurring_ical_events, one series at a time, because expanding the whole calendar
    through it costs about as much again as parsing it; its occurrences point at their source
    event instead of copying it (see _SourceEventAdapter);
  - recurring_ical_events.of() is NOT used: it first calls x_wr_timezone.to_standard(), which
    takes any time whose zone has no name (an inline VTIMEZONE without TZNAME, as Outlook writes
    them) for a floating time and moves it into X-WR-TIMEZONE. The floating zone is attached
    here instead, after expansion;
  - icalendar caches a feed's custom VTIMEZONE per process under its TZID, first definition
    wins, so a second feed defining the same TZID differently would get the first one's rules;
    the cache is reset before each parse (parses take a lock, as the cache is global).

Cancelled events and cancelled occurrences are left out. An event that cannot be read (bad or
missing DTSTART, bad RRULE, unknown TZID, end before start, a SECONDLY or MINUTELY rule) is
skipped with a warning naming its UID and line; a line icalendar cannot read at all is dropped
with a warning and the rest parsed again. Input that is not a calendar (HTML, JSON, binary, an
empty or cut-short file) raises InputError with one line saying what it is instead.

Identity: `recurrence_id` is the ISO form of an occurrence's original start (its RECURRENCE-ID
for an override; a plain date for all-day series); a single event has None. An event without a
UID gets `no-uid-<hash of summary and DTSTART>`, stable from one sync to the next.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from usked_cli.errors import InputError
from usked_cli.feeds.links import find_request_id, find_zoom_link
from usked_cli.models import Assignment, ZoomLink

__all__ = ["ParseResult", "parse_feed"]


@dataclass(slots=True)
class ParseResult:
    """What one feed holds for the window, and what was wrong with it."""

    assignments: list[Assignment] = field(default_factory=list)  # by start, then request_id
    warnings: list[str] = field(default_factory=list)
    event_count: int = 0  # VEVENTs seen, the skipped ones included
    calendar_name: str | None = None  # X-WR-CALNAME
    calendar_tz: str | None = None  # X-WR-TIMEZONE, as written


# Properties that place an event in time: a broken one means the event cannot be placed.
_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE")
_ZONED_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_RECURRENCE_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")
# Rules that would expand to hundreds of thousands of occurrences in a window of months.
_REFUSED_FREQUENCIES = {"SECONDLY", "MINUTELY"}
# Where the Zoom invite may be, in the order it is looked for.
_LINK_PROPERTIES = ("LOCATION", "DESCRIPTION", "URL", "CONFERENCE", "X-ALT-DESC")
_EXTRA_LINK_PROPERTIES = ("X-GOOGLE-CONFERENCE",)
# Recurrences are asked for a day wider than the window: the library compares floating times
# as if they were in the bounds' zone, up to 14 hours off; the exact cut is made here after.
_QUERY_MARGIN = timedelta(days=1)
_ONE_DAY = timedelta(days=1)
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
) -> ParseResult:
    """The assignments of every occurrence in `data` that overlaps [window_start, window_end).

    Raises InputError (and nothing else) when `data` is not an iCalendar feed; a feed that
    parses but has no event in the window gives an empty list.
    """
    label = source or "the feed"
    with _PARSE_LOCK, warnings.catch_warnings(record=True) as library_warnings:
        # icalendar warns through Python's warnings (e.g. a guessed TZID): make them feed
        # warnings, so they reach stderr in our words and once, not as a Python traceback line.
        warnings.simplefilter("always")
        try:
            reader = _FeedReader(data, label, user, window_start, window_end, default_tz)
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
        else:
            notes.append(f"{label}: {_one_line(caught.message)}")
    result.warnings.extend(dict.fromkeys(notes))
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
        self.floating_tz: tzinfo = default_tz
        self.result = ParseResult()
        self.text = ""
        self._event_lines: list[int] | None = None
        self._details: dict[int, _Details] = {}

    # -- reading the calendar -------------------------------------------------------------

    def read(self) -> ParseResult:
        self.text = _decode(self.data, self.label, self.result.warnings)
        _refuse_non_calendar(self.text, self.label)
        calendar = self._parse_calendar()
        self.result.calendar_name = _optional_text(calendar.get("X-WR-CALNAME"))
        self.result.calendar_tz = _optional_text(calendar.get("X-WR-TIMEZONE"))
        if self.result.calendar_tz:
            zone = _zone(self.result.calendar_tz)
            if zone is None:
                self.result.warnings.append(
                    f"{self.label}: X-WR-TIMEZONE {self.result.calendar_tz!r} is not a known "
                    f"time zone; floating times are read in {self.default_tz.key}"
                )
            else:
                self.floating_tz = zone
        events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
        self.result.event_count += len(events)
        self._read_events(events)
        self.result.assignments.sort(
            key=lambda a: (a.start, a.request_id, a.uid, a.recurrence_id or "")
        )
        return self.result

    def _parse_calendar(self) -> icalendar.Calendar:
        try:
            return _from_ical(self.text)
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
        try:
            calendar = _from_ical(kept_text)
        except Exception:
            line = self._line_of_text(str(first_error))
            where = f" (line {line})" if line else ""
            raise InputError(
                f"{self.label} is not a readable iCalendar feed: {_one_line(first_error)}{where}"
            ) from first_error
        self._event_lines = event_lines
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
                    f'{self.label}: ignored an unreadable line {index + 1}: "{_snippet(line)}"'
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
        if reason is None:
            kept.extend(block)
            if name == "VEVENT":
                event_lines.append(index + 1)
        elif name == "VEVENT":
            self.result.event_count += 1
            self.result.warnings.append(
                f"{self.label}: skipped event {_block_uid(block)} (line {index + 1}): {reason}"
            )
        else:
            self.result.warnings.append(
                f"{self.label}: ignored an unreadable {name} (line {index + 1}): {reason}"
            )
        return end + 1 if complete else end

    # -- line numbers for warnings ----------------------------------------------------------

    def _line_of_event(self, position: int) -> int | None:
        """The line of the `position`-th top-level BEGIN:VEVENT in the feed."""
        if self._event_lines is None:
            lines: list[int] = []
            line = 1
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
        return self.text.count("\n", 0, offset) + 1 if offset >= 0 else None

    def _warn(self, uid: str, position: int, reason: str) -> None:
        line = self._line_of_event(position)
        where = f" (line {line})" if line else ""
        self.result.warnings.append(f"{self.label}: skipped event {uid}{where}: {reason}")

    # -- events -----------------------------------------------------------------------------

    def _read_events(self, events: list[icalendar.cal.Component]) -> None:
        """Check each event, then read single events directly and series by UID."""
        by_uid: dict[str, list[_Member]] = {}
        for position, event in enumerate(events):
            properties = dict(event.items())
            uid = self._uid(event, properties, position)
            try:
                note = _check_event(event, properties)
            except _EventError as error:
                self._warn(uid, position, str(error))
                continue
            except Exception as error:  # an icalendar surprise in one event
                self._warn(uid, position, _one_line(error))
                continue
            if note:
                line = self._line_of_event(position)
                where = f" (line {line})" if line else ""
                self.result.warnings.append(f"{self.label}: event {uid}{where}: {note}")
            by_uid.setdefault(uid, []).append((position, event, properties))
        for uid, members in by_uid.items():
            recurring = any(
                name in properties
                for _, _, properties in members
                for name in _RECURRENCE_PROPERTIES
            )
            try:
                if recurring:
                    self._read_series(uid, members)
                else:
                    self._read_single(uid, members)
            except Exception as error:
                self._warn(uid, members[0][0], _one_line(error))

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
        line = self._line_of_event(position)
        where = f" at line {line}" if line else ""
        self.result.warnings.append(f"{self.label}: the event{where} has no UID; using {uid}")
        return uid

    def _read_single(self, uid: str, members: list[_Member]) -> None:
        position, event, properties = members[0]
        if len(members) > 1:
            # The same UID twice without RECURRENCE-ID: the highest SEQUENCE is the live copy.
            position, event, properties = max(
                members, key=lambda member: (_sequence(member[2]), member[0])
            )
            line = self._line_of_event(position)
            where = f" at line {line}" if line else ""
            self.result.warnings.append(
                f"{self.label}: UID {uid} appears {len(members)} times; kept the copy{where}"
            )
        if _cancelled(properties):
            return
        try:
            start, end, all_day = self._span(properties)
        except _EventError as error:
            self._warn(uid, position, str(error))
            return
        if self._in_window(start, end):
            details = self._details_of(event, properties)
            self.result.assignments.append(self._assignment(uid, details, start, end, all_day))

    def _read_series(self, uid: str, members: list[_Member]) -> None:
        series = icalendar.Calendar()
        for position, event, properties in members:
            try:
                # recurring_ical_events would quietly swap an end before the start: skip the
                # event as a single one would be skipped.
                self._span(properties)
            except _EventError as error:
                self._warn(uid, position, str(error))
                continue
            series.add_component(event)
        query = recurring_ical_events.CalendarQuery(series, components=[_SERIES_EVENTS])
        occurrences: list[_Occurrence] = query.between(
            self.window_start - _QUERY_MARGIN, self.window_end + _QUERY_MARGIN
        )
        for occurrence in occurrences:
            event = occurrence.source
            details = self._details_of(event)
            if details.cancelled:
                continue
            all_day = not isinstance(occurrence.start, datetime)
            start = self._aware(occurrence.start)
            end = self._aware(occurrence.end)
            if all_day and end == start:  # as for single events: DTEND = DTSTART is one day
                end = self._aware(occurrence.start + _ONE_DAY)
            if end < start:
                raise _EventError(_backwards(start, end))
            if not self._in_window(start, end):
                continue
            # An override (RECURRENCE-ID) is the occurrence it replaces; a rule's occurrence
            # is its own original start.
            original: date = occurrence.start
            if details.replaces is not None and occurrence.start == details.start:
                original = details.replaces
            self.result.assignments.append(
                self._assignment(uid, details, start, end, all_day, self._recurrence_id(original))
            )

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
        if end < start:
            raise _EventError(_backwards(start, end))
        return start, end, all_day

    def _aware(self, value: date) -> datetime:
        """An aware datetime: a date is its midnight, a floating time is in the floating zone."""
        if not isinstance(value, datetime):
            return datetime.combine(value, time(), tzinfo=self.floating_tz)
        if value.tzinfo is None:
            return value.replace(tzinfo=self.floating_tz)
        return value

    def _add_duration(self, value: date, start: datetime, duration: object) -> datetime:
        if not isinstance(duration, timedelta):
            raise _EventError(f"DURATION {duration!r} is not a duration")
        if duration < timedelta(0):
            raise _EventError("its DURATION is negative")
        if not isinstance(value, datetime):
            return self._aware(value + timedelta(days=duration.days))
        # RFC 5545 3.3.6: days are calendar days (wall clock), hours and less are exact time.
        nominal = start + timedelta(days=duration.days)
        exact = timedelta(seconds=duration.seconds, microseconds=duration.microseconds)
        return (nominal.astimezone(UTC) + exact).astimezone(start.tzinfo)

    def _in_window(self, start: datetime, end: datetime) -> bool:
        """Overlap with [window_start, window_end); a zero-length event counts at its start."""
        if start >= self.window_end:
            return False
        return end > self.window_start or (start == end and start >= self.window_start)

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
            meeting_id=zoom.meeting_id if zoom else None,
            passcode=zoom.passcode if zoom else None,
            notes=details.notes,
            recurrence_id=recurrence_id,
        )


@dataclass(frozen=True, slots=True)
class _Details:
    """What an event's text says, apart from its times."""

    title: str
    request_id: str | None
    location: str
    zoom: ZoomLink | None
    notes: str
    cancelled: bool
    start: date | None  # DTSTART
    replaces: date | None  # RECURRENCE-ID: the occurrence an override stands in for

    @classmethod
    def of(cls, properties: _Properties) -> _Details:
        summary = _text(properties, "SUMMARY")
        description = _text(properties, "DESCRIPTION")
        links = [_text(properties, name) for name in _LINK_PROPERTIES + _EXTRA_LINK_PROPERTIES]
        start = getattr(properties.get("DTSTART"), "dt", None)
        replaces = getattr(properties.get("RECURRENCE-ID"), "dt", None)
        return cls(
            title=summary.strip(),
            request_id=find_request_id(summary, description),
            location=_text(properties, "LOCATION").strip(),
            zoom=find_zoom_link(*links),
            notes=description.strip() or _html_to_text(_text(properties, "X-ALT-DESC")),
            cancelled=_cancelled(properties),
            start=start if isinstance(start, date) else None,
            replaces=replaces if isinstance(replaces, date) else None,
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


def _from_ical(text: str) -> icalendar.Calendar:
    """Parse with icalendar, its per-process cache of custom time zones reset first."""
    tzp.use_zoneinfo()  # drops VTIMEZONEs cached from earlier feeds (first TZID wins there)
    calendar = icalendar.Calendar.from_ical(text)
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ValueError("the feed holds no VCALENDAR")
    return calendar


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
    for name in _ZONED_PROPERTIES:
        for prop in _each(properties.get(name)):
            # icalendar leaves a time naive when it cannot resolve its TZID
            params = getattr(prop, "params", None)
            tzid = params.get("TZID") if params else None
            if tzid and any(_is_naive(value) for value in _datetimes(prop)):
                raise _EventError(f"unknown time zone {tzid!r} in {name}")
    for rule in _each(properties.get("RRULE")):
        frequencies = rule.get("FREQ") or []
        frequency = str(frequencies[0]).upper() if frequencies else ""
        if frequency in _REFUSED_FREQUENCIES:
            raise _EventError(f"RRULE FREQ={frequency} is not supported for assignments")
    if unreadable:
        return f"ignored an unreadable line: {unreadable[0]}"
    return None


def _backwards(start: datetime, end: datetime) -> str:
    return f"it ends ({end.isoformat()}) before it starts ({start.isoformat()})"


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


def _datetimes(prop: Any) -> Iterator[Any]:
    """The date/datetime values of a DTSTART-like or EXDATE/RDATE-like property."""
    if isinstance(prop, icalendar.vDDDLists):
        for item in prop.dts:
            value = item.dt
            yield value[0] if isinstance(value, tuple) else value  # RDATE periods
    else:
        yield getattr(prop, "dt", None)


def _is_naive(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


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


def _zone(name: str) -> tzinfo | None:
    """The zone an X-WR-TIMEZONE names: an IANA name or an Outlook Windows name."""
    for key in (name, WINDOWS_TO_OLSON.get(name)):
        if not key:
            continue
        try:
            return ZoneInfo(key)
        except Exception:  # ZoneInfoNotFoundError, or ValueError for a malformed key
            continue
    return None


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
