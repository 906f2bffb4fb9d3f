"""`usked admin zoom-users list|free`: the Zoom users of the account, and the pool of host users."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from usked_cli.cli.context import app_context
from usked_cli.cli.groups import HelpGroup
from usked_cli.cli.options import CsvOpt, JsonOpt, MatchOpt, duration_minutes, one_format
from usked_cli.render import Column

app = typer.Typer(
    cls=HelpGroup,
    help="Zoom host users: list, find free ones, rename generically.",
    epilog="Example: `usked admin zoom-users rename --dry-run`",
    no_args_is_help=True,
)
# rename, undo, history and audit (generic host names) live in host_names.py.

_USER_COLUMNS = [
    Column("email", "Email", style="bold", kind="email"),
    Column("display_name", "Display name"),
    Column("first_name", "First name"),
    Column("last_name", "Last name"),
    Column("type", "Type", tty=lambda v, _r: _user_type(v), plain=lambda v, _r: _user_type(v)),
    Column("id", "User ID", style="dim", kind="id", optional=True),
]


def _user_type(value: Any) -> str:
    return {1: "basic", 2: "licensed"}.get(value, str(value))


@app.command("list")
@app.command("ls", hidden=True)
def list_cmd(
    ctx: typer.Context,
    match: MatchOpt = None,
    pool: Annotated[
        bool, typer.Option("--pool", help="Only the host users of the pool (zoom.host_users).")
    ] = False,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    """List active Zoom users: id, email, names, type (1 basic, 2 licensed).

    Piped output: email, display_name, first_name, last_name, type, id (tab-separated).

    Examples:

    ```
    usked admin zoom-users list --pool
    usked admin zoom-users list --match '*@interpreters.acme.org' --csv > users.csv
    ```
    """
    from usked_cli.zoom.pool import fetch_users, user_record

    context = app_context(ctx)
    one_format(json_output, csv_output)
    globs = context.pool_globs(match, pool=pool)

    async def main() -> list[dict[str, Any]]:
        from usked_cli.progress import progress

        async with context.zoom_client() as zoom:
            with progress(context.out, "reading Zoom users", clock=context.monotonic) as bar:
                users = await fetch_users(zoom, globs=globs, on_page=bar.pages())
        return [user_record(user) for user in users]

    records = context.run(main())
    out = context.out
    if json_output:
        out.json(records)
    elif csv_output:
        out.csv(
            [
                Column(key, key)
                for key in ("id", "email", "first_name", "last_name", "display_name", "type")
            ],
            records,
        )
    else:
        if not records:
            out.note("no active Zoom users match" if globs else "no active Zoom users")
        out.table(_USER_COLUMNS, records)


_FREE_HELP = """\
Find pool host users free for a new meeting: no meeting of theirs overlaps
[at - padding, at + duration + padding] (padding: `org.padding_minutes`).

WHEN: a day and a time (tomorrow 15:30, mon 9:00, today 14h, 2026-12-01 09:30), now or +2h; a
day alone is refused. MINUTES: 90, 90m, 1h30m, 1.5h.

Examples:

```
usked admin zoom-users free --at 2026-12-01T09:30 --duration 90
usked admin zoom-users free --at +1h --duration 60 --json | jq -r '.[0].email'
```
"""

_FREE_COLUMNS = [
    Column("email", "Email", style="bold", kind="email"),
    Column("name", "Name"),
    Column("id", "User ID", style="dim", kind="id", optional=True),
]


@app.command("free", help=_FREE_HELP)
def free_cmd(
    ctx: typer.Context,
    at: Annotated[str, typer.Option("--at", help="When the new meeting starts.", metavar="WHEN")],
    duration: Annotated[
        str, typer.Option("--duration", help="How long it lasts.", metavar="MINUTES")
    ],
    match: MatchOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from datetime import timedelta

    from usked_cli.cli.pool import read_pool
    from usked_cli.errors import InputError
    from usked_cli.rules.when import is_day_only, parse_when
    from usked_cli.schedules import free_records

    context = app_context(ctx)
    settings = context.settings()
    tz = settings.zone
    if is_day_only(at):
        raise InputError(
            f"--at {at.strip()!r} names a day, not a time (its midnight is rarely meant)",
            hint=f"give the time too: --at '{at.strip()} 09:30'",
        )
    try:
        start = parse_when(at, now=context.now().astimezone(tz), tz=tz, need_time=True)
    except ValueError as exc:
        raise InputError(f"--at {at!r}: {exc}") from None
    minutes = duration_minutes(duration)
    globs = context.pool_globs(match, pool=True)
    padding = settings.org.padding_minutes
    window_start = start - timedelta(minutes=padding)
    window_end = start + timedelta(minutes=minutes + padding)

    async def main() -> tuple[list[dict[str, str]], dict[str, Any], list[str]]:
        # A basic (unlicensed) user's meetings end after 40 minutes: never a host to offer.
        users, schedules = await read_pool(
            context,
            globs,
            window_start,
            window_end,
            hosts=lambda users: [u for u in users if u.licensed],
        )
        basic = [u.email for u in users if not u.licensed]
        free, blocked = free_records(
            schedules, at=start, duration_minutes=minutes, padding_minutes=padding
        )
        return free, blocked, basic

    free, blocked, basic = context.run(main())
    out = context.out
    if basic:
        out.note(
            f"left out {len(basic)} unlicensed (basic) users: {', '.join(basic)} "
            "(Zoom ends their meetings after 40 minutes)"
        )
    if json_output:
        out.json(free)
    else:
        out.table(_FREE_COLUMNS, free)
    for email, meetings in blocked.items():
        out.debug(f"{email} is busy: " + ", ".join(f'"{m.topic}"' for m in meetings))
    out.note(
        f"{len(free)} of {len(free) + len(blocked)} host users free "
        f"{start:%a %d %b %H:%M}-{start + timedelta(minutes=minutes):%H:%M %Z} "
        f"(padding {padding} min)"
    )
