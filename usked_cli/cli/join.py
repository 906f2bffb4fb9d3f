"""`usked join REQUEST_ID|next`: open a meeting's invite link in the browser (and print it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from usked_cli.cli import completion
from usked_cli.cli.assignments import feed_assignments, occurrences_of
from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import IcsOpt, YesOpt

if TYPE_CHECKING:
    from usked_cli.models import Assignment

#: Opening a meeting further ahead than this asks first (on a terminal).
EARLY_JOIN = timedelta(minutes=15)
#: How far ahead `join next` looks for a Zoom assignment.
NEXT_WINDOW = timedelta(days=14)

_HELP = f"""\
Open a request's Zoom invite link in the browser, and print it.

REQUEST_ID joins that request's next occurrence (a running one counts); `next` joins the next
Zoom assignment that has not ended, within {NEXT_WINDOW.days} days (of --user, else of every
synced user). The browser is Python's `webbrowser`, which honours $BROWSER. With --print the
link is only printed. Joining more than {EARLY_JOIN.seconds // 60} minutes before the start asks
first on a terminal (--yes does not ask).

Exit codes: 1 no browser could be started (the link is printed all the same); 3 no such request,
it is not a Zoom meeting or has no link, or no Zoom assignment ahead (`next`).

Examples:

```
usked join 104233
usked join next --user maria
usked join next --print
usked join 104233 --ics examples/sample-feed.ics --print
```
"""


def register(root: typer.Typer) -> None:
    root.command("join", help=_HELP)(join_cmd)


def join_cmd(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            help="A request id (104233), or `next` for the next Zoom assignment.",
            metavar="REQUEST_ID|next",
            autocompletion=completion.request_ids_or_next,
        ),
    ],
    user: Annotated[
        list[str] | None,
        typer.Option(
            "--user",
            "-u",
            help="Only this user's assignments (repeatable).",
            metavar="USER",
            autocompletion=completion.users,
        ),
    ] = None,
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the link only; do not open a browser.")
    ] = False,
    yes: YesOpt = False,
    ics: IcsOpt = None,
) -> None:
    from usked_cli.errors import NotFoundError, OperationalError
    from usked_cli.rules.window import format_wait
    from usked_cli.safe import visible

    context = app_context(ctx)
    now = context.now()
    if target.strip().lower() == "next":
        occurrence = _next_zoom(context, user, ics, now)
    else:
        occurrence = _request(context, target, user, ics, now)
    link = occurrence.invite_link
    if not link:
        where = f" (location: {visible(occurrence.location)})" if occurrence.location else ""
        raise NotFoundError(f"request {occurrence.request_id} is not a Zoom meeting{where}")
    out = context.out
    if occurrence.end <= now:
        out.warn(
            f"request {occurrence.request_id} has no occurrence ahead; its last ended "
            f"{format_wait(now - occurrence.end)} ago"
        )
    early = occurrence.start - now
    if not print_only and not yes and early > EARLY_JOIN and _interactive(context):
        title = visible(occurrence.title)
        if not typer.confirm(
            f"{title} starts in {format_wait(early)}; open it now?", default=True, err=True
        ):
            out.note("not opened")
            return
    out.line(link)
    if print_only:
        return
    import webbrowser

    if not webbrowser.open(link):
        raise OperationalError(
            "no web browser could be started (the link is printed above)",
            hint="set $BROWSER to your browser, or use --print and open the link yourself",
        )


def _interactive(context: AppContext) -> bool:
    import sys

    return context.out.is_tty and sys.stdin.isatty()


def _request(
    context: AppContext, target: str, users: list[str] | None, ics: str | None, now: datetime
) -> Assignment:
    from usked_cli.assignments import next_occurrence
    from usked_cli.errors import NotFoundError

    occurrences = occurrences_of(context, target, ics)
    if users:
        mine = [a for a in occurrences if a.user in users]
        if not mine:
            raise NotFoundError(
                f"request {occurrences[0].request_id} is not on the schedule of {', '.join(users)}"
            )
        occurrences = mine
    return next_occurrence(occurrences, now)


def _next_zoom(
    context: AppContext, users: list[str] | None, ics: str | None, now: datetime
) -> Assignment:
    from usked_cli.errors import InputError, NotFoundError

    end = now + NEXT_WINDOW
    if ics is not None:
        if users:
            raise InputError("--user and --ics are alternatives: --ics reads one feed")
        found = feed_assignments(context, ics, now, end)
    else:
        from usked_cli.assignments import assignments_between

        found = assignments_between(
            context.workspace(),
            now,
            end,
            users=users,
            zoom_only=True,
            default_tz=context.basics().timezone,
        )
    ahead = [a for a in found if a.zoom and a.invite_link and not a.all_day and a.end > now]
    if not ahead:
        from usked_cli.feeds.fetch import source_in_hint

        whose = f" for {', '.join(users)}" if users else ""
        if ics is None:
            hint = "`usked sync` refreshes the feeds; `usked assignments list --to +30d` looks on"
        else:
            hint = f"`usked assignments list --ics {source_in_hint(ics)} --to +30d` looks on"
        raise NotFoundError(
            f"no Zoom assignment ahead in the next {NEXT_WINDOW.days} days{whose}", hint=hint
        )
    return min(ahead, key=lambda a: (a.start, a.request_id))
