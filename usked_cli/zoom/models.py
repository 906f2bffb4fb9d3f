"""What the Zoom client returns: small frozen records built from Zoom's JSON (no I/O here).

Times are timezone-aware (UTC as Zoom sends them). A meeting's `start_url` embeds the host's ZAK:
it is left out of the repr, and callers fetch it when needed and never store it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# Meeting types (Zoom's numbering).
INSTANT = 1
SCHEDULED = 2
RECURRING_NO_FIXED_TIME = 3
RECURRING_FIXED_TIME = 8
WEBINAR_RECURRING_FIXED_TIME = 9  # a webinar's types: 5, 6 (no fixed time) and 9

BASIC = 1
LICENSED = 2


@dataclass(frozen=True, slots=True)
class ZoomUser:
    id: str
    email: str
    first_name: str
    last_name: str
    display_name: str
    type: int  # 1 basic, 2 licensed (basic users' meetings end after 40 minutes)
    status: str  # active, inactive, pending
    timezone: str

    @property
    def licensed(self) -> bool:
        return self.type == LICENSED

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ZoomUser:
        first = _str(data.get("first_name"))
        last = _str(data.get("last_name"))
        display = _str(data.get("display_name")) or f"{first} {last}".strip()
        return cls(
            id=_str(data.get("id")),
            email=_str(data.get("email")),
            first_name=first,
            last_name=last,
            display_name=display,
            type=_int(data.get("type")),
            status=_str(data.get("status")) or "active",
            timezone=_str(data.get("timezone")),
        )


@dataclass(frozen=True, slots=True)
class ZoomUsersPage:
    """One page of GET /users, for `zoom check` (bulk work uses `iter_users`)."""

    users: tuple[ZoomUser, ...]
    total_records: int | None
    next_page_token: str  # "" on the last page


@dataclass(frozen=True, slots=True)
class ZoomOccurrence:
    """One occurrence of a recurring meeting, from GET /meetings/{id} `occurrences[]`."""

    occurrence_id: str
    start_time: datetime
    duration: int  # minutes
    status: str  # "available" or "deleted"

    @classmethod
    def from_api(cls, data: Mapping[str, Any], default_duration: int) -> ZoomOccurrence | None:
        start = parse_time(data.get("start_time"))
        if start is None:
            return None
        return cls(
            occurrence_id=_str(data.get("occurrence_id")),
            start_time=start,
            duration=_int(data.get("duration"), default_duration),
            status=_str(data.get("status")) or "available",
        )


@dataclass(frozen=True, slots=True)
class ZoomMeeting:
    id: int
    uuid: str
    host_id: str
    host_email: str
    topic: str
    type: int
    status: str  # "waiting" or "started"
    start_time: datetime | None  # None for recurring meetings with no fixed time
    duration: int  # minutes
    timezone: str
    join_url: str
    # Carries the host's ZAK (a credential that starts the meeting as the host): never shown.
    start_url: str = field(repr=False)
    occurrences: tuple[ZoomOccurrence, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ZoomMeeting:
        duration = _int(data.get("duration"))
        occurrences = tuple(
            occ
            for raw in data.get("occurrences") or ()
            if isinstance(raw, Mapping)
            and (occ := ZoomOccurrence.from_api(raw, duration)) is not None
        )
        return cls(
            id=_int(data.get("id")),
            uuid=_str(data.get("uuid")),
            host_id=_str(data.get("host_id")),
            host_email=_str(data.get("host_email")),
            topic=_str(data.get("topic")),
            type=_int(data.get("type"), SCHEDULED),
            status=_str(data.get("status")),
            start_time=parse_time(data.get("start_time")),
            duration=duration,
            timezone=_str(data.get("timezone")),
            join_url=_str(data.get("join_url")),
            start_url=_str(data.get("start_url")),
            occurrences=occurrences,
        )


@dataclass(frozen=True, slots=True)
class ZoomMeetingSummary:
    """An item of GET /users/{id}/meetings. A recurring meeting is listed once (its parent)."""

    id: int
    topic: str
    type: int
    start_time: datetime | None
    duration: int
    join_url: str
    timezone: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ZoomMeetingSummary:
        return cls(
            id=_int(data.get("id")),
            topic=_str(data.get("topic")),
            type=_int(data.get("type"), SCHEDULED),
            start_time=parse_time(data.get("start_time")),
            duration=_int(data.get("duration")),
            join_url=_str(data.get("join_url")),
            timezone=_str(data.get("timezone")),
        )


@dataclass(frozen=True, slots=True)
class ZoomLiveSession:
    """A meeting or webinar running now, as the Dashboard lists it (GET /metrics/meetings or
    /metrics/webinars?type=live): every kind, instant and personal-room meetings included,
    with its host's email and name (no host id)."""

    id: str  # the meeting number, digits only ("" when the row gives none)
    uuid: str
    topic: str
    host_email: str
    host_name: str
    start_time: datetime | None
    kind: str  # "meeting" or "webinar"

    @classmethod
    def from_api(cls, data: Mapping[str, Any], kind: str) -> ZoomLiveSession:
        return cls(
            id="".join(ch for ch in _str(data.get("id")) if ch.isdigit()),
            uuid=_str(data.get("uuid")),
            topic=_str(data.get("topic")),
            host_email=_str(data.get("email")),
            host_name=_str(data.get("host")),
            start_time=parse_time(data.get("start_time")),
            kind=kind,
        )


@dataclass(frozen=True, slots=True)
class ZoomScheduledOccurrence:
    """One time slot a user's meeting occupies: a single meeting, or one recurring occurrence."""

    meeting_id: int
    occurrence_id: str | None  # None for a single (type 2) meeting
    topic: str
    type: int
    start: datetime
    end: datetime
    join_url: str
    kind: str = "meeting"  # or "webinar"


@dataclass(frozen=True, slots=True)
class ZoomTokenInfo:
    """What the token response says about the app; never the token itself."""

    scopes: frozenset[str]
    api_url: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class ZoomStats:
    """Counters for the end-of-run report (GAM's `show_api_calls_retry_data`)."""

    requests: int = 0  # HTTP requests sent to the API host, retries included
    token_fetches: int = 0
    retries: int = 0  # every retry, whatever the cause
    rate_limited: int = 0  # 429 answers (per-second and daily)
    server_errors: int = 0  # 5xx answers
    connection_errors: int = 0  # timeouts, refused or dropped connections
    token_refreshes_on_401: int = 0
    slowdowns: int = 0  # times the limiter slowed down after a per-second 429


def parse_time(value: object) -> datetime | None:
    """Zoom's `2026-03-02T15:00:00Z` as an aware UTC datetime; None when absent or a zero time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    # Recurring meetings with no fixed time come back with 0001-01-01T00:00:00Z.
    if parsed.year < 1971:
        return None
    return parsed.astimezone(UTC)


def occurrence_end(start: datetime, minutes: int) -> datetime:
    return start + timedelta(minutes=minutes)


def _str(value: object) -> str:
    return "" if value is None else str(value)


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default
