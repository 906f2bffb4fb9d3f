"""`usked admin zoom-users …`: the Zoom users of the account, and the pool of host users."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import CsvOpt, JsonOpt, YesOpt
from usked_cli.render import Column

app = typer.Typer(
    help="Zoom host users: list, find free ones, rename generically.", no_args_is_help=True
)

MatchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--match",
        "-m",
        help="Email glob, e.g. 'host-*@acme.org' (repeatable; case-insensitive).",
        metavar="GLOB",
    ),
]

_USER_COLUMNS = [
    Column("email", "Email", style="bold"),
    Column("display_name", "Display name"),
    Column("first_name", "First name"),
    Column("last_name", "Last name"),
    Column("type", "Type", tty=lambda v, _r: _user_type(v), plain=lambda v, _r: _user_type(v)),
    Column("id", "User ID", style="dim"),
]


def _user_type(value: Any) -> str:
    return {1: "basic", 2: "licensed"}.get(value, str(value))


def pool_globs(context: AppContext, match: list[str] | None, *, pool: bool) -> list[str] | None:
    """--match globs, else the configured pool when asked for; None means every user."""
    from usked_cli.errors import ConfigError

    if match:
        return match
    if not pool:
        return None
    host_users = context.settings().zoom.host_users
    if not host_users:
        raise ConfigError(
            "no pool of host users: zoom.host_users is empty",
            hint="usked admin settings set host-users 'host-*@acme.org'  (or use --match GLOB)",
        )
    return host_users


@app.command("list")
@app.command("ls", hidden=True)
def list_cmd(
    ctx: typer.Context,
    match: MatchOpt = None,
    pool: Annotated[
        bool, typer.Option("--pool", help="Only the host users of the pool (zoom.host_users).")
    ] = False,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    """List active Zoom users: id, email, names, type (1 basic, 2 licensed).

    Piped output: email, display_name, first_name, last_name, type, id (tab-separated).

    Examples:

      usked admin zoom-users list --pool

      usked admin zoom-users list --match '*@interpreters.acme.org' --csv > users.csv
    """
    from usked_cli.errors import InputError
    from usked_cli.zoom.pool import fetch_users, user_record

    context = app_context(ctx)
    if json_output and csv_output:
        raise InputError("--json and --csv are alternatives; choose one")
    globs = pool_globs(context, match, pool=pool)

    async def main() -> list[dict[str, Any]]:
        async with context.zoom_client() as zoom:
            return [user_record(user) for user in await fetch_users(zoom, globs=globs)]

    records = context.run(main())
    out = context.out
    if json_output:
        out.json(records)
    elif csv_output:
        out.csv(
            [
                Column(key, key)
                for key in ("id", "email", "first_name", "last_name", "display_name", "type")
            ],
            records,
        )
    else:
        if not records:
            out.note("no active Zoom users match" if globs else "no active Zoom users")
        out.table(_USER_COLUMNS, records)


_FREE_HELP = """\
Find pool host users free for a new meeting: no meeting of theirs overlaps
[at - padding, at + duration + padding] (padding: `org.padding_minutes`).

WHEN: an ISO date and time (2026-12-01T09:30), now, +2h, tomorrow, a weekday, ... (a date alone
means its midnight). MINUTES: 90, 90m, 1h30m, 1.5h.

Examples:

