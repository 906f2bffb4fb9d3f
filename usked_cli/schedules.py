"""Padding across the pool: each host user's meetings from Zoom, checked by `rules.padding`.

The per-user fetches run concurrently (the client's limiter paces them within Zoom's rate limit),
so one slow user does not hold up the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from usked_cli.rules.day import day_span
from usked_cli.rules.padding import (
    Meeting,
    busy_meetings,
    find_conflicts,
    find_overcommitted,
)
from usked_cli.rules.schedule import DaySchedule, build_day, match_request_ids
from usked_cli.zoom.models import ZoomUser
from usked_cli.zoom.pool import host_user_ref

if TYPE_CHECKING:
    from usked_cli.zoom.client import ZoomClient  # imports httpx: only for type hints
    from usked_cli.zoom.errors import ZoomScopeError

# Users whose meetings are fetched at once; the limiter, not this, should set the pace. A user
# takes two list calls (medium) and then the details, two or three latencies: as many users in
# flight as medium requests a second keeps the limiter busy up to a second of latency
# (measured with bench/schedule.py: on Business at 500 ms, 8 at once took 41 s, 48 took 12 s).
MIN_FETCH_CONCURRENCY = 8
MAX_FETCH_CONCURRENCY = 64


def fetch_concurrency(medium_rate: float) -> int:
    """How many users' schedules to fetch at once at a medium rate of `medium_rate` a second."""
    import math

    return max(MIN_FETCH_CONCURRENCY, min(MAX_FETCH_CONCURRENCY, math.ceil(medium_rate)))


@dataclass(frozen=True, slots=True)
class HostSchedule:
    user: ZoomUser
    meetings: tuple[Meeting, ...]


async def fetch_schedules(
    zoom: ZoomClient,
    users: Sequence[ZoomUser],
    start: datetime,
    end: datetime,
    *,
    on_done: Callable[[ZoomUser], None] | None = None,
    warn: Callable[[str], None] | None = None,
    listing: str = "upcoming",
) -> list[HostSchedule]:
    """Every host user's meeting and webinar occurrences overlapping [start, end), fetched
    concurrently (a webinar takes its host user as a meeting does). `listing` is Zoom's list
    type: "upcoming" for windows ahead, "scheduled" when the window reaches into the past
    (it keeps meetings that already ended, until they expire).

    `on_done(user)` is called as each user's schedule is in (for progress). An app without the
    webinar scopes reads meetings only, and `warn` says so once.
    """
    said: list[str] = []  # once the scope is known missing, the users after it skip webinars

    def webinars_unavailable(error: ZoomScopeError) -> None:
        if not said:
            said.append(error.message)
            if warn is not None:
                scopes = " or ".join(error.scopes) or "a webinar scope"
                warn(f"webinars are not counted: the Zoom app lacks {scopes}")

    async def one(user: ZoomUser) -> HostSchedule:
        meetings = tuple(
            [
                Meeting(
                    meeting_id=str(slot.meeting_id),
                    topic=slot.topic,
                    start=slot.start,
                    end=slot.end,
                    occurrence_id=slot.occurrence_id,
                    kind=slot.kind,
                )
                async for slot in zoom.iter_occurrences(
                    user.id,
                    start,
                    end,
                    type=listing,
                    previous=listing == "scheduled",
                    webinars=not said,
                    on_webinars_unavailable=webinars_unavailable,
                )
            ]
        )
        if on_done is not None:
            on_done(user)
        return HostSchedule(user, meetings)

    concurrency = fetch_concurrency(zoom.rate("medium"))
    return await zoom.gather((one(user) for user in users), concurrency=concurrency)


def _meeting_record(meeting: Meeting, tz: tzinfo) -> dict[str, Any]:
    return {
        "meeting_id": meeting.meeting_id,
        "kind": meeting.kind,
        "occurrence_id": meeting.occurrence_id,
        "topic": meeting.topic,
        "start": meeting.start.astimezone(tz).isoformat(),
        "end": meeting.end.astimezone(tz).isoformat(),
    }


def _host(user: ZoomUser) -> dict[str, str]:
    return host_user_ref(user.id, user.email, user.display_name)


