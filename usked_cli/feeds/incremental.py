"""Read a feed for a sync: only the events that changed since the last sync, in batches.

The feed is cut into blocks without parsing (usked_cli.feeds.blocks). An event group (one UID:
a series and its overrides) whose digest is the one stored at the last sync, under the same
context (the calendar's own lines, its VTIMEZONEs, the parser's marker and the window), keeps
its stored assignments; the others are parsed. What is parsed goes to icalendar in batches of
about BATCH_BYTES, each a calendar of the feed's own lines, its zones and the batch's events,
so a large feed never sits in memory as one parsed calendar (icalendar holds about 25 bytes per
byte of feed). A plain single event whose dates lie days outside the window is not parsed at
all: it cannot give an assignment there.

What is stored equals a parse of the whole feed (tests/feeds/test_incremental.py checks it on
random edits). Whenever that cannot be promised, the whole feed is parsed as one, as before:
a shape the splitter refuses, a UID not plainly written, unreadable lines, a feed at its cap of
occurrences, a parse whose UIDs do not match the blocks'. An event something was said about (a
warning) is parsed at every sync, so its warnings are said every time, at the right line; so is
the whole feed when something was said about the feed itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol, cast
from zoneinfo import ZoneInfo

from usked_cli.errors import InputError, UskedError
from usked_cli.feeds.blocks import EventBlock, FeedBlocks, Group, group_events, split_feed, sub_feed
from usked_cli.feeds.window import window_days
from usked_cli.models import Assignment

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from usked_cli.feeds.ical import ParseResult

__all__ = ["BATCH_BYTES", "AssignmentSink", "FeedReading", "Previous", "read_feed"]

# Events parsed per icalendar call: about 50 MB of parsed calendar at a time, and few enough
# calls that each one's fixed cost (the calendar's lines and zones again) stays small.
BATCH_BYTES = 2_000_000
# Past this much to parse, half the batches are parsed by a forked worker (_parsed): below it,
# a fork and the pickling of the assignments cost more than they save.
PARALLEL_BYTES = 3_000_000


class AssignmentSink(Protocol):
    """Where the parsed assignments go, batch by batch (the workspace's staging table for a
    sync, so a large feed's assignments never sit in memory at once; a list for a listing)."""

    def add(self, assignments: Sequence[Assignment]) -> None: ...

    def cut(self, keep: int) -> tuple[datetime, int]:
        """Keep the assignments that start before the (keep + 1)-th by start: that start, and
        how many are left (at most `keep`)."""
        ...

    def clear(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Previous:
    """What the last sync of this feed stored, as far as reuse needs it."""

    context: str
    digests: Mapping[str, bytes]  # UID -> its group's digest, for the UIDs that were settled
    assignment_count: int
    calendar_tz: str | None
    generation: int  # the store's count of replacements when these were read


@dataclass(slots=True)
class FeedReading:
    """A feed read for storing: the new assignments and what of the stored ones stands."""

    assignments: list[Assignment]  # the new ones, when no sink was given (else in the sink)
    kept: frozenset[str] | None  # UIDs whose stored assignments stand; None: replace them all
    digests: dict[str, bytes]  # settled UIDs -> digest, to store (the kept ones included)
    context: str | None  # to store; None when nothing of this reading can be reused
    event_count: int
    calendar_tz: str | None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    complete_until: datetime | None = None
    events_read: int = 0  # VEVENTs handed to the parser this time
    new_count: int = 0  # new assignments (in `assignments` or in the sink)
    assignment_count: int = 0  # what the user has stored once this reading is (the sync sets it)


def read_feed(
    body: bytes,
    *,
    user: str,
    label: str,
    window: tuple[datetime, datetime],
    default_tz: ZoneInfo,
    marker: str,
    previous: Previous | None,
    sink: AssignmentSink | None = None,
) -> FeedReading:
    """Read `body` over `window`, reusing what `previous` stored where the events are the same.

    The new assignments go to `sink` when one is given, else to the reading's `assignments`.
    Raises InputError when `body` is not a calendar (as usked_cli.feeds.ical.parse_feed does).
    """
    into = sink if sink is not None else _InMemory()
    # With a previous sync to compare with, only the changed events' dates are asked for.
    blocks = split_feed(body, dates=previous is None)
    if blocks is None or any(event.uid is None and not event.uidless for event in blocks.events):
        return _whole(body, user=user, label=label, window=window, default_tz=default_tz, into=into)
    context = blocks.context(marker, *(str(int(bound.timestamp())) for bound in window))
    reuse = previous if previous is not None and previous.context == context else None
    first_day, last_day = window_days(*window)
    kept: set[str] = set()
    digests: dict[str, bytes] = {}
    to_read: list[tuple[Group, bytes]] = []
    uidless = Group(None)  # events without a UID are read together, always (the parser names them)
    for group in group_events(blocks.events):
        if group.uid is None:
            uidless.events.extend(group.events)
            continue
        digest = group.digest
        if reuse is not None and reuse.digests.get(group.uid) == digest:
            kept.add(group.uid)
            digests[group.uid] = digest
        elif group.outside(first_day, last_day, body):
            digests[group.uid] = digest  # settled, with no assignment in the window
        else:
            to_read.append((group, digest))
    if uidless.events:
        to_read.append((uidless, b""))
    # Past this many new assignments the kept and the new ones together may pass the feed's
    # cap: then the feed is read whole, so that the cut falls where one parse puts it.
    room = None
    if reuse is not None and kept:
        room = max(0, _cap() - reuse.assignment_count)
    parsed = _read_batches(
        blocks,
        [group for group, _ in to_read],
        header=reuse is None,
        into=into,
        room=room,
        user=user,
        label=label,
        window=window,
        default_tz=default_tz,
    )
    if parsed.outcome == "over":
        into.clear()
        return read_feed(
            body,
            user=user,
            label=label,
            window=window,
            default_tz=default_tz,
            marker=marker,
            previous=None,
            sink=sink,
        )
    if parsed.outcome != "read":
        # Lines that could not be read (their warnings' lines would be the batch's), or the
        # parser grouped the events otherwise than the blocks: parse the feed as one.
        into.clear()
        return _whole(body, user=user, label=label, window=window, default_tz=default_tz, into=into)
    settled = not parsed.said_of_feed
    if settled:
        for group, digest in to_read:
            if group.uid is not None and group.uid not in parsed.said_of:
                digests[group.uid] = digest
    calendar_tz = parsed.calendar_tz
    if parsed.read == 0 and reuse is not None:
        calendar_tz = reuse.calendar_tz  # the calendar's lines are the context's: the same
    return FeedReading(
        assignments=into.in_order() if isinstance(into, _InMemory) else [],
        kept=frozenset(kept) if reuse is not None else None,
        digests=digests if settled else {},
        context=context if settled else None,
        event_count=len(blocks.events),
        calendar_tz=calendar_tz,
        warnings=parsed.warnings,
        notes=parsed.notes,
        complete_until=parsed.complete_until,
        events_read=parsed.read,
        new_count=parsed.count,
    )


@dataclass(slots=True)
class _Parsed:
    """The batches' parses, merged."""

    outcome: Literal["read", "salvaged", "foreign", "over"] = "read"
    count: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    said_of: set[str] = field(default_factory=set)
    said_of_feed: bool = False
    complete_until: datetime | None = None
    calendar_tz: str | None = None
    read: int = 0

    def complete_before(self, cut: datetime) -> None:
        if self.complete_until is None or cut < self.complete_until:
            self.complete_until = cut


def _read_batches(
    blocks: FeedBlocks,
    groups: list[Group],
    *,
    header: bool,
    into: AssignmentSink,
    room: int | None,
    user: str,
    label: str,
    window: tuple[datetime, datetime],
    default_tz: ZoneInfo,
) -> _Parsed:
    """Parse `groups` in batches (a group never split), their assignments into `into`.

    The outcome is "salvaged" when a batch had lines that could not be read, "foreign" when an
    assignment's UID is none of the groups', "over" past `room` new assignments. With no group
    to parse, the calendar's own lines are parsed alone when `header` asks for them (for
    X-WR-TIMEZONE and what is said about the feed); else nothing is.
    """
    merged = _Parsed()
    parallel = _parallel(sum(group.size for group in groups))
    # Shared between two processes, smaller batches keep both busy to the end.
    most = BATCH_BYTES // 4 if parallel else BATCH_BYTES
    batches: list[list[EventBlock]] = []
    batch: list[EventBlock] = []
    size = 0
    for group in groups:
        if batch and size + group.size > most:
            batches.append(batch)
            batch, size = [], 0
        batch.extend(group.events)
        size += group.size
    if batch or (header and not batches):
        batches.append(batch)
    if not batches:
        return merged
    cap = _cap()
    uids = {group.uid for group in groups}
    jobs = [_Job(blocks, events, user, label, window, default_tz) for events in batches]
    results = _parsed(jobs, parallel=parallel and len(jobs) > 1)
    try:
        for events, result in zip(batches, results, strict=False):
            if result.salvaged:
                merged.outcome = "salvaged"
                return merged
            if not all(
                a.uid in uids or (None in uids and a.uid.startswith("no-uid-"))
                for a in result.assignments
            ):
                merged.outcome = "foreign"
                return merged
            into.add(result.assignments)
            merged.count += len(result.assignments)
            if room is not None and merged.count > room:
                merged.outcome = "over"
                return merged
            merged.warnings.extend(result.warnings)
            merged.notes.extend(result.notes)
            merged.said_of |= result.said_of
            merged.said_of_feed = merged.said_of_feed or result.said_of_feed
            if result.complete_until is not None:
                merged.complete_before(result.complete_until)
            merged.calendar_tz = result.calendar_tz
            merged.read += len(events)
            if merged.count > cap * 5 // 4:  # as one parse does: cut early, keep memory bounded
                _cut(merged, into, cap, label)
    finally:
        results.close()  # a worker still parsing is stopped
    if merged.count > cap:
        _cut(merged, into, cap, label)
    # A feed-wide warning (an unknown TZID, X-WR-TIMEZONE) is said by every batch: say it once.
    merged.warnings = list(dict.fromkeys(merged.warnings))
    merged.notes = list(dict.fromkeys(merged.notes))
    return merged


@dataclass(slots=True)
class _Job:
    """One batch to parse: its events, and what parse_feed is told besides."""

    blocks: FeedBlocks
    events: list[EventBlock]
    user: str
    label: str
    window: tuple[datetime, datetime]
    default_tz: ZoneInfo

    def parse(self) -> ParseResult:
        return _parse_batch(*self.payload())

    def payload(self) -> tuple[bytes, list[int], str, str, tuple[datetime, datetime], ZoneInfo]:
        self.events.sort(key=lambda event: event.start)
        data = sub_feed(self.blocks, self.events)
        lines = [event.line for event in self.events]
        return data, lines, self.user, self.label, self.window, self.default_tz


def _parse_batch(
    data: bytes,
    lines: list[int],
    user: str,
    label: str,
    window: tuple[datetime, datetime],
    default_tz: ZoneInfo,
) -> ParseResult:
    from usked_cli.feeds.ical import parse_feed

    return parse_feed(
        data,
        user=user,
        window_start=window[0],
        window_end=window[1],
        default_tz=default_tz,
        source=label,
        event_lines=lines,
    )


def _parsed(jobs: list[_Job], *, parallel: bool) -> Generator[ParseResult, None, None]:
    """Each job's parse, in order. `parallel`: a worker process forked for this feed takes a
    batch whenever it is free, while this process parses the others (icalendar's parse is pure
    Python: a second process is the only way to a second core)."""
    if not parallel:
        for job in jobs:
            yield job.parse()
        return
    done: dict[int, ParseResult] = {}
    queued = iter(range(len(jobs)))
    worker = _Worker()
    try:
        first = next(queued)
        worker.send(jobs[first].payload())
        at_worker: int | None = first
        given = 0  # the results yielded so far
        for index in queued:
            done[index] = jobs[index].parse()
            if at_worker is not None and worker.ready():
                done[at_worker] = worker.receive()
                at_worker = next(queued, None)
                if at_worker is not None:
                    worker.send(jobs[at_worker].payload())
            while given in done:
                yield done.pop(given)
                given += 1
        if at_worker is not None:
            done[at_worker] = worker.receive()
        while given in done:
            yield done.pop(given)
            given += 1
    finally:
        worker.stop()


def _parallel(size: int) -> bool:
    """Whether to fork a worker for `size` bytes of events: on Linux (fork is cheap and safe
    there), with a second core, enough to parse, and no other thread in this process (a lock
    another thread holds would stay held in the child)."""
    if sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return False
    return size >= PARALLEL_BYTES and threading.active_count() == 1


class _Worker:
    """A forked process that parses the batches sent to it, one at a time, in order."""

    def __init__(self) -> None:
        import multiprocessing  # here: 8 ms that only large reads need

        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        # daemon: ended with this process, whatever ends it (a Ctrl-C included).
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def send(self, payload: tuple[object, ...]) -> None:
        self.connection.send(payload)

    def ready(self) -> bool:
        """Whether its answer is in."""
        return self.connection.poll()

    def receive(self) -> ParseResult:
        # A wait with a timeout, again and again: a Ctrl-C gets through at once.
        while not self.connection.poll(0.25):
            if not self.process.is_alive():
                raise InputError("the feed could not be read: its parsing process ended")
        answer = self.connection.recv()
        if isinstance(answer, str):
            raise InputError(answer)
        return cast("ParseResult", answer)

    def stop(self) -> None:
        # Ended before its pipe closes: a worker mid-batch never writes into a closed pipe.
        if self.process.is_alive():
            self.process.terminate()
        with contextlib.suppress(OSError):
            self.connection.close()
        self.process.join(1)


def _serve(connection: Connection) -> None:
    """The worker: parse each batch received and send back its ParseResult (or the message of
    the InputError it raised), until the pipe closes. A Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            payload = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: object = _parse_batch(*payload)
        except UskedError as error:
            answer = error.message
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return  # the parent has gone: nothing to answer


def _cut(merged: _Parsed, into: AssignmentSink, cap: int, label: str) -> None:
    """Keep the feed's first `cap` occurrences by start, as one parse of it does (its cut falls
    at the same start: every occurrence before it is kept by both)."""
    cut, merged.count = into.cut(cap)
    merged.complete_before(cut)
    merged.said_of_feed = True
    said = f"{label}: the feed gives more than {cap} occurrences in the window"
    merged.warnings = [w for w in merged.warnings if not w.startswith(said)]
    merged.warnings.append(
        f"{said}; listed those before {cut.astimezone(UTC):%Y-%m-%d %H:%M} UTC, where later "
        "windows are read from the feed again"
    )


class _InMemory:
    """A sink that is a list, kept in the order one parse gives (for listings)."""

    def __init__(self) -> None:
        self.assignments: list[Assignment] = []
        self._sorted = True

    def add(self, assignments: Sequence[Assignment]) -> None:
        self._sorted = not self.assignments
        self.assignments.extend(assignments)

    def cut(self, keep: int) -> tuple[datetime, int]:
        kept = self.assignments
        kept.sort(key=lambda a: a.start)
        cut = kept[keep].start
        while kept and kept[-1].start >= cut:
            kept.pop()
        return cut, len(kept)

    def clear(self) -> None:
        self.assignments.clear()

    def in_order(self) -> list[Assignment]:
        if not self._sorted:
            self.assignments.sort(
                key=lambda a: (a.start, a.request_id, a.uid, a.recurrence_id or "")
            )
            self._sorted = True
        return self.assignments


def _cap() -> int:
    from usked_cli.feeds.ical import MAX_FEED_OCCURRENCES

    return MAX_FEED_OCCURRENCES


def _whole(
    body: bytes,
    *,
    user: str,
    label: str,
    window: tuple[datetime, datetime],
    default_tz: ZoneInfo,
    into: AssignmentSink,
) -> FeedReading:
    """The whole feed parsed as one, replacing everything stored; nothing kept for next time."""
    from usked_cli.feeds.ical import parse_feed

    result = parse_feed(
        body,
        user=user,
        window_start=window[0],
        window_end=window[1],
        default_tz=default_tz,
        source=label,
    )
    into.add(result.assignments)
    return FeedReading(
        assignments=result.assignments if isinstance(into, _InMemory) else [],
        kept=None,
        digests={},
        context=None,
        event_count=result.event_count,
        calendar_tz=result.calendar_tz,
        warnings=result.warnings,
        notes=result.notes,
        complete_until=result.complete_until,
        events_read=result.event_count,
        new_count=len(result.assignments),
    )
