"""The SQLite files in the data dir: the workspace (a cache) and the rename journal (history).

`workspace.sqlite3` holds cached assignments per user and feed sync state: everything in it can be
rebuilt by `usked sync`. `journal.sqlite3` holds the rename journal (usked_cli.journal), which
nothing can rebuild: `undo` needs it. Workspaces before schema 5 kept the journal in their own
tables; opening one moves those rows out, once (see `_move_journal_out`).

Both files are opened the same way: WAL (readers never wait for a writer), a busy timeout, every
write transaction `BEGIN IMMEDIATE` and short, the folder kept at 0700 and the files at 0600.
Schemas migrate by `PRAGMA user_version`, read again under the write lock, so two processes
opening an old file at once migrate it once. Every SQLite or file-system failure is reported as
one line saying what to do (`explain`): a busy file, a full disk, a read-only folder, a damaged
file. Host links are never stored: nothing in either schema can hold one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from usked_cli.errors import OperationalError, UskedError
from usked_cli.feeds.window import window_days
from usked_cli.models import Assignment, DialIn, ListedAssignment

DB_NAME = "workspace.sqlite3"
JOURNAL_NAME = "journal.sqlite3"
# How long a write waits for another process's write transaction (they last milliseconds).
BUSY_TIMEOUT_SECONDS = 30.0
# What the hints call the setting that moves the data dir (usked_cli.config.model: data_dir).
DATA_DIR_SETTING = "data_dir (USKED_DATA_DIR)"

# Each entry migrates from user_version == index to index + 1: SQL, or a function run inside the
# same transaction.
_MIGRATIONS: list[str | Callable[[Workspace, sqlite3.Connection], None]] = [
    """
    CREATE TABLE feed_state (
        user TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body BLOB,               -- the last good feed, to expand recurrences beyond the horizon
        synced_at TEXT,          -- last successful sync (ISO, UTC)
        horizon_start INTEGER,   -- recurrences are stored expanded within [start, end) (unix s)
        horizon_end INTEGER,
        event_count INTEGER NOT NULL DEFAULT 0,
        assignment_count INTEGER NOT NULL DEFAULT 0,
        calendar_tz TEXT,
        last_error TEXT,
        last_attempt_at TEXT
    );
    CREATE TABLE assignment (
        user TEXT NOT NULL,
        uid TEXT NOT NULL,
        recurrence_id TEXT NOT NULL DEFAULT '',
        request_id TEXT NOT NULL,
        title TEXT NOT NULL,
        start TEXT NOT NULL,      -- ISO 8601 with the event's own offset
        "end" TEXT NOT NULL,
        start_ts INTEGER NOT NULL,
        end_ts INTEGER NOT NULL,
        all_day INTEGER NOT NULL,
        location TEXT NOT NULL,
        zoom INTEGER NOT NULL,
        invite_link TEXT,
        meeting_id TEXT,
        passcode TEXT,
        notes TEXT NOT NULL,
        PRIMARY KEY (user, uid, recurrence_id)
    ) WITHOUT ROWID;
    CREATE INDEX assignment_start ON assignment (start_ts);
    CREATE INDEX assignment_request ON assignment (request_id);
    """,
    # The rename journal, here until schema 5 moved it to its own file (_JOURNAL_SCHEMA).
    """
    CREATE TABLE rename_run (
        run_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,            -- 'rename' or 'undo'
        run_key TEXT NOT NULL,         -- what the command asked for: a rerun finds its run by it
        selection TEXT NOT NULL,       -- JSON: how users were selected
        template TEXT,
        org TEXT,
        undo_of TEXT,
        state TEXT NOT NULL,           -- 'running', 'done', 'partial'
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX rename_run_key ON rename_run (run_key, state);
    CREATE TABLE rename_item (
        run_id TEXT NOT NULL REFERENCES rename_run (run_id),
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        email TEXT NOT NULL,
        before_display TEXT NOT NULL,
        before_first TEXT NOT NULL,
        before_last TEXT NOT NULL,
        after_display TEXT NOT NULL,
        after_first TEXT NOT NULL,
        after_last TEXT NOT NULL,
        status TEXT NOT NULL,          -- 'pending', 'sending', 'done', 'failed'
        message TEXT,
        updated_at TEXT,
        PRIMARY KEY (run_id, user_id)
    );
    """,
    # What the stored assignments were parsed with (the zone of floating times, the version):
    # a change re-parses the stored feed even when the server says it is unchanged.
    """
    ALTER TABLE feed_state ADD COLUMN parsed_with TEXT;
    """,
    # `passcode` becomes what a person types (from the notes); the link's token moves to `pwd`;
    # the invitation's dial-in numbers come along (JSON: [{"number": ..., "country": ...}]).
    # Stored feeds are parsed again at the next sync, whatever the server says.
    """
    ALTER TABLE assignment ADD COLUMN pwd TEXT;
    ALTER TABLE assignment ADD COLUMN dial_in TEXT;
    UPDATE assignment SET pwd = passcode, passcode = NULL;
    UPDATE feed_state SET parsed_with = NULL;
    """,
    # The rename journal moves to its own file: the workspace becomes a cache that `usked sync`
    # can rebuild from scratch, and a damaged cache no longer takes the rename history with it.
    lambda workspace, db: workspace._move_journal_out(db),
    # A window's rows are found by start_ts < end and end_ts > start: with both in one index the
    # range scan reads only index entries, however many assignments lie before the window (a
    # large feed's 62 days back), and fetches just the rows it keeps.
    """
    CREATE INDEX assignment_span ON assignment (start_ts, end_ts);
    DROP INDEX assignment_start;
    """,
    # Incremental sync (usked_cli.feeds.incremental): each settled event group's digest, and
    # the context they were read in; a group found again with the same digest keeps its rows.
    """
    CREATE TABLE feed_event (
        user TEXT NOT NULL,
        uid TEXT NOT NULL,
        digest BLOB NOT NULL,
        PRIMARY KEY (user, uid)
    ) WITHOUT ROWID;
    ALTER TABLE feed_state ADD COLUMN context TEXT;
    ALTER TABLE feed_state ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    """,
    # The last good feed moves to a table of its own, the blob its row's last column, so that
    # it is written in pieces through incremental blob I/O (_store_body): bound as a parameter,
    # a 50 MB feed was copied twice more in memory on its way into the row.
    """
    CREATE TABLE feed_body (user TEXT PRIMARY KEY, body BLOB NOT NULL);
    INSERT INTO feed_body (user, body) SELECT user, body FROM feed_state WHERE body IS NOT NULL;
    UPDATE feed_state SET body = NULL;
    """,
]

# The rename journal: a run and, before its first PATCH, every user's before and after names.
_JOURNAL_SCHEMA = """
    CREATE TABLE IF NOT EXISTS rename_run (
        run_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,            -- 'rename' or 'undo'
        run_key TEXT NOT NULL,         -- what the command asked for: a rerun finds its run by it
        selection TEXT NOT NULL,       -- JSON: how users were selected
        template TEXT,
        org TEXT,
        undo_of TEXT,
        state TEXT NOT NULL,           -- 'running', 'interrupted', 'done', 'failed', 'undone'
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX IF NOT EXISTS rename_run_key ON rename_run (run_key, state);
    CREATE TABLE IF NOT EXISTS rename_item (
        run_id TEXT NOT NULL REFERENCES rename_run (run_id),
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        email TEXT NOT NULL,
        before_display TEXT NOT NULL,
        before_first TEXT NOT NULL,
        before_last TEXT NOT NULL,
        after_display TEXT NOT NULL,
        after_first TEXT NOT NULL,
        after_last TEXT NOT NULL,
        status TEXT NOT NULL,          -- 'pending', 'sending', 'done', 'failed'
        message TEXT,
        updated_at TEXT,
        PRIMARY KEY (run_id, user_id)
    );
"""
# The workspace schemas that held the rename journal (user_version after migrations 2 to 4).
_JOURNAL_IN_WORKSPACE = range(2, 5)
_RUN_COLUMNS = (
    "run_id, kind, run_key, selection, template, org, undo_of, state, created_at, finished_at"
)
_ITEM_COLUMNS = (
    "run_id, seq, user_id, email, before_display, before_first, before_last, after_display, "
    "after_first, after_last, status, message, updated_at"
)

_ASSIGNMENT_COLUMNS = (
    'user, uid, recurrence_id, request_id, title, start, "end", start_ts, end_ts, all_day, '
    "location, zoom, invite_link, meeting_id, passcode, notes, pwd, dial_in"
)
# ListedAssignment's fields, in its order.
_LISTED_COLUMNS = (
    'user, request_id, title, start, "end", all_day, location, zoom, invite_link, meeting_id'
)
# Timed rows overlap the window's instants; all-day rows its dates, compared as the 'YYYY-MM-DD'
# the stored ISO starts and ends begin with (usked_cli.feeds.window, the parser's rule). The
# first two terms are coarse bounds on both, which the start_ts index can serve: an all-day
# row's midnight is less than two days from the UTC instants of its dates.
_IN_WINDOW = (
    "start_ts < ? AND (end_ts > ? OR start_ts >= ?) AND CASE WHEN all_day "
    "THEN substr(start, 1, 10) <= ? "
    'AND (substr("end", 1, 10) > ? OR substr(start, 1, 10) >= ?) '
    "ELSE start_ts < ? AND (end_ts > ? OR start_ts >= ?) END"
)
_ALL_DAY_SLACK = 2 * 86400


class Staging:
    """A user's freshly parsed assignments, gathered until `replace_assignments` swaps them in.

    Up to IN_MEMORY of them are kept in a list; past that they go to a temporary table, so a
    large feed's assignments never sit in memory at once (SQLite keeps a temporary table in a
    private temporary file with a small page cache). The workspace is not locked meanwhile.
    """

    IN_MEMORY = 50_000  # about 40 MB of assignments

    def __init__(self, db: _Connection) -> None:
        self.db = db
        self.pending: list[Assignment] = []
        self.spilled = False

    def add(self, assignments: Sequence[Assignment]) -> None:
        if not self.spilled and len(self.pending) + len(assignments) <= self.IN_MEMORY:
            self.pending.extend(assignments)
            return
        if not self.spilled:
            self.db.execute("PRAGMA temp_store = FILE")
            self.db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS staged_assignment AS SELECT "
                f"{_ASSIGNMENT_COLUMNS} FROM main.assignment WHERE 0"
            )
            self.db.execute("DELETE FROM temp.staged_assignment")
            self.spilled = True
        self.db.executemany(
            f"INSERT INTO temp.staged_assignment ({_ASSIGNMENT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_assignment_row(a) for a in (*self.pending, *assignments)),
        )
        self.pending.clear()

    def cut(self, keep: int) -> tuple[datetime, int]:
        """Keep those that start before the (keep + 1)-th by start: that start, and how many
        are left."""
        if not self.spilled:
            kept = self.pending
            kept.sort(key=lambda a: a.start)
            cut = kept[keep].start
            while kept and kept[-1].start >= cut:
                kept.pop()
            return cut, len(kept)
        row = self.db.execute(
            "SELECT start_ts FROM temp.staged_assignment ORDER BY start_ts LIMIT 1 OFFSET ?",
            (keep,),
        ).fetchone()
        if row is not None:
            self.db.execute("DELETE FROM temp.staged_assignment WHERE start_ts >= ?", row)
        (left,) = self.db.execute("SELECT count(*) FROM temp.staged_assignment").fetchone()
        cut = datetime.fromtimestamp(row[0] if row else 2**37, UTC)
        return cut, int(left)

    def clear(self) -> None:
        self.pending.clear()
        if self.spilled:
            self.db.execute("DELETE FROM temp.staged_assignment")

    def insert_into_workspace(self) -> None:
        """Insert them into the assignment table (inside the caller's transaction), emptied."""
        if self.spilled:
            # By key: appending to the table's B-tree is about twice as fast as at random.
            self.db.execute(
                f"INSERT OR REPLACE INTO assignment ({_ASSIGNMENT_COLUMNS}) "
                f"SELECT {_ASSIGNMENT_COLUMNS} FROM temp.staged_assignment "
                "ORDER BY user, uid, recurrence_id, rowid"
            )
            self.db.execute("DELETE FROM temp.staged_assignment")
        _insert_assignments(self.db, self.pending)
        self.pending.clear()


class StaleReading(Exception):
    """An incremental sync's comparison no longer holds (another sync stored the feed)."""


@dataclass(frozen=True, slots=True)
class FeedState:
    user: str
    source: str
    etag: str | None
    last_modified: str | None
    synced_at: str | None
    horizon_start: int | None
    horizon_end: int | None
    event_count: int
    assignment_count: int
    calendar_tz: str | None
    last_error: str | None
    last_attempt_at: str | None
    parsed_with: str | None
    context: str | None  # what the stored event digests were read in (None: nothing reusable)
    generation: int  # counts the replacements of the user's assignments (a stale comparison)


# --- opening, transactions, failures ---------------------------------------------------------

Kind = Literal["workspace", "journal"]


class _Cursor(sqlite3.Cursor):
    """A cursor whose every SQLite failure becomes an OperationalError saying what to do."""

    connection: _Connection

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        with self.connection.explained():
            super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _Cursor:
        with self.connection.explained():
            super().executemany(sql, seq_of_parameters)
        return self

    def fetchone(self) -> Any:
        with self.connection.explained():
            return super().fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        with self.connection.explained():
            return super().fetchmany(self.arraysize if size is None else size)

    def fetchall(self) -> list[Any]:
        with self.connection.explained():
            return super().fetchall()

    def __next__(self) -> Any:
        with self.connection.explained():
            return super().__next__()


class _Connection(sqlite3.Connection):
    """A connection to one of the data dir's files; its statements explain their failures."""

    kind: Kind = "workspace"
    file: Path = Path(DB_NAME)

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        return self.cursor(_Cursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        return self.cursor(_Cursor).executemany(sql, parameters)

    @contextmanager
    def explained(self) -> Iterator[None]:
        """SQLite's and the file system's failures explained; our own mistakes (a bad statement,
        a broken constraint: ProgrammingError, IntegrityError) stay what they are."""
        try:
            yield
        except (sqlite3.OperationalError, OSError) as exc:
            raise explain(exc, kind=self.kind, path=self.file) from None
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError:  # "file is not a database", "malformed"
                raise
            raise explain(exc, kind=self.kind, path=self.file) from None


def explain(exc: BaseException, *, kind: Kind, path: Path) -> OperationalError:
    """One line for a failure of the workspace or the journal at `path`, and what to do."""
    folder = path.parent
    what = "workspace" if kind == "workspace" else "rename journal"
    text = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    reason = _reason(exc, folder)
    if reason == "busy":
        other = "another sync is running" if kind == "workspace" else "a rename is running"
        return OperationalError(
            f"the {what} {path} is busy: {other} (or another usked is writing to it) and has "
            f"held it for over {BUSY_TIMEOUT_SECONDS:g} s",
            hint="let it finish, then run this command again; nothing stored was lost",
        )
    if reason == "full":
        return OperationalError(
            f"the disk holding {folder} is full: the {what} cannot be written",
            hint=f"free some space on it, or set {DATA_DIR_SETTING} to a folder on another "
            "disk; then run the command again (nothing stored was lost)",
        )
    if reason == "readonly":
        return OperationalError(
            f"cannot write the {what} in {folder}: the folder or the file is read-only "
            f"for this user ({text})",
            hint=f"make {folder} and its files writable for you (chmod u+w), or set "
            f"{DATA_DIR_SETTING} to a folder you can write",
        )
    if reason == "damaged":
        if kind == "journal":
            return OperationalError(
                f"the rename journal {path} is damaged: {text}",
                hint="do not delete it: it holds the rename history that `undo` needs. Keep a "
                f"copy; `sqlite3 {path} .recover` may salvage it",
            )
        rebuild = (
            f"it is only a cache: move it aside (mv {path} {path}.damaged) and `usked sync` "
            "rebuilds it"
        )
        if _holds_old_journal(path):
            hint = (
                "it was written before the rename history moved out of it: if you renamed Zoom "
                f"users with usked, keep that copy (`undo` needs its history). Otherwise {rebuild}"
            )
        elif (folder / JOURNAL_NAME).exists():
            hint = f"{rebuild}; the rename history is kept apart, in {folder / JOURNAL_NAME}"
        else:
            hint = rebuild
        return OperationalError(f"the workspace {path} is damaged: {text}", hint=hint)
    return OperationalError(
        f"the {what} {path} cannot be used: {text}",
        hint=f"check {folder} and the disk it is on, or set {DATA_DIR_SETTING} elsewhere",
    )


# SQLite's primary result codes (https://sqlite.org/rescode.html).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 3, 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26


def _reason(exc: BaseException, folder: Path) -> str:
    """busy, full, readonly, damaged or other."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
            return "full"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "readonly"
        return "other"
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text or "busy" in text:
        return "busy"
    if primary == _SQLITE_FULL or "disk is full" in text:
        return "full"
    if primary in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly database" in text:
        return "readonly"
    if primary == _SQLITE_IOERR and _nearly_full(folder):
        return "full"  # a full disk can fail as an I/O error (mapping the WAL's shared memory)
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text:
        return "damaged"
    if "not a database" in text:
        return "damaged"
    # SQLite says no more than "unable to open": a folder this user cannot write is the usual cause.
    cannot_open = primary == _SQLITE_CANTOPEN or "unable to open" in text
    if cannot_open and not os.access(folder, os.W_OK):
        return "readonly"
    return "other"


def _holds_old_journal(path: Path) -> bool:
    """A SQLite file whose header says schema 2 to 4: the rename journal was still inside."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
    except OSError:
        return False
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return False
    return int.from_bytes(header[60:64], "big") in _JOURNAL_IN_WORKSPACE


def _nearly_full(folder: Path) -> bool:
    """Less than 1 MiB free for this user on the disk holding `folder`."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 1 << 20


def _tighten(path: Path, private: int) -> None:
    """Take away the group's and others' access to `path` (to `private`, e.g. 0700), keeping
    what its owner has; never fails (a folder owned by someone else stays as it is)."""
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & private)


def _tighten_files(path: Path) -> None:
    """A database file and its -wal and -shm companions to 0600, where they exist."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        _tighten(file, 0o600)


def _open_file(path: Path, kind: Kind) -> _Connection:
    """Connect to `path` (created 0600, the folder 0700), in WAL mode with the busy timeout."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _tighten(folder, 0o700)
        # Created by us with 0600 (SQLite would take the umask's 0644); its -wal and -shm get
        # the mode of the database file.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        _tighten_files(path)
    except OSError as exc:
        raise explain(exc, kind=kind, path=path) from None
    try:
        connection = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS, factory=_Connection
        )
    except sqlite3.Error as exc:
        raise explain(exc, kind=kind, path=path) from None
    assert isinstance(connection, _Connection)
    connection.kind = kind
    connection.file = path
    try:
        _use_wal(connection)
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        connection.close()
        raise
    return connection


def _use_wal(connection: _Connection) -> None:
    """Switch to WAL once for good (it persists in the file).

    The switch needs the file to itself and SQLite does not wait for that (no busy handler), so
    a process that finds another one using an old rollback-journal file tries again for a
    while; if it still cannot, it goes on without WAL (the busy timeout still applies).
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() == "wal":
            return
        try:
            sqlite3.Connection.execute(connection, "PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if _reason(exc, connection.file.parent) != "busy":
                raise explain(exc, kind=connection.kind, path=connection.file) from None
            if time.monotonic() >= deadline:
                return
            time.sleep(0.05)


class _SqliteFile:
    """One SQLite file of the data dir, opened, migrated and closed the same way."""

    kind: Kind = "workspace"
    migrations: Sequence[str | Callable[[Any, sqlite3.Connection], None]] = ()

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception.

        IMMEDIATE: the write lock is taken (waiting the busy timeout) before anything is read,
        so a transaction never has to upgrade a read to a write, which SQLite refuses at once.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            # SQLite may have rolled back already (a full disk does): nothing to undo then.
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error, UskedError):
                    self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        """Bring the schema to the current version, once, whoever else opens the file now."""
        latest = len(self.migrations)
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version == latest:
            return
        with self.transaction() as db:
            # Again under the write lock: another process may have migrated meanwhile.
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version > latest:
                also = (
                    ", or move the file aside and run `usked sync` (it is only a cache)"
                    if self.kind == "workspace"
                    else " (keep this file: it holds the rename history that `undo` needs)"
                )
                raise OperationalError(
                    f"{self.path} was written by a newer usked (schema {version})",
                    hint=f"upgrade usked-cli{also}",
                )
            for target in range(version, latest):
                step = self.migrations[target]
                if callable(step):
                    step(self, db)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            db.execute(statement)
            db.execute(f"PRAGMA user_version = {latest}")


class JournalFile(_SqliteFile):
    """`journal.sqlite3`: the rename journal's tables (usked_cli.journal reads and writes them)."""

    kind = "journal"
    migrations = (_JOURNAL_SCHEMA,)
    in_memory = False  # JournalFile.empty()

    @classmethod
    def open(cls, data_dir: Path) -> JournalFile:
        path = data_dir / JOURNAL_NAME
        journal = cls(_open_file(path, "journal"), path)
        try:
            journal._migrate()
        except BaseException:
            journal.close()
            raise
        return journal

    @classmethod
    def empty(cls, data_dir: Path) -> JournalFile:
        """An empty journal in memory, to read while no file exists (creating none)."""
        connection = sqlite3.connect(":memory:", isolation_level=None, factory=_Connection)
        assert isinstance(connection, _Connection)
        path = data_dir / JOURNAL_NAME
        connection.kind, connection.file = "journal", path
        journal = cls(connection, path)
        journal._migrate()
        journal.in_memory = True
        return journal


class Workspace(_SqliteFile):
    """The local cache. Open with `Workspace.open(data_dir)`; close when done."""

    kind = "workspace"
    migrations = _MIGRATIONS

    def __init__(self, connection: sqlite3.Connection, path: Path):
        super().__init__(connection, path)
        self._journal: JournalFile | None = None

    @classmethod
    def open(cls, data_dir: Path) -> Workspace:
        path = data_dir / DB_NAME
        workspace = cls(_open_file(path, "workspace"), path)
        # The journal is opened only by the commands that use it; its mode is kept private by
        # every command, as the workspace's is (a stat when it is already 0600).
        _tighten_files(data_dir / JOURNAL_NAME)
        try:
            workspace._migrate()
        except BaseException:
            workspace.close()
            raise
        return workspace

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self.db.close()

    def journal(self, *, create: bool = True) -> JournalFile:
        """The rename journal beside this workspace, opened on first use.

        Without `create`, and while no journal file exists, an empty one in memory: reading
        the history (or finding nothing to resume) leaves the data dir as it was.
        """
        current = self._journal
        if current is not None and not current.in_memory:
            return current
        if not create and not (self.path.parent / JOURNAL_NAME).exists():
            if current is None:
                self._journal = current = JournalFile.empty(self.path.parent)
            return current
        if current is not None:
            current.close()
            self._journal = None
        self._journal = JournalFile.open(self.path.parent)
        return self._journal

    def _move_journal_out(self, db: sqlite3.Connection) -> None:
        """Schema 5: copy the rename journal's rows to `journal.sqlite3`, then drop its tables.

        Runs inside the workspace's migration transaction (its write lock keeps every other
        process out until it is over). The copy commits in the journal first; the tables are
        dropped only in the workspace transaction after it, so a process stopped in between
        leaves both copies and the next open copies again: INSERT OR IGNORE by primary key
        keeps no duplicate and never overwrites a row the journal holds. An empty journal
        (every workspace created since schema 2 has one) creates no file.
        """
        tables = {
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name IN ('rename_run', 'rename_item')"
            ).fetchall()
        }
        runs = items = []
        if "rename_run" in tables:
            runs = db.execute(f"SELECT {_RUN_COLUMNS} FROM rename_run ORDER BY rowid").fetchall()
        if "rename_item" in tables:
            items = db.execute(f"SELECT {_ITEM_COLUMNS} FROM rename_item ORDER BY rowid").fetchall()
        if runs or items:
            journal = self.journal()
            with journal.transaction() as target:
                target.executemany(
                    f"INSERT OR IGNORE INTO rename_run ({_RUN_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    runs,
                )
                target.executemany(
                    f"INSERT OR IGNORE INTO rename_item ({_ITEM_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    items,
                )
        db.execute("DROP TABLE IF EXISTS rename_item")
        db.execute("DROP TABLE IF EXISTS rename_run")

    # --- feeds ---------------------------------------------------------------------------------

    def feed_states(self) -> list[FeedState]:
        rows = self.db.execute(
            "SELECT user, source, etag, last_modified, synced_at, horizon_start, horizon_end, "
            "event_count, assignment_count, calendar_tz, last_error, last_attempt_at, parsed_with, "
            "context, generation FROM feed_state ORDER BY user"
        ).fetchall()
        return [FeedState(*row) for row in rows]

    def feed_state(self, user: str) -> FeedState | None:
        return next((state for state in self.feed_states() if state.user == user), None)

    def feed_body(self, user: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM feed_body WHERE user = ?", (user,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def feed_digests(self, user: str) -> dict[str, bytes]:
        """The digests of a user's settled event groups, by UID (usked_cli.feeds.incremental)."""
        rows = self.db.execute("SELECT uid, digest FROM feed_event WHERE user = ?", (user,))
        return {str(uid): bytes(digest) for uid, digest in rows.fetchall()}

    def staging(self) -> Staging:
        """An empty staging table for one user's freshly parsed assignments."""
        assert isinstance(self.db, _Connection)
        return Staging(self.db)

    def replace_assignments(
        self,
        user: str,
        assignments: Sequence[Assignment] | Staging,
        *,
        source: str,
        body: bytes,
        etag: str | None,
        last_modified: str | None,
        synced_at: str,
        horizon: tuple[datetime, datetime],
        event_count: int,
        calendar_tz: str | None,
        parsed_with: str,
        kept: Collection[str] | None = None,
        digests: Mapping[str, bytes] | None = None,
        context: str | None = None,
        compared_with: tuple[int, Mapping[str, bytes]] | None = None,
    ) -> int:
        """Swap in a user's freshly parsed assignments (a list, or those in the staging table),
        all at once or not at all; how many the user then has.

        `kept`: the UIDs whose stored assignments stand (an incremental sync); the user's other
        assignments are replaced by `assignments`. None replaces them all. `digests` (UID ->
        digest) and `context` are what the next sync compares with. With `kept`,
        `compared_with` is the generation and the digests the comparison was made with
        (FeedState.generation, feed_digests): StaleReading when another sync stored the feed
        since.
        """
        digests = digests or {}
        with self.transaction() as db:
            if kept is None:
                db.execute("DELETE FROM assignment WHERE user = ?", (user,))
                db.execute("DELETE FROM feed_event WHERE user = ?", (user,))
                fresh: Iterable[tuple[str, bytes]] = digests.items()
            else:
                assert compared_with is not None
                generation, stored = compared_with
                (now,) = db.execute(
                    "SELECT generation FROM feed_state WHERE user = ?", (user,)
                ).fetchone() or (None,)
                if now != generation:
                    # Another sync stored this feed since it was compared: compare again.
                    raise StaleReading(user)
                gone = stored.keys() - kept
                db.executemany(
                    "DELETE FROM feed_event WHERE user = ? AND uid = ?",
                    ((user, uid) for uid in gone),
                )
                # Every assignment but the kept groups' goes (those of events without a UID,
                # never settled, among them).
                db.execute(
                    "DELETE FROM assignment WHERE user = ? AND uid NOT IN "
                    "(SELECT uid FROM feed_event WHERE user = ?)",
                    (user, user),
                )
                fresh = ((uid, digest) for uid, digest in digests.items() if uid not in kept)
            if isinstance(assignments, Staging):
                assignments.insert_into_workspace()
            else:
                _insert_assignments(db, assignments)
            db.executemany(
                "INSERT OR REPLACE INTO feed_event (user, uid, digest) VALUES (?, ?, ?)",
                ((user, uid, digest) for uid, digest in fresh),
            )
            (count,) = db.execute(
                "SELECT count(*) FROM assignment WHERE user = ?", (user,)
            ).fetchone()
            db.execute(
                "INSERT INTO feed_state (user, source, etag, last_modified, synced_at, "
                "horizon_start, horizon_end, event_count, assignment_count, calendar_tz, "
                "last_error, last_attempt_at, parsed_with, context, generation) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 1) "
                "ON CONFLICT (user) DO UPDATE SET source = excluded.source, etag = excluded.etag, "
                "last_modified = excluded.last_modified, "
                "synced_at = excluded.synced_at, horizon_start = excluded.horizon_start, "
                "horizon_end = excluded.horizon_end, event_count = excluded.event_count, "
                "assignment_count = excluded.assignment_count, calendar_tz = excluded.calendar_tz, "
                "last_error = NULL, last_attempt_at = excluded.last_attempt_at, "
                "parsed_with = excluded.parsed_with, context = excluded.context, "
                "generation = feed_state.generation + 1",
                (
                    user,
                    source,
                    etag,
                    last_modified,
                    synced_at,
                    int(horizon[0].timestamp()),
                    int(horizon[1].timestamp()),
                    event_count,
                    count,
                    calendar_tz,
                    synced_at,
                    parsed_with,
                    context,
                ),
            )
            _store_body(db, user, body)
        return int(count)

    def mark_unchanged(self, user: str, *, synced_at: str) -> None:
        """A 304 (or an unchanged file): the cached assignments stand, as of now."""
        self.db.execute(
            "UPDATE feed_state SET synced_at = ?, last_attempt_at = ?, last_error = NULL "
            "WHERE user = ?",
            (synced_at, synced_at, user),
        )

    def record_failure(self, user: str, *, source: str, error: str, attempted_at: str) -> None:
        """Keep the previous assignments; remember what went wrong."""
        self.db.execute(
            "INSERT INTO feed_state (user, source, last_error, last_attempt_at) "
            "VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user) DO UPDATE SET last_error = excluded.last_error, "
            "last_attempt_at = excluded.last_attempt_at",
            (user, source, error, attempted_at),
        )

    def remove_user(self, user: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM assignment WHERE user = ?", (user,))
            db.execute("DELETE FROM feed_event WHERE user = ?", (user,))
            db.execute("DELETE FROM feed_state WHERE user = ?", (user,))
            db.execute("DELETE FROM feed_body WHERE user = ?", (user,))

    # --- assignments ---------------------------------------------------------------------------

    def assignments_between(
        self,
        start: datetime,
        end: datetime,
        *,
        users: Iterable[str] | None = None,
        zoom_only: bool = False,
    ) -> list[Assignment]:
        """Assignments in [start, end), by start time (usked_cli.feeds.window says which).

        Timed ones overlap its instants (zero-length ones inside count); all-day ones meet its
        dates, those of `start` and `end` in the zone they are given in.
        """
        rows = self._rows_between(_ASSIGNMENT_COLUMNS, start, end, users, zoom_only)
        return [_assignment(row) for row in rows]

    def listed_between(
        self,
        start: datetime,
        end: datetime,
        *,
        users: Iterable[str] | None = None,
        zoom_only: bool = False,
    ) -> list[ListedAssignment]:
        """`assignments_between`, only the fields a listing shows."""
        rows = self._rows_between(_LISTED_COLUMNS, start, end, users, zoom_only)
        iso = datetime.fromisoformat
        return [
            ListedAssignment(
                user, request_id, title, iso(s), iso(e), all_day == 1, location, zoom == 1,
                link, meeting_id,
            )
            for user, request_id, title, s, e, all_day, location, zoom, link, meeting_id in rows
        ]  # fmt: skip

    def _rows_between(
        self,
        columns: str,
        start: datetime,
        end: datetime,
        users: Iterable[str] | None,
        zoom_only: bool,
    ) -> list[Any]:
        start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
        first_day, last_day = window_days(start, end)
        sql = f"SELECT {columns} FROM assignment WHERE {_IN_WINDOW}"
        params: list[object] = [
            end_ts + _ALL_DAY_SLACK,
            start_ts - _ALL_DAY_SLACK,
            start_ts - _ALL_DAY_SLACK,
            last_day.isoformat(),
            first_day.isoformat(),
            first_day.isoformat(),
            end_ts,
            start_ts,
            start_ts,
        ]
        user_list = list(users) if users is not None else None
        if user_list is not None:
            sql += f" AND user IN ({', '.join('?' * len(user_list))})"
            params.extend(user_list)
        if zoom_only:
            sql += " AND zoom = 1"
        sql += " ORDER BY start_ts, end_ts, user, request_id"
        # fetchall: the failures are explained once per query, not once per row.
        return self.db.execute(sql, params).fetchall()

    def assignments_for_request(self, request_id: str) -> list[Assignment]:
        rows = self.db.execute(
            f"SELECT {_ASSIGNMENT_COLUMNS} FROM assignment WHERE request_id = ? "
            "ORDER BY start_ts, user",
            (request_id,),
        )
        return [_assignment(row) for row in rows.fetchall()]

    def upcoming_requests(self, after_ts: int, *, limit: int = 200) -> list[tuple[str, str]]:
        """(request id, title) of requests with an occurrence ending after `after_ts`, soonest
        first: what shell completion offers for REQUEST_ID."""
        rows = self.db.execute(
            "SELECT request_id, min(title) FROM assignment WHERE end_ts > ? "
            "GROUP BY request_id ORDER BY min(start_ts) LIMIT ?",
            (after_ts, limit),
        )
        return [(str(request_id), str(title)) for request_id, title in rows]


_BODY_PIECE = 1 << 20


def _store_body(db: sqlite3.Connection, user: str, body: bytes) -> None:
    """The user's feed, written into a zero-filled blob piece by piece: SQLite keeps a
    zeroblob at the end of a row unmaterialized, and the pieces go straight to its pages."""
    (rowid,) = db.execute(
        "INSERT OR REPLACE INTO feed_body (user, body) VALUES (?, zeroblob(?)) RETURNING rowid",
        (user, len(body)),
    ).fetchone()
    if not body:
        return
    view = memoryview(body)
    with db.blobopen("feed_body", "body", rowid) as blob:
        for start in range(0, len(body), _BODY_PIECE):
            blob.write(view[start : start + _BODY_PIECE])


def _insert_assignments(db: sqlite3.Connection, assignments: Sequence[Assignment]) -> None:
    """Insert (or replace: the last of two with one key wins) in key order, which appends to
    the table's B-tree: about twice as fast as at random."""
    rows = [_assignment_row(a) for a in assignments]
    rows.sort(key=itemgetter(0, 1, 2))  # stable: duplicates keep their order
    db.executemany(
        f"INSERT OR REPLACE INTO assignment ({_ASSIGNMENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _assignment_row(a: Assignment) -> tuple[object, ...]:
    return (
        a.user,
        a.uid,
        a.recurrence_id or "",
        a.request_id,
        a.title,
        a.start.isoformat(),
        a.end.isoformat(),
        int(a.start.timestamp()),
        int(a.end.timestamp()),
        int(a.all_day),
        a.location,
        int(a.zoom),
        a.invite_link,
        a.meeting_id,
        a.passcode,
        a.notes,
        a.pwd,
        _dial_in_text(a.dial_in),
    )


def _dial_in_text(numbers: Sequence[DialIn]) -> str | None:
    if not numbers:
        return None
    import json

    return json.dumps([{"number": n.number, "country": n.country} for n in numbers])


def _dial_in(text: object) -> tuple[DialIn, ...]:
    if not text:
        return ()
    import json

    try:
        items = json.loads(str(text))
        return tuple(DialIn(str(item["number"]), str(item.get("country") or "")) for item in items)
    except (ValueError, TypeError, KeyError, AttributeError):
        return ()


def _assignment(row: Sequence[object]) -> Assignment:
    (user, uid, recurrence_id, request_id, title, start, end, _s, _e, all_day, location, zoom,
     invite_link, meeting_id, passcode, notes, pwd, dial_in) = row  # fmt: skip
    # Positional, in the model's field order (a listing makes thousands of these; keywords cost
    # a third more): user, uid, request_id, title, start, end, all_day, location, zoom,
    # invite_link, meeting_id, passcode, notes, recurrence_id, pwd, dial_in.
    return Assignment(
        str(user),
        str(uid),
        str(request_id),
        str(title),
        datetime.fromisoformat(str(start)),
        datetime.fromisoformat(str(end)),
        bool(all_day),
        str(location),
        bool(zoom),
        None if invite_link is None else str(invite_link),
        None if meeting_id is None else str(meeting_id),
        None if passcode is None else str(passcode),
        str(notes),
        str(recurrence_id) or None,
        None if pwd is None else str(pwd),
        _dial_in(dial_in) if dial_in else (),
    )
