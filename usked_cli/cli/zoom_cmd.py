"""`usked zoom check`: is the Server-to-Server OAuth app set up for what this tool does?"""

from __future__ import annotations

from typing import Any

import typer

from usked_cli.cli.context import app_context
from usked_cli.cli.groups import HelpGroup
from usked_cli.cli.options import JsonOpt

app = typer.Typer(
    cls=HelpGroup,
    help="Check the Zoom connection (Server-to-Server OAuth app).",
    epilog="Example: `usked zoom check`",
    no_args_is_help=True,
)


_CHECK_HELP = """\
Check the Zoom app: a token, one page of users, and every capability each command needs.

Each capability is read from the scopes the token holds (classic or granular names); where the
names cannot tell, one cheap real call decides (the Dashboard, which also depends on the plan).
Capabilities: list users, get a user, update a user (pool renames and undo; needed when
zoom.host_users names a pool), get a meeting, list a user's meetings (host links: always
needed), get a webinar (/w/ requests, webinars in conflicts), live meetings through the
Dashboard (the host-link guard's instant and personal-room meetings and webinars; needed when
zoom.guard is strict).

Exit 0 when everything the configuration needs works (what it can do without is listed as a
warning), 1 otherwise (each problem named, with the commands it affects). Missing credentials
are exit 2 and name the settings to set.

Examples:

```
usked zoom check
usked zoom check --json | jq '.capabilities[] | select(.granted | not)'
```
"""


@app.command("check", help=_CHECK_HELP)
def check_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    from usked_cli.errors import EXIT_FAILURE
    from usked_cli.render import Column
    from usked_cli.zoom.check import check_zoom

    context = app_context(ctx)
    settings = context.settings()

    async def main() -> dict[str, Any]:
        async with context.zoom_client(quiet_retries=True) as zoom:
            return await check_zoom(
                zoom,
                account_id=settings.zoom.account_id,
                api_url=settings.zoom.api_url,
                pool=bool(settings.zoom.host_users),
                strict_guard=settings.zoom.guard == "strict",
            )

    report = context.run(main())
    out = context.out
    if json_output:
        out.json(report)
    else:
        out.line(f"account:\t{report['account_id']}")
        out.line(f"api:\t{report['api_url']}")
        if report["token_api_url"]:
            out.line(f"token api_url:\t{report['token_api_url']}")
        out.line(f"token:\t{report['token']}")
        users = report["users"]
        out.line(f"users:\t{'failed' if users is None else f'ok ({users} active)'}")
        if report["capabilities"]:
            if out.is_tty:
                out.line("")
            rows = [
                {
                    "name": c["name"],
                    "state": c["state"] + ("" if c["required"] else " (optional)")
                    if not c["granted"]
                    else "granted",
                    "commands": c["commands"],
                }
                for c in report["capabilities"]
            ]
            columns = [
                Column("name", "Capability", kind="id"),
                Column("state", "State", kind="id"),
                Column("commands", "Commands affected"),
            ]
            out.table(columns, rows)
        for problem in report["problems"]:
            out.error(problem)
        for warning in report["warnings"]:
            out.warn(warning)
        if report["hint"]:
            out.note(f"hint: {report['hint']}")
        out.note("Zoom is usable" if report["usable"] else "Zoom is not usable yet")
    if not report["usable"]:
        raise typer.Exit(EXIT_FAILURE)
