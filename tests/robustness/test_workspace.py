"""The data dir on a shared machine: two syncs at once, a damaged file, a full disk, a read-only
folder, loose permissions, and the rename journal moved out of the workspace (usked_cli.store).

Every failure is one `error:` line and a hint saying what to do, never "internal error"; after it,
the cached assignments and the journal still hold what they held.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.cli.helpers import run
from usked_cli import store
from usked_cli.errors import OperationalError
from usked_cli.journal import Names, PlannedRename, RenameJournal
from usked_cli.models import Assignment
from usked_cli.store import Workspace

ROOT = Path(__file__).parents[2]
FEEDS = ROOT / "tests" / "fixtures" / "feeds"
FEED_FILES = ["google_recurring", "outlook_windows_zones", "zoom_invites", "usked_assignments"]
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
HISTORY = ["admin", "zoom-users", "history", "--json"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def data(isolation: Path) -> Path:
    """The data dir the CLI uses in this test (USKED_DATA_DIR, set by the isolation fixture)."""
    return isolation / "data"


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait a fifth of a second for a lock, not 30 s (the waiting itself is SQLite's)."""
    monkeypatch.setattr(store, "BUSY_TIMEOUT_SECONDS", 0.2)


def add_feeds() -> None:
    for name in FEED_FILES:
        result = run(["feeds", "add", name.replace("_", "-"), str(FEEDS / f"{name}.ics")])
        assert result.exit_code == 0, result.stderr


def assert_one_line_error(result: Result, *words: str) -> str:
    """Exit 1, stderr one `error:` line (containing `words`) and a hint; returns the whole."""
    assert result.exit_code == 1, (result.exit_code, result.stderr, result.exception)
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything
    assert "internal error" not in everything
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: "), lines
    assert [line for line in lines[1:] if not line.startswith("hint: ")] == [], lines
    for word in words:
        assert word in result.stderr
    return result.stderr


def assert_explained(exc: OperationalError, *words: str) -> None:
    assert "\n" not in exc.message
    assert exc.hint is not None
    assert "\n" not in exc.hint
    for word in words:
        assert word in f"{exc.message} {exc.hint}", (exc.message, exc.hint)


def assignment(user: str, uid: str, start: datetime) -> Assignment:
    return Assignment(
        user=user,
        uid=uid,
        recurrence_id=None,
        request_id=uid,
        title=f"Request #{uid}",
        start=start,
        end=start + timedelta(hours=1),
        all_day=False,
        location="",
        zoom=False,
        invite_link=None,
        meeting_id=None,
        passcode=None,
        notes="",
    )


def store_assignments(workspace: Workspace, user: str, uids: list[str]) -> None:
    workspace.replace_assignments(
        user,
        [assignment(user, uid, NOW + timedelta(hours=i)) for i, uid in enumerate(uids)],
        source=f"/feeds/{user}.ics",
        body=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        etag=None,
        last_modified=None,
        synced_at=NOW.isoformat(),
        horizon=(NOW - timedelta(days=1), NOW + timedelta(days=30)),
        event_count=len(uids),
        calendar_tz=None,
        parsed_with="test",
    )


def cached(workspace: Workspace) -> list[tuple[str, str]]:
    rows = workspace.assignments_between(NOW - timedelta(days=1), NOW + timedelta(days=30))
    return sorted((a.user, a.uid) for a in rows)


def start_run(journal: RenameJournal, *user_ids: str) -> str:
    return journal.start_run(
        kind="rename",
        run_key="key",
        selection={"pool": ["host-*@acme.org"]},
        template="{org} Host {letter}",
        org="Acme Corp",
        undo_of=None,
        renames=[
            PlannedRename(
                u, f"{u}@acme.org", Names("Ann Lee", "Ann", "Lee"), Names("H A", "H", "A")
            )
            for u in user_ids
        ],
        now=NOW,
    )


@pytest.fixture
def filled(data: Path) -> Iterator[Workspace]:
    """A workspace with two users' assignments and a journal with one run of two users."""
    workspace = Workspace.open(data)
    store_assignments(workspace, "ana", ["a1", "a2"])
    store_assignments(workspace, "ben", ["b1"])
    start_run(RenameJournal(workspace), "u1", "u2")
    yield workspace
    workspace.close()


def assert_intact(data: Path) -> None:
    """What `filled` stored is all there, read afresh."""
    workspace = Workspace.open(data)
    try:
        assert cached(workspace) == [("ana", "a1"), ("ana", "a2"), ("ben", "b1")]
        runs = RenameJournal(workspace).runs()
        assert [run.counts["total"] for run in runs] == [2]
    finally:
        workspace.close()


