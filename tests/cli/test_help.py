"""Every command answers --help with its usage and at least one example."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from tests.cli.helpers import run
from usked_cli.cli.app import app


def command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if prefix:
            paths.append(prefix)  # groups too: `usked admin --help` has its example
        if subcommands is None:
            return
        for name, sub in subcommands.items():
            if not getattr(sub, "hidden", False):
                walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


COMMANDS = command_paths()


def test_the_tree_has_every_command() -> None:
    assert {" ".join(p) for p in COMMANDS} >= {
        "config", "feeds", "assignments", "zoom", "admin", "admin settings", "admin zoom-users",
        "config path", "config show", "config set", "config unset",
        "feeds add", "feeds list", "feeds remove", "sync",
        "assignments list", "assignments show", "invite", "host-link", "zoom check",
        "admin settings show", "admin settings set", "admin conflicts",
        "admin zoom-users list", "admin zoom-users free", "admin zoom-users rename",
        "admin zoom-users undo", "admin zoom-users history", "admin zoom-users audit",
    }  # fmt: skip


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_help_has_an_example(path: list[str]) -> None:
    result = run([*path, "--help"])
    assert result.exit_code == 0
    assert "Usage: usked " + " ".join(path) in " ".join(result.stdout.split())
    assert "Example" in result.stdout
    assert "usked " + path[0] in result.stdout.split("Example", 1)[1]


def test_root_help_documents_exit_codes() -> None:
    text = " ".join(run(["--help"]).stdout.split())
    for code in (
        "0 success",
        "1 operational failure",
        "2 invalid usage",
        "3 the named thing",
        "4 refused",
    ):
        assert code in text


def test_version() -> None:
    from usked_cli import __version__

    assert run(["--version"]).stdout == f"usked {__version__}\n"


def test_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "config.example.toml"
    result = run(["--config", str(example), "config", "show", "--json"])
    assert result.exit_code == 0, result.stderr
