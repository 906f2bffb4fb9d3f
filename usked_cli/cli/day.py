"""`usked today` and `usked next`: the coordinator's day, from the workspace (or one feed).

Whose day: `--user` (repeatable), else everyone with `--all`, else the `me` setting, else every
synced user. The rules (states, "in 25 min", the day's span) are usked_cli.rules.day; this module
reads and renders. Like `assignments list`, these read the SQLite cache only: no network, no
pydantic-settings (the `me` setting comes with the settings snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from usked_cli.cli import completion
from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import CsvOpt, IcsOpt, JsonOpt, one_format

if TYPE_CHECKING:
    from usked_cli.models import Assignment, Shown
    from usked_cli.rules.day import DayState

T = TypeVar("T")

#: How far ahead `next` (and `join next`) look.
NEXT_WINDOW = timedelta(days=14)
#: The longest `next --wait` waits.
MAX_WAIT = timedelta(hours=24)
_MAX_WAIT_HOURS = int(MAX_WAIT.total_seconds() // 3600)

UsersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--user",
        "-u",
        help="This user's assignments (repeatable); default: the `me` setting, else everyone.",
        metavar="USER",
        autocompletion=completion.users,
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", help="Every synced user's assignments, whatever `me` says.")
]

_WHOSE = """\
Whose: --user USER (repeatable), else every synced user with --all, else the user the `me`
setting names (`usked config set me maria`, or $USKED_ME), else every synced user."""

_TODAY_HELP = f"""\
Today's assignments in the display timezone: ended ones dimmed, the running one marked `now`,
the next marked `next` with how long until it starts; a summary line under the table.

{_WHOSE} On a terminal, several users' days are grouped by user.

Reads the local cache filled by `usked sync` (no network). Piped: tab-separated lines as
`usked assignments list` prints them, in start order (start, end, user, request_id, zoom,
title, where, host_link_opens). --json: an array of `assignments list --json` records, each
with its `state` (ended, now, next, later, all-day); `[]` on a free day.

Examples:

```
usked today
usked today --user maria --user li
usked today --all --json | jq '.[] | select(.state == "next")'
```
"""

_NEXT_HELP = f"""\
The next assignment that has not ended (a running one counts, marked as running): its title,
request id, start (in the display timezone, and how long from now), where or the invite link,
the passcode, and when the host link opens. Looks {NEXT_WINDOW.days} days ahead; all-day entries
are never `next`.

{_WHOSE}

--wait sleeps until the next Zoom assignment that has not started (a running one is the one
you are in, or `usked join next` opens it) is `org.join_lead_minutes` (default 5) from its
start, with a countdown on a terminal, then opens its invite link as `usked join next` does
(--print: only print it). It waits up to {_MAX_WAIT_HOURS} h, and looks again on waking (a sync
meanwhile may have moved the meeting).

Piped: `field<TAB>value` lines. --json: one object (the `assignments list --json` record, with
`running` and `starts_in_seconds`: negative once started).

Exit codes: 3 nothing ahead in the next {NEXT_WINDOW.days} days (said on stderr; stdout empty);
4 --wait and the meeting more than {_MAX_WAIT_HOURS} h away; 130 Ctrl-C while waiting.

Examples:

