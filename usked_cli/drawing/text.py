"""The pool's day drawn in a terminal: one row of block characters per host user, over an hour axis.

Pure layout: a `DaySchedule` and a width in, Rich `Text` lines out (their `.plain` is the picture
without colour, which the snapshot tests compare). The glyphs carry the meaning on their own, so
the picture reads the same with NO_COLOR or on paper; colour only repeats it:

    █  a meeting or webinar (blue)      ▓  one that overlaps or breaks the padding (red)
    ░  its padding, both sides (dim)    ─  a free stretch that holds a meeting of --duration (green)
    ·  an hour mark where nothing is

Fitting the width: the axis gets every column the names leave, so its scale follows the
terminal; names are cut (with …) past a third of the width; a bar takes at least one column
however short; a label is written inside its bar only when it fits there with a block either
side, so labels go before bars do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from usked_cli.rules.schedule import Bar, DaySchedule, hour_marks, label_candidates
from usked_cli.safe import visible

if TYPE_CHECKING:
    from rich.text import Text

BAR, BAD_BAR, PADDING, FREE, HOUR_MARK, EMPTY = "█", "▓", "░", "─", "·", " "
STYLES = {
    BAR: "blue",
    BAD_BAR: "red",
    PADDING: "dim",
    FREE: "green",
    HOUR_MARK: "dim",
    EMPTY: "",
}
LABEL_STYLES = {BAR: "bold white on blue", BAD_BAR: "bold white on red"}
MIN_AXIS = 24  # columns of axis below which the names give way
NAME_GAP = 1
# Hour labels every N hours, the smallest N that leaves room for "08" and a space.
_HOUR_STEPS = (1, 2, 3, 4, 6, 12)
# What may cover a cell, lowest first: a later layer never gives way to an earlier one.
_RANK = {EMPTY: 0, HOUR_MARK: 1, FREE: 2, PADDING: 3, BAR: 4, BAD_BAR: 5}


def draw_day(day: DaySchedule, *, width: int) -> list[Text]:
    """The day's picture in at most `width` columns: heading, hour axis, a row per busy host
    user, the legend, and the host users free all day."""
    from rich.text import Text

    lines = [Text(heading(day, width), style="bold")]
    busy = day.busy_hosts
    if busy:
        from rich.cells import cell_len

        names = [visible(host.name or host.email) for host in busy]
        name_width = min(max(cell_len(name) for name in names), max(8, width // 3))
        name_width = max(0, min(name_width, width - MIN_AXIS - NAME_GAP))
        cells = max(1, width - name_width - NAME_GAP)
        axis = _Axis(day.axis_start, day.axis_end, cells)
        lines.append(Text(" " * (name_width + NAME_GAP) + axis.hour_labels(day), style="dim"))
        for host, name in zip(busy, names, strict=True):
            row = Text(_fit(name, name_width) + " " * NAME_GAP, style="bold")
            row.append_text(_host_row(axis, host.bars, host.free, day.padding_minutes))
            lines.append(row)
        lines.append(legend(day, width))
    else:
        lines.append(Text("no meetings on any host user", style="dim"))
    idle = day.idle_hosts
    if idle:
        names = [visible(h.name or h.email) for h in idle]
        lines.extend(Text(line) for line in _wrap_names("free all day: ", names, width))
    basic = day.idle_basic_hosts
    if basic:
        names = [visible(h.name or h.email) for h in basic]
        lines.extend(
            Text(line, style="dim")
            for line in _wrap_names("nothing on, unlicensed (never free): ", names, width)
        )
    return lines


def heading(day: DaySchedule, width: int) -> str:
    """`Thu 3 Dec 2026 · America/Chicago · padding 10 min · 5 host users`, losing its last
    parts where the width is short."""
    zone = str(getattr(day.timezone, "key", day.timezone))
    count = len(day.hosts)
    parts = [
        f"{day.day:%a} {day.day.day} {day.day:%b %Y}",
        zone,
        f"padding {day.padding_minutes} min",
        f"{count} host user{'s' * (count != 1)}",
    ]
    while len(parts) > 1 and len(" · ".join(parts)) > width:
        parts.pop()
    return " · ".join(parts)


def legend(day: DaySchedule, width: int) -> Text:
    from rich.text import Text

    parts = [
        (BAR, "meeting"),
        (BAD_BAR, "overlap or padding broken"),
        (PADDING, f"padding {day.padding_minutes} min"),
        (FREE, f"free ≥ {day.duration_minutes} min"),
    ]
    text = Text()
    for glyph, words in parts:
        piece = f"{glyph} {words}"
        if text.cell_len and text.cell_len + 2 + len(piece) > width:
            break  # the legend loses its last entries before it wraps
        if text.cell_len:
            text.append("  ")
        text.append(glyph, style=STYLES[glyph])
        text.append(f" {words}", style="dim")
    return text


class _Axis:
    """Instants to columns: `cells` columns over [start, end), each the same length of time."""

    def __init__(self, start: datetime, end: datetime, cells: int) -> None:
        self.zone = start.tzinfo
        # In UTC: two datetimes sharing a zone subtract as wall clocks, an hour off on the
        # days clocks change.
        self.start = start.astimezone(UTC)
        self.end = end.astimezone(UTC)
        self.cells = cells
        self.seconds = max(1.0, (self.end - self.start).total_seconds())

    def position(self, moment: datetime) -> float:
        """Where `moment` falls, in columns from the axis start (unclipped)."""
        return (moment.astimezone(UTC) - self.start).total_seconds() / self.seconds * self.cells

    def span(self, start: datetime, end: datetime, *, at_least_one: bool) -> range:
        """The columns [start, end) touches, clipped to the axis."""
        first = int(self.position(start) // 1)
        last = -int(-self.position(end) // 1)  # ceiling
        if at_least_one and last <= first:
            last = first + 1
        return range(max(0, first), min(self.cells, last))

    def inside(self, start: datetime, end: datetime) -> range:
        """The columns lying wholly inside [start, end)."""
        first = -int(-self.position(start) // 1)
        last = int(self.position(end) // 1)
        return range(max(0, first), min(self.cells, last))

    def hours(self) -> list[tuple[int, datetime]]:
        """(column, local time) of each whole local hour on the axis."""
        marks = [
            (int(self.position(moment) // 1), moment)
            for moment in hour_marks(self.start, self.end, self.zone or UTC)
        ]
        return [(column, local) for column, local in marks if 0 <= column < self.cells]

    def hour_labels(self, day: DaySchedule) -> str:
        marks = self.hours()
        per_hour = self.cells / max(1.0, self.seconds / 3600)
        step = next((s for s in _HOUR_STEPS if per_hour * s >= 3), 24)
        line = [" "] * self.cells
        for index, (column, local) in enumerate(marks):
            if index % step:
                continue
            label = f"{local:%H}"
            if column + len(label) <= self.cells and all(
                c == " " for c in line[max(0, column - 1) : column + len(label)]
            ):
                line[column : column + len(label)] = label
        return "".join(line).rstrip()


def _host_row(
    axis: _Axis,
    bars: Sequence[Bar],
    free: Sequence[tuple[datetime, datetime]],
    padding_minutes: int,
) -> Text:
    from rich.text import Text

    cells = [EMPTY] * axis.cells
    owner: list[int | None] = [None] * axis.cells  # which bar a bar cell shows

    def cover(columns: range, glyph: str, bar: int | None = None) -> None:
        for column in columns:
            if _RANK[glyph] >= _RANK[cells[column]]:
                cells[column] = glyph
                if bar is not None:
                    owner[column] = bar

    for column, _local in axis.hours():
        cover(range(column, column + 1), HOUR_MARK)
    for start, end in free:
        cover(axis.inside(start, end), FREE)
    padding = timedelta(minutes=padding_minutes)
    for bar in bars:
        meeting = bar.meeting
        if padding:
            cover(axis.span(meeting.start - padding, meeting.start, at_least_one=False), PADDING)
            cover(axis.span(meeting.end, meeting.end + padding, at_least_one=False), PADDING)
    for index, bar in enumerate(bars):
        glyph = BAR if bar.state == "ok" else BAD_BAR
        cover(axis.span(bar.meeting.start, bar.meeting.end, at_least_one=True), glyph, index)

    labels: dict[int, tuple[str, str]] = {}  # column -> (character, style)
    for index, bar in enumerate(bars):
        columns = [c for c in range(axis.cells) if owner[c] == index]
        if not columns:
            continue
        first, room = columns[0], len(columns)
        contiguous = columns[-1] - first + 1 == room
        label = next(
            (c for c in label_candidates(bar) if _narrow(c) and len(c) + 2 <= room),
            None,
        )
        if label is None or not contiguous:
            continue
        style = LABEL_STYLES[cells[first]]
        for offset, character in enumerate(label, start=1):
            labels[first + offset] = (character, style)

    row = Text()
    for column, glyph in enumerate(cells):
        if column in labels:
            character, style = labels[column]
            row.append(character, style=style)
        else:
            row.append(glyph, style=STYLES[glyph])
    # Trailing blanks say nothing; a pasted picture is easier to read without them.
    row.rstrip()
    return row


def _narrow(text: str) -> bool:
    """Every character printable and exactly one column wide (no wide characters, no combining
    marks), so a label drawn one character a cell keeps the rest of the row in place."""
    from rich.cells import cell_len

    return text.isprintable() and all(cell_len(c) == 1 for c in text)


def _fit(text: str, width: int) -> str:
    """`text` in exactly `width` columns: padded, or cut in the middle with an ellipsis. The
    end stays: generic names differ there ("Acme Corp Host A", "… Host B")."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) <= width:
        return set_cell_size(text, width)
    if width < 2:
        return set_cell_size("…", width)
    tail_width = (width - 1) // 2
    tail = text
    while cell_len(tail) > tail_width:
        tail = tail[1:]
    head = set_cell_size(text, width - 1 - cell_len(tail))
    return head + "…" + tail


def _wrap_names(lead: str, names: Sequence[str], width: int) -> list[str]:
    """`lead` and the names, comma-separated, broken between names only (never inside one;
    a name wider than a line is cut to fit), continuation lines indented."""
    from rich.cells import cell_len

    lines: list[str] = []
    line = lead
    for index, name in enumerate(names):
        piece = name + ("," if index < len(names) - 1 else "")
        separator = "" if line == lead else " "
        fits_here = cell_len(line + separator + piece) <= width
        fits_below = cell_len("  " + piece) <= width
        if not fits_here and (line != lead or fits_below):
            lines.append(line.rstrip())  # the lead may stand alone: a name is not cut to fit it
            line, separator = "  ", ""
        room = width - cell_len(line + separator)
        if cell_len(piece) > room:
            piece = _fit(piece, max(1, room)).rstrip()
        line = line + separator + piece
    lines.append(line)
    return lines
