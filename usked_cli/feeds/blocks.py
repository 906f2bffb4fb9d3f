"""A feed cut into its components without parsing it: what incremental sync compares.

uSked writes a new feed on every request: the same events with a new DTSTAMP. Parsing is the
cost of a sync (icalendar reads about 1.7 MB a second here), so a sync reads only what changed:
the feed is split here into its calendar-level lines, its VTIMEZONEs and its VEVENTs (content
lines unfolded, BEGIN/END nesting followed), each VEVENT hashed with its volatile lines left out
(DTSTAMP, LAST-MODIFIED, and SEQUENCE unless it picks between events of one UID), and the
events grouped by UID (a series travels with its overrides). usked_cli.feeds.incremental decides
what to parse; usked_cli.feeds.ical parses it.

Nothing here imports icalendar: a sync whose feed only got new DTSTAMPs parses nothing.

The split is refused (None: the caller parses the whole feed as it always did) for any shape
whose reading this module cannot promise to be icalendar's: not UTF-8, not one VCALENDAR from
the start (bare VEVENTs, several calendars, text after the end), a folded or unmatched
BEGIN/END line.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = ["EventBlock", "FeedBlocks", "Group", "group_events", "split_feed", "sub_feed"]

# The lines that matter here, found in one pass: a `\n` and a first letter in front make the
# scan about three times faster than `^` with re.M. The first line is matched apart (_FIRST).
_NAMES = rb"BEGIN|END|UID|SEQUENCE|RECURRENCE-ID|DTSTAMP|LAST-MODIFIED"
# And those that say whether an event is a plain single one, and its dates (split_feed's
# `dates`; without it, Group.outside reads them from the event's own lines when asked).
_TIME_NAMES = rb"|RRULE|RDATE|EXDATE|EXRULE|DURATION|DTSTART|DTEND"


def _line_pattern(names: bytes) -> re.Pattern[bytes]:
    # Groups: name, separator, the rest of the line, and a blank when the next line continues it.
    firsts = sorted({name[:1] for name in names.split(b"|")})
    ahead = b"".join(firsts) + b"".join(first.lower() for first in firsts)
    return re.compile(
        rb"\n(?=[" + ahead + rb"])(" + names + rb")([;:])([^\r\n]*)(?=\r?\n([ \t])|)", re.I
    )


_LINE = _line_pattern(_NAMES)
_LINE_WITH_TIMES = _line_pattern(_NAMES + _TIME_NAMES)
# For one event's own lines, read when asked (the same rules as _EventLines.add).
_TIME_LINE = re.compile(
    rb"^(" + _TIME_NAMES[1:] + rb")([;:])([^\r\n]*)(?=\r?\n([ \t])|)", re.M | re.I
)
_FIRST = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*BEGIN:VCALENDAR[ \t]*\r?\n", re.I)
_COMPONENT_NAME = re.compile(rb"[A-Za-z0-9-]+[ \t]*\r?")
_DATE_VALUE = re.compile(rb"((?:;[A-Za-z0-9-]+=[^:;\"\r\n]*)*):(\d{8})(?:T\d{6}Z?)?[ \t]*\r?")
# Properties that make an event's time more than one DTSTART/DTEND pair.
_NOT_SIMPLE = {b"RRULE", b"RDATE", b"EXDATE", b"EXRULE", b"RECURRENCE-ID", b"DURATION"}
# A volatile line is left out only as uSked writes it: no parameters, a plain UTC or local
# date-time (SEQUENCE: a number). Anything else stays, so a malformed one is read as it is.
_STAMP_VALUE = re.compile(rb"[ \t]*\d{8}T\d{6}Z?[ \t]*\r?")
_SEQUENCE_VALUE = re.compile(rb"[ \t]*\d{1,9}[ \t]*\r?")
_VOLATILE = re.compile(
    rb"^(?:DTSTAMP|LAST-MODIFIED):[ \t]*\d{8}T\d{6}Z?[ \t]*\r?(?:\n|\Z)", re.M | re.I
)
_FOLD = re.compile(rb"(?:\r?\n)+[ \t]")  # icalendar's own: blank lines before a fold go too
# A line break, blank lines and a blank: a fold over blank lines, which the scan does not follow.
_FOLD_OVER_BLANKS = re.compile(rb"\n(?:\r?\n)+[ \t]")
# An event's lines that neither the parser nor recurring_ical_events reads, when not folded;
# taken out with the line break before them.
_UNREAD = re.compile(
    rb"\r?\n(?:DTSTAMP|LAST-MODIFIED):[ \t]*\d{8}T\d{6}Z?[ \t]*(?=\r?\n(?![ \t]))", re.I
)
_UTF8_CHUNK = 1 << 20
# The most an event's UTC instants can sit from the dates it is written with (zones reach
# +14/-12 h), with an all-day event's own day on top: three days decide without a doubt.
_DATE_MARGIN = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class EventBlock:
    """One top-level VEVENT as written."""

    start: int  # byte offsets of its lines in the feed, BEGIN:VEVENT to END:VEVENT inclusive
    end: int
    line: int  # the line of its BEGIN:VEVENT, from 1
    uid: str | None  # its UID as the parser reads it; None when absent or not plainly written
    uidless: bool  # it has no UID line at all (the parser names it from its summary and start)
    digest: bytes  # its lines without the volatile ones
    sequence: bytes  # its SEQUENCE value as written ("" when none)
    override: bool  # it has a RECURRENCE-ID
    # The dates of a plain single event (no rule, no RDATE, no DURATION), as YYYYMMDD numbers:
    # DTSTART's and the later of DTSTART and DTEND. None when the event is anything else.
    dates: tuple[int, int] | None
    timed: bool  # `dates` was read (else plain_dates reads it when asked)
    nested: bool  # a component inside it (a VALARM)

    def plain_dates(self, data: bytes) -> tuple[int, int] | None:
        """`dates`, read from the event's lines in `data` if the split did not read them."""
        if self.timed:
            return self.dates
        if self.nested or self.override:
            return None  # its own lines are not told from a VALARM's here; an override recurs
        lines = _EventLines(self.start, self.line)
        for match in _TIME_LINE.finditer(data, self.start, self.end):
            name, separator, rest, continued = match.groups()
            lines.add(name.upper(), separator, rest, continued is not None, 0, 0)
        return lines.dates()


