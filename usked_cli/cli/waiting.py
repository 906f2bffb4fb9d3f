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
    """The app clock moved on by the time waited: the later of the app clock and the start plus
    the monotonic time since (tests freeze the app clock and fake the sleep; a machine that was
    suspended meanwhile finds its wall clock ahead of the monotonic one, which stops)."""

    def __init__(self, context: AppContext, start: datetime) -> None:
        import time

        self._now = context.now
        self._monotonic = context.monotonic or time.monotonic
        self._start = start
        self._start_mono = self._monotonic()

    def now(self) -> datetime:
        ticked = self._start + timedelta(seconds=self._monotonic() - self._start_mono)
        return max(ticked, self._now())


async def countdown(
    context: AppContext, clock: Elapsed, until: datetime, say: Callable[[str], str]
) -> None:
    """Sleep until the app clock reaches `until`, saying how long is left on stderr: a live line
    on a terminal (cut to its width), else a line a minute (every ten while over an hour).
    `say(wait)` words the line ("opens at 09:45, in 12 min"); what it quotes must be safe to show
    (usked_cli.safe.visible). The clock is read again at every step of at most a minute, so a
    suspended machine wakes to the right time."""
    import asyncio

    from usked_cli.render import terminal_width
    from usked_cli.rules.window import format_wait
    from usked_cli.safe import visible

    sleep = context.sleep or asyncio.sleep
    out = context.out
    live = out.stderr_is_tty
    # Room left at the end for the terminal's echo of ^C: a wrapped line is not cleared by \r.
    width = terminal_width() - 3 if live else 0
    said_at: datetime | None = None
    last_said = ""
    try:
        while (left := (until - clock.now()).total_seconds()) > 0:
            said = visible(say(format_wait(timedelta(seconds=left))))
            if live:
                if len(said) > width:  # a wrapped line would scroll at every redraw
                    said = said[: max(width - 1, 0)] + "…"
                out.stderr.write(f"\r{said}\x1b[K")
                out.stderr.flush()
                last_said = said
            else:
                now = clock.now()
                every = 60.0 if left <= 3600 else 600.0
                if said != last_said and (
                    said_at is None or (now - said_at).total_seconds() >= every - 0.5
                ):
                    out.note(said)
                    last_said, said_at = said, now
            await sleep(min(left, 1.0 if live else 60.0))
    finally:
        if live and last_said:
            out.stderr.write("\r\x1b[K")  # Ctrl-C too: what follows starts a clean line
