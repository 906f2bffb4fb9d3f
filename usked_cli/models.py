"""Domain records shared by the feed parser, the workspace and the renderers (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ZoomLink:
    """A Zoom join link found in an event: the invite link as written and what it names."""

    invite_link: str  # the https link as written (passcode included); never a /s/ start link
    meeting_id: str | None  # the digits of /j/ or /w/ links; None for /my/<name> personal links
    passcode: str | None  # the link's pwd= value, when it carries one


@dataclass(frozen=True, slots=True)
class Assignment:
    """One occurrence of a request on one user's schedule.

    `start`/`end` are timezone-aware. An all-day assignment starts at midnight in the zone that
    anchors the feed's floating times (X-WR-TIMEZONE, else the configured timezone) and is shown
    by its date, never shifted into another zone.
    """

    user: str
    uid: str
    request_id: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str
    zoom: bool
    invite_link: str | None
    meeting_id: str | None
    passcode: str | None
    notes: str = ""
    # ISO start of the occurrence this is, for an expanded recurring event; None for a single event.
    recurrence_id: str | None = None
