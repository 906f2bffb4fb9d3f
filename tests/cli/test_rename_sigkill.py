"""A real rename process killed with SIGKILL mid-run against a loopback Zoom, rerun, then undone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.zoom import FakeZoom, FakeZoomServer, serve

USERS = 60


@pytest.fixture
def loopback() -> Iterator[tuple[FakeZoom, FakeZoomServer]]:
    fake = FakeZoom(rate_limits={"light": 80, "medium": 60, "heavy": 40})
    for i in range(1, USERS + 1):
        fake.add_user(f"host-{i:03}@acme.org", "Person", f"Number{i}")
    with serve(fake, latency=0.02) as server:
        yield fake, server


def usked(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usked_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sigkill_mid_rename_then_rerun_then_undo(loopback: tuple[FakeZoom, FakeZoomServer]) -> None:
    fake, server = loopback
    env: dict[str, Any] = {
        # Bytecode caching on: five short processes, each would compile the package again.
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        **{f"USKED_ZOOM__{k.upper()}": str(v) for k, v in fake.credentials().items()},
        "USKED_ZOOM__API_URL": server.api_url,
        "USKED_ZOOM__OAUTH_URL": server.oauth_url,
        "USKED_ZOOM__HOST_USERS": "host-*@acme.org",
        "USKED_ORG__NAME": "Acme Corp",
        # 40 PATCHes a second: the run takes about 1.5 s, long enough to be killed in the middle.
        "USKED_ZOOM__RATE_LIMITS__LIGHT": "40",
        "USKED_ZOOM__RATE_LIMITS__MEDIUM": "40",
        "USKED_ZOOM__RATE_LIMITS__HEAVY": "20",
        "USKED_ZOOM__RATE_SHARE": "1.0",
    }
    originals = {u.id: u.display_name for u in fake.users.values()}
    plan = json.loads(usked(env, "admin", "zoom-users", "rename", "--dry-run", "--json").stdout)
    planned = {p["user_id"]: p["new_name"] for p in plan}
    assert len(planned) == USERS

    process = subprocess.Popen(
        [sys.executable, "-m", "usked_cli", "admin", "zoom-users", "rename", "--yes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while sum(fake.patch_counts().values()) < 15:
        assert process.poll() is None, "the rename finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.kill()
    process.wait()
    time.sleep(0.1)  # let the requests already on the wire land
    landed = sum(fake.patch_counts().values())
    assert 15 <= landed < USERS

    history = json.loads(usked(env, "admin", "zoom-users", "history", "--json").stdout)
    assert [(r["kind"], r["state"]) for r in history] == [("rename", "running")]

    rerun = usked(env, "admin", "zoom-users", "rename", "--yes", "--json")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["resumed"] is True
    assert report["run_id"] == history[0]["run_id"]
    assert {u.id: u.display_name for u in fake.users.values()} == planned
    assert all(u.first_name == "Acme Corp Host" for u in fake.users.values())
    # Every rename landed exactly once: the kill's in-flight PATCHes were checked, not resent.
    assert fake.patch_counts() == dict.fromkeys(planned, 1)

    undo = usked(env, "admin", "zoom-users", "undo", "--yes", "--json")
    assert undo.returncode == 0, undo.stderr
    assert {u.id: u.display_name for u in fake.users.values()} == originals
