"""`usked admin zoom-users …`: the Zoom users of the account, and the pool of host users."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import CsvOpt, JsonOpt
from usked_cli.render import Column

app = typer.Typer(help="Zoom host users: list, find free ones, rename generically.", no_args_is_help=True)

MatchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--match",
        "-m",
        help="Email glob, e.g. 'host-*@acme.org' (repeatable; case-insensitive).",
        metavar="GLOB",
    ),
]

_USER_COLUMNS = [
    Column("email", "Email", style="bold"),
    Column("display_name", "Display name"),
    Column("first_name", "First name"),
    Column("last_name", "Last name"),
    Column("type", "Type", tty=lambda v, _r: _user_type(v), plain=lambda v, _r: _user_type(v)),
    Column("id", "User ID", style="dim"),
]


def _user_type(value: Any) -> str:
    return {1: "basic", 2: "licensed"}.get(value, str(value))


def pool_globs(context: AppContext, match: list[str] | None, *, pool: bool) -> list[str] | None:
    """--match globs, else the configured pool when asked for; None means every user."""
    from usked_cli.errors import ConfigError

    if match:
        return match
    if not pool:
        return None
    host_users = context.settings().zoom.host_users
    if not host_users:
        raise ConfigError(
            "no pool of host users: zoom.host_users is empty",
            hint="usked admin settings set host-users 'host-*@acme.org'  (or use --match GLOB)",
        )
    return host_users


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

      usked admin zoom-users list --pool

      usked admin zoom-users list --match '*@interpreters.acme.org' --csv > users.csv
    """
    from usked_cli.errors import InputError
    from usked_cli.zoom.pool import fetch_users, user_record

    context = app_context(ctx)
    if json_output and csv_output:
        raise InputError("--json and --csv are alternatives; choose one")
    globs = pool_globs(context, match, pool=pool)

    async def main() -> list[dict[str, Any]]:
        async with context.zoom_client() as zoom:
            return [user_record(user) for user in await fetch_users(zoom, globs=globs)]

    records = context.run(main())
    out = context.out
    if json_output:
        out.json(records)
    elif csv_output:
        out.csv([Column(key, key) for key in ("id", "email", "first_name", "last_name", "display_name", "type")], records)
    else:
        if not records:
            out.note("no active Zoom users match" if globs else "no active Zoom users")
        out.table(_USER_COLUMNS, records)
