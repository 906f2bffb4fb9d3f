"""Host links: which occurrence, whether its window is open, and the live-meeting guard.

A host link (Zoom's `start_url`) starts the meeting with host powers and embeds the host user's ZAK;
it is fetched fresh on every call, handed to the caller and never stored, cached or logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from usked_cli.errors import NotFoundError, PolicyRefusal
from usked_cli.models import Assignment
from usked_cli.rules.window import HostLinkWindow, format_wait, host_link_window
from usked_cli.zoom.models import ZoomMeeting, ZoomMeetingSummary

if TYPE_CHECKING:
    from usked_cli.zoom.client import ZoomClient  # imports httpx: only for type hints

# `--wait` waits for a window that opens within this long, no longer.
MAX_WAIT_HOURS = 24


def zoom_meeting_id(occurrences: Sequence[Assignment]) -> tuple[Assignment, str]:
    """The request's Zoom meeting id (from its invite link); NotFoundError when it has none."""
    first = occurrences[0]
    with_id = next((a for a in occurrences if a.meeting_id), None)
    if with_id is None or with_id.meeting_id is None:
        if any(a.zoom for a in occurrences):
            raise NotFoundError(
                f"request {first.request_id}'s Zoom link has no meeting id "
                f"({first.invite_link}): a personal-room link has no host link to fetch"
            )
        raise NotFoundError(f"request {first.request_id} is not a Zoom meeting")
    return with_id, with_id.meeting_id


def window_for(
    occurrences: Sequence[Assignment], *, now: datetime, lead_minutes: int
) -> HostLinkWindow:
    """The lead-time window of the next occurrence that has not ended; refused when all ended."""
    slots = sorted({(a.start, a.end) for a in occurrences})
    window = host_link_window(slots, now=now, lead_minutes=lead_minutes)
    if window is None:
        last_end = max(end for _, end in slots)
        raise PolicyRefusal(
            f"request {occurrences[0].request_id} has no upcoming occurrence "
            f"(the last one ended {last_end:%Y-%m-%d %H:%M %Z}); no host link is handed out",
            hint="`usked sync` picks up new occurrences from the feeds",
        )
    return window


def not_open_message(window: HostLinkWindow, *, now: datetime, tz: tzinfo) -> str:
    opens = window.opens.astimezone(tz)
    day = _day(opens, now.astimezone(tz))
    wait = format_wait(window.time_until_opens(now))
    return f"Host link opens at {opens:%H:%M %Z}{day}, in {wait}"


def _day(opens: datetime, now: datetime) -> str:
    if opens.date() == now.date():
        return ""
    return f" on {opens:%a %d %b}"


@dataclass(frozen=True, slots=True)
class MeetingCheck:
    """What `--wait` confirms before it waits: Zoom knows the meeting, and who hosts it."""

    meeting_id: str
    host_id: str
    host_email: str
    topic: str


async def check_meeting(zoom: ZoomClient, meeting_id: str) -> MeetingCheck:
    """Before a long wait, fail fast: a token (the credentials work), then GET the meeting (it
    exists, and its host). The start link in that answer is dropped here: by the time the window
    opens it may have expired, so `fetch_host_link` asks again then."""
    await zoom.token_info()
    meeting = await zoom.get_meeting(meeting_id)
    return MeetingCheck(
        meeting_id=str(meeting.id),
        host_id=meeting.host_id,
        host_email=meeting.host_email,
        topic=meeting.topic,
    )


@dataclass(frozen=True, slots=True)
class HostLink:
    meeting: ZoomMeeting
    busy_with: tuple[ZoomMeetingSummary, ...]  # live meetings the guard found (force-started)


async def fetch_host_link(
    zoom: ZoomClient,
    meeting_id: str,
    *,
    max_concurrent: int,
    force: bool,
    tz: tzinfo,
) -> HostLink:
    """GET the meeting (fresh start link), then refuse if its host user is already at capacity.

    A Zoom user hosts one meeting at a time (two on some licences); starting another offers to
    end the one running, so a host link used during an overrun can end someone else's session.
    """
    meeting = await zoom.get_meeting(meeting_id)
    live = [m async for m in zoom.iter_user_meetings(meeting.host_id, "live")]
    others = tuple(m for m in live if str(m.id) != str(meeting.id))
    if len(others) >= max_concurrent and not force:
        running = "; ".join(_describe_live(m, tz) for m in others)
        host = meeting.host_email or meeting.host_id
        raise PolicyRefusal(
            f"host user {host} is already running {running}: starting meeting {meeting.id} "
            f"would offer to end {'it' if len(others) == 1 else 'one of them'}",
            hint="wait for it to end, or pass --force if you are sure it has ended",
        )
    return HostLink(meeting=meeting, busy_with=others if len(others) >= max_concurrent else ())


def _describe_live(meeting: ZoomMeetingSummary, tz: tzinfo) -> str:
    since = f" (since {meeting.start_time.astimezone(tz):%H:%M %Z})" if meeting.start_time else ""
    return f'"{meeting.topic}" (meeting {meeting.id}){since}'
