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
from datetime import datetime, tzinfo
from typing import IO, TYPE_CHECKING, Any, Literal

from usked_cli.safe import json_visible, visible, visible_lines, visible_tabs

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
    # What the value is, for the terminal layout (see table.py): "text" wraps; "id" (request
    # and meeting ids, times, names people type) and "email" are never cut; "link" is never cut
    # and goes on its own line under the row when the row cannot hold it.
    kind: Literal["text", "id", "link", "email"] = "text"
    min_width: int | None = None
    max_width: int | None = None  # text only: the widest it grows
    fold: bool = False  # text only: break anywhere, not only at spaces (paths, URLs of feeds)
    optional: bool = False  # a terminal too narrow for the table leaves it out


def _plain(column: Column, row: Row) -> str:
    """A cell of piped output: the column's plain rendering, else the value as text."""
    value = row.get(column.key)
    return column.plain(value, row) if column.plain else _text(value)


def _tsv_cell(cell: str) -> str:
    """A cell of a tab-separated line: its tabs and line breaks are spaces, controls escapes."""
    if cell.isprintable():
        return cell
    return visible(cell.replace("\t", " ").replace("\r", " ").replace("\n", " "))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


_LINK_SCHEMES = ("https://", "http://")


def terminal_width() -> int:
    """The terminal's width in columns: $COLUMNS, else the terminal's own, else 80."""
    import shutil

    return max(shutil.get_terminal_size((80, 24)).columns, 20)


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
        return self.is_tty and self.color_allowed

    @property
    def color_allowed(self) -> bool:
        """Colour on a terminal unless --no-color or NO_COLOR says otherwise."""
        return not self.no_color and "NO_COLOR" not in os.environ

    # --- data on stdout -------------------------------------------------------------------------

    def json(self, data: Any) -> None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        # JSON escapes C0 controls itself; with ensure_ascii off, DEL, C1 and bidi controls
        # would go out raw: they are escaped too (the same text to a JSON reader).
        self.stdout.write(json_visible(text) + "\n")

    def line(self, text: str) -> None:
        """One line of data; any control character from outside text shown as an escape."""
        self.stdout.write(visible_tabs(text) + "\n")

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Row],
        *,
        title: str | None = None,
        group_key: str | None = None,
        stderr: bool = False,
        row_styles: Sequence[str | None] | None = None,
    ) -> None:
        """A table fitted to the terminal; tab-separated lines without a header when piped.

        On a terminal, a row whose `group_key` value is set starts a group headed by that value.
        `stderr=True`: a table that is talk, not data (a plan shown before a question), drawn
        only when stderr is a terminal.
        """
        if stderr:
            if self.stderr_is_tty:
                lines = self.table_lines(columns, rows, title, group_key, color=self.color_allowed)
                self.stderr.write("".join(line + "\n" for line in lines))
            return
        if self.is_tty:
            lines = self.table_lines(columns, rows, title, group_key, row_styles=row_styles)
            self.stdout.write("".join(line + "\n" for line in lines))
        else:
            self.tsv(columns, rows)

    def table_lines(
        self,
        columns: Sequence[Column],
        rows: Iterable[Row],
        title: str | None = None,
        group_key: str | None = None,
        *,
        width: int | None = None,
        color: bool | None = None,
        row_styles: Sequence[str | None] | None = None,
    ) -> list[str]:
        """The terminal rendering of a table, as lines."""
        from usked_cli import table

        rows = list(rows)
        specs = []
        for column in columns:
            key, tty = column.key, column.tty
            if tty is not None:
                texts = [tty(row.get(key), row) for row in rows]
            else:
                values = [row.get(key) for row in rows]
                texts = [value if type(value) is str else _text(value) for value in values]
            if column.kind == "link":
                cells = [table.Cell(t, t if t.startswith(_LINK_SCHEMES) else None) for t in texts]
            else:
                cells = [table.Cell(text) for text in texts]
            specs.append(
                table.Spec(
                    header=column.header,
                    kind=column.kind,
                    style=column.style,
                    min_width=column.min_width,
                    max_width=column.max_width,
                    fold=column.fold,
                    optional=column.optional,
                    cells=cells,
                )
            )
        groups = [row.get(group_key) or None for row in rows] if group_key else None
        layout = table.Layout(
            width=width or terminal_width(),
            color=self.color if color is None else color,
            hyperlinks=self.hyperlinks and color is None,
        )
        return table.render(specs, layout, groups=groups, title=title, row_styles=row_styles)

    @property
    def hyperlinks(self) -> bool:
        """OSC 8 links: on a real terminal (not a forced one), unless USKED_HYPERLINKS=0."""
        setting = os.environ.get("USKED_HYPERLINKS")
        if setting is not None:
            return _env_flag("USKED_HYPERLINKS")
        isatty = getattr(self.stdout, "isatty", None)
        return bool(isatty and isatty()) and os.environ.get("TERM", "") != "dumb"

    def tsv(self, columns: Sequence[Column], rows: Iterable[Row]) -> None:
        self.tsv_cells([[_plain(column, row) for column in columns] for row in rows])

    def tsv_cells(self, rows: Iterable[Sequence[str]]) -> None:
        """Rows of cells, already text, as tab-separated lines (what `tsv` writes)."""
        rows = rows if isinstance(rows, list) else list(rows)
        # A tab or newline inside a value would break the line's columns; any other control
        # character is shown as an escape (terminal safety, see usked_cli.safe). Both are
        # unprintable: when every cell is printable (the usual case), one check says so.
        if "".join([cell for cells in rows for cell in cells]).isprintable():
            text = "".join(["\t".join(cells) + "\n" for cells in rows])
        else:
            text = "".join(["\t".join(map(_tsv_cell, cells)) + "\n" for cells in rows])
        # One write: stdout may be unbuffered, and a syscall per row adds up over thousands.
        self.stdout.write(text)

    def csv(self, columns: Sequence[Column], rows: Iterable[Row]) -> None:
        """CSV with a header row of the column keys.

        A cell that starts with =, +, -, @, tab or CR gets a leading ' so that a spreadsheet
        does not run it as a formula (contracts, round 2); `--from-csv` strips it again.
        """
        import csv

        def guarded(cell: str) -> str:
            cell = visible_lines(cell)  # a CSV is often read with `cat`: no live escapes
            return "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell

        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow([column.key for column in columns])
        for row in rows:
            writer.writerow(
                [
                    guarded(
                        column.plain(row.get(column.key), row)
                        if column.plain
                        else _text(row.get(column.key))
                    )
                    for column in columns
                ]
            )

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
            no_color=not (tty and self.color_allowed),
            soft_wrap=False,
        )

    # --- talk on stderr -------------------------------------------------------------------------

    # Messages quote outside text (a feed's UID, a file name, a Zoom reason): shown inert.

    def note(self, message: str) -> None:
        self.stderr.write(visible_tabs(message) + "\n")

    def warn(self, message: str) -> None:
        self.stderr.write(f"warning: {visible_tabs(message)}\n")

    def debug(self, message: str) -> None:
        if self.verbose:
            self.stderr.write(f"[verbose] {visible_tabs(message)}\n")

    def error(self, message: str, hint: str | None = None) -> None:
        self.stderr.write(f"error: {visible_tabs(message)}\n")
        if hint:
            self.stderr.write(f"hint: {visible_tabs(hint)}\n")


