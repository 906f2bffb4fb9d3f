"""`usked zoom check`: can this app do what each command needs? Token, one page of users, and
every capability by the scopes its token holds (classic or granular names), with one cheap real
call where the names cannot tell (the Dashboard's plan; a token that lists no scopes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from usked_cli.zoom.client import (
    GET_MEETING,
    GET_USER,
    GET_WEBINAR,
    LIST_MEETINGS,
    LIST_USERS,
    LIST_WEBINARS,
    LIVE_MEETINGS,
    LIVE_WEBINARS,
    UPDATE_USER,
    Endpoint,
    ZoomClient,
)
from usked_cli.zoom.errors import ZoomError, ZoomScopeError

# What part of the configuration needs a capability: "host links" always (the core of the
# tool); "pool" when zoom.host_users names a pool (renames, audits, conflicts); "guard" when
# zoom.guard is strict; "webinars" never strictly (a /w/ request fails on its own, and
# conflicts leave webinars out with a warning).
Need = Literal["host links", "pool", "guard", "webinars"]


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    endpoints: tuple[Endpoint, ...]  # every one is needed
    commands: str
    need: Need


CAPABILITIES = (
    Capability(
        "list users",
        (LIST_USERS,),
        "admin zoom-users list / rename / undo / audit / free, admin conflicts",
        "pool",
    ),
    Capability(
        "get a user", (GET_USER,), "admin zoom-users rename / undo (each change read back)", "pool"
    ),
    Capability("update a user", (UPDATE_USER,), "admin zoom-users rename / undo", "pool"),
    Capability(
        "get a meeting", (GET_MEETING,), "host-link; admin conflicts, free (series)", "host links"
    ),
    Capability(
        "list a user's meetings",
        (LIST_MEETINGS,),
        "host-link (live-meeting guard); admin conflicts, free",
        "host links",
    ),
    Capability(
        "get a webinar",
        (GET_WEBINAR, LIST_WEBINARS),
        "host-link of /w/ requests; webinars in admin conflicts, free",
        "webinars",
    ),
    Capability(
        "live meetings (Dashboard)",
        (LIVE_MEETINGS, LIVE_WEBINARS),
        "host-link guard: instant and personal-room meetings, webinars",
        "guard",
    ),
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


def scopes_to_add(endpoints: Iterable[Endpoint]) -> str:
    """`webinar:read:admin (or the granular webinar:read:webinar:admin and
    webinar:read:list_webinars:admin)`: the classic scopes once each, then the granular ones."""
    classic = list(dict.fromkeys(e.scopes[0] for e in endpoints))
    granular = list(dict.fromkeys(scope for e in endpoints for scope in e.scopes[1:]))
    text = " and ".join(classic)
    if granular:
        text += f" (or the granular {' and '.join(granular)})"
    return text


def required_needs(*, pool: bool, strict_guard: bool) -> set[Need]:
    """The needs the configuration makes hard requirements (exit 1 when unmet)."""
    needs: set[Need] = {"host links"}
    if pool:
        needs.add("pool")
    if strict_guard:
        needs.add("guard")
    return needs


async def check_zoom(
    zoom: ZoomClient,
    *,
    account_id: str,
    api_url: str,
    pool: bool = True,
    strict_guard: bool = False,
) -> dict[str, Any]:
    """The report `zoom check` prints: one object. `usable` is False when the token or the
    users page fails, or a capability the configuration needs is missing (`required`)."""
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
        "warnings": [],
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
    required = required_needs(pool=pool, strict_guard=strict_guard)
    for capability in CAPABILITIES:
        state, detail = await _state(zoom, capability, info.scopes)
        entry = {
            "name": capability.name,
            "granted": state == "granted",
            "state": state,
            "detail": detail,
            # Every scope name involved (classic and granular); `needs`: per call, any one of.
            "scopes": [scope for e in capability.endpoints for scope in e.scopes],
            "needs": [list(e.scopes) for e in capability.endpoints],
            "commands": capability.commands,
            "used_by": capability.commands,  # the name earlier versions gave it
            "required": capability.need in required,
        }
        report["capabilities"].append(entry)
        if state != "granted":
            line = f"{capability.name} {state}: {detail} (affects: {capability.commands})"
            report["problems" if entry["required"] else "warnings"].append(line)
    try:
        page = await zoom.users_page(page_size=30)
    except ZoomError as exc:
        report["problems"].append(exc.message)
        report["hint"] = report["hint"] or exc.hint
    else:
        report["users"] = page.total_records if page.total_records is not None else len(page.users)
    report["usable"] = not report["problems"]
    if report["problems"] and report["hint"] is None:
        report["hint"] = (
            "add the scopes to the Server-to-Server OAuth app (Zoom Marketplace, Scopes), "
            "activate it again, then run `usked zoom check`"
        )
    return report


async def _state(
    zoom: ZoomClient, capability: Capability, scopes: frozenset[str]
) -> tuple[str, str]:
    """("granted", "") or ("missing", which scopes to add) or ("unavailable", Zoom's reason)."""
    missing = [e for e in capability.endpoints if not has_scope(scopes, e.scopes)]
    if missing and scopes:
        return "missing", "add " + scopes_to_add(missing)
    if capability.need == "guard" or not scopes:
        # The names cannot tell: the Dashboard depends on the plan too, and a token that lists
        # no scopes says nothing. One cheap call each (page_size=1; never a write).
        return await _probe(zoom, capability)
    return "granted", ""


async def _probe(zoom: ZoomClient, capability: Capability) -> tuple[str, str]:
    probed = 0
    try:
        for endpoint in capability.endpoints:
            if endpoint is LIVE_MEETINGS:
                await zoom.live_sessions("meeting", page_size=1, first_page_only=True)
            elif endpoint is LIVE_WEBINARS:
                await zoom.live_sessions("webinar", page_size=1, first_page_only=True)
            elif endpoint is LIST_USERS:
                await zoom.users_page(page_size=1)
            else:
                continue  # no cheap, harmless call without an id
            probed += 1
    except ZoomScopeError as exc:
        return "missing", "add " + " or ".join(exc.scopes)
    except ZoomError as exc:
        if exc.status in (400, 403):
            return "unavailable", exc.zoom_message or exc.message
        raise
    if probed < len(capability.endpoints):
        return "unknown", "the token lists no scopes, and no harmless call can tell"
    return "granted", ""


# What a rename or an undo calls: the pool's listing, each PATCH, and a GET to read a change
# back when its answer was lost (or when a run cut off mid-request is resumed).
RENAME_ENDPOINTS = (LIST_USERS, UPDATE_USER, GET_USER)


async def require_scopes(zoom: ZoomClient, endpoints: Iterable[Endpoint], *, what: str) -> None:
    """Refuse before the first call when the token's scopes lack what `what` needs, rather than
    stop halfway through a bulk job. A token that lists no scopes is let through: its calls
    will tell."""
    info = await zoom.token_info()
    if not info.scopes:
        return
    missing = [e for e in endpoints if not has_scope(info.scopes, e.scopes)]
    if missing:
        raise ZoomScopeError(
            f"the Zoom app's token lacks scopes {what} needs: add {scopes_to_add(missing)}; "
            "nothing was changed",
            scopes=tuple(scope for e in missing for scope in e.scopes),
            hint="add the scopes to the Server-to-Server OAuth app (Zoom Marketplace, Scopes), "
            "activate it again, then run `usked zoom check`",
        )