```
usked admin zoom-users free --at 2026-12-01T09:30 --duration 90
usked admin zoom-users free --at +1h --duration 60 --json | jq -r '.[0].email'
```
"""

_FREE_COLUMNS = [
    Column("email", "Email", style="bold"),
    Column("name", "Name"),
    Column("id", "User ID", style="dim"),
]


@app.command("free", help=_FREE_HELP)
def free_cmd(
    ctx: typer.Context,
    at: Annotated[str, typer.Option("--at", help="When the new meeting starts.", metavar="WHEN")],
    duration: Annotated[
        str, typer.Option("--duration", help="How long it lasts.", metavar="MINUTES")
    ],
    match: MatchOpt = None,
    json_output: JsonOpt = False,
) -> None:
    from datetime import timedelta

    from usked_cli.errors import InputError
    from usked_cli.padding import fetch_schedules, free_records
    from usked_cli.rules.when import parse_duration_minutes, parse_when
    from usked_cli.zoom.pool import fetch_users

    context = app_context(ctx)
    settings = context.settings()
    tz = settings.zone
    try:
        start = parse_when(at, now=context.now().astimezone(tz), tz=tz)
    except ValueError as exc:
        raise InputError(f"--at {at!r}: {exc}") from None
    try:
        minutes = parse_duration_minutes(duration)
    except ValueError as exc:
        raise InputError(f"--duration {duration!r}: {exc}") from None
    globs = pool_globs(context, match, pool=True)
    padding = settings.org.padding_minutes
    window_start = start - timedelta(minutes=padding)
    window_end = start + timedelta(minutes=minutes + padding)

    async def main() -> tuple[list[dict[str, str]], dict[str, Any]]:
        async with context.zoom_client() as zoom:
            users = await fetch_users(zoom, globs=globs)
            schedules = await fetch_schedules(zoom, users, window_start, window_end)
        return free_records(schedules, at=start, duration_minutes=minutes, padding_minutes=padding)

    free, blocked = context.run(main())
    out = context.out
    if json_output:
        out.json(free)
    else:
        out.table(_FREE_COLUMNS, free)
    for email, meetings in blocked.items():
        out.debug(f"{email} is busy: " + ", ".join(f'"{m.topic}"' for m in meetings))
    out.note(
        f"{len(free)} of {len(free) + len(blocked)} host users free "
        f"{start:%a %d %b %H:%M}-{start + timedelta(minutes=minutes):%H:%M %Z} "
        f"(padding {padding} min)"
    )


# --- rename, undo, history, audit -------------------------------------------------------------

_RENAME_HELP = """\
Give Zoom host users generic names ("Acme Corp Host A", "B", …): plan, confirm, apply, journal.

Everyone who starts a meeting with a host link appears under the host user's own name, so host
users should carry generic names. Selection: --match email globs, else the pool
(`zoom.host_users`); --from-csv FILE (columns email,name) gives explicit names instead of the
template. Nothing selected is exit 2: this never renames every user by default.

Template (default `org.host_name_template`): {org}, {letter} (A..Z, AA, AB, …), {n} or {n:02}.
A user whose name already renders from the template keeps its label; the others, in email order,
take the lowest free labels, so a rerun after adding users renames only the new ones. Each user
gets display_name = the new name, and first_name / last_name = the name split on its last space.
Names over Zoom's 64 characters are refused in the plan (exit 2), before any request.

The plan is shown first; --dry-run stops there (--json / --csv print it; the CSV round-trips into
--from-csv). Without --yes it asks on a terminal, and refuses (exit 2) when stdin is not one.
Before the first PATCH the run and every user's before/after names are journaled in the
workspace; each outcome is recorded as it lands. A run cut off (Ctrl-C, kill, lost network, a
daily rate limit) is finished by running the same command again; `undo` restores a run's
before-names. Requests go out concurrently at the rate limit (zoom.rate_limits x rate_share).

Exit codes: 1 some users failed (listed; rerun the command to retry them), 2 nothing selected,
a name refused, or --yes needed.

Examples:

```
usked admin zoom-users rename --dry-run
usked admin zoom-users rename --match 'host-*@acme.org' --yes
usked admin zoom-users rename --dry-run --csv > names.csv   # edit, then:
usked admin zoom-users rename --from-csv names.csv --yes --json
```
"""


def _confirm(question: str, yes: bool) -> None:
    import sys

    from usked_cli.errors import EXIT_FAILURE, InputError

    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError("--yes required when not running interactively (stdin is not a terminal)")
    if not typer.confirm(question, default=False, err=True):
        typer.echo("aborted: nothing was changed", err=True)
        raise typer.Exit(EXIT_FAILURE)


class _Progress:
    """Per-user progress on stderr: a live counter on a terminal, else `(i/N) email: …` lines."""

    def __init__(self, out: Any, total: int, done_before: int = 0) -> None:
        self.out = out
        self.total = total
        self.count = done_before
        self.failed = 0
        self.live = out.stderr_is_tty

    def __call__(self, result: Any) -> None:
        self.count += 1
        self.failed += result.status == "failed"
        if self.live:
            width = 30
            filled = width * self.count // max(1, self.total)
            bar = "#" * filled + "-" * (width - filled)
            failed = f", {self.failed} failed" if self.failed else ""
            self.out.stderr.write(f"\r[{bar}] {self.count}/{self.total}{failed}\x1b[K")
            self.out.stderr.flush()
        else:
            detail = f": {result.message}" if result.message else ""
            self.out.note(f"({self.count}/{self.total}) {result.email}: {result.status}{detail}")

    def close(self) -> None:
        if self.live:
            self.out.stderr.write("\n")


_PLAN_COLUMNS = [
    Column("email", "Email", style="bold"),
    Column("current_name", "Current name"),
    Column(
        "new_name", "New name", tty=lambda v, r: "(unchanged)" if r["action"] == "unchanged" else v
    ),
    Column("action", "Action"),
    Column("reason", "Reason", style="dim"),
]
_PLAN_CSV_COLUMNS = [
    Column(k, k) for k in ("email", "new_name", "current_name", "action", "reason")
]
_RESULT_COLUMNS = [
    Column("email", "Email", style="bold"),
    Column("old", "Old name"),
    Column("new", "New name"),
    Column("status", "Result"),
    Column("message", "Message", style="red"),
]


@app.command("rename", help=_RENAME_HELP)
def rename_cmd(
    ctx: typer.Context,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", "-t", help="Name template (default: org.host_name_template).", metavar="T"
        ),
    ] = None,
    match: MatchOpt = None,
    from_csv: Annotated[
        Path | None,
        typer.Option(
            "--from-csv", help="CSV with columns email,name: explicit names.", metavar="FILE"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    csv_output: Annotated[
        bool, typer.Option("--csv", help="With --dry-run: the plan as CSV.")
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            min=1,
            max=200,
            help="Requests in flight at most (the rate limit sets the pace).",
        ),
    ] = 24,
) -> None:
    from usked_cli.errors import InputError
    from usked_cli.journal import RenameJournal
    from usked_cli.renames import Selection, read_names_csv, rename_key
    from usked_cli.rules.names import uses_org, validate_template

    context = app_context(ctx)
    settings = context.settings()
    if match and from_csv:
        raise InputError("--match and --from-csv are alternatives: the CSV lists the users")
    if csv_output and not dry_run:
        raise InputError("--csv prints the plan: use it with --dry-run")
    if json_output and csv_output:
        raise InputError("--json and --csv are alternatives; choose one")
    if from_csv is not None:
        selection = Selection(
            "csv", names=read_names_csv(from_csv), csv_path=str(from_csv.resolve())
        )
    elif match:
        selection = Selection("match", globs=tuple(match))
    elif settings.zoom.host_users:
        selection = Selection("pool", globs=tuple(settings.zoom.host_users))
    else:
        raise InputError(
            "nothing selects anyone: give --match GLOB or --from-csv FILE, or set the pool",
            hint="usked admin settings set host-users 'host-*@acme.org'",
        )
    template = template or settings.org.host_name_template
    try:
        validate_template(template)
    except ValueError as exc:
        raise InputError(f"--template {template!r}: {exc}") from None
    org = settings.org.name
    if uses_org(template) and not org.strip():
        raise InputError(
            "the template uses {org} but org.name is empty",
            hint="usked admin settings set org-name 'Acme Corp'",
        )
    key = rename_key(selection, template=template, org=org)
    journal = RenameJournal(context.workspace())
    unfinished = None if dry_run else journal.find_unfinished(key)
    _run_rename(
        context,
        journal,
        key=key,
        selection=selection,
        template=template,
        org=org,
        unfinished=unfinished,
        dry_run=dry_run,
        yes=yes,
        json_output=json_output,
        csv_output=csv_output,
        concurrency=concurrency,
    )


def _run_rename(
    context: AppContext,
    journal: Any,
    *,
    key: str,
    selection: Any,
    template: str,
    org: str,
    unfinished: Any,
    dry_run: bool,
    yes: bool,
    json_output: bool,
    csv_output: bool,
    concurrency: int,
) -> None:
    from usked_cli.errors import InputError
    from usked_cli.renames import load_pool, make_plan, plan_record, planned_renames

    out = context.out

    async def main() -> dict[str, Any] | None:
        async with context.zoom_client() as zoom:
            if unfinished is not None:
                counts = unfinished.counts
                out.note(
                    f"resuming run {unfinished.run_id} (started {unfinished.created_at}): "
                    f"{counts['done']} of {counts['total']} done, "
                    f"{counts['total'] - counts['done']} to go"
                )
                _confirm(f"Finish run {unfinished.run_id}?", yes)
                return await _apply(
                    context, zoom, journal, unfinished.run_id, concurrency, unfinished=True
                )
            pool = await load_pool(zoom, selection)
            if not pool.selected:
                what = (
                    "the CSV's emails" if selection.source == "csv" else ", ".join(selection.globs)
                )
                raise InputError(f"nothing selects anyone: no active Zoom user matches {what}")
            plan = make_plan(pool, selection, template=template, org=org)
            records = [plan_record(change) for change in plan.changes]
            for warning in plan.warnings:
                out.warn(warning)
            if dry_run:
                if json_output:
                    out.json(records)
                elif csv_output:
                    out.csv(_PLAN_CSV_COLUMNS, ({**r, "new_name": r["new_name"]} for r in records))
                else:
                    out.table(_PLAN_COLUMNS, records)
            _summarise_plan(out, plan)
            if plan.refused:
                first = plan.refused[0]
                raise InputError(
                    f"{len(plan.refused)} names refused, e.g. {first.email}: {first.reason}",
                    hint="shorten the template or the org name (Zoom allows 64 characters)",
                )
            if dry_run:
                return None
            if not plan.renames:
                out.note("nothing to rename: every selected user already has its name")
                if json_output:
                    out.json(
                        {
                            "run_id": None,
                            "resumed": False,
                            "counts": _counts([], plan),
                            "results": [],
                        }
                    )
                return None
            if not json_output and out.stderr_is_tty:
                context.out.console(stderr=True).print("Plan:")
                _print_plan_to_stderr(context, [r for r in records if r["action"] != "unchanged"])
            _confirm(f"Rename {len(plan.renames)} Zoom users?", yes)
            run_id = journal.start_run(
                kind="rename",
                run_key=key,
                selection=selection.as_json(),
                template=template if selection.source != "csv" else None,
                org=org,
                undo_of=None,
                renames=planned_renames(plan, pool),
                now=context.now(),
            )
            report = await _apply(context, zoom, journal, run_id, concurrency, unfinished=False)
            report["counts"]["unchanged"] = len(plan.unchanged)
            return report

    report = context.run(main())
    if report is not None:
        _finish_report(context, report, json_output=json_output)


def _counts(results: list[Any], plan: Any = None) -> dict[str, int]:
    return {
        "renamed": sum(r.status == "renamed" for r in results),
        "failed": sum(r.status == "failed" for r in results),
        "unchanged": len(plan.unchanged) if plan is not None else 0,
    }


def _summarise_plan(out: Any, plan: Any) -> None:
    out.note(
        f"plan: {len(plan.renames)} to rename, {len(plan.unchanged)} unchanged"
        + (f", {len(plan.refused)} refused" if plan.refused else "")
    )


def _print_plan_to_stderr(context: AppContext, records: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("Email", "Current name", "New name"):
        table.add_column(column)
    for record in records:
        table.add_row(record["email"], record["current_name"], record["new_name"])
    context.out.console(stderr=True).print(table)


async def _apply(
    context: AppContext, zoom: Any, journal: Any, run_id: str, concurrency: int, *, unfinished: bool
) -> dict[str, Any]:
    """Apply a journaled run; on interruption or a fatal error, say how to finish it."""
    from usked_cli.renames import apply_run
    from usked_cli.zoom.errors import ZoomError

    items = journal.items(run_id)
    done_before = sum(item.status == "done" for item in items)
    progress = _Progress(context.out, len(items), done_before)
    finish_hint = "run the same command again to finish it"
    try:
        results = await apply_run(
            zoom, journal, run_id, concurrency=concurrency, now=context.now, on_result=progress
        )
    except ZoomError as exc:
        progress.close()
        exc.hint = f"{exc.hint + '; ' if exc.hint else ''}run {run_id} is journaled: {finish_hint}"
        raise
    except (KeyboardInterrupt, Exception):
        progress.close()
        context.out.note(f"run {run_id} stopped; {finish_hint}")
        raise
    progress.close()
    state = journal.finish(run_id, now=context.now())
    stats = zoom.stats
    if stats.retries or context.out.verbose:
        context.out.note(
            f"zoom: {stats.requests} requests, {stats.retries} retries, "
            f"{stats.rate_limited} rate-limited, {stats.server_errors} server errors"
        )
    return {
        "run_id": run_id,
        "resumed": unfinished,
        "state": state,
        "counts": {**_counts(results), "done_before": done_before},
        "results": [result.as_json() for result in results],
    }


def _finish_report(context: AppContext, report: dict[str, Any], *, json_output: bool) -> None:
    from usked_cli.errors import EXIT_FAILURE

    out = context.out
    counts = report["counts"]
    if json_output:
        out.json(report)
    else:
        out.table(_RESULT_COLUMNS, report["results"])
    failed = [r for r in report["results"] if r["status"] == "failed"]
    out.note(
        f"run {report['run_id']}: {counts['renamed']} renamed, {counts['failed']} failed"
        + (f", {counts['done_before']} done before" if counts.get("done_before") else "")
    )
    if failed:
        for row in failed:
            out.error(f"{row['email']}: {row['message']}")
        out.note("run the same command again to retry the failed users")
        raise typer.Exit(EXIT_FAILURE)


_UNDO_HELP = """\
Restore the names a run changed (default: the latest rename run), with the same journal and rate.

