"""Progress bars on stderr for long commands: on a terminal only, and only once work takes a while.

`progress(out, "…", total=n)` returns a bar that stays invisible until half a second of work has
gone by (so a quick command prints nothing extra), then shows a Rich progress bar with counts and an
ETA (and, when asked, the rate) on stderr; it is transient: it leaves nothing behind when closed.
When stderr is not a terminal (a pipe, a log, a test runner), it is a no-op; `USKED_FORCE_TTY=1`
forces it on, as it forces tables.

The clock is injected: the half-second and the ETA are read from it, never from the wall clock,
so tests drive the bar on virtual time. The bar redraws when it is told of progress (at most ten
times a second of that clock), never from a thread of its own. Rich is imported only when a bar
is actually shown: the listing path never loads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from usked_cli.safe import visible

if TYPE_CHECKING:
    from usked_cli.render import Output

DELAY_SECONDS = 0.5  # no bar for work shorter than this
REFRESH_SECONDS = 0.1  # redraw at most this often (the clock's seconds)
ECHO_ROOM = 3  # columns left free after the bar


class Progress:
    """The no-op bar (not on a terminal); `Bar` draws. Use as a context manager."""

    def advance(self, n: int = 1) -> None:
        """`n` more items done."""

    def update(
        self, *, completed: int | None = None, total: int | None = None, description: str = ""
    ) -> None:
        """Set how many are done, how many there are (None: unchanged), or what it says."""

    def phase(self, description: str, *, total: int | None = None) -> None:
        """Start over on something else: nothing done yet, a new total, its own rate and ETA."""

    def pages(self) -> Callable[[int, int | None], None]:
        """An `on_page(items so far, total)` callback for a paged Zoom listing."""

        def on_page(count: int, total: int | None) -> None:
            self.update(completed=count, total=total)

        return on_page

    def close(self) -> None:
        """Take the bar off the screen (transient)."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Bar(Progress):
    """A Rich progress bar on stderr, shown once `delay` seconds of `clock` have gone by."""

    def __init__(
        self,
        out: Output,
        description: str,
        *,
        total: int | None,
        completed: int = 0,
        clock: Callable[[], float],
        rate: bool = False,
        delay: float = DELAY_SECONDS,
    ) -> None:
        self._out = out
        self._description = visible(description)
        self._total = total
        self._completed = completed
        self._clock = clock
        self._rate = rate
        self._delay = delay
        self._started = clock()
        self._now = self._started  # what Rich reads as the time: the clock at the last event
        self._last_drawn = float("-inf")
        self._rich: Any = None  # rich.progress.Progress, once shown
        self._task: Any = None
        self._closed = False
        self._new_phase = False

    @property
    def shown(self) -> bool:
        return self._rich is not None

    def advance(self, n: int = 1) -> None:
        self._completed += n
        self._tick()

    def update(
        self, *, completed: int | None = None, total: int | None = None, description: str = ""
    ) -> None:
        if completed is not None:
            self._completed = completed
        if total is not None:
            self._total = total
        if description:
            self._description = visible(description)
        self._tick()

    def phase(self, description: str, *, total: int | None = None) -> None:
        self._description = visible(description)
        self._total = total
        self._completed = 0
        self._new_phase = True  # Rich forgets the old phase's samples (its rate and ETA)
        self._tick()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._rich is not None:
            self._now = self._clock()
            self._update()
            self._rich.refresh()
            self._rich.stop()

    def _tick(self) -> None:
        if self._closed:
            return
        self._now = self._clock()
        if self._rich is None:
            if self._now - self._started < self._delay:
                return
            self._show()
        self._update()
        if self._now - self._last_drawn >= REFRESH_SECONDS:
            self._last_drawn = self._now
            self._rich.refresh()

    def _update(self) -> None:
        if self._new_phase:
            self._new_phase = False
            self._rich.reset(
                self._task,
                description=self._description,
                total=self._total,
                completed=self._completed,
            )
            return
        self._rich.update(
            self._task,
            description=self._description,
            total=self._total,
            completed=self._completed,
        )

    def _show(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        columns: list[Any] = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
        ]
        if self._rate:
            columns.append(_rate_column())
        console = self._out.console(stderr=True)
        # Room at the end of the line for the terminal's "^C" echo: a bar the full width would
        # push the echo onto the next line, and the bar, erased one line too low, would stay.
        console.width = max(20, console.width - ECHO_ROOM)
        self._rich = RichProgress(
            *columns,
            console=console,
            transient=True,
            auto_refresh=False,  # no thread: redrawn on events, on the injected clock
            redirect_stdout=False,  # stdout is data
            redirect_stderr=True,  # notes print above the bar
            get_time=lambda: self._now,
        )
        self._rich.start()
        self._task = self._rich.add_task(
            self._description, total=self._total, completed=self._completed
        )


def _rate_column() -> Any:
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items a second, from Rich's recent samples."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f}/s")

    return RateColumn()


def progress(
    out: Output,
    description: str,
    *,
    total: int | None = None,
    completed: int = 0,
    clock: Callable[[], float] | None = None,
    rate: bool = False,
    delay: float = DELAY_SECONDS,
) -> Progress:
    """A bar on stderr when it is a terminal (or USKED_FORCE_TTY=1), else a no-op.

    Create and close it where `clock` can be read (under a virtual-time loop in tests: inside
    the coroutine).
    """
    if not out.stderr_is_tty:
        return Progress()
    return Bar(
        out,
        description,
        total=total,
        completed=completed,
        clock=clock or time.monotonic,
        rate=rate,
        delay=delay,
    )
