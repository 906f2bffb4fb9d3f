"""One rename at a time per workspace (an OS lock), and the states `history` shows.

The lock is taken here by the test process itself (a second open file description conflicts
with it like another process would); the real-process cases are in test_rename_sigkill.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_zoom_users_rename import RENAME, add_hosts, names, patches
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import DEFAULT_EPOCH, FakeRequest, Fault
from usked_cli.journal import Names, PlannedRename, RenameJournal, lock_holder
from usked_cli.store import Workspace

HISTORY = ["admin", "zoom-users", "history", "--json"]


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")


@pytest.fixture
def journal(isolation: Path) -> Iterator[RenameJournal]:
    workspace = Workspace.open(isolation / "data")
    yield RenameJournal(workspace)
    workspace.close()


def states(zoom: ZoomKit) -> list[tuple[str, str]]:
    return [(r["kind"], r["state"]) for r in json.loads(zoom.run(HISTORY).stdout)]


def test_a_second_rename_is_refused_naming_the_run_in_progress(
    zoom: ZoomKit, org: None, journal: RenameJournal
) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    run_id = journal.start_run(
        kind="rename",
        run_key="someone else's",
        selection={"pool": ["host-*@acme.org"]},
        template="{org} Host {letter}",
        org="Acme Corp",
        undo_of=None,
        renames=[
            PlannedRename("u1", "host-01@acme.org", Names("B J", "B", "J"), Names("X A", "X", "A"))
        ],
        now=DEFAULT_EPOCH,
    )
    with journal.lock(kind="rename", now=DEFAULT_EPOCH) as lock:
        lock.record(run_id)
        assert states(zoom) == [("rename", "running")]
        for args in ([*RENAME, "--yes"], ["admin", "zoom-users", "undo", "--yes"]):
            refused = zoom.run(args)
            assert refused.exit_code == 1, refused.stderr
            assert refused.stderr.splitlines() == [
                f"error: another rename is in progress on this workspace: run {run_id} "
                f"(pid {os.getpid()}, started 2026-03-02T15:00:00+00:00)",
                "hint: wait for it to finish (`usked admin zoom-users history` shows it), "
                f"or stop it: kill {os.getpid()}",
            ]
        # A dry run takes no lock: planning while a run goes on is fine.
        assert zoom.run([*RENAME, "--dry-run"]).exit_code == 0
    assert patches(zoom) == 0
    # The holder is gone: its unfinished run is interrupted, and the next rename may run.
    assert states(zoom) == [("rename", "interrupted")]
    assert not journal.lock_path.exists()
    assert zoom.run([*RENAME, "--yes"]).exit_code == 0


def test_a_lock_taken_while_planning_names_the_process(
    zoom: ZoomKit, org: None, journal: RenameJournal
) -> None:
    add_hosts(zoom, "Barry Jones")
    with journal.lock(kind="undo", now=DEFAULT_EPOCH):
        refused = zoom.run([*RENAME, "--yes"])
    assert refused.exit_code == 1
    assert (
        "error: another undo is in progress on this workspace: a run being planned "
        f"(pid {os.getpid()}, started 2026-03-02T15:00:00+00:00)"
    ) in refused.stderr


def test_lock_holder_is_none_when_no_one_holds_it(journal: RenameJournal) -> None:
    assert lock_holder(journal.lock_path) is None
    journal.lock_path.write_text('{"run_id": "left-by-kill-9", "pid": 1}')  # a stale file
    assert lock_holder(journal.lock_path) is None
    with journal.lock(kind="rename", now=DEFAULT_EPOCH) as lock:  # the stale file is no obstacle
        lock.record("r1")
        holder = lock_holder(journal.lock_path)
        assert holder is not None
        assert (holder.kind, holder.run_id, holder.pid) == ("rename", "r1", os.getpid())
    assert lock_holder(journal.lock_path) is None


def test_ctrl_c_mid_run_marks_it_interrupted_and_the_rerun_resumes(
    zoom: ZoomKit, org: None
) -> None:
    originals = ["Barry Jones", "Ann Lee", "Cy Young", "Di Prince"]
    add_hosts(zoom, *originals)
    calls = {"n": 0}

    def ctrl_c(request: FakeRequest) -> Fault | None:
        if request.method == "PATCH":
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
        return None

    zoom.fake.fault_rule = ctrl_c
    first = zoom.run([*RENAME, "--yes", "--concurrency", "1"])
    assert first.exit_code == 130
    assert first.stderr.splitlines()[-2:] == [
        f"error: interrupted (SIGINT): run {json.loads(zoom.run(HISTORY).stdout)[0]['run_id']} "
        "stopped with 2 of 4 users done; the journal keeps the rest",
        "hint: run the same command again to resume",
    ]
    assert states(zoom) == [("rename", "interrupted")]
    zoom.fake.fault_rule = None
    second = zoom.run([*RENAME, "--yes", "--json", "--concurrency", "1"])
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["resumed"] is True
    assert [n[0] for n in names(zoom).values()] == [f"Acme Corp Host {c}" for c in "ABCD"]
    assert states(zoom) == [("rename", "done")]


def test_ctrl_c_before_the_run_starts_changes_nothing(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones")

    def ctrl_c(request: FakeRequest) -> Fault | None:
        if request.method == "GET" and request.path.endswith("/users"):
            raise KeyboardInterrupt
        return None

    zoom.fake.fault_rule = ctrl_c
    result = zoom.run([*RENAME, "--yes"])
    assert result.exit_code == 130
    assert result.stderr.splitlines() == ["error: interrupted (SIGINT) before any change was made"]
    zoom.fake.fault_rule = None
    assert states(zoom) == []


def test_history_states_failed_and_undone(zoom: ZoomKit, org: None) -> None:
    users = add_hosts(zoom, "Barry Jones", "Ann Lee")
    broken = users[1].id

    def reject(request: FakeRequest) -> Fault | None:
        if request.method == "PATCH" and request.path.endswith(broken):
            return Fault("status", 400, {"code": 300, "message": "Validation Failed."})
        return None

    zoom.fake.fault_rule = reject
    assert zoom.run([*RENAME, "--yes"]).exit_code == 1
    assert states(zoom) == [("rename", "failed")]
    zoom.fake.fault_rule = None
    assert zoom.run(["admin", "zoom-users", "undo", "--yes"]).exit_code == 0
    assert states(zoom) == [("undo", "done"), ("rename", "undone")]
    # An undone run is not resumed: the same rename plans afresh.
    again = zoom.run([*RENAME, "--yes", "--json"])
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["resumed"] is False


def test_two_runs_started_in_one_second_get_distinct_ids(
    journal: RenameJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suffix is random: a draw that repeats one already taken is drawn again, never an
    # IntegrityError shown as an internal error.
    draws = iter(["8d3e", "8d3e", "b1c7"])
    monkeypatch.setattr("usked_cli.journal.secrets.token_hex", lambda n: next(draws))
    rename = PlannedRename("u1", "host-01@acme.org", Names("B J", "B", "J"), Names("X A", "X", "A"))
    ids = [
        journal.start_run(
            kind="rename",
            run_key=f"key {n}",
            selection={"pool": ["host-*@acme.org"]},
            template="{org} Host {letter}",
            org="Acme Corp",
            undo_of=None,
            renames=[rename],
            now=DEFAULT_EPOCH,
        )
        for n in range(2)
    ]
    assert ids == ["20260302T150000-8d3e", "20260302T150000-b1c7"]


def test_piped_history_is_one_line_per_run_with_every_field(zoom: ZoomKit, org: None) -> None:
    # The terminal table folds Kind into What; a script reading the lines keeps every field.
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    assert zoom.run([*RENAME, "--yes"]).exit_code == 0
    piped = zoom.run(["admin", "zoom-users", "history"])
    assert piped.exit_code == 0, piped.stderr
    [line] = piped.stdout.splitlines()
    run_id, kind, state, started, done, failed, left, what = line.split("\t")
    assert (kind, state, done, failed, left) == ("rename", "done", "2", "0", "0")
    assert started == DEFAULT_EPOCH.isoformat()
    assert what == "pool host-*@acme.org -> {org} Host {letter}"
    assert run_id.startswith("20260302T150000-")