@dataclass(slots=True)
class Group:
    """The events sharing one UID, in feed order (an event without a UID is a group alone)."""

    uid: str | None
    events: list[EventBlock] = field(default_factory=list)

    @property
    def digest(self) -> bytes:
        hashed = hashlib.blake2b(digest_size=16)
        for event in self.events:
            hashed.update(event.digest)
        if len(self.events) > 1:
            # Between events of one UID (copies, overrides of one occurrence) the highest
            # SEQUENCE wins: it is not volatile then.
            for event in self.events:
                hashed.update(b"\x00" + event.sequence)
        return hashed.digest()

    @property
    def size(self) -> int:
        return sum(event.end - event.start for event in self.events)

    def outside(self, first_day: date, last_day: date, data: bytes) -> bool:
        """True when this is one plain single event whose dates lie days before `first_day` or
        after `last_day`: no zone can bring it into a window of those days."""
        dates = self.events[0].plain_dates(data) if len(self.events) == 1 else None
        if dates is None:
            return False
        starts, ends = dates
        return ends < _day_number(first_day - _DATE_MARGIN) or starts > _day_number(
            last_day + _DATE_MARGIN
        )


@dataclass(slots=True)
class FeedBlocks:
    """A feed's calendar-level lines, VTIMEZONEs, other components and VEVENTs."""

    data: bytes
    head: bytes  # the calendar's own property lines, as written
    zones: list[tuple[int, int]]  # VTIMEZONE spans
    others: list[tuple[int, int]]  # components that are neither (VTODO, VJOURNAL, ...)
    events: list[EventBlock]

    def context(self, *parts: str) -> str:
        """What every event's reading depends on besides itself: the calendar's lines, its
        zones (the other components too, to be safe), and `parts` (the parser's marker, the
        window), as a hex digest."""
        hashed = hashlib.blake2b(digest_size=16)
        for part in parts:
            hashed.update(part.encode() + b"\x00")
        hashed.update(_steady(self.head) + b"\x00")
        for start, end in (*self.zones, *self.others):
            hashed.update(_steady(self.data[start:end]) + b"\x00")
        return hashed.hexdigest()