def is_closed_pipe(error: BaseException) -> bool:
    """Whether `error` says the reader of our output went away (`usked … | head -1`)."""
    import errno

    return isinstance(error, BrokenPipeError) or (
        isinstance(error, OSError) and error.errno == errno.EPIPE
    )


def silence_stdout() -> None:
    """The reader is gone: send whatever is still written (and Python's final flush) nowhere.

    CPython's "Note on SIGPIPE": point stdout's descriptor at devnull, so that nothing fails
    again and no "Exception ignored" line reaches stderr at exit.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test runner's buffer)
        pass


def zone_header(header: str, times: Iterable[str | datetime], tz: tzinfo) -> str:
    """A time column's header with its zone, said once: `Time (CST)`, `Time (CST/CDT)`.

    `times` are ISO 8601 strings or aware datetimes; the abbreviations are those of `tz` at those
    instants, in the order met (a window across a DST change has both).
    """
    names: dict[str, None] = {}
    for moment in times:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        name = moment.astimezone(tz).tzname()
        if name:
            names[name] = None
    if not names:
        return header
    return f"{header} ({'/'.join(names)})"


def iso(value: Any) -> str | None:
    """ISO 8601 with offset for datetimes; None stays None (JSON null)."""
    if value is None:
        return None
    return str(value.isoformat())
