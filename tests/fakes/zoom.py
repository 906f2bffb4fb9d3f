"""A fake Zoom for tests and benchmarks: the OAuth token endpoint and the REST endpoints usked-cli
uses, with Zoom's paging, errors, per-second and daily rate limits, and injectable faults.

In process (no sockets), with virtual time so nothing sleeps for real:

    clock = VirtualClock()
    fake = FakeZoom(clock=clock.monotonic, now=clock.now)
    fake.add_users(500)

    async def main() -> None:
        async with ZoomClient(**fake.credentials(), transport=fake.transport(),
                              monotonic=clock.monotonic, sleep=clock.sleep, now=clock.now) as zoom:
            ...

    run_virtual(main())

On a loopback HTTP server (real time; subprocess tests and benchmarks):

    with serve(fake, latency=0.2) as server:   # server.api_url, server.oauth_url
        ...

or from a shell: `python -m tests.fakes.zoom --users 1000 --latency 0.2` prints one JSON line with
the URLs and credentials, then serves until SIGTERM / Ctrl-C.

Faults: `fake.inject(Fault.server_error(503), times=3)` queues faults consumed by the next
matching requests; `fake.fault_rule = lambda req: ...` decides per request. `fake.requests` logs
every request, `fake.patches` every PATCH applied (`fake.patch_counts()` per user id),
`fake.token_requests` every token issued.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import email.utils
import json
import math
import random
import secrets
import selectors
import signal
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypedDict, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

T = TypeVar("T")

DEFAULT_EPOCH = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Chicago
PRO_LIMITS: Mapping[str, float] = {"light": 30, "medium": 20, "heavy": 10}
CLASSIC_SCOPES = frozenset({"user:read:admin", "user:write:admin", "meeting:read:admin"})
PAGE_TOKEN_LIFETIME = 15 * 60  # seconds, as Zoom documents

QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the response header "
    "for details on when you can make the next request."
)


# --- virtual time ----------------------------------------------------------------------------


class _VirtualSelector(selectors.BaseSelector):
    """The loop's selector, except that waiting for the next timer jumps the clock to it."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._loop = loop
        self._real = selectors.DefaultSelector()

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = self._real.select(0)
        if events:
            return events
        if timeout is None:
            # Nothing is scheduled: only another thread could wake the loop (an executor job).
            events = self._real.select(10.0)
            if not events:
                raise RuntimeError("virtual time: every task waits for something that never comes")
            return events
        if timeout > 0:
            self._loop.advance(timeout)
        return []

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock only moves when every task waits: then it jumps to the next timer.

    So `asyncio.sleep(30)` returns at once while `loop.time()` moves 30 s, and concurrent tasks
    interleave exactly as they would in real time. For in-process code only (MockTransport): a
    real socket would look idle and let the clock race past its timeouts.
    """

    def __init__(self) -> None:
        self._virtual_time = 0.0
        super().__init__(_VirtualSelector(self))

    def time(self) -> float:
        return self._virtual_time

    def advance(self, seconds: float) -> None:
        self._virtual_time += seconds


def run_virtual(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run() on a VirtualTimeLoop."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main)


@dataclass
class VirtualClock:
    """The clock functions for code running under `run_virtual` (the fake and the client alike)."""

    epoch: datetime = DEFAULT_EPOCH

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()  # raises outside run_virtual, on purpose

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.monotonic())


@dataclass
class StepClock:
    """A fake clock for code doing real I/O: `sleep` returns at once and moves the clock.

    Exact for one task; concurrent sleepers each move it by their own wait (sum, not max).
    """

    epoch: datetime = DEFAULT_EPOCH
    elapsed: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += max(0.0, seconds)
        await asyncio.sleep(0)

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.elapsed)


# --- records ---------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: str
    email: str
    first_name: str
    last_name: str
    display_name: str
    type: int = 2
    status: str = "active"
    timezone: str = "America/Chicago"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": self.display_name,
            "type": self.type,
            "status": self.status,
            "timezone": self.timezone,
            "dept": "",
            "role_id": "2",
            "verified": 1,
        }


@dataclass
class FakeOccurrence:
    occurrence_id: str
    start_time: datetime
    duration: int
    status: str = "available"  # or "deleted"


@dataclass
class FakeMeeting:
    id: int
    uuid: str
    host_id: str
    topic: str
    type: int  # 2 scheduled, 3 recurring no fixed time, 8 recurring fixed time
    start_time: datetime | None
    duration: int
    timezone: str = "America/Chicago"
    status: str = "waiting"  # "started" while live
    password: str = "123456"
    zak: str = field(default_factory=lambda: "zak-" + secrets.token_urlsafe(12))
    occurrences: list[FakeOccurrence] = field(default_factory=list)
    created_at: datetime = DEFAULT_EPOCH - timedelta(days=7)
    # A webinar, not a meeting: its own endpoints (/webinars/{id}), a /w/ join link. Zoom's
    # webinar types: 5 webinar, 6 recurring no fixed time, 9 recurring fixed time.
    webinar: bool = False

    @property
    def join_url(self) -> str:
        kind = "w" if self.webinar else "j"
        return f"https://us02web.zoom.us/{kind}/{self.id}?pwd=fakepwd{self.id % 1000}"

    @property
    def start_url(self) -> str:
        return f"https://us02web.zoom.us/s/{self.id}?zak={self.zak}"


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str  # decoded, without the query string
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    # When the request arrived (the fake's clock): what the rate limit counts. Taken before the
    # simulated latency, so the server's own sleep jitter does not move requests in the window.
    received_at: float | None = None


@dataclass(frozen=True)
class FakeReply:
    status: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: Mapping[str, str]
    status: int | None  # None when the connection was dropped or timed out
    at: float  # the fake's clock
    category: str | None = None
    token_no: int | None = None  # which issued token the request carried (1, 2, ...)
    fault: str | None = None


@dataclass(frozen=True)
class PatchRecord:
    user_id: str
    email: str
    changes: Mapping[str, str]
    at: float


FaultKind = Literal[
    "status", "connect_error", "connect_timeout", "read_error", "read_timeout", "slow"
]


@dataclass
class Fault:
    """One injected failure, for the next request matching `method` and `path` (a prefix).

    kinds: "status" answers `status` with `body`/`headers`; "connect_error" / "connect_timeout"
    fail before the request reaches the fake; "read_error" / "read_timeout" lose the answer (the
    request is applied first when `applied`); "slow" answers normally after `delay` seconds.
    In process the transport raises the matching httpx exception; over loopback the server hangs
    up without an answer (after `delay` for timeouts).
    """

    kind: FaultKind = "status"
    status: int = 500
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    applied: bool = False
    method: str | None = None
    path: str | None = None

    def matches(self, request: FakeRequest) -> bool:
        if self.method is not None and self.method.upper() != request.method:
            return False
        return self.path is None or request.path.startswith(self.path)

    @classmethod
    def server_error(
        cls, status: int = 500, *, method: str | None = None, path: str | None = None
    ) -> Fault:
        messages = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        body = {"code": status, "message": messages.get(status, "Server Error")}
        return cls("status", status, body, method=method, path=path)

    @classmethod
    def too_many_requests(
        cls,
        *,
        daily: bool = False,
        retry_after: str | None = None,
        type_header: bool = True,
        message: str | None = None,
        category: str = "Light",
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        headers = {"X-RateLimit-Category": category}
        if type_header:
            headers["X-RateLimit-Type"] = "Daily-limit" if daily else "QPS"
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        text = message if message is not None else (DAILY_MESSAGE if daily else QPS_MESSAGE)
        return cls("status", 429, {"code": 429, "message": text}, headers, method=method, path=path)

    @classmethod
    def dropped(
        cls,
        when: Literal["connect", "read"] = "read",
        *,
        applied: bool = False,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        kind: FaultKind = "connect_error" if when == "connect" else "read_error"
        return cls(kind, applied=applied, method=method, path=path)

    @classmethod
    def timeout(
        cls,
        when: Literal["connect", "read"] = "read",
        *,
        delay: float = 5.0,
        applied: bool = False,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        kind: FaultKind = "connect_timeout" if when == "connect" else "read_timeout"
        return cls(kind, delay=delay, applied=applied, method=method, path=path)

    @classmethod
    def slow(cls, delay: float, *, method: str | None = None, path: str | None = None) -> Fault:
        return cls("slow", delay=delay, method=method, path=path)


class Credentials(TypedDict):
    account_id: str
    client_id: str
    client_secret: str


@dataclass
class _Token:
    no: int
    expires_at: float
    scopes: frozenset[str]
    revoked: bool = False
    issued_at: float = 0.0


@dataclass
class _PageState:
    signature: tuple[Any, ...]
    offset: int
    expires_at: float


def churning_fake(
    clock: VirtualClock, seed: int, *, revoke_after: float = 3.0, **options: Any
) -> FakeZoom:
    """A fake Zoom under token churn and faults (issue 14): every token revoked `revoke_after`
    seconds after it was issued (its expires_in still says an hour), a new token revoking the
    old, 200 ms per request, 4 % of API answers 503 and 4 % per-second 429s."""
    fake = FakeZoom(
        clock=clock.monotonic,
        now=clock.now,
        revoke_after=revoke_after,
        latency=0.2,
        seed=seed,
        **options,
    )
    fake.fault_rule = random_faults(random.Random(seed))
    return fake


MAX_FAULTS_IN_A_ROW = 2


def random_faults(
    rng: random.Random,
    *,
    server_errors: float = 0.04,
    rate_limited: float = 0.04,
    api_prefix: str = "/v2",
) -> Callable[[FakeRequest], Fault | None]:
    """A `fault_rule`: this share of API requests answered 503, and this share a per-second
    429 (Retry-After 1), at random; the token endpoint always answers. Faults are passing
    trouble, not an outage: one request path gets at most MAX_FAULTS_IN_A_ROW of them in a row
    (else which request drew five 503s in a row, and so failed for good, would depend on the
    order concurrent requests happened to arrive in: a test that fails once in a few hundred
    runs)."""
    in_a_row: dict[str, int] = {}

    def rule(request: FakeRequest) -> Fault | None:
        if not request.path.startswith(api_prefix + "/"):
            return None
        roll = rng.random()
        fault = None
        if in_a_row.get(request.path, 0) < MAX_FAULTS_IN_A_ROW:
            if roll < server_errors:
                fault = Fault.server_error(503)
            elif roll < server_errors + rate_limited:
                fault = Fault.too_many_requests(retry_after="1")
        in_a_row[request.path] = in_a_row.get(request.path, 0) + 1 if fault else 0
        return fault

    return rule


# --- the fake --------------------------------------------------------------------------------

Route = Literal[
    "list_users",
    "get_user",
    "patch_user",
    "list_meetings",
    "user_token",
    "get_meeting",
    "get_webinar",
    "list_webinars",
    "dashboard_meetings",
    "dashboard_webinars",
]

ROUTES: Mapping[Route, tuple[str, tuple[str, ...]]] = {
    # route: (category, scopes that allow it: classic, granular). Zoom API reference, each
    # endpoint's "Scopes" and "Rate Limit Label"; the Dashboard is "Resource-intensive" (limited
    # per minute): counted here as heavy.
    "list_users": ("medium", ("user:read:admin", "user:read:list_users:admin")),
    "get_user": ("light", ("user:read:admin", "user:read:user:admin")),
    "patch_user": ("light", ("user:write:admin", "user:update:user:admin")),
    "list_meetings": ("medium", ("meeting:read:admin", "meeting:read:list_meetings:admin")),
    "user_token": ("light", ("user:read:admin", "user:read:token:admin")),
    "get_meeting": ("light", ("meeting:read:admin", "meeting:read:meeting:admin")),
    "get_webinar": ("light", ("webinar:read:admin", "webinar:read:webinar:admin")),
    "list_webinars": ("medium", ("webinar:read:admin", "webinar:read:list_webinars:admin")),
    "dashboard_meetings": (
        "heavy",
        ("dashboard_meetings:read:admin", "dashboard:read:list_meetings:admin"),
    ),
    "dashboard_webinars": (
        "heavy",
        ("dashboard_webinars:read:admin", "dashboard:read:list_webinars:admin"),
    ),
}
# The Dashboard answers Business plans and up only. The message is the one Zoom sent a Pro
# account (jrchamp/moodle-mod_zoom#317, "Zoom received a bad request"); the code is not shown
# there: 200 is Zoom's code for "no permission" on other endpoints (an assumption here).
DASHBOARD_PLANS = frozenset({"business", "enterprise"})
DASHBOARD_REFUSAL = (
    "This API is only available for Business or higher accounts that have enabled the Dashboard "
    "feature."
)
WEBINAR_PLAN_MISSING = "Webinar plan is missing."
# Meetings GET /users/{id}/meetings never lists: "This API only supports scheduled meetings"
# (Zoom API reference, List meetings): instant meetings (type 1) are left out, and personal
# meeting room sessions (type 4) are not scheduled meetings either.
UNLISTED_TYPES = frozenset({1, 4})


class FakeZoom:
    """In-memory Zoom: users, meetings, tokens, rate limits and faults (thread-safe)."""

    def __init__(
        self,
        *,
        account_id: str = "fake-account",
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret-0123456789",
        scopes: Sequence[str] = tuple(CLASSIC_SCOPES),
        token_lifetime: float = 3599,
        revoke_on_new_token: bool = True,
        rate_limits: Mapping[str, float] | None = PRO_LIMITS,
        rate_window: float = 1.0,
        rate_slack: float = 0.0,
        rate_limit_headers: bool = True,
        retry_after: Literal["seconds", "iso", "http-date"] | None = "seconds",
        rate_limit_reset: bool = False,
        revoke_after: float | None = None,
        webinar_plan: bool = True,
        oauth_error_status: int = 400,
        latency: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
        api_prefix: str = "/v2",
        oauth_path: str = "/oauth/token",
        seed: int = 1,
        plan: Literal["free", "pro", "business", "enterprise"] = "pro",
    ) -> None:
        self.account_id = account_id
        self.plan = plan
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes: set[str] = set(scopes)
        self.token_lifetime = token_lifetime
        self.revoke_on_new_token = revoke_on_new_token
        self.rate_limits: dict[str, float] | None = dict(rate_limits) if rate_limits else None
        self.rate_window = rate_window
        # Requests closer than the window minus `rate_slack` count together: a little slack
        # absorbs loopback scheduling jitter in real-time benchmarks.
        self.rate_slack = rate_slack
        self.rate_limit_headers = rate_limit_headers
        self.retry_after = retry_after
        # Per-second 429s may carry X-RateLimit-Reset (zoom-api.md, Rate limits); its form is
        # not documented: a Unix time in seconds here, the common convention.
        self.rate_limit_reset = rate_limit_reset
        # Zoom may revoke a token before its expires_in (zoom-api.md, Authentication): every
        # token is refused (401, 124) this many seconds after it was issued, whatever the
        # token response said.
        self.revoke_after = revoke_after
        # An account without a webinar licence: webinar endpoints answer 400 "Webinar plan is
        # missing" (as client libraries meet it; Zoom's reference does not list the answer).
        self.webinar_plan = webinar_plan
        self.oauth_error_status = oauth_error_status
        self.latency = latency  # in-process transport only; serve() takes its own
        self.clock = clock
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.api_prefix = api_prefix
        self.oauth_path = oauth_path
        self.token_api_url = "https://api.zoom.us"

        self.users: dict[str, FakeUser] = {}
        self.meetings: dict[int, FakeMeeting] = {}
        self.requests: list[LoggedRequest] = []
        self.patches: list[PatchRecord] = []
        self.token_requests = 0  # tokens issued
        self.oauth_requests = 0  # token requests, refused ones included
        self.daily_exhausted: set[str] = set()
        self.faults: deque[Fault] = deque()
        self.fault_rule: Callable[[FakeRequest], Fault | None] | None = None

        self._tokens: dict[str, _Token] = {}
        self._pages: dict[str, _PageState] = {}
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.RLock()
        self._random = random.Random(seed)

    # --- setup -------------------------------------------------------------------------------

    def credentials(self) -> Credentials:
        """account_id, client_id, client_secret: keyword arguments for ZoomClient."""
        return {
            "account_id": self.account_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def add_user(
        self,
        email: str,
        first_name: str = "",
        last_name: str = "",
        *,
        display_name: str | None = None,
        type: int = 2,
        status: str = "active",
        id: str | None = None,
        timezone: str = "America/Chicago",
    ) -> FakeUser:
        with self._lock:
            user = FakeUser(
                id=id or self._zoom_id(),
                email=email,
                first_name=first_name,
                last_name=last_name,
                display_name=display_name
                if display_name is not None
                else f"{first_name} {last_name}".strip(),
                type=type,
                status=status,
                timezone=timezone,
            )
            self.users[user.id] = user
            return user

    def add_users(
        self, n: int, *, domain: str = "acme.org", prefix: str = "interp", type: int = 2
    ) -> list[FakeUser]:
        """`n` licensed users interp0001@acme.org ... named "Interpreter 1" ..."""
        return [
            self.add_user(f"{prefix}{i:04d}@{domain}", "Interpreter", str(i), type=type)
            for i in range(1, n + 1)
        ]

    def add_meeting(
        self,
        host: FakeUser | str,
        topic: str,
        start_time: datetime | None,
        duration: int = 60,
        *,
        type: int = 2,
        occurrences: Sequence[datetime | tuple[datetime, int]] = (),
        status: str = "waiting",
        id: int | None = None,
        webinar: bool = False,
    ) -> FakeMeeting:
        """A meeting hosted by `host`; for type 8, `occurrences` gives each start (and duration).
        type 1 is an instant meeting, 4 a personal meeting room session; `webinar` makes it a
        webinar (type 5, or 9 with occurrences)."""
        with self._lock:
            host_id = host.id if isinstance(host, FakeUser) else self._user(host).id
            meeting_id = id or self._random.randrange(81_000_000_000, 89_999_999_999)
            occs = []
            for item in occurrences:
                start, minutes = item if isinstance(item, tuple) else (item, duration)
                occs.append(FakeOccurrence(str(int(start.timestamp() * 1000)), start, minutes))
            meeting = FakeMeeting(
                id=meeting_id,
                uuid=base64.b64encode(self._random.randbytes(16)).decode(),
                host_id=host_id,
                topic=topic,
                type=type,
                start_time=start_time if type != 3 else None,
                duration=duration,
                status=status,
                occurrences=occs,
                webinar=webinar,
            )
            self.meetings[meeting.id] = meeting
            return meeting

    def inject(self, *faults: Fault, times: int = 1) -> None:
        """Queue faults: each is used by the next matching request, `times` times over."""
        with self._lock:
            for _ in range(times):
                self.faults.extend(faults)

    def revoke_tokens(self) -> None:
        """Revoke every issued token (as a new token for the app would)."""
        with self._lock:
            for token in self._tokens.values():
                token.revoked = True

    def expire_tokens(self) -> None:
        with self._lock:
            now = self.clock()
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    def exhaust_daily_limit(self, *categories: str) -> None:
        """From now on answer a daily-limit 429 in these categories (all when none given)."""
        with self._lock:
            self.daily_exhausted.update(categories or ("light", "medium", "heavy"))

    def patch_counts(self) -> Counter[str]:
        """How many PATCHes landed per user id."""
        with self._lock:
            return Counter(p.user_id for p in self.patches)

    def api_requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[LoggedRequest]:
        """Logged API requests (not token requests), optionally by method and path prefix."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(self.api_prefix)
                and (method is None or r.method == method)
                and (path is None or r.path.startswith(path))
            ]

    def user(self, key: str) -> FakeUser:
        """A user by id or email (KeyError if none)."""
        with self._lock:
            return self._user(key)

    # --- transports --------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An in-process transport for httpx.AsyncClient / ZoomClient(transport=...)."""
        return httpx.MockTransport(self._handle_httpx)

    async def _handle_httpx(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        fake_request = FakeRequest(
            request.method,
            unquote(request.url.path),
            dict(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            received_at=self.clock(),
        )
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        fault, reply = self.handle(fake_request)
        if fault is not None and fault.kind != "status":
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.kind == "connect_error":
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
            if fault.kind == "connect_timeout":
                raise httpx.ConnectTimeout("timed out", request=request)
            if fault.kind == "read_error":
                raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
            if fault.kind == "read_timeout":
                raise httpx.ReadTimeout("timed out", request=request)
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        assert reply is not None
        return _httpx_response(reply)

    def handle(self, request: FakeRequest) -> tuple[Fault | None, FakeReply | None]:
        """One request: the fault it meets (if any) and the reply (None when there is none)."""
        with self._lock:
            fault = self._take_fault(request)
            if fault is not None and fault.kind == "status":
                reply = FakeReply(fault.status, fault.body, fault.headers)
                self._log(request, reply.status, fault=fault.kind)
                return fault, reply
            answered = fault is None or fault.kind == "slow"
            if not answered and not (fault is not None and fault.applied):
                self._log(request, None, fault=fault.kind if fault else None)
                return fault, None
            # Handled by the fake; with a read fault ("applied") the answer is then lost.
            reply = self._dispatch(request)
            self._log(
                request, reply.status if answered else None, fault=fault.kind if fault else None
            )
            return fault, reply

    # --- dispatch ----------------------------------------------------------------------------

    def _take_fault(self, request: FakeRequest) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.matches(request):
                del self.faults[index]
                return fault
        if self.fault_rule is not None:
            return self.fault_rule(request)
        return None

    def _log(self, request: FakeRequest, status: int | None, *, fault: str | None = None) -> None:
        route = self._route(request)
        token = self._bearer(request)
        self.requests.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                status=status,
                at=self.clock(),
                category=ROUTES[route[0]][0] if route else None,
                token_no=token.no if token else None,
                fault=fault,
            )
        )

    def _dispatch(self, request: FakeRequest) -> FakeReply:
        if request.path == self.oauth_path:
            return self._oauth(request)
        token = self._bearer(request)
        if token is None or token.revoked:
            return _error(401, 124, "Invalid access token.")
        if self.revoke_after is not None and self.clock() >= token.issued_at + self.revoke_after:
            return _error(401, 124, "Invalid access token.")
        if self.clock() >= token.expires_at:
            return _error(401, 124, "Access token is expired.")
        route = self._route(request)
        if route is None:
            return _error(404, 404, "Not found.")
        name, args = route
        category, needs = ROUTES[name]
        if not token.scopes.intersection(needs):
            # 4711 today (Zoom developer forum, 2024-2025; older answers used 4700), the scopes
            # named in the message.
            return _error(
                400, 4711, f"Invalid access token, does not contain scopes:[{', '.join(needs)}]."
            )
        limited = self._rate_limit(category, request.received_at)
        if limited is not None:
            return limited
        handler: Callable[[FakeRequest, list[str]], FakeReply] = getattr(self, f"_{name}")
        return handler(request, args)

    def _route(self, request: FakeRequest) -> tuple[Route, list[str]] | None:
        if not request.path.startswith(self.api_prefix + "/"):
            return None
        parts = request.path[len(self.api_prefix) :].strip("/").split("/")
        method = request.method
        if parts == ["users"] and method == "GET":
            return "list_users", []
        if len(parts) == 2 and parts[0] == "users":
            if method == "GET":
                return "get_user", parts[1:]
            if method == "PATCH":
                return "patch_user", parts[1:]
        if len(parts) == 3 and parts[0] == "users" and method == "GET":
            if parts[2] == "meetings":
                return "list_meetings", parts[1:2]
            if parts[2] == "webinars":
                return "list_webinars", parts[1:2]
            if parts[2] == "token":
                return "user_token", parts[1:2]
        if len(parts) == 2 and parts[0] == "meetings" and method == "GET":
            return "get_meeting", parts[1:]
        if len(parts) == 2 and parts[0] == "webinars" and method == "GET":
            return "get_webinar", parts[1:]
        if len(parts) == 2 and parts[0] == "metrics" and method == "GET":
            if parts[1] == "meetings":
                return "dashboard_meetings", []
            if parts[1] == "webinars":
                return "dashboard_webinars", []
        return None

    def _bearer(self, request: FakeRequest) -> _Token | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self._tokens.get(header[len("Bearer ") :])

    # --- OAuth -------------------------------------------------------------------------------

    def _oauth(self, request: FakeRequest) -> FakeReply:
        self.oauth_requests += 1
        if request.method != "POST":
            return FakeReply(405, {"reason": "Method not allowed", "error": "invalid_request"})
        if request.query.get("grant_type") != "account_credentials":
            return FakeReply(
                400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
            )
        header = request.headers.get("authorization", "")
        try:
            decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
        except ValueError:
            decoded = ""
        if not header.startswith("Basic ") or decoded != f"{self.client_id}:{self.client_secret}":
            return FakeReply(
                self.oauth_error_status,
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
            )
        if request.query.get("account_id") != self.account_id:
            return FakeReply(
                self.oauth_error_status,
                {"reason": "Invalid account_id", "error": "invalid_request"},
            )
        if self.revoke_on_new_token:
            self.revoke_tokens()
        self.token_requests += 1
        value = f"fake-access-token-{self.token_requests}-{secrets.token_hex(8)}"
        self._tokens[value] = _Token(
            self.token_requests,
            self.clock() + self.token_lifetime,
            frozenset(self.scopes),
            issued_at=self.clock(),
        )
        return FakeReply(
            200,
            {
                "access_token": value,
                "token_type": "bearer",
                "expires_in": int(self.token_lifetime),
                "scope": " ".join(sorted(self.scopes)),
                "api_url": self.token_api_url,
            },
        )

    # --- rate limits -------------------------------------------------------------------------

    def _rate_limit(self, category: str, received_at: float | None) -> FakeReply | None:
        headers: dict[str, str] = {}
        if self.rate_limit_headers:
            headers["X-RateLimit-Category"] = category.capitalize()
        if category in self.daily_exhausted:
            now = self.now()
            reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            if self.rate_limit_headers:
                headers |= {"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Remaining": "0"}
            if self.retry_after is not None:
                headers["Retry-After"] = self._retry_after_value(reset, now)
            return FakeReply(429, {"code": 429, "message": DAILY_MESSAGE}, headers)
        if self.rate_limits is None or category not in self.rate_limits:
            return None
        limit = self.rate_limits[category]
        window = self._windows.setdefault(category, deque())
        t = self.clock() if received_at is None else received_at
        horizon = t - self.rate_window + self.rate_slack
        # 1 µs of tolerance: paced clients land exactly on the window edge, give or take float.
        while window and window[0] <= horizon + 1e-6:
            window.popleft()
        if len(window) >= limit:
            if self.rate_limit_headers:
                headers |= {
                    "X-RateLimit-Type": "QPS",
                    "X-RateLimit-Limit": str(int(limit)),
                    "X-RateLimit-Remaining": "0",
                }
            free_in = max(0.0, window[0] - horizon)
            now = self.now()
            if self.retry_after is not None:
                headers["Retry-After"] = self._retry_after_value(
                    now + timedelta(seconds=free_in), now
                )
            if self.rate_limit_reset:
                reset = now + timedelta(seconds=free_in)
                headers["X-RateLimit-Reset"] = str(math.ceil(reset.timestamp()))
            return FakeReply(429, {"code": 429, "message": QPS_MESSAGE}, headers)
        window.append(t)
        return None

    def _retry_after_value(self, when: datetime, now: datetime) -> str:
        if self.retry_after == "seconds":
            return str(max(1, math.ceil((when - now).total_seconds())))
        # Absolute forms have whole seconds: round up so the client never comes back early.
        rounded = when.replace(microsecond=0) + (
            timedelta(seconds=1) if when.microsecond else timedelta()
        )
        if self.retry_after == "http-date":
            return email.utils.format_datetime(rounded.astimezone(UTC), usegmt=True)
        return rounded.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- endpoints ---------------------------------------------------------------------------

    def _list_users(self, request: FakeRequest, args: list[str]) -> FakeReply:
        status = request.query.get("status", "active")
        users = [u.as_json() for u in self.users.values() if u.status == status]
        return self._page(request, users, "users")

    def _get_user(self, request: FakeRequest, args: list[str]) -> FakeReply:
        try:
            return FakeReply(200, self._user(args[0]).as_json())
        except KeyError:
            return _error(404, 1001, f"User does not exist: {args[0]}.")

    def _patch_user(self, request: FakeRequest, args: list[str]) -> FakeReply:
        try:
            user = self._user(args[0])
        except KeyError:
            return _error(404, 1001, f"User does not exist: {args[0]}.")
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        errors = [
            {"field": name, "message": "Length must be less than or equal to 64"}
            for name in ("first_name", "last_name")
            if isinstance(body.get(name), str) and len(body[name]) > 64
        ]
        if errors:
            return FakeReply(400, {"code": 300, "message": "Validation Failed.", "errors": errors})
        changes = {
            name: str(body[name])
            for name in ("first_name", "last_name", "display_name")
            if name in body
        }
        for name, value in changes.items():
            setattr(user, name, value)
        self.patches.append(PatchRecord(user.id, user.email, changes, self.clock()))
        return FakeReply(204)

    def _user_token(self, request: FakeRequest, args: list[str]) -> FakeReply:
        try:
            user = self._user(args[0])
        except KeyError:
            return _error(404, 1001, f"User does not exist: {args[0]}.")
        return FakeReply(200, {"token": f"zak-{user.id}-{secrets.token_hex(8)}"})

    def _list_meetings(self, request: FakeRequest, args: list[str]) -> FakeReply:
        return self._hosts_list(request, args, webinars=False)

    def _list_webinars(self, request: FakeRequest, args: list[str]) -> FakeReply:
        """GET /users/{id}/webinars: the host's webinars (Zoom API reference, List webinars;
        `type` scheduled or upcoming)."""
        if not self.webinar_plan:
            return _error(400, 200, WEBINAR_PLAN_MISSING)
        return self._hosts_list(request, args, webinars=True)

    def _hosts_list(self, request: FakeRequest, args: list[str], *, webinars: bool) -> FakeReply:
        """A host's meetings or webinars of the asked `type`; instant and personal-room
        meetings are never listed (UNLISTED_TYPES)."""
        try:
            user = self._user(args[0])
        except KeyError:
            return _error(404, 1001, f"User does not exist: {args[0]}.")
        kind = request.query.get("type", "scheduled")
        now = self.now()
        items = [
            self._summary(m, now)
            for m in self.meetings.values()
            if m.host_id == user.id
            and m.webinar == webinars
            and m.type not in UNLISTED_TYPES
            and _listed(m, kind, now)
        ]
        return self._page(request, items, "webinars" if webinars else "meetings")

    def _get_webinar(self, request: FakeRequest, args: list[str]) -> FakeReply:
        """GET /webinars/{id}: as a meeting's details, its own start_url (Zoom API reference,
        Get a webinar); a meeting's id is not a webinar (3001, "Webinar does not exist")."""
        try:
            webinar = self.meetings[int(args[0])]
        except (KeyError, ValueError):
            webinar = None
        if webinar is None or not webinar.webinar:
            return _error(404, 3001, f"Webinar does not exist: {args[0]}.")
        return FakeReply(200, self._details(webinar, request))

    def _dashboard_meetings(self, request: FakeRequest, args: list[str]) -> FakeReply:
        return self._dashboard(request, webinars=False)

    def _dashboard_webinars(self, request: FakeRequest, args: list[str]) -> FakeReply:
        return self._dashboard(request, webinars=True)

    def _dashboard(self, request: FakeRequest, *, webinars: bool) -> FakeReply:
        """GET /metrics/meetings|webinars?type=live&from=&to=: every live meeting (or webinar)
        of the account, instant and personal-room ones included, with its host's name and email
        (Zoom API reference, Dashboards: List meetings / List webinars; Business plans and up,
        `from` and `to` required)."""
        if self.plan not in DASHBOARD_PLANS:
            return _error(400, 200, DASHBOARD_REFUSAL)
        if webinars and not self.webinar_plan:
            return _error(400, 200, WEBINAR_PLAN_MISSING)
        if not request.query.get("from") or not request.query.get("to"):
            return _error(400, 300, "from and to are required.")
        if request.query.get("type", "live") != "live":
            return self._page(request, [], "webinars" if webinars else "meetings")
        items = []
        for m in self.meetings.values():
            if m.webinar != webinars or m.status != "started":
                continue
            host = self.users.get(m.host_id)
            items.append(
                {
                    "uuid": m.uuid,
                    "id": m.id,
                    "topic": m.topic,
                    "host": host.display_name if host else "",
                    "email": host.email if host else "",
                    "user_type": "Licensed",
                    "start_time": _z(m.start_time or self.now()),
                    "duration": "00:10:00",
                    "participants": 2,
                }
            )
        return self._page(request, items, "webinars" if webinars else "meetings")

    def _get_meeting(self, request: FakeRequest, args: list[str]) -> FakeReply:
        try:
            meeting = self.meetings[int(args[0])]
        except (KeyError, ValueError):
            return _error(404, 3001, f"Meeting does not exist: {args[0]}.")
        if meeting.webinar:  # a webinar's id is not a meeting's (zoom-api.md, GET /webinars)
            return _error(404, 3001, f"Meeting does not exist: {args[0]}.")
        return FakeReply(200, self._details(meeting, request))

    def _details(self, meeting: FakeMeeting, request: FakeRequest) -> dict[str, Any]:
        host = self.users.get(meeting.host_id)
        now = self.now()
        previous = request.query.get("show_previous_occurrences") == "true"
        body: dict[str, Any] = {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "host_id": meeting.host_id,
            "host_email": host.email if host else "",
            "topic": meeting.topic,
            "type": _api_type(meeting),
            "status": meeting.status,
            "duration": meeting.duration,
            "timezone": meeting.timezone,
            "agenda": "",
            "created_at": _z(meeting.created_at),
            "start_url": meeting.start_url,
            "join_url": meeting.join_url,
            "password": meeting.password,
            "settings": {"host_video": False, "join_before_host": False},
        }
        start = _display_start(meeting, now)
        if start is not None:
            body["start_time"] = _z(start)
        if meeting.type == 8:
            body["occurrences"] = [
                {
                    "occurrence_id": o.occurrence_id,
                    "start_time": _z(o.start_time),
                    "duration": o.duration,
                    "status": o.status,
                }
                for o in meeting.occurrences
                if previous or o.start_time + timedelta(minutes=o.duration) > now
            ]
        return body

    def _summary(self, meeting: FakeMeeting, now: datetime) -> dict[str, Any]:
        item: dict[str, Any] = {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "host_id": meeting.host_id,
            "topic": meeting.topic,
            "type": _api_type(meeting),
            "duration": meeting.duration,
            "timezone": meeting.timezone,
            "created_at": _z(meeting.created_at),
            "join_url": meeting.join_url,
        }
        start = _display_start(meeting, now)
        if start is not None:
            item["start_time"] = _z(start)
        return item

    def _page(self, request: FakeRequest, items: list[dict[str, Any]], key: str) -> FakeReply:
        """Zoom's paging: page_size (default 30, at most 300) and an opaque next_page_token
        that only works with the same query and lives 15 minutes."""
        try:
            size = max(1, min(300, int(request.query.get("page_size", "30"))))
        except ValueError:
            size = 30
        signature = (
            request.path,
            tuple(sorted((k, v) for k, v in request.query.items() if k != "next_page_token")),
        )
        offset = 0
        token = request.query.get("next_page_token", "")
        if token:
            state = self._pages.get(token)
            if state is None or state.signature != signature or self.clock() > state.expires_at:
                return _error(400, 300, "The next page token is invalid or expired.")
            offset = state.offset
        page = items[offset : offset + size]
        next_token = ""
        if offset + size < len(items):
            next_token = secrets.token_urlsafe(24)
            self._pages[next_token] = _PageState(
                signature, offset + size, self.clock() + PAGE_TOKEN_LIFETIME
            )
        return FakeReply(
            200,
            {
                "page_size": size,
                "total_records": len(items),
                "next_page_token": next_token,
                key: page,
            },
        )

    # --- helpers -----------------------------------------------------------------------------

    def _user(self, key: str) -> FakeUser:
        if key in self.users:
            return self.users[key]
        if key == "me" and self.users:
            return next(iter(self.users.values()))
        lowered = key.lower()
        for user in self.users.values():
            if user.email.lower() == lowered:
                return user
        raise KeyError(key)

    def _zoom_id(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self._random.choice(alphabet) for _ in range(22))


