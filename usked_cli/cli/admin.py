"""`usked admin …`: organization settings, padding conflicts, and the Zoom host users."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from usked_cli.cli import host_names, schedule, zoom_users
from usked_cli.cli.context import app_context
from usked_cli.cli.groups import HelpGroup
from usked_cli.cli.options import JsonOpt, MatchOpt
from usked_cli.render import Column

app = typer.Typer(
    cls=HelpGroup,
    help="Admin: org settings (padding, lead time), the pool's day, conflicts, Zoom host users.",
    epilog="Example: `usked admin conflicts --days 14`",
    no_args_is_help=True,
)
host_names.register(zoom_users.app)
app.add_typer(zoom_users.app, name="zoom-users")
app.command("schedule", help=schedule.SCHEDULE_HELP)(schedule.schedule_cmd)

settings_app = typer.Typer(
    cls=HelpGroup,
    help="The organization's settings: padding, lead time, host names, pool.",
    epilog="Example: `usked admin settings set padding-minutes 15`",
    no_args_is_help=True,
)
app.add_typer(settings_app, name="settings")

# Admin-facing names -> config keys. `config set` reaches every key; these are the org's policy.
ADMIN_SETTINGS: dict[str, str] = {
    "padding-minutes": "org.padding_minutes",
    "host-link-lead-minutes": "org.host_link_lead_minutes",
    "join-lead-minutes": "org.join_lead_minutes",
    "host-name-template": "org.host_name_template",
    "org-name": "org.name",
    "timezone": "timezone",
    "host-users": "zoom.host_users",
    "max-concurrent-meetings": "zoom.max_concurrent_meetings",
}

_SETTINGS_COLUMNS = [
    Column("setting", "Setting", style="bold", kind="id"),
    Column("value", "Value"),
    Column("source", "Source", style="dim"),
]


@settings_app.command("show")
def settings_show_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """Show the organization's settings and where each comes from.

    Example: `usked admin settings show --json | jq .padding_minutes`
    """
    context = app_context(ctx)
    report = context.effective_settings()
    if json_output:
        context.out.json(
            {name.replace("-", "_"): report.values[key] for name, key in ADMIN_SETTINGS.items()}
        )
        return
    rows = []
    for name, key in ADMIN_SETTINGS.items():
        value = report.values[key]
        rows.append(
            {
                "setting": name,
                "value": ",".join(value) if isinstance(value, list) else value,
                "source": report.origins[key],
            }
        )
    context.out.table(_SETTINGS_COLUMNS, rows)


_SET_HELP = f"""\
Change one organization setting (validated; written atomically to the config file).

KEY is one of: {", ".join(ADMIN_SETTINGS)}.
padding-minutes: 0-240; host-link-lead-minutes: 0-1440; join-lead-minutes (how early
`usked next --wait` opens a meeting): 0-240 (whole minutes); host-name-template must contain
{{letter}} or {{n}}; timezone: an IANA name; host-users: comma-separated email globs.
A refused value or an unknown key is exit 2, and the file is left exactly as it was.

Examples:

```
usked admin settings set padding-minutes 15
usked admin settings set host-name-template '{{org}} Host {{letter}}'
usked admin settings set host-users 'host-*@acme.org,zoom-*@acme.org'
```
"""


@settings_app.command("set", help=_SET_HELP, context_settings={"ignore_unknown_options": True})
def settings_set_cmd(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Which setting.", metavar="KEY")],
    value: Annotated[str, typer.Argument(help="The new value.", metavar="VALUE")],
) -> None:
    import difflib

    from usked_cli.config.inspect import set_setting
    from usked_cli.errors import InputError

    context = app_context(ctx)
    config_key = ADMIN_SETTINGS.get(key) or ADMIN_SETTINGS.get(key.replace("_", "-"))
    if config_key is None:
        close = difflib.get_close_matches(key, list(ADMIN_SETTINGS), n=1)
        raise InputError(
            f"unknown setting {key!r}",
            hint=f"did you mean {close[0]}?" if close else "one of: " + ", ".join(ADMIN_SETTINGS),
        )
    result = set_setting(context.config_path(), config_key, value)
    context.forget_settings()
    context.out.note(result.message)
    for note in result.notes:
        context.out.note(note)


_CONFLICTS_HELP = """\
Find meetings on one Zoom host user that are closer than the padding minutes (or overlap).

For each host user of the pool (`zoom.host_users`, or --match), the user's meetings in the next
N days come from Zoom, each occurrence of a recurring meeting included. A meeting that starts
less than `org.padding_minutes` after an earlier one ends is a conflict (gap_minutes < 0 is an
overlap; a gap equal to the padding is fine). Where `zoom.max_concurrent_meetings` is 2, the
report lists instead the spans when more than two padded meetings would run at once.

