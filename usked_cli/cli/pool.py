"""The one fetch behind `admin conflicts`, `admin schedule` and `zoom-users free`: the pool's
users, then each one's meetings and webinars, with a progress bar on stderr on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from usked_cli.cli.context import AppContext
    from usked_cli.schedules import HostSchedule
    from usked_cli.zoom.models import ZoomUser


async def read_pool(
    context: AppContext,
    globs: list[str] | None,
    start: datetime,
    end: datetime,
    *,
    hosts: Callable[[list[ZoomUser]], list[ZoomUser]] | None = None,
    listing: str = "upcoming",
) -> tuple[list[ZoomUser], list[HostSchedule]]:
    """Active users matching `globs`, and the schedules over [start, end) of those `hosts`
    keeps (all of them by default). The bar appears once the work takes half a second."""
    from usked_cli.progress import progress
    from usked_cli.schedules import fetch_schedules
    from usked_cli.zoom.pool import fetch_users

    async with context.zoom_client() as zoom:
        with progress(context.out, "reading Zoom users", clock=context.monotonic) as bar:
            users = await fetch_users(zoom, globs=globs, on_page=bar.pages())
            chosen = users if hosts is None else hosts(users)
            bar.phase("reading host users' meetings", total=len(chosen))
            schedules = await fetch_schedules(
                zoom,
                chosen,
                start,
                end,
                on_done=lambda _user: bar.advance(),
                warn=context.out.warn,
                listing=listing,
            )
    return users, schedules