def split_feed(data: bytes, *, dates: bool = True) -> FeedBlocks | None:
    """The feed's blocks, or None when its shape is not plainly one UTF-8 VCALENDAR.

    `dates`: read each event's dates as the feed is split (a first sync needs them all); else
    they are read for the events that ask (EventBlock.plain_dates), a third faster split.
    """
    first = _FIRST.match(data)
    if first is None or not _is_utf8(data) or _folds_over_blanks(data):
        return None
    head: list[bytes] = []
    zones: list[tuple[int, int]] = []
    others: list[tuple[int, int]] = []
    events: list[EventBlock] = []
    stack: list[bytes] = [b"VCALENDAR"]
    gap_from = first.end()  # where the calendar's own lines go on
    event: _EventLines | None = None
    component_start = 0
    line = 1
    counted_to = 0
    for match in (_LINE_WITH_TIMES if dates else _LINE).finditer(data, first.end() - 1):
        name, separator, rest, continued = match.groups()
        name = name.upper()
        if name == b"BEGIN" or name == b"END":
            at = match.start() + 1
            component = _COMPONENT_NAME.fullmatch(rest)
            if separator != b":" or component is None or continued:
                return None  # parameters on BEGIN, or a folded BEGIN line: not ours to guess
            kind = component.group().rstrip(b" \t\r").upper()
            if name == b"BEGIN":
                if len(stack) == 1:
                    head.append(data[gap_from:at])
                    component_start = at
                    if kind == b"VEVENT":
                        line += data.count(b"\n", counted_to, at)
                        counted_to = at
                        event = _EventLines(at, line)
                elif event is not None:
                    event.nested = True
                stack.append(kind)
                continue
            if stack.pop() != kind:
                return None
            end = _line_end(data, match.end())
            if not stack:  # END:VCALENDAR: nothing may follow
                head.append(data[gap_from:at])
                if data[end:].strip():
                    return None
                return FeedBlocks(data, b"".join(head), zones, others, events)
            if len(stack) == 1:
                if kind == b"VEVENT" and event is not None:
                    events.append(event.block(data, end, timed=dates))
                    event = None
                elif kind == b"VTIMEZONE":
                    zones.append((component_start, end))
                else:
                    others.append((component_start, end))
                gap_from = end
            continue
        if event is not None and len(stack) == 2:  # the event's own lines, not a VALARM's
            event.add(name, separator, rest, continued is not None, match.start() + 1, match.end())
    return None  # no END:VCALENDAR


def group_events(events: Iterable[EventBlock]) -> list[Group]:
    """The events by UID, groups in the order of their first event."""
    groups: list[Group] = []
    by_uid: dict[str, Group] = {}
    for event in events:
        if event.uid is None:
            groups.append(Group(None, [event]))
            continue
        group = by_uid.get(event.uid)
        if group is None:
            group = by_uid[event.uid] = Group(event.uid)
            groups.append(group)
        group.events.append(event)
    return groups


def sub_feed(blocks: FeedBlocks, events: Sequence[EventBlock]) -> bytes:
    """A calendar of the feed's own lines, its VTIMEZONEs and `events` (without the lines
    nothing reads: DTSTAMP and LAST-MODIFIED, a tenth of icalendar's work on a uSked feed)."""
    data = blocks.data
    parts = [b"BEGIN:VCALENDAR\r\n", _ended(blocks.head)]
    parts.extend(_ended(data[start:end]) for start, end in blocks.zones)
    parts.append(_UNREAD.sub(b"", b"".join(_ended(data[e.start : e.end]) for e in events)))
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


# -- one event --------------------------------------------------------------------------------


