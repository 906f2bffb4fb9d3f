"""Zoom client tests run on virtual time: the fake and the client share one VirtualClock, so
sleeps and rate-limit waits take no real time and timings are exact."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from tests.fakes.zoom import FakeZoom, VirtualClock
from usked_cli.zoom.client import ZoomClient

SECRET = "fake-client-secret-0123456789"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def fake(clock: VirtualClock) -> FakeZoom:
    return FakeZoom(clock=clock.monotonic, now=clock.now, client_secret=SECRET)


ClientFactory = Callable[..., ZoomClient]


@pytest.fixture
def make_client(fake: FakeZoom, clock: VirtualClock) -> ClientFactory:
    """A ZoomClient wired to the fake and the virtual clock; keyword arguments override."""

    def make(**overrides: Any) -> ZoomClient:
        options: dict[str, Any] = {
            **fake.credentials(),
            "transport": fake.transport(),
            "monotonic": clock.monotonic,
            "sleep": clock.sleep,
            "now": clock.now,
            "rng": random.Random(7),
        }
        options.update(overrides)
        return ZoomClient(**options)

    return make
