"""The limiter's pace, 429 handling (per-second and daily) and Retry-After forms."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.zoom import DEFAULT_EPOCH, FakeZoom, Fault, VirtualClock, run_virtual
from tests.zoom.conftest import ClientFactory
from usked_cli.zoom.errors import ZoomRateLimited, ZoomUnavailable
from usked_cli.zoom.ratelimit import (
    GUARD_BAND,
    RateLimiter,
    backoff,
    classify_429,
    next_utc_midnight,
    parse_retry_after,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
# Requests are spaced 1/rate apart plus a 0.5% guard band against network jitter at the limit.
SPACING = 1 + GUARD_BAND


# --- pacing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("share", "rate"), [(1.0, 30.0), (0.8, 24.0)])
def test_limiter_paces_starts_to_the_target_rate(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory, share: float, rate: float
) -> None:
    users = fake.add_users(100)

    async def main() -> float:
        async with make_client(rate_share=share) as zoom:
            await zoom.token_info()
            started = clock.monotonic()
            await zoom.gather((zoom.get_user(u.id) for u in users), concurrency=100)
            return clock.monotonic() - started

    elapsed = run_virtual(main())
    assert elapsed == pytest.approx(99 / rate * SPACING, abs=1e-6)  # at the target, no slower
    times = [r.at for r in fake.api_requests()]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(SPACING / rate, abs=1e-6)
    assert all(r.status == 200 for r in fake.api_requests())


def test_limiter_paces_starts_not_completions(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    users = fake.add_users(60)
    fake.latency = 0.5

    async def main() -> float:
        async with make_client(rate_share=1.0) as zoom:
            await zoom.token_info()
            started = clock.monotonic()
            await zoom.gather((zoom.get_user(u.id) for u in users), concurrency=32)
            return clock.monotonic() - started

    # 60 starts at 30/s plus one response time, not 60 response times.
    assert run_virtual(main()) == pytest.approx(59 / 30 * SPACING + 0.5, abs=1e-6)


def test_bulk_patches_at_the_fakes_limit_finish_within_budget(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    """The rename benchmark's shape in virtual time: 20/s, 200 ms latency, share 1.0."""
    n = 400
    users = fake.add_users(n)
    fake.rate_limits = {"light": 20, "medium": 20, "heavy": 10}
    fake.latency = 0.2

    async def main() -> float:
        async with make_client(rate_limits={"light": 20}, rate_share=1.0) as zoom:
            await zoom.token_info()
            started = clock.monotonic()
            await zoom.gather(
                (
                    zoom.update_user_names(u.id, first_name="Host", last_name=str(i))
                    for i, u in enumerate(users)
                ),
                concurrency=16,
            )
            assert zoom.stats.rate_limited == 0
            return clock.monotonic() - started

    elapsed = run_virtual(main())
    assert elapsed <= 1.15 * n / 20
    assert elapsed == pytest.approx((n - 1) / 20 * SPACING + 0.2, abs=1e-6)
    assert set(fake.patch_counts().values()) == {1}


def test_limiter_unit_no_burst_after_idle_and_independent_categories() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter({"light": 10, "medium": 5}, monotonic=lambda: now[0], sleep=sleep)

    async def main() -> None:
        await limiter.acquire("light")
        await limiter.acquire("light")
        await limiter.acquire("medium")  # its own schedule: no wait
        now[0] += 5  # idle: no credit saved up
        await limiter.acquire("light")
        await limiter.acquire("light")

    asyncio.run(main())
    assert slept == pytest.approx([0.1 * SPACING, 0.1 * SPACING])


# --- per-second 429s ---------------------------------------------------------------------


