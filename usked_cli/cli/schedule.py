"""`usked admin schedule`: a day of the pool's host users as a picture (terminal, TSV, JSON,
HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from usked_cli.cli.context import app_context
from usked_cli.cli.options import JsonOpt, MatchOpt, duration_minutes

if TYPE_CHECKING:
    from usked_cli.schedules import HostSchedule

MAX_DAYS = 14
STDOUT_NAMES = ("-", "/dev/stdout")  # --html to stdout: the page alone
STDOUT_HINT = "--html - writes the page to stdout"

SCHEDULE_HELP = """\
Draw a day of the pool: one row per host user, each meeting and webinar a bar on an hour axis.

The hours drawn are 08:00-18:00 in the display timezone, widened to the hours that hold
meetings. Around each bar its padding (`org.padding_minutes`) is drawn in a lighter shade; a
bar that overlaps another or breaks the padding is red (the meetings `admin conflicts` reports);
stretches where a meeting of --duration fits with its padding are marked free (what
`zoom-users free` would answer). A bar is labelled with what fits inside it: the uSked request
id when a synced feed's invite link carries the meeting id, else the meeting id, else the topic.
Host users with nothing that day are listed on one line at the end (unlicensed ones, whose
meetings Zoom ends after 40 minutes, on a line of their own: never free).

Piped: one tab-separated line per meeting: host user, start, end, meeting id, request id, state
(ok, padding or overlap). --json: one object per day ({day, timezone, padding_minutes, hosts:
[{email, name, licensed, meetings, free}]}; a free stretch is where a meeting starting that
day fits, from midnight to a meeting's length past the next); with --days, an array of
them. --html FILE also writes the picture as one self-contained HTML file (printable in
landscape).

Examples:

```
usked admin schedule
usked admin schedule --day tomorrow --duration 90
usked admin schedule --day mon --days 5 --html week.html
usked admin schedule --json | jq '.hosts[] | select(.meetings == []) | .email'
```
"""


def schedule_cmd(
    ctx: typer.Context,
    day: Annotated[
        str,
        typer.Option(
            "--day", metavar="WHEN", help="Which day: today, tomorrow, mon, 2026-12-03, +2d."
        ),
    ] = "today",
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=1,
            max=MAX_DAYS,
            metavar="N",
            help=f"Draw N days from --day (1-{MAX_DAYS}); --json prints an array.",
        ),
    ] = None,
    duration: Annotated[
        str,
        typer.Option("--duration", metavar="MINUTES", help="The meeting a free stretch must hold."),
    ] = "60",
    match: MatchOpt = None,
    json_output: JsonOpt = False,
    html_option: Annotated[
        str | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write the picture to FILE as self-contained HTML ('-': stdout only).",
        ),
    ] = None,
) -> None:
    from datetime import timedelta

    from usked_cli.cli.pool import read_pool
    from usked_cli.errors import InputError
    from usked_cli.rules.when import parse_when
    from usked_cli.schedules import schedule_days, schedule_span

    context = app_context(ctx)
    settings = context.settings()
    tz = settings.zone
    now = context.now().astimezone(tz)
    try:
        first_day = parse_when(day, now=now, tz=tz).date()
    except ValueError as exc:
        raise InputError(f"--day {day!r}: {exc}") from None
    minutes = duration_minutes(duration)
    # The text as given: a Path would read "./-" (a file named -) as "-" (stdout).
    html_to_stdout = html_option in STDOUT_NAMES
    html_file = None if html_option is None or html_to_stdout else Path(html_option)
    if html_to_stdout and json_output:
        raise InputError("--html - and --json both want stdout: choose one")
    html_target = None if html_file is None else check_writable(html_file)  # before Zoom
    globs = context.pool_globs(match, pool=True)
    chosen_days = [first_day + timedelta(days=n) for n in range(days or 1)]
    padding = settings.org.padding_minutes
    start, end = schedule_span(chosen_days, tz, padding, minutes)
    # "upcoming" leaves out meetings that already ended today; "scheduled" keeps them.
    listing = "scheduled" if start < now else "upcoming"

    async def main() -> tuple[int, list[HostSchedule]]:
        users, schedules = await read_pool(context, globs, start, end, listing=listing)
        return len(users), schedules

    user_count, schedules = context.run(main())
    from usked_cli.assignments import listed_between

    # Through the horizon's re-expansion: a day past the synced horizon has its requests too.
    assignments = [
        (a.request_id, a.meeting_id, a.start, a.end)
        for a in listed_between(context.workspace(), start, end, zoom_only=True, default_tz=tz)
    ]
    pictures = schedule_days(
        schedules,
        chosen_days,
        tz=tz,
        padding_minutes=padding,
        duration_minutes=minutes,
        max_concurrent=settings.zoom.max_concurrent_meetings,
        assignments=assignments,
    )
    out = context.out
    if not user_count:
        out.note("no active Zoom user matches the pool")
    if html_to_stdout or html_file is not None:
        from usked_cli.drawing.html import render_html

        page = render_html(pictures, org_name=settings.org.name)
        if html_target is None:
            out.stdout.write(page)
            return
        write_html(str(html_file), html_target, page)
    if json_output:
        from usked_cli.schedules import day_record

        records = [day_record(picture) for picture in pictures]
        out.json(records if days is not None else records[0])
    elif out.is_tty:
        from usked_cli.drawing.text import draw_day
        from usked_cli.render import terminal_width

        console = out.console() if out.color else None
        width = terminal_width()
        for index, picture in enumerate(pictures):
            if index:
                out.line("")
            for line in draw_day(picture, width=width):
                if console is None:
                    out.line(line.plain)  # NO_COLOR: no styles at all, as every table
                else:
                    console.print(line, no_wrap=True, overflow="crop")
    else:
        from usked_cli.schedules import day_rows

        out.tsv_cells(day_rows(pictures))
        for picture in pictures:
            idle = [host.email for host in picture.idle_hosts]
            if idle:
                out.note(f"{picture.day:%a %d %b}: free all day: {', '.join(idle)}")
            basic = [host.email for host in picture.idle_basic_hosts]
            if basic:
                out.note(f"{picture.day:%a %d %b}: nothing on, unlicensed: {', '.join(basic)}")
    if html_file is not None:
        out.note(f"wrote {html_file}")


def check_writable(path: Path) -> Path:
    """The file --html FILE replaces (FILE, or where its symlink points), refused before any
    work when it cannot be written or is not a file to replace whole (usked_cli.files)."""
    import os

    from usked_cli.errors import InputError
    from usked_cli.files import UnwritableTarget, replacement_target

    try:
        target = replacement_target(path)
    except UnwritableTarget as exc:
        raise InputError(f"--html {path} {exc.reason}", hint=STDOUT_HINT) from None
    if not target.parent.is_dir():
        raise InputError(f"--html {path}: no folder {target.parent}")
    if not os.access(target.parent, os.W_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise InputError(f"--html {path}: not writable here")
    return target


def write_html(name: str, target: Path, page: str) -> None:
    """`page` into `target` (check_writable's); a failure is one line naming --html's FILE."""
    from usked_cli.errors import OperationalError
    from usked_cli.files import write_text_atomic

    try:
        write_text_atomic(target, page)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OperationalError(f"could not write {name}: {reason}") from None
