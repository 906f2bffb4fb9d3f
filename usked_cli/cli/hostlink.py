"""`usked host-link REQUEST_ID`: the Zoom host link, once the lead-time window is open."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usked_cli.cli.assignments import RequestArg, occurrences_of
from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import IcsOpt, JsonOpt
from usked_cli.cli.waiting import Elapsed, countdown

if TYPE_CHECKING:
    from usked_cli.rules.window import HostLinkWindow

_HELP = """\
Print a request's Zoom host link (start link), once its lead-time window is open.

The window opens `org.host_link_lead_minutes` before the start of the request's next occurrence
that has not ended, and closes at its end. Before that, nothing is printed and the exit code is 4;
stderr says when it opens. The link is fetched fresh from Zoom on every call (it expires) and is
never written to disk, a cache or a log.

Before handing it out, Zoom is asked whether the meeting's host user is already running another
meeting: starting a second one offers to end the first, so during an overrun a host link could
end someone else's session. If the host user is at `zoom.max_concurrent_meetings` (or runs a
webinar), the link is refused (exit 4) unless `--force`. Scheduled meetings are seen on every
plan; instant and personal-room meetings and webinars only through Zoom's Dashboard (Business
plans and up, scopes dashboard_meetings:read:admin and dashboard_webinars:read:admin). When
those cannot be checked, a warning says so (and --json's `guard`); `zoom.guard = "strict"`
refuses instead. A /w/ link is a webinar: its start link comes from Zoom's webinar.

With --wait, everything that can fail early is checked before waiting: the request, the
Zoom credentials (a token) and the meeting (Zoom must know it; its host user is named). The link
itself is fetched only once the window opens, fresh, with the host-user check then.

Exit codes: 1 Zoom failed (wrong credentials, unreachable); 2 credentials missing; 3 no such
request, not a Zoom meeting, or a meeting Zoom does not know; 4 the window is not open, or the
host user is busy; 130 Ctrl-C while waiting.

Examples:

```
usked host-link 104233
usked host-link 104233 --wait --open
usked host-link 104233 --ics ~/Downloads/maria.ics
usked host-link 104233 --json | jq -r .window_opens
```
"""


def register(root: typer.Typer) -> None:
    root.command("host-link", help=_HELP)(host_link_cmd)


def host_link_cmd(
    ctx: typer.Context,
    request_id: RequestArg,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Wait for the window to open (up to 24 h), with a countdown."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Hand out the link even if the host user is in a meeting."),
    ] = False,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the link in the browser instead of printing it.")
    ] = False,
    ics: IcsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from usked_cli.errors import InputError, PolicyRefusal
    from usked_cli.hostlink import (
        MAX_WAIT_HOURS,
        check_meeting,
        fetch_host_link,
        is_webinar_link,
        not_open_message,
        window_for,
        zoom_meeting_id,
    )

    context = app_context(ctx)
    if open_browser and json_output:
        raise InputError("--open and --json are alternatives: the link goes to one place")
    occurrences = occurrences_of(context, request_id, ics)
    assignment, meeting_id = zoom_meeting_id(occurrences)
    webinar = is_webinar_link(assignment.invite_link)
    what = "webinar" if webinar else "meeting"
    settings = context.settings()
    tz = settings.zone
    lead = settings.org.host_link_lead_minutes
    started_at = context.now()

    async def main() -> dict[str, Any]:
        clock = Elapsed(context, started_at)
        window = window_for(occurrences, now=started_at, lead_minutes=lead)
        if not window.is_open:
            message = not_open_message(window, now=started_at, tz=tz)
            if not wait:
                again = f"usked host-link {request_id} --wait"
                if ics:  # the same feed again
                    from usked_cli.feeds.fetch import source_in_hint

                    again += f" --ics {source_in_hint(ics)}"
                raise PolicyRefusal(message, hint=again)
            if window.wait > timedelta(hours=MAX_WAIT_HOURS):
                raise PolicyRefusal(
                    f"{message}: more than {MAX_WAIT_HOURS} h away; "
                    f"--wait waits up to {MAX_WAIT_HOURS} h"
                )
            # Fail now, not after hours of waiting: credentials, and a meeting Zoom knows.
            async with context.zoom_client() as zoom:
                checked = await check_meeting(
                    zoom,
                    meeting_id,
                    webinar=webinar,
                    strict=settings.zoom.guard == "strict" and not force,
                )
            context.out.note(
                f"{what} {checked.meeting_id} is on Zoom, hosted by "
                f"{checked.host_email or checked.host_id}; "
                "its host link is fetched when the window opens"
            )
            await _countdown(context, clock, window, tz)
            window = window_for(occurrences, now=clock.now(), lead_minutes=lead)
        async with context.zoom_client() as zoom:
            link = await fetch_host_link(
                zoom,
                meeting_id,
                max_concurrent=settings.zoom.max_concurrent_meetings,
                force=force,
                tz=tz,
                webinar=webinar,
                strict=settings.zoom.guard == "strict",
            )
        if link.guard.unchecked:
            context.out.warn(
                f"{link.guard.unchecked_message()}; the host link is handed out all the same "
                '(zoom.guard = "strict" refuses instead)'
            )
        for busy in link.busy_with:
            context.out.warn(
                f'--force: host user is running "{busy.topic}" ({busy.kind} {busy.id}); '
                f"starting this {what} may end it"
            )
        return {
            "request_id": assignment.request_id,
            "kind": what,
            "meeting_id": str(link.meeting.id),
            "guard": link.guard.as_json(),
            "host_user": {"id": link.meeting.host_id, "email": link.meeting.host_email},
            "start_url": link.meeting.start_url,
            "window_opens": window.opens.astimezone(tz).isoformat(),
            "window_closes": window.closes.astimezone(tz).isoformat(),
        }

    result = context.run(main())
    if not result["start_url"]:
        from usked_cli.errors import OperationalError

        raise OperationalError(f"Zoom gave no start link for meeting {result['meeting_id']}")
    if json_output:
        context.out.json(result)
    elif open_browser:
        _open(result["start_url"])
        context.out.note(f"opened the host link for request {result['request_id']} in the browser")
    else:
        context.out.line(result["start_url"])


async def _countdown(context: AppContext, clock: Elapsed, window: HostLinkWindow, tz: Any) -> None:
    """Sleep until the window opens, saying how long is left on stderr (live on a terminal)."""
    opens = window.opens.astimezone(tz)
    await countdown(
        context,
        clock,
        clock.now() + window.wait,
        lambda wait: f"waiting for the host link window: opens at {opens:%H:%M %Z}, in {wait}",
    )
    context.out.note("the host link window is open")


def _open(url: str) -> None:
    import webbrowser

    from usked_cli.errors import OperationalError

    if not webbrowser.open(url):
        raise OperationalError(
            "no browser could be opened", hint="run without --open to print the link instead"
        )
