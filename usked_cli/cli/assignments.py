"""`usked assignments list|show` and `usked invite`: the coordinator's everyday commands.

This is the hot path (run dozens of times a day): it reads the SQLite cache and the light settings
reader only; pydantic-settings, httpx and icalendar stay unimported unless `--ics` or an
out-of-horizon window needs the parser. The table and the piped lines are made straight from the
assignments, each instant converted once (`_Moments`); `--json` and `--csv` print the full
records (`assignment_record`), the one definition of every field the others show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from usked_cli.cli import completion
from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.groups import HelpGroup
from usked_cli.cli.options import CsvOpt, IcsOpt, JsonOpt, one_format
from usked_cli.render import Column, iso

if TYPE_CHECKING:
    from usked_cli.models import Assignment, Shown

app = typer.Typer(
    cls=HelpGroup,
    help="List and show users' assignments (from the synced feeds).",
    epilog="Example: `usked assignments list --zoom-only`",
    no_args_is_help=True,
)

DEFAULT_DAYS = 7

RequestArg = Annotated[
    str,
    typer.Argument(
        help="The uSked request id, e.g. 104233 (or #104233).",
        metavar="REQUEST_ID",
        autocompletion=completion.request_ids,
    ),
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
        "pwd": a.pwd,
        "dial_in": [{"number": d.number, "country": d.country} for d in a.dial_in],
        "location": a.location,
        "uid": a.uid,
        "recurrence_id": a.recurrence_id,
        "host_link_opens": iso(opens),
    }


def where_shown(a: Shown) -> str:
    # As the uSked portal shows it: the invite link in place of the location for Zoom meetings.
    return a.invite_link or a.location or ""


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
        "meeting_id", "invite_link", "passcode", "pwd", "location", "uid", "recurrence_id",
        "host_link_opens",
    )
]  # fmt: skip

_TTY_COLUMNS = [
    Column("time", "Time", kind="id"),
    Column("zoom_marker", "", style="bold blue", kind="id"),
    Column("request_id", "Request", style="cyan", kind="id"),
    Column("short_title", "Title", min_width=12),
    Column("user", "User", kind="id"),
    # The invite link is what people click and copy: never cut; under its row when narrow.
    Column("where", "Where (invite link or location)", kind="link", min_width=16),
    Column("host_link", "Host link", style="dim", kind="id"),
]


def _time_range(record: dict[str, Any], tz: ZoneInfo) -> str:
    """A record's times as `clock_range` shows them (in `tz`: its zones' names)."""
    if record["all_day"]:
        return "all day"
    start, end = datetime.fromisoformat(record["start"]), datetime.fromisoformat(record["end"])
    return clock_range(start.astimezone(tz), end.astimezone(tz))


def _record_end(record: dict[str, Any], tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(record["end"]).astimezone(tz)


def zoned_range(start: datetime, end: datetime) -> str:
    """`clock_range` with the zone said once: `09:00-10:00 CST` (both named when they differ)."""
    text = clock_range(start, end)
    if start.utcoffset() == end.utcoffset() and start.tzname():
        text += f" {start.tzname()}"
    return text


def clock_range(start: datetime, end: datetime) -> str:
    """`09:00-10:30`; with the end's day when that is another: `22:00-02:00 (ends Sat 05 Dec)`;
    with each zone when the clocks change in between: `01:45 CDT-01:05 CST`."""
    text = f"{start.hour:02}:{start.minute:02}-{end.hour:02}:{end.minute:02}"  # %H:%M-%H:%M
    if start.utcoffset() != end.utcoffset():
        text = f"{start:%H:%M %Z}-{end:%H:%M %Z}"
    if end.date() != start.date():
        text += f" (ends {end:%a %d %b})"
    return text


@cache
def _numbered_title() -> re.Pattern[str]:
    """A title's leading "Request #104233 - " for a numeric request id, matched against
    "104233\\0<title>": the id comes in by back-reference, so one pattern serves every request
    (compiled when a table first needs it; piped lines show the whole title)."""
    return re.compile(
        r"(?P<id>[0-9]*)\x00\s*(request\s*(id)?\s*[:#]?\s*)?#?(?P=id)\s*[-:\u2013]\s*", re.I
    )


def _short_title(record: dict[str, Any]) -> str:
    return short_title(str(record["title"]), record["request_id"])


def short_title(title: str, request_id: str) -> str:
    """The title without a leading "Request #104233 - ": the Request column shows the number."""
    if request_id.isascii() and (request_id.isdigit() or not request_id):
        # The same match as the general pattern below: digits fold to nothing else in either.
        subject = f"{request_id}\x00{title}"
        found = _numbered_title().match(subject)
        shorter = subject[found.end() :] if found else title
    else:
        shorter = re.sub(
            rf"^\s*(request\s*(id)?\s*[:#]?\s*)?#?{re.escape(request_id)}\s*[-:\u2013]\s*",
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


class _Moments:
    """Assignments' start, end and host-link opening as shown: in the display zone (an all-day
    one keeps its own midnight), each distinct instant converted (and written in ISO 8601)
    once: a listing's rows share a few start times."""

    def __init__(self, tz: ZoneInfo, lead_minutes: int) -> None:
        self.tz = tz
        self.lead_minutes = lead_minutes
        self._zoned: dict[object, tuple[datetime, str]] = {}
        self._opens: dict[int, tuple[datetime, str]] = {}  # by the zoned start's identity

    def of(self, a: Shown) -> tuple[datetime, datetime, datetime | None]:
        """(start, end, when the host link opens or None), as `assignment_record` has them;
        the same object for the same instant."""
        if a.all_day:
            return a.start, a.end, None
        start = self._in_zone(a.start)[0]
        end = self._in_zone(a.end)[0]
        return start, end, self._opening(start)[0] if a.meeting_id else None

    def texts(self, a: Shown) -> tuple[str, str, str]:
        """`of(a)` in ISO 8601, "" for no opening: the record's start, end, host_link_opens."""
        if a.all_day:
            return a.start.isoformat(), a.end.isoformat(), ""
        start, start_text = self._in_zone(a.start)
        end_text = self._in_zone(a.end)[1]
        return start_text, end_text, self._opening(start)[1] if a.meeting_id else ""

    def _in_zone(self, moment: datetime) -> tuple[datetime, str]:
        # Equal datetimes are one instant, but for two wall times of one zone that differ only
        # by fold (the hour repeated when clocks go back): the second is keyed apart.
        key = (moment, 1) if moment.fold else moment
        found = self._zoned.get(key)
        if found is None:
            zoned = moment.astimezone(self.tz)
            found = self._zoned[key] = (zoned, zoned.isoformat())
        return found

    def _opening(self, start: datetime) -> tuple[datetime, str]:
        found = self._opens.get(id(start))
        if found is None:
            from usked_cli.rules.window import host_link_opens

            opens = host_link_opens(start, self.lead_minutes)
            found = self._opens[id(start)] = (opens, opens.isoformat())
        return found


