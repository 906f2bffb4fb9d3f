"""The command-group class every `usked` group uses: help for a bare group, printed once.

Typer's own `no_args_is_help` raises an exception whose constructor renders the help (in Rich
mode it prints it at once) and whose handler prints it again: `usked` alone printed its help
twice with Typer 0.29. Here a bare group prints its help itself, exactly once, and exits 2 (a
command was missing: a usage error, as Click has it). Typer's private Click copy
(`typer._click`) is not used anywhere in usked-cli.

Typer 0.29 also shows a type placeholder (`<bool>`, `<str>`) beside every flag and argument in
help. A flag takes no value, so its placeholder is dropped (an empty metavar); an argument is
already shown by its name (REQUEST_ID), so its type column is left empty. Options that take a
value carry a metavar of their own (WHEN, USER, N): a test walks the tree for placeholders.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

EXIT_USAGE = 2


class HelpGroup(TyperGroup):
    """A Typer group that prints its help once when called with nothing after it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _blank_flag_placeholders(self.params)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _blank_flag_placeholders(command.params)
            # The child's help option is made on first use, from the names this context holds.
            _blank_flag_placeholders([command.get_help_option(ctx)])
        return command

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        # Typer adds --install-completion/--show-completion after the group is built.
        _blank_flag_placeholders([*self.params, option])
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            # Rich-mode help prints itself and returns ""; plain help returns the text.
            text = ctx.get_help()
            if text:
                typer.echo(text)
            ctx.exit(EXIT_USAGE)
        result: list[str] = super().parse_args(ctx, args)
        return result


def _blank_flag_placeholders(params: Any) -> None:
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        elif getattr(param, "param_type_name", "") == "argument":
            param.display_type_rich = _no_type


def _no_type(ctx: Any = None) -> None:
    """An argument's type column: empty (its name already says what it is)."""
    return None
