"""`usked admin zoom-users rename|undo|history|audit`: generic names for the pool's host users.

Thin commands over usked_cli.renames (select, plan, journal, apply) and usked_cli.journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usked_cli.cli.context import AppContext, app_context
from usked_cli.cli.options import CsvOpt, JsonOpt, MatchOpt, YesOpt, one_format
from usked_cli.errors import EXIT_INTERRUPTED, EXIT_TERMINATED
from usked_cli.render import Column, Output, Row, zone_header

if TYPE_CHECKING:
    from usked_cli.errors import UskedError
    from usked_cli.journal import RenameJournal, RunLock, RunSummary
    from usked_cli.renames import ItemResult, Selection
    from usked_cli.rules.names import NamePlan
    from usked_cli.zoom.client import ZoomClient


TemplateOpt = Annotated[
    str | None,
    typer.Option(
        "--template", "-t", help="Name template (default: org.host_name_template).", metavar="T"
    ),
]


def _template(given: str | None, configured: str) -> str:
    """--template, else the configured one; refused (exit 2) when it is not a valid template."""
    from usked_cli.errors import InputError
    from usked_cli.rules.names import validate_template

    template = given or configured
    try:
        validate_template(template)
    except ValueError as exc:
        raise InputError(f"--template {template!r}: {exc}") from None
    return template


def register(app: typer.Typer) -> None:
    app.command("rename", help=_RENAME_HELP)(rename_cmd)
    app.command("undo", help=_UNDO_HELP)(undo_cmd)
    app.command("history")(history_cmd)
    app.command("audit")(audit_cmd)


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
Names Zoom would refuse (a first or last name over 64 characters, or with more than 5 Chinese
characters) are refused in the plan (exit 2), before any change.

The plan is shown first; --dry-run stops there (--json / --csv print it). The plan's CSV has
the columns email,name,current_name,action,reason and is exactly what --from-csv reads: edit the
name column and feed the file back. Cells starting with = + - @ are written with a leading '
(spreadsheets would run them as formulas); --from-csv removes it. On a terminal the first 20
rows of the plan are shown before the question (--show-plan: every row), then a progress bar.
Without --yes it asks on a terminal, and refuses (exit 2) when stdin is not one.

Before the first PATCH the run and every user's before/after names are journaled in the
workspace; each outcome is recorded as it lands. A run cut off (Ctrl-C, SIGTERM, kill -9, lost
network, a daily rate limit) is `interrupted` in `history` and is finished by running the same
command again; `undo` restores a run's before-names. One rename or undo at a time per workspace:
a second one is refused (exit 1) naming the run in progress. Requests go out concurrently at the
rate limit (zoom.rate_limits x rate_share).

Exit codes: 1 some users failed (listed; rerun the command to retry them), or another rename
is in progress; 2 nothing selected, a name refused, or --yes needed; 130 interrupted by Ctrl-C
(SIGINT), 143 stopped by SIGTERM (run the same command again to resume).

Examples:

```
usked admin zoom-users rename --dry-run
usked admin zoom-users rename --match 'host-*@acme.org' --yes
usked admin zoom-users rename --dry-run --csv > names.csv   # edit, then:
usked admin zoom-users rename --from-csv names.csv --yes --json
```
"""


def _can_confirm(yes: bool) -> None:
    """Refuse up front, before asking Zoom anything, when no one could answer the question."""
    import sys

    from usked_cli.errors import InputError

    if not yes and not sys.stdin.isatty():
        raise InputError(
            "--yes required when not running interactively (stdin is not a terminal)",
            hint="review the plan with --dry-run, then run again with --yes",
        )


def _confirm(question: str, yes: bool) -> None:
    from usked_cli.errors import EXIT_FAILURE

    _can_confirm(yes)
    if yes:
        return
    if not typer.confirm(question, default=False, err=True):
        typer.echo("aborted: nothing was changed", err=True)
        raise typer.Exit(EXIT_FAILURE)


# SIGTERM's exit code: 128 + 15, as a shell reports a process that SIGTERM ended.
RESUME_HINT = "run the same command again to resume"


