"""Calendars written the way their producers write them, built here (no other project's files).

Each is a `Calendar`: its bytes, the window to read it in, and the zone for floating times. The
tests in test_producers.py check what they list; test_differential.py compares what they list
with what icalendar + recurring_ical_events make of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

UTC_ZONE = ZoneInfo("UTC")
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
# Around the 2026 daylight-saving changes: 8 March in the US, 29 March in Europe.
MARCH = (datetime(2026, 3, 1, tzinfo=CHICAGO), datetime(2026, 4, 6, tzinfo=CHICAGO))


@dataclass(frozen=True)
class Calendar:
    name: str
    data: bytes
    window: tuple[datetime, datetime] = MARCH
    default_tz: ZoneInfo = CHICAGO


def fold(line: str) -> list[str]:
    """One content line folded at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1)."""
    data = line.encode()
    parts: list[str] = []
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode())
        data = b" " + data[cut:]
    parts.append(data.decode())
    return parts


def ics(text: str) -> bytes:
    """Lines (one per line of `text`, blanks dropped) as CRLF-ended, folded content lines."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return "".join(part + "\r\n" for line in lines for part in fold(line)).encode()


def vtimezone_us(tzid: str, standard: str, daylight: str, std: str, dst: str) -> str:
    """A US-rules VTIMEZONE as Outlook and Thunderbird write one (TZNAMEs optional)."""
    return f"""
BEGIN:VTIMEZONE
TZID:{tzid}
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:{dst}
TZOFFSETTO:{std}
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
{standard}
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:{std}
TZOFFSETTO:{dst}
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
{daylight}
END:DAYLIGHT
END:VTIMEZONE
"""


# Exchange 2010 "publish calendar": Windows zone names, no VTIMEZONE at all, Outlook's UIDs.
EXCHANGE_NO_VTIMEZONE = Calendar(
    "exchange-windows-tzid-no-vtimezone",
    ics(
        """
BEGIN:VCALENDAR
METHOD:PUBLISH
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
X-WR-CALNAME:Calendar
BEGIN:VEVENT
DESCRIPTION:Request #104701\\n
UID:040000008200E00074C5B7101A82E00800000000D0A1B2C3D4E5DA01000000000000000010000000A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6
SUMMARY:ASL interpreting - staff meeting
DTSTART;TZID=Eastern Standard Time:20260305T090000
DTEND;TZID=Eastern Standard Time:20260305T100000
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20260301T120000Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:0
LOCATION:Room 4
X-MICROSOFT-CDO-APPT-SEQUENCE:0
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-DISALLOW-COUNTER:FALSE
END:VEVENT
BEGIN:VEVENT
DESCRIPTION:Request #104702\\n
RRULE:FREQ=WEEKLY;UNTIL=20260330T180000Z;INTERVAL=1;BYDAY=MO;WKST=SU
UID:040000008200E00074C5B7101A82E00800000000E1F2A3B4C5D6DA01000000000000000010000000B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6
SUMMARY:Weekly check-in (Central)
DTSTART;TZID=Central Standard Time:20260302T130000
DTEND;TZID=Central Standard Time:20260302T133000
DTSTAMP:20260301T120000Z
STATUS:CONFIRMED
SEQUENCE:0
END:VEVENT
BEGIN:VEVENT
UID:gmt-standard-time@exchange
SUMMARY:London call
DTSTART;TZID=GMT Standard Time:20260331T160000
DTEND;TZID=GMT Standard Time:20260331T170000
DTSTAMP:20260301T120000Z
END:VEVENT
END:VCALENDAR
"""
    ),
)

