"""The pool's day as one self-contained HTML file (`usked admin schedule --html FILE`).

The same picture as the terminal one, at a readable size: a row per host user with meetings, a
time axis in the day's local time, each meeting a bar with its padding in a lighter shade on both
sides, broken padding and overlaps in red, the free stretches underlined in green, a legend, and
the idle host users on one line. Inline SVG and CSS only: the file is mailed and archived, so it
must open anywhere, years later, offline, and run nothing (no script, no font or style fetched).

Every element a reader may want to find carries a stable class and data attributes (`g.host`,
`rect.bar`, `rect.padding`, `rect.free`, `line.tick`): the tests find rows and bars by them.

Text from outside (topics, names, emails, the org's name) is shown with its control characters
as visible escapes and escaped for HTML/XML, so a topic can neither inject markup nor smuggle a
terminal escape into a file someone later `cat`s. Stdlib only: imported just for `--html`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from html import escape

from usked_cli.rules.padding import Meeting
from usked_cli.rules.schedule import (
    Bar,
    DaySchedule,
    HostDay,
    State,
    hour_marks,
    label_candidates,
)
from usked_cli.safe import visible

__all__ = ["render_html"]

# --- Geometry (SVG user units, which are CSS pixels at the natural size) ---------------------
WIDTH = 1280
NAME_COLUMN = 200  # host user names and emails, left of the plot
RIGHT_MARGIN = 28  # room for the last hour's label, centred on the axis end
PLOT_LEFT = NAME_COLUMN
PLOT_RIGHT = WIDTH - RIGHT_MARGIN
AXIS_HEIGHT = 30  # hour labels above the first row
ROW_PAD_TOP = 7
BAR_HEIGHT = 20
LANE_GAP = 4  # between the lanes of a host user whose meetings overlap
ROW_PAD_BOTTOM = 9  # the free mark sits in it, under the bars
FREE_MARK_HEIGHT = 3
LEGEND_GAP = 18
LEGEND_HEIGHT = 20
BOTTOM_MARGIN = 8
MIN_BAR_WIDTH = 2.0  # a meeting of no duration is still drawn, as a sliver
LABEL_FONT = 11.0
LABEL_INSET = 4.0  # between a bar's edge and its label
NAME_FONT = 13.0
EMAIL_FONT = 11.0

# --- Colours: (bar, its padding) by state; ok bars by kind --------------------------------------
MEETING = ("#2563eb", "#bfdbfe")
WEBINAR = ("#7c3aed", "#ddd6fe")
PADDING_BROKEN = ("#dc2626", "#fecaca")
OVERLAP = ("#991b1b", "#fca5a5")
FREE = "#16a34a"

_STATE_WORDS: dict[State, str] = {
    "ok": "ok",
    "padding": "padding broken",
    "overlap": "overlap",
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# What XML 1.0 cannot carry at all, even escaped (lone surrogates, U+FFFE/U+FFFF): `visible`
# leaves them, since a terminal shows them harmlessly, but they would break the file.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")

# Advance widths of Arial/Helvetica (and their metric twins Liberation Sans, Arimo), in 1/1000 em,
# the fonts the stylesheet asks for first. A label is drawn only when it fits by this estimate;
# a font wider than this is clipped at the bar's edge rather than spill over its neighbour.
_NARROW = dict.fromkeys("ijlI'|", 230) | dict.fromkeys(" ftr.,:;!/()[]-", 320)
_WIDE = dict.fromkeys("mwMW@", 900) | dict.fromkeys("CDGHNOQRU&%", 760)
_DIGIT, _UPPER_DEFAULT, _OTHER_DEFAULT, _NON_ASCII = 556, 680, 560, 1000
_BOLD = 1.08
_SAFETY = 1.04  # fonts that differ slightly (Segoe UI, Roboto) still fit

_STYLE = f"""
:root {{
  color-scheme: light;
  print-color-adjust: exact;
  -webkit-print-color-adjust: exact;
}}
* {{ print-color-adjust: exact; -webkit-print-color-adjust: exact; }}
body {{
  margin: 24px;
  color: #0f172a;
  background: #ffffff;
  font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", Arimo, "Segoe UI",
    Roboto, system-ui, sans-serif;
}}
h1 {{ font-size: 22px; font-weight: 650; margin: 0 0 4px; }}
h2 {{ font-size: 17px; font-weight: 650; margin: 28px 0 4px; }}
p.meta {{ margin: 0 0 14px; color: #475569; font-size: 13px; }}
p.idle {{ margin: 10px 0 0; font-size: 13px; color: #334155; }}
p.idle strong {{ color: #15803d; font-weight: 650; }}
svg.schedule {{
  display: block;
  max-width: 100%;
  height: auto;
  font-family: inherit;
  font-variant-numeric: tabular-nums;
}}
svg .tick-label {{ font-size: 11px; fill: #475569; text-anchor: middle; }}
svg .tick {{ stroke: #94a3b8; stroke-width: 1; }}
svg .grid line {{ stroke: #e2e8f0; stroke-width: 1; }}
svg .axis-line {{ stroke: #94a3b8; stroke-width: 1; }}
svg .row-band {{ fill: #f1f5f9; fill-opacity: 0; }}
svg .host.alternate .row-band {{ fill-opacity: 0.55; }}
svg .host-name {{ font-size: {NAME_FONT:g}px; font-weight: 600; fill: #0f172a; }}
svg .host-email {{ font-size: {EMAIL_FONT:g}px; fill: #64748b; }}
svg .label {{
  font-size: {LABEL_FONT:g}px; font-weight: 600; fill: #ffffff; pointer-events: none;
}}
svg .bar {{ stroke: #ffffff; stroke-width: 0.75; }}
svg .meeting:hover .bar {{ stroke: #0f172a; stroke-width: 1.5; }}
svg .free {{ fill: {FREE}; }}
svg .legend text {{ font-size: 12px; fill: #334155; }}
svg .empty {{ font-size: 13px; fill: #64748b; font-style: italic; }}
@page {{ size: landscape; margin: 10mm; }}
@media print {{
  body {{ margin: 0; }}
  h2 {{ margin-top: 0; }}
  svg.schedule {{ width: 100%; }}
  section.day {{ break-inside: avoid; }}
  section.day + section.day {{ break-before: page; }}
}}
"""


def render_html(days: Sequence[DaySchedule], *, org_name: str) -> str:
    """One complete HTML5 document picturing `days` (one section and one SVG per day)."""
    if not days:
        raise ValueError("a schedule needs at least one day")
    org = _inert(org_name)
    first, last = min(day.day for day in days), max(day.day for day in days)
    when = _day_words(first) if first == last else f"{_day_words(first)} to {_day_words(last)}"
    heading = f"{org} — host users, {when}"
    several = len(days) > 1
    sections = "\n".join(
        _section(day, index, heading_for_day=several) for index, day in enumerate(days)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # Nothing runs, nothing loads, even if a topic slipped past the escaping.
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        f"<title>{escape(heading)}</title>\n"
        f"<style>{_STYLE}</style>\n"
        "</head>\n<body>\n"
        f"<h1>{escape(heading)}</h1>\n"
        f"{sections}\n"
        "</body>\n</html>\n"
    )


# --- One day -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Axis:
    """Where an instant falls across the plot: proportional to elapsed time, so a 23- or 25-hour
    day is drawn to scale."""

    start: datetime
    end: datetime

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        elapsed = (_clamp(_utc(moment), self.start, self.end) - self.start).total_seconds()
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * elapsed / span


@dataclass(frozen=True, slots=True)
class _Row:
    host: HostDay
    top: float
    height: float
    lanes: dict[int, int]  # bar index -> lane (0 on top)


def _section(day: DaySchedule, index: int, *, heading_for_day: bool) -> str:
    zone = _zone_name(day.timezone, day.axis_start, day.axis_end)
    parts = ['<section class="day" data-day="' + day.day.isoformat() + '">']
    if heading_for_day:
        parts.append(f"<h2>{escape(_day_words(day.day))}</h2>")
    parts.append(
        '<p class="meta">'
        f"Times in {escape(zone)}. Padding {day.padding_minutes} min either side of a meeting; "
        f"free stretches of at least {day.duration_minutes} min underlined in green. "
        "Hover over a bar for its details."
        "</p>"
    )
    parts.append(_svg(day, index))
    idle = day.idle_hosts
    if idle:
        names = ", ".join(escape(_inert(host.name or host.email)) for host in idle)
        parts.append(f'<p class="idle"><strong>free all day:</strong> {names}</p>')
    basic = day.idle_basic_hosts
    if basic:
        names = ", ".join(escape(_inert(host.name or host.email)) for host in basic)
        parts.append(
            f'<p class="idle basic"><strong>nothing on, unlicensed (never free):</strong> '
            f"{names}</p>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _svg(day: DaySchedule, index: int) -> str:
    axis = _Axis(day.axis_start.astimezone(UTC), day.axis_end.astimezone(UTC))
    rows = _rows(day.busy_hosts)
    rows_bottom = rows[-1].top + rows[-1].height if rows else AXIS_HEIGHT + BAR_HEIGHT + 16
    legend_top = rows_bottom + LEGEND_GAP
    height = legend_top + LEGEND_HEIGHT + BOTTOM_MARGIN
    body: list[str] = [
        f'<svg class="schedule" role="img" width="{WIDTH}" height="{_n(height)}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" data-day="{day.day.isoformat()}" '
        f'data-axis-start="{day.axis_start.isoformat()}" '
        f'data-axis-end="{day.axis_end.isoformat()}" '
        f'aria-label="{escape(_day_words(day.day))}">',
        f"<title>Host users, {escape(_day_words(day.day))}</title>",
    ]
    body.extend(_axis(day, axis, rows_bottom))
    if not rows:
        body.append(
            f'<text class="empty" x="{_n(PLOT_LEFT + 8)}" y="{_n(AXIS_HEIGHT + 24)}">'
            "No host user has a meeting this day.</text>"
        )
    for row_index, row in enumerate(rows):
        body.extend(
            _row(day, axis, row, alternate=row_index % 2 == 1, clip_prefix=f"d{index}h{row_index}b")
        )
    body.append(
        f'<line class="axis-line" x1="{_n(PLOT_LEFT)}" x2="{_n(PLOT_RIGHT)}" '
        f'y1="{_n(rows_bottom)}" y2="{_n(rows_bottom)}"/>'
    )
    body.extend(_legend(day, legend_top))
    body.append("</svg>")
    return "\n".join(body)


def _rows(hosts: Iterable[HostDay]) -> list[_Row]:
    rows: list[_Row] = []
    top = float(AXIS_HEIGHT)
    for host in hosts:
        lanes = _lanes(host.bars)
        count = max(lanes.values(), default=0) + 1
        height = ROW_PAD_TOP + count * BAR_HEIGHT + (count - 1) * LANE_GAP + ROW_PAD_BOTTOM
        rows.append(_Row(host, top, height, lanes))
        top += height
    return rows


def _lanes(bars: Sequence[Bar]) -> dict[int, int]:
    """Overlapping meetings side by side in lanes, so neither hides the other: each bar takes
    the first lane free at its start (the bars come in start order)."""
    lane_ends: list[datetime] = []
    lanes: dict[int, int] = {}
    for index, bar in sorted(enumerate(bars), key=lambda item: _utc(item[1].meeting.start)):
        start, end = _utc(bar.meeting.start), _utc(bar.meeting.end)
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                lane_ends[lane] = end
                lanes[index] = lane
                break
        else:
            lanes[index] = len(lane_ends)
            lane_ends.append(end)
    return lanes


def _axis(day: DaySchedule, axis: _Axis, rows_bottom: float) -> list[str]:
    """Hour ticks walked instant by instant from the axis start, labelled in local time: on a
    day the clocks change, an hour is skipped or shown twice, as the wall clock does."""
    ticks: list[str] = ['<g class="axis">']
    grid: list[str] = ['<g class="grid">']
    for local in hour_marks(axis.start, axis.end, day.timezone):
        x = _n(axis.x(local))
        hour = f"{local:%H:%M}"
        ticks.append(
            f'<line class="tick" data-hour="{hour}" data-at="{local.isoformat()}" '
            f'x1="{x}" x2="{x}" y1="{_n(AXIS_HEIGHT - 6)}" y2="{_n(AXIS_HEIGHT)}"/>'
            f'<text class="tick-label" x="{x}" y="{_n(AXIS_HEIGHT - 11)}">{hour}</text>'
        )
        grid.append(f'<line x1="{x}" x2="{x}" y1="{_n(AXIS_HEIGHT)}" y2="{_n(rows_bottom)}"/>')
    ticks.append(
        f'<line class="axis-line" x1="{_n(PLOT_LEFT)}" x2="{_n(PLOT_RIGHT)}" '
        f'y1="{_n(AXIS_HEIGHT)}" y2="{_n(AXIS_HEIGHT)}"/>'
    )
    ticks.append("</g>")
    grid.append("</g>")
    return grid + ticks


def _row(
    day: DaySchedule, axis: _Axis, row: _Row, *, alternate: bool, clip_prefix: str
) -> list[str]:
    host = row.host
    name = _inert(host.name or host.email)
    email = _inert(host.email)
    count = len(host.bars)
    out = [
        # Every other row shaded, to follow a row across the picture.
        f'<g class="host{" alternate" if alternate else ""}" data-email="{escape(email)}" '
        f'data-name="{escape(name)}">',
        f"<title>{escape(name)} &lt;{escape(email)}&gt;: "
        f"{count} meeting{'' if count == 1 else 's'}</title>",
        f'<rect class="row-band" x="0" y="{_n(row.top)}" width="{WIDTH}" '
        f'height="{_n(row.height)}"/>',
    ]
    middle = row.top + row.height / 2
    room = NAME_COLUMN - 20
    out.append(
        f'<text class="host-name" x="12" y="{_n(middle - 1)}">'
        f"{escape(_fitted(name, room, NAME_FONT, bold=True))}</text>"
    )
    out.append(
        f'<text class="host-email" x="12" y="{_n(middle + 12)}">'
        f"{escape(_fitted(email, room, EMAIL_FONT))}</text>"
    )
    for start, end in host.free:
        x1, x2 = axis.x(start), axis.x(end)
        out.append(
            f'<rect class="free" data-start="{start.isoformat()}" data-end="{end.isoformat()}" '
            f'x="{_n(x1)}" y="{_n(row.top + row.height - 6)}" width="{_n(x2 - x1)}" '
            f'height="{FREE_MARK_HEIGHT}" rx="1.5">'
            f"<title>free {_span_words(start, end, day)}</title></rect>"
        )
    # Every padding under every bar: a meeting too close to the next has its padding drawn over
    # by that meeting, which is the point (the lighter shade shows how little room is left).
    padding = timedelta(minutes=day.padding_minutes)
    out.append('<g class="paddings">')
    if padding:
        for index, bar in enumerate(host.bars):
            out.extend(_paddings(bar, axis, _bar_top(row, index), padding))
    out.append("</g>")
    for index, bar in enumerate(host.bars):
        # Clip ids are unique in the document: day, row and bar number.
        out.extend(_meeting(day, axis, bar, _bar_top(row, index), f"{clip_prefix}{index}"))
    out.append("</g>")
    return out


def _bar_top(row: _Row, index: int) -> float:
    return row.top + ROW_PAD_TOP + row.lanes[index] * (BAR_HEIGHT + LANE_GAP)


def _paddings(bar: Bar, axis: _Axis, top: float, padding: timedelta) -> list[str]:
    meeting = bar.meeting
    shade = _colours(bar)[1]
    start, end = _utc(meeting.start), _utc(meeting.end)
    out = []
    for side, (a, b) in (("before", (start - padding, start)), ("after", (end, end + padding))):
        x1, x2 = axis.x(a), axis.x(b)
        if x2 - x1 <= 0:
            continue  # the padding lies off the drawn hours (the day's edge)
        out.append(
            f'<rect class="padding" data-meeting-id="{escape(_inert(meeting.meeting_id))}" '
            f'data-side="{side}" data-start="{_iso(a, meeting)}" data-end="{_iso(b, meeting)}" '
            f'x="{_n(x1)}" y="{_n(top)}" width="{_n(x2 - x1)}" height="{BAR_HEIGHT}" '
            f'fill="{shade}"/>'
        )
    return out


def _meeting(day: DaySchedule, axis: _Axis, bar: Bar, top: float, clip_id: str) -> list[str]:
    meeting = bar.meeting
    colour = _colours(bar)[0]
    x1, x2 = axis.x(_utc(meeting.start)), axis.x(_utc(meeting.end))
    if x2 - x1 < MIN_BAR_WIDTH:
        x1 = max(PLOT_LEFT, (x1 + x2) / 2 - MIN_BAR_WIDTH / 2)
        x2 = x1 + MIN_BAR_WIDTH
    width = x2 - x1
    meeting_id = escape(_inert(meeting.meeting_id))
    kind = _inert(meeting.kind)
    attributes = (
        f'data-meeting-id="{meeting_id}" data-start="{meeting.start.isoformat()}" '
        f'data-end="{meeting.end.isoformat()}"'
    )
    occurrence = (
        f' data-occurrence-id="{escape(_inert(meeting.occurrence_id))}"'
        if meeting.occurrence_id
        else ""
    )
    request = f' data-request-id="{escape(_inert(bar.request_id))}"' if bar.request_id else ""
    out = [
        f'<g class="meeting" {attributes}{occurrence}{request} '
        f'data-kind="{escape(kind)}" data-state="{bar.state}">',
        f"<title>{escape(_story(day, bar))}</title>",
        f'<rect class="bar state-{bar.state} kind-{escape(_class_word(kind))}" {attributes} '
        f'x="{_n(x1)}" y="{_n(top)}" width="{_n(width)}" height="{BAR_HEIGHT}" rx="3" '
        f'fill="{colour}"/>',
    ]
    label = _label(bar, width)
    if label is not None:
        # Clipped to the bar all the same: the width estimate cannot know the reader's font.
        out.append(
            f'<clipPath id="{clip_id}"><rect x="{_n(x1)}" y="{_n(top)}" width="{_n(width)}" '
            f'height="{BAR_HEIGHT}"/></clipPath>'
            f'<text class="label" clip-path="url(#{clip_id})" x="{_n(x1 + LABEL_INSET)}" '
            f'y="{_n(top + BAR_HEIGHT / 2 + LABEL_FONT * 0.36)}">{escape(label)}</text>'
        )
    out.append("</g>")
    return out


def _label(bar: Bar, width: float) -> str | None:
    """The first of the bar's label candidates that fits its drawn width, if any does."""
    room = width - 2 * LABEL_INSET
    for candidate in label_candidates(bar):
        text = _inert(candidate)
        if _text_width(text, LABEL_FONT, bold=True) <= room:
            return text
    return None


def _story(day: DaySchedule, bar: Bar) -> str:
    """A bar's hover title: everything about the meeting, one fact a line."""
    meeting = bar.meeting
    lines = [
        _inert(meeting.topic.strip()) or "(no topic)",
        f"{_inert(meeting.kind)}, {_span_words(meeting.start, meeting.end, day)}",
        f"meeting id {_inert(meeting.meeting_id)}",
    ]
    if meeting.occurrence_id:
        lines.append(f"occurrence {_inert(meeting.occurrence_id)}")
    if bar.request_id:
        lines.append(f"request {_inert(bar.request_id)}")
    if bar.state == "padding":
        state = f"padding broken: less than {day.padding_minutes} min from another meeting"
    elif bar.state == "overlap":
        state = "overlap: runs at the same time as another meeting"
    else:
        state = "ok"
    lines.append(f"state: {state}")
    return "\n".join(lines)


def _legend(day: DaySchedule, top: float) -> list[str]:
    out = [f'<g class="legend" transform="translate({PLOT_LEFT} {_n(top)})">']
    x = 0.0
    middle = LEGEND_HEIGHT / 2
    swatch_top = _n(middle - 6)

    def item(swatch: str, words: str, swatch_width: float) -> None:
        nonlocal x
        out.append(swatch)
        out.append(f'<text x="{_n(x + swatch_width + 6)}" y="{_n(middle + 4)}">{words}</text>')
        x += swatch_width + 6 + _text_width(words, 12) + 22

    for words, (colour, _shade) in (
        ("meeting", MEETING),
        ("webinar", WEBINAR),
        ("padding broken", PADDING_BROKEN),
        ("overlap", OVERLAP),
    ):
        item(
            f'<rect x="{_n(x)}" y="{swatch_top}" width="22" height="12" rx="2" fill="{colour}"/>',
            words,
            22,
        )
    shade = MEETING[1]
    item(
        f'<rect x="{_n(x)}" y="{swatch_top}" width="8" height="12" fill="{shade}"/>'
        f'<rect x="{_n(x + 8)}" y="{swatch_top}" width="18" height="12" rx="2" '
        f'fill="{MEETING[0]}"/>'
        f'<rect x="{_n(x + 26)}" y="{swatch_top}" width="8" height="12" fill="{shade}"/>',
        f"padding ({day.padding_minutes} min)",
        34,
    )
    item(
        f'<rect x="{_n(x)}" y="{_n(middle - 1.5)}" width="26" height="{FREE_MARK_HEIGHT}" '
        f'rx="1.5" fill="{FREE}"/>',
        f"free (at least {day.duration_minutes} min)",
        26,
    )
    out.append("</g>")
    return out


# --- Words and numbers --------------------------------------------------------------------------


def _colours(bar: Bar) -> tuple[str, str]:
    if bar.state == "overlap":
        return OVERLAP
    if bar.state == "padding":
        return PADDING_BROKEN
    return WEBINAR if bar.meeting.kind == "webinar" else MEETING


def _day_words(day: date) -> str:
    """English whatever the locale: the file is the same wherever it is made."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _span_words(start: datetime, end: datetime, day: DaySchedule) -> str:
    """`08:30-09:30 (60 min)` (an en dash) in local time; a time on another day names that day."""
    minutes = round((_utc(end) - _utc(start)).total_seconds() / 60)
    return f"{_clock(start, day)}\u2013{_clock(end, day)} ({minutes} min)"


def _clock(moment: datetime, day: DaySchedule) -> str:
    local = moment.astimezone(day.timezone)
    if local.date() == day.day:
        return f"{local:%H:%M}"
    other = local.date()
    weekday, month = _WEEKDAYS[other.weekday()][:3], _MONTHS[other.month - 1][:3]
    return f"{weekday} {other.day} {month} {local:%H:%M}"


def _zone_name(zone: tzinfo, start: datetime, end: datetime) -> str:
    """`America/Chicago (CST)`; on a day the clocks change, both names (`CDT/CST`)."""
    key = getattr(zone, "key", None)
    names = dict.fromkeys(moment.astimezone(zone).tzname() or "" for moment in (start, end))
    abbreviation = "/".join(name for name in names if name)
    if isinstance(key, str) and key:
        return f"{key} ({abbreviation})" if abbreviation and abbreviation != key else key
    return abbreviation or str(zone)


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """An estimate, on the generous side, of `text`'s drawn width in pixels."""
    units = 0.0
    for char in text:
        if char.isdigit() and char.isascii():
            units += _DIGIT  # as wide in bold as in regular: ids are the common labels
            continue
        if char in _NARROW:
            width = _NARROW[char]
        elif char in _WIDE:
            width = _WIDE[char]
        elif not char.isascii():
            width = _NON_ASCII
        elif char.isupper():
            width = _UPPER_DEFAULT
        else:
            width = _OTHER_DEFAULT
        units += width * (_BOLD if bold else 1.0)
    return units / 1000 * size * _SAFETY


def _fitted(text: str, room: float, size: float, *, bold: bool = False) -> str:
    """`text`, shortened in the middle with an ellipsis to fit `room` (the full text is in the
    row's title). The end stays: generic names differ there ("… Host A", "… Host B")."""
    if _text_width(text, size, bold=bold) <= room:
        return text
    head, tail = text[: (len(text) + 1) // 2], text[(len(text) + 1) // 2 :]
    while (head or tail) and _text_width(head + "…" + tail, size, bold=bold) > room:
        if len(head) >= len(tail):
            head = head[:-1]
        else:
            tail = tail[1:]
    return head.rstrip() + "…" + tail.lstrip()


def _class_word(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", text.lower()) or "unknown"


def _inert(text: str) -> str:
    """Outside text made visible (control characters as escapes) and fit for XML."""
    return _NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", visible(text))


def _iso(moment: datetime, meeting: Meeting) -> str:
    """An instant in the meeting's own zone, as its data-start and data-end are."""
    return moment.astimezone(meeting.start.tzinfo).isoformat()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _clamp(moment: datetime, lower: datetime, upper: datetime) -> datetime:
    return max(lower, min(upper, moment))


def _n(value: float) -> str:
    """A coordinate, short: two decimals are far below a pixel."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