class _RunProgress:
    """Per-user progress on stderr: a bar with counts, ETA and rate on a terminal (after half a
    second), else one `(i/N) email: …` line per user (for logs)."""

    def __init__(self, context: AppContext, verb: str, total: int, done_before: int = 0) -> None:
        from usked_cli.progress import progress

        self.out = context.out
        self.verb = verb
        self.total = total
        self.count = done_before
        self.failed = 0
        self.lines = not self.out.stderr_is_tty
        self.bar = progress(
            self.out,
            verb,
            total=total,
            completed=done_before,
            clock=context.monotonic,
            rate=True,
        )

    def __call__(self, result: ItemResult) -> None:
        self.count += 1
        self.failed += result.status == "failed"
        if self.lines:
            detail = f": {result.message}" if result.message else ""
            self.out.note(f"({self.count}/{self.total}) {result.email}: {result.status}{detail}")
            return
        failed = f" ({self.failed} failed)" if self.failed else ""
        self.bar.update(completed=self.count, description=self.verb + failed)

    def close(self) -> None:
        self.bar.close()


@contextmanager
def _interruptible(journal: RenameJournal, lock: RunLock) -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM stop a run cleanly: the journal marks it `interrupted`, stderr
    says how to resume, and the exit code is 130 (SIGINT) or 143 (SIGTERM).

    SIGTERM is handed to whatever handles SIGINT at that moment (asyncio's runner cancels the
    main task; elsewhere KeyboardInterrupt), so both unwind the same way: in-flight requests are
    cancelled and their items stay `sending`, to be checked in Zoom by the resuming run. Any other
    early exit (a fatal Zoom error, say) leaves the run `interrupted` too.
    """
    import signal
    from types import FrameType

    terminated: list[int] = []

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        terminated.append(signum)
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    try:
        previous: Any = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread: SIGTERM keeps its handler
        previous = None
    try:
        yield
    except KeyboardInterrupt:
        name, code = ("SIGTERM", EXIT_TERMINATED) if terminated else ("SIGINT", EXIT_INTERRUPTED)
        raise _interrupted(journal, lock.run_id, name, code) from None
    except BaseException:
        if lock.run_id is not None:
            journal.interrupt(lock.run_id)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupted(journal: RenameJournal, run_id: str | None, signal: str, code: int) -> UskedError:
    from usked_cli.errors import UskedError

    if run_id is None:
        return UskedError(f"interrupted ({signal}) before any change was made", exit_code=code)
    if not journal.interrupt(run_id):
        return UskedError(
            f"interrupted ({signal}) after run {run_id} had finished",
            hint="`usked admin zoom-users history` shows it",
            exit_code=code,
        )
    run = journal.run(run_id)
    counts = run.counts if run is not None else {"done": 0, "total": 0}
    return UskedError(
        f"interrupted ({signal}): run {run_id} stopped with {counts['done']} of "
        f"{counts['total']} users done; the journal keeps the rest",
        hint=RESUME_HINT,
        exit_code=code,
    )


_PLAN_COLUMNS = [
    Column("email", "Email", style="bold", kind="email"),
    Column("current_name", "Current name"),
    Column(
        "new_name", "New name", tty=lambda v, r: "(unchanged)" if r["action"] == "unchanged" else v
    ),
    Column("action", "Action"),
    Column("reason", "Reason", style="dim"),
]
_RESULT_COLUMNS = [
    Column("email", "Email", style="bold", kind="email"),
    Column("old", "Old name"),
    Column("new", "New name"),
    Column("status", "Result"),
    Column("message", "Message", style="red"),
]


def rename_cmd(
    ctx: typer.Context,
    template: TemplateOpt = None,
    match: MatchOpt = None,
    from_csv: Annotated[
        Path | None,
        typer.Option(
            "--from-csv",
            help="CSV with columns email,name (the plan's own CSV): explicit names.",
            metavar="FILE",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    csv_output: Annotated[
        bool, typer.Option("--csv", help="With --dry-run: the plan as CSV (for --from-csv).")
    ] = False,
    show_plan: Annotated[
        bool,
        typer.Option("--show-plan", help="On a terminal, show every row of the plan (default 20)."),
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            min=1,
            max=200,
            metavar="N",
            help="Requests in flight at most, 1-200 (the rate limit sets the pace).",
        ),
    ] = 24,
) -> None:
    from usked_cli.errors import InputError
    from usked_cli.journal import RenameJournal
    from usked_cli.renames import Selection, read_names_csv, rename_key
    from usked_cli.rules.names import uses_org

    context = app_context(ctx)
    settings = context.settings()
    if match and from_csv:
        raise InputError("--match and --from-csv are alternatives: the CSV lists the users")
    if csv_output and not dry_run:
        raise InputError("--csv prints the plan: use it with --dry-run")
    one_format(json_output, csv_output)
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
    template = _template(template, settings.org.host_name_template)
    org = settings.org.name
    if uses_org(template) and not org.strip():
        raise InputError(
            "the template uses {org} but org.name is empty",
            hint="usked admin settings set org-name 'Acme Corp'",
        )
    if not dry_run:
        _can_confirm(yes)
    key = rename_key(selection, template=template, org=org)
    journal = RenameJournal(context.workspace())
    options: dict[str, Any] = {
        "key": key,
        "selection": selection,
        "template": template,
        "org": org,
        "dry_run": dry_run,
        "yes": yes,
        "json_output": json_output,
        "csv_output": csv_output,
        "show_plan": show_plan,
        "concurrency": concurrency,
    }
    if dry_run:
        _run_rename(context, journal, lock=None, unfinished=None, **options)
        return
    with journal.lock(kind="rename", now=context.now()) as lock, _interruptible(journal, lock):
        unfinished = journal.find_unfinished(key)
        _run_rename(context, journal, lock=lock, unfinished=unfinished, **options)


def _run_rename(
    context: AppContext,
    journal: RenameJournal,
    *,
    lock: RunLock | None,
    key: str,
    selection: Selection,
    template: str,
    org: str,
    unfinished: RunSummary | None,
    dry_run: bool,
    yes: bool,
    json_output: bool,
    csv_output: bool,
    show_plan: bool,
    concurrency: int,
) -> None:
    from usked_cli.errors import InputError
    from usked_cli.renames import (
        PLAN_CSV_FIELDS,
        load_pool,
        make_plan,
        plan_csv_row,
        plan_record,
        planned_renames,
    )
    from usked_cli.zoom.check import RENAME_ENDPOINTS, require_scopes

    out = context.out

    async def main() -> dict[str, Any] | None:
        async with context.zoom_client() as zoom:
            if not dry_run:  # every scope the run needs, before its first PATCH
                await require_scopes(zoom, RENAME_ENDPOINTS, what="a rename")
            if unfinished is not None:
                counts = unfinished.counts
                out.note(
                    f"resuming run {unfinished.run_id} (started {unfinished.created_at}): "
                    f"{counts['done']} of {counts['total']} done, "
                    f"{counts['total'] - counts['done']} to go"
                )
                _confirm(f"Finish run {unfinished.run_id}?", yes)
                assert lock is not None
                lock.record(unfinished.run_id)
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
                    out.csv([Column(k, k) for k in PLAN_CSV_FIELDS], map(plan_csv_row, records))
                else:
                    out.table(_PLAN_COLUMNS, records)
            _summarise_plan(out, plan)
            if plan.refused:
                first = plan.refused[0]
                raise InputError(
                    f"{len(plan.refused)} name{'' if len(plan.refused) == 1 else 's'} "
                    f"refused, e.g. {first.email}: {first.reason}",
                    hint="shorten org.name or the template (a first or last name: at most 64 "
                    "characters, at most 5 of them Chinese)",
                )
            if dry_run:
                return None
            if not plan.renames:
                out.note("nothing to rename: every selected user already has its name")
                if json_output:
                    out.json(
                        _report(None, resumed=False, state=None, results=[], unchanged=len(records))
                    )
                return None
            _show_plan(context, [r for r in records if r["action"] != "unchanged"], show_plan)
            _warn_daily_cap(context, len(plan.renames))
            _confirm(f"Rename {len(plan.renames)} Zoom users?", yes)
            assert lock is not None
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
            lock.record(run_id)
            report = await _apply(context, zoom, journal, run_id, concurrency, unfinished=False)
            report["counts"]["unchanged"] = len(plan.unchanged)
            return report

    report = context.run(main())
    if report is not None:
        _finish_report(context, report, json_output=json_output)


def _report(
    run_id: str | None,
    *,
    resumed: bool,
    state: str | None,
    results: list[ItemResult],
    unchanged: int = 0,
    done_before: int = 0,
) -> dict[str, Any]:
    """The `--json` report of a rename or undo: the same fields always (run_id null: no run)."""
    return {
        "run_id": run_id,
        "resumed": resumed,
        "state": state,
        "counts": {
            "renamed": sum(r.status == "renamed" for r in results),
            "failed": sum(r.status == "failed" for r in results),
            "unchanged": unchanged,
            "done_before": done_before,
        },
        "results": [r.as_json() for r in results],
    }


def _summarise_plan(out: Output, plan: NamePlan) -> None:
    out.note(
        f"plan: {len(plan.renames)} to rename, {len(plan.unchanged)} unchanged"
        + (f", {len(plan.refused)} refused" if plan.refused else "")
    )


_PREVIEW_COLUMNS = [
    Column("email", "Email", kind="email"),
    Column("current_name", "Current name"),
    Column("new_name", "New name"),
]
# Rows of the plan shown on a terminal before the question (--show-plan: all of them).
PLAN_PREVIEW_ROWS = 20


def _warn_daily_cap(context: AppContext, changes: int) -> None:
    """On a plan with daily caps (Free: 6,000 light requests a day), a run that cannot fit in
    one day is said before it starts: it will stop at the cap, journaled, to be finished by the
    same command after the reset (00:00 UTC)."""
    from usked_cli.zoom.ratelimit import PLAN_DAILY_LIMITS

    plan = context.settings().zoom.plan
    cap = PLAN_DAILY_LIMITS.get(plan, {}).get("light")
    if cap is not None and changes > cap:
        context.out.warn(
            f"{changes} changes on the {plan} plan, which allows {cap:,} light requests a day: "
            "the run stops at the daily limit; the same command finishes it after the reset"
        )


def _show_plan(context: AppContext, records: list[dict[str, Any]], show_all: bool) -> None:
    """The renames about to be made, on stderr (data on stdout is the run's results).

    On a terminal: the first PLAN_PREVIEW_ROWS rows (every row with --show-plan); piped (a log):
    every row, one line each.
    """
    out = context.out
    if not out.stderr_is_tty:
        for r in records:
            out.note(f"plan: {r['email']}\t{r['current_name']}\t{r['new_name']}")
        return
    shown = records if show_all else records[:PLAN_PREVIEW_ROWS]
    out.table(_PREVIEW_COLUMNS, shown, title="Plan", stderr=True)
    if len(shown) < len(records):
        out.note(
            f"… and {len(records) - len(shown)} more "
            f"(--show-plan lists them all; --dry-run --csv writes the plan to a file)"
        )


async def _apply(
    context: AppContext,
    zoom: ZoomClient,
    journal: RenameJournal,
    run_id: str,
    concurrency: int,
    *,
    unfinished: bool,
) -> dict[str, Any]:
    """Apply a journaled run; on interruption or a fatal error, say how to finish it."""
    from usked_cli.renames import apply_run
    from usked_cli.zoom.errors import ZoomError

    run = journal.run(run_id)
    items = journal.items(run_id)
    done_before = sum(item.status == "done" for item in items)
    verb = "restoring names" if run is not None and run.kind == "undo" else "renaming"
    progress = _RunProgress(context, verb, len(items), done_before)
    finish_hint = "run the same command again to finish it"
    try:
        results = await apply_run(
            zoom, journal, run_id, concurrency=concurrency, now=context.now, on_result=progress
        )
    except ZoomError as exc:
        exc.hint = f"{exc.hint + '; ' if exc.hint else ''}run {run_id} is journaled: {finish_hint}"
        raise
    except Exception:
        context.out.note(f"run {run_id} stopped; {finish_hint}")
        raise
    finally:
        progress.close()
    state = journal.finish(run_id, now=context.now())
    stats = zoom.stats
    if stats.retries or context.out.verbose:
        context.out.note(
            f"zoom: {stats.requests} requests, {stats.retries} retries, "
            f"{stats.rate_limited} rate-limited, {stats.server_errors} server errors"
        )
    return _report(
        run_id, resumed=unfinished, state=state, results=results, done_before=done_before
    )


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
is itself a run: `history` lists it (and the run it undid as `undone`), and undoing it renames
again. Like a rename, it holds the workspace's rename lock while it runs, and an undo cut off
(Ctrl-C: exit 130; SIGTERM: exit 143; kill -9) is finished by running the same command again.

Examples:

```
usked admin zoom-users history
usked admin zoom-users undo --yes
usked admin zoom-users undo 20261127T150405-3f2a --dry-run
```
"""


def undo_cmd(
    ctx: typer.Context,
    run_id: Annotated[
        str | None,
        typer.Argument(help="The run to undo (default: the latest rename).", metavar="RUN_ID"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be restored.")
    ] = False,
    yes: YesOpt = False,
    json_output: JsonOpt = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            min=1,
            max=200,
            metavar="N",
            help="Requests in flight at most, 1-200 (the rate limit sets the pace).",
        ),
    ] = 24,
) -> None:
    from usked_cli.errors import NotFoundError
    from usked_cli.journal import RenameJournal
    from usked_cli.renames import run_key

    context = app_context(ctx)
    journal = RenameJournal(context.workspace())
    target = journal.run(run_id) if run_id else journal.latest("rename")
    if target is None:
        raise NotFoundError(
            f"no rename run {run_id}" if run_id else "no rename run to undo",
            hint="`usked admin zoom-users history` lists the runs",
        )
    if not dry_run:
        _can_confirm(yes)
    key = run_key("undo", target=target.run_id)
    if dry_run:
        _run_undo(context, journal, target, key, None, dry_run, yes, json_output, concurrency)
        return
    with journal.lock(kind="undo", now=context.now()) as lock, _interruptible(journal, lock):
        _run_undo(context, journal, target, key, lock, dry_run, yes, json_output, concurrency)