def _http_date(dt: datetime) -> str:
    return email.utils.format_datetime(dt, usegmt=True)


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("2", 2.0),
        ("2026-03-02T15:00:02Z", 2.0),  # ISO 8601, Zoom's own example's form
        (_http_date(DEFAULT_EPOCH + timedelta(seconds=2)), 2.0),
        (None, None),
    ],
)
def test_per_second_429_waits_for_retry_after_then_retries(
    fake: FakeZoom,
    clock: VirtualClock,
    make_client: ClientFactory,
    retry_after: str | None,
    wait: float | None,
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault.too_many_requests(retry_after=retry_after, path="/v2/users"))

    async def main() -> float:
        async with make_client() as zoom:
            found = await zoom.get_user(user.email)
            assert found.id == user.id
            assert zoom.stats.rate_limited == 1
            assert zoom.stats.retries == 1
            return clock.monotonic()

    elapsed = run_virtual(main())
    if wait is None:
        assert 0.1 <= elapsed <= 0.5  # a short backoff with jitter
    else:
        assert wait <= elapsed <= wait + 0.25  # Retry-After plus a little jitter
    assert [r.status for r in fake.api_requests()] == [429, 200]


def test_429_without_headers_is_per_second_unless_the_message_says_daily(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(
        Fault.too_many_requests(type_header=False, message="Too many requests.", path="/v2/")
    )
    fake.inject(Fault.too_many_requests(type_header=False, path="/v2/users"))  # per-second text
    fake.inject(Fault.too_many_requests(daily=True, type_header=False, path="/v2/users"))

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomRateLimited):
                await zoom.get_user(user.id)

    run_virtual(main())
    assert [r.status for r in fake.api_requests()] == [429, 429, 429]


def test_real_per_second_limit_slows_the_limiter_down(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    """The client thinks the account has 30/s but only 10/s are left to it."""
    fake.rate_limits = {"light": 10}
    users = fake.add_users(200)
    notes: list[str] = []

    async def main() -> None:
        async with make_client(rate_share=1.0, on_retry=notes.append) as zoom:
            await zoom.gather((zoom.get_user(u.id) for u in users), concurrency=16)
            assert zoom.stats.slowdowns >= 1
            assert zoom.rate("light") < 30
            limited = zoom.stats.rate_limited
            assert limited == len([r for r in fake.api_requests() if r.status == 429])
            assert limited < 100  # it settles instead of hammering

    run_virtual(main())
    assert len([r for r in fake.api_requests() if r.status == 200]) == 200
    assert notes  # the CLI hears about it once retries keep happening
    assert len(notes) < 10  # but not on every retry


def test_per_second_429_that_never_clears_gives_up(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.fault_rule = lambda request: (
        Fault.too_many_requests(retry_after="1") if request.path.startswith("/v2/") else None
    )

    async def main() -> None:
        async with make_client(max_rate_limit_retries=3) as zoom:
            with pytest.raises(ZoomUnavailable, match="429"):
                await zoom.get_user(user.id)

    run_virtual(main())
    assert len(fake.api_requests()) == 4


# --- daily limits ------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["iso", "http-date", None])
def test_daily_limit_stops_with_the_reset_time(
    fake: FakeZoom, make_client: ClientFactory, retry_after: str | None
) -> None:
    fake.retry_after = retry_after  # type: ignore[assignment]
    user = fake.add_user("a@acme.org", "A", "B")
    fake.exhaust_daily_limit("light")

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomRateLimited) as caught:
                await zoom.get_user(user.id)
            error = caught.value
            assert error.reset_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
            assert error.category == "light"
            assert error.exit_code == 1
            assert "2026-03-03 00:00 UTC" in error.message
            assert error.reset_in(datetime.now().astimezone().tzinfo or UTC)
            # Later calls in the category stop at once; other categories still work.
            with pytest.raises(ZoomRateLimited):
                await zoom.get_user(user.id)
            assert [u.id async for u in zoom.iter_users()] == [user.id]

    run_virtual(main())
    assert len(fake.api_requests("GET", f"/v2/users/{user.id}")) == 1


def test_gather_stops_the_job_on_a_daily_limit(fake: FakeZoom, make_client: ClientFactory) -> None:
    users = fake.add_users(50)
    fake.fault_rule = lambda request: (
        Fault.too_many_requests(daily=True, retry_after="2026-03-03T00:00:00Z")
        if len(fake.patches) >= 10 and request.method == "PATCH"
        else None
    )

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomRateLimited):  # the error itself, not an ExceptionGroup
                await zoom.gather(
                    (zoom.update_user_names(u.id, first_name="Host") for u in users),
                    concurrency=8,
                    return_exceptions=True,
                )

    run_virtual(main())
    assert 10 <= len(fake.patches) < 50