# Exchange with VTIMEZONEs whose TZIDs differ from the events' in quotes and blanks, one of
# them a custom zone ("Customized Time Zone") only the file defines.
EXCHANGE_QUOTED_VTIMEZONE = Calendar(
    "exchange-vtimezone-quotes-and-blanks",
    ics(
        """
BEGIN:VCALENDAR
METHOD:PUBLISH
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
"""
        + vtimezone_us("Pacific Standard Time ", "", "", "-0800", "-0700")
        + """
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:pacific-quoted@exchange
SUMMARY:Request #104703 - Pacific
DTSTART;TZID="Pacific Standard Time":20260310T090000
DTEND;TZID="Pacific Standard Time":20260310T100000
DTSTAMP:20260301T120000Z
END:VEVENT
BEGIN:VEVENT
UID:custom-zone-other-case@exchange
SUMMARY:Request #104704 - Kolkata office
DTSTART;TZID="customized time zone":20260311T093000
DTEND;TZID="customized time zone":20260311T103000
DTSTAMP:20260301T120000Z
END:VEVENT
END:VCALENDAR
"""
    ),
)

# Office 365 / Outlook.com with Outlook display names as TZIDs and no VTIMEZONE.
OFFICE365_DISPLAY_NAMES = Calendar(
    "office365-display-name-tzids",
    ics(
        """
BEGIN:VCALENDAR
METHOD:PUBLISH
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
X-WR-CALNAME:Calendar
BEGIN:VEVENT
UID:o365-eastern@outlook
SUMMARY:Request #104705 - Eastern
DTSTART;TZID="(UTC-05:00) Eastern Time (US & Canada)":20260309T110000
DTEND;TZID="(UTC-05:00) Eastern Time (US & Canada)":20260309T120000
DTSTAMP:20260301T120000Z
END:VEVENT
BEGIN:VEVENT
UID:o365-berlin-weekly@outlook
SUMMARY:Request #104706 - Berlin weekly
RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TU
DTSTART;TZID="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":20260317T100000
DTEND;TZID="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":20260317T110000
DTSTAMP:20260301T120000Z
END:VEVENT
BEGIN:VEVENT
UID:o365-old-gmt@outlook
SUMMARY:Request #104707 - old style
DTSTART;TZID="(GMT +01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":20260302T080000
DTEND;TZID="(GMT +01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":20260302T090000
DTSTAMP:20260301T120000Z
END:VEVENT
BEGIN:VEVENT
UID:o365-brasilia@outlook
SUMMARY:Request #104708 - Brasilia
DTSTART;TZID="(UTC-03:00) Brasilia":20260304T140000
DTEND;TZID="(UTC-03:00) Brasilia":20260304T150000
DTSTAMP:20260301T120000Z
END:VEVENT
END:VCALENDAR
"""
    ),
)

# Thunderbird/Lightning: globally unique TZIDs and a floating DTEND next to a zoned DTSTART.
MOZILLA = Calendar(
    "mozilla-global-tzid-floating-dtend",
    ics(
        """
BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
"""
        + vtimezone_us(
            "/mozilla.org/20050126_1/America/Boise",
            "TZNAME:MST",
            "TZNAME:MDT",
            "-0700",
            "-0600",
        ).replace("TZID:/mozilla.org", "X-LIC-LOCATION:America/Boise\nTZID:/mozilla.org")
        + """
BEGIN:VEVENT
CREATED:20260301T120000Z
LAST-MODIFIED:20260301T120000Z
DTSTAMP:20260301T120000Z
UID:a3f4c2e0-5b1d-4c8e-9f0a-1b2c3d4e5f60
SUMMARY:Request #104709 - Boise
DTSTART;TZID=/mozilla.org/20050126_1/America/Boise:20260310T090000
DTEND:20260310T100000
END:VEVENT
BEGIN:VEVENT
DTSTAMP:20260301T120000Z
UID:b3f4c2e0-5b1d-4c8e-9f0a-1b2c3d4e5f61
SUMMARY:Request #104710 - Boise weekly
RRULE:FREQ=WEEKLY;COUNT=3
EXDATE:20260316T130000
DTSTART;TZID=/mozilla.org/20050126_1/America/Boise:20260302T130000
DTEND:20260302T140000
END:VEVENT
BEGIN:VEVENT
DTSTAMP:20260301T120000Z
UID:evolution-london@example.org
SUMMARY:Request #104711 - London (Evolution, no VTIMEZONE)
DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/Europe/London:20260312T150000
DTEND;TZID=/freeassociation.sourceforge.net/Tzfile/Europe/London:20260312T160000
END:VEVENT
END:VCALENDAR
"""
    ),
)

