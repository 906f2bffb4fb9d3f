"""The start-up budget, by what gets imported: the hot paths leave the heavy libraries alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Typer (0.26 and later) coerces parameters with pydantic's TypeAdapter, so pydantic's core comes
# with the CLI framework; pydantic-settings (asyncio, dataclasses: about 5 more x) must not.
HEAVY = ("pydantic_settings", "httpx", "icalendar", "recurring_ical_events", "rich", "asyncio")

PROBE = """
import json, sys
from usked_cli.entry import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.stdin.read())))
sys.stderr.write("MODULES " + json.dumps(heavy) + "\\n")
"""


def loaded(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps([*HEAVY, "typer"]),
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    modules: list[str] = json.loads(line.removeprefix("MODULES "))
    return modules


def test_version_loads_no_framework() -> None:
    assert loaded("--version") == []


def test_listing_loads_no_heavy_library(config_file: Path) -> None:
    config_file.write_text('timezone = "America/Chicago"\n')
    loaded("assignments", "list")  # the first run after a config change validates it fully
    assert loaded("assignments", "list") == ["typer"]


@pytest.mark.parametrize(
    "args",
    [["invite", "1"], ["assignments", "show", "1"], ["today"], ["next"], ["join", "next"]],
)
def test_other_cache_readers_stay_light(config_file: Path, args: list[str]) -> None:
    loaded(*args)
    assert loaded(*args) == ["typer"]
