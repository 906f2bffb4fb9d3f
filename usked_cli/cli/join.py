"""`usked join REQUEST_ID|next`: open a meeting's invite link in the browser (and print it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from usked_cli.cli import completion
from usked_cli.cli.assignments import occurrences_of
from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.day import NEXT_WINDOW, AllOpt, UsersOpt, next_assignment, whose
from usked_cli.cli.options import IcsOpt, YesOpt

if TYPE_CHECKING:
    from usked_cli.models import Assignment

#: Opening a meeting further ahead than this asks first (on a terminal).
EARLY_JOIN = timedelta(minutes=15)

_HELP = f"""\
Open a request's Zoom invite link in the browser, and print it.

REQUEST_ID joins that request's next occurrence (a running one counts; --user: of that user's
schedule). `next` joins the next Zoom assignment that has not ended, within {NEXT_WINDOW.days}
days, of --user's users, else of everyone with --all, else of the user the `me` setting names,
else of every synced user. Personal-room links (/my/NAME) count as links. The browser is
Python's `webbrowser`, which honours $BROWSER. With --print the link is only printed. Joining
more than {EARLY_JOIN.seconds // 60} minutes before the start asks first on a terminal (--yes
does not ask).

Exit codes: 1 no browser could be started (the link is printed all the same); 3 no such request,
it is not a Zoom meeting or has no link, or no Zoom assignment ahead (`next`).

Examples:

```
usked join 104233
usked join next
usked join next --user maria --print
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
    user: UsersOpt = None,
    every_user: AllOpt = False,
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the link only; do not open a browser.")
    ] = False,
    yes: YesOpt = False,
    ics: IcsOpt = None,
) -> None:
    context = app_context(ctx)
    now = context.now()
    if target.strip().lower() == "next":
        occurrence = next_assignment(
            context, whose(context, user, every_user, ics), ics, now, zoom_only=True
        )
    else:
        if every_user:
            from usked_cli.errors import InputError

            raise InputError("--all goes with `next`: a request id names one request already")
        occurrence = _request(context, target, user, ics, now)
    join_occurrence(context, occurrence, now, print_only=print_only, yes=yes)


def join_occurrence(
    context: AppContext, occurrence: Assignment, now: datetime, *, print_only: bool, yes: bool
) -> None:
    """Print the occurrence's invite link and open it in the browser (`--print`: only print);
    on a terminal, ask first when it starts more than EARLY_JOIN from now (`yes`: never)."""
    from usked_cli.errors import NotFoundError, OperationalError
    from usked_cli.rules.window import format_wait
    from usked_cli.safe import visible

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
        try:
            asked = typer.confirm(
                f"{title} starts in {format_wait(early)}; open it now?", default=True, err=True
            )
        except typer.Abort:  # Ctrl-C or Ctrl-D at the question: interrupted, not failed
            out.stderr.write("\n")
            raise KeyboardInterrupt from None
        if not asked:
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
