"""Shell completion of the values people type most: request ids, users and config keys.

Typer runs these when the shell asks (`usked --install-completion` sets that up). Each reads
the local workspace or the settings model only, never the network, and fails silently: a broken
workspace must not print a traceback into someone's prompt.
"""

from __future__ import annotations

import typer

#: Completion offers at most this many request ids (the soonest first).
MAX_REQUEST_IDS = 200


def request_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Upcoming requests' ids, with their titles as the shell's description."""
    from usked_cli.cli.context import app_context

    try:
        context = app_context(ctx)
        now = int(context.now().timestamp())  # the app's clock, as every command reads it
        requests = context.workspace().upcoming_requests(now, limit=MAX_REQUEST_IDS)
    except Exception:  # completion must never break a prompt
        return []
    wanted = incomplete.lstrip("#")
    return [(rid, title) for rid, title in requests if rid.startswith(wanted)]


def request_ids_or_next(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    choices = [("next", "the next Zoom assignment")] if "next".startswith(incomplete) else []
    return choices + request_ids(ctx, incomplete)


def users(ctx: typer.Context, incomplete: str) -> list[str]:
    """Users with a synced feed."""
    from usked_cli.cli.context import app_context

    try:
        states = app_context(ctx).workspace().feed_states()
    except Exception:
        return []
    return [state.user for state in states if state.user.startswith(incomplete)]


def config_keys(ctx: typer.Context, incomplete: str) -> list[str]:
    """Every dotted key `config set` takes; `feeds.USER` for the users with a synced feed."""
    try:
        from usked_cli.config.model import setting_keys

        # setting_keys() lists each zoom.rate_limits.* key, and feeds.<user> as a placeholder.
        keys = {key for key in setting_keys() if key != "feeds.<user>"}
    except Exception:
        return []
    keys.update(f"feeds.{user}" for user in users(ctx, ""))
    return sorted(key for key in keys if key.startswith(incomplete))