# Google Calendar: X-WR-TIMEZONE, a weekly series written in UTC across the US change, a series
# with its own zone (never moved), a single UTC event (stays UTC).
GOOGLE = Calendar(
    "google-xwr-utc-series",
    ics(
        """
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Interpreting
X-WR-TIMEZONE:America/New_York
BEGIN:VEVENT
DTSTART:20260302T150000Z
DTEND:20260302T160000Z
RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO
EXDATE:20260323T140000Z
DTSTAMP:20260301T120000Z
UID:0a1b2c3d4e5f6g7h8i9j0k1l2m@google.com
CREATED:20260220T120000Z
LAST-MODIFIED:20260220T120000Z
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Request #104712 - Monday class
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART:20260317T150000Z
DTEND:20260317T160000Z
DTSTAMP:20260301T120000Z
UID:0a1b2c3d4e5f6g7h8i9j0k1l2m@google.com
RECURRENCE-ID:20260316T140000Z
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Request #104712 - Monday class (moved to Tuesday)
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/London:20260302T170000
DTEND;TZID=Europe/London:20260302T180000
RRULE:FREQ=WEEKLY;COUNT=5
DTSTAMP:20260301T120000Z
UID:2a1b2c3d4e5f6g7h8i9j0k1l2m@google.com
SUMMARY:Request #104713 - London class
END:VEVENT
BEGIN:VEVENT
DTSTART:20260305T170000Z
DTEND:20260305T180000Z
DTSTAMP:20260301T120000Z
UID:3a1b2c3d4e5f6g7h8i9j0k1l2m@google.com
SUMMARY:Request #104714 - one-off
END:VEVENT
END:VCALENDAR
"""
    ),
)

# TZIDs with stray blanks and quotes, an IANA name in the wrong case, a legacy name, and
# `UTC+01` on a RECURRENCE-ID (an override of a Berlin series written by another client).
ODD_TZIDS = Calendar(
    "odd-tzids",
    ics(
        """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Zimbra//Zimbra Calendar//EN
BEGIN:VEVENT
UID:stray-blanks@zimbra
SUMMARY:Request #104715 - stray blanks
DTSTART;TZID=" America/Denver ":20260310T090000
DTEND;TZID=" America/Denver ":20260310T100000
END:VEVENT
BEGIN:VEVENT
UID:legacy-name@zimbra
SUMMARY:Request #104716 - legacy name
DTSTART;TZID=US-Eastern:20260311T090000
DTEND;TZID=US-Eastern:20260311T100000
END:VEVENT
BEGIN:VEVENT
UID:wrong-case@zimbra
SUMMARY:Request #104717 - wrong case
DTSTART;TZID=america/los_angeles:20260312T090000
DTEND;TZID=america/los_angeles:20260312T100000
END:VEVENT
BEGIN:VEVENT
UID:zimbra-display@zimbra
SUMMARY:Request #104718 - Zimbra display name
DTSTART;TZID="(GMT-06.00) Central Time (US & Canada)":20260313T090000
DTEND;TZID="(GMT-06.00) Central Time (US & Canada)":20260313T100000
END:VEVENT
BEGIN:VEVENT
UID:berlin-series@example.org
SUMMARY:Request #104719 - Berlin series
DTSTART;TZID=Europe/Berlin:20260302T100000
DTEND;TZID=Europe/Berlin:20260302T110000
RRULE:FREQ=WEEKLY;COUNT=4
END:VEVENT
BEGIN:VEVENT
UID:berlin-series@example.org
SUMMARY:Request #104719 - Berlin series (moved to noon)
RECURRENCE-ID;TZID=UTC+01:20260309T100000
DTSTART;TZID=Europe/Berlin:20260309T120000
DTEND;TZID=Europe/Berlin:20260309T130000
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
UID:mars@zimbra
SUMMARY:Request #104720 - unknown zone
DTSTART;TZID=Mars/Olympus_Mons:20260314T090000
DTEND;TZID=Mars/Olympus_Mons:20260314T100000
END:VEVENT
BEGIN:VEVENT
UID:mars-again@zimbra
SUMMARY:Request #104721 - unknown zone again
DTSTART;TZID=Mars/Olympus_Mons:20260315T090000
DTEND;TZID=Mars/Olympus_Mons:20260315T100000
END:VEVENT
END:VCALENDAR
"""
    ),
)

