"""The rename journal in the SQLite workspace: no name is ever lost.

Before the first PATCH of a run, the run and every user's before and after names are committed in
one transaction; each PATCH's outcome is committed as it lands. An item goes pending -> sending ->
done | failed. An item found in `sending` after a crash may or may not have landed: the next run
checks it in Zoom before sending it again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from usked_cli.store import Workspace

# Only an interrupted run is resumed; a "partial" one (finished, some failed) is not: a rerun plans
# afresh, which picks up its failed users and any users added since.
UNFINISHED = ("running",)


@dataclass(frozen=True, slots=True)
class Names:
    """The three name fields Zoom shows: display name, first name, last name."""

    display: str
    first: str
    last: str


@dataclass(frozen=True, slots=True)
class PlannedRename:
    user_id: str
    email: str
    before: Names
    after: Names


@dataclass(frozen=True, slots=True)
class JournalItem:
    seq: int
    user_id: str
    email: str
    before: Names
    after: Names
    status: str  # pending, sending, done, failed
    message: str | None


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    kind: str
    state: str
    created_at: str
    finished_at: str | None
    selection: dict[str, Any]
    template: str | None
    org: str | None
    undo_of: str | None
    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "state": self.state,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "selection": self.selection,
            "template": self.template,
            "undo_of": self.undo_of,
            "counts": self.counts,
        }


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds")


class RenameJournal:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.db = workspace.db

    def find_unfinished(self, run_key: str) -> RunSummary | None:
        row = self.db.execute(
            f"SELECT run_id FROM rename_run WHERE run_key = ? "
            f"AND state IN ({', '.join('?' * len(UNFINISHED))}) ORDER BY rowid DESC LIMIT 1",
            (run_key, *UNFINISHED),
        ).fetchone()
        return None if row is None else self.run(row[0])

    def start_run(
        self,
        *,
        kind: str,
        run_key: str,
        selection: dict[str, Any],
        template: str | None,
        org: str | None,
        undo_of: str | None,
        renames: Sequence[PlannedRename],
        now: datetime,
    ) -> str:
        """Commit the run and every planned rename at once; returns the new run id."""
        run_id = f"{now.astimezone(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"
        stamp = _stamp(now)
        with self.workspace.transaction() as db:
            db.execute(
                "INSERT INTO rename_run (run_id, kind, run_key, selection, template, org, "
                "undo_of, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                (run_id, kind, run_key, json.dumps(selection), template, org, undo_of, stamp),
            )
            db.executemany(
                "INSERT INTO rename_item (run_id, seq, user_id, email, before_display, "
                "before_first, before_last, after_display, after_first, after_last, status, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                [
                    (
                        run_id,
                        seq,
                        r.user_id,
                        r.email,
                        r.before.display,
                        r.before.first,
                        r.before.last,
                        r.after.display,
                        r.after.first,
                        r.after.last,
                        stamp,
                    )
                    for seq, r in enumerate(renames, start=1)
                ],
            )
        return run_id

    def items(self, run_id: str) -> list[JournalItem]:
        rows = self.db.execute(
            "SELECT seq, user_id, email, before_display, before_first, before_last, "
            "after_display, after_first, after_last, status, message "
            "FROM rename_item WHERE run_id = ? ORDER BY seq",
            (run_id,),
        )
        return [
            JournalItem(
                seq=row[0],
                user_id=row[1],
                email=row[2],
                before=Names(row[3], row[4], row[5]),
                after=Names(row[6], row[7], row[8]),
                status=row[9],
                message=row[10],
            )
            for row in rows
        ]

    def mark(
        self, run_id: str, user_id: str, status: str, *, now: datetime, message: str | None = None
    ) -> None:
        """Record an item's outcome (autocommit: it is on disk when this returns)."""
        self.db.execute(
            "UPDATE rename_item SET status = ?, message = ?, updated_at = ? "
            "WHERE run_id = ? AND user_id = ?",
            (status, message, _stamp(now), run_id, user_id),
        )

    def finish(self, run_id: str, *, now: datetime) -> str:
        """Close the run when nothing is left to send: 'done', or 'partial' with failures."""
        counts = self._counts(run_id)
        if counts["pending"] or counts["sending"]:
            return "running"
        state = "partial" if counts["failed"] else "done"
        self.db.execute(
            "UPDATE rename_run SET state = ?, finished_at = ? WHERE run_id = ?",
            (state, _stamp(now), run_id),
        )
        return state

    def run(self, run_id: str) -> RunSummary | None:
        row = self.db.execute(
            "SELECT run_id, kind, state, created_at, finished_at, selection, template, org, "
            "undo_of FROM rename_run WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return None
        return RunSummary(
            run_id=row[0],
            kind=row[1],
            state=row[2],
            created_at=row[3],
            finished_at=row[4],
            selection=json.loads(row[5]),
            template=row[6],
            org=row[7],
            undo_of=row[8],
            counts=self._counts(row[0]),
        )

    def runs(self) -> list[RunSummary]:
        ids = [
            row[0] for row in self.db.execute("SELECT run_id FROM rename_run ORDER BY rowid DESC")
        ]
        return [summary for run_id in ids if (summary := self.run(run_id)) is not None]

    def latest(self, kind: str) -> RunSummary | None:
        row = self.db.execute(
            "SELECT run_id FROM rename_run WHERE kind = ? ORDER BY rowid DESC LIMIT 1",
            (kind,),
        ).fetchone()
        return None if row is None else self.run(row[0])

    def _counts(self, run_id: str) -> dict[str, int]:
        counts = {"total": 0, "done": 0, "failed": 0, "pending": 0, "sending": 0}
        for status, count in self.db.execute(
            "SELECT status, COUNT(*) FROM rename_item WHERE run_id = ? GROUP BY status", (run_id,)
        ):
            counts[status] = count
            counts["total"] += count
        return counts
