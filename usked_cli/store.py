"""The SQLite workspace: cached assignments per user, feed sync state, and (later) job journals.

One file, `workspace.sqlite3` in the data dir. The schema is migrated by `PRAGMA user_version`.
Every write that must be all-or-nothing (replacing a user's assignments) is one transaction.
Host links are never stored here: nothing in this schema can hold one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from usked_cli.errors import OperationalError
from usked_cli.feeds.window import window_days
from usked_cli.models import Assignment, DialIn

DB_NAME = "workspace.sqlite3"

# Each entry migrates from user_version == index to index + 1.
_MIGRATIONS: list[str] = [
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
    # The rename journal: a run and, before its first PATCH, every user's before and after names.
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
]

_ASSIGNMENT_COLUMNS = (
    'user, uid, recurrence_id, request_id, title, start, "end", start_ts, end_ts, all_day, '
    "location, zoom, invite_link, meeting_id, passcode, notes, pwd, dial_in"
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


class Workspace:
    """The local cache. Open with `Workspace.open(data_dir)`; close when done."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, data_dir: Path) -> Workspace:
        path = data_dir / DB_NAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            connection = sqlite3.connect(path, isolation_level=None, timeout=10.0)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            workspace = cls(connection, path)
            workspace._migrate()
        except sqlite3.DatabaseError as exc:
            raise OperationalError(
                f"workspace {path} cannot be opened: {exc}",
                hint="move the file aside; `usked sync` rebuilds the cache from the feeds",
            ) from None
        except OSError as exc:
            raise OperationalError(
                f"workspace folder {data_dir} cannot be created: {exc.strerror}"
            ) from None
        return workspace

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version > len(_MIGRATIONS):
            raise OperationalError(
                f"workspace {self.path} was written by a newer usked (schema {version})",
                hint="upgrade usked-cli, or move the file aside and run `usked sync`",
            )
        for target in range(version, len(_MIGRATIONS)):
            with self.transaction() as db:
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target + 1}")

    # --- feeds ---------------------------------------------------------------------------------

    def feed_states(self) -> list[FeedState]:
        rows = self.db.execute(
            "SELECT user, source, etag, last_modified, synced_at, horizon_start, horizon_end, "
            "event_count, assignment_count, calendar_tz, last_error, last_attempt_at, parsed_with "
            "FROM feed_state ORDER BY user"
        ).fetchall()
        return [FeedState(*row) for row in rows]

    def feed_state(self, user: str) -> FeedState | None:
        return next((state for state in self.feed_states() if state.user == user), None)

    def feed_body(self, user: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM feed_state WHERE user = ?", (user,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def replace_assignments(
        self,
        user: str,
        assignments: Sequence[Assignment],
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
    ) -> None:
        """Swap in a user's freshly parsed assignments, all at once or not at all."""
        with self.transaction() as db:
            db.execute("DELETE FROM assignment WHERE user = ?", (user,))
            db.executemany(
                f"INSERT OR REPLACE INTO assignment ({_ASSIGNMENT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_assignment_row(a) for a in assignments),
            )
            db.execute(
                "INSERT INTO feed_state (user, source, etag, last_modified, body, synced_at, "
                "horizon_start, horizon_end, event_count, assignment_count, calendar_tz, "
                "last_error, last_attempt_at, parsed_with) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) "
                "ON CONFLICT (user) DO UPDATE SET source = excluded.source, etag = excluded.etag, "
                "last_modified = excluded.last_modified, body = excluded.body, "
                "synced_at = excluded.synced_at, horizon_start = excluded.horizon_start, "
                "horizon_end = excluded.horizon_end, event_count = excluded.event_count, "
                "assignment_count = excluded.assignment_count, calendar_tz = excluded.calendar_tz, "
                "last_error = NULL, last_attempt_at = excluded.last_attempt_at, "
                "parsed_with = excluded.parsed_with",
                (
                    user,
                    source,
                    etag,
                    last_modified,
                    body,
                    synced_at,
                    int(horizon[0].timestamp()),
                    int(horizon[1].timestamp()),
                    event_count,
                    len(assignments),
                    calendar_tz,
                    synced_at,
                    parsed_with,
                ),
            )

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
            db.execute("DELETE FROM feed_state WHERE user = ?", (user,))

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
        start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
        first_day, last_day = window_days(start, end)
        sql = f"SELECT {_ASSIGNMENT_COLUMNS} FROM assignment WHERE {_IN_WINDOW}"
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
        return [_assignment(row) for row in self.db.execute(sql, params)]

    def assignments_for_request(self, request_id: str) -> list[Assignment]:
        rows = self.db.execute(
            f"SELECT {_ASSIGNMENT_COLUMNS} FROM assignment WHERE request_id = ? "
            "ORDER BY start_ts, user",
            (request_id,),
        )
        return [_assignment(row) for row in rows]

    def upcoming_requests(self, after_ts: int, *, limit: int = 200) -> list[tuple[str, str]]:
        """(request id, title) of requests with an occurrence ending after `after_ts`, soonest
        first: what shell completion offers for REQUEST_ID."""
        rows = self.db.execute(
            "SELECT request_id, min(title) FROM assignment WHERE end_ts > ? "
            "GROUP BY request_id ORDER BY min(start_ts) LIMIT ?",
            (after_ts, limit),
        )
        return [(str(request_id), str(title)) for request_id, title in rows]


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
    return Assignment(
        user=str(user),
        uid=str(uid),
        request_id=str(request_id),
        title=str(title),
        start=datetime.fromisoformat(str(start)),
        end=datetime.fromisoformat(str(end)),
        all_day=bool(all_day),
        location=str(location),
        zoom=bool(zoom),
        invite_link=None if invite_link is None else str(invite_link),
        meeting_id=None if meeting_id is None else str(meeting_id),
        passcode=None if passcode is None else str(passcode),
        notes=str(notes),
        recurrence_id=str(recurrence_id) or None,
        pwd=None if pwd is None else str(pwd),
        dial_in=_dial_in(dial_in),
    )
