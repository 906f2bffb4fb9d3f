"""Async Zoom REST API v2 client for a Server-to-Server OAuth app (auth, paging, limits, retries).

    async with ZoomClient(account_id=..., client_id=..., client_secret=...) as zoom:
        async for user in zoom.iter_users():
            ...
        results = await zoom.gather(
            (zoom.update_user_names(u, first_name="Host", last_name=f"{n}") for n, u in ...),
            concurrency=16, return_exceptions=True,
        )

Every call goes: wait for the category's turn (ratelimit.RateLimiter) -> read the token (fetched
lazily, single-flight, in memory only) -> send -> on failure, retry by policy:

* 401 code 124 (token expired or revoked): fetch a new token once (single-flight: if another task
  already replaced the failed token, use that one) and retry, whatever the clock says.
* 429 per-second: wait Retry-After (or a short backoff) plus jitter, slow the category, retry (up to
  `max_rate_limit_retries`). 429 daily: raise ZoomRateLimited with the reset time; later calls in
  that category fail at once without a request.
* 5xx, timeouts, refused or dropped connections: exponential backoff with jitter and a cap, at most
  `max_attempts` tries, and never a retry that would push the time spent past `retry_budget`
  (so an unreachable host fails within 30 s). A permanent DNS failure is not retried.
* Any other 4xx: no retry; a typed error (errors.py) with one line for the user.

A small hand-written policy rather than tenacity/aiolimiter: aiolimiter reads the event loop's
clock (no injected monotonic/sleep) and cannot slow down on a 429; tenacity would need custom wait,
stop and retry callables for Retry-After, daily-vs-per-second and the token refresh, which is about
as much code as the loop below, and both would be new dependencies.

Secrets: the client secret and tokens live in `_Secret` holders whose repr is '***'; log lines carry
method, path (no query string), status, elapsed ms and retry number, never headers or bodies.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import inspect
import random
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any, Literal, TypeVar, overload
from urllib.parse import quote

import httpx

from usked_cli.errors import ConfigError
from usked_cli.zoom.errors import (
    ZoomAuthError,
    ZoomConnectionError,
    ZoomCredentialsMissing,
    ZoomError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomScopeError,
    ZoomUnavailable,
    ZoomValidationError,
    credentials_check,
    credentials_hint,
    no_webinar_plan,
)
from usked_cli.zoom.models import (
    RECURRING_FIXED_TIME,
    WEBINAR_RECURRING_FIXED_TIME,
    ZoomLiveSession,
    ZoomMeeting,
    ZoomMeetingSummary,
    ZoomScheduledOccurrence,
    ZoomStats,
    ZoomTokenInfo,
    ZoomUser,
    ZoomUsersPage,
    occurrence_end,
)
from usked_cli.zoom.ratelimit import (
    CATEGORIES,
    PRO_RATE_LIMITS,
    RateLimiter,
    backoff,
    classify_429,
    next_utc_midnight,
)

DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
USERS_PAGE_MAX = 300  # Zoom's maximum page_size for GET /users and GET /users/{id}/meetings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One Zoom endpoint: its rate-limit category and the scopes (classic, granular) it needs."""

    method: str
    route: str
    category: str
    scopes: tuple[str, ...]
    noun: str  # what a 404 is about


LIST_USERS = Endpoint(
    "GET", "/users", "medium", ("user:read:admin", "user:read:list_users:admin"), "user"
)
GET_USER = Endpoint(
    "GET", "/users/{userId}", "light", ("user:read:admin", "user:read:user:admin"), "user"
)
UPDATE_USER = Endpoint(
    "PATCH", "/users/{userId}", "light", ("user:write:admin", "user:update:user:admin"), "user"
)
GET_MEETING = Endpoint(
    "GET",
    "/meetings/{meetingId}",
    "light",
    ("meeting:read:admin", "meeting:read:meeting:admin"),
    "meeting",
)
LIST_MEETINGS = Endpoint(
    "GET",
    "/users/{userId}/meetings",
    "medium",
    ("meeting:read:admin", "meeting:read:list_meetings:admin"),
    "user",
)
GET_USER_TOKEN = Endpoint(
    "GET", "/users/{userId}/token", "light", ("user:read:admin", "user:read:token:admin"), "user"
)
GET_WEBINAR = Endpoint(
    "GET",
    "/webinars/{webinarId}",
    "light",
    ("webinar:read:admin", "webinar:read:webinar:admin"),
    "webinar",
)
LIST_WEBINARS = Endpoint(
    "GET",
    "/users/{userId}/webinars",
    "medium",
    ("webinar:read:admin", "webinar:read:list_webinars:admin"),
    "user",
)
# The Dashboard (Business plans and up): "Resource-intensive", limited per minute; one call
# per command, counted against the heavy category here.
LIVE_MEETINGS = Endpoint(
    "GET",
    "/metrics/meetings",
    "heavy",
    ("dashboard_meetings:read:admin", "dashboard:read:list_meetings:admin"),
    "meeting",
)
LIVE_WEBINARS = Endpoint(
    "GET",
    "/metrics/webinars",
    "heavy",
    ("dashboard_webinars:read:admin", "dashboard:read:list_webinars:admin"),
    "webinar",
)
ENDPOINTS = (
    LIST_USERS,
    GET_USER,
    UPDATE_USER,
    GET_MEETING,
    LIST_MEETINGS,
    GET_USER_TOKEN,
    GET_WEBINAR,
    LIST_WEBINARS,
    LIVE_MEETINGS,
    LIVE_WEBINARS,
)