def _run_undo(
    context: AppContext,
    journal: RenameJournal,
    target: RunSummary,
    key: str,
    lock: RunLock | None,
    dry_run: bool,
    yes: bool,
    json_output: bool,
    concurrency: int,
) -> None:
    from usked_cli.renames import plan_undo
    from usked_cli.zoom.check import RENAME_ENDPOINTS, require_scopes

    unfinished = None if lock is None else journal.find_unfinished(key)
    out = context.out

    async def main() -> dict[str, Any] | None:
        async with context.zoom_client() as zoom:
            if not dry_run:  # every scope the run needs, before its first PATCH
                await require_scopes(zoom, RENAME_ENDPOINTS, what="an undo")
            if unfinished is not None:
                out.note(f"resuming undo run {unfinished.run_id} of {target.run_id}")
                _confirm(f"Finish undo run {unfinished.run_id}?", yes)
                assert lock is not None
                lock.record(unfinished.run_id)
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
                            Column("email", "Email", style="bold", kind="email"),
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
                    out.json(_report(None, resumed=False, state=None, results=[]))
                return None
            _confirm(
                f"Restore {len(renames)} Zoom users' names from before run {target.run_id}?", yes
            )
            assert lock is not None
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
            lock.record(undo_id)
            return await _apply(context, zoom, journal, undo_id, concurrency, unfinished=False)

    report = context.run(main())
    if report is not None:
        _finish_report(context, report, json_output=json_output)


