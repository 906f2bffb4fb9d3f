"""The terminal picture: snapshots of the sample day at 80 and 160 columns, and what holds at
every width (nothing past the width, every bar drawn, labels only where they fit).

    UPDATE_SNAPSHOTS=1 python -m pytest tests/drawing/test_text.py   # rewrite snapshots
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.drawing.sample import CHICAGO, HOSTS, sample_day
from usked_cli.drawing.text import BAD_BAR, BAR, draw_day
from usked_cli.rules.padding import Meeting
from usked_cli.rules.schedule import build_day

SNAPSHOTS = Path(__file__).parent / "snapshots"


def plain(width: int, **kwargs: object) -> str:
    return "\n".join(line.plain for line in draw_day(sample_day(), width=width)) + "\n"


@pytest.mark.parametrize("width", [80, 160])
def test_snapshot(width: int) -> None:
    path = SNAPSHOTS / f"sample-{width}.txt"
    text = plain(width)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160, 220])
def test_every_bar_is_drawn_within_the_width(width: int) -> None:
    day = sample_day()
    lines = draw_day(day, width=width)
    assert all(cell_len(line.plain) <= width for line in lines)
    rows = {line.plain[:16]: line.plain for line in lines if line.plain.startswith("Acme")}
    for host in day.busy_hosts:
        row = rows[host.name[:16]] if width >= 60 else next(iter(rows.values()))
        assert row.count(BAR) + row.count(BAD_BAR) > 0
    name_width = 17 if width >= 60 else None
    if name_width:
        # Each bar shows at its start: a block, or the label written over it.
        for host in day.busy_hosts:
            row = rows[host.name]
            cells = width - name_width
            span = (day.axis_end - day.axis_start).total_seconds()
            for bar in host.bars:
                offset = (bar.meeting.start - day.axis_start).total_seconds() / span * cells
                column = name_width + int(offset)
                assert row[column] in (BAR, BAD_BAR), (host.name, bar.meeting.topic, width)


def test_labels_go_before_bars() -> None:
    narrow, wide = plain(80), plain(160)
    assert "104233" not in narrow  # no room inside a 60-minute bar at 80 columns
    assert "104262" in narrow  # the 2-hour evening class holds its request id
    assert all(request_id in wide for request_id in ("104233", "104241", "104250"))
    assert "84444444444" in wide  # no request id: the meeting id, where it fits
    assert {"▓", "█"} <= set(narrow)


def test_text_from_outside_is_inert() -> None:
    hostile = Meeting(
        "1",
        "\x1b[2J\x1b]52;c;ZWNobw==\x07 long enough topic",
        datetime(2026, 12, 3, 9, tzinfo=CHICAGO),
        datetime(2026, 12, 3, 17, tzinfo=CHICAGO),
    )
    day = build_day(
        date(2026, 12, 3),
        CHICAGO,
        [("x@acme.org", "Host \x1b[31mRed\u202e", [hostile]), *HOSTS[2:3]],
        padding_minutes=0,
        duration_minutes=60,
    )
    text = "\n".join(line.plain for line in draw_day(day, width=200))
    assert not {"\x1b", "\u202e", "\x07"} & set(text)
    assert "Host \\x1b[31mRed\\u202e" in text


def test_clock_change_day_shows_the_repeated_hour() -> None:
    fall = date(2026, 11, 1)
    early = Meeting(
        "1",
        "Night shift",
        datetime(2026, 11, 1, 0, 30, tzinfo=CHICAGO),
        datetime(2026, 11, 1, 0, 30, tzinfo=CHICAGO) + timedelta(hours=1),
    )
    day = build_day(fall, CHICAGO, [("a@x", "A", [early])], padding_minutes=0, duration_minutes=60)
    axis = draw_day(day, width=220)[1].plain.split()
    assert axis[:4] == ["00", "01", "01", "02"]  # 01 twice: clocks went back at 02:00


def test_a_day_with_no_meetings_says_so() -> None:
    day = build_day(date(2026, 12, 3), CHICAGO, HOSTS[2:3], padding_minutes=10, duration_minutes=60)
    lines = [line.plain for line in draw_day(day, width=80)]
    assert lines[1:] == ["no meetings on any host user", "free all day: Acme Corp Host C"]


def test_many_idle_host_users_wrap_within_the_width() -> None:
    hosts = [(f"h{i}@x", f"Acme Corp Host {i}", []) for i in range(40)]
    day = build_day(date(2026, 12, 3), CHICAGO, hosts, padding_minutes=10, duration_minutes=60)
    lines = [line.plain for line in draw_day(day, width=80)]
    assert lines[2].startswith("free all day: Acme Corp Host 0,")
    assert all(len(line) <= 80 for line in lines)
    assert "Acme Corp Host 39" in lines[-1]


def test_a_combining_topic_is_no_label_and_moves_nothing() -> None:
    """A label is drawn a character a cell: combining marks would pull the row left."""
    topic = "Cafe\u0301\u0301\u0301"
    noon = datetime(2026, 12, 3, 12, tzinfo=CHICAGO)
    hosts = [
        ("a@x", "A", [Meeting("", topic, noon, noon + timedelta(hours=3))]),
        ("b@x", "B", [Meeting("", "Plain", noon, noon + timedelta(hours=3))]),
    ]
    day = build_day(date(2026, 12, 3), CHICAGO, hosts, padding_minutes=0, duration_minutes=60)
    rows = [line.plain for line in draw_day(day, width=160)][2:4]
    assert cell_len(rows[0]) == cell_len(rows[1])
    assert rows[0].index("█") == rows[1].index("█")
    assert "\u0301" not in rows[0]


def test_cut_names_keep_their_distinguishing_end() -> None:
    hosts = [
        (f"{c}@x", f"Northside Community Interpreting Host {c}", [meeting])
        for c, meeting in zip("ABC", [h[2][0] for h in HOSTS if h[2]], strict=False)
    ]
    day = build_day(date(2026, 12, 3), CHICAGO, hosts, padding_minutes=10, duration_minutes=60)
    names = [line.plain[:26] for line in draw_day(day, width=80)[2:5]]
    assert len(set(names)) == 3
    assert [name.rstrip()[-6:] for name in names] == ["Host A", "Host B", "Host C"]
    assert all("…" in name for name in names)


def test_a_long_lead_stands_alone_rather_than_cut_a_name() -> None:
    from usked_cli.drawing.text import _wrap_names

    lines = _wrap_names(
        "nothing on, unlicensed (never free): ", ["host-a@acme.org", "host-b@acme.org"], 40
    )
    assert lines == ["nothing on, unlicensed (never free):", "  host-a@acme.org, host-b@acme.org"]