```
usked next
usked next --zoom-only --json | jq -r .invite_link
usked next --wait
```
"""


def register_today(root: typer.Typer) -> None:
    root.command(
        "today",
        help=_TODAY_HELP,
        short_help="Today's assignments: which have ended, which runs now, which is next.",
    )(today_cmd)


def register_next(root: typer.Typer) -> None:
    root.command(
        "next",
        help=_NEXT_HELP,
        short_help="The next assignment, how soon it starts and how to join (--wait: join it).",
    )(next_cmd)


# --- reading -------------------------------------------------------------------------------------


def whose(
    context: AppContext, users: list[str] | None, every_user: bool, ics: str | None
) -> list[str] | None:
    """The users to show (None: everyone), from the flags and `me`; with --ics, the one feed."""
    from usked_cli.errors import InputError
    from usked_cli.rules.day import choose_users

    if users and every_user:
        raise InputError("--user and --all are alternatives")
    if ics is not None:
        if users:
            raise InputError("--user and --ics are alternatives: --ics reads one feed")
        return None
    return choose_users(users, every_user, context.basics().me)


def gather(
    context: AppContext,
    users: list[str] | None,
    ics: str | None,
    start: datetime,
    end: datetime,
    *,
    zoom_only: bool = False,
) -> list[Assignment]:
    """The assignments of `users` (None: everyone) in [start, end), by start: from the
    workspace, or from the one feed --ics names."""
    if ics is not None:
        return _from_feed(context, ics, start, end, zoom_only)
    from usked_cli.assignments import assignments_between

    return _from_workspace(context, users, start, end, zoom_only, assignments_between)


def _shown_between(
    context: AppContext,
    users: list[str] | None,
    ics: str | None,
    start: datetime,
    end: datetime,
    *,
    zoom_only: bool = False,
) -> Sequence[Shown]:
    """`gather`, as much as a listing shows of each (usked_cli.models.ListedAssignment)."""
    if ics is not None:
        return _from_feed(context, ics, start, end, zoom_only)
    from usked_cli.assignments import listed_between

    return _from_workspace(context, users, start, end, zoom_only, listed_between)


def _from_workspace(
    context: AppContext,
    users: list[str] | None,
    start: datetime,
    end: datetime,
    zoom_only: bool,
    query: Callable[..., T],
) -> T:
    """`query` (usked_cli.assignments' assignments_between or listed_between) over the
    workspace; a user without a synced feed named by the `me` setting is said so."""
    from usked_cli.errors import NotFoundError

    try:
        return query(
            context.workspace(),
            start,
            end,
            users=users,
            zoom_only=zoom_only,
            default_tz=context.basics().timezone,
        )
    except NotFoundError as exc:
        me = context.basics().me
        if me is not None and users == [me]:
            exc.message += " (the `me` setting)"
            exc.hint = (
                f"`usked feeds add {me} SOURCE` and `usked sync {me}` follow it; "
                "`usked config set me USER` names another user; --all shows everyone"
            )
        raise


def _from_feed(
    context: AppContext, ics: str, start: datetime, end: datetime, zoom_only: bool
) -> list[Assignment]:
    from usked_cli.cli.assignments import feed_assignments

    found = feed_assignments(context, ics, start, end)
    return [a for a in found if a.zoom or not zoom_only]


def _whole(context: AppContext, shown: Shown) -> Assignment:
    """The whole Assignment a listed one stands for (notes, passcode, dial-in numbers)."""
    from usked_cli.models import Assignment

    if isinstance(shown, Assignment):
        return shown
    # A one-second window at its start finds it (a zero-length one too).
    for a in context.workspace().assignments_between(
        shown.start, shown.start + timedelta(seconds=1), users=[shown.user]
    ):
        if (a.request_id, a.start, a.end) == (shown.request_id, shown.start, shown.end):
            return a
    from usked_cli.errors import OperationalError

    # Only if another sync replaced the row between the two reads.
    raise OperationalError("the workspace changed while it was read (a sync?); try again")


def _no_feeds_note(context: AppContext, ics: str | None) -> None:
    if ics is None and not context.workspace().feed_states():
        context.out.note("no synced feeds yet: `usked feeds add USER SOURCE`, then `usked sync`")


# --- today ---------------------------------------------------------------------------------------


def today_cmd(
    ctx: typer.Context,
    user: UsersOpt = None,
    every_user: AllOpt = False,
    ics: IcsOpt = None,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    from usked_cli.cli.assignments import render_assignments
    from usked_cli.rules.day import day_span, day_states

    context = app_context(ctx)
    one_format(json_output, csv_output)
    users = whose(context, user, every_user, ics)
    tz = context.basics().timezone
    now = context.now().astimezone(tz)
    start, end = day_span(now.date(), tz)
    found = gather(context, users, ics, start, end)
    states = day_states(found, now)
    out = context.out
    if not found:
        _no_feeds_note(context, ics)
        whom = f" for {', '.join(users)}" if users else ""
        out.note(f"no assignments today ({now:%a %d %b %Y}){whom}; `usked next` looks further")
    if json_output:
        out.json(_day_records(context, found, states))
    elif csv_output or not out.is_tty:
        render_assignments(context, found, as_json=False, as_csv=csv_output)
    elif found:
        _day_table(context, found, states, now)


def _day_records(
    context: AppContext, found: list[Assignment], states: list[DayState]
) -> list[dict[str, Any]]:
    from usked_cli.cli.assignments import assignment_record

    basics = context.basics()
    return [
        {**assignment_record(a, basics.timezone, basics.host_link_lead_minutes), "state": state}
        for a, state in zip(found, states, strict=True)
    ]


def _day_table(
    context: AppContext, found: list[Assignment], states: list[DayState], now: datetime
) -> None:
    from usked_cli.cli.assignments import short_title, where_shown
    from usked_cli.render import Column, zone_header
    from usked_cli.rules.day import DayState, day_summary, relative_start

    tz = context.basics().timezone
    several = len({a.user for a in found}) > 1
    pairs = list(zip(found, states, strict=True))
    if several:
        pairs.sort(key=lambda pair: pair[0].user)  # grouped by user; each day stays in order
    rows: list[dict[str, Any]] = []
    previous_user = None
    for a, state in pairs:
        if a.all_day:
            time = "all day"
        else:
            time = _day_range(a.start.astimezone(tz), a.end.astimezone(tz), now.date())
        if state is DayState.NEXT:
            marker = f"next, {relative_start(a.start, now)}"
        elif state is DayState.NOW:
            marker = f"now, ends in {_ends_in(a, now)}"
        elif state is DayState.ENDED:
            marker = "ended"
        else:
            marker = ""
        rows.append(
            {
                "user": a.user if several and a.user != previous_user else None,
                "time": time,
                "state": marker,
                "zoom_marker": "Zoom" if a.zoom else "",
                "request_id": a.request_id,
                "short_title": short_title(a.title, a.request_id),
                "where": where_shown(a),
            }
        )
        previous_user = a.user
    timed = [a.start for a in found if not a.all_day]
    columns = [
        Column("time", zone_header("Time", timed, tz), kind="id"),
        # Text: on a narrow terminal "next, in 25 min" wraps rather than widen the table.
        Column("state", "", style="bold", min_width=5),
        Column("zoom_marker", "", style="bold blue", kind="id"),
        Column("request_id", "Request", style="cyan", kind="id"),
        Column("short_title", "Title", min_width=12),
        Column("where", "Where (invite link or location)", kind="link", min_width=16),
    ]
    whose_day = "" if several else f" ({found[0].user})"
    out = context.out
    out.table(
        columns,
        rows,
        title=f"Today, {now:%a %d %b %Y}{whose_day}",
        group_key="user" if several else None,
        row_styles=["dim" if state is DayState.ENDED else None for _, state in pairs],
    )
    out.line("")
    out.line(day_summary(found, states, now))


def _ends_in(a: Assignment, now: datetime) -> str:
    from datetime import UTC

    from usked_cli.rules.day import until

    # In UTC: two times of one zone subtract as wall times (an hour off across a clock change).
    return until(a.end.astimezone(UTC) - now.astimezone(UTC))


def _day_range(start: datetime, end: datetime, day: date) -> str:
    """`09:00-10:00`; an end or start on another day says which: `23:30-Fri 00:30`,
    `Wed 23:42-00:12`; each zone named when the clocks change in between."""
    from usked_cli.cli.assignments import clock_range

    if start.date() == day and end.date() == day:
        return clock_range(start, end)
    shift = start.utcoffset() != end.utcoffset()

    def one(moment: datetime) -> str:
        text = f"{moment:%H:%M}" + (f" {moment:%Z}" if shift else "")
        return text if moment.date() == day else f"{moment:%a} {text}"

    return f"{one(start)}-{one(end)}"


# --- next ----------------------------------------------------------------------------------------


def next_cmd(
    ctx: typer.Context,
    user: UsersOpt = None,
    every_user: AllOpt = False,
    zoom_only: Annotated[bool, typer.Option("--zoom-only", help="Only Zoom meetings.")] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="Wait for the next Zoom assignment (until its start minus "
            "org.join_lead_minutes), then open its invite link.",
        ),
    ] = False,
    print_only: Annotated[
        bool, typer.Option("--print", help="With --wait: print the link, do not open it.")
    ] = False,
    ics: IcsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from usked_cli.errors import InputError

    context = app_context(ctx)
    users = whose(context, user, every_user, ics)
    if wait:
        if json_output:
            raise InputError("--wait and --json are alternatives: --wait opens a meeting")
        _wait_and_join(context, users, ics, print_only=print_only)
        return
    if print_only:
        raise InputError("--print goes with --wait (`usked join next --print` prints the link)")
    now = context.now()
    upcoming = next_assignment(context, users, ics, now, zoom_only=zoom_only)
    report = _next_report(context, upcoming, now)
    out = context.out
    if json_output:
        out.json(report)
    elif out.is_tty:
        _next_block(context, upcoming, report, now)
    else:
        _next_plain(context, report)


def next_assignment(
    context: AppContext,
    users: list[str] | None,
    ics: str | None,
    now: datetime,
    *,
    zoom_only: bool = False,
    starting_after: datetime | None = None,
) -> Assignment:
    """The next assignment that has not ended (a running one counts) within NEXT_WINDOW;
    NotFoundError (exit 3) when there is none. `zoom_only`: a Zoom meeting with an invite link;
    `starting_after`: only one that starts after that moment."""
    from usked_cli.errors import NotFoundError
    from usked_cli.rules.day import next_up

    # Each of the next 14 days' assignments as a listing has it; the one picked, whole.
    found = _shown_between(context, users, ics, now, now + NEXT_WINDOW, zoom_only=zoom_only)
    if zoom_only:
        found = [a for a in found if a.invite_link]  # a Zoom location with no link: no way in
    if starting_after is not None:
        found = [a for a in found if a.start > starting_after]
    upcoming = next_up(found, now)
    if upcoming is None:
        _no_feeds_note(context, ics)
        whom = f" for {', '.join(users)}" if users else ""
        what = "Zoom assignment" if zoom_only else "assignment"
        if ics is None:
            hint = "`usked sync` refreshes the feeds; `usked assignments list --to +30d` looks on"
        else:
            from usked_cli.feeds.fetch import source_in_hint

            hint = f"`usked assignments list --ics {source_in_hint(ics)} --to +30d` looks on"
        raise NotFoundError(f"no {what} ahead in the next {NEXT_WINDOW.days} days{whom}", hint=hint)
    return _whole(context, upcoming)


def _next_report(context: AppContext, a: Assignment, now: datetime) -> dict[str, Any]:
    from usked_cli.cli.assignments import assignment_record
    from usked_cli.rules.day import relative_start

    basics = context.basics()
    record = assignment_record(a, basics.timezone, basics.host_link_lead_minutes)
    return {
        **record,
        "running": a.start <= now < a.end,
        "starts_in_seconds": int((a.start - now).total_seconds()),
        "starts": relative_start(a.start, now),
    }


def _next_plain(context: AppContext, report: dict[str, Any]) -> None:
    """Piped: `field<TAB>value` lines (as `assignments show` writes them)."""
    from usked_cli.safe import visible

    fields = [
        ("request_id", report["request_id"]),
        ("title", report["title"]),
        ("user", report["user"]),
        ("state", "running" if report["running"] else "next"),
        ("start", report["start"]),
        ("end", report["end"]),
        ("starts", report["starts"]),
        ("zoom", "yes" if report["zoom"] else "no"),
        ("invite_link", report["invite_link"] or ""),
        ("passcode", report["passcode"] or ""),
        ("location", report["location"]),
        ("host_link_opens", report["host_link_opens"] or ""),
    ]
    lines = [f"{name}\t{visible(' '.join(str(value).split()))}" for name, value in fields]
    context.out.stdout.write("".join(line + "\n" for line in lines))


def _next_block(context: AppContext, a: Assignment, report: dict[str, Any], now: datetime) -> None:
    """On a terminal: the assignment as a person reads it."""
    from usked_cli.cli.assignments import no_passcode, short_title, zoned_range
    from usked_cli.safe import visible

    tz = context.basics().timezone
    start, end = a.start.astimezone(tz), a.end.astimezone(tz)
    heading = "Now" if report["running"] else "Next"
    lines = [
        f"{heading}: {visible(short_title(a.title, a.request_id))}",
        visible(f"request {a.request_id} · {a.user}" + (" · Zoom" if a.zoom else "")),
        "",
    ]
    when = f"{start:%a %d %b %Y}, {zoned_range(start, end)}"
    rows = [("When", f"{when} ({report['starts']})")]
    if a.invite_link:
        rows.append(("Join", a.invite_link))
        rows.append(("Passcode", a.passcode or no_passcode(a.invite_link)))
        if a.location and a.location != a.invite_link:
            rows.append(("Where", a.location))
    elif a.location:
        rows.append(("Where", a.location))
    if report["host_link_opens"]:
        opens = datetime.fromisoformat(report["host_link_opens"])
        state = "open now" if opens <= now < a.end else f"opens {opens:%H:%M}"
        rows.append(("Host link", f"{state}  (usked host-link {a.request_id})"))
    width = max(len(name) for name, _ in rows) + 2
    lines += [f"{name:<{width}}{visible(str(value))}" for name, value in rows]
    context.out.stdout.write("".join(line + "\n" for line in lines))


# --- next --wait ---------------------------------------------------------------------------------


def _wait_and_join(
    context: AppContext, users: list[str] | None, ics: str | None, *, print_only: bool
) -> None:
    """Sleep until the next Zoom assignment's start minus the join lead, then join it. The
    next one is looked up again on waking (a sync meanwhile may have moved or cancelled it)."""
    from usked_cli.cli.assignments import short_title
    from usked_cli.cli.join import join_occurrence
    from usked_cli.cli.waiting import Elapsed, countdown
    from usked_cli.errors import PolicyRefusal
    from usked_cli.rules.day import relative_start

    lead = timedelta(minutes=context.basics().join_lead_minutes)
    tz = context.basics().timezone
    began = context.now()
    clock = Elapsed(context, began)

    async def main() -> Assignment:
        while True:
            now = clock.now()
            # Not one running when the wait began (the one you are in), but the one waited for
            # even if it has started meanwhile (a machine suspended past its start).
            upcoming = next_assignment(
                context, users, ics, now, zoom_only=True, starting_after=began
            )
            join_at = upcoming.start - lead
            if join_at <= now:
                return upcoming
            if join_at - now > MAX_WAIT:
                raise PolicyRefusal(
                    f"the next Zoom assignment (request {upcoming.request_id}) starts "
                    f"{relative_start(upcoming.start, now)}; --wait waits up to "
                    f"{_MAX_WAIT_HOURS} h",
                    hint=f"`usked join {upcoming.request_id}` opens it now",
                )
            what = f"{upcoming.request_id} {short_title(upcoming.title, upcoming.request_id)}"
            said_at = join_at.astimezone(tz)

            def say(wait: str, what: str = what, at: datetime = said_at) -> str:
                return f"joining at {at:%H:%M}, in {wait} (Ctrl-C stops): {what}"

            await countdown(context, clock, join_at, say)

    upcoming = context.run(main())
    join_occurrence(context, upcoming, clock.now(), print_only=print_only, yes=True)
