"""The listing's fast path (issue 18) shows what the records show, and loads only what it runs.

`usked assignments list` makes its table and its piped lines straight from the assignments,
each instant converted once; these tests hold them to what the JSON records (the one definition
of each field) would give, in every case a row can be: all day, across midnight, across a DST
change, in the repeated hour, text with controls and wide characters. The root imports only the
module of the command being run, and builds only the commands it is asked for.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from usked_cli.cli import assignments as listing
from usked_cli.cli.app import COMMANDS, app
from usked_cli.config.sources import Basics
from usked_cli.models import Assignment, DialIn
from usked_cli.render import Column, Output, zone_header
from usked_cli.store import _assignment, _assignment_row

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


def made(
    start: datetime,
    minutes: int = 60,
    *,
    user: str = "maria",
    request_id: str = "104233",
    title: str = "Request #104233 - Spanish Interpreting",
    all_day: bool = False,
    meeting: bool = True,
    location: str = "400 Oak St",
) -> Assignment:
    link = f"https://acme.zoom.us/j/8551234{request_id[-4:]}?pwd=x" if meeting else None
    return Assignment(
        user=user,
        uid=f"{request_id}@t",
        request_id=request_id,
        title=title,
        start=start,
        end=start + timedelta(minutes=minutes),
        all_day=all_day,
        location=location,
        zoom=meeting,
        invite_link=link,
        meeting_id=f"8551234{request_id[-4:]}" if meeting else None,
        passcode=None,
    )


def variety() -> list[Assignment]:
    """Rows of every shape, in the order a listing has them."""
    fall_back = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)  # 01:30 happens twice that night
    stored = datetime.fromisoformat  # the cache gives fixed offsets
    return [
        made(stored("2026-10-31T23:00:00-05:00"), 150, request_id="300001"),  # ends after DST
        made(fall_back, 20, request_id="300002"),  # CDT, from a parsed feed (fold 0)
        made(fall_back.replace(fold=1), 20, request_id="300003"),  # CST, the hour again
        made(datetime(2026, 11, 1, tzinfo=BERLIN), 1440, all_day=True, request_id="300004"),
        made(stored("2026-11-02T09:00:00-06:00"), request_id="a3", title="Ctrl \x1b[2J and\ttab"),
        made(
            stored("2026-11-02T09:00:00-06:00"),
            user="ana",
            title="日本語 \uff57\uff49\uff44\uff45 e\u0301",
        ),
        made(stored("2026-11-02T09:00:00-06:00"), 0, request_id="300007", meeting=False),
        made(stored("2026-12-04T22:00:00-06:00"), 240, request_id="300008", location="Line\n2"),
        made(stored("2026-12-05T09:00:00+01:00"), request_id="x" * 80, meeting=False),
        made(stored("2026-12-05T10:00:00-06:00"), request_id="300010", title="Request ID: 300010"),
    ]


def rendered(
    assignments: list[Assignment], tz: ZoneInfo, *, tty: bool, monkeypatch: pytest.MonkeyPatch
) -> str:
    """What `render_assignments` writes for these assignments."""
    context = listing.AppContext()
    context._basics = Basics(Path("config.toml"), str(tz), Path("data"), 15, 5, None)
    written = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setenv("USKED_FORCE_TTY", "1" if tty else "0")
        patch.setattr(sys, "stdout", written)
        listing.render_assignments(context, assignments, as_json=False, as_csv=False)
    return written.getvalue()


def from_records(assignments: list[Assignment], tz: ZoneInfo, *, tty: bool) -> str:
    """The same output made the long way: from the JSON records, field by field."""
    records = [listing.assignment_record(a, tz, 15) for a in assignments]
    out = Output(no_color=True)
    written = io.StringIO()
    if not tty:
        columns = listing._PLAIN_COLUMNS
        rows = [{**r, "where": r["invite_link"] or r["location"] or ""} for r in records]
        lines = []
        for row in rows:
            cells = [_text(row.get(c.key)) for c in columns]
            lines.append("\t".join(_escaped(cell) for cell in cells))
        return "".join(line + "\n" for line in lines)
    rows = []
    previous = None
    for record in records:
        day = datetime.fromisoformat(record["start"]).date()
        rows.append(
            {
                "day": f"{day:%a %d %b %Y}" if day != previous else None,
                "time": listing._time_range(record, tz),
                "zoom_marker": "Zoom" if record["zoom"] else "",
                "request_id": record["request_id"],
                "short_title": listing._short_title(record),
                "user": record["user"],
                "where": record["invite_link"] or record["location"] or "",
                "host_link": listing._host_link_cell(record),
            }
        )
        previous = day
    columns = list(listing._TTY_COLUMNS)
    title = None
    if len({r["user"] for r in records}) == 1:
        columns = [c for c in columns if c.key != "user"]
        title = f"Assignments of {records[0]['user']}"
    timed = [r["start"] for r in records if not r["all_day"]]
    columns[0] = Column("time", zone_header("Time", timed, tz), kind="id")
    lines = out.table_lines(columns, rows, title, "day", width=100, color=False)
    written.write("".join(line + "\n" for line in lines))
    return written.getvalue()


def _text(value: Any) -> str:
    """render._text, spelled out."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _escaped(cell: str) -> str:
    from usked_cli.safe import visible

    return visible(cell.replace("\t", " ").replace("\r", " ").replace("\n", " "))