def _plain_cells(assignments: Sequence[Shown], moments: _Moments) -> list[tuple[str, ...]]:
    """Piped: the cells of `_PLAIN_COLUMNS`, as `Output.tsv` makes them from the records."""
    rows: list[tuple[str, ...]] = []
    for a in assignments:
        start, end, opens = moments.texts(a)
        zoom = "yes" if a.zoom else "no"
        rows.append((start, end, a.user, a.request_id, zoom, a.title, where_shown(a), opens))
    return rows


def _tty_rows(
    assignments: Sequence[Shown], moments: _Moments
) -> tuple[list[dict[str, Any]], list[datetime]]:
    """Grouped by day: each day's first row carries the day's heading. Also the timed rows'
    starts, each instant once (for the zone in the Time header)."""
    rows = []
    previous_day = None
    clock: dict[tuple[int, int], str] = {}  # by identity: one object per instant (_Moments)
    starts: dict[int, datetime] = {}
    for a in assignments:
        start, end, opens = moments.of(a)
        day = start.date()
        if a.all_day:
            time = "all day"
        else:
            starts[id(start)] = start
            found = clock.get((id(start), id(end)))
            if found is None:
                found = clock[id(start), id(end)] = clock_range(start, end)
            time = found
        rows.append(
            {
                "day": f"{day:%a %d %b %Y}" if day != previous_day else None,
                "time": time,
                "zoom_marker": "Zoom" if a.zoom else "",
                "request_id": a.request_id,
                "short_title": short_title(a.title, a.request_id),
                "user": a.user,
                "where": where_shown(a),
                "host_link": "" if opens is None else f"from {opens.hour:02}:{opens.minute:02}",
            }
        )
        previous_day = day
    return rows, list(starts.values())


