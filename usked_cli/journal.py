"""The rename journal: no name is ever lost.

It is kept in `journal.sqlite3` beside the workspace (usked_cli.store.JournalFile), apart from the
cache: the workspace can be deleted and rebuilt by `usked sync`, the journal cannot (`undo` reads
the names it recorded).

Before the first PATCH of a run, the run and every user's before and after names are committed in
one transaction; each PATCH's outcome is committed as it lands. An item goes pending -> sending ->
done | failed. An item found in `sending` after a crash may or may not have landed: the next run
checks it in Zoom before sending it again.

A run being applied holds `rename.lock` in the data dir (an OS lock, `flock`, that dies with its
process, so kill -9 leaves no stale lock); the file names the run and the process. Run states, as
`history` shows them: `running` (a live process holds the lock for it), `interrupted` (stopped
before the end: Ctrl-C, SIGTERM, kill -9, a fatal Zoom error; the same command resumes it), `done`,
`failed` (finished, some users failed; a rerun plans afresh) and `undone` (an undo of it finished).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from usked_cli.errors import OperationalError
from usked_cli.store import JournalFile, Workspace

# Stored states. 'running' is written when a run starts and stays after kill -9; 'interrupted' when
# a run stops early in a way the process sees. Only these are resumed; a 'failed' run (finished,
# some users failed; 'partial' in older workspaces) is not: a rerun plans afresh, which picks up
# its failed users and any users added since.
UNFINISHED = ("running", "interrupted")
# The states `history` shows (README, contracts: "Round 2 settled points").
STATES = ("running", "interrupted", "done", "failed", "undone")
LOCK_NAME = "rename.lock"


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
    """The runs and items of renames and undos, over the workspace's journal file (opened on
    first use: a command that stops before it reads or writes the journal creates no file)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @property
    def file(self) -> JournalFile:
        """The journal file, or an empty journal in memory while there is none."""
        return self.workspace.journal(create=False)

    @property
    def db(self) -> sqlite3.Connection:
        return self.file.db

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
        stamp = _stamp(now)
        with self.workspace.journal(create=True).transaction() as db:
            # The start second and a random suffix; two runs in one second draw again.
            while True:
                run_id = f"{now.astimezone(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"
                taken = "SELECT 1 FROM rename_run WHERE run_id = ?"
                if db.execute(taken, (run_id,)).fetchone() is None:
                    break
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
        """Close the run when nothing is left to send: 'done', or 'failed' with failures.

        A finished undo marks the run it undid 'undone' (so the rename is not resumed either).
        """
        counts = self._counts(run_id)
        if counts["pending"] or counts["sending"]:
            return "interrupted"
        state = "failed" if counts["failed"] else "done"
        stamp = _stamp(now)
        with self.file.transaction() as db:
            db.execute(
                "UPDATE rename_run SET state = ?, finished_at = ? WHERE run_id = ?",
                (state, stamp, run_id),
            )
            if state == "done":
                db.execute(
                    "UPDATE rename_run SET state = 'undone' WHERE run_id = "
                    "(SELECT undo_of FROM rename_run WHERE run_id = ? AND kind = 'undo')",
                    (run_id,),
                )
        return state

    def interrupt(self, run_id: str) -> bool:
        """Mark an unfinished run 'interrupted' (it stopped early); False if it had finished."""
        cursor = self.db.execute(
            "UPDATE rename_run SET state = 'interrupted' WHERE run_id = ? AND state = 'running'",
            (run_id,),
        )
        if cursor.rowcount:
            return True
        row = self.db.execute("SELECT state FROM rename_run WHERE run_id = ?", (run_id,)).fetchone()
        return row is not None and row[0] in UNFINISHED

    @property
    def lock_path(self) -> Path:
        return self.workspace.path.parent / LOCK_NAME

    def lock(self, *, kind: str, now: datetime) -> RunLock:
        """Take the workspace's rename lock, or refuse (exit 1) naming the run that holds it."""
        return RunLock.acquire(self.lock_path, kind=kind, now=now)

    def holder(self) -> LockHolder | None:
        """The live process holding the rename lock, if any."""
        return lock_holder(self.lock_path)

    def run(self, run_id: str) -> RunSummary | None:
        """A run, with its state as `history` shows it."""
        return self._run(run_id, live=self._live_run_id())

    def _live_run_id(self) -> str | None:
        holder = self.holder()
        return None if holder is None else holder.run_id

    def _run(self, run_id: str, *, live: str | None) -> RunSummary | None:
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
            state=self._shown_state(row[0], row[2], live),
            created_at=row[3],
            finished_at=row[4],
            selection=json.loads(row[5]),
            template=row[6],
            org=row[7],
            undo_of=row[8],
            counts=self._counts(row[0]),
        )

    def runs(self) -> list[RunSummary]:
        live = self._live_run_id()
        ids = [
            row[0] for row in self.db.execute("SELECT run_id FROM rename_run ORDER BY rowid DESC")
        ]
        return [summary for run_id in ids if (summary := self._run(run_id, live=live)) is not None]

    def latest(self, kind: str) -> RunSummary | None:
        row = self.db.execute(
            "SELECT run_id FROM rename_run WHERE kind = ? ORDER BY rowid DESC LIMIT 1",
            (kind,),
        ).fetchone()
        return None if row is None else self.run(row[0])

    def _shown_state(self, run_id: str, stored: str, live: str | None) -> str:
        if stored in UNFINISHED:
            return "running" if run_id == live else "interrupted"
        if stored in ("done", "partial", "failed"):
            # Older workspaces: an undo finished before undone runs were marked.
            undone = self.db.execute(
                "SELECT 1 FROM rename_run WHERE kind = 'undo' AND undo_of = ? AND state = 'done'",
                (run_id,),
            ).fetchone()
            if undone is not None:
                return "undone"
        return "failed" if stored == "partial" else stored

    def _counts(self, run_id: str) -> dict[str, int]:
        counts = {"total": 0, "done": 0, "failed": 0, "pending": 0, "sending": 0}
        for status, count in self.db.execute(
            "SELECT status, COUNT(*) FROM rename_item WHERE run_id = ? GROUP BY status", (run_id,)
        ):
            counts[status] = count
            counts["total"] += count
        return counts


