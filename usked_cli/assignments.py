"""Queries over cached assignments: a window (`list`), a request (`show`, `invite`, `host-link`).

Recurring events are stored expanded over the sync horizon; a window reaching outside it is
expanded again from the feed copy kept in the workspace, so `--from 2025-01-01` still finds every
occurrence (that slow path imports the iCalendar parser; the usual one does not).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from usked_cli.errors import NotFoundError
from usked_cli.models import Assignment, Shown
from usked_cli.store import Workspace

T = TypeVar("T", bound=Shown)


def assignments_between(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    *,
    users: Sequence[str] | None = None,
    zoom_only: bool = False,
    default_tz: ZoneInfo,
) -> list[Assignment]:
    """Cached assignments overlapping [start, end), sorted by start."""
    found = workspace.assignments_between(start, end, users=users, zoom_only=zoom_only)
    return _with_outside(workspace, found, start, end, users, zoom_only, default_tz)


def listed_between(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    *,
    users: Sequence[str] | None = None,
    zoom_only: bool = False,
    default_tz: ZoneInfo,
) -> list[Shown]:
    """`assignments_between`, as much as a listing shows of each (ListedAssignment, or an
    Assignment where a window beyond the horizon was expanded again)."""
    found: list[Shown] = list(
        workspace.listed_between(start, end, users=users, zoom_only=zoom_only)
    )
    return _with_outside(workspace, found, start, end, users, zoom_only, default_tz)


def _with_outside(
    workspace: Workspace,
    found: list[T],
    start: datetime,
    end: datetime,
    users: Sequence[str] | None,
    zoom_only: bool,
    default_tz: ZoneInfo,
) -> list[T | Assignment]:
    """`found` (a query of the stored rows), with the rows of users whose stored horizon does
    not cover the window expanded again from their stored feeds; NotFoundError for a user
    with no synced feed."""
    states = workspace.feed_states()
    if users:
        known = {state.user for state in states}
        unknown = [user for user in users if user not in known]
        if unknown:
            raise NotFoundError(
                f"no synced feed for {', '.join(unknown)}",
                hint="`usked feeds list` shows the users; `usked sync USER` fetches a feed",
            )
        states = [state for state in states if state.user in users]
    start_ts, end_ts = start.timestamp(), end.timestamp()
    outside = [
        state.user
        for state in states
        if state.horizon_start is not None
        and state.horizon_end is not None
        and (start_ts < state.horizon_start or end_ts > state.horizon_end)
    ]
    if not outside:
        return list(found)
    kept: list[T | Assignment] = [a for a in found if a.user not in outside]
    for user in outside:
        kept.extend(_expand_stored(workspace, user, start, end, default_tz, zoom_only))
    kept.sort(key=lambda a: (a.start, a.end, a.user, a.request_id))
    return kept


def _expand_stored(
    workspace: Workspace,
    user: str,
    start: datetime,
    end: datetime,
    default_tz: ZoneInfo,
    zoom_only: bool,
) -> list[Assignment]:
    from usked_cli.feeds.incremental import read_feed

    body = workspace.feed_body(user)
    if body is None:
        return []
    # In batches, the events whose dates lie outside the window left unparsed: a week of a
    # large feed costs that week's events and the series, not the whole feed.
    parsed = read_feed(
        body,
        user=user,
        label=user,
        window=(start, end),
        default_tz=default_tz,
        marker="",
        previous=None,
    )
    return [a for a in parsed.assignments if a.zoom or not zoom_only]


def normalize_request_id(text: str) -> str:
    """`#104233`, `Request 104233` and ` 104233 ` all name request 104233."""
    cleaned = text.strip()
    lowered = cleaned.lower()
    for prefix in ("request id:", "request id", "request #", "request"):
        if lowered.startswith(prefix):
            cleaned = cleaned[len(prefix) :].strip()
            break
    return cleaned.removeprefix("#").strip()


def request_occurrences(workspace: Workspace, request_id: str) -> list[Assignment]:
    """Every cached occurrence of a request (all users), by start; NotFoundError when none."""
    wanted = normalize_request_id(request_id)
    found = workspace.assignments_for_request(wanted) if wanted else []
    if not found:
        raise NotFoundError(
            f"no assignment with request id {wanted or request_id.strip()} in the synced feeds",
            hint="`usked sync` refreshes the feeds; `usked assignments list --from -30d` shows ids",
        )
    return found


def next_occurrence(occurrences: Sequence[Assignment], now: datetime) -> Assignment:
    """The first occurrence that has not ended, else the last one."""
    for occurrence in occurrences:
        if occurrence.end > now:
            return occurrence
    return occurrences[-1]
