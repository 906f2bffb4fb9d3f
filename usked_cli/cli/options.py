"""Options shared by many commands, as Annotated aliases (one definition, one help text)."""

from __future__ import annotations

from typing import Annotated

import typer

JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print JSON on stdout (an array for lists, an object for reports)."
    ),
]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV with a header row on stdout.")]
YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes", "-y", help="Do not ask for confirmation (needed when not on a terminal)."
    ),
]
IcsOpt = Annotated[
    str | None,
    typer.Option(
        "--ics",
        help="Read this feed (https URL or .ics path), not the synced ones; nothing is cached.",
        metavar="SOURCE",
    ),
]
MatchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--match",
        "-m",
        help="Email glob, e.g. 'host-*@acme.org' (repeatable; case-insensitive).",
        metavar="GLOB",
    ),
]


def one_format(json_output: bool, csv_output: bool) -> None:
    """--json and --csv both print the data on stdout: one or the other (exit 2)."""
    if json_output and csv_output:
        from usked_cli.errors import InputError

        raise InputError("--json and --csv are alternatives; choose one")


def duration_minutes(text: str) -> int:
    """A --duration value (90, 90m, 1h30m, 1.5h) in whole minutes; exit 2 when it is none."""
    from usked_cli.errors import InputError
    from usked_cli.rules.when import parse_duration_minutes

    try:
        return parse_duration_minutes(text)
    except ValueError as exc:
        raise InputError(f"--duration {text!r}: {exc}") from None