Exit 0 when there are none, 1 when there are (for cron alerts). On a terminal, a progress bar
on stderr follows the host users being read once that takes over half a second.

Examples:

```
usked admin conflicts
usked admin conflicts --days 14 --json | jq '.[] | .host_user.email'
```
"""


def _when(value: Any, row: Any, prefix: str = "") -> str:
    from datetime import datetime

    start = datetime.fromisoformat(value)
    end = datetime.fromisoformat(row[prefix + "end"])
    if prefix == "second_" and datetime.fromisoformat(row["first_start"]).date() == start.date():
        return f"{start:%H:%M}-{end:%H:%M}"  # the same day as the first: said once, there
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


# Piped: host, first_start, first_end, first_topic, second_start, second_end, second_topic, gap.
_CONFLICT_COLUMNS = [
    Column("host", "Host user", style="bold", kind="email"),
    Column("first_start", "First", tty=lambda v, r: _when(v, r, "first_"), kind="id"),
    Column("first_end", "", tty=lambda v, r: ""),
    Column("first_topic", "Topic", max_width=30),
    Column("second_start", "Then", tty=lambda v, r: _when(v, r, "second_"), kind="id"),
    Column("second_end", "", tty=lambda v, r: ""),
    Column("second_topic", "Topic", max_width=30),
    Column("gap_minutes", "Gap (min)", style="red", kind="id"),
]
# On a terminal the host user heads its group of rows: a whole email on a line of its own.
_CONFLICT_TTY_COLUMNS = [c for c in _CONFLICT_COLUMNS if c.key != "host"]


@app.command("conflicts", help=_CONFLICTS_HELP)
def conflicts_cmd(
    ctx: typer.Context,
    days: Annotated[
        int,
        typer.Option(
            "--days", min=1, max=90, metavar="N", help="How many days ahead to check (1-90)."
        ),
    ] = 7,
    match: MatchOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from usked_cli.cli.pool import read_pool
    from usked_cli.errors import EXIT_FAILURE
    from usked_cli.schedules import conflict_records, overcommit_records

    context = app_context(ctx)
    settings = context.settings()
    globs = context.pool_globs(match, pool=True)
    start = context.now()
    end = start + timedelta(days=days)
    tz = settings.zone
    padding = settings.org.padding_minutes
    max_concurrent = settings.zoom.max_concurrent_meetings

    async def main() -> tuple[int, list[dict[str, Any]]]:
        users, schedules = await read_pool(context, globs, start, end)
        if max_concurrent > 1:
            records = overcommit_records(
                schedules, padding_minutes=padding, max_concurrent=max_concurrent, tz=tz
            )
        else:
            records = conflict_records(schedules, padding_minutes=padding, tz=tz)
        return len(users), records

    user_count, records = context.run(main())
    out = context.out
    if json_output:
        out.json(records)
    elif max_concurrent > 1:
        for record in records:
            names = ", ".join(f'"{m["topic"]}"' for m in record["meetings"])
            out.line(
                f"{record['host_user']['email']}\t{record['start']}\t{record['end']}\t"
                f"{record['peak']} at once\t{names}"
            )
    else:
        from dataclasses import replace

        from usked_cli.render import zone_header

        starts = [r[which]["start"] for r in records for which in ("first", "second")]
        columns = _CONFLICT_COLUMNS
        if out.is_tty:
            columns = [
                replace(c, header=zone_header(c.header, starts, tz))
                if c.key.endswith("start")
                else c
                for c in _CONFLICT_TTY_COLUMNS
            ]
        rows = [_conflict_row(r) for r in records]
        for row, previous in zip(rows, [None, *rows], strict=False):
            same = previous is not None and previous["host"] == row["host"]
            row["heading"] = None if same else row["host"]
        out.table(columns, rows, group_key="heading")
    what = "over-commitments" if max_concurrent > 1 else "padding conflicts"
    if not user_count:
        out.note("no active Zoom user matches the pool")
    out.note(
        f"{len(records) or 'no'} {what} in the next {days} days "
        f"on {user_count} host users (padding {padding} min)"
    )
    if records:
        raise typer.Exit(EXIT_FAILURE)


def _conflict_row(record: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "host": record["host_user"]["email"],
        "gap_minutes": record["gap_minutes"],
    }
    for which in ("first", "second"):
        for key in ("start", "end", "topic"):
            row[f"{which}_{key}"] = record[which][key]
    return row