def conflict_records(
    schedules: Sequence[HostSchedule], *, padding_minutes: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """Pairs of meetings on one host user closer than the padding (negative gap: overlap)."""
    records: list[dict[str, Any]] = []
    for schedule in schedules:
        for conflict in find_conflicts(schedule.meetings, padding_minutes=padding_minutes):
            records.append(
                {
                    "host_user": _host(schedule.user),
                    "first": _meeting_record(conflict.first, tz),
                    "second": _meeting_record(conflict.second, tz),
                    "gap_minutes": conflict.gap_minutes,
                }
            )
    records.sort(key=lambda r: (r["second"]["start"], r["host_user"]["email"]))
    return records


def overcommit_records(
    schedules: Sequence[HostSchedule], *, padding_minutes: int, max_concurrent: int, tz: tzinfo
) -> list[dict[str, Any]]:
    """Spans when more than `max_concurrent` padded meetings would run at once on a host user."""
    records: list[dict[str, Any]] = []
    for schedule in schedules:
        for span in find_overcommitted(
            schedule.meetings, padding_minutes=padding_minutes, max_concurrent=max_concurrent
        ):
            records.append(
                {
                    "host_user": _host(schedule.user),
                    "start": span.start.astimezone(tz).isoformat(),
                    "end": span.end.astimezone(tz).isoformat(),
                    "peak": span.peak,
                    "meetings": [_meeting_record(m, tz) for m in span.meetings],
                }
            )
    records.sort(key=lambda r: (r["start"], r["host_user"]["email"]))
    return records


def free_records(
    schedules: Sequence[HostSchedule],
    *,
    at: datetime,
    duration_minutes: int,
    padding_minutes: int,
) -> tuple[list[dict[str, str]], dict[str, list[Meeting]]]:
    """Host users free for [at, at + duration) with padding; and what blocks the others."""
    free: list[dict[str, str]] = []
    blocked: dict[str, list[Meeting]] = {}
    for schedule in schedules:
        busy = busy_meetings(
            schedule.meetings,
            at=at,
            duration_minutes=duration_minutes,
            padding_minutes=padding_minutes,
        )
        if busy:
            blocked[schedule.user.email] = busy
        else:
            free.append(_host(schedule.user))
    return free, blocked


def schedule_span(
    days: Sequence[date], tz: tzinfo, padding_minutes: int, duration_minutes: int
) -> tuple[datetime, datetime]:
    """What to fetch for the days: the days themselves and the padding either side, since a
    meeting just outside a day still sets the state of the day's first and last; and after
    the last day, a meeting's length more, where a stretch starting that day may end."""
    first, _ = day_span(days[0], tz)
    _, last = day_span(days[-1], tz)
    padding = timedelta(minutes=padding_minutes)
    return first - padding, last + padding + timedelta(minutes=duration_minutes)


def schedule_days(
    schedules: Sequence[HostSchedule],
    days: Sequence[date],
    *,
    tz: tzinfo,
    padding_minutes: int,
    duration_minutes: int,
    max_concurrent: int,
    assignments: Iterable[tuple[str, str | None, datetime, datetime]] = (),
) -> list[DaySchedule]:
    """Each day's picture of the pool, from one fetch. `assignments` (request id, meeting id,
    start, end) from the workspace name the meetings their invite links carry."""
    request_ids = match_request_ids(
        (meeting for schedule in schedules for meeting in schedule.meetings), assignments
    )
    hosts = []
    for schedule in schedules:
        user = schedule.user
        # A basic user's meetings end after 40 minutes: no stretch of theirs is offered as free,
        # as `zoom-users free` leaves them out.
        hosts.append((user.email, user.display_name, schedule.meetings, user.licensed))
    return [
        build_day(
            day,
            tz,
            hosts,
            padding_minutes=padding_minutes,
            duration_minutes=duration_minutes,
            max_concurrent=max_concurrent,
            request_ids=request_ids,
        )
        for day in days
    ]


def day_record(day: DaySchedule) -> dict[str, Any]:
    """The JSON object of one day (contracts: `admin schedule --json`)."""
    tz = day.timezone

    def iso(moment: datetime) -> str:
        return moment.astimezone(tz).isoformat()

    return {
        "day": day.day.isoformat(),
        "timezone": str(getattr(tz, "key", tz)),
        "padding_minutes": day.padding_minutes,
        "duration_minutes": day.duration_minutes,
        "hosts": [
            {
                "email": host.email,
                "name": host.name,
                "licensed": host.may_host,
                "meetings": [
                    {
                        "id": bar.meeting.meeting_id,
                        "kind": bar.meeting.kind,
                        "occurrence_id": bar.meeting.occurrence_id,
                        "request_id": bar.request_id,
                        "topic": bar.meeting.topic,
                        "start": iso(bar.meeting.start),
                        "end": iso(bar.meeting.end),
                        "state": bar.state,
                    }
                    for bar in host.bars
                ],
                "free": [{"start": iso(a), "end": iso(b)} for a, b in host.free],
            }
            for host in day.hosts
        ],
    }


def day_rows(days: Sequence[DaySchedule]) -> list[list[str]]:
    """Piped output: host user, start, end, meeting id, request id, state; one row a meeting,
    once even where it runs past midnight into the next day drawn."""
    rows: list[list[str]] = []
    seen: set[tuple[str, Meeting]] = set()
    for day in days:
        tz = day.timezone
        for host in day.hosts:
            for bar in host.bars:
                if (host.email, bar.meeting) in seen:
                    continue
                seen.add((host.email, bar.meeting))
                rows.append(
                    [
                        host.email,
                        bar.meeting.start.astimezone(tz).isoformat(),
                        bar.meeting.end.astimezone(tz).isoformat(),
                        bar.meeting.meeting_id,
                        bar.request_id or "",
                        bar.state,
                    ]
                )
    return rows
