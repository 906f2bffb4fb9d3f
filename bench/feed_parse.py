"""Benchmark: parse_feed on a generated 10,000-event feed, against icalendar's own parse.

The budget is parse_feed <= 2 x `icalendar.Calendar.from_ical` on the same bytes. The feed is
generated deterministically (mostly single events, one in 20 a weekly series with an EXDATE, Zoom
links in the notes), written to a temp file as uSked writes it (CRLF, 75-octet folding, escaped
text), and parsed over the sync horizon (62 days back, 400 ahead).

Run:  .venv/bin/python bench/feed_parse.py [--events 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

from usked_cli.feeds.ical import ParseResult, parse_feed

CHICAGO_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:America/Chicago",
    "X-LIC-LOCATION:America/Chicago",
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
LANGUAGES = ["Spanish", "ASL", "Vietnamese", "Somali", "Arabic", "Mandarin", "Russian", "Hmong"]
# The sync horizon (usked_cli.feeds.sync): 62 days back, 400 ahead of a sync on 1 March 2025.
SYNC_AT = datetime(2025, 3, 1, tzinfo=UTC)
WINDOW_START = SYNC_AT - timedelta(days=62)
WINDOW_END = SYNC_AT + timedelta(days=400)


def fold(line: str) -> list[str]:
    """Fold one content line at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1)."""
    data = line.encode()
    parts: list[str] = []
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # a UTF-8 continuation byte: cut before its lead
            cut -= 1
        parts.append(data[:cut].decode())
        data = b" " + data[cut:]
    parts.append(data.decode())
    return parts


def escape(text: str) -> str:
    """Escape a TEXT value the way producers do."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def generate_feed(events: int, seed: int = 1042) -> bytes:
    """A uSked-like feed: `events` VEVENTs, one in 20 a weekly series with one EXDATE, at most
    500 series (a larger feed has them further apart: 500 open-ended weekly series already make
    about 16,000 occurrences over the sync horizon, and a feed must stay under the cap of
    200,000 occurrences to be read incrementally; a user with 2,500 open-ended series is not).

    Half the series end after a few weeks (COUNT); the other half never end, so they expand
    over the whole window, the worst case for the recurrence library.
    """
    series_every = max(20, events // 500)
    rng = random.Random(seed)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//uSked//Assignments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:uSked - Ana Interpreter",
        "X-WR-TIMEZONE:America/Chicago",
        *CHICAGO_VTIMEZONE,
    ]
    base = datetime(2025, 1, 2, 7, 0)
    for number in range(events):
        request = 100000 + number
        start = base + timedelta(days=rng.randrange(360), minutes=15 * rng.randrange(40))
        end = start + timedelta(minutes=30 * rng.randrange(1, 8))
        language = rng.choice(LANGUAGES)
        meeting = rng.randrange(10**9, 10**11)
        notes = (
            f"Request #{request}\nLanguage: {language}\nClient: Clinic {rng.randrange(500)}, "
            f"Suite {rng.randrange(900)}; bring ID\nJoin Zoom Meeting\n"
            f"https://us02web.zoom.us/j/{meeting}?pwd=Ab{rng.randrange(10**8)}cD.1\n"
            f"Meeting ID: {meeting}\nPasscode: {rng.randrange(10**6):06d}"
        )
        fmt = "%Y%m%dT%H%M%S"
        lines += [
            "BEGIN:VEVENT",
            "DTSTAMP:20241215T120000Z",
            f"UID:usked-{request}@usked.com",
            f"SUMMARY:{escape(f'{language} interpreting, Request #{request}')}",
            f"DTSTART;TZID=America/Chicago:{start.strftime(fmt)}",
            f"DTEND;TZID=America/Chicago:{end.strftime(fmt)}",
            f"LOCATION:{escape('Zoom meeting')}",
            f"DESCRIPTION:{escape(notes)}",
            "STATUS:CONFIRMED",
        ]
        if number % series_every == 0:
            skipped = start + timedelta(weeks=2)
            ending = f";COUNT={rng.randrange(4, 12)}" if number % (2 * series_every) == 0 else ""
            lines += [
                f"RRULE:FREQ=WEEKLY{ending}",
                f"EXDATE;TZID=America/Chicago:{skipped.strftime(fmt)}",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode()


def timings(runs: int, job: Callable[[], object]) -> list[float]:
    """Seconds taken by each of `runs` calls of job()."""
    taken = []
    for _ in range(runs):
        began = time.perf_counter()
        job()
        taken.append(time.perf_counter() - began)
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.ics"
        path.write_bytes(generate_feed(args.events))
        data = path.read_bytes()
    chicago = zoneinfo.ZoneInfo("America/Chicago")

    def ours() -> ParseResult:
        return parse_feed(
            data, user="ana", window_start=WINDOW_START, window_end=WINDOW_END, default_tz=chicago
        )

    def library() -> None:
        icalendar.Calendar.from_ical(data)

    result = ours()  # also warms both up
    library_s = timings(args.runs, library)
    ours_s = timings(args.runs, ours)
    print(
        f"feed: {len(data) / 1e6:.1f} MB, {result.event_count} VEVENTs, "
        f"{len(result.assignments)} assignments in the window, {len(result.warnings)} warnings"
    )
    for name, taken in (("icalendar.Calendar.from_ical", library_s), ("parse_feed", ours_s)):
        print(
            f"{name:<29} best {min(taken) * 1000:7.1f} ms, "
            f"median {statistics.median(taken) * 1000:7.1f} ms ({args.runs} runs)"
        )
    print(
        f"ratio parse_feed / from_ical: best {min(ours_s) / min(library_s):.2f}, "
        f"median {statistics.median(ours_s) / statistics.median(library_s):.2f} (budget 2.00)"
    )


if __name__ == "__main__":
    main()
