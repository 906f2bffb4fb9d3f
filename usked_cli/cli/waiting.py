"""Waiting for a moment with a countdown (`host-link --wait`, `next --wait`).

The wait runs on the app's clock seams: `AppContext.monotonic` and `AppContext.sleep` (an async
sleep), so tests freeze the app clock and fake the sleep, and nothing sleeps for real.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from usked_cli.cli.context import AppContext


class Elapsed:
    """The app clock moved on by the time waited (tests freeze the app clock and fake the sleep)."""

    def __init__(self, context: AppContext, start: datetime) -> None:
        import time

        self._monotonic = context.monotonic or time.monotonic
        self._start = start
        self._start_mono = self._monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._start_mono)

    def waited(self) -> float:
        return self._monotonic() - self._start_mono


async def countdown(
    context: AppContext, clock: Elapsed, until: datetime, say: Callable[[str], str]
) -> None:
    """Sleep until the app clock reaches `until`, saying how long is left on stderr: a live line
    on a terminal, else a line a minute (every ten while over an hour). `say(wait)` words the
    line ("opens at 09:45, in 12 min")."""
    import asyncio

    from usked_cli.rules.window import format_wait

    sleep = context.sleep or asyncio.sleep
    out = context.out
    live = out.stderr_is_tty
    deadline = clock.waited() + (until - clock.now()).total_seconds()
    last_said = ""
    try:
        while (left := deadline - clock.waited()) > 0:
            said = say(format_wait(timedelta(seconds=left)))
            if live:
                out.stderr.write(f"\r{said}\x1b[K")
                out.stderr.flush()
            elif said != last_said:
                out.note(said)
            last_said = said
            tick = 1.0 if live else (60.0 if left <= 3600 else 600.0)
            await sleep(min(left, tick))
    finally:
        if live and last_said:
            out.stderr.write("\r\x1b[K")  # Ctrl-C too: what follows starts a clean line
