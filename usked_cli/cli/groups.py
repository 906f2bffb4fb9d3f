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

A group's commands are built when first asked for (`LazyCommands`, `lazy_group`): `usked
assignments list` builds the Click command of `list`, not those of its siblings, and the root
imports the module of the command being run only (usked_cli.cli.app).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from functools import partial
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

    def list_commands(self, ctx: Any) -> list[str]:
        """The names, in order, without building the commands (Typer's own builds them all)."""
        return list(self.commands)

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


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, each built by its loader on first access: names, order and
    membership need no building; iterating items or values builds them all (a help page, or a
    test walking the tree)."""

    def __init__(self, loaders: Mapping[str, Callable[[], Any]]) -> None:
        self._loaders = dict(loaders)
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        command = self._built.get(name)
        if command is None:
            command = self._built[name] = self._loaders[name]()
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaders.setdefault(name, partial(_built, command))
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaders[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)

    def __contains__(self, name: object) -> bool:
        return name in self._loaders


def _built(command: Any) -> Any:
    return command


def lazy_group(sub: typer.Typer, name: str, root: Callable[[], typer.Typer]) -> Any:
    """The group `root().add_typer(sub, name=name)` makes, its commands built on first access.

    `root` makes an empty root Typer app of the real root's settings. Its sub-groups (`admin
    zoom-users`) come built whole, after the commands, as Typer orders them.
    """
    from typer.main import get_command, get_command_from_info, get_command_name

    scratch = root()
    commands, sub.registered_commands = sub.registered_commands, []
    try:
        scratch.add_typer(sub, name=name)
        group = get_command(scratch).commands[name]  # type: ignore[attr-defined]
    finally:
        sub.registered_commands = commands
    loaders: dict[str, Callable[[], Any]] = {}
    for info in commands:
        command_name = info.name or get_command_name(info.callback.__name__)  # type: ignore[union-attr]
        loaders[command_name] = partial(
            get_command_from_info,
            info,
            pretty_exceptions_short=scratch.pretty_exceptions_short,
            rich_markup_mode=scratch.rich_markup_mode,
        )
    lazy = LazyCommands(loaders)
    lazy.update(group.commands)
    group.commands = lazy
    return group
