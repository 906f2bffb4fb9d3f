"""`usked assignments list|show` and `usked invite`: the coordinator's everyday commands.

This is the hot path (run dozens of times a day): it reads the SQLite cache and the light settings
reader only; pydantic, httpx and icalendar stay unimported unless `--ics` or an out-of-horizon
window needs the parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import CsvOpt, JsonOpt, one_format
from usked_cli.render import Column, iso

if TYPE_CHECKING:
    from usked_cli.models import Assignment

app = typer.Typer(
    help="List and show users' assignments (from the synced feeds).",
    epilog="Example: `usked assignments list --zoom-only`",
    no_args_is_help=True,
)

DEFAULT_DAYS = 7

RequestArg = Annotated[
    str,
    typer.Argument(help="The uSked request id, e.g. 104233 (or #104233).", metavar="REQUEST_ID"),
]


def assignment_record(a: Assignment, tz: ZoneInfo, lead_minutes: int) -> dict[str, Any]:
    """The JSON record of one assignment. Times are ISO 8601 with offset in the display timezone
    (an all-day assignment keeps its own midnight, so its date never shifts). `host_link_opens`:
    when the host link of a Zoom meeting becomes available (`lead_minutes` before the start)."""
    from usked_cli.rules.window import host_link_opens

    start = a.start if a.all_day else a.start.astimezone(tz)
    end = a.end if a.all_day else a.end.astimezone(tz)
    opens = host_link_opens(start, lead_minutes) if a.meeting_id and not a.all_day else None
    return {
        "user": a.user,
        "request_id": a.request_id,
        "title": a.title,
        "start": iso(start),
        "end": iso(end),
        "all_day": a.all_day,
        "zoom": a.zoom,
        "meeting_id": a.meeting_id,
        "invite_link": a.invite_link,
        "passcode": a.passcode,
        "location": a.location,
        "uid": a.uid,
        "recurrence_id": a.recurrence_id,
        "host_link_opens": iso(opens),
    }


def _where(record: dict[str, Any]) -> str:
    # As the uSked portal shows it: the invite link in place of the location for Zoom meetings.
    return str(record["invite_link"] or record["location"] or "")


_PLAIN_COLUMNS = [
    Column("start", "Start"),
    Column("end", "End"),
    Column("user", "User"),
    Column("request_id", "Request"),
    Column("zoom", "Zoom"),
    Column("title", "Title"),
    Column("where", "Where"),
    Column("host_link_opens", "Host link opens"),
]

_CSV_COLUMNS = [
    Column(key, key)
    for key in (
        "user", "request_id", "title", "start", "end", "all_day", "zoom",
        "meeting_id", "invite_link", "passcode", "location", "uid", "recurrence_id",
        "host_link_opens",
    )
]  # fmt: skip

_TTY_COLUMNS = [
    Column("day", "Day", style="bold", no_wrap=True, min_width=10),
    Column("time", "Time", no_wrap=True, min_width=11),
    Column("zoom_marker", "", style="bold blue", no_wrap=True, min_width=4),
    Column("request_id", "Request", style="cyan", no_wrap=True, min_width=7),
    Column("short_title", "Title", min_width=10, max_width=32),
    Column("user", "User", no_wrap=True, min_width=4, max_width=16),
    # The invite link is what people click: fold it over lines rather than cut it.
    Column("where", "Where (invite link or location)", min_width=26, overflow="fold", link=True),
    Column("host_link", "Host link", style="dim", no_wrap=True, min_width=10),
]


def _time_range(record: dict[str, Any]) -> str:
    if record["all_day"]:
        return "all day"
    start = datetime.fromisoformat(record["start"])
    end = datetime.fromisoformat(record["end"])
    text = f"{start:%H:%M}-{end:%H:%M}"
    if end.date() != start.date():
        text += f" (ends {end:%a %d %b})"
    return text


def _short_title(record: dict[str, Any]) -> str:
    """The title without a leading "Request #104233 - ": the Request column shows the number."""
    import re

    title = str(record["title"])
    shorter = re.sub(
        rf"^\s*(request\s*(id)?\s*[:#]?\s*)?#?{re.escape(record['request_id'])}\s*[-:\u2013]\s*",
        "",
        title,
        flags=re.I,
    )
    return shorter or title


def _host_link_cell(record: dict[str, Any]) -> str:
    if not record["host_link_opens"]:
        return ""
    opens = datetime.fromisoformat(record["host_link_opens"])
    return f"from {opens:%H:%M}"


def _tty_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Grouped by day: the day shows on its first row only."""
    rows = []
    previous_day = None
    for record in records:
        day = datetime.fromisoformat(record["start"]).date()
        rows.append(
            {
                **record,
                "day": f"{day:%a %d %b}" if day != previous_day else "",
                "new_day": day != previous_day and previous_day is not None,
                "time": _time_range(record),
                "zoom_marker": "Zoom" if record["zoom"] else "",
                "where": _where(record),
                "host_link": _host_link_cell(record),
                "short_title": _short_title(record),
            }
        )
        previous_day = day
    return rows


