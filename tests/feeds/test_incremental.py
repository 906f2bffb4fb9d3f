"""Incremental sync (issue 18): what a sync stores equals a parse of the whole feed, whatever was
edited between two syncs; and a feed whose only change is its DTSTAMPs is not parsed at all.

The reference is `parse_feed` on the whole feed over the window the sync stored: the parser
the rest of the suite checks against icalendar + recurring-ical-events.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import usked_cli.feeds.ical as ical
import usked_cli.feeds.incremental as incremental
import usked_cli.feeds.sync as sync
from usked_cli.feeds.blocks import group_events, split_feed, sub_feed
from usked_cli.feeds.ical import ParseResult, parse_feed
from usked_cli.feeds.sync import SyncOutcome, sync_feeds, sync_horizon
from usked_cli.feeds.window import window_days
from usked_cli.store import (
    _ASSIGNMENT_COLUMNS,
    Staging,
    StaleReading,
    Workspace,
    _assignment_row,
)

NOW = datetime(2026, 12, 2, 13, 40, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
USER = "ana"

CHICAGO_ZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:America/Chicago",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:-0600",
    "TZOFFSETTO:-0500",
    "TZNAME:CDT",
    "DTSTART:19700308T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:-0500",
    "TZOFFSETTO:-0600",
    "TZNAME:CST",
    "DTSTART:19701101T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]
# A zone of the feed's own whose offset the "zone" edit changes: every event in it moves.
OWN_ZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Clinic Time",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:{offset}",
    "TZOFFSETTO:{offset}",
    "DTSTART:19700101T000000",
    "END:STANDARD",
    "END:VTIMEZONE",
]
KINDS = (
    "timed",
    "all_day",
    "utc",
    "series",
    "series_override",
    "alarm",
    "no_uid",
    "copies",
    "far_past",
    "unknown_zone",
    "own_zone",
    "long_notes",
    "cancelled",
)


@dataclass
class Event:
    kind: str
    number: int
    day: int  # days from NOW
    hour: int
    title: str
    sequence: int = 0
    overrides: list[int] = field(default_factory=list)  # weeks of the series moved an hour
    broken: bool = False

    def lines(self, stamp: str) -> list[str]:
        uid = f"req-{self.number}@usked.com"
        start = (
            (NOW + timedelta(days=self.day))
            .astimezone(CHICAGO)
            .replace(hour=self.hour, minute=0, second=0, microsecond=0, tzinfo=None)
        )
        end = start + timedelta(hours=1)
        fmt = "%Y%m%dT%H%M%S"
        zoned = f";TZID=America/Chicago:{start:{fmt}}", f";TZID=America/Chicago:{end:{fmt}}"
        link = f"https://us02web.zoom.us/j/8{self.number:09d}?pwd=Ab{self.number}"
        head = [f"DTSTAMP:{stamp}", f"UID:{uid}", f"SUMMARY:{self.title}"]
        body = [f"DESCRIPTION:Join Zoom Meeting\\n{link}", f"SEQUENCE:{self.sequence}"]
        if self.broken:
            body.append("DESCRIPTION;BROKEN")  # a line icalendar cannot read
        kind = self.kind
        if kind == "all_day":
            return _event([*head, f"DTSTART;VALUE=DATE:{start:%Y%m%d}", *body])
        if kind == "utc":
            utc = start.replace(tzinfo=CHICAGO).astimezone(UTC)
            return _event([*head, f"DTSTART:{utc:{fmt}}Z", "DURATION:PT45M", *body])
        if kind == "no_uid":
            return _event([h for h in head if not h.startswith("UID")] + _times(zoned) + body)
        if kind == "far_past":
            old = start - timedelta(days=3 * 365)
            return _event([*head, f"DTSTART:{old:{fmt}}Z", f"DTEND:{old + (end - start):{fmt}}Z"])
        if kind == "unknown_zone":
            return _event([*head, f"DTSTART;TZID=Mars/Olympus:{start:{fmt}}", *body])
        if kind == "own_zone":
            return _event([*head, f"DTSTART;TZID=Clinic Time:{start:{fmt}}", *body])
        if kind == "long_notes":
            notes = "Interpreter notes: " + "bring the badge, " * 12 + link
            return _event(head + _times(zoned) + _fold(f"DESCRIPTION:{notes}"))
        if kind == "cancelled":
            return _event(head + _times(zoned) + ["STATUS:CANCELLED"])
        if kind == "alarm":
            alarm = [
                "BEGIN:VALARM",
                f"UID:alarm-{self.number}",
                "ACTION:DISPLAY",
                "DESCRIPTION:Reminder",
                "TRIGGER:-PT15M",
                "DURATION:PT5M",
                "REPEAT:1",
                "END:VALARM",
            ]
            return _event(head + _times(zoned) + body + alarm)
        if kind == "copies":
            # Two masters of one UID, another summary each: both listed; their SEQUENCEs pick.
            first = _event(head + _times(zoned) + body)
            other = [h.replace("SUMMARY:", "SUMMARY:Copy of ") for h in head]
            second = _event(other + _times(zoned) + [f"SEQUENCE:{self.sequence + 1}"])
            return first + second
        if kind in ("series", "series_override"):
            rule = ["RRULE:FREQ=WEEKLY;COUNT=30", f"EXDATE;TZID=America/Chicago:{start:{fmt}}"]
            lines = _event(head + _times(zoned) + rule + body)
            for week in self.overrides:
                original = start + timedelta(weeks=week)
                moved = original + timedelta(hours=1)
                lines += _event(
                    [
                        f"DTSTAMP:{stamp}",
                        f"UID:{uid}",
                        f"SUMMARY:{self.title} (moved)",
                        f"RECURRENCE-ID;TZID=America/Chicago:{original:{fmt}}",
                        *_times(
                            (
                                f";TZID=America/Chicago:{moved:{fmt}}",
                                f";TZID=America/Chicago:{moved + timedelta(hours=1):{fmt}}",
                            )
                        ),
                    ]
                )
            return lines
        return _event(head + _times(zoned) + body)


def _event(lines: list[str]) -> list[str]:
    return ["BEGIN:VEVENT", *lines, "END:VEVENT"]


def _times(zoned: tuple[str, str]) -> list[str]:
    return [f"DTSTART{zoned[0]}", f"DTEND{zoned[1]}"]


def _fold(line: str) -> list[str]:
    parts = [line[:75]]
    rest = line[75:]
    while rest:
        parts.append(" " + rest[:74])
        rest = rest[74:]
    return parts


@dataclass
class Feed:
    events: list[Event]
    stamp: str = "20261201T120000Z"
    calendar_zone: str = "America/Chicago"
    own_offset: str = "+0300"

    def render(self) -> bytes:
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//uSked//Assignments//EN",
            f"X-WR-TIMEZONE:{self.calendar_zone}",
            *CHICAGO_ZONE,
            *(line.format(offset=self.own_offset) for line in OWN_ZONE),
        ]
        for event in self.events:
            lines += event.lines(self.stamp)
        lines.append("END:VCALENDAR")
        return ("\r\n".join(lines) + "\r\n").encode()


def _new_event(rng: random.Random, number: int) -> Event:
    kind = rng.choice(KINDS)
    event = Event(kind, number, rng.randrange(-90, 420), rng.randrange(7, 18), f"Request {number}")
    if kind == "series_override":
        event.overrides = sorted(rng.sample(range(1, 20), 2))
    return event


# Kinds something is said about (no UID, an unknown zone, two copies of a UID): read every time.
WARNED = ("no_uid", "unknown_zone", "copies")

EDITS = (
    "stamp",
    "retitle",
    "move",
    "delete",
    "add",
    "sequence",
    "override",
    "zone",
    "calendar_zone",
    "reorder",
    "break",
    "mend",
    "nothing",
)


def _edit(feed: Feed, edit: str, rng: random.Random, numbers: Iterator[int]) -> None:
    events = feed.events
    target = rng.choice(events) if events else None
    if edit == "stamp":
        feed.stamp = f"2026120{rng.randrange(2, 9)}T{rng.randrange(10, 23)}0000Z"
    elif edit == "retitle" and target:
        target.title += " (changed)"
    elif edit == "move" and target:
        target.hour = (target.hour + 1) % 24
    elif edit == "delete" and target:
        events.remove(target)
    elif edit == "add":
        events.insert(rng.randrange(len(events) + 1), _new_event(rng, next(numbers)))
    elif edit == "sequence" and target:
        target.sequence += 1
    elif edit == "override" and target:
        target.kind = "series_override"
        target.overrides = sorted({*target.overrides, rng.randrange(1, 20)})
    elif edit == "zone":
        feed.own_offset = "+0400" if feed.own_offset == "+0300" else "+0300"
    elif edit == "calendar_zone":
        feed.calendar_zone = (
            "Europe/Berlin" if feed.calendar_zone == "America/Chicago" else "America/Chicago"
        )
    elif edit == "reorder":
        rng.shuffle(events)
    elif edit == "break" and target:
        target.broken = True
    elif edit == "mend":
        for event in events:
            event.broken = False
    # "nothing": the feed is written again as it was (a new mtime, the same bytes)


class Syncs:
    """One workspace and one feed file, synced as `usked sync` does."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "ana.ics"
        self.workspace = Workspace.open(folder / "data")
        self.mtime = 1_700_000_000_000_000_000

    def sync(self, body: bytes, *, now: datetime = NOW, zone: ZoneInfo = CHICAGO) -> SyncOutcome:
        self.path.write_bytes(body)
        self.mtime += 1_000_000_000
        os.utime(self.path, ns=(self.mtime, self.mtime))
        (outcome,) = sync_feeds(self.workspace, {USER: str(self.path)}, now=now, default_tz=zone)
        assert outcome.status == "updated", outcome
        return outcome

    def rows(self) -> list[tuple[object, ...]]:
        rows = self.workspace.db.execute(
            f"SELECT {_ASSIGNMENT_COLUMNS} FROM assignment WHERE user = ?", (USER,)
        ).fetchall()
        return sorted(rows, key=repr)

    def whole(self, body: bytes, zone: ZoneInfo = CHICAGO) -> ParseResult:
        """A parse of the whole feed over the window the sync stored."""
        state = self.workspace.feed_state(USER)
        assert state is not None
        assert state.horizon_start
        assert state.horizon_end
        return parse_feed(
            body,
            user=USER,
            window_start=datetime.fromtimestamp(state.horizon_start, UTC),
            window_end=datetime.fromtimestamp(state.horizon_end, UTC),
            default_tz=zone,
            source=str(self.path),
        )

    def reference(self, body: bytes, zone: ZoneInfo = CHICAGO) -> list[tuple[object, ...]]:
        """The rows a parse of the whole feed gives over the window the sync stored."""
        result = self.whole(body, zone)
        return sorted((_assignment_row(a) for a in result.assignments), key=repr)