class _EventLines:
    """What one VEVENT's own lines say, gathered as the scan passes them."""

    __slots__ = (
        "dtend",
        "dtstart",
        "line",
        "nested",
        "odd",
        "override",
        "sequences",
        "simple",
        "start",
        "uids",
        "volatile",
    )

    def __init__(self, start: int, line: int) -> None:
        self.start = start
        self.line = line
        self.uids: list[str] = []
        self.odd = False  # a UID not plainly written
        self.sequences: list[bytes] = []
        self.volatile: list[tuple[int, int]] = []  # spans of DTSTAMP, LAST-MODIFIED, SEQUENCE
        self.override = False
        self.simple = True  # one DTSTART, at most one DTEND, both plain dates or date-times
        self.dtstart: int | None = None  # their dates, as YYYYMMDD numbers
        self.dtend: int | None = None
        self.nested = False

    def add(
        self, name: bytes, separator: bytes, rest: bytes, continued: bool, start: int, end: int
    ) -> None:
        """One of the event's own lines: `name`, then `separator` and `rest` as written;
        `continued` when it is folded; [start, end) its offsets without the line break."""
        if name == b"UID":
            if separator != b":" or continued or b"\\" in rest:
                self.odd = True  # parameters, a folded value or escapes: icalendar's to read
            else:
                self.uids.append(rest.decode("utf-8").strip())
        elif name in (b"DTSTAMP", b"LAST-MODIFIED", b"SEQUENCE"):
            plain = _SEQUENCE_VALUE if name == b"SEQUENCE" else _STAMP_VALUE
            if separator == b":" and not continued and plain.fullmatch(rest):
                self.volatile.append((start, end))
            if name == b"SEQUENCE":
                self.sequences.append(separator + rest)
        elif name in (b"DTSTART", b"DTEND"):
            value = None if continued else _DATE_VALUE.fullmatch(separator + rest)
            seen = self.dtstart if name == b"DTSTART" else self.dtend
            if value is None or seen is not None:
                self.simple = False
            elif name == b"DTSTART":
                self.dtstart = int(value.group(2))
            else:
                self.dtend = int(value.group(2))
        elif name in _NOT_SIMPLE:
            self.simple = False
            if name == b"RECURRENCE-ID":
                self.override = True

    def dates(self) -> tuple[int, int] | None:
        if not self.simple or self.dtstart is None:
            return None
        return self.dtstart, max(self.dtstart, self.dtend or self.dtstart)

    def block(self, data: bytes, end: int, *, timed: bool) -> EventBlock:
        hashed = hashlib.blake2b(digest_size=16)
        at = self.start
        for span_start, span_end in self.volatile:
            hashed.update(data[at:span_start])
            at = span_end
        hashed.update(data[at:end])
        plain = len(self.uids) == 1 and not self.odd and self.uids[0] != ""
        dates = self.dates() if timed else None
        return EventBlock(
            start=self.start,
            end=end,
            line=self.line,
            uid=self.uids[0] if plain else None,
            uidless=not self.uids and not self.odd,
            digest=hashed.digest(),
            sequence=b",".join(self.sequences),
            override=self.override,
            dates=dates,
            timed=timed,
            nested=self.nested,
        )


def _line_end(data: bytes, position: int) -> int:
    """The offset after the line break at `position` (a CR LF, an LF, or the end)."""
    if data.startswith(b"\r\n", position):
        return position + 2
    if data.startswith(b"\n", position) or data.startswith(b"\r", position):
        return position + 1
    return position


def _day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _steady(lines: bytes) -> bytes:
    return _VOLATILE.sub(b"", _FOLD.sub(b"", lines))


def _ended(lines: bytes) -> bytes:
    return lines if not lines or lines.endswith(b"\n") else lines + b"\r\n"


def _folds_over_blanks(data: bytes) -> bool:
    # Blank lines are rare in a feed: look for them first (a fast find), the pattern only then.
    if b"\n\n" not in data and b"\n\r\n" not in data:
        return False
    return _FOLD_OVER_BLANKS.search(data) is not None


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8 throughout, checked a megabyte at a time (no copy of the text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for offset in range(0, len(data), _UTF8_CHUNK):
            decoder.decode(data[offset : offset + _UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