def render_assignments(
    context: AppContext, assignments: Sequence[Assignment], *, as_json: bool, as_csv: bool
) -> None:
    """The records (--json, --csv), else the table or the piped lines."""
    if not (as_json or as_csv):
        render_listing(context, assignments)
        return
    basics = context.basics()
    records = [
        assignment_record(a, basics.timezone, basics.host_link_lead_minutes) for a in assignments
    ]
    if as_json:
        context.out.json(records)
    else:
        context.out.csv(_CSV_COLUMNS, records)


def render_listing(context: AppContext, assignments: Sequence[Shown]) -> None:
    """The table on a terminal, else the piped lines: a few of the records' fields, made
    directly, each instant converted once (the same text as the records would give)."""
    basics = context.basics()
    out = context.out
    moments = _Moments(basics.timezone, basics.host_link_lead_minutes)
    if not out.is_tty:
        out.tsv_cells(_plain_cells(assignments, moments))
        return
    if not assignments:
        return  # the caller said so on stderr; an empty table's headers say nothing
    from usked_cli.render import zone_header

    rows, timed = _tty_rows(assignments, moments)
    columns = list(_TTY_COLUMNS)
    title = None
    if len({a.user for a in assignments}) == 1:
        columns = [c for c in columns if c.key != "user"]  # one user: say it once, above
        title = f"Assignments of {assignments[0].user}"
    columns[0] = replace(columns[0], header=zone_header("Time", timed, basics.timezone))
    out.table(columns, rows, title=title, group_key="day")


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
        from usked_cli.rules.when import is_day_only

        def said(flag: str, text: str | None, moment: datetime, *, end: bool = False) -> str:
            # The phrase as typed, and what it was read as.
            if end and text and is_day_only(text):
                read = f"the end of {moment - timedelta(days=1):%a %d %b %Y}"
            else:
                read = f"{moment:%a %d %b %Y %H:%M}"
            return f"{flag} {text!r} ({read})" if text else f"{flag} ({read})"

        raise InputError(
            f"{said('--to', end_text, end, end=True)} is not after "
            f"{said('--from', start_text or 'now', start)}",
            hint="--to takes a later day or time, e.g. --to friday or --to '+2d 18:00'",
        )
    return start, end