@pytest.fixture
def syncs(tmp_path: Path) -> Iterator[Syncs]:
    syncs = Syncs(tmp_path)
    yield syncs
    syncs.workspace.close()


def _feed(seed: int, size: int = 24) -> Feed:
    rng = random.Random(seed)
    return Feed([_new_event(rng, number) for number in range(size)])


# -- the property: incremental == whole ---------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    edits=st.lists(st.lists(st.sampled_from(EDITS), min_size=1, max_size=4), max_size=5),
    batch=st.sampled_from([300, 4_000, incremental.BATCH_BYTES]),
    in_memory=st.sampled_from([7, Staging.IN_MEMORY]),
    parallel=st.booleans(),
)
def test_incremental_sync_stores_what_a_whole_parse_gives(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    edits: list[list[str]],
    batch: int,
    in_memory: int,
    parallel: bool,
) -> None:
    # Small batches too: a group must never be split between two parses; and assignments
    # staged on disk as well as in memory.
    monkeypatch.setattr(incremental, "BATCH_BYTES", batch)
    monkeypatch.setattr(Staging, "IN_MEMORY", in_memory)
    # Every other batch parsed by a forked worker (where the platform allows it).
    monkeypatch.setattr(incremental, "PARALLEL_BYTES", 0 if parallel else 10**12)
    rng = random.Random(seed)
    feed = _feed(seed)
    numbers = iter(range(1000, 2000))
    syncs = Syncs(tmp_path_factory.mktemp("incremental"))
    try:
        body = feed.render()
        syncs.sync(body)
        assert syncs.rows() == syncs.reference(body)
        for step in edits:
            for edit in step:
                _edit(feed, edit, rng, numbers)
            body = feed.render()
            outcome = syncs.sync(body)
            assert syncs.rows() == syncs.reference(body), (step, outcome.events_read)
            assert outcome.assignments == len(syncs.rows())
            assert outcome.events == body.count(b"BEGIN:VEVENT")
    finally:
        syncs.workspace.close()


