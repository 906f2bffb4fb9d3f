"""`usked config path|show|set|unset`: the config file, through the one writer."""

from __future__ import annotations

from typing import Annotated

import typer

from usked_cli.cli import completion
from usked_cli.cli.context import app_context
from usked_cli.cli.groups import HelpGroup
from usked_cli.cli.options import JsonOpt
from usked_cli.render import Column

app = typer.Typer(
    cls=HelpGroup,
    help="Show and change settings (config.toml).",
    epilog="Example: `usked config set org.padding_minutes 15`",
    no_args_is_help=True,
)

_COLUMNS = [
    Column("key", "Setting", style="bold", kind="id"),
    Column("value", "Value"),
    Column("source", "Source", style="dim"),
]


@app.command("path")
def path_cmd(ctx: typer.Context) -> None:
    """Print the config file's path (it may not exist yet).

    Example: `$EDITOR "$(usked config path)"`
    """
    app_context(ctx).out.line(str(app_context(ctx).config_path()))


@app.command("show")
def show_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """Show every setting in effect and where it comes from (flag, env, file, default).

    The client secret is always masked.

    Example: `usked config show --json | jq .org`
    """
    context = app_context(ctx)
    report = context.effective_settings()
    if json_output:
        context.out.json(report.as_json())
    else:
        context.out.table(_COLUMNS, report.rows())


@app.command("set", context_settings={"ignore_unknown_options": True})
def set_cmd(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            help="Dotted key, e.g. org.padding_minutes.",
            metavar="KEY",
            autocompletion=completion.config_keys,
        ),
    ],
    value: Annotated[
        str | None,
        typer.Argument(
            help="New value; lists comma-separated. Omit for zoom.client_secret to be prompted.",
            metavar="VALUE",
        ),
    ] = None,
) -> None:
    """Set one setting in the config file (validated; the file is replaced atomically, mode 0600).

    Examples:

    ```
    usked config set org.padding_minutes 15
    usked config set zoom.host_users 'host-*@acme.org,zoom-*@acme.org'
    usked config set zoom.client_secret        # prompts, input hidden
    ```
    """
    from usked_cli.config.inspect import set_setting

    context = app_context(ctx)
    if value is None:
        value = _read_value(key)
    result = set_setting(context.config_path(), key, value)
    context.forget_settings()
    context.out.note(result.message)
    for note in result.notes:
        context.out.note(note)


@app.command("unset")
def unset_cmd(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            help="Dotted key, e.g. org.name.", metavar="KEY", autocompletion=completion.config_keys
        ),
    ],
) -> None:
    """Remove one setting from the config file, so its default (or the environment) applies.

    Example: `usked config unset org.padding_minutes`
    """
    from usked_cli.config.inspect import unset_setting

    context = app_context(ctx)
    context.out.note(unset_setting(context.config_path(), key))
    context.forget_settings()


def _read_value(key: str) -> str:
    import sys

    from usked_cli.config.inspect import is_secret_key
    from usked_cli.errors import InputError

    if not is_secret_key(key):
        raise InputError(
            f"config set {key}: a VALUE is required", hint=f"usked config set {key} VALUE"
        )
    if sys.stdin.isatty():
        secret: str = typer.prompt(f"{key}", hide_input=True, err=True)
        return secret
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InputError(f"config set {key}: no value on standard input")
    return line
