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
from typing import Literal, NamedTuple

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


class Cell(NamedTuple):
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
    row_styles: Sequence[str | None] | None = None,
) -> list[str]:
    """The table as lines (no trailing newline). `groups[i]`, when set, heads row i's group;
    `row_styles[i]` ("dim", say) is laid over every line of row i, its cells' own styles kept."""
    rows = len(specs[0].cells) if specs else 0
    plan = _plan(specs, layout.width)
    gap = " " * plan.gap
    out: list[str] = []
    bold = _codes("bold", layout)
    if title:
        out.append(_styled(visible(title), bold))
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
            parts.append(_styled(_pad(text, width), bold))
        out.append(gap.join(parts).rstrip())
    total = sum(width for _spec, width in shown) + plan.gap * max(len(shown) - 1, 0)
    out.append(_styled("─" * total, _codes("dim", layout)))
    # Column by column: each cell's lines, then each row's line from its cells (most rows are
    # one line of one-line cells).
    columns = [_Column(spec, width, plan, layout) for spec, width in shown]
    tall: dict[int, None] = {}  # rows with a cell of more than one line
    below: dict[int, list[str]] = {}  # identifiers too long for their column, by row
    for column in columns:
        column.lay_out(layout, tall, below)
    if columns:
        firsts = zip(*[column.first for column in columns], strict=True)
        lines = [gap.join(parts).rstrip() for parts in firsts]
    else:
        lines = [""] * rows
    under = _Under(plan.detached, layout) if plan.detached is not None else None
    for row in range(rows):
        heading = groups[row] if groups is not None else None
        if heading:
            if row > 0:
                out.append("")
            out.append(_styled(visible(heading), bold))
        start = len(out)
        if row in tall:
            cells = [column.lines(row) for column in columns]
            for index in range(max(len(cell) for cell in cells)):
                parts = [
                    cell[index] if index < len(cell) else " " * column.width
                    for cell, column in zip(cells, columns, strict=True)
                ]
                out.append(gap.join(parts).rstrip())
        else:
            out.append(lines[row])
        if row in below:
            out.extend(below[row])  # identifiers too long for any column, whole
        if under is not None:
            out.extend(under.lines(row))
        codes = _codes(row_styles[row], layout) if row_styles is not None else ""
        if codes:
            out[start:] = [_overlaid(line, codes) for line in out[start:]]
    return out


def _overlaid(line: str, codes: str) -> str:
    """`line` in the style of `codes`, each reset inside it (a cell's own style ending) turned
    back to that style, so the overlay holds to the end of the line."""
    if not line:
        return line
    start = f"\x1b[{codes}m"
    return start + line.replace(_RESET, _RESET + start) + _RESET


_OVERFLOW_LENGTH = cell_len(OVERFLOW)


def _kept_by_wrap(text: str) -> bool:
    """Whether `wrap` gives back a text that fits its width as it is: one paragraph, its words
    one space apart."""
    return "\n" not in text and "  " not in text and text[:1] != " " and text[-1:] != " "