# -- what is parsed ------------------------------------------------------------------------------


def test_a_feed_whose_dtstamps_alone_changed_parses_no_event(
    syncs: Syncs, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _feed(7, size=60)
    feed.events = [e for e in feed.events if e.kind not in WARNED]
    first = syncs.sync(feed.render())
    assert first.events_read > 0
    stored = syncs.rows()

    def no_parse(*args: object, **kwargs: object) -> object:
        raise AssertionError("parse_feed was called for a feed whose events did not change")

    monkeypatch.setattr(ical, "parse_feed", no_parse)
    feed.stamp = "20261202T133000Z"
    outcome = syncs.sync(feed.render())
    assert outcome.events_read == 0
    assert outcome.assignments == first.assignments
    assert syncs.rows() == stored


def test_only_the_changed_events_are_parsed(syncs: Syncs) -> None:
    feed = _feed(3, size=40)
    feed.events = [e for e in feed.events if e.kind not in WARNED]
    syncs.sync(feed.render())
    feed.stamp = "20261202T133000Z"
    changed = [e for e in feed.events if e.kind != "far_past"][:3]
    for event in changed:
        event.title += " (changed)"
    body = feed.render()
    outcome = syncs.sync(body)
    assert outcome.events_read == len(changed)
    assert syncs.rows() == syncs.reference(body)


@pytest.mark.parametrize("change", ["zone", "calendar_zone", "timezone", "horizon", "version"])
def test_what_every_event_depends_on_reparses_them_all(
    syncs: Syncs, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _feed(11, size=30)
    feed.events = [e for e in feed.events if e.kind not in WARNED]
    body = feed.render()
    syncs.sync(body)
    now, zone = NOW, CHICAGO
    if change == "zone":
        feed.own_offset = "+0400"
    elif change == "calendar_zone":
        feed.calendar_zone = "Europe/Berlin"
    elif change == "timezone":
        zone = ZoneInfo("Europe/Berlin")  # the zone floating times are read in
    elif change == "horizon":
        now = NOW + timedelta(days=8)  # the stored window is due to move on
    else:  # a new version of the parser
        monkeypatch.setattr(sync, "PARSER_REVISION", sync.PARSER_REVISION + 1)
    body = feed.render()
    outcome = syncs.sync(body, now=now, zone=zone)
    # Nothing kept: every event read but those whose dates lie outside the window.
    state = syncs.workspace.feed_state(USER)
    blocks = split_feed(body)
    assert state is not None
    assert state.horizon_start
    assert state.horizon_end
    assert blocks
    days = window_days(
        datetime.fromtimestamp(state.horizon_start, UTC),
        datetime.fromtimestamp(state.horizon_end, UTC),
    )
    inside = [g for g in group_events(blocks.events) if not g.outside(*days, body)]
    assert 0 < outcome.events_read == sum(len(g.events) for g in inside) < outcome.events
    assert syncs.rows() == syncs.reference(body, zone)


def test_an_event_with_a_warning_is_read_and_warned_about_at_every_sync(syncs: Syncs) -> None:
    feed = Feed([Event("timed", 1, 3, 9, "Plain"), Event("unknown_zone", 2, 4, 10, "Mars")])
    first = syncs.sync(feed.render())
    feed.stamp = "20261202T133000Z"
    second = syncs.sync(feed.render())
    assert second.events_read == 1
    assert [w for w in second.warnings if "Mars/Olympus" in w] == [
        w for w in first.warnings if "Mars/Olympus" in w
    ]
    assert any("Mars/Olympus" in w for w in second.warnings)


def test_a_broken_line_is_warned_about_at_its_line_in_the_feed(syncs: Syncs) -> None:
    feed = Feed([Event("timed", n, n, 9, f"Request {n}") for n in range(1, 6)])
    syncs.sync(feed.render())
    feed.events[3].broken = True
    body = feed.render()
    outcome = syncs.sync(body)
    begin = body.decode().splitlines().index("UID:req-4@usked.com") - 1  # BEGIN, DTSTAMP, UID
    assert any(f"req-4@usked.com (line {begin})" in w for w in outcome.warnings)
    assert outcome.warnings == syncs.whole(body).warnings
    assert syncs.rows() == syncs.reference(body)


def test_events_far_outside_the_window_are_not_parsed(syncs: Syncs) -> None:
    feed = Feed([Event("timed", 1, 3, 9, "Soon"), Event("far_past", 2, 0, 9, "Long ago")])
    outcome = syncs.sync(feed.render())
    assert (outcome.events, outcome.events_read) == (2, 1)
    assert [row[1] for row in syncs.rows()] == ["req-1@usked.com"]


@pytest.mark.parametrize(
    "shape",
    [
        "bare",
        "two_calendars",
        "folded_begin",
        "utf16",
        "escaped_uid",
        "uid_with_parameter",
        "fold_over_blank_lines",
    ],
)
def test_feeds_the_splitter_does_not_promise_are_parsed_whole(syncs: Syncs, shape: str) -> None:
    feed = Feed([Event("timed", n, n, 9, f"Request {n}") for n in range(1, 4)])
    text = feed.render().decode()
    if shape == "bare":
        text = text.split("END:VTIMEZONE\r\n")[-1].replace("END:VCALENDAR\r\n", "")
    elif shape == "two_calendars":
        text = text + text.replace("req-", "other-")
    elif shape == "folded_begin":
        text = text.replace("BEGIN:VEVENT", "BEGIN:VEV\r\n ENT", 1)
    elif shape == "escaped_uid":
        text = text.replace("UID:req-1@", "UID:req\\,1@")
    elif shape == "uid_with_parameter":
        text = text.replace("UID:req-1@", "UID;X-KIND=a:req-1@")
    elif shape == "fold_over_blank_lines":
        # icalendar unfolds a line break, blank lines and a blank: the scan would not.
        text = text.replace("\r\nSUMMARY:Request 2", "\r\n\r\n X-NOTE\r\nSUMMARY:Request 2", 1)
    body = text.encode("utf-16") if shape == "utf16" else text.encode()
    if shape not in ("escaped_uid", "uid_with_parameter"):
        assert split_feed(body) is None
    for _ in range(2):
        outcome = syncs.sync(body)
        assert outcome.events_read == outcome.events
        assert syncs.rows() == syncs.reference(body)


def test_a_series_travels_with_its_overrides(syncs: Syncs) -> None:
    series = Event("series_override", 1, 2, 9, "Weekly", overrides=[2, 5])
    feed = Feed([series, Event("timed", 2, 3, 10, "Other")])
    body = feed.render()
    blocks = split_feed(body)
    assert blocks is not None
    assert [len(g.events) for g in group_events(blocks.events)] == [3, 1]
    syncs.sync(body)
    series.overrides = [2, 6]  # one override changed: the series and both overrides re-read
    body = feed.render()
    outcome = syncs.sync(body)
    assert outcome.events_read == 3
    assert syncs.rows() == syncs.reference(body)


def _series_with_two_overrides(sequences: tuple[int, int], stamp: str) -> bytes:
    """A weekly series with two overrides of one occurrence: the higher SEQUENCE wins."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    lines += _event(
        [f"DTSTAMP:{stamp}", "UID:s1", "SUMMARY:Series", "DTSTART:20261207T150000Z",
         "DTEND:20261207T160000Z", "RRULE:FREQ=WEEKLY;COUNT=5"]
    )  # fmt: skip
    for sequence, (title, hour) in zip(sequences, (("A", 17), ("B", 19)), strict=True):
        lines += _event(
            [f"DTSTAMP:{stamp}", "UID:s1", f"SUMMARY:Override {title}",
             "RECURRENCE-ID:20261214T150000Z", f"DTSTART:20261214T{hour}0000Z",
             f"DTEND:20261214T{hour + 1}0000Z", f"SEQUENCE:{sequence}"]
        )  # fmt: skip
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def test_a_sequence_that_picks_between_overrides_is_not_volatile(syncs: Syncs) -> None:
    syncs.sync(_series_with_two_overrides((1, 2), "20261201T000000Z"))
    assert "Override B" in {row[4] for row in syncs.rows()}
    body = _series_with_two_overrides((3, 2), "20261202T000000Z")
    outcome = syncs.sync(body)
    assert outcome.events_read == 3
    assert syncs.rows() == syncs.reference(body)
    assert "Override A" in {row[4] for row in syncs.rows()}


@pytest.mark.parametrize(
    "stamp", ["DTSTAMP:garbage", "DTSTAMP;X=a:20261201T000000Z", 'DTSTAMP;X="a:b', "DTSTAMP"]
)
def test_a_volatile_line_not_as_usked_writes_it_is_read_as_written(
    syncs: Syncs, stamp: str
) -> None:
    feed = Feed([Event("timed", n, n, 9, f"Request {n}") for n in range(1, 4)])
    text = feed.render().decode()
    body = text.replace("DTSTAMP:20261201T120000Z", stamp, 1).encode()
    assert stamp.encode() in body
    first = syncs.sync(body)
    assert first.warnings == syncs.whole(body).warnings
    # Only the plain DTSTAMPs change: the odd line still reads the same, and is kept.
    second = syncs.sync(body.replace(b"DTSTAMP:20261201T120000Z", b"DTSTAMP:20261202T120000Z"))
    assert second.events_read == (1 if first.warnings else 0)
    assert second.warnings == first.warnings
    assert syncs.rows() == syncs.reference(body)
    blocks = split_feed(body)
    assert blocks is not None
    assert stamp.encode() + b"\r\n" in sub_feed(blocks, blocks.events)


def test_a_sync_at_a_fraction_of_a_second_keeps_the_window_it_read(syncs: Syncs) -> None:
    now = NOW.replace(hour=15, minute=0, microsecond=400_000)  # a cron sync, 0.4 s in
    assert sync_horizon(now)[1].microsecond == 0

    def body(stamp: str, title: str) -> bytes:
        # A daily series at 15:00 UTC: one occurrence falls on the window's end to the second.
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
        lines += _event(
            [f"DTSTAMP:{stamp}", "UID:daily", "SUMMARY:Daily", "DTSTART:20261202T150000Z",
             "DTEND:20261202T160000Z", "RRULE:FREQ=DAILY"]
        )  # fmt: skip
        lines += _event(
            [f"DTSTAMP:{stamp}", "UID:other", f"SUMMARY:{title}", "DTSTART:20261207T150000Z",
             "DTEND:20261207T160000Z"]
        )  # fmt: skip
        return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()

    syncs.sync(body("20261201T000000Z", "Before"), now=now)
    second = body("20261202T000000Z", "After")
    assert syncs.sync(second, now=now).events_read == 1
    assert syncs.rows() == syncs.reference(second)


def test_a_comparison_overtaken_by_another_sync_is_refused(syncs: Syncs) -> None:
    feed = _feed(5, size=10)
    syncs.sync(feed.render())
    digests = syncs.workspace.feed_digests(USER)
    state = syncs.workspace.feed_state(USER)
    assert state is not None
    assert state.context
    syncs.sync(feed.render().replace(b"Request 1", b"Request one"))  # another sync stores it
    with pytest.raises(StaleReading):
        syncs.workspace.replace_assignments(
            USER,
            [],
            source=str(syncs.path),
            body=b"",
            etag=None,
            last_modified=None,
            synced_at=NOW.isoformat(),
            horizon=(NOW, NOW),
            event_count=0,
            calendar_tz=None,
            parsed_with="",
            kept=set(digests),
            digests=digests,
            context=state.context,
            compared_with=(state.generation, digests),
        )


def test_a_sync_overtaken_by_another_reads_the_feed_again(
    syncs: Syncs, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _feed(8, size=20)
    syncs.sync(feed.render())
    feed.events[0].title += " (changed)"
    body = feed.render()
    store = Workspace.replace_assignments
    calls: list[bool] = []

    def overtaken(workspace: Workspace, *args: Any, **kwargs: Any) -> int:
        calls.append(kwargs["kept"] is not None)
        if len(calls) == 1:  # another sync stores the feed just before this one does
            workspace.db.execute("UPDATE feed_state SET generation = generation + 1")
        return store(workspace, *args, **kwargs)

    monkeypatch.setattr(Workspace, "replace_assignments", overtaken)
    outcome = syncs.sync(body)
    assert calls == [True, False]  # compared, refused, then read whole and stored
    assert outcome.events_read > 1  # not the one changed event alone: the whole feed again
    assert syncs.rows() == syncs.reference(body)


def test_the_workspace_migrates_and_a_first_sync_after_it_is_whole(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    Workspace.open(data_dir).close()
    with sqlite3.connect(data_dir / "workspace.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        columns = {row[1] for row in db.execute("PRAGMA table_info(feed_state)")}
    assert "feed_event" in tables
    assert "context" in columns


@pytest.mark.parametrize("in_memory", [5, Staging.IN_MEMORY])
@pytest.mark.parametrize("batch", [300, 3_000, incremental.BATCH_BYTES])
def test_the_feeds_cap_falls_where_one_parse_puts_it(
    syncs: Syncs, monkeypatch: pytest.MonkeyPatch, batch: int, in_memory: int
) -> None:
    monkeypatch.setattr(ical, "MAX_FEED_OCCURRENCES", 40)
    monkeypatch.setattr(incremental, "BATCH_BYTES", batch)
    monkeypatch.setattr(Staging, "IN_MEMORY", in_memory)
    events = [Event("series", n, n % 9, 9 + n % 5, f"Weekly {n}") for n in range(6)]
    events += [Event("timed", n, n % 50, 10, f"Single {n}") for n in range(6, 40)]
    body = Feed(events).render()
    outcome = syncs.sync(body)
    horizon = sync_horizon(NOW)  # the stored window ends at the cut: parse the sync's own
    whole = parse_feed(
        body,
        user=USER,
        window_start=horizon[0],
        window_end=horizon[1],
        default_tz=CHICAGO,
        source=str(syncs.path),
    )
    assert whole.complete_until is not None
    assert syncs.rows() == sorted((_assignment_row(a) for a in whole.assignments), key=repr)
    assert outcome.assignments == len(whole.assignments) <= 40
    state = syncs.workspace.feed_state(USER)
    assert state is not None
    assert state.horizon_end == int(whole.complete_until.timestamp())
    assert state.context is None  # a cut feed is read all again at the next sync
    assert any("more than 40 occurrences" in w for w in outcome.warnings)


def test_a_window_read_from_the_stored_feed_is_one_parses_in_its_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(incremental, "BATCH_BYTES", 500)
    body = _feed(21, size=40).render()
    window = (NOW + timedelta(days=30), NOW + timedelta(days=37))
    reading = incremental.read_feed(
        body, user=USER, label="x", window=window, default_tz=CHICAGO, marker="", previous=None
    )
    whole = parse_feed(
        body, user=USER, window_start=window[0], window_end=window[1], default_tz=CHICAGO
    )
    assert reading.assignments == whole.assignments
    assert reading.events_read < reading.event_count  # the far ones were not parsed


@pytest.mark.parametrize("seed", range(5))
def test_dates_read_when_asked_are_those_read_while_splitting(seed: int) -> None:
    body = _feed(seed, size=60).render()
    eager, lazy = split_feed(body), split_feed(body, dates=False)
    assert eager is not None
    assert lazy is not None
    assert [(e.uid, e.digest, e.line) for e in eager.events] == [
        (e.uid, e.digest, e.line) for e in lazy.events
    ]
    for told, asked in zip(eager.events, lazy.events, strict=True):
        # Asked for, an event with a VALARM inside is not told apart from it: parsed.
        assert asked.plain_dates(body) == (None if asked.nested else told.dates)
    assert any(e.dates for e in eager.events)
    assert any(e.nested for e in eager.events)


@pytest.mark.skipif(
    sys.platform != "linux" or (os.cpu_count() or 1) < 2, reason="the worker is forked on Linux"
)
def test_a_large_read_is_shared_with_a_forked_worker(
    syncs: Syncs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incremental, "BATCH_BYTES", 2_000)
    monkeypatch.setattr(incremental, "PARALLEL_BYTES", 0)
    received: list[int] = []
    receive = incremental._Worker.receive

    def counted(worker: incremental._Worker) -> ParseResult:
        result = receive(worker)
        received.append(len(result.assignments))
        return result

    monkeypatch.setattr(incremental._Worker, "receive", counted)
    body = _feed(31, size=60).render()
    outcome = syncs.sync(body)
    assert len(received) >= 2
    assert sum(received) > 0
    assert syncs.rows() == syncs.reference(body)
    # In batch order: the same warnings, those of the events without a UID last.
    assert sorted(outcome.warnings) == sorted(syncs.whole(body).warnings)


def test_the_stored_feed_moves_to_its_own_table_and_back_out_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from usked_cli import store

    # A workspace as the schema before feed_body left it: the feed in feed_state.body.
    data_dir = tmp_path / "data"
    older = store._MIGRATIONS[:-1]
    monkeypatch.setattr(Workspace, "migrations", older)
    Workspace.open(data_dir).close()
    body = b"BEGIN:VCALENDAR\r\n" + os.urandom(3 << 20) + b"END:VCALENDAR\r\n"  # > one piece
    with sqlite3.connect(data_dir / "workspace.sqlite3") as db:
        db.execute("INSERT INTO feed_state (user, source, body) VALUES ('maria', 'x', ?)", (body,))
    monkeypatch.setattr(Workspace, "migrations", store._MIGRATIONS)
    workspace = Workspace.open(data_dir)
    assert workspace.feed_body("maria") == body
    assert workspace.db.execute("SELECT body FROM feed_state").fetchone() == (None,)
    # Written again in pieces, read back byte for byte; gone with its user.
    again = body[::-1]
    workspace.replace_assignments(
        "maria",
        [],
        source="x",
        body=again,
        etag=None,
        last_modified=None,
        synced_at=NOW.isoformat(),
        horizon=sync_horizon(NOW),
        event_count=0,
        calendar_tz=None,
        parsed_with="test",
    )
    assert workspace.feed_body("maria") == again
    workspace.remove_user("maria")
    assert workspace.feed_body("maria") is None
    workspace.close()