# A single-event file without VCALENDAR (as some mailers attach an invitation).
BARE_VEVENT = Calendar(
    "bare-vevent",
    ics(
        """
BEGIN:VEVENT
UID:bare-104722@mailer
DTSTAMP:20260301T120000Z
DTSTART:20260312T150000Z
DTEND:20260312T160000Z
SUMMARY:Request #104722 - sent as a bare event
END:VEVENT
"""
    ),
)

# Two calendars in one file (a concatenated export).
TWO_VCALENDARS = Calendar(
    "two-vcalendars",
    ics(
        """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 15.0//EN
X-WR-TIMEZONE:America/New_York
BEGIN:VEVENT
UID:apple-1@icloud
DTSTART;TZID=America/New_York:20260310T090000
DTEND;TZID=America/New_York:20260310T100000
SUMMARY:Request #104723 - first calendar
END:VEVENT
END:VCALENDAR
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 15.0//EN
BEGIN:VEVENT
UID:apple-2@icloud
DTSTART:20260311T090000
DTEND:20260311T100000
SUMMARY:Request #104724 - second calendar (floating)
END:VEVENT
END:VCALENDAR
"""
    ),
)

# An unbounded hourly series (a monitoring reminder pasted into a schedule).
HOURLY_UNBOUNDED = Calendar(
    "hourly-unbounded",
    ics(
        """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:hourly@example.org
DTSTART;TZID=America/Chicago:20260301T000000
DTEND;TZID=America/Chicago:20260301T001500
RRULE:FREQ=HOURLY
SUMMARY:Hourly check
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.org
DTSTART;TZID=America/Chicago:20260302T090000
DTEND;TZID=America/Chicago:20260302T100000
RRULE:FREQ=WEEKLY
SUMMARY:Request #104725 - weekly
END:VEVENT
END:VCALENDAR
"""
    ),
    window=(datetime(2026, 3, 7, tzinfo=CHICAGO), datetime(2026, 3, 10, tzinfo=CHICAGO)),
)

# The same UID on distinct events without RECURRENCE-ID (Apple and Zimbra exports do this),
# and on identical copies (a re-sent invitation).
DUPLICATE_UIDS = Calendar(
    "duplicate-uids",
    ics(
        """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//iCal 5.0//EN
BEGIN:VEVENT
UID:shared@icloud
SEQUENCE:0
DTSTART;TZID=America/Chicago:20260310T090000
DTEND;TZID=America/Chicago:20260310T100000
SUMMARY:Request #104726 - morning
END:VEVENT
BEGIN:VEVENT
UID:shared@icloud
SEQUENCE:0
DTSTART;TZID=America/Chicago:20260310T140000
DTEND;TZID=America/Chicago:20260310T150000
SUMMARY:Request #104726 - afternoon
END:VEVENT
BEGIN:VEVENT
UID:shared@icloud
SEQUENCE:0
DTSTART;TZID=America/Chicago:20260310T090000
DTEND;TZID=America/Chicago:20260310T100000
SUMMARY:Request #104727 - same start, another summary
END:VEVENT
BEGIN:VEVENT
UID:resent@icloud
SEQUENCE:1
DTSTART;TZID=America/Chicago:20260312T090000
DTEND;TZID=America/Chicago:20260312T100000
SUMMARY:Request #104728
LOCATION:Room 1
END:VEVENT
BEGIN:VEVENT
UID:resent@icloud
SEQUENCE:3
DTSTART;TZID=America/Chicago:20260312T090000
DTEND;TZID=America/Chicago:20260312T100000
SUMMARY:Request #104728
LOCATION:Room 3 (latest)
END:VEVENT
END:VCALENDAR
"""
    ),
)

