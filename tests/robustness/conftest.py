"""Fixtures for the robustness tests: a fake Zoom behind the CLI, in process on virtual time or
served on loopback (real HTTP, real time), with a pool of host users to list and rename."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.cli.helpers import run
from tests.fakes.zoom import (
    DEFAULT_EPOCH,
    FakeUser,
    FakeZoom,
    FakeZoomServer,
    VirtualClock,
    run_virtual,
    serve,
)
from usked_cli.cli.app import app
from usked_cli.cli.context import AppContext

RENAME = ["admin", "zoom-users", "rename"]
LIST = ["admin", "zoom-users", "list"]
SECRET = "robustness-client-secret-0123456789"
# Generous limits on the fake wherever the limit is not the point (requests per second).
HIGH_LIMITS = {"light": 1000.0, "medium": 1000.0, "heavy": 1000.0}

Names = tuple[str, str, str]  # display, first, last


def add_hosts(fake: FakeZoom, n: int) -> list[FakeUser]:
    """host-001@acme.org … with personal names, all in the pool."""
    return [fake.add_user(f"host-{i:03}@acme.org", "Person", f"Number{i}") for i in range(1, n + 1)]


def names(fake: FakeZoom) -> dict[str, Names]:
    """Every user's names as the fake holds them now, by user id."""
    return {u.id: (u.display_name, u.first_name, u.last_name) for u in fake.users.values()}


class Kit:
    """What both ways of serving the fake share: run the CLI, read the plan, list the users."""

    fake: FakeZoom

    def run(self, args: Sequence[str]) -> Result:
        raise NotImplementedError

    def plan(self) -> dict[str, Names]:
        """The dry-run plan (`rename --dry-run --json`): the names each user should end with."""
        result = self.run([*RENAME, "--dry-run", "--json"])
        assert result.exit_code == 0, result.stderr
        return {
            p["user_id"]: (p["new_name"], p["first_name"], p["last_name"])
            for p in json.loads(result.stdout)
        }

    def listed_ids(self) -> list[str]:
        """`admin zoom-users list --json`: the user ids, in the order listed (exit 0 asserted)."""
        result = self.run([*LIST, "--json"])
        assert result.exit_code == 0, result.stderr
        assert "Traceback" not in result.stderr
        return [record["id"] for record in json.loads(result.stdout)]

    def active_ids(self) -> set[str]:
        return {u.id for u in self.fake.users.values() if u.status == "active"}


@dataclass
class VirtualZoom(Kit):
    """The fake in process; the fake, the client and the app clock share one virtual clock."""

    fake: FakeZoom
    clock: VirtualClock

    def app_now(self) -> datetime:
        try:
            return self.clock.now()
        except RuntimeError:  # outside the event loop: virtual time has not started
            return DEFAULT_EPOCH

    def run(self, args: Sequence[str]) -> Result:
        context = AppContext(
            zoom_transport=self.fake.transport(),
            run_async=run_virtual,
            monotonic=self.clock.monotonic,
            sleep=self.clock.sleep,
            now=self.app_now,
        )
        return CliRunner().invoke(app, list(args), obj=context)


@dataclass
class LoopbackZoom(Kit):
    """The fake on a loopback HTTP server; the CLI runs in process with its real transport."""

    fake: FakeZoom
    server: FakeZoomServer

    def run(self, args: Sequence[str]) -> Result:
        return run(args, zoom_transport=None)


def _pool_environment(monkeypatch: pytest.MonkeyPatch, fake: FakeZoom) -> None:
    for name, value in fake.credentials().items():
        monkeypatch.setenv(f"USKED_ZOOM__{name.upper()}", str(value))
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    monkeypatch.setenv("USKED_ZOOM__RATE_SHARE", "1.0")


@pytest.fixture
def virtual_zoom(monkeypatch: pytest.MonkeyPatch) -> Callable[..., VirtualZoom]:
    """A factory: `virtual_zoom(users=100, **FakeZoom options)`; the tool runs at Pro limits."""

    def make(users: int = 0, **options: Any) -> VirtualZoom:
        clock = VirtualClock()
        fake = FakeZoom(clock=clock.monotonic, now=clock.now, client_secret=SECRET, **options)
        add_hosts(fake, users)
        _pool_environment(monkeypatch, fake)
        return VirtualZoom(fake, clock)

    return make


@pytest.fixture
def loopback_zoom(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., LoopbackZoom]]:
    """A factory: `loopback_zoom(users=60, latency=0.003, **FakeZoom options)`, served until the
    test ends. The tool runs at 120 light / 120 medium requests a second (rate_share 1.0) and the
    fake allows far more unless told otherwise."""
    with contextlib.ExitStack() as stack:

        def make(users: int = 0, *, latency: float = 0.003, **options: Any) -> LoopbackZoom:
            options.setdefault("rate_limits", HIGH_LIMITS)
            fake = FakeZoom(client_secret=SECRET, **options)
            add_hosts(fake, users)
            server = stack.enter_context(serve(fake, latency=latency))
            _pool_environment(monkeypatch, fake)
            monkeypatch.setenv("USKED_ZOOM__API_URL", server.api_url)
            monkeypatch.setenv("USKED_ZOOM__OAUTH_URL", server.oauth_url)
            monkeypatch.setenv("USKED_ZOOM__RATE_LIMITS__LIGHT", "120")
            monkeypatch.setenv("USKED_ZOOM__RATE_LIMITS__MEDIUM", "120")
            monkeypatch.setenv("USKED_ZOOM__RATE_LIMITS__HEAVY", "60")
            return LoopbackZoom(fake, server)

        yield make