# Piped: every field, times in ISO 8601 (one line per run, as scripts read it).
_HISTORY_COLUMNS = [
    Column("run_id", "Run"),
    Column("kind", "Kind"),
    Column("state", "State"),
    Column("created_at", "Started"),
    Column("done", "Done"),
    Column("failed", "Failed"),
    Column("left", "Left"),
    Column("what", "What"),
]


def _history_terminal_columns(runs: list[RunSummary], tz: tzinfo, now: datetime) -> list[Column]:
    """On a terminal: the start in the display zone (`02 Dec 07:40`, named once in the header),
    and What saying "rename:" or "undo of" in place of a Kind column, so that at 80 columns
    nothing an admin copies is split."""
    this_year = now.astimezone(tz).year

    def started(value: str, row: Row) -> str:
        moment = datetime.fromisoformat(value).astimezone(tz)
        return f"{moment:%d %b %H:%M}" if moment.year == this_year else f"{moment:%Y-%m-%d}"

    header = zone_header("Started", [run.created_at for run in runs], tz)
    return [
        Column("run_id", "Run", style="bold", kind="id"),
        Column("state", "State", kind="id"),
        Column("created_at", header, tty=started, kind="id", min_width=13),  # header whole
        Column("done", "Done", kind="id"),
        Column("failed", "Failed", kind="id"),
        Column("left", "Left", kind="id", optional=True),
        # At least a run id wide: "undo of RUN_ID" never splits the id `undo` takes.
        Column(
            "what",
            "What",
            tty=lambda v, r: v if r["kind"] == "undo" else f"rename: {v}",
            min_width=20,
        ),
    ]


