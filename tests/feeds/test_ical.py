"""parse_feed on feeds as uSked, Outlook, Google and Zoom write them (tests/fixtures/feeds)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from usked_cli.errors import EXIT_USAGE, InputError
from usked_cli.feeds.ical import ParseResult, parse_feed
from usked_cli.models import Assignment, DialIn

FIXTURES = Path(__file__).parent.parent / "fixtures" / "feeds"
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
MARCH_START = datetime(2025, 3, 1, tzinfo=CHICAGO)
MARCH_END = datetime(2025, 4, 1, tzinfo=CHICAGO)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def parse(
    data: bytes | str,
    *,
    start: datetime = MARCH_START,
    end: datetime = MARCH_END,
    default_tz: ZoneInfo = CHICAGO,
    source: str = "test.ics",
) -> ParseResult:
    """Parse a fixture (by file name) or inline feed bytes for user "ana"."""
    if isinstance(data, str):
        data = (FIXTURES / data).read_bytes()
    return parse_feed(
        data, user="ana", window_start=start, window_end=end, default_tz=default_tz, source=source
    )


def by_uid(result: ParseResult) -> dict[str, Assignment]:
    return {a.uid: a for a in result.assignments if a.recurrence_id is None}


def fold(line: str) -> list[bytes]:
    """Fold a content line every 75 octets, as careless producers do (even inside a character)."""
    data = line.encode()
    parts = []
    while len(data) > 75:
        parts.append(data[:75])
        data = b" " + data[75:]
    parts.append(data)
    return parts


def feed(*events: str, header: str = "") -> bytes:
    """An inline calendar: each event is the lines between BEGIN:VEVENT and END:VEVENT."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    lines += [line for line in header.strip().splitlines() if line]
    for event in events:
        lines += ["BEGIN:VEVENT", *event.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return b"\r\n".join(part for line in lines for part in fold(line)) + b"\r\n"


def line_of(fixture: str, text: str) -> int:
    """The 1-based line of the BEGIN:VEVENT before the first line holding `text`."""
    lines = (FIXTURES / fixture).read_text(encoding="utf-8").splitlines()
    found = next(number for number, line in enumerate(lines) if text in line)
    return next(n for n in range(found, -1, -1) if lines[n] == "BEGIN:VEVENT") + 1


# -- uSked ------------------------------------------------------------------------------------


def test_usked_feed_reads_a_zoom_assignment_completely() -> None:
    result = parse("usked_assignments.ics")
    zoom = by_uid(result)["usked-assignment-104233@usked.com"]
    assert zoom == Assignment(
        user="ana",
        uid="usked-assignment-104233@usked.com",
        request_id="104233",
        title="Request #104233 - Spanish, Medical (Dr. Nguyễn)",
        start=datetime(2025, 3, 11, 9, 0, tzinfo=CHICAGO),
        end=datetime(2025, 3, 11, 10, 30, tzinfo=CHICAGO),
        all_day=False,
        location="Zoom",
        zoom=True,
        # the link is folded across two lines in the file
        invite_link="https://us02web.zoom.us/j/85512345678?pwd=aBcDeFgHiJkLmNoPqRsTuVwXyZ012345.1",
        meeting_id="85512345678",
        passcode="104233",  # what the notes give a person to type
        notes=(
            "Service Request 104233\n"
            "Client: Riverside Clinic, Suite 300; enter by the east door\n"
            "Join Zoom Meeting: https://us02web.zoom.us/j/85512345678"
            "?pwd=aBcDeFgHiJkLmNoPqRsTuVwXyZ012345.1\n"
            "Meeting ID: 855 1234 5678\n"
            "Passcode: 104233\n"
            "Bring the glossary (C:\\docs\\glossary.pdf)"
        ),
        recurrence_id=None,
        pwd="aBcDeFgHiJkLmNoPqRsTuVwXyZ012345.1",  # the link's encoded token
    )
    assert zoom.start.astimezone(UTC) == utc(2025, 3, 11, 14, 0)  # CDT, two days after the change


def test_usked_feed_calendar_facts_and_window() -> None:
    result = parse("usked_assignments.ics")
    assert result.calendar_name == "uSked - Ana Interpreter"
    assert result.calendar_tz == "America/Chicago"
    assert result.event_count == 6
    assert result.warnings == []
    # 104245 is cancelled; 104300 is in April; 104199 started in February but overlaps March.
    assert [a.request_id for a in result.assignments] == ["104199", "104233", "104240", "104250"]


def test_usked_in_person_assignment_has_no_zoom_and_its_room_is_not_a_request() -> None:
    courthouse = by_uid(parse("usked_assignments.ics"))["usked-assignment-104240@usked.com"]
    assert courthouse.location == "Hennepin County Courthouse, 300 S 6th St, Room #512, Minneapolis"
    assert courthouse.zoom is False
    assert courthouse.invite_link is None
    assert courthouse.meeting_id is None
    assert courthouse.request_id == "104240"


def test_usked_webinar_link_in_location_and_request_id_in_notes() -> None:
    webinar = by_uid(parse("usked_assignments.ics"))["usked-assignment-104250@usked.com"]
    assert webinar.title == "Vietnamese interpreting"
    assert webinar.request_id == "104250"
    assert webinar.invite_link == "https://acme.zoom.us/w/91234567890?tk=webinarToken.ABC"
    assert webinar.meeting_id == "91234567890"
    assert webinar.passcode is None


def test_window_is_half_open() -> None:
    # 104233 runs 09:00-10:30 Chicago on 11 March.
    start = datetime(2025, 3, 11, 10, 30, tzinfo=CHICAGO)
    after = parse("usked_assignments.ics", start=start, end=start.replace(hour=12))
    assert "104233" not in [a.request_id for a in after.assignments]  # ends at the window start
    end = datetime(2025, 3, 11, 9, 0, tzinfo=CHICAGO)
    before = parse("usked_assignments.ics", start=end.replace(hour=0), end=end)
    assert "104233" not in [a.request_id for a in before.assignments]  # starts at the window end
    inside = parse("usked_assignments.ics", start=start.replace(minute=29), end=start)
    assert [a.request_id for a in inside.assignments] == ["104233"]


def test_window_bounds_in_any_zone_mean_the_same_instants() -> None:
    in_chicago = parse("usked_assignments.ics")
    in_utc = parse(
        "usked_assignments.ics", start=MARCH_START.astimezone(UTC), end=MARCH_END.astimezone(UTC)
    )
    assert in_chicago.assignments == in_utc.assignments


# -- Outlook ----------------------------------------------------------------------------------


def test_outlook_windows_zone_names_with_vtimezones_without_tzname() -> None:
    found = {a.request_id: a for a in parse("outlook_windows_zones.ics").assignments}
    assert found["104310"].start.astimezone(UTC) == utc(2025, 3, 11, 14, 0)  # Central, CDT
    assert found["104311"].start.astimezone(UTC) == utc(2025, 3, 12, 17, 0)  # Eastern, EDT
    # "Pacific Standard Time" has no VTIMEZONE in the file: icalendar maps the Windows name.
    assert found["104312"].start.astimezone(UTC) == utc(2025, 3, 13, 16, 0)


def test_outlook_windows_zone_name_without_any_vtimezone() -> None:
    data = feed(
        """
UID:eastern-no-vtimezone
DTSTART;TZID=Eastern Standard Time:20250311T090000
DTEND;TZID=Eastern Standard Time:20250311T100000
SUMMARY:Request #1
"""
    )
    (assignment,) = parse(data).assignments
    assert assignment.start.astimezone(UTC) == utc(2025, 3, 11, 13, 0)


def test_outlook_links_in_angle_brackets_and_in_the_html_copy() -> None:
    found = {a.request_id: a for a in parse("outlook_windows_zones.ics").assignments}
    assert found["104310"].invite_link == "https://acme.zoom.us/j/81234567890?pwd=QWxpY2VBbmQ"
    # The plain notes hide the link; the X-ALT-DESC HTML copy holds it with &amp\; escaped twice.
    html_only = found["104311"]
    assert html_only.notes == "Click here to join the meeting"
    assert html_only.invite_link == "https://acme.zoom.us/j/83334445556?pwd=SGVsbG8&uname=Ana%20I"
    assert (html_only.meeting_id, html_only.pwd) == ("83334445556", "SGVsbG8")


def test_outlook_teams_meeting_is_not_zoom() -> None:
    found = {a.request_id: a for a in parse("outlook_windows_zones.ics").assignments}
    assert found["104312"].zoom is False
    assert found["104312"].location == "Microsoft Teams Meeting"


def test_outlook_all_day_event() -> None:
    (day,) = [a for a in parse("outlook_windows_zones.ics").assignments if a.all_day]
    # No X-WR-TIMEZONE in an Outlook feed: the day is anchored in the configured zone.
    assert day.start == datetime(2025, 3, 14, tzinfo=CHICAGO)
    assert day.end == datetime(2025, 3, 15, tzinfo=CHICAGO)
    assert day.title == "Out of office"


def test_outlook_weekly_series_across_dst_with_exdate_and_moved_occurrence() -> None:
    series = [a for a in parse("outlook_windows_zones.ics").assignments if a.request_id == "104320"]
    assert [a.start.astimezone(UTC) for a in series] == [
        utc(2025, 3, 4, 15, 0),  # CST
        utc(2025, 3, 11, 14, 0),  # CDT: still 09:00 on the wall
        utc(2025, 3, 25, 16, 0),  # moved from 09:00 to 11:00; 18 March is excluded
    ]
    assert [a.recurrence_id for a in series] == [
        "2025-03-04T09:00:00-06:00",
        "2025-03-11T09:00:00-05:00",
        "2025-03-25T09:00:00-05:00",
    ]
    assert series[2].title == "Weekly ASL check-in (moved)"
    assert {a.uid for a in series} == {series[0].uid}


# -- Google -----------------------------------------------------------------------------------


def test_google_series_with_exdate_rdate_moved_and_cancelled_occurrences() -> None:
    result = parse("google_recurring.ics", end=datetime(2025, 5, 1, tzinfo=CHICAGO))
    series = [a for a in result.assignments if a.uid == "7kukuqrfedlm2f9t0vr1jvn3s5@google.com"]
    assert [(a.start, a.recurrence_id) for a in series] == [
        (datetime(2025, 3, 3, 10, tzinfo=NEW_YORK), "2025-03-03T10:00:00-05:00"),
        (datetime(2025, 3, 10, 13, tzinfo=NEW_YORK), "2025-03-10T10:00:00-04:00"),  # moved
        (datetime(2025, 3, 27, 15, tzinfo=NEW_YORK), "2025-03-27T15:00:00-04:00"),  # RDATE
        (datetime(2025, 3, 31, 10, tzinfo=NEW_YORK), "2025-03-31T10:00:00-04:00"),
        (datetime(2025, 4, 7, 10, tzinfo=NEW_YORK), "2025-04-07T10:00:00-04:00"),  # COUNT=6
    ]  # 17 March: EXDATE; 24 March: cancelled override
    assert {a.request_id for a in series} == {"104400"}
    assert all(a.end - a.start == series[0].end - series[0].start for a in series)


def test_google_moved_occurrence_carries_its_own_text_and_link() -> None:
    result = parse("google_recurring.ics")
    moved = next(a for a in result.assignments if a.recurrence_id == "2025-03-10T10:00:00-04:00")
    assert moved.title == "Mandarin - weekly class (moved)"
    assert moved.meeting_id == "86667770000"
    assert moved.pwd == "TW92ZWQ"


def test_google_utc_event_stays_utc_and_meet_is_not_zoom() -> None:
    sync = next(a for a in parse("google_recurring.ics").assignments if a.request_id == "104410")
    assert sync.start == utc(2025, 3, 5, 15, 0)
    assert sync.start.utcoffset() is not None
    assert sync.zoom is False
    assert sync.invite_link is None


def test_google_all_day_events_take_the_calendar_zone_not_the_default() -> None:
    days = [a for a in parse("google_recurring.ics").assignments if a.all_day]
    assert [(a.title, a.start, a.end) for a in days] == [
        (
            "Training day",
            datetime(2025, 3, 7, tzinfo=NEW_YORK),
            datetime(2025, 3, 8, tzinfo=NEW_YORK),
        ),
        (
            "Interpreters' conference (two days)",
            datetime(2025, 3, 8, tzinfo=NEW_YORK),
            datetime(2025, 3, 10, tzinfo=NEW_YORK),  # exclusive DTEND, across the DST change
        ),
    ]
    assert all(a.recurrence_id is None for a in days)


# -- X-WR-TIMEZONE must not move events that carry their own zone -------------------------------


def test_xwr_timezone_does_not_move_events_with_their_own_zone() -> None:
    result = parse("xwr_timezone_trap.ics", end=datetime(2025, 3, 20, tzinfo=CHICAGO))
    starts = {(a.uid, a.recurrence_id): a.start.astimezone(UTC) for a in result.assignments}
    assert starts == {
        # Outlook-style VTIMEZONE without TZNAME: x_wr_timezone would take it for floating.
        ("own-vtimezone-without-tzname", None): utc(2025, 3, 11, 14, 0),
        ("iana-tzid-no-vtimezone", None): utc(2025, 3, 11, 16, 0),
        ("utc-time", None): utc(2025, 3, 11, 15, 0),
        ("custom-offset-zone", None): utc(2025, 3, 11, 3, 30),
        # floating: X-WR-TIMEZONE (New York), not the default zone (Chicago)
        ("floating-time", None): utc(2025, 3, 11, 13, 0),
        ("recurring-own-zone", "2025-03-08T09:00:00-06:00"): utc(2025, 3, 8, 15, 0),
        ("recurring-own-zone", "2025-03-09T09:00:00-05:00"): utc(2025, 3, 9, 14, 0),
        ("recurring-own-zone", "2025-03-10T09:00:00-05:00"): utc(2025, 3, 10, 14, 0),
        ("recurring-floating", "2025-03-04T09:00:00-05:00"): utc(2025, 3, 4, 14, 0),
        ("recurring-floating", "2025-03-11T09:00:00-04:00"): utc(2025, 3, 11, 13, 0),
        ("recurring-floating", "2025-03-18T09:00:00-04:00"): utc(2025, 3, 18, 13, 0),
        ("all-day-floating", None): utc(2025, 3, 12, 4, 0),
    }
    day = by_uid(result)["all-day-floating"]
    assert day.all_day
    assert day.end == datetime(2025, 3, 13, tzinfo=NEW_YORK)  # no DTEND: one day


def test_a_custom_zone_from_one_feed_does_not_leak_into_the_next() -> None:
    def custom_zone_feed(offset: str) -> bytes:
        return feed(
            """
UID:custom
DTSTART;TZID=Customized Time Zone:20250311T090000
SUMMARY:Request #1
""",
            header=f"""
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:{offset}
TZOFFSETTO:{offset}
END:STANDARD
END:VTIMEZONE
""",
        )

    (india,) = parse(custom_zone_feed("+0530")).assignments
    (brazil,) = parse(custom_zone_feed("-0300")).assignments
    assert india.start.astimezone(UTC) == utc(2025, 3, 11, 3, 30)
    assert brazil.start.astimezone(UTC) == utc(2025, 3, 11, 12, 0)


def test_unknown_xwr_timezone_falls_back_to_the_default_with_a_warning() -> None:
    data = feed("UID:f\nDTSTART:20250311T090000\nSUMMARY:x", header="X-WR-TIMEZONE:Mars/Base")
    result = parse(data)
    assert result.assignments[0].start == datetime(2025, 3, 11, 9, tzinfo=CHICAGO)
    assert result.calendar_tz == "Mars/Base"
    assert any("Mars/Base" in warning for warning in result.warnings)


# -- floating times, DURATION, missing DTEND, missing UID -------------------------------------


def test_floating_times_take_the_default_zone_when_the_calendar_names_none() -> None:
    in_chicago = by_uid(parse("floating_no_zone.ics"))
    start = datetime(2025, 3, 1, tzinfo=BERLIN)
    in_berlin = by_uid(parse("floating_no_zone.ics", default_tz=BERLIN, start=start))
    assert in_chicago["floating-with-end"].start == datetime(2025, 3, 11, 9, tzinfo=CHICAGO)
    assert in_berlin["floating-with-end"].start == datetime(2025, 3, 11, 9, tzinfo=BERLIN)


def test_duration_instead_of_dtend_and_no_end_at_all() -> None:
    found = by_uid(parse("floating_no_zone.ics"))
    by_duration = found["floating-duration"]
    assert by_duration.end == datetime(2025, 3, 11, 12, 30, tzinfo=CHICAGO)
    no_end = found["timed-no-end"]
    assert no_end.end == no_end.start  # a timed event without DTEND takes no time
    assert no_end.title == "Request #104502 - no DTEND, no DURATION"
    two_days = found["all-day-duration"]
    assert two_days.all_day
    assert (two_days.start, two_days.end) == (
        datetime(2025, 3, 8, tzinfo=CHICAGO),
        datetime(2025, 3, 10, tzinfo=CHICAGO),
    )


def test_a_zero_length_event_at_the_window_start_is_in_the_window() -> None:
    moment = datetime(2025, 3, 11, 13, tzinfo=CHICAGO)
    result = parse("floating_no_zone.ics", start=moment, end=moment.replace(hour=14))
    assert [a.uid for a in result.assignments] == ["timed-no-end"]


def test_an_event_without_uid_gets_a_stable_one_and_a_warning() -> None:
    first = parse("floating_no_zone.ics")
    second = parse("floating_no_zone.ics")
    (no_uid,) = [a for a in first.assignments if a.request_id == "104503"]
    assert no_uid.uid.startswith("no-uid-")
    assert no_uid.uid in [a.uid for a in second.assignments]
    assert [w for w in first.warnings if "no UID" in w] == [
        f"test.ics: the event at line 31 has no UID; using {no_uid.uid}"
    ]


def test_request_id_falls_back_to_the_uid() -> None:
    found = by_uid(parse("zoom_invites.ics"))
    assert found["personal-room@usked.com"].request_id == "personal-room@usked.com"


# -- Zoom's own export and other carriers of the link -------------------------------------------


def test_zoom_export_meeting_with_dial_strings() -> None:
    meeting = next(a for a in parse("zoom_invites.ics").assignments if a.request_id == "104260")
    assert meeting.invite_link == (
        "https://acme.zoom.us/j/85512345678?pwd=ZGVtb1Bhc3Njb2RlMTIzNDU2Nzg5MA.1"
    )
    assert meeting.meeting_id == "85512345678"
    assert "+13126266799,,85512345678#,,,,*512345# US (Chicago)" in meeting.notes
    assert (meeting.passcode, meeting.pwd) == ("512345", "ZGVtb1Bhc3Njb2RlMTIzNDU2Nzg5MA.1")
    assert meeting.dial_in == (DialIn("+13126266799", "US (Chicago)"),)


@pytest.mark.parametrize(
    ("uid", "invite_link", "meeting_id", "pwd"),
    [
        (
            "zoomgov-104261@usked.com",
            "https://www.zoomgov.com/j/1601234567?pwd=R292UGFzcw",
            "1601234567",
            "R292UGFzcw",
        ),
        ("personal-room@usked.com", "https://acme.zoom.us/my/ana.interpreter", None, None),
        (
            "app-link@usked.com",
            "https://zoom.us/j/81234567890?pwd=Zm9vYmFy",
            "81234567890",
            "Zm9vYmFy",
        ),
        (
            "start-then-join@usked.com",
            "https://us02web.zoom.us/j/85512345678?pwd=Sm9pbg",
            "85512345678",
            "Sm9pbg",
        ),
        (
            "conference-property@usked.com",
            "https://us06web.zoom.us/j/87654321098?pwd=Q29uZg",
            "87654321098",
            "Q29uZg",
        ),
        ("url-property@usked.com", "https://zoom.us/w/91234567890?tk=abc", "91234567890", None),
    ],
)
def test_zoom_link_carriers(
    uid: str, invite_link: str, meeting_id: str | None, pwd: str | None
) -> None:
    assignment = by_uid(parse("zoom_invites.ics"))[uid]
    assert assignment.zoom is True
    assert (assignment.invite_link, assignment.meeting_id, assignment.pwd) == (
        invite_link,
        meeting_id,
        pwd,
    )
    assert assignment.passcode is None  # no "Passcode:" line in these notes


@pytest.mark.parametrize("uid", ["start-link-only@usked.com", "lookalikes@usked.com"])
def test_start_links_and_lookalikes_are_not_invites(uid: str) -> None:
    assignment = by_uid(parse("zoom_invites.ics"))[uid]
    assert assignment.zoom is False
    assert assignment.invite_link is None


# -- recurrences built inline ------------------------------------------------------------------


def test_all_day_series_recurrence_ids_are_dates() -> None:
    data = feed("UID:weekly-day\nDTSTART;VALUE=DATE:20250303\nRRULE:FREQ=WEEKLY;COUNT=2\nSUMMARY:x")
    result = parse(data)
    assert [a.recurrence_id for a in result.assignments] == ["2025-03-03", "2025-03-10"]
    assert all(a.all_day for a in result.assignments)


def test_an_override_without_its_series_is_listed() -> None:
    data = feed(
        "UID:orphan\nRECURRENCE-ID:20250312T140000Z\nDTSTART:20250312T150000Z\n"
        "DTEND:20250312T160000Z\nSUMMARY:Request #104900"
    )
    (orphan,) = parse(data).assignments
    assert orphan.start == utc(2025, 3, 12, 15, 0)
    assert orphan.recurrence_id == "2025-03-12T14:00:00+00:00"


def test_a_cancelled_series_lists_nothing() -> None:
    data = feed("UID:gone\nDTSTART:20250303T090000\nRRULE:FREQ=DAILY;COUNT=5\nSTATUS:CANCELLED")
    assert parse(data).assignments == []


def test_a_series_outside_the_window_lists_nothing_but_counts_its_event() -> None:
    data = feed("UID:later\nDTSTART:20250603T090000\nRRULE:FREQ=DAILY;COUNT=5\nSUMMARY:x")
    result = parse(data)
    assert result.assignments == []
    assert result.event_count == 1


def test_a_series_that_ends_before_it_starts_is_listed_one_hour_long_with_a_warning() -> None:
    # recurring_ical_events would swap the times silently; the producer's default is taken.
    data = feed(
        "UID:backwards\nDTSTART:20250311T090000\nDTEND:20250311T080000\nRRULE:FREQ=DAILY;COUNT=3"
    )
    result = parse(data)
    assert [(a.start, a.end - a.start) for a in result.assignments] == [
        (datetime(2025, 3, day, 9, tzinfo=CHICAGO), timedelta(hours=1)) for day in (11, 12, 13)
    ]
    assert result.warnings == [
        "test.ics: event backwards (line 4): it ends (2025-03-11T08:00:00-05:00) "
        "before it starts (2025-03-11T09:00:00-05:00); read as one hour long"
    ]


def test_an_end_before_the_start_takes_the_duration_or_one_day_when_all_day() -> None:
    data = feed(
        "UID:with-duration\nDTSTART:20250311T090000\nDTEND:20250311T080000\nDURATION:PT30M",
        "UID:all-day\nDTSTART;VALUE=DATE:20250312\nDTEND;VALUE=DATE:20250310",
        "UID:negative\nDTSTART:20250313T090000\nDURATION:-PT2H",
    )
    result = parse(data)
    spans = {a.uid: (a.start, a.end) for a in result.assignments}
    assert spans == {
        "with-duration": (
            datetime(2025, 3, 11, 9, tzinfo=CHICAGO),
            datetime(2025, 3, 11, 9, 30, tzinfo=CHICAGO),
        ),
        "all-day": (datetime(2025, 3, 12, tzinfo=CHICAGO), datetime(2025, 3, 13, tzinfo=CHICAGO)),
        "negative": (
            datetime(2025, 3, 13, 9, tzinfo=CHICAGO),
            datetime(2025, 3, 13, 10, tzinfo=CHICAGO),
        ),
    }
    assert result.warnings == [
        "test.ics: event with-duration (line 4): it ends (2025-03-11T08:00:00-05:00) before it "
        "starts (2025-03-11T09:00:00-05:00); read as 30 min long, its DURATION",
        "test.ics: event all-day (line 10): it ends (2025-03-10T00:00:00-05:00) before it "
        "starts (2025-03-12T00:00:00-05:00); read as one day long",
        "test.ics: event negative (line 15): its DURATION is negative (-2 h); "
        "read as one hour long",
    ]


def test_an_all_day_event_whose_dtend_equals_dtstart_lasts_one_day() -> None:
    data = feed("UID:same\nDTSTART;VALUE=DATE:20250311\nDTEND;VALUE=DATE:20250311\nSUMMARY:x")
    (day,) = parse(data).assignments
    assert (day.start, day.end) == (
        datetime(2025, 3, 11, tzinfo=CHICAGO),
        datetime(2025, 3, 12, tzinfo=CHICAGO),
    )


def test_a_globally_unique_tzid_is_read_without_a_warning() -> None:
    # Evolution and Thunderbird write "/<vendor>/<Olson name>": a convention, not a guess.
    data = feed(
        "UID:evolution\nDTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:"
        "20250311T090000\nSUMMARY:x"
    )
    result = parse(data)
    assert result.assignments[0].start == datetime(2025, 3, 11, 9, tzinfo=BERLIN)
    assert result.warnings == []


def test_duplicate_uids_keep_every_distinct_event_and_warn_once() -> None:
    data = feed(
        "UID:dup\nSEQUENCE:2\nDTSTART:20250311T100000\nSUMMARY:Request #2 (latest)",
        "UID:dup\nSEQUENCE:1\nDTSTART:20250311T090000\nSUMMARY:Request #1 (other)",
    )
    result = parse(data)
    assert [(a.title, a.recurrence_id) for a in result.assignments] == [
        ("Request #1 (other)", "2025-03-11T09:00:00-05:00"),
        ("Request #2 (latest)", "2025-03-11T10:00:00-05:00"),
    ]
    assert result.warnings == [
        "test.ics: UID dup appears 2 times without RECURRENCE-ID; "
        "listed its 2 distinct events (another start or summary)"
    ]


def test_identical_copies_of_a_uid_count_once_the_highest_sequence() -> None:
    data = feed(
        "UID:dup\nSEQUENCE:2\nDTSTART:20250311T100000\nSUMMARY:Request #2\nLOCATION:Room 2",
        "UID:dup\nSEQUENCE:1\nDTSTART:20250311T100000\nSUMMARY:Request #2\nLOCATION:Room 1",
    )
    result = parse(data)
    assert [(a.location, a.recurrence_id) for a in result.assignments] == [("Room 2", None)]
    assert result.warnings == ["test.ics: UID dup appears 2 times; kept the copy at line 4"]


def test_notes_come_from_the_html_copy_when_there_is_no_plain_one() -> None:
    data = feed(
        "UID:html\nDTSTART:20250311T090000\nSUMMARY:x\n"
        "X-ALT-DESC;FMTTYPE=text/html:<html><body><p>Bring ID &amp\\; badge</p>"
        "<p>Floor 3</p></body></html>"
    )
    (assignment,) = parse(data).assignments
    assert assignment.notes == "Bring ID & badge\nFloor 3"


def test_results_are_sorted_by_start_then_request_id() -> None:
    data = feed(
        "UID:b\nDTSTART:20250311T090000\nSUMMARY:Request #300",
        "UID:a\nDTSTART:20250311T090000\nSUMMARY:Request #200",
        "UID:c\nDTSTART:20250310T090000\nSUMMARY:Request #900",
    )
    assert [a.request_id for a in parse(data).assignments] == ["900", "200", "300"]


# -- encodings ---------------------------------------------------------------------------------


def test_a_fold_through_a_multibyte_character_is_joined_before_decoding() -> None:
    title = "Request #12 " + "é" * 40  # 2 bytes each: the fold at 75 octets splits one
    data = feed(f"UID:split\nDTSTART:20250311T090000\nSUMMARY:{title}")
    assert b"\xc3\r\n \xa9" in data
    (assignment,) = parse(data).assignments
    assert assignment.title == title


def test_windows_1252_feed_is_read_with_a_warning() -> None:
    data = feed("UID:w\nDTSTART:20250311T090000\nSUMMARY:Caf\u00e9").replace(
        "Café".encode(), "Café".encode("cp1252")
    )
    result = parse(data)
    assert result.assignments[0].title == "Café"
    assert any("Windows-1252" in warning for warning in result.warnings)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(encoding: str) -> None:
    text = feed("UID:bom\nDTSTART:20250311T090000\nSUMMARY:Señal").decode()
    (assignment,) = parse(text.encode(encoding)).assignments
    assert assignment.title == "Señal"


# -- broken input ------------------------------------------------------------------------------


def test_broken_events_are_skipped_with_their_uid_and_line() -> None:
    result = parse("broken_events.ics", source="broken.ics")
    listed = list(dict.fromkeys(a.uid for a in result.assignments))
    assert listed == ["good-1", "bad-tzid", "every-minute", "ends-before-start", "good-2"]
    assert result.event_count == 8
    skipped = {"bad-dtstart": "bad DTSTART", "bad-rrule": "bad RRULE", "no-dtstart": "no DTSTART"}
    mended = {
        "ends-before-start": "before it starts (2025-03-11T10:00:00-05:00); read as one hour long",
        "every-minute": "its rule gives more than 5000 occurrences in the window",
    }
    assert len(result.warnings) == len(skipped) + len(mended) + 1
    for uid, reason in {**skipped, **mended}.items():
        (warning,) = [w for w in result.warnings if f" {uid} " in w]
        line = line_of("broken_events.ics", f"UID:{uid}")
        what = "skipped event" if uid in skipped else "event"
        assert warning.startswith(f"broken.ics: {what} {uid} (line {line}): ")
        assert reason in warning
    # An unknown zone is no reason to skip: read in X-WR-TIMEZONE, said once for the TZID.
    assert "broken.ics: unknown time zone 'Mars/Olympus_Mons'; read as America/Chicago " in (
        "\n".join(result.warnings)
    )
    assert by_uid(result)["bad-tzid"].start == datetime(2025, 3, 11, 9, tzinfo=CHICAGO)
    assert sum(a.uid == "every-minute" for a in result.assignments) == 5000


def test_mangled_lines_do_not_sink_the_feed() -> None:
    result = parse("mangled_lines.ics", source="mangled.ics")
    assert [a.uid for a in result.assignments] == ["before-junk", "junk-inside", "after-junk"]
    assert result.event_count == 4
    assert sorted(result.warnings) == sorted(
        [
            'mangled.ics: ignored an unreadable line 30: "this line lost its property name"',
            "mangled.ics: skipped event unclosed-alarm (line 39): "
            "a component inside it has no END line",
            "mangled.ics: event junk-inside (line 31): ignored an unreadable line: Content line "
            "could not be parsed into parts: 'so did this one': Invalid content line",
        ]
    )


def test_a_calendar_without_events_is_an_empty_list() -> None:
    result = parse("no_events.ics")
    assert result.assignments == []
    assert result.event_count == 0
    assert result.calendar_name == "uSked - New Provider"
    assert result.calendar_tz == "America/Denver"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            (FIXTURES / "expired_link_login_page.ics").read_bytes(),
            "feed.ics is not an iCalendar feed: "
            'it looks like an HTML page (starts with "<!DOCTYPE html>")',
        ),
        (b"", "feed.ics is empty (0 bytes)"),
        (b" \r\n\t\n", "feed.ics is empty (only whitespace)"),
        (b'{"error": "token expired"}', "feed.ics is not an iCalendar feed: it looks like JSON"),
        (b'<?xml version="1.0"?><error/>', "is not an iCalendar feed: it looks like an XML"),
        (bytes(range(256)) * 4, "feed.ics is not an iCalendar feed: it looks like binary data"),
        (b"\x1f\x8b\x08\x00\x00\x00", "it looks like binary data (gzip-compressed data)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "it looks like binary data (a PDF document)"),
        (
            b"Service unavailable\n",
            'it does not start with BEGIN:VCALENDAR (starts with "Service unavailable")',
        ),
        (b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n", "it looks like a VCARD without a VCALENDAR"),
        (
            (FIXTURES / "truncated.ics").read_bytes(),
            "feed.ics is not a complete iCalendar feed: it ends before END:VCALENDAR (cut short?)",
        ),
    ],
)
def test_input_that_is_not_a_calendar_is_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(data, source="feed.ics")
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == EXIT_USAGE


def test_without_a_source_the_message_says_the_feed() -> None:
    with pytest.raises(InputError, match=r"^the feed is empty"):
        parse_feed(
            b"", user="ana", window_start=MARCH_START, window_end=MARCH_END, default_tz=CHICAGO
        )


def test_an_unexpected_error_inside_the_parser_still_surfaces_as_one_input_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(self: object) -> ParseResult:
        raise RuntimeError("surprise\nwith a second line")

    monkeypatch.setattr("usked_cli.feeds.ical._FeedReader.read", explode)
    with pytest.raises(InputError) as caught:
        parse((FIXTURES / "no_events.ics").read_bytes(), source="feed.ics")
    assert caught.value.message == "feed.ics could not be read: surprise with a second line"


# -- import hygiene ----------------------------------------------------------------------------


def test_the_parser_does_not_import_the_cli_or_network_stacks() -> None:
    code = (
        "import sys, usked_cli.feeds.ical; "
        "print(sorted(m for m in ('httpx', 'typer', 'rich', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
