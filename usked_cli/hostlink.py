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
from usked_cli.zoom.models import ZoomMeeting

if TYPE_CHECKING:
    from usked_cli.zoom.client import ZoomClient  # imports httpx: only for type hints

# `--wait` waits for a window that opens within this long, no longer.
MAX_WAIT_HOURS = 24


def is_webinar_link(invite_link: str | None) -> bool:
    """A /w/<id> link is a webinar's: Zoom looks it up with GET /webinars/{id}, not /meetings."""
    if not invite_link:
        return False
    from urllib.parse import urlsplit

    try:
        path = urlsplit(invite_link).path
    except ValueError:
        return False
    return path.lower().startswith("/w/")


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


async def check_meeting(
    zoom: ZoomClient, meeting_id: str, *, webinar: bool = False, strict: bool = False
) -> MeetingCheck:
    """Before a long wait, fail fast: a token (the credentials work), then GET the meeting (it
    exists, and its host); under a strict guard, whether the guard can see everything (a plan
    or a scope missing now will be missing when the window opens). The start link in that
    answer is dropped here: by then it may have expired, so `fetch_host_link` asks again."""
    await zoom.token_info()
    meeting = await (zoom.get_webinar(meeting_id) if webinar else zoom.get_meeting(meeting_id))
    if strict:
        _, guard = await running_on_host(zoom, meeting.host_id, meeting.host_email)
        if guard.unchecked:
            raise PolicyRefusal(
                f"{guard.unchecked_message()}; zoom.guard is strict, so no host link would be "
                "handed out when the window opens",
                hint=STRICT_HINT,
            )
    return MeetingCheck(
        meeting_id=str(meeting.id),
        host_id=meeting.host_id,
        host_email=meeting.host_email,
        topic=meeting.topic,
    )


STRICT_HINT = (
    'give the app the Dashboard scopes (Business plans and up), set zoom.guard = "warn", or '
    "pass --force if you know the host user is free"
)

# What the guard can look at, by the kind of session each place shows.
SCHEDULED = "scheduled meetings"
INSTANT = "instant and personal-room meetings"
WEBINARS = "webinars"


@dataclass(frozen=True, slots=True)
class Running:
    """A meeting or webinar running on the host user now."""

    id: str
    topic: str
    kind: str  # "meeting" or "webinar"
    start_time: datetime | None


@dataclass(frozen=True, slots=True)
class Guard:
    """Which kinds of session the live-meeting guard could check, and why the others not."""

    checked: tuple[str, ...]
    unchecked: tuple[str, ...] = ()
    missing_scopes: tuple[str, ...] = ()  # the classic name of each Dashboard scope missing
    refusal: str | None = None  # what Zoom said otherwise (a plan without the Dashboard)

    def as_json(self) -> dict[str, list[str]]:
        return {"checked": list(self.checked), "unchecked": list(self.unchecked)}

    def unchecked_message(self) -> str:
        why = []
        if self.missing_scopes:
            why.append(f"the app lacks {' and '.join(self.missing_scopes)} (or the granular forms)")
        if self.refusal:
            why.append(self.refusal)
        return f"could not check the host user for {' or '.join(self.unchecked)}: {'; '.join(why)}"


@dataclass(frozen=True, slots=True)
class HostLink:
    meeting: ZoomMeeting
    busy_with: tuple[Running, ...]  # sessions the guard found running (force-started)
    guard: Guard