# All-day events around the window's last day, in a calendar whose midnight is far from UTC.
ALL_DAY_EDGE = Calendar(
    "all-day-edge",
    ics(
        """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Google Inc//Google Calendar 70.9054//EN
X-WR-TIMEZONE:Pacific/Auckland
BEGIN:VEVENT
UID:on-the-to-day@google.com
DTSTART;VALUE=DATE:20260312
DTEND;VALUE=DATE:20260313
SUMMARY:On the last day
END:VEVENT
BEGIN:VEVENT
UID:day-after@google.com
DTSTART;VALUE=DATE:20260313
DTEND;VALUE=DATE:20260314
SUMMARY:The day after
END:VEVENT
BEGIN:VEVENT
UID:day-before-from@google.com
DTSTART;VALUE=DATE:20260309
DTEND;VALUE=DATE:20260310
SUMMARY:The day before
END:VEVENT
BEGIN:VEVENT
UID:on-the-from-day@google.com
DTSTART;VALUE=DATE:20260310
SUMMARY:On the first day
END:VEVENT
END:VCALENDAR
"""
    ),
    # --from 2026-03-10 --to 2026-03-12 as the CLI reads them in Chicago
    window=(datetime(2026, 3, 10, tzinfo=CHICAGO), datetime(2026, 3, 13, tzinfo=CHICAGO)),
)

# A Zoom invitation forwarded into a calendar: numeric passcode, one-tap and location numbers.
ZOOM_INVITATION_NOTES = (
    "Acme Interpreting is inviting you to a scheduled Zoom meeting.\n"
    "\n"
    "Topic: Request #104729 - Spanish\n"
    "Time: Mar 16, 2026 10:00 AM Central Time (US and Canada)\n"
    "\n"
    "Join Zoom Meeting\n"
    "https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1\n"
    "\n"
    "Meeting ID: 855 1234 5678\n"
    "Passcode: 482913\n"
    "\n"
    "---\n"
    "\n"
    "One tap mobile\n"
    "+13017158592,,85512345678#,,,,*482913# US (Washington DC)\n"
    "+13126266799,,85512345678#,,,,*482913# US (Chicago)\n"
    "\n"
    "---\n"
    "\n"
    "Dial by your location\n"
    "\u2022 +1 301 715 8592 US (Washington DC)\n"
    "\u2022 +1 312 626 6799 US (Chicago)\n"
    "\u2022 +1 929 205 6099 US (New York)\n"
    "\u2022 877 853 5247 US Toll-free\n"
    "\n"
    "Meeting ID: 855 1234 5678\n"
    "Passcode: 482913\n"
    "\n"
    "Find your local number: https://us02web.zoom.us/u/kbN4Gf1x2\n"
)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


ZOOM_INVITATION = Calendar(
    "zoom-invitation",
    ics(
        f"""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//zoom.us//iCalendar Event//EN
BEGIN:VEVENT
UID:zoom-85512345678@zoom.us
DTSTAMP:20260301T120000Z
DTSTART;TZID=America/Chicago:20260316T100000
DTEND;TZID=America/Chicago:20260316T110000
SUMMARY:Request #104729 - Spanish
LOCATION:https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1
DESCRIPTION:{_escaped(ZOOM_INVITATION_NOTES)}
END:VEVENT
END:VCALENDAR
"""
    ),
)

PRODUCERS = [
    EXCHANGE_NO_VTIMEZONE,
    EXCHANGE_QUOTED_VTIMEZONE,
    OFFICE365_DISPLAY_NAMES,
    MOZILLA,
    GOOGLE,
    ODD_TZIDS,
    BARE_VEVENT,
    TWO_VCALENDARS,
    HOURLY_UNBOUNDED,
    DUPLICATE_UIDS,
    ALL_DAY_EDGE,
    ZOOM_INVITATION,
]

# The sync horizon (usked_cli.feeds.sync): 62 days back, 400 ahead.
SYNC_WINDOW = (
    datetime(2026, 3, 1, tzinfo=UTC_ZONE) - timedelta(days=62),
    datetime(2026, 3, 1, tzinfo=UTC_ZONE) + timedelta(days=400),
)