# --- the policy's pieces -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", NOW + timedelta(seconds=30)),
        ("0.5", NOW + timedelta(seconds=0.5)),
        ("2020-05-31T00:00:00Z", datetime(2020, 5, 31, tzinfo=UTC)),
        ("2026-03-02T10:00:30-05:00", NOW + timedelta(seconds=30)),
        ("2026-03-02T15:00:30", NOW + timedelta(seconds=30)),  # naive: UTC
        ("Mon, 02 Mar 2026 15:01:00 GMT", NOW + timedelta(minutes=1)),
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: datetime | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("headers", "message", "kind"),
    [
        ({"X-RateLimit-Type": "QPS"}, "", "per_second"),
        ({"X-RateLimit-Type": "Daily-limit"}, "", "daily"),
        ({"X-RateLimit-Type": "QPS"}, "daily rate limit", "per_second"),  # the header wins
        ({}, "You have reached the maximum per-second rate limit for this API.", "per_second"),
        ({}, "You have reached the maximum daily rate limit for this API.", "daily"),
        ({}, "", "per_second"),
    ],
)
def test_classify_429(headers: dict[str, str], message: str, kind: str) -> None:
    lowered = {k.lower(): v for k, v in headers.items()}
    assert classify_429(lowered, message, NOW).kind == kind


def test_next_utc_midnight() -> None:
    assert next_utc_midnight(NOW) == datetime(2026, 3, 3, tzinfo=UTC)


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    assert backoff(1, base=0.5, cap=8, jitter=0.0) == pytest.approx(0.375)
    assert backoff(1, base=0.5, cap=8, jitter=0.999) < 0.625
    assert backoff(3, base=0.5, cap=8, jitter=0.5) == pytest.approx(2.0)
    assert backoff(10, base=0.5, cap=8, jitter=0.999) <= 8


# --- X-RateLimit-Reset (issue 14) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (str(int((NOW + timedelta(seconds=2)).timestamp())), NOW + timedelta(seconds=2)),
        (str(int((NOW - timedelta(seconds=5)).timestamp())), NOW),  # already past: now
        ("3", NOW + timedelta(seconds=3)),  # a small number: seconds from now
        ("2026-03-02T15:00:04Z", NOW + timedelta(seconds=4)),
        (str(int((NOW + timedelta(seconds=2)).timestamp() * 1000)), NOW + timedelta(seconds=2)),
        ("99999999999999999999", None),  # no clock holds it: unreadable, not a crash
        ("", None),
        (None, None),
    ],
)
def test_parse_rate_limit_reset(value: str | None, expected: datetime | None) -> None:
    from usked_cli.zoom.ratelimit import parse_rate_limit_reset

    assert parse_rate_limit_reset(value, NOW) == expected


def test_a_per_second_429_with_only_x_ratelimit_reset_waits_for_it(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    # The fake at a real limit of 1/s in the light category, its 429s carrying
    # X-RateLimit-Reset (a Unix time) and no Retry-After; the client believes 30/s, so it runs
    # into the real limit and must wait for the reset it is given. A short backoff instead
    # (what a 429 without either header gets: 0.1-0.5 s) would meet several 429s per call.
    fake.rate_limits = {"light": 1, "medium": 20, "heavy": 10}
    fake.retry_after = None
    fake.rate_limit_reset = True
    user = fake.add_user("a@acme.org", "A", "B")

    async def main() -> float:
        async with make_client() as zoom:
            for _ in range(4):
                await zoom.get_user(user.id)
        return clock.monotonic()

    elapsed = run_virtual(main())
    statuses = [r.status for r in fake.api_requests("GET", f"/v2/users/{user.id}")]
    assert statuses.count(200) == 4
    assert 1 <= statuses.count(429) <= 3  # at most one per call after the first
    assert elapsed >= 3  # four calls at one a second