async def running_on_host(
    zoom: ZoomClient, host_id: str, host_email: str
) -> tuple[list[Running], Guard]:
    """Every session Zoom can show running on the host user, and what could not be looked at.

    `GET /users/{id}/meetings?type=live` lists scheduled meetings only (Zoom leaves instant
    meetings out, and personal-room ones); the Dashboard (`/metrics/meetings` and
    `/metrics/webinars?type=live`, Business plans and up, per-minute limits: one query each)
    shows every live meeting and webinar of the account, filtered here by the host's email.
    Whatever keeps the Dashboard from answering (the plan, a scope, an outage) leaves those
    kinds unchecked, with the reason; the caller decides (warn, or refuse when strict).
    """
    from usked_cli.zoom.errors import ZoomError, ZoomScopeError, no_webinar_plan

    found: dict[str, Running] = {}
    async for m in zoom.iter_user_meetings(host_id, "live"):
        found[str(m.id)] = Running(str(m.id), m.topic, "meeting", m.start_time)
    checked, unchecked, missing = [SCHEDULED], [], []
    refusal: str | None = None
    email = host_email.casefold()
    if not email:
        # The Dashboard names hosts by email only: find it, or nothing there can be matched.
        try:
            email = (await zoom.get_user(host_id)).email.casefold()
        except ZoomError as exc:
            refusal = f"the host user's email is unknown ({exc.message})"
    for kind, label in (("meeting", INSTANT), ("webinar", WEBINARS)):
        if not email:
            unchecked.append(label)
            continue
        try:
            sessions = await zoom.live_sessions(kind)
        except ZoomError as exc:
            if kind == "webinar" and no_webinar_plan(exc):
                checked.append(label)  # no webinar licence on the account: none can run
                continue
            unchecked.append(label)
            if isinstance(exc, ZoomScopeError):
                missing.append(exc.scopes[0] if exc.scopes else label)
            else:
                refusal = f"Zoom's Dashboard answered: {exc.zoom_message or exc.message}"
            continue
        checked.append(label)
        for number, session in enumerate(sessions):
            if session.host_email.casefold() == email:
                key = session.id or session.uuid or f"row {number}"
                found.setdefault(key, Running(key, session.topic, kind, session.start_time))
    guard = Guard(tuple(checked), tuple(unchecked), tuple(missing), refusal)
    return list(found.values()), guard


async def fetch_host_link(
    zoom: ZoomClient,
    meeting_id: str,
    *,
    max_concurrent: int,
    force: bool,
    tz: tzinfo,
    webinar: bool = False,
    strict: bool = False,
) -> HostLink:
    """GET the meeting or webinar (fresh start link), then refuse if its host user is busy.

    A Zoom user hosts one meeting at a time (two on some licences), and never a meeting and a
    webinar at once; starting another offers to end the one running, so a host link used during
    an overrun can end someone else's session. `strict`: refuse as well when some kinds of
    session could not be checked (zoom.guard = "strict").
    """
    meeting = await (zoom.get_webinar(meeting_id) if webinar else zoom.get_meeting(meeting_id))
    running, guard = await running_on_host(zoom, meeting.host_id, meeting.host_email)
    others = tuple(r for r in running if r.id != str(meeting.id))
    host = meeting.host_email or meeting.host_id
    if guard.unchecked and strict and not force:
        raise PolicyRefusal(
            f"{guard.unchecked_message()}; zoom.guard is strict, so no host link is handed out",
            hint=STRICT_HINT,
        )
    meetings = [r for r in others if r.kind == "meeting"]
    webinars = [r for r in others if r.kind == "webinar"]
    # A webinar excludes everything else on its host; meetings may run `max_concurrent` at once.
    busy = bool(webinars) or (bool(meetings) and webinar) or len(meetings) >= max_concurrent
    if busy and not force:
        running_text = "; ".join(_describe_live(r, tz) for r in others)
        what = "webinar" if webinar else "meeting"
        raise PolicyRefusal(
            f"host user {host} is already running {running_text}: starting {what} "
            f"{meeting.id} would offer to end {'it' if len(others) == 1 else 'one of them'}",
            hint="wait for it to end, or pass --force if you are sure it has ended",
        )
    return HostLink(meeting=meeting, busy_with=others if busy else (), guard=guard)


def _describe_live(session: Running, tz: tzinfo) -> str:
    since = f" (since {session.start_time.astimezone(tz):%H:%M %Z})" if session.start_time else ""
    return f'"{session.topic}" ({session.kind} {session.id}){since}'
