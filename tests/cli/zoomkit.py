"""A fake Zoom behind the CLI: credentials in the environment, virtual time, a frozen app clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from typer.testing import Result

from tests.cli.helpers import run
from tests.fakes.zoom import FakeZoom, VirtualClock, run_virtual

SECRET = "cli-test-client-secret-0123456789"


@dataclass
class ZoomKit:
    fake: FakeZoom
    clock: VirtualClock
    now: datetime

    def run(self, args: Sequence[str], *, now: datetime | None = None, **obj: Any) -> Result:
        """`usked ARGS` against the fake, on virtual time, with the app's clock at `now`."""
        options: dict[str, Any] = {
            "zoom_transport": self.fake.transport(),
            "run_async": run_virtual,
            "monotonic": self.clock.monotonic,
            "sleep": self.clock.sleep,
            **obj,
        }
        return run(args, now=now or self.now, **options)
