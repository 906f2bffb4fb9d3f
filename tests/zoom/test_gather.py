"""Running many calls at once within the limiter: order, per-item errors, fatal errors."""

from __future__ import annotations

import gc
import warnings

import pytest

from tests.fakes.zoom import FakeZoom, Fault, VirtualClock, run_virtual
from tests.zoom.conftest import ClientFactory
from usked_cli.zoom.client import gather_limited
from usked_cli.zoom.errors import ZoomError, ZoomNotFound, ZoomScopeError
from usked_cli.zoom.models import ZoomUser


def test_gather_keeps_order_and_collects_item_errors(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    users = fake.add_users(6)
    keys = [u.email for u in users[:3]] + ["nobody@acme.org"] + [u.email for u in users[3:]]

    async def main() -> list[ZoomUser | ZoomError]:
        async with make_client() as zoom:
            return await zoom.gather(
                (zoom.get_user(key) for key in keys), concurrency=3, return_exceptions=True
            )

    results = run_virtual(main())
    assert isinstance(results[3], ZoomNotFound)
    assert [r.email for r in results if isinstance(r, ZoomUser)] == [u.email for u in users]


def test_gather_without_return_exceptions_raises_the_first_error_itself(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    users = fake.add_users(3)

    async def main() -> None:
        async with make_client() as zoom:
            calls = [zoom.get_user(u.id) for u in users] + [zoom.get_user("nobody")]
            with pytest.raises(ZoomNotFound):
                await zoom.gather(calls, concurrency=2)

    run_virtual(main())


def test_gather_raises_fatal_errors_even_when_collecting(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    fake.scopes = {"user:read:admin"}  # may read users, may not rename them
    users = fake.add_users(40)

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomScopeError):
                await zoom.gather(
                    (zoom.update_user_names(u.id, first_name="Host") for u in users),
                    concurrency=4,
                    return_exceptions=True,
                )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_virtual(main())
        gc.collect()
    # The calls that never started were closed, not left "never awaited".
    assert not [w for w in caught if "never awaited" in str(w.message)]
    assert len(fake.api_requests("PATCH")) < 40


def test_gather_limited_bounds_concurrency(clock: VirtualClock) -> None:
    running = 0
    peak = 0

    async def job(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await clock.sleep(1)
        running -= 1
        return i * i

    async def main() -> list[int]:
        return await gather_limited((job(i) for i in range(10)), concurrency=3)

    assert run_virtual(main()) == [i * i for i in range(10)]
    assert peak == 3


def test_slow_answers_arrive_late_but_arrive(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault.slow(3.0, path="/v2/users"))

    async def main() -> float:
        async with make_client() as zoom:
            await zoom.get_user(user.id)
            assert zoom.stats.retries == 0
            return clock.monotonic()

    assert run_virtual(main()) == pytest.approx(3.0)