def render_assignments(
    context: AppContext, assignments: Sequence[Assignment], *, as_json: bool, as_csv: bool
) -> None:
    basics = context.basics()
    records = [
        assignment_record(a, basics.timezone, basics.host_link_lead_minutes) for a in assignments
    ]
    out = context.out
    if as_json:
        out.json(records)
    elif as_csv:
        out.csv(_CSV_COLUMNS, records)
    elif out.is_tty:
        columns = _TTY_COLUMNS
        if len({r["user"] for r in records}) == 1:
            columns = [c for c in columns if c.key != "user"]  # one user: say it once, below
            out.note(f"assignments of {records[0]['user']}")
        if out.console().width < 110:
            # Narrow terminal: the invite link matters more (--json and piped output keep it).
            columns = [c for c in columns if c.key != "host_link"]
        out.table(columns, _tty_rows(records), section_key="new_day")
    else:
        out.tsv(_PLAIN_COLUMNS, ({**r, "where": _where(r)} for r in records))


def _window(
    context: AppContext, start_text: str | None, end_text: str | None
) -> tuple[datetime, datetime]:
    from usked_cli.errors import InputError
    from usked_cli.rules.when import parse_when

    tz = context.basics().timezone
    now = context.now().astimezone(tz)
    try:
        start = parse_when(start_text, now=now, tz=tz) if start_text else now
    except ValueError as exc:
        raise InputError(f"--from {start_text!r}: {exc}") from None
    try:
        if end_text:
            end = parse_when(end_text, now=now, tz=tz, end_of_day=True)
        else:
            end = start + timedelta(days=DEFAULT_DAYS)
    except ValueError as exc:
        raise InputError(f"--to {end_text!r}: {exc}") from None
    if end <= start:
        raise InputError(
            f"--to ({end:%Y-%m-%d %H:%M}) is not after --from ({start:%Y-%m-%d %H:%M})"
        )
    return start, end


_LIST_HELP = f"""\
List assignments in a time window (default: now to {DEFAULT_DAYS} days ahead), Zoom meetings marked.

Reads the local cache filled by `usked sync`, so it is instant and works offline. On a terminal,
assignments are grouped by day with the invite link in place of the location for Zoom meetings;
piped, each is one tab-separated line: start, end, user, request_id, zoom (yes/no), title,
where, host_link_opens (when the meeting's host link becomes available to whoever hosts it:
`org.host_link_lead_minutes` before the start; empty when not a Zoom meeting with an id).

WHEN: an ISO date or datetime (2026-12-01, 2026-12-01T09:30), today, tomorrow, yesterday, now,
+3d, -2d, +2w, +5h, or a weekday name (monday, mon). A date as --to includes that whole day.

Examples:

```
usked assignments list --user maria --zoom-only
usked assignments list --from monday --to friday --json | jq '.[].invite_link'
usked assignments list --ics examples/sample-feed.ics
```
"""


@app.command("list", help=_LIST_HELP)
@app.command("ls", hidden=True)
def list_cmd(
    ctx: typer.Context,
    user: Annotated[
        list[str] | None,
        typer.Option("--user", "-u", help="Only this user (repeatable).", metavar="USER"),
    ] = None,
    start_text: Annotated[
        str | None, typer.Option("--from", help="Window start (default: now).", metavar="WHEN")
    ] = None,
    end_text: Annotated[
        str | None,
        typer.Option(
            "--to", help=f"Window end (default: --from + {DEFAULT_DAYS} days).", metavar="WHEN"
        ),
    ] = None,
    zoom_only: Annotated[bool, typer.Option("--zoom-only", help="Only Zoom meetings.")] = False,
    ics: Annotated[
        str | None,
        typer.Option(
            "--ics",
            help="List straight from this feed (URL or .ics path), without caching it.",
            metavar="SOURCE",
        ),
    ] = None,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    from usked_cli.errors import InputError

    context = app_context(ctx)
    one_format(json_output, csv_output)
    start, end = _window(context, start_text, end_text)
    if ics is not None:
        if user:
            raise InputError("--user and --ics are alternatives: --ics lists one feed")
        found = _from_ics(context, ics, start, end, zoom_only)
    else:
        from usked_cli.assignments import assignments_between

        found = assignments_between(
            context.workspace(),
            start,
            end,
            users=user,
            zoom_only=zoom_only,
            default_tz=context.basics().timezone,
        )
        if not found and not context.workspace().feed_states():
            context.out.note(
                "no synced feeds yet: `usked feeds add USER SOURCE`, then `usked sync`"
            )
    if not found:
        # A note, on stderr only: stdout stays valid (empty, or `[]` with --json).
        shown = f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M}"
        context.out.note(f"no {'Zoom ' if zoom_only else ''}assignments from {shown}")
    render_assignments(context, found, as_json=json_output, as_csv=csv_output)


