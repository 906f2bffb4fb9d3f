"""Real rename processes against a loopback Zoom, stopped mid-run: kill -9, Ctrl-C (SIGINT) and
SIGTERM. Each is then resumed by running the same command again; every rename lands once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.zoom import FakeZoom, FakeZoomServer, serve

USERS = 60
RENAME = [sys.executable, "-m", "usked_cli", "admin", "zoom-users", "rename"]


@pytest.fixture
def loopback() -> Iterator[tuple[FakeZoom, FakeZoomServer]]:
    fake = FakeZoom(rate_limits={"light": 80, "medium": 60, "heavy": 40})
    for i in range(1, USERS + 1):
        fake.add_user(f"host-{i:03}@acme.org", "Person", f"Number{i}")
    with serve(fake, latency=0.02) as server:
        yield fake, server


def environment(fake: FakeZoom, server: FakeZoomServer) -> dict[str, str]:
    return {
        # Bytecode caching on: several short processes, each would compile the package again.
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        **{f"USKED_ZOOM__{k.upper()}": str(v) for k, v in fake.credentials().items()},
        "USKED_ZOOM__API_URL": server.api_url,
        "USKED_ZOOM__OAUTH_URL": server.oauth_url,
        "USKED_ZOOM__HOST_USERS": "host-*@acme.org",
        "USKED_ORG__NAME": "Acme Corp",
        # 40 PATCHes a second: the run takes about 1.5 s, long enough to be stopped in the middle.
        "USKED_ZOOM__RATE_LIMITS__LIGHT": "40",
        "USKED_ZOOM__RATE_LIMITS__MEDIUM": "40",
        "USKED_ZOOM__RATE_LIMITS__HEAVY": "20",
        "USKED_ZOOM__RATE_SHARE": "1.0",
    }


def usked(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usked_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_rename(env: dict[str, str], fake: FakeZoom, **streams: Any) -> subprocess.Popen[str]:
    """A `rename --yes` process, returned once 15 of its PATCHes have landed."""
    process = subprocess.Popen([*RENAME, "--yes"], env=env, text=True, **streams)
    deadline = time.monotonic() + 60
    while sum(fake.patch_counts().values()) < 15:
        assert process.poll() is None, "the rename finished before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return process


def history(env: dict[str, str]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = json.loads(
        usked(env, "admin", "zoom-users", "history", "--json").stdout
    )
    return runs


def resume(env: dict[str, str], fake: FakeZoom, run_id: str) -> None:
    """The same command again finishes the run; every user renamed, each PATCH landed once."""
    rerun = usked(env, "admin", "zoom-users", "rename", "--yes", "--json")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["resumed"] is True
    assert report["run_id"] == run_id
    assert all(u.first_name == "Acme Corp Host" for u in fake.users.values())
    assert len({u.display_name for u in fake.users.values()}) == USERS
    # The in-flight PATCHes of the stopped process were checked, not resent.
    assert fake.patch_counts() == dict.fromkeys(fake.users, 1)
    assert [(r["run_id"], r["state"]) for r in history(env)] == [(run_id, "done")]


def test_sigkill_mid_rename_then_rerun_then_undo(loopback: tuple[FakeZoom, FakeZoomServer]) -> None:
    fake, server = loopback
    env = environment(fake, server)
    originals = {u.id: u.display_name for u in fake.users.values()}
    plan = json.loads(usked(env, "admin", "zoom-users", "rename", "--dry-run", "--json").stdout)
    planned = {p["user_id"]: p["new_name"] for p in plan}
    assert len(planned) == USERS

    process = start_rename(env, fake, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.kill()
    process.wait()
    time.sleep(0.1)  # let the requests already on the wire land
    landed = sum(fake.patch_counts().values())
    assert 15 <= landed < USERS

    # No process holds the run any more: interrupted, not running. The lock file the killed
    # process left behind holds no lock (the kernel dropped it), so it blocks nothing.
    runs = history(env)
    assert [(r["kind"], r["state"]) for r in runs] == [("rename", "interrupted")]
    lock_file = Path(env["USKED_DATA_DIR"]) / "rename.lock"
    assert json.loads(lock_file.read_text())["pid"] == process.pid

    resume(env, fake, runs[0]["run_id"])
    assert {u.id: u.display_name for u in fake.users.values()} == planned
    assert not lock_file.exists()  # a run that ends normally takes its lock file away

    undo = usked(env, "admin", "zoom-users", "undo", "--yes", "--json")
    assert undo.returncode == 0, undo.stderr
    assert {u.id: u.display_name for u in fake.users.values()} == originals
    assert [r["state"] for r in history(env)] == ["done", "undone"]


@pytest.mark.parametrize(
    ("signum", "exit_code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_mid_rename_is_interrupted_and_the_rerun_resumes(
    loopback: tuple[FakeZoom, FakeZoomServer], signum: signal.Signals, exit_code: int
) -> None:
    fake, server = loopback
    env = environment(fake, server)
    process = start_rename(env, fake, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    time.sleep(0.1)  # let the requests already on the wire land
    assert process.returncode == exit_code, stderr
    assert "Traceback" not in stderr
    error = next(line for line in stderr.splitlines() if line.startswith("error:"))
    assert error.startswith(f"error: interrupted ({signum.name}): run ")
    assert error.endswith(f" of {USERS} users done; the journal keeps the rest")
    assert stderr.splitlines()[-1] == "hint: run the same command again to resume"
    assert sum(fake.patch_counts().values()) < USERS

    runs = history(env)
    assert [(r["kind"], r["state"]) for r in runs] == [("rename", "interrupted")]
    assert runs[0]["run_id"] in error
    resume(env, fake, runs[0]["run_id"])