Users already showing their before-names are left alone; a user renamed since the run is
restored anyway, with a warning (the undo's own journal keeps the name it replaces). An undo
is itself a run: `history` lists it, and undoing it renames again.

Examples:

```
usked admin zoom-users history
usked admin zoom-users undo --yes
usked admin zoom-users undo 20261127T150405-3f2a --dry-run
```
"""


@app.command("undo", help=_UNDO_HELP)
def undo_cmd(
    ctx: typer.Context,
    run_id: Annotated[
        str | None,
        typer.Argument(help="The run to undo (default: the latest rename).", metavar="[RUN_ID]"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be restored.")
    ] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=200)] = 24,
) -> None:
    from usked_cli.errors import NotFoundError
    from usked_cli.journal import RenameJournal
    from usked_cli.renames import plan_undo, run_key

    context = app_context(ctx)
    journal = RenameJournal(context.workspace())
    target = journal.run(run_id) if run_id else journal.latest("rename")
    if target is None:
        raise NotFoundError(
            f"no rename run {run_id}" if run_id else "no rename run to undo",
            hint="`usked admin zoom-users history` lists the runs",
        )
    key = run_key("undo", target=target.run_id)
    unfinished = None if dry_run else journal.find_unfinished(key)
    out = context.out

    async def main() -> dict[str, Any] | None:
        async with context.zoom_client() as zoom:
            if unfinished is not None:
                out.note(f"resuming undo run {unfinished.run_id} of {target.run_id}")
                _confirm(f"Finish undo run {unfinished.run_id}?", yes)
                return await _apply(
                    context, zoom, journal, unfinished.run_id, concurrency, unfinished=True
                )
            renames, warnings = await plan_undo(zoom, journal.items(target.run_id))
            for warning in warnings:
                out.warn(warning)
            records = [
                {
                    "user_id": r.user_id,
                    "email": r.email,
                    "current_name": r.before.display,
                    "restore": r.after.display,
                }
                for r in renames
            ]
            if dry_run:
                if json_output:
                    out.json(records)
                else:
                    out.table(
                        [
                            Column("email", "Email", style="bold"),
                            Column("current_name", "Current name"),
                            Column("restore", "Restore"),
                        ],
                        records,
                    )
                out.note(f"undo of {target.run_id}: {len(records)} to restore")
                return None
            if not renames:
                out.note(f"nothing to undo: every user of run {target.run_id} has its before-name")
                if json_output:
                    out.json(
                        {
                            "run_id": None,
                            "resumed": False,
                            "counts": {"renamed": 0, "failed": 0},
                            "results": [],
                        }
                    )
                return None
            _confirm(
                f"Restore {len(renames)} Zoom users' names from before run {target.run_id}?", yes
            )
            undo_id = journal.start_run(
                kind="undo",
                run_key=key,
                selection={"undo_of": target.run_id},
                template=None,
                org=None,
                undo_of=target.run_id,
                renames=renames,
                now=context.now(),
            )
            return await _apply(context, zoom, journal, undo_id, concurrency, unfinished=False)

    report = context.run(main())
    if report is not None:
        _finish_report(context, report, json_output=json_output)


_HISTORY_COLUMNS = [
    Column("run_id", "Run", style="bold"),
    Column("kind", "Kind"),
    Column("state", "State"),
    Column("created_at", "Started"),
    Column("done", "Done"),
    Column("failed", "Failed"),
    Column("left", "Left"),
    Column("what", "What", style="dim"),
]


@app.command("history")
def history_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """List rename and undo runs, newest first, with their counts and state.

    State: running (unfinished: the same command finishes it), done, or partial (some failed).

    Example: `usked admin zoom-users history --json | jq '.[0]'`
    """
    from usked_cli.journal import RenameJournal

    context = app_context(ctx)
    runs = RenameJournal(context.workspace()).runs()
    if json_output:
        context.out.json([run.as_json() for run in runs])
        return
    if not runs:
        context.out.note("no rename runs yet")
        return
    rows = []
    for run in runs:
        counts = run.counts
        what = (
            f"undo of {run.undo_of}"
            if run.undo_of
            else f"{json_selection(run.selection)} -> {run.template or 'CSV names'}"
        )
        rows.append(
            {
                "run_id": run.run_id,
                "kind": run.kind,
                "state": run.state,
                "created_at": run.created_at,
                "done": counts["done"],
                "failed": counts["failed"],
                "left": counts["pending"] + counts["sending"],
                "what": what,
            }
        )
    context.out.table(_HISTORY_COLUMNS, rows)


def json_selection(selection: dict[str, Any]) -> str:
    for key in ("match", "pool"):
        if key in selection:
            return f"{key} {','.join(selection[key])}"
    if "csv" in selection:
        return f"csv {selection['csv']}"
    return str(selection)


_AUDIT_COLUMNS = [
    Column("email", "Email", style="bold"),
    Column("display_name", "Display name"),
    Column("problems", "Problems", tty=lambda v, r: "; ".join(v), plain=lambda v, r: "; ".join(v)),
    Column("id", "User ID", style="dim"),
]


@app.command("audit")
def audit_cmd(
    ctx: typer.Context,
    match: MatchOpt = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", "-t", help="Template (default: org.host_name_template).", metavar="T"
        ),
    ] = None,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    """Find pool host users with a personal (non-generic) name or without a Zoom licence.

    A name that does not render from the template shows a person's name to everyone who starts a
    meeting with a host link; a basic (type 1) user's meetings end after 40 minutes whoever joins.
    Exit 1 when there are any (for cron alerts).

    Example: `usked admin zoom-users audit --json | jq -r '.[].email'`
    """
    from usked_cli.errors import EXIT_FAILURE, InputError
    from usked_cli.renames import audit_records
    from usked_cli.rules.names import validate_template
    from usked_cli.zoom.pool import fetch_users

    context = app_context(ctx)
    settings = context.settings()
    if json_output and csv_output:
        raise InputError("--json and --csv are alternatives; choose one")
    globs = pool_globs(context, match, pool=True)
    template = template or settings.org.host_name_template
    try:
        validate_template(template)
    except ValueError as exc:
        raise InputError(f"--template {template!r}: {exc}") from None

    async def main() -> tuple[int, list[dict[str, Any]]]:
        async with context.zoom_client() as zoom:
            users = await fetch_users(zoom, globs=globs)
        return len(users), audit_records(users, template=template, org=settings.org.name)

    total, records = context.run(main())
    out = context.out
    if json_output:
        out.json(records)
    elif csv_output:
        out.csv(
            [Column(k, k) for k in ("id", "email", "display_name", "type")]
            + [Column("problems", "problems", plain=lambda v, r: "; ".join(v))],
            records,
        )
    else:
        out.table(_AUDIT_COLUMNS, records)
    out.note(f"{len(records)} of {total} pool host users need attention")
    if records:
        raise typer.Exit(EXIT_FAILURE)
