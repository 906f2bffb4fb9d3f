"""Lay out a terminal table so that nothing a person copies is ever cut.

Pure layout (no I/O, no Rich): columns and rows in, lines out, for a given width. The rules:
  - identifiers (request ids, meeting ids, emails, times, user names) are never cut or wrapped:
    their column is as wide as its widest value;
  - a link is never wrapped or cut either: when the row cannot hold the link column, the column
    gives way and each link goes whole on its own line under its row, indented (a terminal
    narrower than the link soft-wraps it, which copies as one line);
  - text (titles, locations, names) wraps at word boundaries to share what width is left;
  - an email column may drop the domain, only when every row shares it and the table would not
    fit otherwise; the header then says so (`Host user (@acme.org)`);
  - rows can be grouped under a heading line (a day, say) instead of a repeated column;
  - text from outside (feeds, Zoom) is shown with control characters made visible (`\\x1b`), so
    it cannot move the cursor, clear the screen or write the clipboard.
Styles are SGR codes written here; a link is an OSC 8 hyperlink when `hyperlinks` is on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from usked_cli.safe import visible

Kind = Literal["text", "id", "link", "email"]

GAP = 2  # spaces between columns
NARROW_GAP = 1  # when the fixed columns alone would not fit otherwise
LINK_INDENT = 4
MIN_TEXT_WIDTH = 8
COMFORTABLE = 24  # text columns ask for this much before a link may share their row
# An identifier longer than this (and a third of the width) does not set its column's width:
# it is shown whole on its own line under the row (an Exchange UID used as a request id is
# ~100 characters), and its cell says so with OVERFLOW.
LONG_ID = 24
OVERFLOW = "↓"


def _too_long(spec: Spec, length: int, width: int) -> bool:
    return spec.kind == "id" and length > max(LONG_ID, width // 3)


_SGR = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "underline": "4",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as laid out: its text (already rendered for the terminal) and link target."""

    text: str
    link: str | None = None


@dataclass(slots=True)
class Spec:
    """A column as the layout sees it."""

    header: str
    kind: Kind = "text"
    style: str | None = None
    min_width: int | None = None
    max_width: int | None = None
    # Text only: a cell that cannot wrap at a space is folded anywhere (a long path, say).
    fold: bool = False
    # May be left out when the table cannot fit otherwise (what --json and piped output keep).
    optional: bool = False
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    color: bool = True
    hyperlinks: bool = True