def _from_ics(
    context: AppContext, source: str, start: datetime, end: datetime, zoom_only: bool
) -> list[Assignment]:
    from pathlib import Path

    from usked_cli.errors import InputError
    from usked_cli.feeds.fetch import (
        FeedFetchError,
        describe_source,
        fetch,
        is_url,
        new_http_client,
    )
    from usked_cli.feeds.ical import parse_feed

    client = new_http_client(context.feed_transport) if is_url(source) else None
    try:
        fetched = fetch(source, client=client)
    except FeedFetchError as exc:
        if is_url(source):
            raise
        raise InputError(exc.message) from None
    finally:
        if client is not None:
            client.close()
    assert fetched.body is not None
    user = Path(source).stem if not is_url(source) else describe_source(source)
    parsed = parse_feed(
        fetched.body,
        user=user,
        window_start=start,
        window_end=end,
        default_tz=context.basics().timezone,
        source=describe_source(source),
    )
    for warning in parsed.warnings:
        context.out.warn(warning)
    return [a for a in parsed.assignments if a.zoom or not zoom_only]


@app.command("show")
def show_cmd(ctx: typer.Context, request_id: RequestArg, json_output: JsonOpt = False) -> None:
    """Show every field of a request and each of its upcoming occurrences.

    Examples:

    ```
    usked assignments show 104233
    usked assignments show 104233 --json | jq -r .invite_link
    ```
    """
    from usked_cli.assignments import request_occurrences

    context = app_context(ctx)
    basics = context.basics()
    now = context.now()
    occurrences = request_occurrences(context.workspace(), request_id)
    upcoming = [a for a in occurrences if a.end > now]
    shown = upcoming[0] if upcoming else occurrences[-1]

    def record_of(a: Assignment) -> dict[str, Any]:
        return assignment_record(a, basics.timezone, basics.host_link_lead_minutes)

    record = record_of(shown)
    report = {
        key: record[key]
        for key in (
            "request_id", "title", "zoom", "meeting_id", "invite_link", "passcode",
            "location", "uid",
        )
    }  # fmt: skip
    report["notes"] = shown.notes
    report["users"] = sorted({a.user for a in occurrences})
    report["occurrences"] = [
        {
            key: r[key]
            for key in ("user", "start", "end", "all_day", "recurrence_id", "host_link_opens")
        }
        for r in (record_of(a) for a in upcoming)
    ]
    report["last_occurrence"] = (
        None
        if upcoming
        else {key: record[key] for key in ("user", "start", "end", "all_day", "recurrence_id")}
    )
    out = context.out
    if json_output:
        out.json(report)
        return
    fields = [
        ("Request", report["request_id"]),
        ("Title", report["title"]),
        ("Zoom", "yes" if report["zoom"] else "no"),
        ("Invite link", report["invite_link"] or ""),
        ("Meeting ID", report["meeting_id"] or ""),
        ("Passcode", report["passcode"] or ""),
        ("Location", report["location"]),
        ("Users", ", ".join(report["users"])),
        ("UID", report["uid"]),
    ]
    for name, value in fields:
        out.line(f"{name}:\t{value}" if not out.is_tty else f"{name + ':':<13}{value}")
    if upcoming:
        out.line(f"Occurrences ({len(upcoming)} upcoming):")
        for occurrence in report["occurrences"]:
            out.line(f"  {occurrence['start']}\t{occurrence['end']}\t{occurrence['user']}")
    else:
        out.line(f"No upcoming occurrence; the last was {record['start']} ({record['user']}).")
    if shown.notes:
        out.line("Notes:")
        for line in shown.notes.splitlines():
            out.line(f"  {line}")


_INVITE_HELP = """\
Print a request's Zoom invite link (and only that, with a newline), to pipe into a browser opener.

Exit 3 when there is no such request or it is not a Zoom meeting (stderr says which).

Examples:

```
usked invite 104233
xdg-open "$(usked invite 104233)"
```
"""


def register_invite(root: typer.Typer) -> None:
    root.command("invite", help=_INVITE_HELP)(invite_cmd)


def invite_cmd(ctx: typer.Context, request_id: RequestArg) -> None:
    from usked_cli.assignments import next_occurrence, request_occurrences
    from usked_cli.errors import NotFoundError

    context = app_context(ctx)
    occurrence = next_occurrence(
        request_occurrences(context.workspace(), request_id), context.now()
    )
    if not occurrence.invite_link:
        where = f" (location: {occurrence.location})" if occurrence.location else ""
        raise NotFoundError(f"request {occurrence.request_id} is not a Zoom meeting{where}")
    context.out.line(occurrence.invite_link)