def history_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """List rename and undo runs, newest first, with their counts and state.

    State: running (a live process is applying it now), interrupted (stopped before the end:
    Ctrl-C, SIGTERM, kill, a fatal Zoom error; the same command resumes it), done, failed
    (finished, some users failed; the same command plans them again), or undone (an undo of it
    finished).

    Examples:

    ```
    usked admin zoom-users history
    usked admin zoom-users history --json | jq -r '.[] | select(.state == "interrupted") | .run_id'
    ```
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
    out = context.out
    if out.is_tty:
        tz = context.basics().timezone
        out.table(_history_terminal_columns(runs, tz, context.now()), rows)
    else:
        out.tsv(_HISTORY_COLUMNS, rows)


def json_selection(selection: dict[str, Any]) -> str:
    for key in ("match", "pool"):
        if key in selection:
            return f"{key} {','.join(selection[key])}"
    if "csv" in selection:
        return f"csv {selection['csv']}"
    return str(selection)


_AUDIT_COLUMNS = [
    Column("email", "Email", style="bold", kind="email"),
    Column("display_name", "Display name"),
    Column("problems", "Problems", tty=lambda v, r: "; ".join(v), plain=lambda v, r: "; ".join(v)),
    Column("id", "User ID", style="dim", kind="id", optional=True),
]


def audit_cmd(
    ctx: typer.Context,
    match: MatchOpt = None,
    template: TemplateOpt = None,
    json_output: JsonOpt = False,
    csv_output: CsvOpt = False,
) -> None:
    """Find pool host users with a personal (non-generic) name or without a Zoom licence.

    A name that does not render from the template shows a person's name to everyone who starts a
    meeting with a host link; a basic (type 1) user's meetings end after 40 minutes whoever joins.
    Exit 1 when there are any (for cron alerts).

    Example: `usked admin zoom-users audit --json | jq -r '.[].email'`
    """
    from usked_cli.errors import EXIT_FAILURE
    from usked_cli.renames import audit_records
    from usked_cli.zoom.pool import fetch_users

    context = app_context(ctx)
    settings = context.settings()
    one_format(json_output, csv_output)
    globs = context.pool_globs(match, pool=True)
    template = _template(template, settings.org.host_name_template)

    async def main() -> tuple[int, list[dict[str, Any]]]:
        from usked_cli.progress import progress

        async with context.zoom_client() as zoom:
            with progress(context.out, "reading Zoom users", clock=context.monotonic) as bar:
                users = await fetch_users(zoom, globs=globs, on_page=bar.pages())
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
