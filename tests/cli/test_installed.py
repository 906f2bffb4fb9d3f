"""The installed console script, run as a user runs it: a real process, not CliRunner.

Round 1 passed every CliRunner test while `usked` alone printed its help twice on a fresh
install (a newer Typer rendered it once when raising and again when handled). These tests run
the `usked` script that `pip install` put beside this interpreter.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "sample-feed.ics"
# Typer's type placeholders: a flag takes no value, an argument is shown by its name, and an
# option that takes one carries a metavar of its own (WHEN, USER, N).
PLACEHOLDER = re.compile(
    r"<(?:bool|str|int|float|path|datetime|uuid|text|list\[|int range|float range)"
)

GROUPS = ["config", "feeds", "assignments", "zoom", "admin", "admin settings", "admin zoom-users"]
ONE_COMMAND_PER_GROUP = [
    "config show",
    "feeds list",
    "assignments list",
    "zoom check",
    "admin conflicts",
    "admin settings show",
    "admin zoom-users rename",
    "sync",
    "invite",
    "host-link",
    "join",
]


def script() -> Path:
    path = Path(sys.executable).with_name("usked")
    if not path.exists():
        pytest.fail(
            f"the console script is not installed beside {sys.executable}: pip install -e ."
        )
    return path


def usked(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm-256color"}
    return subprocess.run(
        [str(script()), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def run_all(argvs: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda argv: usked(*argv), argvs))


def assert_help_once(result: subprocess.CompletedProcess[str], path: str) -> None:
    shown = f"usked {path}".strip()
    assert result.stdout.count("Usage: ") == 1, result.stdout
    assert f"Usage: {shown}" in " ".join(result.stdout.split())
    found = PLACEHOLDER.findall(result.stdout)
    assert not found, f"`{shown} --help` shows type placeholders {found}"
    assert result.stderr == ""


def test_usked_alone_prints_its_help_once_and_exits_2() -> None:
    result = usked()
    assert result.returncode == 2
    assert_help_once(result, "")


def test_root_help_once() -> None:
    result = usked("--help")
    assert result.returncode == 0
    assert_help_once(result, "")
    for name in ["sync", "invite", "join", "host-link", "assignments", "admin"]:
        assert re.search(rf"│ {re.escape(name)}\s", result.stdout), name


def test_each_group_alone_prints_its_help_once() -> None:
    for path, result in zip(GROUPS, run_all([g.split() for g in GROUPS]), strict=True):
        assert result.returncode == 2, path
        assert_help_once(result, path)


def test_one_command_per_group_has_help_once() -> None:
    argvs = [[*path.split(), "--help"] for path in ONE_COMMAND_PER_GROUP]
    for path, result in zip(ONE_COMMAND_PER_GROUP, run_all(argvs), strict=True):
        assert result.returncode == 0, (path, result.stderr)
        assert_help_once(result, path)
        assert "Example" in result.stdout


def test_one_real_command_per_group(config_file: Path) -> None:
    results = run_all(
        [
            ["config", "path"],
            ["feeds", "list", "--json"],
            ["assignments", "list", "--ics", str(SAMPLE), "--to", "+14d", "--json"],
            ["admin", "settings", "show", "--json"],
            ["zoom", "check"],
        ]
    )
    path, feeds, listing, settings, check = results
    assert path.returncode == 0
    assert path.stdout.strip() == str(config_file)
    assert (feeds.returncode, json.loads(feeds.stdout)) == (0, [])
    assert listing.returncode == 0, listing.stderr
    assert {r["request_id"] for r in json.loads(listing.stdout)} >= {"104233", "104240"}
    assert settings.returncode == 0
    assert json.loads(settings.stdout)
    # No credentials: one error line and a hint, exit 2, never a traceback.
    assert check.returncode == 2
    assert check.stderr.startswith("error: ")
    assert "Traceback" not in check.stderr


def test_a_usage_error_is_one_line_and_a_hint() -> None:
    result = usked("assignments", "list", "--frm", "today")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: ")
    assert "--frm" in lines[0]
    assert lines[1] == "hint: usked assignments list --help"
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["assignments", "list", "--ics", str(SAMPLE), "--to", "+300d"],
        ["assignments", "list", "--ics", str(SAMPLE), "--to", "+300d", "--json"],
        ["assignments", "show", "104233", "--ics", str(SAMPLE)],
        ["--help"],
        [],
        ["--version"],
    ],
    ids=["list", "list-json", "show", "help", "bare", "version"],
)
def test_a_closed_pipe_is_quiet_and_exit_0(args: list[str]) -> None:
    # `usked … | head -1`: the reader is gone before (or while) we write.
    for _ in range(2):  # the same answer every time, wherever the write meets the closed pipe
        process = subprocess.Popen(
            [str(script()), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == b""