# --- two syncs at once (real processes) ----------------------------------------------------------


def usked_script() -> Path:
    path = Path(sys.executable).with_name("usked")
    if not path.exists():
        pytest.fail(
            f"the console script is not installed beside {sys.executable}: pip install -e ."
        )
    return path


def syncs_at_once(n: int) -> list[tuple[int, str, str]]:
    """`usked sync --json` n times at once (the environment points at this test's dirs)."""
    processes = [
        subprocess.Popen(
            [str(usked_script()), "sync", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def assert_all_synced(results: list[tuple[int, str, str]]) -> None:
    for code, out, err in results:
        assert "internal error" not in err, err
        assert "Traceback" not in err, err
        assert "locked" not in err, err
        assert code == 0, err
        outcomes = json.loads(out)
        assert sorted(o["user"] for o in outcomes) == sorted(
            name.replace("_", "-") for name in FEED_FILES
        )
        assert {o["status"] for o in outcomes} <= {"updated", "unchanged"}, outcomes


def test_two_syncs_at_once_on_a_fresh_data_dir_both_succeed(data: Path) -> None:
    # Both create the file and migrate it at the same moment: the schema is built once.
    add_feeds()
    assert not data.exists()
    assert_all_synced(syncs_at_once(3))
    workspace = Workspace.open(data)
    try:
        assert len(workspace.feed_states()) == len(FEED_FILES)
        (mode,) = workspace.db.execute("PRAGMA journal_mode").fetchone()
        assert mode == "wal"
    finally:
        workspace.close()


def test_two_syncs_at_once_on_an_old_workspace_both_succeed_and_move_the_journal_once(
    data: Path,
) -> None:
    # An old workspace: rollback journal (WAL is switched on by the first to get the file to
    # itself; SQLite does not wait for that) and the rename journal still inside.
    add_feeds()
    legacy_workspace(data, runs=3, items=4)
    assert_all_synced(syncs_at_once(3))
    assert_journal_moved(data, runs=3, items=4)


# --- a busy workspace ----------------------------------------------------------------------------


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's long write transaction (a second connection conflicts like one)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_write_blocked_past_the_timeout_is_one_line_and_loses_nothing(
    short_timeout: None, filled: Workspace, data: Path
) -> None:
    other = hold_write_lock(filled.path)
    try:
        with pytest.raises(OperationalError) as caught:
            store_assignments(filled, "ana", ["replaced"])
        assert_explained(caught.value, "is busy", "another sync is running", str(filled.path))
        with pytest.raises(OperationalError, match="another sync is running"):
            filled.record_failure("ana", source="x", error="e", attempted_at="t")
        # Reading goes on meanwhile (WAL).
        assert cached(filled) == [("ana", "a1"), ("ana", "a2"), ("ben", "b1")]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_intact(data)


def test_sync_blocked_past_the_timeout_says_another_sync_is_running(
    data: Path, short_timeout: None
) -> None:
    add_feeds()
    assert run(["sync"], now=NOW).exit_code == 0
    other = hold_write_lock(data / store.DB_NAME)
    try:
        result = run(["sync"], now=NOW + timedelta(hours=1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_one_line_error(result, "another sync is running", str(data / store.DB_NAME))


def test_a_busy_journal_says_a_rename_is_running(
    short_timeout: None, filled: Workspace, data: Path
) -> None:
    other = hold_write_lock(data / store.JOURNAL_NAME)
    try:
        with pytest.raises(OperationalError) as caught:
            start_run(RenameJournal(filled), "u3")
        assert_explained(caught.value, "a rename is running", store.JOURNAL_NAME)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_intact(data)


def test_the_wal_switch_waits_for_a_reader_of_an_old_file(data: Path) -> None:
    # SQLite refuses the switch at once while another connection reads a rollback-journal file;
    # opening tries again until the reader is done, instead of failing as "database is locked".
    legacy_workspace(data, runs=0, items=0)
    reader = sqlite3.connect(data / store.DB_NAME, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM feed_state").fetchone()
    threading.Timer(0.3, lambda: reader.execute("COMMIT")).start()
    workspace = Workspace.open(data)
    try:
        assert workspace.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert workspace.db.execute("PRAGMA user_version").fetchone() == (len(store._MIGRATIONS),)
    finally:
        workspace.close()
        reader.close()


def test_a_migration_done_by_another_process_meanwhile_is_not_done_twice(data: Path) -> None:
    # The version is read again under the write lock: a process that found the old version and
    # then waited for the lock finds the migration done (before: "duplicate column name: pwd",
    # "table feed_state already exists").
    legacy_workspace(data, runs=1, items=1, version=3, wal=True)
    other = hold_write_lock(data / store.DB_NAME)
    outcome: list[object] = []

    def open_it() -> None:
        try:
            Workspace.open(data).close()
            outcome.append("ok")
        except Exception as exc:  # reported below
            outcome.append(exc)

    thread = threading.Thread(target=open_it)
    thread.start()
    thread.join(0.3)  # it read version 3 and waits for the lock
    # Meanwhile "another process" migrates to the latest schema itself.
    migration = store._MIGRATIONS[3]
    assert isinstance(migration, str)
    for statement in migration.split(";"):
        if statement.strip():
            other.execute(statement)
    other.execute("DROP TABLE rename_item")
    other.execute("DROP TABLE rename_run")
    other.execute(f"PRAGMA user_version = {len(store._MIGRATIONS)}")
    other.execute("COMMIT")
    other.close()
    thread.join(10)
    assert outcome == ["ok"]


# --- a damaged workspace or journal ------------------------------------------------------------


def test_a_workspace_that_is_not_sqlite_is_one_line_that_says_sync_rebuilds_it(
    filled: Workspace, data: Path
) -> None:
    filled.close()
    path = data / store.DB_NAME
    path.write_bytes(b"<html>this is not a database</html>\n" * 200)
    result = run(["assignments", "list"], now=NOW)
    text = assert_one_line_error(result, "is damaged", str(path), "usked sync", "mv ")
    assert store.JOURNAL_NAME in text  # the history is elsewhere: moving this aside is safe
    # The journal is untouched and still readable.
    path.unlink()
    result = run(HISTORY, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert [r["counts"]["total"] for r in json.loads(result.stdout)] == [2]


def test_a_corrupt_workspace_is_explained_and_sync_rebuilds_it_once_moved_aside(
    data: Path,
) -> None:
    add_feeds()
    assert run(["sync"], now=NOW).exit_code == 0
    path = data / store.DB_NAME
    workspace = Workspace.open(data)
    for i in range(200):  # more pages to damage
        workspace.record_failure(f"u{i:03}", source="x" * 300, error="e", attempted_at="t")
    workspace.close()
    raw = bytearray(path.read_bytes())
    for offset in range(4096, len(raw), 4096):
        raw[offset : offset + 16] = b"\xff" * 16
    path.write_bytes(bytes(raw))
    result = run(["sync"], now=NOW)
    assert_one_line_error(result, "is damaged", "malformed", "usked sync")
    path.rename(path.with_name("workspace.sqlite3.damaged"))
    result = run(["sync"], now=NOW)
    assert result.exit_code == 0, result.stderr


def test_a_damaged_journal_says_undo_needs_it_and_is_left_as_it_is(
    filled: Workspace, data: Path
) -> None:
    filled.close()
    journal = data / store.JOURNAL_NAME
    garbage = b"\x00garbage, not the rename journal\x00" * 300
    journal.write_bytes(garbage)
    result = run(HISTORY, now=NOW)
    text = assert_one_line_error(result, "rename journal", "is damaged", str(journal))
    assert "do not delete" in text
    assert "`undo` needs" in text
    assert journal.read_bytes() == garbage
    # The cache does not depend on it.
    result = run(["assignments", "list", "--json"], now=NOW)
    assert result.exit_code == 0, result.stderr
    assert sorted(a["uid"] for a in json.loads(result.stdout)) == ["a1", "a2", "b1"]


# --- a full disk ---------------------------------------------------------------------------------


def fill_up(connection: sqlite3.Connection) -> None:
    """No room for one more page (what a full disk looks like to SQLite)."""
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    connection.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_while_storing_a_feed_keeps_the_old_assignments(
    filled: Workspace, data: Path
) -> None:
    fill_up(filled.db)
    with pytest.raises(OperationalError) as caught:
        store_assignments(filled, "ana", [f"new-{i}" for i in range(400)])
    assert_explained(caught.value, "is full", str(data), "free some space", "USKED_DATA_DIR")
    assert cached(filled) == [("ana", "a1"), ("ana", "a2"), ("ben", "b1")]
    with pytest.raises(OperationalError, match="is full"):
        filled.record_failure("cy", source="x" * 100_000, error="e", attempted_at="t")
    filled.close()
    assert_intact(data)


def test_a_full_disk_while_journaling_a_run_keeps_the_journal(
    filled: Workspace, data: Path
) -> None:
    journal = RenameJournal(filled)
    fill_up(journal.db)
    with pytest.raises(OperationalError) as caught:
        start_run(journal, *(f"user-{i:04}" for i in range(500)))
    assert_explained(caught.value, "is full", "rename journal", str(data))
    filled.close()
    assert_intact(data)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, ["is full", "free some space"]),
        (errno.EROFS, ["read-only", "writable", "USKED_DATA_DIR"]),
        (errno.EACCES, ["read-only", "writable", "USKED_DATA_DIR"]),
    ],
)
def test_file_system_errors_opening_the_folder_are_explained(
    data: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: list[str]
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OperationalError) as caught:
        Workspace.open(data)
    assert_explained(caught.value, str(data), *words)


# --- a read-only folder or file ----------------------------------------------------------------


def test_a_read_only_database_is_explained_and_keeps_everything(
    filled: Workspace, data: Path
) -> None:
    # What SQLite says of a file it may not write ("attempt to write a readonly database"),
    # whoever runs the test.
    filled.db.execute("PRAGMA query_only = ON")
    with pytest.raises(OperationalError) as caught:
        store_assignments(filled, "ana", ["replaced"])
    assert_explained(caught.value, "read-only", str(data), "data_dir", "USKED_DATA_DIR")
    filled.close()
    assert_intact(data)


@pytest.mark.skipif(IS_ROOT, reason="root writes into a read-only folder: nothing to test")
def test_a_read_only_folder_is_one_line_naming_it_and_keeps_everything(
    filled: Workspace, data: Path
) -> None:
    filled.close()
    add_feeds()
    data.chmod(0o500)
    try:
        result = run(["sync"], now=NOW)
        assert_one_line_error(result, str(data), "read-only", "USKED_DATA_DIR")
    finally:
        data.chmod(0o700)
    assert_intact(data)


@pytest.mark.skipif(IS_ROOT, reason="root writes a read-only file: nothing to test")
def test_a_read_only_workspace_file_is_one_line_and_keeps_everything(
    filled: Workspace, data: Path
) -> None:
    filled.close()
    add_feeds()
    (data / store.DB_NAME).chmod(0o400)
    try:
        result = run(["sync"], now=NOW)
        assert_one_line_error(result, str(data), "read-only")
    finally:
        (data / store.DB_NAME).chmod(0o600)
    assert_intact(data)


# --- permissions ---------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_are_private_whatever_the_umask(data: Path) -> None:
    old = os.umask(0o022)
    try:
        workspace = Workspace.open(data)
        start_run(RenameJournal(workspace), "u1")
        workspace.close()
    finally:
        os.umask(old)
    assert mode(data) == 0o700
    assert mode(data / store.DB_NAME) == 0o600
    assert mode(data / store.JOURNAL_NAME) == 0o600


def test_loose_permissions_are_tightened_on_open(filled: Workspace, data: Path) -> None:
    filled.close()
    data.chmod(0o755)
    (data / store.DB_NAME).chmod(0o644)
    (data / store.JOURNAL_NAME).chmod(0o666)
    workspace = Workspace.open(data)
    assert RenameJournal(workspace).runs()
    workspace.close()
    assert mode(data) == 0o700
    assert mode(data / store.DB_NAME) == 0o600
    assert mode(data / store.JOURNAL_NAME) == 0o600


def test_the_journal_is_tightened_by_commands_that_do_not_use_it(
    filled: Workspace, data: Path
) -> None:
    filled.close()
    (data / store.JOURNAL_NAME).chmod(0o644)
    Workspace.open(data).close()  # what `sync` and `assignments list` open
    assert mode(data / store.JOURNAL_NAME) == 0o600


def test_a_folder_that_cannot_be_tightened_is_used_as_it_is(
    filled: Workspace, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone else's folder (chmod: EPERM): go on.
    filled.close()
    data.chmod(0o755)

    def refuse(self: Path, mode: int) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(Path, "chmod", refuse)
    assert_intact(data)
    monkeypatch.undo()
    assert mode(data) == 0o755


# --- the journal moves out of the workspace ------------------------------------------------------


def legacy_workspace(
    data: Path, *, runs: int, items: int, version: int = 4, wal: bool = False
) -> None:
    """A workspace as usked wrote it before schema 5, rename tables inside; a rollback journal
    unless `wal` (as the first versions left it)."""
    data.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data / store.DB_NAME, isolation_level=None)
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
    for step in store._MIGRATIONS[:version]:
        assert isinstance(step, str)
        for statement in step.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute("BEGIN")
    for r in range(runs):
        run_id = f"20260101T0000{r:02}-ab{r:02}"
        db.execute(
            "INSERT INTO rename_run (run_id, kind, run_key, selection, template, org, undo_of, "
            "state, created_at, finished_at) VALUES (?, 'rename', 'key', '{}', 't', 'Acme', "
            "NULL, 'done', ?, ?)",
            (run_id, f"2026-01-01T00:00:{r:02}+00:00", f"2026-01-01T00:01:{r:02}+00:00"),
        )
        for i in range(items):
            db.execute(
                "INSERT INTO rename_item VALUES (?, ?, ?, ?, 'Ann Lee', 'Ann', 'Lee', 'H A', "
                "'H', 'A', 'done', NULL, 't')",
                (run_id, i + 1, f"user-{i}", f"user-{i}@acme.org"),
            )
    db.execute("COMMIT")
    db.close()


def assert_journal_moved(data: Path, *, runs: int, items: int) -> None:
    with sqlite3.connect(data / store.DB_NAME) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        assert not {"rename_run", "rename_item"} & tables
        assert db.execute("PRAGMA user_version").fetchone() == (len(store._MIGRATIONS),)
    db.close()
    workspace = Workspace.open(data)
    try:
        history = RenameJournal(workspace).runs()
        # Newest first, as before the move (the rows kept their order).
        assert [run.run_id for run in history] == [
            f"20260101T0000{r:02}-ab{r:02}" for r in reversed(range(runs))
        ]
        assert all(run.counts == {**run.counts, "total": items, "done": items} for run in history)
    finally:
        workspace.close()


def test_opening_an_old_workspace_moves_its_journal_to_its_own_file(data: Path) -> None:
    legacy_workspace(data, runs=3, items=5)
    Workspace.open(data).close()
    assert (data / store.JOURNAL_NAME).exists()
    assert mode(data / store.JOURNAL_NAME) == 0o600
    assert_journal_moved(data, runs=3, items=5)
    # The CLI sees the moved history.
    result = run(HISTORY, now=NOW)
    assert result.exit_code == 0, result.stderr
    assert [r["state"] for r in json.loads(result.stdout)] == ["done"] * 3


def test_a_move_stopped_after_the_copy_is_finished_by_the_next_open_without_duplicates(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy_workspace(data, runs=2, items=3)
    move = Workspace._move_journal_out

    def copy_then_die(self: Workspace, db: sqlite3.Connection) -> None:
        move(self, db)  # the journal copy is committed; the tables' drop is not yet
        raise KeyboardInterrupt

    monkeypatch.setattr(Workspace, "_move_journal_out", copy_then_die)
    with pytest.raises(KeyboardInterrupt):
        Workspace.open(data)
    monkeypatch.undo()
    with sqlite3.connect(data / store.DB_NAME) as db:  # still the old workspace, whole
        assert db.execute("PRAGMA user_version").fetchone() == (4,)
        assert db.execute("SELECT count(*) FROM rename_item").fetchone() == (6,)
    db.close()
    # Meanwhile the journal's copy moved on (an item's outcome): the next copy keeps it.
    with sqlite3.connect(data / store.JOURNAL_NAME) as db:
        db.execute("UPDATE rename_item SET status = 'failed' WHERE user_id = 'user-0'")
    db.close()
    Workspace.open(data).close()
    with sqlite3.connect(data / store.JOURNAL_NAME) as db:
        assert db.execute("SELECT count(*) FROM rename_run").fetchone() == (2,)
        assert db.execute("SELECT count(*) FROM rename_item").fetchone() == (6,)
        assert db.execute(
            "SELECT count(*) FROM rename_item WHERE status = 'failed'"
        ).fetchone() == (2,)
    db.close()
    with sqlite3.connect(data / store.DB_NAME) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert not {"rename_run", "rename_item"} & tables


def test_an_old_workspace_without_renames_creates_no_journal_file(data: Path) -> None:
    legacy_workspace(data, runs=0, items=0)
    workspace = Workspace.open(data)
    assert RenameJournal(workspace).runs() == []
    workspace.close()
    assert not (data / store.JOURNAL_NAME).exists()


def test_a_damaged_old_workspace_warns_that_it_may_hold_the_rename_history(data: Path) -> None:
    legacy_workspace(data, runs=1, items=1)
    path = data / store.DB_NAME
    raw = bytearray(path.read_bytes())
    raw[100:] = b"\xff" * (len(raw) - 100)  # the header stays: schema 4
    path.write_bytes(bytes(raw))
    result = run(["assignments", "list"], now=NOW)
    text = assert_one_line_error(result, "is damaged", "keep that copy", "undo")
    assert path.read_bytes() == bytes(raw)
    assert "history" in text
