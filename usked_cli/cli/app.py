"""The root command: global options, the command tree, and the one place errors become exit codes.

The tree is lazy: a command's module under `usked_cli/cli/` is imported, and its Click command
built, only when that command is run or listed (`usked assignments list` imports
`usked_cli.cli.assignments` and no other command module). Each module still keeps its top level to
typer and the standard library and imports heavy modules inside its commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from usked_cli import __version__
from usked_cli.cli.context import AppContext
from usked_cli.cli.groups import HelpGroup, LazyCommands, lazy_group
from usked_cli.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, UskedError
from usked_cli.render import Output, is_closed_pipe, silence_stdout

EXIT_CODES_HELP = """\
Exit codes: 0 success (also when nothing matched); 1 operational failure (network, Zoom error,
partial failure of a bulk job); 2 invalid usage, input or configuration; 3 the named thing does
not exist; 4 refused by the organization's policy (e.g. the host-link window is not open);
130 interrupted (Ctrl-C); 143 terminated (SIGTERM). Output cut short by a closed pipe
(`usked … | head -1`) is not an error: exit 0.
"""

ROOT_HELP = f"""\
uSked assignments and Zoom host users from the terminal.

Lists users' assignments from their uSked iCalendar feeds (cached for offline use) with Zoom
markers and invite links, hands out host links once the lead-time window opens, and helps admins
keep Zoom host users apart (padding) and generically named.

Examples:

```
usked feeds add maria webcal://acme.usked.com/ical/…
usked sync && usked assignments list --zoom-only
usked today && usked join next
usked assignments list --ics examples/sample-feed.ics
```

Settings: config.toml (`usked config path`), overridden by USKED_* environment variables
(e.g. USKED_ORG__PADDING_MINUTES=15), overridden by flags. USKED_DEBUG=1 shows tracebacks.

{EXIT_CODES_HELP}"""


def _debug() -> bool:
    return os.environ.get("USKED_DEBUG", "") not in ("", "0")


def _is_click_error(exc: BaseException) -> bool:
    """Whether `exc` is one of Click's errors (a bad option, a missing argument, ...).

    Typer 0.26 and later vendor Click privately (`typer._click`), so its classes are not imported
    here; its errors are known by what they carry: an int `exit_code` and `format_message()`.
    """
    return isinstance(getattr(exc, "exit_code", None), int) and callable(
        getattr(exc, "format_message", None)
    )


# The root's commands, in the order `usked --help` lists them: name -> (module under
# usked_cli.cli, attribute). The attribute is the module's Typer app (a group), or a function that
# registers the command on the root Typer app.
COMMANDS: dict[str, tuple[str, str]] = {
    "sync": ("feeds", "register_sync"),
    "today": ("day", "register_today"),
    "next": ("day", "register_next"),
    "invite": ("assignments", "register_invite"),
    "join": ("join", "register"),
    "host-link": ("hostlink", "register"),
    "config": ("config_cmd", "app"),
    "feeds": ("feeds", "app"),
    "assignments": ("assignments", "app"),
    "zoom": ("zoom_cmd", "app"),
    "admin": ("admin", "app"),
}


def _load_command(name: str) -> Any:
    """The Click command `usked NAME`, built from its module as `app.add_typer` (or the module's
    `register`) and `typer.main.get_command` would build it as part of the whole tree; a
    group's own commands are built when first asked for, in turn."""
    import importlib

    module_name, attribute = COMMANDS[name]
    module = importlib.import_module(f"usked_cli.cli.{module_name}")
    target = getattr(module, attribute)
    if isinstance(target, typer.Typer):
        return lazy_group(target, name, _root_like)
    scratch = _root_like()
    target(scratch)
    return typer.main.get_command(scratch).commands[name]  # type: ignore[attr-defined]


def _root_like() -> typer.Typer:
    """An empty root with the real one's settings (markup, exceptions), for building a part of
    the tree as the whole tree would have it; a callback of its own makes it a group."""
    return typer.Typer(
        callback=_nothing,
        add_completion=False,
        rich_markup_mode=app.rich_markup_mode,
        pretty_exceptions_enable=app.pretty_exceptions_enable,
        pretty_exceptions_show_locals=app.pretty_exceptions_show_locals,
        pretty_exceptions_short=app.pretty_exceptions_short,
        suggest_commands=app.suggest_commands,
    )


def _nothing() -> None:
    """The scratch root's callback (never run)."""


class UskedGroup(HelpGroup):
    """Maps UskedError to `error: …` / `hint: …` on stderr and its exit code; never a traceback.

    Its commands are `COMMANDS`, imported and built when first asked for (see `LazyCommands`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lazy = LazyCommands({name: partial(_load_command, name) for name in COMMANDS})
        lazy.update(self.commands)  # any added to the Typer app itself
        self.commands = lazy

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Usage errors (a bad option or argument) are one `error:` line too, exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(EXIT_FAILURE)
        except Exception as exc:
            if not _is_click_error(exc):
                raise
            typer.echo(f"error: {exc.format_message()}", err=True)  # type: ignore[attr-defined]
            if exc.exit_code == EXIT_USAGE:  # type: ignore[attr-defined]
                usage_ctx = getattr(exc, "ctx", None)
                where = usage_ctx.command_path if usage_ctx is not None else "usked"
                typer.echo(f"hint: {where} --help", err=True)
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        sys.exit(code if isinstance(code, int) else 0)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """`usked --help | head -1` closes the pipe while the help is printed: quiet, exit 0."""
        try:
            return super().make_context(*args, **kwargs)
        except OSError as exc:
            if not is_closed_pipe(exc):
                raise
            silence_stdout()
            raise typer.Exit(0) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UskedError as exc:
            if _debug():
                raise
            out = ctx.obj.out if isinstance(ctx.obj, AppContext) else Output()
            out.error(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except OSError as exc:
            if not is_closed_pipe(exc):
                raise
            # `usked … | head -1`: the reader has what it wanted; end quietly, exit 0.
            silence_stdout()
            raise typer.Exit(0) from None
        except Exception as exc:
            # Click's own usage errors carry their exit code and message; let them through.
            if _is_click_error(exc) or _debug():
                raise
            from usked_cli.safe import visible

            typer.echo(
                f"error: internal error: {type(exc).__name__}: {visible(str(exc))}", err=True
            )
            typer.echo(
                "hint: run again with USKED_DEBUG=1 for the traceback, and report it", err=True
            )
            raise typer.Exit(EXIT_FAILURE) from None
        finally:
            if isinstance(ctx.obj, AppContext):
                ctx.obj.close()


app = typer.Typer(
    name="usked",
    cls=UskedGroup,
    help=ROOT_HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"usked {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="PATH",
            help="Config file (default: $USKED_CONFIG, else config.toml in the user config dir).",
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            "--tz",
            metavar="ZONE",
            help="Display timezone, an IANA name (overrides the `timezone` setting).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="More detail on stderr (never secrets).")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour, even on a terminal.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    obj = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()
    obj.config_flag = config if config is not None else obj.config_flag
    obj.timezone_flag = timezone if timezone is not None else obj.timezone_flag
    obj.verbose = verbose or obj.verbose
    obj.no_color = no_color or obj.no_color
    ctx.obj = obj
