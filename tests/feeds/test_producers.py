"""Calendars as their producers write them (tests/feeds/calendars.py): every event listed, at the
time its producer meant, and a guess said once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.feeds.calendars import (
    ALL_DAY_EDGE,
    BARE_VEVENT,
    CHICAGO,
    DUPLICATE_UIDS,
    EXCHANGE_NO_VTIMEZONE,
    EXCHANGE_QUOTED_VTIMEZONE,
    GOOGLE,
    HOURLY_UNBOUNDED,
    MOZILLA,
    NEW_YORK,
    ODD_TZIDS,
    OFFICE365_DISPLAY_NAMES,
    PRODUCERS,
    SYNC_WINDOW,
    TWO_VCALENDARS,
    ZOOM_INVITATION,
    Calendar,
    ics,
)
from usked_cli.feeds.ical import MAX_OCCURRENCES, ParseResult, parse_feed
from usked_cli.models import DialIn

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")


def read(calendar: Calendar, window: tuple[datetime, datetime] | None = None) -> ParseResult:
    start, end = window or calendar.window
    return parse_feed(
        calendar.data,
        user="ana",
        window_start=start,
        window_end=end,
        default_tz=calendar.default_tz,
        source=f"{calendar.name}.ics",
    )


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(result: ParseResult, uid: str | None = None) -> list[datetime]:
    return [a.start.astimezone(UTC) for a in result.assignments if uid is None or a.uid == uid]


def test_every_producer_calendar_lists_events_and_refuses_none() -> None:
    for calendar in PRODUCERS:
        result = read(calendar)
        assert result.assignments, calendar.name
        assert not [w for w in result.warnings if "skipped event" in w], calendar.name


def test_exchange_windows_names_without_any_vtimezone() -> None:
    result = read(EXCHANGE_NO_VTIMEZONE)
    by_title = {a.title: a for a in result.assignments}
    assert by_title["ASL interpreting - staff meeting"].start.astimezone(UTC) == utc(2026, 3, 5, 14)
    weekly = [a for a in result.assignments if a.title == "Weekly check-in (Central)"]
    # 13:00 on the wall clock of Chicago every Monday, across the change on 8 March
    assert [a.start.astimezone(UTC) for a in weekly] == [
        utc(2026, 3, 2, 19),
        utc(2026, 3, 9, 18),
        utc(2026, 3, 16, 18),
        utc(2026, 3, 23, 18),
        utc(2026, 3, 30, 18),  # UNTIL=20260330T180000Z includes it
    ]
    # "GMT Standard Time" is London, summer time from 29 March
    assert by_title["London call"].start == datetime(2026, 3, 31, 16, tzinfo=LONDON)
    assert result.warnings == []


def test_exchange_vtimezones_match_despite_quotes_blanks_and_case() -> None:
    result = read(EXCHANGE_QUOTED_VTIMEZONE)
    by_uid = {a.uid: a for a in result.assignments}
    assert by_uid["pacific-quoted@exchange"].start.astimezone(UTC) == utc(2026, 3, 10, 16)
    # the custom zone only the file defines (+05:30), TZID in another case and quoted
    assert by_uid["custom-zone-other-case@exchange"].start.astimezone(UTC) == utc(2026, 3, 11, 4, 0)
    assert result.warnings == []


def test_office365_display_names() -> None:
    result = read(OFFICE365_DISPLAY_NAMES)
    by_uid: dict[str, list[datetime]] = {}
    for a in result.assignments:
        by_uid.setdefault(a.uid, []).append(a.start.astimezone(UTC))
    assert by_uid["o365-eastern@outlook"] == [utc(2026, 3, 9, 15)]  # EDT since 8 March
    assert by_uid["o365-berlin-weekly@outlook"] == [
        utc(2026, 3, 17, 9),
        utc(2026, 3, 24, 9),
        utc(2026, 3, 31, 8),  # CEST from 29 March: still 10:00 in Berlin
    ]
    assert by_uid["o365-old-gmt@outlook"] == [utc(2026, 3, 2, 7)]
    assert by_uid["o365-brasilia@outlook"] == [utc(2026, 3, 4, 17)]
    # the one name known by its offset alone is a guess, said once
    assert result.warnings == [
        "office365-display-name-tzids.ics: time zone '(UTC-03:00) Brasilia' is not a known "
        "zone; read as UTC-03:00 (its offset alone)"
    ]


def test_mozilla_global_tzids_and_floating_dtend_take_dtstarts_zone() -> None:
    result = read(MOZILLA)
    boise = ZoneInfo("America/Boise")
    single = next(a for a in result.assignments if a.request_id == "104709")
    assert (single.start, single.end) == (
        datetime(2026, 3, 10, 9, tzinfo=boise),
        datetime(2026, 3, 10, 10, tzinfo=boise),
    )
    weekly = [a for a in result.assignments if a.request_id == "104710"]
    # the floating EXDATE (16 March, 13:00) is in DTSTART's zone too: it removes that one
    assert [a.start for a in weekly] == [
        datetime(2026, 3, 2, 13, tzinfo=boise),
        datetime(2026, 3, 9, 13, tzinfo=boise),
    ]
    assert all(a.end - a.start == timedelta(hours=1) for a in weekly)
    london = next(a for a in result.assignments if a.request_id == "104711")
    assert london.start == datetime(2026, 3, 12, 15, tzinfo=LONDON)
    assert result.warnings == []


def test_google_utc_series_keep_the_wall_clock_of_x_wr_timezone_across_dst() -> None:
    result = read(GOOGLE)
    monday = [a for a in result.assignments if a.request_id == "104712"]
    assert [(a.start, a.recurrence_id) for a in monday] == [
        (datetime(2026, 3, 2, 10, tzinfo=NEW_YORK), "2026-03-02T10:00:00-05:00"),
        (datetime(2026, 3, 9, 10, tzinfo=NEW_YORK), "2026-03-09T10:00:00-04:00"),
        # moved to Tuesday 11:00 by an override whose RECURRENCE-ID is in UTC
        (datetime(2026, 3, 17, 11, tzinfo=NEW_YORK), "2026-03-16T10:00:00-04:00"),
        # 23 March: EXDATE in UTC
        (datetime(2026, 3, 30, 10, tzinfo=NEW_YORK), "2026-03-30T10:00:00-04:00"),
    ]
    # a series with its own TZID is never moved: 17:00 in London all along
    london = [a.start for a in result.assignments if a.request_id == "104713"]
    assert london == [datetime(2026, 3, day, 17, tzinfo=LONDON) for day in (2, 9, 16, 23, 30)]
    # a single UTC event stays UTC
    one_off = next(a for a in result.assignments if a.request_id == "104714")
    assert one_off.start == utc(2026, 3, 5, 17)
    assert one_off.start.utcoffset() == timedelta(0)


def test_stray_blanks_legacy_names_utc_offsets_and_unknown_zones() -> None:
    result = read(ODD_TZIDS)
    by_request = {a.request_id: a for a in result.assignments if a.recurrence_id is None}
    assert by_request["104715"].start.astimezone(UTC) == utc(2026, 3, 10, 15)  # Denver, MDT
    assert by_request["104716"].start.astimezone(UTC) == utc(2026, 3, 11, 13)  # US-Eastern
    assert by_request["104717"].start.astimezone(UTC) == utc(2026, 3, 12, 16)  # wrong case
    assert by_request["104718"].start.astimezone(UTC) == utc(2026, 3, 13, 14)  # Zimbra name
    # unknown: the configured zone (no X-WR-TIMEZONE here), one warning for the TZID
    assert by_request["104720"].start == datetime(2026, 3, 14, 9, tzinfo=CHICAGO)
    assert by_request["104721"].start == datetime(2026, 3, 15, 9, tzinfo=CHICAGO)
    assert result.warnings == [
        "odd-tzids.ics: unknown time zone 'Mars/Olympus_Mons'; read as America/Chicago "
        "(the configured timezone)"
    ]
    # RECURRENCE-ID;TZID=UTC+01 names the 10:00 Berlin occurrence, which moved to noon
    berlin = [(a.start, a.title) for a in result.assignments if a.request_id == "104719"]
    assert berlin == [
        (datetime(2026, 3, 2, 10, tzinfo=BERLIN), "Request #104719 - Berlin series"),
        (
            datetime(2026, 3, 9, 12, tzinfo=BERLIN),
            "Request #104719 - Berlin series (moved to noon)",
        ),
        (datetime(2026, 3, 16, 10, tzinfo=BERLIN), "Request #104719 - Berlin series"),
        (datetime(2026, 3, 23, 10, tzinfo=BERLIN), "Request #104719 - Berlin series"),
    ]


def test_unknown_zones_take_x_wr_timezone_when_the_calendar_names_one() -> None:
    data = ODD_TZIDS.data.replace(b"VERSION:2.0", b"VERSION:2.0\r\nX-WR-TIMEZONE:America/New_York")
    result = parse_feed(
        data, user="ana", window_start=ODD_TZIDS.window[0], window_end=ODD_TZIDS.window[1],
        default_tz=CHICAGO, source="odd.ics",
    )  # fmt: skip
    mars = next(a for a in result.assignments if a.request_id == "104720")
    assert mars.start == datetime(2026, 3, 14, 9, tzinfo=NEW_YORK)
    assert result.warnings == [
        "odd.ics: unknown time zone 'Mars/Olympus_Mons'; read as America/New_York (X-WR-TIMEZONE)"
    ]


def test_a_bare_vevent_is_a_calendar_of_one_with_a_note() -> None:
    result = read(BARE_VEVENT)
    (event,) = result.assignments
    assert (event.request_id, event.start) == ("104722", utc(2026, 3, 12, 15))
    assert result.warnings == []
    assert result.notes == [
        "bare-vevent.ics: holds a VEVENT without a VCALENDAR around it; "
        "read as a calendar of one event"
    ]


def test_a_bare_vevent_keeps_its_line_numbers_in_warnings() -> None:
    data = ics("BEGIN:VEVENT\nUID:no-start\nSUMMARY:x\nEND:VEVENT")
    result = parse_feed(
        data, user="ana", window_start=utc(2026, 3, 1, 0), window_end=utc(2026, 4, 1, 0),
        default_tz=CHICAGO, source="one.ics",
    )  # fmt: skip
    assert result.assignments == []
    assert result.warnings == ["one.ics: skipped event no-start (line 1): it has no DTSTART"]


def test_several_vcalendars_are_read_as_one() -> None:
    result = read(TWO_VCALENDARS)
    assert [(a.request_id, a.start) for a in result.assignments] == [
        ("104723", datetime(2026, 3, 10, 9, tzinfo=NEW_YORK)),
        # floating in the second calendar: the first one's X-WR-TIMEZONE holds for the file
        ("104724", datetime(2026, 3, 11, 9, tzinfo=NEW_YORK)),
    ]
    assert result.notes == ["two-vcalendars.ics: holds 2 VCALENDARs; read them as one calendar"]


def test_an_unbounded_hourly_series_is_expanded_in_the_window_only() -> None:
    result = read(HOURLY_UNBOUNDED)
    hourly = [a.start for a in result.assignments if a.uid == "hourly@example.org"]
    # 7 to 10 March in Chicago, every hour of the wall clock, as dateutil steps a rule (02:00
    # on 8 March, which the clocks skip, is read as 03:00 CDT, as recurring_ical_events does)
    assert [(a.day, a.hour) for a in hourly] == [(d, h) for d in (7, 8, 9) for h in range(24)]
    assert hourly[0] == datetime(2026, 3, 7, tzinfo=CHICAGO)
    assert starts(result, "weekly@example.org") == [datetime(2026, 3, 9, 9, tzinfo=CHICAGO)]
    assert result.warnings == []


def test_an_unbounded_hourly_series_over_the_sync_horizon_is_capped_with_one_warning() -> None:
    result = read(HOURLY_UNBOUNDED, SYNC_WINDOW)
    hourly = [a for a in result.assignments if a.uid == "hourly@example.org"]
    assert len(hourly) == MAX_OCCURRENCES
    assert hourly[0].start == datetime(2026, 3, 1, tzinfo=CHICAGO)  # its first occurrence
    (warning,) = result.warnings
    assert warning.startswith(
        "hourly-unbounded.ics: event hourly@example.org (line 4): its rule gives more than "
        f"{MAX_OCCURRENCES} occurrences in the window; listed the first {MAX_OCCURRENCES}, to "
    )
    # the other series of the feed is whole
    weekly = [a for a in result.assignments if a.uid == "weekly@example.org"]
    assert len(weekly) == len({a.recurrence_id for a in weekly}) > 50


def hostile(rule: str, start: str) -> bytes:
    return ics(
        f"""
