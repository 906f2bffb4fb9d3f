"""Bulk generic renames of Zoom host users: select, plan, journal, apply, resume, undo, audit.

Whoever starts a meeting with a host link appears under the Zoom user's own name, so host users
carry generic names ("Acme Corp Host A"). A run is planned from Zoom's current names, committed to
the journal (usked_cli.journal) before its first PATCH, then applied concurrently at the rate the
client's limiter allows. The same command run again finds an interrupted run by its key (what was
asked: selection, template, org) and finishes it with the names it journaled, so a run cut off by
Ctrl-C, kill -9, a lost network or a daily rate limit keeps every user's before-name. A run that
finished with some users failed is closed as "failed"; running the command again plans afresh,
and the users that failed (their names unchanged) are in the new plan.

The plan's CSV (`rename --dry-run --csv`) is the very format `--from-csv` reads: PLAN_CSV_FIELDS
below is the one definition of its columns, for the writer and the reader alike.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from usked_cli.errors import InputError
from usked_cli.journal import JournalItem, Names, PlannedRename, RenameJournal
from usked_cli.rules.names import (
    NameChange,
    NamedUser,
    NamePlan,
    match_label,
    name_problem,
    plan_names,
    pool_matches,
)
from usked_cli.zoom.errors import ZoomError
from usked_cli.zoom.models import ZoomUser
from usked_cli.zoom.pool import fetch_users

if TYPE_CHECKING:
    from usked_cli.zoom.client import ZoomClient  # imports httpx: only for type hints

DEFAULT_CONCURRENCY = 24


@dataclass(frozen=True, slots=True)
class Selection:
    """Which users a rename touches: email globs (--match or the pool), or a CSV's emails."""

    source: str  # "match", "pool" or "csv"
    globs: tuple[str, ...] = ()
    names: tuple[tuple[str, str], ...] = ()  # (email, name) from --from-csv, in file order
    csv_path: str | None = None

    def selects(self, user: ZoomUser) -> bool:
        if self.source == "csv":
            return user.email.casefold() in {email.casefold() for email, _ in self.names}
        return pool_matches(user.email, self.globs)

    def explicit(self) -> dict[str, str] | None:
        return dict(self.names) if self.source == "csv" else None

    def as_json(self) -> dict[str, Any]:
        if self.source == "csv":
            return {"csv": self.csv_path, "emails": len(self.names)}
        return {self.source: list(self.globs)}


# The rename plan's CSV: `rename --dry-run --csv` writes these columns and `--from-csv` reads the
# first two (the others say what the plan was; the reader ignores them and any other column).
CSV_EMAIL = "email"
CSV_NAME = "name"  # the new name
PLAN_CSV_FIELDS = (CSV_EMAIL, CSV_NAME, "current_name", "action", "reason")
# A cell the writer guarded against spreadsheet formulas starts with ' and one of these
# (contracts, round 2: "CSV cells that begin with =, +, -, @, tab or CR").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plan_csv_row(record: dict[str, Any]) -> dict[str, Any]:
    """A plan record (`plan_record`) as a row of the plan's CSV (PLAN_CSV_FIELDS)."""
    return {
        CSV_EMAIL: record["email"],
        CSV_NAME: record["new_name"],
        "current_name": record["current_name"],
        "action": record["action"],
        "reason": record["reason"],
    }


