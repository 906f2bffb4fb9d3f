"""Client-side pacing of Zoom requests, and the pieces of the retry policy (no I/O here).

The limiter paces request *starts* per category at `rate` per second with no burst: each request
reserves the next free slot (`previous slot + 1/rate`, or now when idle) and sleeps until it. Slots
are fixed when reserved, so the pace does not drift with wake-up latency or response times, and
requests overlap freely: with 200 ms latency and 20/s, about four are in flight at once.

Per-second 429s that keep coming (two within `REPEAT_WINDOW`) slow the category down
multiplicatively (at most once a second, since one overload shows up as several 429s); it
recovers linearly once a second has passed without a 429: additive increase / multiplicative
decrease, so the tool settles under whatever part of the account's limit other apps leave it.
A lone 429 only costs its own retry. The spacing carries a guard band (`GUARD_BAND`, 0.5%) from
the first request: running exactly at the limit, jitter alone makes a request land early in
Zoom's window now and then (request 1 a millisecond late, request 21 on time); measured against
a strict fake at 20/s, the band turns two 429s (and the slowdown they set off) per 1,000 requests
into none, for 0.25 s per 1,000.

Clocks are injected (`monotonic`, `sleep`), so tests drive all of this with a fake clock.
"""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

CATEGORIES = ("light", "medium", "heavy")
# Zoom's per-second limits by plan and category (developers.zoom.us, "Rate limits").
PLAN_RATE_LIMITS: Mapping[str, Mapping[str, float]] = {
    "free": {"light": 4, "medium": 2, "heavy": 1},
    "pro": {"light": 30, "medium": 20, "heavy": 10},
    "business": {"light": 80, "medium": 60, "heavy": 40},
    "enterprise": {"light": 80, "medium": 60, "heavy": 40},  # "Business and up"
}
# Requests per day by category, where Zoom caps them per plan (developers.zoom.us, "Rate
# limits"): a Free account's. Past them Zoom answers a daily-limit 429, which stops a job.
PLAN_DAILY_LIMITS: Mapping[str, Mapping[str, int]] = {
    "free": {"light": 6000, "medium": 2000, "heavy": 1000},
}
PRO_RATE_LIMITS = PLAN_RATE_LIMITS["pro"]

SLOWDOWN_FACTOR = 0.8  # rate multiplier after a per-second 429
MIN_RATE_FRACTION = 0.1  # never slower than this part of the target
CALM_SECONDS = 1.0  # no 429 for this long before recovering
RECOVERY_PER_SECOND = 0.1  # part of the target regained per calm second
REPEAT_WINDOW = 2.0  # a second per-second 429 within this many seconds means "slow down"
GUARD_BAND = 0.005  # spacing margin against network jitter at the exact limit


class _Pacer:
    """One category's schedule of request starts."""

    def __init__(self, target: float) -> None:
        self.target = target
        self.rate = target
        self.next_start: float | None = None
        self.last_slowdown = -math.inf
        self.recovered_at = -math.inf
        self.last_429 = -math.inf
        self.guard = GUARD_BAND

    def current_rate(self, now: float) -> float:
        if self.rate < self.target and now - self.last_429 >= CALM_SECONDS:
            since = max(self.last_429 + CALM_SECONDS, self.recovered_at)
            gained = RECOVERY_PER_SECOND * self.target * max(0.0, now - since)
            self.rate = min(self.target, self.rate + gained)
            self.recovered_at = now
        return self.rate

    def reserve(self, now: float) -> float:
        """The start time of the next request; an idle category starts at once (no burst credit)."""
        start = now if self.next_start is None or self.next_start < now else self.next_start
        self.next_start = start + (1.0 + self.guard) / self.current_rate(now)
        return start

    def rate_limited(self, now: float) -> bool:
        """Note a per-second 429; True if the category slowed down."""
        previous, self.last_429 = self.last_429, now
        if now - previous > REPEAT_WINDOW or now - self.last_slowdown < CALM_SECONDS:
            return False
        self.rate = max(self.target * MIN_RATE_FRACTION, self.current_rate(now) * SLOWDOWN_FACTOR)
        self.last_slowdown = now
        self.recovered_at = now
        return True