def _api_type(meeting: FakeMeeting) -> int:
    """The type Zoom reports: a webinar's are 5, 6 and 9 where a meeting's are 2, 3 and 8."""
    return {2: 5, 3: 6, 8: 9}.get(meeting.type, 5) if meeting.webinar else meeting.type


def _error(status: int, code: int, message: str) -> FakeReply:
    return FakeReply(status, {"code": code, "message": message})


def _httpx_response(reply: FakeReply) -> httpx.Response:
    if reply.body is None:
        return httpx.Response(reply.status, headers=dict(reply.headers))
    return httpx.Response(reply.status, json=dict(reply.body), headers=dict(reply.headers))


def _z(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _live_occurrences(meeting: FakeMeeting, now: datetime) -> list[FakeOccurrence]:
    return [
        o
        for o in meeting.occurrences
        if o.status != "deleted" and o.start_time + timedelta(minutes=o.duration) > now
    ]


def _display_start(meeting: FakeMeeting, now: datetime) -> datetime | None:
    """A recurring meeting shows its next occurrence's start; type 3 shows none."""
    if meeting.type == 3:
        return None
    if meeting.type == 8:
        upcoming = _live_occurrences(meeting, now)
        if upcoming:
            return upcoming[0].start_time
        return meeting.occurrences[-1].start_time if meeting.occurrences else meeting.start_time
    return meeting.start_time


def _listed(meeting: FakeMeeting, kind: str, now: datetime) -> bool:
    if kind == "live":
        return meeting.status == "started"
    if meeting.type == 3:
        ended = False
    elif meeting.type == 8:
        ended = not _live_occurrences(meeting, now)
    else:
        ended = (
            meeting.start_time is not None
            and meeting.start_time + timedelta(minutes=meeting.duration) <= now
        )
    if kind in ("upcoming", "upcoming_meetings"):
        return meeting.status == "started" or not ended
    if kind == "previous_meetings":
        return ended
    return True  # scheduled: every unexpired meeting


# --- loopback server -------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeZoomServer:
    """Where a served fake listens."""

    host: str
    port: int
    api_prefix: str
    oauth_path: str

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + self.api_prefix

    @property
    def oauth_url(self) -> str:
        return self.base_url + self.oauth_path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Zoom and httpx use it
    timeout = 120  # an idle kept-alive connection's thread ends after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: without this, Nagle's algorithm and the client's
        # delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = FakeRequest(
            self.command,
            unquote(split.path),
            dict(parse_qsl(split.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            received_at=self.server.fake.clock(),
        )
        latency = self.server.latency
        if latency:
            time.sleep(latency / 2)
        fault, reply = self.server.fake.handle(request)
        if fault is not None and fault.kind != "status":
            if fault.delay:
                time.sleep(fault.delay)
            if fault.kind != "slow":
                self.close_connection = True  # hang up without an answer
                return
        if latency:
            time.sleep(latency / 2)
        assert reply is not None
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fake's own request log is enough


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # bulk clients open many connections at once

    def __init__(self, address: tuple[str, int], fake: FakeZoom, latency: float) -> None:
        self.fake = fake
        self.latency = latency
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client killed mid-request resets its connections: not the fake's problem


@contextlib.contextmanager
def serve(
    fake: FakeZoom, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0
) -> Iterator[FakeZoomServer]:
    """Run `fake` on a loopback HTTP server in a background thread (one thread per connection,
    so requests overlap); each request takes `latency` seconds, half before and half after the
    fake handles it. The fake's clock must be real time (the default)."""
    server = _Server((host, port), fake, latency)
    where = FakeZoomServer(host, server.server_address[1], fake.api_prefix, fake.oauth_path)
    previous_api_url = fake.token_api_url
    fake.token_api_url = where.base_url
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield where
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        fake.token_api_url = previous_api_url


@contextlib.contextmanager
def loopback(
    users: int = 1000, *, latency: float = 0.2, port: int = 0, **fake_options: Any
) -> Iterator[tuple[FakeZoom, FakeZoomServer]]:
    """A fake with `users` generated users, served on loopback: for benchmarks."""
    fake = FakeZoom(**fake_options)
    fake.add_users(users)
    with serve(fake, latency=latency, port=port) as server:
        yield fake, server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.zoom",
        description="Serve a fake Zoom on loopback; print its URLs and credentials as JSON.",
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per request")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--light", type=float, default=30, help="light requests per second")
    parser.add_argument("--medium", type=float, default=20, help="medium requests per second")
    parser.add_argument("--heavy", type=float, default=10, help="heavy requests per second")
    parser.add_argument("--rate-slack", type=float, default=0.0, help="window slack, seconds")
    parser.add_argument("--token-lifetime", type=float, default=3599)
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    limits = {"light": args.light, "medium": args.medium, "heavy": args.heavy}
    with loopback(
        args.users,
        latency=args.latency,
        port=args.port,
        rate_limits=limits,
        rate_slack=args.rate_slack,
        token_lifetime=args.token_lifetime,
    ) as (fake, server):
        info = {
            "api_url": server.api_url,
            "oauth_url": server.oauth_url,
            **fake.credentials(),
            "users": args.users,
        }
        print(json.dumps(info), flush=True)
        stop.wait()
        limited = sum(1 for r in fake.requests if r.status == 429)
        print(
            f"fake zoom: {len(fake.requests)} requests, {len(fake.patches)} patches, "
            f"{limited} answered 429, {fake.token_requests} tokens",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
