"""`usked zoom check`: can this app do what the tool needs? (token, one page of users, scopes)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from usked_cli.zoom.client import (
    GET_MEETING,
    LIST_MEETINGS,
    LIST_USERS,
    UPDATE_USER,
    Endpoint,
    ZoomClient,
)
from usked_cli.zoom.errors import ZoomError


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    endpoint: Endpoint
    used_by: str


CAPABILITIES = (
    Capability("list users", LIST_USERS, "zoom check, admin zoom-users, admin conflicts"),
    Capability("rename users", UPDATE_USER, "admin zoom-users rename / undo"),
    Capability("read meetings", GET_MEETING, "host-link"),
    Capability("list a user's meetings", LIST_MEETINGS, "host-link guard, conflicts, free"),
)


def has_scope(granted: Iterable[str], alternatives: Iterable[str]) -> bool:
    """Any alternative granted? A classic `x:write:admin` scope includes `x:read:admin`."""
    granted = set(granted)
    for scope in alternatives:
        if scope in granted:
            return True
        if scope.endswith(":read:admin") and scope.replace(":read:", ":write:") in granted:
            return True
    return False


async def check_zoom(zoom: ZoomClient, *, account_id: str, api_url: str) -> dict[str, Any]:
    """The report `zoom check` prints: one object; `usable` says whether every check passed."""
    report: dict[str, Any] = {
        "usable": False,
        "account_id": account_id,
        "api_url": api_url,
        "token_api_url": None,
        "token": "failed",
        "users": None,
        "scopes": [],
        "capabilities": [],
        "problems": [],
        "hint": None,
    }
    try:
        info = await zoom.token_info()
    except ZoomError as exc:
        report["problems"].append(exc.message)
        report["hint"] = exc.hint
        return report
    report["token"] = "ok"
    report["token_api_url"] = info.api_url or None
    report["scopes"] = sorted(info.scopes)
    for capability in CAPABILITIES:
        granted = has_scope(info.scopes, capability.endpoint.scopes)
        report["capabilities"].append(
            {
                "name": capability.name,
                "granted": granted,
                "scopes": list(capability.endpoint.scopes),
                "used_by": capability.used_by,
            }
        )
        if not granted:
            report["problems"].append(
                f"missing scope for {capability.name}: add "
                f"{' or '.join(capability.endpoint.scopes)} to the app in the Zoom Marketplace"
            )
    try:
        page = await zoom.users_page(page_size=30)
    except ZoomError as exc:
        report["problems"].append(exc.message)
        report["hint"] = exc.hint
    else:
        report["users"] = page.total_records if page.total_records is not None else len(page.users)
    report["usable"] = not report["problems"]
    return report