class RateLimiter:
    """Paces request starts per category (light, medium, heavy) at the given requests/second."""

    def __init__(
        self,
        rates: Mapping[str, float],
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._pacers = {category: _Pacer(rate) for category, rate in rates.items()}
        self._monotonic = monotonic
        self._sleep = sleep

    async def acquire(self, category: str) -> None:
        """Wait for this request's turn. Read anything time-sensitive (the token) after this."""
        now = self._monotonic()
        start = self._pacers[category].reserve(now)
        if start > now:
            await self._sleep(start - now)

    def rate_limited(self, category: str) -> float | None:
        """Note a per-second 429 in a category: the new, lower rate if it slowed down, else None."""
        pacer = self._pacers[category]
        if pacer.rate_limited(self._monotonic()):
            return pacer.rate
        return None

    def rate(self, category: str) -> float:
        return self._pacers[category].current_rate(self._monotonic())

    def target(self, category: str) -> float:
        return self._pacers[category].target


# --- 429s ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimitAnswer:
    """What a 429 says: which limit, and when to come back (None when it does not say)."""

    kind: Literal["per_second", "daily"]
    retry_at: datetime | None
    category: str | None


def classify_429(headers: Mapping[str, str], message: str, now: datetime) -> RateLimitAnswer:
    """Tell a per-second 429 from a daily one: the X-RateLimit-Type header first, then the text.

    With neither (Zoom sometimes drops the headers), a 429 is per-second unless its message
    speaks of a daily limit (contracts.md, "Zoom rate limits").
    """
    limit_type = (headers.get("x-ratelimit-type") or "").strip().lower()
    kind: Literal["per_second", "daily"]
    if "daily" in limit_type or "day" in limit_type:
        kind = "daily"
    elif limit_type:
        kind = "per_second"
    else:
        text = message.lower()
        kind = "daily" if ("daily" in text or "per day" in text) else "per_second"
    category = (headers.get("x-ratelimit-category") or "").strip().lower() or None
    retry_at = parse_retry_after(headers.get("retry-after"), now)
    if retry_at is None:
        # Per-second 429s may carry X-RateLimit-Reset instead of Retry-After (zoom-api.md).
        retry_at = parse_rate_limit_reset(headers.get("x-ratelimit-reset"), now)
    return RateLimitAnswer(kind, retry_at, category)


# A count of seconds this large is a Unix time, not a wait (about 2001-09-09 on).
_EPOCH_SECONDS = 1_000_000_000


def parse_rate_limit_reset(value: str | None, now: datetime) -> datetime | None:
    """X-RateLimit-Reset as an absolute UTC time. Zoom does not document its form: the common
    convention is a Unix time in seconds; a small number is read as seconds from now, and an
    ISO 8601 or HTTP date as the time itself (as Retry-After). None when absent or unreadable;
    a time already past is now."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        if _SECONDS.match(text) and float(text) >= _EPOCH_SECONDS:
            seconds = float(text)
            if seconds >= _EPOCH_SECONDS * 1000:  # milliseconds, as some APIs send
                seconds /= 1000
            return max(datetime.fromtimestamp(seconds, UTC), now)
        return parse_retry_after(text, now)
    except (ValueError, OverflowError, OSError):  # a time no clock can hold: unreadable
        return None


_SECONDS = re.compile(r"^\s*\d+(\.\d+)?\s*$")


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as an absolute UTC time; accepts seconds, ISO 8601 (Zoom's own example,
    `2020-05-31T00:00:00Z`) and HTTP dates. None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if _SECONDS.match(text):
        try:
            return now + timedelta(seconds=float(text))
        except OverflowError:  # a wait no clock can hold: unreadable
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def next_utc_midnight(now: datetime) -> datetime:
    """When Zoom's daily limits reset, absent a Retry-After."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


# --- backoff -------------------------------------------------------------------------------


def backoff(retry: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff for the `retry`-th retry (1-based), capped, with `jitter` in [0, 1)
    spreading it over [0.75, 1.25) of the nominal wait so concurrent retries do not line up."""
    nominal: float = min(cap, base * 2.0 ** (retry - 1))
    return min(cap, nominal * (0.75 + 0.5 * jitter))