def _csv_cell(value: str | None) -> str:
    """A cell as the user meant it: spaces around it dropped, one formula guard (') removed."""
    text = (value or "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_STARTS:
        return text[1:]
    return text


def read_names_csv(path: Path) -> tuple[tuple[str, str], ...]:
    """`email,name` rows (a header row naming both; other columns are ignored).

    The plan's own CSV (`rename --dry-run --csv`, PLAN_CSV_FIELDS) reads back as it was written.
    A name Zoom would refuse (`name_problem`: over 64 characters, more than 5 Chinese characters
    in its first or last name, a control character) refuses the whole file, every such row
    named by its line, so that no rename starts that would fail halfway.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if CSV_EMAIL not in fields or CSV_NAME not in fields:
        raise InputError(
            f"{path}: needs a header row with the columns {CSV_EMAIL} and {CSV_NAME} "
            f"(found: {', '.join(fields) or 'nothing'})"
        )
    reader.fieldnames = fields
    rows: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    refused: list[str] = []
    for row in reader:
        # The file's line (the last, for a quoted cell over several): blank lines count too.
        number = reader.line_num
        email = _csv_cell(row.get(CSV_EMAIL))
        name = _csv_cell(row.get(CSV_NAME))
        if not email and not name:
            continue
        if not email or "@" not in email:
            raise InputError(f"{path}, line {number}: {email!r} is not an email address")
        if not name:
            raise InputError(f"{path}, line {number}: no name for {email}")
        if email.casefold() in seen:
            raise InputError(
                f"{path}, line {number}: {email} is listed twice "
                f"(first on line {seen[email.casefold()]})"
            )
        seen[email.casefold()] = number
        if problem := name_problem(name):
            refused.append(f"line {number} ({email}): {problem}")
        rows.append((email, name))
    if refused:
        # One line on stderr (errors are one line), every refused row in it.
        raise InputError(
            f"{path}: Zoom would refuse {len(refused)} "
            f"{'name' if len(refused) == 1 else 'names'}: {'; '.join(refused)}",
            hint="shorten them in the file: the first name is the name up to its last space, "
            "the last name what follows (each at most 64 characters, at most 5 of them Chinese)",
        )
    if not rows:
        raise InputError(f"{path}: no rows")
    return tuple(rows)


def run_key(kind: str, **what: Any) -> str:
    """The identity of what a command asked for, so that running it again finds its run."""
    blob = json.dumps({"kind": kind, **what}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def rename_key(selection: Selection, *, template: str, org: str) -> str:
    return run_key(
        "rename",
        source=selection.source,
        globs=sorted(glob.casefold() for glob in selection.globs),
        names=sorted((email.casefold(), name) for email, name in selection.names),
        template=template,
        org=org,
    )


def named(user: ZoomUser) -> NamedUser:
    return NamedUser(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        first_name=user.first_name,
        last_name=user.last_name,
    )


def names_of(user: ZoomUser) -> Names:
    return Names(user.display_name, user.first_name, user.last_name)


@dataclass(frozen=True, slots=True)
class Pool:
    selected: tuple[ZoomUser, ...]
    others: tuple[ZoomUser, ...]


async def load_pool(zoom: ZoomClient, selection: Selection) -> Pool:
    """Every active user, split into the selection and the rest (the rest is only read)."""
    users = await fetch_users(zoom)
    return Pool(
        selected=tuple(u for u in users if selection.selects(u)),
        others=tuple(u for u in users if not selection.selects(u)),
    )


def make_plan(pool: Pool, selection: Selection, *, template: str, org: str) -> NamePlan:
    return plan_names(
        [named(u) for u in pool.selected],
        template=template,
        org=org,
        explicit=selection.explicit(),
        others=[named(u) for u in pool.others],
    )


def planned_renames(plan: NamePlan, pool: Pool) -> list[PlannedRename]:
    by_id = {user.id: user for user in pool.selected}
    return [
        PlannedRename(
            user_id=change.user_id,
            email=change.email,
            before=names_of(by_id[change.user_id]),
            after=Names(change.new_name, change.first_name, change.last_name),
        )
        for change in plan.renames
    ]


def plan_record(change: NameChange) -> dict[str, Any]:
    """One row of a rename plan (`--dry-run --json`; `--csv` round-trips into --from-csv)."""
    return {
        "user_id": change.user_id,
        "email": change.email,
        "current_name": change.current_name,
        "new_name": change.new_name,
        "first_name": change.first_name,
        "last_name": change.last_name,
        "label": change.label,
        "action": str(change.action),
        "reason": change.reason,
    }


@dataclass(frozen=True, slots=True)
class ItemResult:
    user_id: str
    email: str
    old: str
    new: str
    status: str  # "renamed", "failed"
    message: str

    def as_json(self) -> dict[str, str]:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "old": self.old,
            "new": self.new,
            "status": self.status,
            "message": self.message,
        }


async def apply_run(
    zoom: ZoomClient,
    journal: RenameJournal,
    run_id: str,
    *,
    concurrency: int,
    now: Callable[[], datetime],
    on_result: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Send every item of the run not done yet, recording each outcome as it lands.

    A fatal Zoom error (daily limit, credentials, unreachable host) stops the run and is raised;
    the journal keeps what is left for the next run of the same command.
    """
    todo = [item for item in journal.items(run_id) if item.status != "done"]

    async def one(item: JournalItem) -> ItemResult:
        try:
            if item.status == "sending":
                # Cut off mid-request last time: it may have landed; look before sending again.
                current = await zoom.get_user(item.user_id)
                if names_of(current) == item.after:
                    journal.mark(run_id, item.user_id, "done", now=now(), message="landed before")
                    return _report(item, "renamed", "landed before the interruption", on_result)
            journal.mark(run_id, item.user_id, "sending", now=now())
            await zoom.update_user_names(
                item.user_id,
                first_name=item.after.first,
                last_name=item.after.last,
                display_name=item.after.display,
            )
        except ZoomError as exc:
            if exc.fatal:
                raise  # the item stays as it was: checked on the next run
            journal.mark(run_id, item.user_id, "failed", now=now(), message=exc.message)
            return _report(item, "failed", exc.message, on_result)
        journal.mark(run_id, item.user_id, "done", now=now())
        return _report(item, "renamed", "", on_result)

    return await zoom.gather((one(item) for item in todo), concurrency=concurrency)


def _report(
    item: JournalItem, status: str, message: str, on_result: Callable[[ItemResult], None] | None
) -> ItemResult:
    result = ItemResult(
        item.user_id, item.email, item.before.display, item.after.display, status, message
    )
    if on_result is not None:
        on_result(result)
    return result


async def plan_undo(
    zoom: ZoomClient, items: Sequence[JournalItem]
) -> tuple[list[PlannedRename], list[str]]:
    """Put back each user's before-names; the undo's own before-names are Zoom's current ones.

    Users already showing their before-names are left alone; users no longer active are skipped
    with a warning.
    """
    current = {user.id: user for user in await fetch_users(zoom)}
    renames: list[PlannedRename] = []
    warnings: list[str] = []
    for item in items:
        user = current.get(item.user_id)
        if user is None:
            warnings.append(f"{item.email} is no longer an active Zoom user; not restored")
            continue
        now_names = names_of(user)
        if now_names == item.before:
            continue
        if now_names != item.after and item.status == "done":
            warnings.append(
                f"{item.email} was renamed since ({now_names.display!r}); "
                f"restoring {item.before.display!r} anyway "
                f"(the journal keeps {now_names.display!r})"
            )
        renames.append(PlannedRename(item.user_id, item.email, before=now_names, after=item.before))
    return renames, warnings


def audit_records(users: Sequence[ZoomUser], *, template: str, org: str) -> list[dict[str, Any]]:
    """Pool users with a non-generic name (not rendered from the template) or without a licence."""
    records = []
    for user in users:
        problems = []
        if match_label(template, org=org, name=user.display_name) is None:
            problems.append("name does not render from the template")
        if not user.licensed:
            problems.append("not licensed (type 1: Zoom ends its meetings after 40 minutes)")
        if problems:
            records.append(
                {
                    "id": user.id,
                    "email": user.email,
                    "display_name": user.display_name,
                    "type": user.type,
                    "problems": problems,
                }
            )
    return records