@pytest.mark.parametrize("tz", [CHICAGO, BERLIN, ZoneInfo("UTC")], ids=str)
def test_piped_lines_are_the_records_fields(tz: ZoneInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = variety()
    assert rendered(rows, tz, tty=False, monkeypatch=monkeypatch) == from_records(
        rows, tz, tty=False
    )


@pytest.mark.parametrize("tz", [CHICAGO, BERLIN], ids=str)
@pytest.mark.parametrize("users", [1, 2])
def test_the_table_is_made_of_the_records_fields(
    tz: ZoneInfo, users: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = variety() if users == 2 else [a for a in variety() if a.user == "maria"]
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("USKED_HYPERLINKS", "0")
    assert rendered(rows, tz, tty=True, monkeypatch=monkeypatch) == from_records(rows, tz, tty=True)


def test_the_repeated_hour_keeps_both_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    # 01:30 CDT and 01:30 CST are equal datetimes (one zone, fold ignored), two instants.
    first = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)
    lines = rendered(
        [made(first, request_id="1"), made(first.replace(fold=1), request_id="2")],
        CHICAGO,
        tty=False,
        monkeypatch=monkeypatch,
    ).splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T01:30:00-06:00",
    ]
    assert [line.split("\t")[7] for line in lines] == [
        "2026-11-01T01:15:00-05:00",
        "2026-11-01T01:15:00-06:00",
    ]


TITLE_PARTS = st.lists(
    st.sampled_from(
        [
            "request",
            "Request",
            "REQUEST ",
            "id",
            "ID",
            "İd",
            "\u0131d",
            "reque\u017ft",
            " ",
            "  ",
            "\t",
            "\x1c",
            "\u3000",
            "#",
            ":",
            "-",
            "\u2013",
            "—",
            "1",
            "12",
            "104233",
            "x",
            "é",
            "٣",
        ]
    ),
    max_size=8,
).map("".join)


@given(
    prefix=st.sampled_from(["", " ", "Request #", "request id: ", "#", "REQUEST "]),
    request_id=st.sampled_from(["", "1", "12", "104233", "1042331", "٣", "a-1", "ab.cd@x"]),
    joint=st.sampled_from(["", " ", "-", " - ", ": ", "\u2013 ", "x"]),
    rest=TITLE_PARTS,
)
def test_short_title_matches_the_general_pattern(
    prefix: str, request_id: str, joint: str, rest: str
) -> None:
    title = prefix + request_id + joint + rest
    general = re.sub(
        rf"^\s*(request\s*(id)?\s*[:#]?\s*)?#?{re.escape(request_id)}\s*[-:\u2013]\s*",
        "",
        title,
        flags=re.I,
    )
    assert listing.short_title(title, request_id) == (general or title)


@given(cells=st.lists(st.lists(st.text(max_size=6), min_size=1, max_size=4), max_size=5))
def test_tsv_cells_escape_as_each_cell_would(cells: list[list[str]]) -> None:
    written = io.StringIO()
    out = Output()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", written)
        out.tsv_cells(cells)
    assert written.getvalue() == "".join(
        "\t".join(_escaped(cell) for cell in row) + "\n" for row in cells
    )


def test_a_cached_row_reads_back_as_written() -> None:
    # _assignment builds the model positionally: every field lands where it belongs.
    original = Assignment(
        user="u",
        uid="uid",
        request_id="r",
        title="t",
        start=datetime(2026, 11, 27, 9, tzinfo=UTC),
        end=datetime(2026, 11, 27, 10, tzinfo=UTC),
        all_day=False,
        location="l",
        zoom=True,
        invite_link="https://i",
        meeting_id="m",
        passcode="p",
        notes="n",
        recurrence_id="rid",
        pwd="w",
        dial_in=(DialIn("+1 301", "US"),),
    )
    assert _assignment(_assignment_row(original)) == original
    bare = made(datetime(2026, 11, 27, 9, tzinfo=UTC), meeting=False)
    assert _assignment(_assignment_row(bare)) == bare


# --- what a listing loads ---------------------------------------------------------------------

PROBE = """
import json, sys
from usked_cli.entry import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m.startswith("usked_cli.cli."))
sys.stderr.write("MODULES " + json.dumps(loaded) + "\\n")
"""


def cli_modules(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    modules: list[str] = json.loads(line.removeprefix("MODULES "))
    return modules


def test_listing_imports_its_own_command_module_only() -> None:
    assert cli_modules("assignments", "list") == [
        "usked_cli.cli.app",
        "usked_cli.cli.assignments",
        "usked_cli.cli.completion",
        "usked_cli.cli.context",
        "usked_cli.cli.groups",
        "usked_cli.cli.options",
    ]


def test_root_help_still_lists_every_command() -> None:
    assert set(cli_modules("--help")) >= {f"usked_cli.cli.{m}" for m, _ in COMMANDS.values()}


def walked(command: Any, path: str = "usked") -> Iterator[str]:
    ctx = typer.Context(command)
    yield path
    for name in command.list_commands(ctx) if hasattr(command, "list_commands") else []:
        yield from walked(command.get_command(ctx, name), f"{path} {name}")


def test_only_the_commands_asked_for_are_built() -> None:
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    assert root.list_commands(ctx) == list(COMMANDS)
    assert not root.commands._built  # type: ignore[attr-defined]
    group = root.get_command(ctx, "assignments")
    assert list(root.commands._built) == ["assignments"]  # type: ignore[attr-defined]
    assert group.list_commands(ctx) == ["ls", "list", "show"]
    group.get_command(ctx, "list")
    assert list(group.commands._built) == ["list"]


def test_the_lazy_tree_is_the_whole_tree() -> None:
    paths = list(walked(typer.main.get_command(app)))
    assert len(paths) == len(set(paths))
    assert {"usked assignments list", "usked admin zoom-users rename", "usked today"} <= set(paths)
    assert paths[:6] == [
        "usked",
        "usked sync",
        "usked today",
        "usked next",
        "usked invite",
        "usked join",
    ]