class _Column:
    """A column as `render` lays out its rows: its cells' texts as shown and their widths, the
    width given to it, its style; then each cell's first line (`first`), and every line of the
    cells that have more than one (`more`)."""

    __slots__ = (
        "below",
        "codes",
        "first",
        "fold",
        "kind",
        "lengths",
        "links",
        "long_id",
        "more",
        "texts",
        "width",
    )

    def __init__(self, spec: Spec, width: int, plan: _Plan, layout: Layout) -> None:
        self.width = width
        self.kind = spec.kind
        self.texts = plan.shown(spec)
        self.lengths = plan.lengths(spec)
        self.links = [cell.link for cell in spec.cells]
        # An identifier longer than this goes whole on its own line under the row (_too_long).
        self.long_id = max(LONG_ID, layout.width // 3) if spec.kind == "id" else _NEVER
        self.below = f"{' ' * LINK_INDENT}{visible(spec.header)}: "
        self.fold = spec.fold
        self.codes = _codes(spec.style, layout)
        self.first: list[str] = []
        self.more: dict[int, list[str]] = {}

    def lay_out(self, layout: Layout, tall: dict[int, None], below: dict[int, list[str]]) -> None:
        """Each cell's lines; rows with more than one go in `tall`, too long ids in `below`."""
        width, codes = self.width, self.codes
        hyperlinks = layout.hyperlinks and self.kind != "text"  # a text cell wraps instead
        first = self.first
        for row, (text, length, link) in enumerate(
            zip(self.texts, self.lengths, self.links, strict=True)
        ):
            if length > self.long_id:
                below.setdefault(row, []).append(self.below + text)
                text, length = OVERFLOW, _OVERFLOW_LENGTH
            wraps = self.kind == "text" or (self.kind == "link" and link is None)
            if wraps and (length > width or not _kept_by_wrap(text)):
                lines = wrap(text, width, fold=self.fold)
                if len(lines) > 1:
                    self.more[row] = [self.styled(line, cell_len(line)) for line in lines]
                    tall[row] = None
                text, length = lines[0], cell_len(lines[0])
            padded = text + " " * (width - length) if length < width else text
            styled = _styled(padded, codes) if codes else padded
            if link is not None and hyperlinks:
                styled = _hyperlink(styled, link)
            first.append(styled)

    def lines(self, row: int) -> list[str]:
        """The lines of the cell in `row`."""
        return self.more.get(row) or [self.first[row]]

    def styled(self, text: str, length: int) -> str:
        """`text` (`length` cells wide) padded to the column's width, in its style."""
        if length < self.width:
            text += " " * (self.width - length)
        return _styled(text, self.codes)


_NEVER = 1 << 62  # wider than any text


class _Under:
    """A detached column's value on its own lines under each row: a link whole, text wrapped."""

    __slots__ = ("codes", "hyperlinks", "spec", "width")

    def __init__(self, spec: Spec, layout: Layout) -> None:
        self.spec = spec
        self.codes = _codes(spec.style, layout)
        self.hyperlinks = layout.hyperlinks
        self.width = layout.width - LINK_INDENT

    def lines(self, row: int) -> list[str]:
        cell = self.spec.cells[row]
        indent = " " * LINK_INDENT
        if cell.link is not None:
            text = visible(cell.link)
            if self.hyperlinks:
                text = _hyperlink(text, cell.link)
            return [indent + _styled(text, self.codes)]
        if not cell.text:
            return []
        lines = wrap(visible(cell.text), self.width, fold=self.spec.fold)
        return [indent + _styled(line, self.codes) for line in lines]


@dataclass(slots=True)
class _Plan:
    widths: list[int]
    gap: int
    headers: dict[int, str]
    detached: Spec | None  # the link column whose values go under their rows
    short_emails: set[int]  # ids of email specs shown without their shared domain
    dropped: set[int] = field(default_factory=set)  # ids of optional specs left out
    # By (id(spec), shortened): each column's texts as shown, their widths, and what the widths
    # of a layout need of them; worked out once, however many layouts are tried.
    texts: dict[tuple[int, bool], list[str]] = field(default_factory=dict)
    cell_lengths: dict[tuple[int, bool], list[int]] = field(default_factory=dict)
    facts: dict[tuple[int, bool, int], tuple[int, int]] = field(default_factory=dict)

    def shown(self, spec: Spec) -> list[str]:
        """The column's cells as shown: controls made visible, a shared domain dropped."""
        key = (id(spec), id(spec) in self.short_emails)
        texts = self.texts.get(key)
        if texts is None:
            texts = [visible(cell.text) for cell in spec.cells]
            if key[1]:
                texts = [text.rsplit("@", 1)[0] if text else text for text in texts]
            self.texts[key] = texts
        return texts

    def lengths(self, spec: Spec) -> list[int]:
        """The terminal width of each of `shown(spec)`."""
        key = (id(spec), id(spec) in self.short_emails)
        lengths = self.cell_lengths.get(key)
        if lengths is None:
            lengths = self.cell_lengths[key] = [cell_len(text) for text in self.shown(spec)]
        return lengths

    def natural(self, spec: Spec, width: int) -> tuple[int, int]:
        """(the widest cell, the widest link staying in its row); an identifier too long to
        set its column's width (_too_long) counts as one cell."""
        key = (id(spec), id(spec) in self.short_emails, width)
        facts = self.facts.get(key)
        if facts is None:
            lengths = self.lengths(spec)
            natural = max(lengths, default=0)
            if spec.kind == "id" and natural > 0 and _too_long(spec, natural, width):
                limit = max(LONG_ID, width // 3)
                natural = max([n for n in lengths if n <= limit] + [1])
            links = [n for n, c in zip(lengths, spec.cells, strict=True) if c.link is not None]
            facts = self.facts[key] = (natural, max(links, default=0))
        return facts


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
        natural, widest_link = plan.natural(spec, width)
        if natural == 0 and header == 0:
            continue  # nothing to show
        if spec.kind in ("text", "link"):
            # Links that stay in the row are never wrapped: they set the column's minimum.
            capped = min(natural, spec.max_width) if spec.max_width else natural
            floor = COMFORTABLE if comfortable else spec.min_width or MIN_TEXT_WIDTH
            header_word = max((cell_len(w) for w in plan.headers[id(spec)].split()), default=0)
            minimum = max(min(floor, max(capped, 1)), header_word, widest_link)
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


def _codes(style: str | None, layout: Layout) -> str:
    """The SGR parameters of a style ("bold blue": "1;34"); "" for none, or without colour."""
    if not style or not layout.color:
        return ""
    return ";".join(_SGR[word] for word in style.split() if word in _SGR)


_RESET = "\x1b[0m"


def _styled(text: str, codes: str) -> str:
    """`text` in the style of `codes` (_codes); trailing padding and blank text stay plain."""
    if not codes or not text.strip():
        return text
    stripped = text.rstrip(" ")
    return f"\x1b[{codes}m{stripped}{_RESET}" + text[len(stripped) :]


def _hyperlink(text: str, target: str) -> str:
    """OSC 8: the text stays as printed, the terminal makes it clickable (if it can)."""
    if visible(target) != target:
        return text
    stripped = text.rstrip(" ")
    padding = text[len(stripped) :]
    return f"\x1b]8;;{target}\x1b\\{stripped}\x1b]8;;\x1b\\{padding}"