# A token refused within this long of its arrival, by a request that had already met a 124,
# is refused for what it is, not for its age: the credentials or the API host are wrong.
FRESH_TOKEN_SECONDS = 1.0
# Newer tokens one request may go through (each replacing one refused): a bound, not a budget.
MAX_TOKEN_REFRESHES = 8
# Zoom's codes for "the token lacks a scope" (4700 documented; 4711 seen for granular scopes).
SCOPE_CODES = frozenset({4700, 4711})
NOT_FOUND_NOUNS = {1001: "user", 3001: "meeting"}


class _Secret:
    """A string that never shows itself: repr and str are '***'."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class _Credentials:
    account_id: str
    client_id: str
    client_secret: _Secret  # repr '***'


@dataclass(frozen=True, slots=True, eq=False)
class _AccessToken:
    """One token from the OAuth endpoint; compared by identity (which token failed)."""

    secret: _Secret
    refresh_at: float  # monotonic time after which it is not used for new requests
    info: ZoomTokenInfo
    fetched_at: float = 0.0  # monotonic time it arrived


class ZoomClient:
    """Zoom REST API v2 over httpx.AsyncClient; use as `async with ZoomClient(...) as zoom`."""

    def __init__(
        self,
        *,
        account_id: str | None,
        client_id: str | None,
        client_secret: str | None,
        api_url: str = DEFAULT_API_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        rate_limits: Mapping[str, float] | None = None,
        rate_share: float = 0.8,
        transport: httpx.AsyncBaseTransport | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_attempts: int = 5,
        max_rate_limit_retries: int = 8,
        retry_budget: float = 25.0,
        on_retry: Callable[[str], None] | None = None,
        log: Callable[[str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        display_tz: tzinfo = UTC,
    ) -> None:
        account_id = (account_id or "").strip()
        client_id = (client_id or "").strip()
        client_secret = (client_secret or "").strip()
        missing = tuple(
            name
            for name, value in (
                ("zoom.account_id", account_id),
                ("zoom.client_id", client_id),
                ("zoom.client_secret", client_secret),
            )
            if not value
        )
        if missing:
            raise ZoomCredentialsMissing(missing)
        self._credentials = _Credentials(account_id, client_id, _Secret(client_secret))
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url
        self._limiter = RateLimiter(
            _effective_rates(rate_limits, rate_share), monotonic=monotonic, sleep=sleep
        )
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_attempts = max(1, max_attempts)
        self._max_rate_limit_retries = max(0, max_rate_limit_retries)
        self._retry_budget = retry_budget
        self._on_retry = on_retry
        self._log = log
        self._monotonic = monotonic
        self._sleep = sleep
        self._now = now or _utc_now
        self._rng = rng or random.Random()
        self._display_tz = display_tz  # for the times in messages (daily-limit resets)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"Accept": "application/json", "User-Agent": "usked-cli"},
            follow_redirects=False,
        )
        self._token: _AccessToken | None = None
        self._token_task: asyncio.Task[_AccessToken] | None = None
        self._auth_failure: ZoomAuthError | None = None
        self._daily_reset: dict[str, datetime] = {}
        self._stats = ZoomStats()
        self._last_note = -float("inf")

    def __repr__(self) -> str:
        return (
            f"ZoomClient(api_url={self.api_url!r}, oauth_url={self.oauth_url!r}, "
            f"account_id={self._credentials.account_id!r}, "
            f"client_id={self._credentials.client_id!r}, client_secret='***')"
        )

    async def __aenter__(self) -> ZoomClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._token_task is not None and not self._token_task.done():
            self._token_task.cancel()
        self._token = None  # memory only, and only while in use
        await self._http.aclose()

    @property
    def stats(self) -> ZoomStats:
        """Counters so far (requests, retries, 429s, 5xx, connection errors, token fetches)."""
        return self._stats

    def rate(self, category: str) -> float:
        """The limiter's current requests/second for a category (lower after 429s)."""
        return self._limiter.rate(category)

    # --- the API ---------------------------------------------------------------------------

    async def token_info(self) -> ZoomTokenInfo:
        """The scopes granted and the api_url from the token response (fetches a token if none)."""
        return (await self._current_token()).info

    async def users_page(
        self, *, status: str = "active", page_size: int = 30, next_page_token: str = ""
    ) -> ZoomUsersPage:
        """One page of GET /users (for `zoom check`); bulk work uses `iter_users`."""
        params: dict[str, str | int] = {
            "status": status,
            "page_size": min(page_size, USERS_PAGE_MAX),
        }
        if next_page_token:
            params["next_page_token"] = next_page_token
        data = await self._call_json(LIST_USERS, "/users", what="users", params=params)
        total = data.get("total_records")
        return ZoomUsersPage(
            users=tuple(ZoomUser.from_api(u) for u in _items(data, "users")),
            total_records=total if isinstance(total, int) else None,
            next_page_token=str(data.get("next_page_token") or ""),
        )

    async def iter_users(
        self,
        status: str = "active",
        *,
        page_size: int = USERS_PAGE_MAX,
        on_page: Callable[[int, int | None], None] | None = None,
    ) -> AsyncIterator[ZoomUser]:
        """Every user with this status (active, inactive, pending), across pages.

        `on_page(items so far, total_records)` is called as each page arrives (for progress).
        """
        params: dict[str, str | int] = {
            "status": status,
            "page_size": min(page_size, USERS_PAGE_MAX),
        }
        async for item in self._paginate(
            LIST_USERS, "/users", params, "users", what="users", on_page=on_page
        ):
            yield ZoomUser.from_api(item)

    async def get_user(self, user: str) -> ZoomUser:
        """A user by id, email or `me`; ZoomNotFound (exit 3) when there is none."""
        data = await self._call_json(GET_USER, f"/users/{_segment(user)}", what=user)
        return ZoomUser.from_api(data)

    async def update_user_names(
        self,
        user_id: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        display_name: str | None = None,
    ) -> None:
        """PATCH /users/{id} with only the names given (Zoom answers 204).

        A PATCH whose answer is lost (the connection dropped after the request went out) may
        have landed: before sending it again, the user is read back, and if the names are
        already there the PATCH counts as done, so each rename lands once.
        """
        body = {
            key: value
            for key, value in (
                ("first_name", first_name),
                ("last_name", last_name),
                ("display_name", display_name),
            )
            if value is not None
        }
        if not body:
            raise ValueError("update_user_names needs at least one name")

        async def landed() -> bool:
            user = await self.get_user(user_id)
            current = {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "display_name": user.display_name,
            }
            return all(current[key] == value for key, value in body.items())

        await self._call(
            UPDATE_USER, f"/users/{_segment(user_id)}", what=user_id, json=body, landed=landed
        )

    async def get_meeting(
        self, meeting_id: int | str, *, show_previous_occurrences: bool = False
    ) -> ZoomMeeting:
        """GET /meetings/{id}: details, the start link (not in repr), occurrences if recurring."""
        mid = str(meeting_id).replace(" ", "")
        params: dict[str, str | int] = {}
        if show_previous_occurrences:
            params["show_previous_occurrences"] = "true"
        data = await self._call_json(
            GET_MEETING, f"/meetings/{_segment(mid)}", what=mid, params=params
        )
        return ZoomMeeting.from_api(data)

    async def get_webinar(
        self, webinar_id: int | str, *, show_previous_occurrences: bool = False
    ) -> ZoomMeeting:
        """GET /webinars/{id}: a webinar's details and start link (not in repr), as a meeting's;
        its `type` is 5, 6 or 9. Ended occurrences only with `show_previous_occurrences`, as
        for a meeting (Zoom API reference, Get a webinar)."""
        wid = str(webinar_id).replace(" ", "")
        params: dict[str, str | int] = {}
        if show_previous_occurrences:
            params["show_previous_occurrences"] = "true"
        data = await self._call_json(
            GET_WEBINAR, f"/webinars/{_segment(wid)}", what=wid, params=params
        )
        return ZoomMeeting.from_api(data)

    async def iter_user_webinars(
        self, user_id: str, type: str = "scheduled", *, page_size: int = USERS_PAGE_MAX
    ) -> AsyncIterator[ZoomMeetingSummary]:
        """A host user's webinars (type: scheduled or upcoming)."""
        params: dict[str, str | int] = {"type": type, "page_size": min(page_size, USERS_PAGE_MAX)}
        path = f"/users/{_segment(user_id)}/webinars"
        async for item in self._paginate(LIST_WEBINARS, path, params, "webinars", what=user_id):
            yield ZoomMeetingSummary.from_api(item)

    async def live_sessions(
        self, kind: str, *, page_size: int = USERS_PAGE_MAX, first_page_only: bool = False
    ) -> list[ZoomLiveSession]:
        """Every meeting (kind "meeting") or webinar ("webinar") of the account running now,
        from the Dashboard: instant and personal-room meetings included, which a host's own
        meeting list leaves out. Business plans and up; ZoomError when Zoom refuses."""
        endpoint, key = (
            (LIVE_WEBINARS, "webinars") if kind == "webinar" else (LIVE_MEETINGS, "meetings")
        )
        today = self._now().astimezone(UTC).date()
        # `from` and `to` are required; a live meeting started yesterday (UTC) is still live.
        params: dict[str, str | int] = {
            "type": "live",
            "from": (today - timedelta(days=1)).isoformat(),
            "to": today.isoformat(),
            "page_size": min(page_size, USERS_PAGE_MAX),
        }
        found: list[ZoomLiveSession] = []
        pages = self._paginate(
            endpoint, endpoint.route, params, key, what=kind, pages=1 if first_page_only else None
        )
        async for item in pages:
            found.append(ZoomLiveSession.from_api(item, kind))
        return found

    async def iter_user_meetings(
        self, user_id: str, type: str = "upcoming", *, page_size: int = USERS_PAGE_MAX
    ) -> AsyncIterator[ZoomMeetingSummary]:
        """A host user's meetings (type: scheduled, live, upcoming, upcoming_meetings,
        previous_meetings). A recurring meeting is listed once, as its parent (see
        `iter_occurrences` for its occurrences)."""
        params: dict[str, str | int] = {"type": type, "page_size": min(page_size, USERS_PAGE_MAX)}
        path = f"/users/{_segment(user_id)}/meetings"
        async for item in self._paginate(LIST_MEETINGS, path, params, "meetings", what=user_id):
            yield ZoomMeetingSummary.from_api(item)

    async def iter_occurrences(
        self,
        user_id: str,
        start: datetime,
        end: datetime,
        *,
        type: str = "upcoming",
        concurrency: int = 4,
        webinars: bool = False,
        on_webinars_unavailable: Callable[[ZoomScopeError], None] | None = None,
        previous: bool = False,
    ) -> AsyncIterator[ZoomScheduledOccurrence]:
        """Every time slot the user's meetings occupy that overlaps [start, end), by start time;
        with `webinars`, the user's webinars' too (GET /users/{id}/webinars, recurring ones'
        occurrences from GET /webinars/{id}). An app without the webinar scopes: ZoomScopeError,
        or `on_webinars_unavailable(error)` and meetings only.

        GET /users/{id}/meetings lists a recurring meeting once; its occurrences come only from
        GET /meetings/{id} (`occurrences[]`: occurrence_id, start_time, duration, status), so the
        detail is fetched for recurring meetings with a fixed time (type 8) only, skipping
        deleted occurrences. Type 3 (no fixed time) has no slots and is left out. Zoom leaves
        out the occurrences that already ended unless asked (`previous`: a window that reaches
        into the past, as today's picture does).

        Sources: Zoom API reference, "Get a meeting" (`occurrences[]` and
        `show_previous_occurrences`) and "List meetings"; developers.zoom.us/blog/
        meeting-api-querying-tips-part3 (occurrence ids); devforum.zoom.us/t/7522 (Zoom staff:
        the list "returns the parent meeting", type 8).

        Meetings and webinars are listed at once: a user's fetch waits two latencies, not three.
        """

        async def list_meetings() -> list[tuple[str, ZoomMeetingSummary]]:
            return [("meeting", m) async for m in self.iter_user_meetings(user_id, type)]

        async def list_webinars() -> list[tuple[str, ZoomMeetingSummary]]:
            if not webinars:
                return []
            # List webinars takes `scheduled` or `upcoming` only.
            kind = "upcoming" if type in ("upcoming", "upcoming_meetings") else "scheduled"
            try:
                return [("webinar", w) async for w in self.iter_user_webinars(user_id, kind)]
            except ZoomScopeError as exc:
                if on_webinars_unavailable is None:
                    raise
                on_webinars_unavailable(exc)
            except ZoomError as exc:
                if not no_webinar_plan(exc):  # no webinar licence: no webinars
                    raise
            return []

        lists = [asyncio.ensure_future(list_meetings()), asyncio.ensure_future(list_webinars())]
        try:
            meeting_list, webinar_list = await asyncio.gather(*lists)
        except BaseException:
            for pending in lists:  # one failed: the other is not left running on its own
                pending.cancel()
            await asyncio.gather(*lists, return_exceptions=True)
            raise
        listed = meeting_list + webinar_list
        recurring_types = {"meeting": RECURRING_FIXED_TIME, "webinar": WEBINAR_RECURRING_FIXED_TIME}
        recurring = [(k, m) for k, m in listed if m.type == recurring_types[k]]
        details = await self.gather(
            (
                self.get_webinar(m.id, show_previous_occurrences=previous)
                if k == "webinar"
                else self.get_meeting(m.id, show_previous_occurrences=previous)
                for k, m in recurring
            ),
            concurrency=concurrency,
            return_exceptions=True,
        )
        slots: list[ZoomScheduledOccurrence] = []
        for kind, summary in listed:
            if summary.type != recurring_types[kind] and summary.start_time is not None:
                slots.append(
                    ZoomScheduledOccurrence(
                        meeting_id=summary.id,
                        occurrence_id=None,
                        topic=summary.topic,
                        type=summary.type,
                        start=summary.start_time,
                        end=occurrence_end(summary.start_time, summary.duration),
                        join_url=summary.join_url,
                        kind=kind,
                    )
                )
        for (kind, summary), detail in zip(recurring, details, strict=True):
            if isinstance(detail, ZoomNotFound):
                continue  # deleted between the listing and the detail
            if isinstance(detail, ZoomError):
                raise detail
            slots.extend(_meeting_slots(summary, detail, kind))
        for slot in sorted(slots, key=lambda s: (s.start, s.meeting_id)):
            if slot.start < end and slot.end > start:
                yield slot

    @overload
    async def gather(
        self,
        calls: Iterable[Awaitable[T]],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[False] = ...,
    ) -> list[T]: ...

    @overload
    async def gather(
        self,
        calls: Iterable[Awaitable[T]],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[True],
    ) -> list[T | ZoomError]: ...

    async def gather(
        self,
        calls: Iterable[Awaitable[T]],
        *,
        concurrency: int = 16,
        return_exceptions: bool = False,
    ) -> list[T] | list[T | ZoomError]:
        """Run many calls at once, at most `concurrency` in flight; results in input order.

        The limiter paces the starts; `concurrency` only bounds how many wait or run at once (a few
        times rate x latency is plenty). With `return_exceptions=True`, a call's ZoomError takes
        its place in the results, except fatal ones (daily limit, credentials, scope,
        unreachable host), which cancel the rest and are raised, as is any other exception.
        """
        return await gather_limited(
            calls, concurrency=concurrency, return_exceptions=return_exceptions
        )

    # --- paging ----------------------------------------------------------------------------

    async def _paginate(
        self,
        endpoint: Endpoint,
        path: str,
        params: Mapping[str, str | int],
        key: str,
        *,
        what: str,
        on_page: Callable[[int, int | None], None] | None = None,
        pages: int | None = None,
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Items across pages: the same query each time, plus next_page_token until it is empty
        (or `pages` pages were read)."""
        token = ""
        read = 0
        seen: set[str] = set()
        count = 0
        while True:
            query = dict(params)
            if token:
                query["next_page_token"] = token
            data = await self._call_json(endpoint, path, what=what, params=query)
            items = _items(data, key)
            if on_page is not None:
                count += len(items)
                on_page(count, _int_or_none(data.get("total_records")))
            for item in items:
                yield item
            read += 1
            token = str(data.get("next_page_token") or "")
            if not token or (pages is not None and read >= pages):
                return
            if token in seen:  # a server bug would otherwise loop forever
                raise ZoomError(f"Zoom repeated a page token for {endpoint.method} {path}")
            seen.add(token)

    # --- calls -----------------------------------------------------------------------------

    async def _call_json(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        what: str,
        params: Mapping[str, str | int] | None = None,
    ) -> Mapping[str, Any]:
        response = await self._call(endpoint, path, what=what, params=params)
        body = _json_body(response)
        if body is None:
            raise ZoomError(
                f"Zoom answered {endpoint.method} {path} with something other than a JSON object "
                f"(HTTP {response.status_code})",
                status=response.status_code,
            )
        return body

    async def _call(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        what: str,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, str] | None = None,
        landed: Callable[[], Awaitable[bool]] | None = None,
    ) -> httpx.Response:
        response = await self._send(
            endpoint.method,
            self.api_url + path,
            path,
            endpoint.category,
            params=params,
            json=json,
            landed=landed,
        )
        if response.status_code >= 400:
            raise self._api_error(endpoint, path, what, response)
        return response

    async def _send(
        self,
        method: str,
        url: str,
        path: str,
        category: str | None,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, str] | None = None,
        landed: Callable[[], Awaitable[bool]] | None = None,
    ) -> httpx.Response:
        """Send with the retry policy; returns the response (4xx included) or raises.

        `category` None means the OAuth token request (Basic auth, not rate-limited here).
        `landed`, for a write that is not safe to repeat blindly: after a transport error that
        may have come after the request went out, it is asked before the retry whether the
        write already took effect; if so, the write counts as done (a 204 stands in).
        """
        label = f"{method} {path}"
        host = _host_label(httpx.URL(url))
        failures = 0  # 5xx and transport failures so far
        limited = 0  # per-second 429s so far
        refreshes = 0  # 401/124 answers met so far, each followed by a newer token
        failed_at: float | None = None  # when this request last met a 401/124
        spent = 0.0  # time in attempts and retry waits (not in the limiter's queue)
        while True:
            token: _AccessToken | None = None
            if category is None:
                headers = {"Authorization": self._basic_auth()}
            else:
                self._check_daily_limit(category, label)
                await self._limiter.acquire(category)
                # Read the token only now: one read while queued could be replaced meanwhile.
                token = await self._current_token()
                headers = {"Authorization": f"Bearer {token.secret.reveal()}"}
            retry_no = failures + limited + refreshes
            started = self._monotonic()
            if category is not None:
                self._bump("requests")
            try:
                response = await self._http.request(
                    method, url, params=params, json=json, headers=headers
                )
            except httpx.TransportError as exc:
                elapsed = self._monotonic() - started
                spent += elapsed
                self._bump("connection_errors")
                self._log_line(label, type(exc).__name__, elapsed, retry_no)
                reason, permanent = _describe_transport_error(
                    exc, self._connect_timeout, self._read_timeout
                )
                failures += 1
                wait = self._backoff(failures)
                if permanent or not self._may_retry(failures, spent, wait):
                    raise self._connection_error(host, reason, failures, category) from exc
                self._bump("retries")
                self._retry_note(
                    f"Zoom at {host}: {reason} ({label}); retry {failures} in {wait:.1f} s"
                )
                await self._sleep(wait)
                spent += wait
                if landed is not None and _maybe_delivered(exc) and await landed():
                    return httpx.Response(204)
                continue

            elapsed = self._monotonic() - started
            spent += elapsed
            status = response.status_code
            self._log_line(label, str(status), elapsed, retry_no)
            if status < 400:
                return response
            body = _json_body(response) or {}
            code = body.get("code")

            if status == 401 and code == 124 and token is not None:
                # Expired or revoked: Zoom revokes a token before its expires_in (a newer token
                # for the app revokes older ones). Retry with a newer token for as long as each
                # 124 came with a token that was since replaced or had lived a while; a token
                # fetched after this request's own failure and refused at once means the
                # credentials (or the API host) are wrong: the caller raises the 401.
                rejected = (
                    failed_at is not None
                    and token.fetched_at >= failed_at
                    and started - token.fetched_at < FRESH_TOKEN_SECONDS
                )
                if rejected or refreshes >= MAX_TOKEN_REFRESHES:
                    return response
                refreshes += 1
                failed_at = self._monotonic()
                self._bump("token_refreshes_on_401")
                self._bump("retries")
                await self._replace_token(token)
                continue

            if status == 429:
                self._bump("rate_limited")
                message = str(body.get("message") or "")
                answer = classify_429(response.headers, message, self._now())
                if answer.kind == "daily":
                    raise self._daily_limit_error(
                        category or "oauth", label, answer.retry_at, message
                    )
                limited += 1
                if limited > self._max_rate_limit_retries:
                    raise ZoomUnavailable(
                        f"Zoom kept answering 429 (per-second rate limit) to {label} "
                        f"after {limited} tries",
                        status=429,
                        code=_int_or_none(code),
                        zoom_message=self._scrub(message) or None,
                        hint="another app may be using the account's limit; lower zoom.rate_share",
                    )
                if (
                    category is not None
                    and (rate := self._limiter.rate_limited(category)) is not None
                ):
                    self._bump("slowdowns")
                    self._retry_note(
                        f"Zoom's per-second rate limit was hit ({category}); slowing to "
                        f"{rate:.1f} requests/s"
                    )
                wait = self._rate_limit_wait(answer.retry_at, limited)
                self._bump("retries")
                self._retry_note(f"Zoom answered 429 to {label}; retry {limited} in {wait:.1f} s")
                await self._sleep(wait)
                spent += wait
                continue

            if status >= 500:
                self._bump("server_errors")
                failures += 1
                wait = self._backoff(failures)
                if not self._may_retry(failures, spent, wait):
                    message = self._scrub(str(body.get("message") or ""))
                    raise ZoomUnavailable(
                        f"Zoom is unavailable: {label} answered HTTP {status} "
                        f"{failures} time{'s' if failures > 1 else ''}"
                        + (f" ({message})" if message else ""),
                        status=status,
                        code=_int_or_none(code),
                        zoom_message=message or None,
                        hint="try again later; https://status.zoom.us shows Zoom's incidents",
                    )
                self._bump("retries")
                self._retry_note(
                    f"Zoom answered {status} to {label}; retry {failures} in {wait:.1f} s"
                )
                await self._sleep(wait)
                spent += wait
                continue

            return response  # other 4xx: never retried; the caller raises a typed error

    # --- tokens ----------------------------------------------------------------------------

    async def _current_token(self) -> _AccessToken:
        token = self._token
        if token is not None and self._monotonic() < token.refresh_at:
            return token
        return await self._fetch_token_once()

    async def _replace_token(self, failed: _AccessToken) -> _AccessToken:
        """After a 124: fetch a new token, unless another task already replaced `failed`."""
        token = self._token
        if token is not None and token is not failed and self._monotonic() < token.refresh_at:
            return token
        return await self._fetch_token_once()

    async def _fetch_token_once(self) -> _AccessToken:
        """Single flight: concurrent callers share one request (a second one would revoke the
        first token) and its outcome, success or error."""
        if self._auth_failure is not None:
            raise self._auth_failure  # wrong credentials stay wrong: no request per call
        if self._token_task is None:
            task = asyncio.get_running_loop().create_task(self._fetch_token())
            self._token_task = task
            task.add_done_callback(self._token_fetched)
        return await asyncio.shield(self._token_task)

    def _token_fetched(self, task: asyncio.Task[_AccessToken]) -> None:
        if self._token_task is task:
            self._token_task = None
        if not task.cancelled():
            task.exception()  # retrieved here, so an error nobody awaited is not logged

    async def _fetch_token(self) -> _AccessToken:
        credentials = self._credentials
        path = httpx.URL(self.oauth_url).path or "/oauth/token"
        self._bump("token_fetches")
        response = await self._send(
            "POST",
            self.oauth_url,
            path,
            None,
            params={"grant_type": "account_credentials", "account_id": credentials.account_id},
        )
        body = _json_body(response) or {}
        if response.status_code >= 400:
            reason = self._scrub(
                str(
                    body.get("reason")
                    or body.get("error_description")
                    or body.get("message")
                    or "no reason given"
                )
            )
            error = str(body.get("error") or "")
            detail = f"HTTP {response.status_code}" + (f", {error}" if error else "")
            if response.status_code in (400, 401):
                failure = ZoomAuthError(
                    f"Zoom rejected the credentials: {reason} ({detail}); {credentials_check()}",
                    status=response.status_code,
                    zoom_message=reason,
                    hint=credentials_hint(),
                )
                self._auth_failure = failure
                raise failure
            raise ZoomError(
                f"Zoom's token endpoint refused the request: {reason} ({detail})",
                status=response.status_code,
                zoom_message=reason,
            )
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise ZoomError(
                "Zoom's token answer carried no access_token", status=response.status_code
            )
        expires_in = body.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 3599
        # Refresh about 60 s early; short-lived tokens (tests, odd servers) at half-life.
        margin = min(60.0, lifetime / 2)
        info = ZoomTokenInfo(
            scopes=frozenset(str(body.get("scope") or "").split()),
            api_url=str(body.get("api_url") or ""),
            expires_in=lifetime,
        )
        now = self._monotonic()
        token = _AccessToken(_Secret(value), now + lifetime - margin, info, fetched_at=now)
        self._token = token
        return token

    def _basic_auth(self) -> str:
        credentials = self._credentials
        raw = f"{credentials.client_id}:{credentials.client_secret.reveal()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    # --- policy helpers --------------------------------------------------------------------

    def _may_retry(self, failures: int, spent: float, wait: float) -> bool:
        # The next attempt may take a whole connect timeout: keep it inside the budget.
        return (
            failures < self._max_attempts
            and spent + wait + self._connect_timeout <= self._retry_budget
        )

    def _backoff(self, failures: int) -> float:
        return backoff(failures, base=0.5, cap=8.0, jitter=self._rng.random())

    def _rate_limit_wait(self, retry_at: datetime | None, limited: int) -> float:
        jitter = self._rng.random()
        if retry_at is not None:
            seconds = (retry_at - self._now()).total_seconds()
            # Jitter spreads the requests that were all told the same instant.
            return min(60.0, max(0.0, seconds)) + 0.2 * jitter
        return backoff(limited, base=0.25, cap=4.0, jitter=jitter)

    def _check_daily_limit(self, category: str, label: str) -> None:
        reset = self._daily_reset.get(category)
        if reset is not None:
            if self._now() < reset:
                raise self._daily_limit_error(category, label, reset, "", request_sent=False)
            del self._daily_reset[category]

    def _daily_limit_error(
        self,
        category: str,
        label: str,
        retry_at: datetime | None,
        message: str,
        *,
        request_sent: bool = True,
    ) -> ZoomRateLimited:
        reset = retry_at or next_utc_midnight(self._now())
        self._daily_reset[category] = reset
        when = reset.astimezone(self._display_tz).strftime("%Y-%m-%d %H:%M %Z")
        return ZoomRateLimited(
            f"Zoom's daily rate limit for {category} requests is used up ({label}); "
            f"it resets at {when}",
            reset_at=reset,
            category=category,
            status=429 if request_sent else None,
            zoom_message=self._scrub(message) or None,
            hint=f"run the same command again after {when}",
        )

    def _connection_error(
        self, host: str, reason: str, tries: int, category: str | None
    ) -> ZoomConnectionError:
        setting = "zoom.oauth_url" if category is None else "zoom.api_url"
        return ZoomConnectionError(
            f"Cannot reach Zoom at {host}: {reason} ({tries} {'try' if tries == 1 else 'tries'})",
            host=host,
            reason=reason,
            hint=f"check the network connection, and {setting} in the configuration",
        )

    def _api_error(
        self, endpoint: Endpoint, path: str, what: str, response: httpx.Response
    ) -> ZoomError:
        body = _json_body(response) or {}
        status = response.status_code
        code = _int_or_none(body.get("code"))
        message = self._scrub(str(body.get("message") or ""))
        label = f"{endpoint.method} {path}"
        common: dict[str, Any] = {"status": status, "code": code, "zoom_message": message or None}
        if code in SCOPE_CODES or "does not contain scope" in message.lower():
            scopes = _scopes_in(message) or endpoint.scopes
            return ZoomScopeError(
                f"The Zoom app's token lacks a scope {endpoint.method} {endpoint.route} needs: "
                f"add {' or '.join(scopes)}",
                scopes=scopes,
                hint="add the scope to the Server-to-Server OAuth app (Zoom Marketplace, Scopes), "
                "activate it again, then run `usked zoom check`",
                **common,
            )
        if status == 401:
            return ZoomAuthError(
                f"Zoom rejected the access token for {label}: {message or 'no reason given'}"
                + (f" (code {code})" if code is not None else "")
                + f"; {credentials_check()}",
                hint=credentials_hint(),
                **common,
            )
        if status == 404:
            noun = (
                endpoint.noun
                if endpoint.noun == "webinar"
                else NOT_FOUND_NOUNS.get(code or 0, endpoint.noun)
            )
            return ZoomNotFound(
                f"Zoom {noun} not found: {what}" + (f" (code {code})" if code is not None else ""),
                **common,
            )
        if status == 400 and code == 300:
            details = "; ".join(
                f"{e.get('field')}: {e.get('message')}"
                for e in body.get("errors") or ()
                if isinstance(e, Mapping)
            )
            return ZoomValidationError(
                f"Zoom refused {label}: {message or 'validation failed'}"
                + (f" ({self._scrub(details)})" if details else "")
                + " (code 300)",
                **common,
            )
        return ZoomError(
            f"Zoom refused {label}: {message or 'no reason given'} (HTTP {status}"
            + (f", code {code})" if code is not None else ")"),
            **common,
        )

    def _scrub(self, text: str) -> str:
        """Blank out the secret and the token should Zoom ever echo them."""
        secrets = [self._credentials.client_secret.reveal()]
        if self._token is not None:
            secrets.append(self._token.secret.reveal())
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    # --- counters, notes, log --------------------------------------------------------------

    def _bump(self, counter: str, n: int = 1) -> None:
        self._stats = replace(self._stats, **{counter: getattr(self._stats, counter) + n})

    def _retry_note(self, message: str) -> None:
        """Quiet for the first two retries of the run, then at most one note every 5 s."""
        if self._on_retry is None or self._stats.retries < 3:
            return
        now = self._monotonic()
        if now - self._last_note >= 5.0:
            self._last_note = now
            self._on_retry(message)

    def _log_line(self, label: str, outcome: str, elapsed: float, retry_no: int) -> None:
        if self._log is not None:
            retry = f" retry {retry_no}" if retry_no else ""
            self._log(f"zoom: {label} {outcome} {elapsed * 1000:.0f} ms{retry}")


async def gather_limited(
    calls: Iterable[Awaitable[T]],
    *,
    concurrency: int = 16,
    return_exceptions: bool = False,
) -> list[Any]:
    """The body of `ZoomClient.gather` (asyncio.TaskGroup + a semaphore)."""
    pending = list(calls)
    results: list[Any] = [None] * len(pending)
    semaphore = asyncio.Semaphore(max(1, concurrency))

    async def run(index: int, call: Awaitable[T]) -> None:
        async with semaphore:
            try:
                results[index] = await call
            except ZoomError as exc:
                if return_exceptions and not exc.fatal:
                    results[index] = exc
                else:
                    raise

    try:
        async with asyncio.TaskGroup() as group:
            for index, call in enumerate(pending):
                group.create_task(run(index, call))
    except BaseExceptionGroup as failures:
        raise _first_error(failures) from None
    finally:
        # Calls cancelled before they started: close them, or Python warns "never awaited".
        for call in pending:
            if (
                inspect.iscoroutine(call)
                and inspect.getcoroutinestate(call) == inspect.CORO_CREATED
            ):
                call.close()
    return results


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to raise for a failed gather: a fatal ZoomError first, else the first one."""
    leaves: list[BaseException] = []

    def walk(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                walk(inner)
        else:
            leaves.append(error)

    walk(group)
    for leaf in leaves:
        if isinstance(leaf, ZoomError) and leaf.fatal:
            return leaf
    return leaves[0]


# --- helpers -------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _effective_rates(
    rate_limits: Mapping[str, float] | None, rate_share: float
) -> dict[str, float]:
    if not 0 < rate_share <= 1:
        raise ConfigError(
            f"zoom.rate_share must be above 0 and at most 1, not {rate_share}",
            hint="e.g. 0.8 leaves a fifth of the account's limit to other apps (uSked's own)",
        )
    rates = dict(PRO_RATE_LIMITS)
    rates.update(rate_limits or {})
    for category in CATEGORIES:
        if rates[category] <= 0:
            raise ConfigError(f"zoom.rate_limits.{category} must be above 0")
    return {category: rates[category] * rate_share for category in CATEGORIES}


def _segment(value: str) -> str:
    """A path segment: ids and emails (`+`, `/` and spaces escaped; `@` kept)."""
    return quote(value.strip(), safe="@")


def _maybe_delivered(exc: httpx.TransportError) -> bool:
    """Whether the request may have reached Zoom before the failure (not a connect failure)."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _host_label(url: httpx.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else url.host


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_SCOPE_LIST = re.compile(r"scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)


def _scopes_in(message: str) -> tuple[str, ...]:
    """'Invalid access token, does not contain scopes:[user:read:admin].' -> the scopes."""
    match = _SCOPE_LIST.search(message)
    if not match:
        return ()
    return tuple(s.strip() for s in match.group(1).split(",") if s.strip())


_DNS_PERMANENT = ("name or service not known", "nodename nor servname", "no address associated")
_DNS_ANY = (*_DNS_PERMANENT, "name resolution", "getaddrinfo")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what caused it: httpx wraps the OSError that says what happened."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _describe_transport_error(
    exc: httpx.TransportError, connect_timeout: float, read_timeout: float
) -> tuple[str, bool]:
    """(reason for the user, whether retrying is pointless)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {connect_timeout:g} s (timeout)", False
    if isinstance(exc, httpx.ReadTimeout):
        return f"no answer within {read_timeout:g} s (timeout)", False
    if isinstance(exc, httpx.TimeoutException):
        return "timed out", False
    if isinstance(exc, httpx.ConnectError):
        causes = _causes(exc)
        text = " ".join(str(c) for c in causes).lower()
        for cause in causes:
            if isinstance(cause, socket.gaierror):
                permanent = cause.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None))
                return "DNS lookup failed (unknown host)", permanent
            if isinstance(cause, ConnectionRefusedError):
                return "connection refused", False
            if isinstance(cause, ssl.SSLError):
                return "TLS handshake failed", True
            if isinstance(cause, OSError) and cause.errno in (
                errno.ENETUNREACH,
                errno.EHOSTUNREACH,
            ):
                return "network unreachable", False
        if any(marker in text for marker in _DNS_ANY):
            return "DNS lookup failed (unknown host)", any(m in text for m in _DNS_PERMANENT)
        if "refused" in text:
            return "connection refused", False
        if "unreachable" in text:
            return "network unreachable", False
        return "could not connect", False
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return "the connection was dropped", False
    # UnsupportedProtocol, proxy and local protocol errors do not get better by retrying.
    return f"request failed ({type(exc).__name__})", True


def _meeting_slots(
    summary: ZoomMeetingSummary, meeting: ZoomMeeting, kind: str = "meeting"
) -> list[ZoomScheduledOccurrence]:
    occurrences = [o for o in meeting.occurrences if o.status != "deleted"]
    if occurrences:
        return [
            ZoomScheduledOccurrence(
                meeting_id=meeting.id or summary.id,
                occurrence_id=o.occurrence_id,
                topic=meeting.topic or summary.topic,
                type=meeting.type,
                start=o.start_time,
                end=occurrence_end(o.start_time, o.duration),
                join_url=meeting.join_url or summary.join_url,
                kind=kind,
            )
            for o in occurrences
        ]
    start = meeting.start_time or summary.start_time
    if start is None:
        return []
    return [
        ZoomScheduledOccurrence(
            meeting_id=meeting.id or summary.id,
            occurrence_id=None,
            topic=meeting.topic or summary.topic,
            type=meeting.type,
            start=start,
            end=occurrence_end(start, meeting.duration or summary.duration),
            join_url=meeting.join_url or summary.join_url,
            kind=kind,
        )
    ]
