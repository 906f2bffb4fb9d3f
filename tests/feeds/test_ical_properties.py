"""Property tests: generated feeds (random folding, escapes, zones, recurrences, link forms) and
damaged bytes never crash the parser, and what it reads back is what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usked_cli.errors import InputError
from usked_cli.feeds.ical import ParseResult, parse_feed
from usked_cli.feeds.links import find_request_id, find_zoom_link

WINDOW_START = datetime(2024, 12, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 1, tzinfo=UTC)
# Derandomized: the same examples on every run and machine, and no example database.
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# How an event's time is written, and the IANA zone it means ("" = floating, "Z" = UTC).
TZIDS = {
    "America/Chicago": "America/Chicago",
    "Europe/Berlin": "Europe/Berlin",
    "Asia/Kolkata": "Asia/Kolkata",
    "America/St_Johns": "America/St_Johns",
    "Australia/Lord_Howe": "Australia/Lord_Howe",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "W. Europe Standard Time": "Europe/Berlin",
    "Pacific Standard Time": "America/Los_Angeles",
}
# Outlook writes these VTIMEZONEs without TZNAME; their rules match the IANA zones for 2025.
OUTLOOK_VTIMEZONES = {
    "Central Standard Time": ("-0600", "-0500"),
    "Eastern Standard Time": ("-0500", "-0400"),
}
FLOATING_ZONES = ["America/Chicago", "America/New_York", "Europe/Berlin", "Asia/Tokyo"]
HOSTS = ["zoom.us", "us02web.zoom.us", "acme.zoom.us", "www.zoomgov.com", "zoomgov.com"]
# Text without digits or "#", so that only the request number written on purpose is found.
PROSE = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnop QRSTUVWXYZ ,;:\\\"'()!?.-éễ日本ñ\n")),
    max_size=40,
)


@dataclass(frozen=True)
class GeneratedEvent:
    uid: str
    request: str
    summary: str
    wall: datetime  # the wall time as written
    zone: str  # a TZID, "" floating, "Z" UTC, "DATE" all-day
    outlook_vtimezone: bool
    end_form: str  # "DTEND", "DURATION" or "NONE"
    minutes: int
    count: int  # 0: a single event; else an RRULE with this COUNT
    exdate_second: bool
    cancelled: bool
    link: str  # as written in the notes
    meeting_id: str
    passcode: str | None
    before: str
    after: str


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


@st.composite
def zoom_links(draw: st.DrawFn) -> tuple[str, str, str | None]:
    """(link as written, meeting id, passcode) in one of the forms seen in the wild."""
    meeting_id = draw(st.from_regex(r"[1-9][0-9]{8,10}", fullmatch=True))
    # Zoom passcodes end with a letter or digit ("…xYz.1"), never with punctuation.
    token = st.from_regex(r"[A-Za-z0-9]{1,12}(\.[0-9])?[A-Za-z0-9]", fullmatch=True)
    passcode = draw(st.none() | token)
    host = draw(st.sampled_from(HOSTS))
    form = draw(st.sampled_from(["j", "w", "app"]))
    if form == "app":
        link = f"zoommtg://{host}/join?action=join&confno={meeting_id}"
    else:
        link = f"https://{host}/{form}/{meeting_id}"
        if passcode:
            link += "?"
    if passcode:
        link += f"pwd={passcode}" if form != "app" else f"&pwd={passcode}"
    return link, meeting_id, passcode


@st.composite
def events(draw: st.DrawFn, number: int) -> GeneratedEvent:
    zone = draw(st.sampled_from(["", "Z", "DATE", *TZIDS]))
    day = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 330)))
    # 06:00-20:59: no DST gap or overlap in these zones (they change at night).
    wall = datetime.combine(day, time(draw(st.integers(6, 20)), draw(st.sampled_from([0, 15, 45]))))
    link, meeting_id, passcode = draw(zoom_links())
    count = draw(st.sampled_from([0, 0, 0, 1, 2, 4]))
    return GeneratedEvent(
        uid=f"event-{number}@usked.test",
        request=str(104000 + number),
        summary=draw(PROSE),
        wall=wall,
        zone=zone,
        outlook_vtimezone=zone in OUTLOOK_VTIMEZONES and draw(st.booleans()),
        end_form=draw(st.sampled_from(["DTEND", "DURATION", "NONE"])),
        minutes=draw(st.integers(0, 240)),
        count=count,
        exdate_second=count >= 2 and draw(st.booleans()),
        cancelled=draw(st.integers(0, 9)) == 0,
        link=link,
        meeting_id=meeting_id,
        passcode=passcode,
        before=draw(st.sampled_from(["", "(", "<", '"', "'", "[join](", " "])),
        after=draw(st.sampled_from(["", ".", ")", ">", '"', "'", ").", ",", "!", "**"])),
    )


def stamp(event: GeneratedEvent, moment: datetime) -> str:
    """`;params:value` for a DTSTART-like property at `moment` (a wall time)."""
    if event.zone == "DATE":
        return f";VALUE=DATE:{moment:%Y%m%d}"
    if event.zone == "Z":
        return f":{moment:%Y%m%dT%H%M%S}Z"
    if event.zone == "":
        return f":{moment:%Y%m%dT%H%M%S}"
    return f";TZID={event.zone}:{moment:%Y%m%dT%H%M%S}"


def event_lines(event: GeneratedEvent) -> list[str]:
    step = timedelta(days=1)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        "DTSTAMP:20250101T000000Z",
        f"DTSTART{stamp(event, event.wall)}",
        f"SUMMARY:{escape(event.summary)} Request #{event.request}",
        f"DESCRIPTION:{escape(f'Notes {event.before}{event.link}{event.after} end')}",
    ]
    length = timedelta(days=1) if event.zone == "DATE" else timedelta(minutes=event.minutes)
    if event.end_form == "DTEND":
        lines.append(f"DTEND{stamp(event, event.wall + length)}")
    elif event.end_form == "DURATION":
        all_day = event.zone == "DATE"
        lines.append(f"DURATION:P{length.days}D" if all_day else f"DURATION:PT{event.minutes}M")
    if event.count:
        lines.append(f"RRULE:FREQ=DAILY;COUNT={event.count}")
    if event.exdate_second:
        lines.append(f"EXDATE{stamp(event, event.wall + step)}")
    if event.cancelled:
        lines.append("STATUS:CANCELLED")
    lines.append("END:VEVENT")
    return lines


def outlook_vtimezone(name: str) -> list[str]:
    standard, daylight = OUTLOOK_VTIMEZONES[name]
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{name}",
        "BEGIN:STANDARD",
        "DTSTART:16010101T020000",
        f"TZOFFSETFROM:{daylight}",
        f"TZOFFSETTO:{standard}",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        f"TZOFFSETFROM:{standard}",
        f"TZOFFSETTO:{daylight}",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]


def fold(line: str, width: int) -> list[bytes]:
    """Fold every `width` octets (RFC 5545 allows any place; some producers split characters)."""
    data = line.encode()
    parts = [data[:width]]
    data = data[width:]
    while data:
        parts.append(b" " + data[: width - 1])
        data = data[width - 1 :]
    return parts


@st.composite
def feeds(draw: st.DrawFn) -> tuple[bytes, list[GeneratedEvent], ZoneInfo]:
    """A feed, the events written into it, and the zone its floating times mean."""
    written = [draw(events(number)) for number in range(draw(st.integers(0, 6)))]
    calendar_zone = draw(st.none() | st.sampled_from(FLOATING_ZONES))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//usked-cli tests//EN"]
    if calendar_zone:
        lines.append(f"X-WR-TIMEZONE:{calendar_zone}")
    for name in sorted({e.zone for e in written if e.outlook_vtimezone}):
        lines += outlook_vtimezone(name)
    for event in written:
        lines += event_lines(event)
    lines.append("END:VCALENDAR")
    width = draw(st.integers(2, 75))
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    data = newline.join(part for line in lines for part in fold(line, width)) + newline
    floating = ZoneInfo(calendar_zone) if calendar_zone else ZoneInfo("America/Chicago")
    return data, written, floating


def parse(data: bytes) -> ParseResult:
    return parse_feed(
        data,
        user="ana",
        window_start=WINDOW_START,
        window_end=WINDOW_END,
        default_tz=ZoneInfo("America/Chicago"),
        source="generated.ics",
    )


def parse_or_refusal(data: bytes) -> ParseResult | None:
    """The result, or None when the feed was refused with a one-line InputError."""
    refusal: InputError | None = None
    try:
        return parse(data)
    except InputError as error:  # the only exception parse_feed may raise
        refusal = error
    assert refusal.message
    assert "\n" not in refusal.message
    return None


def expected_start(event: GeneratedEvent, floating: ZoneInfo) -> datetime:
    if event.zone == "Z":
        return event.wall.replace(tzinfo=UTC)
    if event.zone in ("", "DATE"):
        return (
            event.wall.replace(tzinfo=floating)
            if event.zone == ""
            else datetime.combine(event.wall.date(), time(), tzinfo=floating)
        )
    return event.wall.replace(tzinfo=ZoneInfo(TZIDS[event.zone]))


@PROPERTY_SETTINGS
@given(feeds())
def test_generated_feeds_read_back_what_was_written(
    generated: tuple[bytes, list[GeneratedEvent], ZoneInfo],
) -> None:
    data, written, floating = generated
    result = parse(data)
    assert result.warnings == []
    assert result.event_count == len(written)
    for assignment in result.assignments:
        assert assignment.start.utcoffset() is not None
        assert assignment.end.utcoffset() is not None
        assert assignment.end >= assignment.start
    listed: dict[str, list[object]] = {}
    for assignment in result.assignments:
        listed.setdefault(assignment.uid, []).append(assignment)
    live = [event for event in written if not event.cancelled]
    assert set(listed) == {event.uid for event in live}
    for event in live:
        occurrences = [a for a in result.assignments if a.uid == event.uid]
        expected_count = (event.count or 1) - (1 if event.exdate_second else 0)
        assert len(occurrences) == expected_count
        first = occurrences[0]
        assert first.start == expected_start(event, floating)
        assert first.all_day is (event.zone == "DATE")
        assert first.title == f"{event.summary} Request #{event.request}".strip()
        assert {a.request_id for a in occurrences} == {event.request}
        assert first.meeting_id == event.meeting_id
        assert first.pwd == event.passcode
        assert first.zoom
        if event.count:
            assert len({a.recurrence_id for a in occurrences}) == len(occurrences)
        else:
            assert first.recurrence_id is None


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data, _, _ = draw(feeds())
    for _ in range(draw(st.integers(1, 4))):
        cut = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "insert", "truncate", "replace"]))
        if action == "delete":
            data = data[:cut] + data[cut + draw(st.integers(1, 40)) :]
        elif action == "insert":
            data = data[:cut] + draw(st.binary(max_size=20) | st.sampled_from(JUNK)) + data[cut:]
        elif action == "truncate":
            data = data[:cut]
        else:
            data = data[:cut] + draw(st.binary(min_size=1, max_size=3)) + data[cut + 3 :]
    return data


JUNK = [
    b"\r\njunk line\r\n",
    b"\r\nBEGIN:VEVENT\r\n",
    b"\r\nEND:VEVENT\r\n",
    b"\r\nBEGIN:VALARM\r\n",
    b"\r\nDTSTART:nonsense\r\n",
    b"\r\nRRULE:FREQ=WEEKLY;UNTIL=2025\r\n",
    b"\r\nDTSTART;TZID=Nowhere/Land:20250101T100000\r\n",
    b"\r\nEXDATE;VALUE=DATE:20250101,garbage\r\n",
    b"\r\nDURATION:-PT5H\r\n",
    b"\r\nRDATE;VALUE=PERIOD:20250101T100000Z/PT1H\r\n",
    b'\r\nDTSTART;TZID="unterminated:20250101T100000\r\n',
    b"\r\nEND:VCALENDAR\r\n",
    b"\x00\xff\xfe",
]


@PROPERTY_SETTINGS
@given(damaged())
def test_damaged_feeds_give_assignments_or_one_input_error(data: bytes) -> None:
    result = parse_or_refusal(data)
    if result is None:
        return
    for assignment in result.assignments:
        assert assignment.start.utcoffset() is not None
        assert assignment.end.utcoffset() is not None


@PROPERTY_SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_give_assignments_or_one_input_error(data: bytes) -> None:
    result = parse_or_refusal(data)
    if result is None:
        return
    assert all(a.start.utcoffset() is not None for a in result.assignments)


@PROPERTY_SETTINGS
@given(zoom_links(), PROSE, PROSE, st.sampled_from(["", ".", ")", ">", ",", '"', "'"]))
def test_zoom_link_extraction_round_trips_meeting_ids(
    link: tuple[str, str, str | None], before: str, after: str, punctuation: str
) -> None:
    written, meeting_id, passcode = link
    found = find_zoom_link(f"{before} {written}{punctuation} {after}")
    assert found is not None
    assert found.meeting_id == meeting_id
    assert found.pwd == passcode
    assert found.invite_link.startswith("https://")
    assert "/s/" not in found.invite_link


@PROPERTY_SETTINGS
@given(st.text(max_size=200), st.text(max_size=200))
def test_request_ids_are_digits_or_none(summary: str, notes: str) -> None:
    found = find_request_id(summary, notes)
    assert found is None or (found.isdigit() and found in summary + notes)
    assert find_zoom_link(summary, notes) is None or "zoom" in (summary + notes).lower()
