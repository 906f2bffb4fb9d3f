"""Output: one row model, three renderings (terminal table, plain TSV, JSON) plus CSV.

stdout carries data only; notes, warnings and progress go to stderr. On a terminal, rows render
as a Rich table (rich is imported only then); piped, they are tab-separated, with no header, no
colour, no truncation and every state spelled out, so `cut`, `grep` and `awk` work on them.
`--json` prints the full records: an array of objects for lists, one object for a report.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a listing: which record key, its header, and how to show it."""

    key: str
    header: str
    # How the value reads on a terminal and in plain text; default str(), "" for None.
    tty: Callable[[Any, Row], str] | None = None
    plain: Callable[[Any, Row], str] | None = None
    style: str | None = None
    # Terminal layout: long values are cut with an ellipsis, or folded over lines ("fold").
    no_wrap: bool = False
    min_width: int | None = None
    max_width: int | None = None
    overflow: Literal["ellipsis", "fold"] = "ellipsis"
    # Terminal: an http(s) value becomes a hyperlink (OSC 8), clickable even when folded.
    link: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


class Output:
    """Where and how a command writes; reads sys.stdout/stderr at use (test runners swap them)."""

    def __init__(self, *, no_color: bool = False, verbose: bool = False) -> None:
        self.no_color = no_color
        self.verbose = verbose

    @property
    def stdout(self) -> IO[str]:
        return sys.stdout

    @property
    def stderr(self) -> IO[str]:
        return sys.stderr

    @property
    def is_tty(self) -> bool:
        """stdout is a terminal (or USKED_FORCE_TTY=1, for tests and screen recordings)."""
        if _env_flag("USKED_FORCE_TTY"):
            return True
        isatty = getattr(self.stdout, "isatty", None)
        return bool(isatty and isatty())

    @property
    def stderr_is_tty(self) -> bool:
        if _env_flag("USKED_FORCE_TTY"):
            return True
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty())

    @property
    def color(self) -> bool:
        return self.is_tty and not self.no_color and "NO_COLOR" not in os.environ

    # --- data on stdout -------------------------------------------------------------------------

    def json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")

    def line(self, text: str) -> None:
        self.stdout.write(text + "\n")

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Row],
        *,
        title: str | None = None,
        section_key: str | None = None,
    ) -> None:
        """A Rich table on a terminal; tab-separated lines without a header when piped.

        On a terminal, a row whose `section_key` value is true starts a new section (a rule).
        """
        if self.is_tty:
            self._rich_table(columns, list(rows), title=title, section_key=section_key)
        else:
            self.tsv(columns, rows)

    def tsv(self, columns: Sequence[Column], rows: Iterable[Row]) -> None:
        lines = []
        for row in rows:
            cells = []
            for column in columns:
                value = row.get(column.key)
                cell = column.plain(value, row) if column.plain else _text(value)
                # A tab or newline inside a value would break the line's columns.
                cells.append(cell.replace("\t", " ").replace("\r", " ").replace("\n", " "))
            lines.append("\t".join(cells) + "\n")
        # One write: stdout may be unbuffered, and a syscall per row adds up over thousands.
        self.stdout.write("".join(lines))

    def csv(self, columns: Sequence[Column], rows: Iterable[Row]) -> None:
        import csv

        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow([column.key for column in columns])
        for row in rows:
            writer.writerow(
                [
                    column.plain(row.get(column.key), row)
                    if column.plain
                    else _text(row.get(column.key))
                    for column in columns
                ]
            )

    def _rich_table(
        self,
        columns: Sequence[Column],
        rows: list[Row],
        *,
        title: str | None,
        section_key: str | None,
    ) -> None:
        from rich import box
        from rich.table import Table

        table = Table(
            title=title,
            title_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for column in columns:
            table.add_column(
                column.header,
                style=column.style if self.color else None,
                no_wrap=column.no_wrap,
                min_width=column.min_width,
                max_width=column.max_width,
                overflow=column.overflow,
            )
        for row in rows:
            if section_key is not None and row.get(section_key):
                table.add_section()
            table.add_row(*(self._cell(column, row) for column in columns))
        self.console().print(table)

    def _cell(self, column: Column, row: Row) -> Any:
        value = row.get(column.key)
        text = column.tty(value, row) if column.tty else _text(value)
        if column.link and text.startswith(("https://", "http://")):
            from rich.style import Style
            from rich.text import Text

            return Text(text, style=Style(link=text))
        return text

    def console(self, *, stderr: bool = False) -> Console:
        """A Rich console that never reads data as markup, emoji codes or highlight patterns."""
        from rich.console import Console

        tty = self.stderr_is_tty if stderr else self.is_tty
        return Console(
            file=self.stderr if stderr else self.stdout,
            markup=False,
            highlight=False,
            emoji=False,
            force_terminal=tty,
            no_color=self.no_color or "NO_COLOR" in os.environ or not tty,
            soft_wrap=False,
        )

    # --- talk on stderr -------------------------------------------------------------------------

    def note(self, message: str) -> None:
        self.stderr.write(message + "\n")

    def warn(self, message: str) -> None:
        self.stderr.write(f"warning: {message}\n")

    def debug(self, message: str) -> None:
        if self.verbose:
            self.stderr.write(f"[verbose] {message}\n")

    def error(self, message: str, hint: str | None = None) -> None:
        self.stderr.write(f"error: {message}\n")
        if hint:
            self.stderr.write(f"hint: {hint}\n")


def iso(value: Any) -> str | None:
    """ISO 8601 with offset for datetimes; None stays None (JSON null)."""
    if value is None:
        return None
    return str(value.isoformat())