_LIST_HELP = f"""\
List assignments in a time window (default: now to {DEFAULT_DAYS} days ahead), Zoom meetings marked.

Reads the local cache filled by `usked sync`, so it is instant and works offline. On a terminal,
assignments are grouped by day with the invite link in place of the location for Zoom meetings;
piped, each is one tab-separated line: start, end, user, request_id, zoom (yes/no), title,
where, host_link_opens (when the meeting's host link becomes available to whoever hosts it:
`org.host_link_lead_minutes` before the start; empty when not a Zoom meeting with an id).

WHEN: a day (2026-12-01, today, tomorrow, yesterday, +3d, -2d, +2w, monday, mon), a day and a
time (tomorrow 15:30, mon 9:00, today 14h, 2026-12-01 09:30), now, +5h or -30m. A day as --to
includes that whole day (--to yesterday: up to the end of yesterday).

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
        typer.Option(
            "--user",
            "-u",
            help="Only this user (repeatable).",
            metavar="USER",
            autocompletion=completion.users,
        ),
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
    ics: IcsOpt = None,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    from usked_cli.errors import InputError

    context = app_context(ctx)
    one_format(json_output, csv_output)
    start, end = _window(context, start_text, end_text)
    whole = json_output or csv_output  # the whole records; else what the table shows
    records: list[Assignment] = []
    shown: Sequence[Shown]
    if ics is not None:
        if user:
            raise InputError("--user and --ics are alternatives: --ics lists one feed")
        found = feed_assignments(context, ics, start, end)
        records = [a for a in found if a.zoom or not zoom_only]
        shown = records
    else:
        from usked_cli.assignments import assignments_between, listed_between

        workspace, tz = context.workspace(), context.basics().timezone
        if whole:
            records = assignments_between(
                workspace, start, end, users=user, zoom_only=zoom_only, default_tz=tz
            )
            shown = records
        else:
            shown = listed_between(
                workspace, start, end, users=user, zoom_only=zoom_only, default_tz=tz
            )
        if not shown and not workspace.feed_states():
            context.out.note(
                "no synced feeds yet: `usked feeds add USER SOURCE`, then `usked sync`"
            )
    if not shown:
        # A note, on stderr only: stdout stays valid (empty, or `[]` with --json).
        window = f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M}"
        context.out.note(f"no {'Zoom ' if zoom_only else ''}assignments from {window}")
    if whole:
        render_assignments(context, records, as_json=json_output, as_csv=csv_output)
    else:
        render_listing(context, shown)


def feed_assignments(
    context: AppContext, source: str, start: datetime, end: datetime
) -> list[Assignment]:
    """The assignments of one feed (--ics: a URL or a path) in [start, end), read now."""
    from pathlib import Path

    from usked_cli.errors import InputError
    from usked_cli.feeds.fetch import (
        FeedFetchError,
        describe_source,
        fetch,
        is_url,
        new_http_client,
    )
    from usked_cli.feeds.incremental import read_feed

    client = new_http_client(context.feed_transport) if is_url(source) else None
    try:
        fetched = fetch(source, client=client, warn=context.out.warn)
    except FeedFetchError as exc:
        if is_url(source):
            raise
        raise InputError(exc.message) from None
    finally:
        if client is not None:
            client.close()
    assert fetched.body is not None
    user = Path(source).stem if not is_url(source) else describe_source(source)
    # As a listing beyond the synced horizon reads a stored feed: the events dated outside the
    # window are left unparsed, so a week of a large feed costs that week and the series.
    parsed = read_feed(
        fetched.body,
        user=user,
        label=describe_source(source),
        window=(start, end),
        default_tz=context.basics().timezone,
        marker="",
        previous=None,
    )
    for note in parsed.notes:
        context.out.note(f"note: {note}")
    for warning in parsed.warnings:
        context.out.warn(warning)
    return parsed.assignments


def occurrences_of(context: AppContext, request_id: str, ics: str | None) -> list[Assignment]:
    """Every occurrence of a request: from the synced feeds, or from one feed (--ics).

    NotFoundError (exit 3) when there is none; its hint says what to do next.
    """
    from usked_cli.assignments import normalize_request_id, request_occurrences
    from usked_cli.errors import NotFoundError

    if ics is None:
        workspace = context.workspace()
        try:
            return request_occurrences(workspace, request_id)
        except NotFoundError as exc:
            if not workspace.feed_states():
                exc.hint = (
                    "no feed is synced yet: `usked feeds add USER SOURCE`, then `usked sync` "
                    "(or read one feed directly with --ics SOURCE)"
                )
            raise
    from usked_cli.feeds.sync import HORIZON_FUTURE, HORIZON_PAST

    now = context.now()
    wanted = normalize_request_id(request_id)
    found = [
        a
        for a in feed_assignments(context, ics, now - HORIZON_PAST, now + HORIZON_FUTURE)
        if a.request_id == wanted
    ]
    if not found:
        from usked_cli.feeds.fetch import describe_source, source_in_hint

        # A feed's URL carries its token: messages name its host only.
        raise NotFoundError(
            f"no assignment with request id {wanted or request_id.strip()} in "
            f"{describe_source(ics)}",
            hint=f"`usked assignments list --ics {source_in_hint(ics)} --from -30d` shows its "
            "request ids",
        )
    return found


SHOW_OCCURRENCES = 10
SHOW_DIAL_IN = 4  # the block lists the first few; --json has them all

_SHOW_HELP = f"""\
Show a request: what, when, how to join (invite link, passcode, dial-in numbers), when its host
link opens, and its next occurrences ({SHOW_OCCURRENCES}; --all for every one).

On a terminal it is a readable block; piped, one `field<TAB>value` line per field, then one
`occurrence<TAB>start<TAB>end<TAB>user` line per upcoming occurrence. --json has every field and
every upcoming occurrence. Exit 3 when no assignment has that request id.

Examples:

