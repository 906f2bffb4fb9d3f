"""Domain records shared by the feed parser, the workspace and the renderers (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class ZoomLink:
    """A Zoom join link found in an event: the invite link as written and what it names."""

    invite_link: str  # the https link as written (pwd included); never a /s/ start link
    meeting_id: str | None  # the digits of /j/ or /w/ links; None for /my/<name> personal links
    pwd: str | None  # the link's pwd= value (an encoded passcode, not what a person types)


@dataclass(frozen=True, slots=True)
class DialIn:
    """One dial-in number of a Zoom invitation, as the notes write it."""

    number: str  # "+1 301 715 8592" (spelled out when the notes do), or "+13017158592"
    country: str  # what follows it: "US (Washington DC)", "US Toll-free"; "" when nothing


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
    # The passcode a person types to join: a "Passcode:" (or "Password:", "Kenncode:", ...) line
    # of the notes; None when the notes give none (the link's `pwd` token is not one).
    passcode: str | None
    notes: str = ""
    # ISO start of the occurrence this is, for an expanded recurring event; None for a single
    # event. Distinct events that share a UID get one too (see usked_cli.feeds.ical).
    recurrence_id: str | None = None
    pwd: str | None = None  # the invite link's pwd= token, when it carries one
    dial_in: tuple[DialIn, ...] = ()  # the invitation's dial-in numbers, in its order (<= 10)


class ListedAssignment(NamedTuple):
    """The fields of an Assignment that a listing shows, read without the rest (notes, dial-in
    numbers): a listing makes thousands, and a tuple is made in a quarter of the time."""

    user: str
    request_id: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str
    zoom: bool
    invite_link: str | None
    meeting_id: str | None


# What a listing shows of an assignment (the table and the piped lines): a whole Assignment, or
# the lighter ListedAssignment a listing query returns; both carry the fields above.
Shown = Assignment | ListedAssignment
