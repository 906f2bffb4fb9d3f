"""The org's host users: active Zoom users, selected by email globs (`zoom.host_users`, --match)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from usked_cli.rules.names import pool_matches
from usked_cli.zoom.models import ZoomUser

if TYPE_CHECKING:
    from usked_cli.zoom.client import ZoomClient  # imports httpx: only for type hints


async def fetch_users(
    zoom: ZoomClient,
    *,
    globs: Sequence[str] | None = None,
    on_page: Callable[[int, int | None], None] | None = None,
) -> list[ZoomUser]:
    """Active users by email; only those matching a glob when `globs` is given (any case).

    `on_page(users read so far, total_records)` follows the listing's pages (for progress).
    """
    users = [
        user
        async for user in zoom.iter_users("active", on_page=on_page)
        if globs is None or pool_matches(user.email, globs)
    ]
    users.sort(key=lambda user: user.email.casefold())
    return users


def user_record(user: ZoomUser) -> dict[str, Any]:
    """The JSON/CSV record of a Zoom user (`admin zoom-users list`)."""
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "type": user.type,
    }


def host_user_ref(user_id: str, email: str, name: str) -> dict[str, str]:
    """How a host user is named inside other records (conflicts, free slots)."""
    return {"id": user_id, "email": email, "name": name}
