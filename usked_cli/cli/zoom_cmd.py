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


@app.command("check")
def check_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """Get a token and one page of users; report the account, the API base and the scopes.

    Exit 0 when the app can do everything this tool needs, 1 otherwise (each problem is listed).
    Missing credentials are exit 2 and name the settings to set.

    Examples:

    ```
    usked zoom check
    usked zoom check --json | jq .capabilities
    ```
    """
    from usked_cli.errors import EXIT_FAILURE
    from usked_cli.zoom.check import check_zoom

    context = app_context(ctx)
    settings = context.settings()

    async def main() -> dict[str, Any]:
        async with context.zoom_client(quiet_retries=True) as zoom:
            return await check_zoom(
                zoom, account_id=settings.zoom.account_id, api_url=settings.zoom.api_url
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
        for capability in report["capabilities"]:
            state = (
                "ok" if capability["granted"] else "MISSING " + " or ".join(capability["scopes"])
            )
            out.line(f"scope {capability['name']}:\t{state}")
        for problem in report["problems"]:
            out.error(problem)
        if report["hint"]:
            out.note(f"hint: {report['hint']}")
        out.note("Zoom is usable" if report["usable"] else "Zoom is not usable yet")
    if not report["usable"]:
        raise typer.Exit(EXIT_FAILURE)