BEGIN:VCALENDAR
BEGIN:VEVENT
UID:hostile
DTSTART;TZID=America/Chicago:{start}
DURATION:PT1M
RRULE:{rule}
END:VEVENT
END:VCALENDAR
"""
    )


def test_hostile_unbounded_series_from_decades_back_are_capped_over_the_sync_horizon() -> None:
    # Not a timing test: a walk from 1970 minute by minute would be 30 million steps, and a
    # window of 400 days 600,000 occurrences. The rule is moved on, the window capped.
    for rule, start in [
        ("FREQ=MINUTELY", "19700101T000000"),
        ("FREQ=HOURLY", "19000101T000000"),
        ("FREQ=MINUTELY;BYHOUR=9,10;BYDAY=MO,TU", "19700101T000300"),
        ("FREQ=MINUTELY;COUNT=900000000", "19700101T000000"),
        (
            "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17;BYMINUTE=0,30",
            "19000101T000000",
        ),
    ]:
        result = parse_feed(
            hostile(rule, start),
            user="ana",
            window_start=SYNC_WINDOW[0],
            window_end=SYNC_WINDOW[1],
            default_tz=CHICAGO,
        )
        assert len(result.assignments) == MAX_OCCURRENCES, rule
        assert len(result.warnings) == 1, rule
        assert "event hostile (line 2): its rule gives more than 5000" in result.warnings[0]
        first = result.assignments[0].start
        assert SYNC_WINDOW[0] <= first < SYNC_WINDOW[0] + timedelta(days=7), rule


def test_a_minutely_series_lists_exactly_its_minutes_in_a_short_window() -> None:
    result = parse_feed(
        hostile("FREQ=MINUTELY;INTERVAL=7", "19700101T000300"),
        user="ana",
        window_start=datetime(2026, 3, 10, 9, tzinfo=CHICAGO),
        window_end=datetime(2026, 3, 10, 10, tzinfo=CHICAGO),
        default_tz=CHICAGO,
    )
    # minutes since 1970-01-01 00:03 in Chicago's wall clock, every 7
    origin = datetime(1970, 1, 1, 0, 3)
    expected = [
        datetime(2026, 3, 10, 9, minute, tzinfo=CHICAGO)
        for minute in range(60)
        if (datetime(2026, 3, 10, 9, minute) - origin) // timedelta(minutes=1) % 7 == 0
    ]
    assert [a.start for a in result.assignments] == expected
    assert result.warnings == []


def test_duplicate_uids_list_every_distinct_event_with_distinct_identities() -> None:
    result = read(DUPLICATE_UIDS)
    shared = [a for a in result.assignments if a.uid == "shared@icloud"]
    assert sorted(a.title for a in shared) == [
        "Request #104726 - afternoon",
        "Request #104726 - morning",
        "Request #104727 - same start, another summary",
    ]
    identities = [a.recurrence_id for a in shared]
    assert len(set(identities)) == 3
    assert "2026-03-10T14:00:00-05:00" in identities  # a start of its own: that is enough
    # the two at 09:00 are told apart by a hash of their DTSTART and SUMMARY, the same each sync
    assert sorted(i for i in identities if "#" in i) == sorted(
        a.recurrence_id for a in read(DUPLICATE_UIDS).assignments if "#" in (a.recurrence_id or "")
    )
    (resent,) = [a for a in result.assignments if a.uid == "resent@icloud"]
    assert (resent.location, resent.recurrence_id) == ("Room 3 (latest)", None)
    assert result.warnings == [
        "duplicate-uids.ics: UID shared@icloud appears 3 times without RECURRENCE-ID; "
        "listed its 3 distinct events (another start or summary)",
        "duplicate-uids.ics: UID resent@icloud appears 2 times; kept the copy at line 33",
    ]


def test_all_day_events_at_the_windows_edges() -> None:
    result = read(ALL_DAY_EDGE)
    assert [(a.title, a.start.date().isoformat()) for a in result.assignments] == [
        ("On the first day", "2026-03-10"),
        ("On the last day", "2026-03-12"),
    ]


def test_zoom_invitation_passcode_pwd_and_dial_in() -> None:
    (meeting,) = read(ZOOM_INVITATION).assignments
    assert meeting.passcode == "482913"  # what a person types
    assert meeting.pwd == "SGVsbG9Xb3JsZDEyMzQ1Ng.1"  # the link's token
    assert meeting.meeting_id == "85512345678"
    assert meeting.dial_in == (
        DialIn("+1 301 715 8592", "US (Washington DC)"),
        DialIn("+1 312 626 6799", "US (Chicago)"),
        DialIn("+1 929 205 6099", "US (New York)"),
        DialIn("877 853 5247", "US Toll-free"),
    )


def test_a_personal_room_link_takes_its_meeting_id_from_the_notes() -> None:
    data = ics(
        """
BEGIN:VCALENDAR
BEGIN:VEVENT
UID:pmi
DTSTART:20260310T150000Z
DURATION:PT1H
LOCATION:https://acme.zoom.us/my/ana.interpreter
DESCRIPTION:Join: https://acme.zoom.us/my/ana.interpreter\\nMeeting ID: 412 345 6789
END:VEVENT
END:VCALENDAR
"""
    )
    (room,) = parse_feed(
        data, user="ana", window_start=utc(2026, 3, 1, 0), window_end=utc(2026, 4, 1, 0),
        default_tz=CHICAGO,
    ).assignments  # fmt: skip
    assert (room.meeting_id, room.passcode, room.pwd) == ("4123456789", None, None)