# --- the run lock ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LockHolder:
    """What the lock file says about the process holding it (read only while it is held)."""

    kind: str | None
    run_id: str | None  # None while the holder is still planning
    pid: int | None
    started_at: str | None

    def describe(self) -> str:
        what = f"run {self.run_id}" if self.run_id else "a run being planned"
        detail = ", ".join(
            part
            for part in (
                f"pid {self.pid}" if self.pid else "",
                f"started {self.started_at}" if self.started_at else "",
            )
            if part
        )
        return f"{what} ({detail})" if detail else what


class RunLock:
    """An exclusive `flock` on `rename.lock`, held while a rename or undo runs.

    The kernel drops the lock when the process ends however it ends, so a dead run never blocks
    the next one. The file holds JSON naming the holder; it is removed on release (a waiter that
    opened the old file notices the swap and tries again), so a workspace between runs has none.
    """

    # Attempts to take the lock: `history` holds a shared lock for an instant to look.
    ATTEMPTS = 5
    RETRY_SECONDS = 0.01

    def __init__(self, path: Path, fd: int, info: dict[str, Any]) -> None:
        self.path = path
        self._fd: int | None = fd
        self._info = info

    @classmethod
    def acquire(cls, path: Path, *, kind: str, now: datetime) -> RunLock:
        for attempt in range(cls.ATTEMPTS):
            fd = _open_lock(path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if attempt + 1 < cls.ATTEMPTS:
                    time.sleep(cls.RETRY_SECONDS)
                    continue
                holder = lock_holder(path)
                described = holder.describe() if holder is not None else "another process"
                doing = holder.kind if holder is not None and holder.kind else "rename"
                pid = holder.pid if holder is not None else None
                raise OperationalError(
                    f"another {doing} is in progress on this workspace: {described}",
                    hint="wait for it to finish (`usked admin zoom-users history` shows it)"
                    + (f", or stop it: kill {pid}" if pid else ""),
                ) from None
            if not _same_file(fd, path):
                os.close(fd)  # released and removed between our open and our lock: again
                continue
            info = {"kind": kind, "run_id": None, "pid": os.getpid(), "started_at": _stamp(now)}
            lock = cls(path, fd, info)
            lock._write()
            return lock
        raise OperationalError(f"{path}: the rename lock keeps changing hands; try again")

    @property
    def run_id(self) -> str | None:
        value = self._info.get("run_id")
        return value if isinstance(value, str) else None

    def record(self, run_id: str) -> None:
        """Name the run this process is applying (history shows it `running`)."""
        self._info["run_id"] = run_id
        self._write()

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still locked: no one can take the old file meanwhile
        os.close(self._fd)  # drops the lock
        self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _write(self) -> None:
        assert self._fd is not None
        data = json.dumps(self._info).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise OperationalError(f"{path}: cannot open the rename lock: {exc.strerror}") from None


def _same_file(fd: int, path: Path) -> bool:
    try:
        here = path.stat()
    except FileNotFoundError:
        return False
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def lock_holder(path: Path) -> LockHolder | None:
    """The holder of the rename lock at `path`, or None when no live process holds it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # held: read who holds it
        else:
            return None  # no one holds it (a leftover of kill -9, or just released)
        raw = os.pread(fd, 4096, 0)
    finally:
        os.close(fd)
    try:
        info = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):
        info = {}
    if not isinstance(info, dict):
        info = {}

    def text(key: str) -> str | None:
        value = info.get(key)
        return value if isinstance(value, str) else None

    pid = info.get("pid")
    return LockHolder(
        kind=text("kind"),
        run_id=text("run_id"),
        pid=pid if isinstance(pid, int) else None,
        started_at=text("started_at"),
    )