```
usked assignments show 104233
usked assignments show 104233 --all
usked assignments show 104233 --ics examples/sample-feed.ics
usked assignments show 104233 --json | jq -r .passcode
```
"""


@app.command("show", help=_SHOW_HELP)
def show_cmd(
    ctx: typer.Context,
    request_id: RequestArg,
    all_occurrences: Annotated[
        bool, typer.Option("--all", help="Every upcoming occurrence, not only the next 10.")
    ] = False,
    ics: IcsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    context = app_context(ctx)
    basics = context.basics()
    now = context.now()
    occurrences = occurrences_of(context, request_id, ics)
    upcoming = [a for a in occurrences if a.end > now]
    shown = upcoming[0] if upcoming else occurrences[-1]

    def record_of(a: Assignment) -> dict[str, Any]:
        return assignment_record(a, basics.timezone, basics.host_link_lead_minutes)

    record = record_of(shown)
    report = {
        key: record[key]
        for key in (
            "request_id", "title", "zoom", "meeting_id", "invite_link", "passcode", "pwd",
            "dial_in", "location", "uid",
        )
    }  # fmt: skip
    report["notes"] = shown.notes
    report["users"] = sorted({a.user for a in occurrences})
    report["next"] = {
        key: record[key] for key in ("user", "start", "end", "all_day", "host_link_opens")
    }
    report["host_link_closes"] = record["end"] if record["host_link_opens"] else None
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
    elif out.is_tty:
        _show_block(context, report, upcoming=bool(upcoming), all_occurrences=all_occurrences)
    else:
        _show_plain(context, report, all_occurrences=all_occurrences)


def _show_plain(context: AppContext, report: dict[str, Any], *, all_occurrences: bool) -> None:
    """Piped: `field<TAB>value` lines, then `occurrence<TAB>start<TAB>end<TAB>user` lines."""
    out = context.out
    fields = [
        ("request_id", report["request_id"]),
        ("title", report["title"]),
        ("zoom", "yes" if report["zoom"] else "no"),
        ("invite_link", report["invite_link"] or ""),
        ("meeting_id", report["meeting_id"] or ""),
        ("passcode", report["passcode"] or ""),
        ("location", report["location"]),
        ("users", ",".join(report["users"])),
        ("host_link_opens", report["next"]["host_link_opens"] or ""),
        ("uid", report["uid"]),
    ]
    fields += [("dial_in", f"{d['number']} {d['country']}".strip()) for d in report["dial_in"]]
    lines = [f"{name}\t{_one_line(value)}" for name, value in fields]
    occurrences = report["occurrences"]
    if not all_occurrences:
        occurrences = occurrences[:SHOW_OCCURRENCES]
    lines += [f"occurrence\t{o['start']}\t{o['end']}\t{_one_line(o['user'])}" for o in occurrences]
    out.stdout.write("".join(line + "\n" for line in lines))


def _one_line(value: object) -> str:
    from usked_cli.safe import visible

    return visible(" ".join(str(value).split()))


def _show_block(
    context: AppContext, report: dict[str, Any], *, upcoming: bool, all_occurrences: bool
) -> None:
    """On a terminal: the request as a person reads it, then its next occurrences."""
    from usked_cli.render import Column, zone_header
    from usked_cli.safe import visible

    out = context.out
    tz = context.basics().timezone
    nxt = report["next"]
    title = _short_title({"title": report["title"], "request_id": report["request_id"]})
    lines = [visible(title)]
    facts = [f"request {report['request_id']}"]
    if report["zoom"]:
        facts.append(
            f"Zoom meeting {_spaced_id(report['meeting_id'])}" if report["meeting_id"] else "Zoom"
        )
    facts.append(", ".join(report["users"]))
    lines.append(visible(" · ".join(facts)))
    lines.append("")
    rows: list[tuple[str, str]] = []
    when = _when_text(nxt, tz)
    rows.append(("Next" if upcoming else "Last", when))
    if report["invite_link"]:
        rows.append(("Join", report["invite_link"]))
        if report["location"] and report["location"] != report["invite_link"]:
            rows.append(("Where", report["location"]))
    elif report["location"]:
        rows.append(("Where", report["location"]))
    if report["zoom"]:
        rows.append(("Passcode", report["passcode"] or no_passcode(report["invite_link"])))
    for index, dial in enumerate(report["dial_in"][:4]):
        rows.append(
            ("Dial in" if index == 0 else "", f"{dial['number']}  {dial['country']}".rstrip())
        )
    if nxt["host_link_opens"] and upcoming:
        opens = datetime.fromisoformat(nxt["host_link_opens"])
        closes = datetime.fromisoformat(nxt["end"])
        rows.append(
            (
                "Host link",
                f"{opens:%a %d %b %H:%M}-{closes:%H:%M} {opens.astimezone(tz).tzname() or ''}"
                + f"  (usked host-link {report['request_id']})",
            )
        )
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        lines.append(f"{name:<{width}}{visible(str(value))}")
    out.stdout.write("".join(line + "\n" for line in lines))
    occurrences = report["occurrences"]
    if len(occurrences) > 1:
        listed = occurrences if all_occurrences else occurrences[:SHOW_OCCURRENCES]
        more = len(occurrences) - len(listed)
        heading = (
            f"Next occurrences ({len(listed)} of {len(occurrences)}; --all for every one)"
            if more
            else f"Next occurrences ({len(listed)})"
        )
        out.line("")
        timed = [o["start"] for o in listed if not o["all_day"]]
        columns = [
            Column("day", "Day", kind="id"),
            Column("time", zone_header("Time", timed, tz), kind="id"),
            Column("user", "User", kind="id"),
            Column("host_link", "Host link", style="dim", kind="id"),
        ]
        if len(report["users"]) == 1:
            columns = [c for c in columns if c.key != "user"]
        if not report["zoom"]:
            columns = [c for c in columns if c.key != "host_link"]
        rows_out = [
            {
                "day": f"{datetime.fromisoformat(o['start']):%a %d %b %Y}",
                "time": _time_range(o, tz),
                "user": o["user"],
                "host_link": _host_link_cell(o),
            }
            for o in listed
        ]
        out.table(columns, rows_out, title=heading)
    if report["notes"]:
        out.line("")
        out.line("Notes")
        for line in report["notes"].splitlines():
            out.line(f"  {visible(line)}")


def no_passcode(invite_link: str | None) -> str:
    """What stands for a passcode the notes do not give: the link may carry one (pwd=)."""
    if invite_link and "pwd=" in invite_link:
        return "(none in the notes; the link carries it)"
    return "(none in the notes)"


def _spaced_id(meeting_id: str) -> str:
    """855 1234 5678, as Zoom writes meeting ids for people."""
    if len(meeting_id) == 11:
        return f"{meeting_id[:3]} {meeting_id[3:7]} {meeting_id[7:]}"
    if len(meeting_id) == 10:
        return f"{meeting_id[:3]} {meeting_id[3:6]} {meeting_id[6:]}"
    if len(meeting_id) == 9:
        return f"{meeting_id[:3]} {meeting_id[3:6]} {meeting_id[6:]}"
    return meeting_id


def _when_text(record: dict[str, Any], tz: ZoneInfo) -> str:
    start = datetime.fromisoformat(record["start"])
    if record["all_day"]:
        end = datetime.fromisoformat(record["end"]) - timedelta(days=1)
        if end.date() > start.date():
            return f"{start:%a %d %b %Y} to {end:%a %d %b %Y}, all day"
        return f"{start:%a %d %b %Y}, all day"
    return f"{start:%a %d %b %Y}, {zoned_range(start.astimezone(tz), _record_end(record, tz))}"


_INVITE_HELP = """\
Print a request's Zoom invite link (and only that, with a newline), to pipe into a browser opener.

Exit 3 when there is no such request or it is not a Zoom meeting (stderr says which).

Examples:

```
usked invite 104233
xdg-open "$(usked invite 104233)"
usked invite 104233 --ics examples/sample-feed.ics
```
"""


def register_invite(root: typer.Typer) -> None:
    root.command("invite", help=_INVITE_HELP)(invite_cmd)


def invite_cmd(ctx: typer.Context, request_id: RequestArg, ics: IcsOpt = None) -> None:
    from usked_cli.assignments import next_occurrence
    from usked_cli.errors import NotFoundError

    context = app_context(ctx)
    occurrence = next_occurrence(occurrences_of(context, request_id, ics), context.now())
    if not occurrence.invite_link:
        where = f" (location: {occurrence.location})" if occurrence.location else ""
        raise NotFoundError(f"request {occurrence.request_id} is not a Zoom meeting{where}")
    context.out.line(occurrence.invite_link)
