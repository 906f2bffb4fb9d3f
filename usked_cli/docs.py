"""The CLI reference, docs/cli.md, made from the commands' own help.

    python -m usked_cli.docs docs/cli.md           # write it
    python -m usked_cli.docs --check docs/cli.md   # exit 1 when it differs from the help

The help texts are Markdown already (the app renders them with `rich_markup_mode="markdown"`),
so the reference copies them as written and adds each command's usage line, arguments and
options; nothing depends on the width of a terminal, so the file is the same on every machine.
CI runs the check, so the reference cannot drift from the tool.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "reference"]

_HEADER = """\
# usked command reference

Made from the commands' own help by `python -m usked_cli.docs docs/cli.md`; CI checks that it
matches them (`--check`). Edit the help in `usked_cli/cli/`, not this file. The same text is
printed by `usked COMMAND --help`.
"""


def reference() -> str:
    """The whole reference, one section per group and command, in the order `usked --help`
    lists them."""
    import typer

    from usked_cli.cli.app import app

    root = typer.main.get_command(app)
    context = root.make_context("usked", [], resilient_parsing=True)
    sections = [_HEADER]
    for command, ctx in _walk(root, context):
        sections.append(_section(command, ctx))
    return "\n".join(sections)


def _walk(command: Any, ctx: Any) -> list[tuple[Any, Any]]:
    found = [(command, ctx)]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            child = command.get_command(ctx, name)
            if child is None or getattr(child, "hidden", False):
                continue
            child_ctx = child.make_context(name, [], parent=ctx, resilient_parsing=True)
            found.extend(_walk(child, child_ctx))
    return found


def _section(command: Any, ctx: Any) -> str:
    path = ctx.command_path
    level = "#" * min(4, 1 + path.count(" ") + (1 if path == "usked" else 0))
    usage = " ".join([path, *command.collect_usage_pieces(ctx)])
    lines = [f"{level} `{path}`", "", "```", usage, "```", ""]
    text = (command.help or "").strip()
    if text:
        lines += [_demote_headings(text), ""]
    arguments = [p for p in command.get_params(ctx) if p.param_type_name == "argument"]
    if arguments:
        lines += ["| Argument | Description |", "|---|---|"]
        for argument in arguments:
            name = argument.metavar or argument.human_readable_name
            lines.append(f"| `{_cell(name)}` | {_cell(getattr(argument, 'help', '') or '')} |")
        lines.append("")
    records = [
        p.get_help_record(ctx) for p in command.get_params(ctx) if p.param_type_name == "option"
    ]
    options = [record for record in records if record]
    if options:
        lines += ["| Option | Description |", "|---|---|"]
        for names, help_text in options:
            lines.append(f"| `{_cell(names)}` | {_cell(help_text)} |")
        lines.append("")
    if hasattr(command, "list_commands"):
        children = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
        lines += ["| Command | Summary |", "|---|---|"]
        for name, child in children:
            if child is not None and not getattr(child, "hidden", False):
                summary = child.get_short_help_str(limit=200)
                lines.append(f"| `{path} {name}` | {_cell(summary)} |")
        lines.append("")
    return "\n".join(lines)


def _demote_headings(text: str) -> str:
    """Help text never opens a Markdown heading inside the reference's own structure."""
    out = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        out.append("\\" + line if line.startswith("#") and not fenced else line)
    return "\n".join(out)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [arg for arg in args if arg != "--check"]
    if len(paths) != 1:
        print("usage: python -m usked_cli.docs [--check] FILE", file=sys.stderr)
        return 2
    path = Path(paths[0])
    text = reference()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(
                f"error: {path} differs from the commands' help\n"
                f"hint: python -m usked_cli.docs {path}",
                file=sys.stderr,
            )
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