def cell_len(text: str) -> int:
    """Columns the text takes on a terminal: wide East Asian characters take two."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def wrap(text: str, width: int, *, fold: bool = False) -> list[str]:
    """Greedy word wrap by terminal cells; a word longer than the width is split."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n") or [""]:
        words = paragraph.split(" ") if not fold else [paragraph]
        line = ""
        for word in words:
            if not word:
                continue
            candidate = f"{line} {word}" if line else word
            if cell_len(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while cell_len(word) > width:
                head, word = _split_at(word, width)
                lines.append(head)
            line = word
        lines.append(line)
    return lines


def _split_at(word: str, width: int) -> tuple[str, str]:
    used = 0
    for index, char in enumerate(word):
        used += cell_len(char)
        if used > width:
            return word[:index] or word[:1], word[index:] or ""
    return word, ""


def render(
    specs: Sequence[Spec],
    layout: Layout,
    *,
    groups: Sequence[str | None] | None = None,
    title: str | None = None,
) -> list[str]:
    """The table as lines (no trailing newline). `groups[i]`, when set, heads row i's group."""
    rows = len(specs[0].cells) if specs else 0
    plan = _plan(specs, layout.width)
    gap = " " * plan.gap
    out: list[str] = []
    if title:
        out.append(_style(visible(title), "bold", layout))
    shown = [
        (spec, width)
        for spec, width in zip(specs, plan.widths, strict=True)
        if width > 0 and spec is not plan.detached and id(spec) not in plan.dropped
    ]
    header_cells = [wrap(plan.headers[id(spec)], width) for spec, width in shown]
    height = max((len(lines) for lines in header_cells), default=1)
    for index in range(height):
        parts = []
        for (_spec, width), lines in zip(shown, header_cells, strict=True):
            text = lines[index] if index < len(lines) else ""
            parts.append(_style(_pad(text, width), "bold", layout))
        out.append(gap.join(parts).rstrip())
    total = sum(width for _spec, width in shown) + plan.gap * max(len(shown) - 1, 0)
    out.append(_style("─" * total, "dim", layout))
    for row in range(rows):
        heading = groups[row] if groups is not None else None
        if heading:
            if row > 0:
                out.append("")
            out.append(_style(visible(heading), "bold", layout))
        cells: list[list[str]] = []
        below: list[str] = []
        for spec, width in shown:
            cell = spec.cells[row]
            text = plan.shown_text(spec, cell)
            if _too_long(spec, cell_len(text), layout.width):
                below.append(f"{' ' * LINK_INDENT}{visible(spec.header)}: {text}")
                text = OVERFLOW
            if spec.kind == "text" or (spec.kind == "link" and cell.link is None):
                lines = wrap(text, width, fold=spec.fold)
                cells.append([_style(_pad(line, width), spec.style, layout) for line in lines])
            else:
                styled = _style(_pad(text, width), spec.style, layout)
                if cell.link is not None and layout.hyperlinks:
                    styled = _hyperlink(styled, cell.link)
                cells.append([styled])
        height = max(len(lines) for lines in cells) if cells else 1
        for index in range(height):
            parts = [
                lines[index] if index < len(lines) else " " * width
                for lines, (_spec, width) in zip(cells, shown, strict=True)
            ]
            out.append(gap.join(parts).rstrip())
        out.extend(below)  # identifiers too long for any column, whole (the terminal may wrap)
        if plan.detached is not None:
            out.extend(_under_row(plan.detached, plan.detached.cells[row], layout))
    return out


def _under_row(spec: Spec, cell: Cell, layout: Layout) -> list[str]:
    """A detached column's value on its own lines under the row: a link whole, text wrapped."""
    indent = " " * LINK_INDENT
    if cell.link is not None:
        text = visible(cell.link)
        if layout.hyperlinks:
            text = _hyperlink(text, cell.link)
        return [indent + _style(text, spec.style, layout)]
    if not cell.text:
        return []
    lines = wrap(visible(cell.text), layout.width - LINK_INDENT, fold=spec.fold)
    return [indent + _style(line, spec.style, layout) for line in lines]


@dataclass(slots=True)
class _Plan:
    widths: list[int]
    gap: int
    headers: dict[int, str]
    detached: Spec | None  # the link column whose values go under their rows
    short_emails: set[int]  # ids of email specs shown without their shared domain
    dropped: set[int] = field(default_factory=set)  # ids of optional specs left out

    def shown_text(self, spec: Spec, cell: Cell) -> str:
        text = visible(cell.text)
        if id(spec) in self.short_emails and text:
            return text.rsplit("@", 1)[0]
        return text


def _plan(specs: Sequence[Spec], width: int) -> _Plan:
    """The first layout that fits, in order of preference.

    Text columns first ask for a comfortable width (up to COMFORTABLE cells): a link stays in
    its row only if the titles beside it need not shrink to a sliver for it. Then the link
    column goes under the rows, then emails lose a domain every row shares, then text columns
    go down to their minimum (optional columns are left out before emails are shortened, at
    each of those steps); when even that does not fit,
    the gap narrows and text columns shrink further, and identifiers still stay whole (the
    terminal wraps the line).
    """
    headers = {id(spec): visible(spec.header) for spec in specs}
    has_link = any(s.kind == "link" and any(c.link for c in s.cells) for s in specs)
    has_email = any(s.kind == "email" for s in specs)
    plan = _Plan([], GAP, headers, None, set())
    optional = {id(spec) for spec in specs if spec.optional}
    steps = [(False, False, False), (True, False, False), (True, True, False), (True, True, True)]
    for comfortable in (True, False):
        tried: set[tuple[bool, bool, bool]] = set()
        for detach, drop, shorten in steps:
            step = (detach and has_link, drop and bool(optional), shorten and has_email)
            if step in tried:
                continue
            tried.add(step)
            plan.dropped = optional if step[1] else set()
            _arrange(plan, specs, detach=step[0], shorten=step[2])
            widths = _widths(specs, plan, width, comfortable=comfortable)
            if widths is not None:
                plan.widths = widths
                return plan
    plan.gap = NARROW_GAP
    plan.widths = _widths(specs, plan, width, comfortable=False, force=True) or []
    return plan


def _arrange(plan: _Plan, specs: Sequence[Spec], *, detach: bool, shorten: bool) -> None:
    plan.headers = {id(spec): visible(spec.header) for spec in specs}
    plan.short_emails = set()
    if shorten:
        for spec in specs:
            domain = _shared_domain(spec) if spec.kind == "email" else None
            if domain:
                plan.short_emails.add(id(spec))
                plan.headers[id(spec)] = f"{visible(spec.header)} (@{domain})"
    plan.detached = None
    if detach:
        plan.detached = next(
            (s for s in specs if s.kind == "link" and any(c.link for c in s.cells)), None
        )


def _shared_domain(spec: Spec) -> str | None:
    domains = {cell.text.rsplit("@", 1)[1].lower() for cell in spec.cells if "@" in cell.text}
    if len(domains) != 1 or any(cell.text and "@" not in cell.text for cell in spec.cells):
        return None
    return domains.pop()


def _widths(
    specs: Sequence[Spec],
    plan: _Plan,
    width: int,
    *,
    comfortable: bool,
    force: bool = False,
) -> list[int] | None:
    """Column widths that fit `width`, or None; with `force`, the narrowest layout there is."""
    widths = [0] * len(specs)
    flexible: list[tuple[int, int, int]] = []  # (index, minimum, wanted)
    for index, spec in enumerate(specs):
        if spec is plan.detached or id(spec) in plan.dropped:
            continue  # its values go under their rows, or nowhere
        header = cell_len(plan.headers[id(spec)])
        lengths = [cell_len(plan.shown_text(spec, c)) for c in spec.cells]
        natural = max(lengths, default=0)
        if natural == 0 and header == 0:
            continue  # nothing to show
        if spec.kind == "id":
            lengths = [n if not _too_long(spec, n, width) else 1 for n in lengths]
            natural = max(lengths, default=0)
        if spec.kind in ("text", "link"):
            # Links that stay in the row are never wrapped: they set the column's minimum.
            links = [n for n, c in zip(lengths, spec.cells, strict=True) if c.link is not None]
            capped = min(natural, spec.max_width) if spec.max_width else natural
            floor = COMFORTABLE if comfortable else spec.min_width or MIN_TEXT_WIDTH
            header_word = max((cell_len(w) for w in plan.headers[id(spec)].split()), default=0)
            minimum = max([min(floor, max(capped, 1)), header_word, *links])
            wanted = max(capped, minimum, header if header <= 2 * MIN_TEXT_WIDTH else 0)
            flexible.append((index, minimum, wanted))
        else:
            # The header wraps at its spaces rather than widen a column of short identifiers.
            longest_word = max((cell_len(w) for w in plan.headers[id(spec)].split()), default=0)
            widths[index] = max(natural, longest_word, spec.min_width or 0)
    shown = sum(1 for w in widths if w > 0) + len(flexible)
    room = width - sum(widths) - plan.gap * max(shown - 1, 0)
    minimum_total = sum(minimum for _i, minimum, _n in flexible)
    if room < minimum_total:
        if not force:
            return None
        # Shrink text to share what is left (a few cells each at least); links stay whole.
        share = max(room, 0) // max(len(flexible), 1)
        flexible = [
            (i, m if specs[i].kind == "link" else max(min(m, share), 4), w) for i, m, w in flexible
        ]
        minimum_total = sum(minimum for _i, minimum, _n in flexible)
    wanted_total = sum(wanted for _i, _m, wanted in flexible)
    if wanted_total <= room:
        for index, _minimum, wanted in flexible:
            widths[index] = wanted
        return widths
    spare = max(room - minimum_total, 0)
    slack = sum(wanted - minimum for _i, minimum, wanted in flexible) or 1
    given = 0
    for index, minimum, wanted in flexible:
        extra = (wanted - minimum) * spare // slack
        widths[index] = minimum + extra
        given += extra
    for index, _minimum, wanted in flexible:  # what integer division left, left to right
        if given >= spare:
            break
        if widths[index] < wanted:
            widths[index] += 1
            given += 1
    return widths


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def _style(text: str, style: str | None, layout: Layout) -> str:
    if not style or not layout.color or not text.strip():
        return text
    codes = ";".join(_SGR[word] for word in style.split() if word in _SGR)
    if not codes:
        return text
    stripped = text.rstrip(" ")
    return f"\x1b[{codes}m{stripped}\x1b[0m" + text[len(stripped) :]


def _hyperlink(text: str, target: str) -> str:
    """OSC 8: the text stays as printed, the terminal makes it clickable (if it can)."""
    if visible(target) != target:
        return text
    stripped = text.rstrip(" ")
    padding = text[len(stripped) :]
    return f"\x1b]8;;{target}\x1b\\{stripped}\x1b]8;;\x1b\\{padding}"
