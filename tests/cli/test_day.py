"""`usked today`, `usked next` (and `next --wait`), and `join next` following the `me` setting.

Through the real commands, in-process: small feeds written to tmp_path, `usked feeds add` and
`usked sync` (or `--ics`), and the app clock frozen per invocation. The display timezone is
America/Chicago (tests/conftest.py sets $TZ). `next --wait` runs on a virtual clock: a fake async
sleep that moves a fake monotonic clock on, so nothing sleeps for real. The pure rules behind
these commands are tested in tests/rules/test_day.py; here the wiring and the renderings are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import Result

from tests.cli.helpers import run

CHICAGO = ZoneInfo("America/Chicago")
DIM = "\x1b[2m"


def at(hour: int, minute: int = 0, *, day: int = 3, month: int = 12) -> datetime:
    """A wall time in Chicago, 2026; by default on Thu 3 Dec (CST, UTC-6)."""
    return datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


def link(request_id: str) -> str:
    """Each request its own invite link, so that which one was picked shows."""
    return f"https://acme.zoom.us/j/{request_id}0000"


# --- feeds -----------------------------------------------------------------------------------


def timed(
    request_id: str,
    start: datetime,
    minutes: int = 60,
    where: str | None = None,
    title: str | None = None,
) -> str:
    """A VEVENT in UTC; a Zoom meeting (its link as the location) unless `where` is given."""
    end = start + timedelta(minutes=minutes)
    return _vevent(
        request_id,
        f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        where if where is not None else link(request_id),
        title,
    )


def all_day(request_id: str, day: date) -> str:
    following = day + timedelta(days=1)
    return _vevent(
        request_id, f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{following:%Y%m%d}", ""
    )


def _vevent(request_id: str, start: str, end: str, where: str, title: str | None = None) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:day-{request_id}@test",
        "DTSTAMP:20260101T000000Z",
        start,
        end,
        f"SUMMARY:Request #{request_id} - {title or f'Session {request_id}'}",
    ]
    if where:
        lines.append(f"LOCATION:{where}")
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def write_feed(path: Path, *events: str) -> Path:
    header = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//day//EN\r\n"
    path.write_text(header + "".join(e + "\r\n" for e in events) + "END:VCALENDAR\r\n")
    return path


def add_and_sync(user: str, path: Path, now: datetime) -> None:
    added = run(["feeds", "add", user, str(path)])
    assert added.exit_code == 0, added.stderr
    synced = run(["sync", user], now=now)
    assert synced.exit_code == 0, synced.stderr


# Maria's Thursday 3 Dec 2026: four assignments, three on Zoom.
MARIA_DAY = (
    timed("555101", at(9)),  # 09:00-10:00 Zoom
    timed("555102", at(11)),  # 11:00-12:00 Zoom
    timed("555103", at(13, 30), 90, where="Room 12"),  # 13:30-15:00 on site
    timed("555104", at(16)),  # 16:00-17:00 Zoom
)
# Li's: a Zoom meeting running at 10:35 (so before Maria's 11:00), and one in the afternoon.
LI_DAY = (timed("555201", at(10)), timed("555202", at(15)))


@pytest.fixture
def maria(tmp_path: Path) -> Path:
    path = write_feed(tmp_path / "maria.ics", *MARIA_DAY)
    add_and_sync("maria", path, at(7))
    return path


@pytest.fixture
def maria_and_li(maria: Path, tmp_path: Path) -> None:
    add_and_sync("li", write_feed(tmp_path / "li.ics", *LI_DAY), at(7))


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout (and stderr) a terminal, without colour: the words are checked, not the styles."""
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("NO_COLOR", "1")


def records(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def states(result: Result) -> list[tuple[str, str]]:
    """(request id, state) per record of `today --json`."""
    return [(r["request_id"], r["state"]) for r in records(result)]


def row_of(stdout: str, request_id: str) -> str:
    """The one terminal line that shows `request_id` (not as part of an invite link)."""
    number = re.compile(rf"(?<!\d){request_id}(?!\d)")
    rows = [line for line in stdout.splitlines() if number.search(line)]
    assert len(rows) == 1, stdout
    return rows[0]


def fields(result: Result) -> dict[str, str]:
    """`next` piped: `field<TAB>value` lines, as a dict (each field once)."""
    assert result.exit_code == 0, result.stderr
    pairs = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(pair) == 2 for pair in pairs), result.stdout
    found = dict(pairs)
    assert len(found) == len(pairs)
    return found


# --- today: through the day --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected", "summary"),
    [
        (
            at(8),
            ["next", "later", "later", "later"],
            "4 assignments, 3 on Zoom, next in 1 h",
        ),
        (
            at(9, 30),
            ["now", "next", "later", "later"],
            "4 assignments, 3 on Zoom, 1 running (ends in 30 min), next in 1 h 30 min",
        ),
        (
            at(10, 35),
            ["ended", "next", "later", "later"],
            "4 assignments, 3 on Zoom, next in 25 min",
        ),
        (
            at(17, 30),
            ["ended", "ended", "ended", "ended"],
            "4 assignments, 3 on Zoom, all over for the day",
        ),
    ],
    ids=["before-the-first", "during-one", "between-two", "after-the-last"],
)
def test_today_states_and_summary_through_the_day(
    maria: Path, monkeypatch: pytest.MonkeyPatch, now: datetime, expected: list[str], summary: str
) -> None:
    as_json = run(["today", "--json"], now=now)
    assert states(as_json) == list(
        zip(["555101", "555102", "555103", "555104"], expected, strict=True)
    )
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    shown = run(["today"], now=now)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.splitlines()[-1] == summary


def test_today_terminal_marks_ended_now_and_next(maria: Path, terminal: None) -> None:
    between = run(["today"], now=at(10, 35))
    assert between.exit_code == 0, between.stderr
    lines = between.stdout.splitlines()
    assert lines[0] == "Today, Thu 03 Dec 2026 (maria)"  # one user: named in the title
    assert lines[1].startswith("Time (CST)")
    assert "ended" in row_of(between.stdout, "555101")
    assert "next, in 25 min" in row_of(between.stdout, "555102")
    # The short title (without "Request #555102 - "), and the invite link or the location.
    assert "Session 555102" in row_of(between.stdout, "555102")
    assert "Request #555102" not in between.stdout
    assert link("555102") in row_of(between.stdout, "555102")
    assert "Room 12" in row_of(between.stdout, "555103")
    for later in ("555103", "555104"):
        row = row_of(between.stdout, later)
        assert "next" not in row
        assert "ended" not in row
        assert "now" not in row
    assert lines[-2:] == ["", "4 assignments, 3 on Zoom, next in 25 min"]

    during = run(["today"], now=at(9, 30))
    assert "now, ends in 30 min" in row_of(during.stdout, "555101")
    assert "next, in 1 h 30 min" in row_of(during.stdout, "555102")


def test_today_dims_only_the_ended_rows_in_colour(
    maria: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.delenv("NO_COLOR")
    result = run(["today"], now=at(12, 30))  # 555101 and 555102 over; 555103 next
    assert result.exit_code == 0, result.stderr
    for ended in ("555101", "555102"):
        assert row_of(result.stdout, ended).startswith(DIM)
    for ahead in ("555103", "555104"):
        assert DIM not in row_of(result.stdout, ahead)
    # Without colour nothing is dimmed: the word "ended" says it.
    monkeypatch.setenv("NO_COLOR", "1")
    plain = run(["today"], now=at(12, 30))
    assert "\x1b[" not in plain.stdout
    assert "ended" in row_of(plain.stdout, "555101")


def test_today_json_is_the_listing_records_with_a_state(maria: Path) -> None:
    now = at(10, 35)
    today = records(run(["today", "--json"], now=now))
    thursday = ["--from", "2026-12-03", "--to", "2026-12-03"]
    listed = records(run(["assignments", "list", *thursday, "--json"], now=now))
    assert [{k: v for k, v in r.items() if k != "state"} for r in today] == listed
    assert [r["state"] for r in today] == ["ended", "next", "later", "later"]
    assert today[2]["start"] == "2026-12-03T13:30:00-06:00"  # in the display timezone


def test_today_piped_is_the_listing_tsv(maria: Path) -> None:
    now = at(10, 35)
    piped = run(["today"], now=now)
    assert piped.exit_code == 0, piped.stderr
    listed = run(["assignments", "list", "--from", "2026-12-03", "--to", "2026-12-03"], now=now)
    assert piped.stdout == listed.stdout
    lines = piped.stdout.splitlines()
    assert len(lines) == 4
    # start, end, user, request_id, zoom, title, where, host_link_opens: no header, no state.
    assert lines[0].split("\t") == [
        "2026-12-03T09:00:00-06:00",
        "2026-12-03T10:00:00-06:00",
        "maria",
        "555101",
        "yes",
        "Request #555101 - Session 555101",
        link("555101"),
        "2026-12-03T08:45:00-06:00",
    ]
    assert lines[2].split("\t")[4:] == ["no", "Request #555103 - Session 555103", "Room 12", ""]


def test_today_all_day_entry_is_listed_but_never_next(tmp_path: Path, terminal: None) -> None:
    path = write_feed(
        tmp_path / "maria.ics",
        all_day("555150", date(2026, 12, 4)),
        timed("555151", at(10, day=4), where="Room 3"),
    )
    add_and_sync("maria", path, at(7, day=4))
    now = at(8, day=4)
    assert states(run(["today", "--json"], now=now)) == [("555150", "all-day"), ("555151", "next")]
    shown = run(["today"], now=now)
    assert row_of(shown.stdout, "555150").startswith("all day")
    assert "next, in 2 h" in row_of(shown.stdout, "555151")
    following = run(["next", "--json"], now=now)
    assert json.loads(following.stdout)["request_id"] == "555151"


def test_today_on_a_free_day(maria: Path) -> None:
    now = at(9, day=4)  # Friday: nothing
    as_json = run(["today", "--json"], now=now)
    assert (as_json.exit_code, as_json.stdout) == (0, "[]\n")
    piped = run(["today"], now=now)
    assert (piped.exit_code, piped.stdout) == (0, "")
    assert "no assignments today (Fri 04 Dec 2026)" in piped.stderr


# --- across midnight ----------------------------------------------------------------------------


@pytest.fixture
def late_night(tmp_path: Path) -> None:
    path = write_feed(
        tmp_path / "maria.ics",
        timed("555301", at(23, 30)),  # Thu 23:30 to Fri 00:30
        timed("555302", at(0, 15, day=4), 30),  # Fri 00:15
    )
    add_and_sync("maria", path, at(7))


def test_late_assignment_is_today_and_tomorrows_early_one_is_not(
    late_night: None, terminal: None
) -> None:
    assert states(run(["today", "--json"], now=at(23))) == [("555301", "next")]
    shown = run(["today"], now=at(23))
    row = row_of(shown.stdout, "555301")
    assert "23:30-Fri 00:30" in row  # the end's day named: it is not today
    assert "next, in 30 min" in row
    assert "555302" not in shown.stdout


def test_after_midnight_the_late_assignment_is_running_today(
    late_night: None, terminal: None
) -> None:
    now = at(0, 10, day=4)
    assert states(run(["today", "--json"], now=now)) == [("555301", "now"), ("555302", "next")]
    shown = run(["today"], now=now)
    assert shown.stdout.splitlines()[0] == "Today, Fri 04 Dec 2026 (maria)"
    assert "now, ends in 20 min" in row_of(shown.stdout, "555301")
    assert "next, in 5 min" in row_of(shown.stdout, "555302")
    # `next` picks the running one over the one starting in 5 minutes.
    report = json.loads(run(["next", "--json"], now=now).stdout)
    assert (report["request_id"], report["starts"]) == ("555301", "started 40 min ago")


# --- a DST change -------------------------------------------------------------------------------


@pytest.fixture
def spring_forward(tmp_path: Path) -> None:
    """Sun 8 Mar 2026: 02:00 CST becomes 03:00 CDT, a 23-hour day."""
    path = write_feed(
        tmp_path / "maria.ics",
        timed("555400", at(23, 30, day=7, month=3), 20),  # Saturday
        timed("555401", at(0, 30, day=8, month=3), 30),  # 00:30 CST
        timed("555402", at(3, 30, day=8, month=3), 30),  # 03:30 CDT
        timed("555403", at(23, 30, day=8, month=3), 20),  # 23:30 CDT
        # Monday 00:30 CDT: inside "Sunday midnight + 24 h", but Monday all the same.
        timed("555404", at(0, 30, day=9, month=3), 20),
    )
    add_and_sync("maria", path, at(8, day=1, month=3))


@pytest.fixture
def fall_back(tmp_path: Path) -> None:
    """Sun 1 Nov 2026: 02:00 CDT becomes 01:00 CST, a 25-hour day (01:00-02:00 twice)."""
    path = write_feed(
        tmp_path / "maria.ics",
        timed("555500", at(23, 30, day=31, month=10), 20),  # Saturday
        timed("555501", at(0, 10, day=1, month=11), 20),  # 00:10 CDT
        timed("555502", datetime(2026, 11, 1, 7, 30, tzinfo=UTC), 30),  # 01:30 CST (the 2nd)
        # 23:30 CST: past "Sunday midnight + 24 h" (23:00 CST), Sunday all the same.
        timed("555503", at(23, 30, day=1, month=11), 20),
        timed("555504", at(0, 30, day=2, month=11), 20),  # Monday
    )
    add_and_sync("maria", path, at(8, day=25, month=10))


def test_spring_forward_day_is_23_hours(spring_forward: None) -> None:
    now = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 01:30 CST
    today = records(run(["today", "--json"], now=now))
    assert [(r["request_id"], r["start"], r["state"]) for r in today] == [
        ("555401", "2026-03-08T00:30:00-06:00", "ended"),
        ("555402", "2026-03-08T03:30:00-05:00", "next"),
        ("555403", "2026-03-08T23:30:00-05:00", "later"),
    ]


def test_spring_forward_next_counts_real_time(spring_forward: None, terminal: None) -> None:
    now = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 01:30 CST; 03:30 CDT is an hour away
    report = json.loads(run(["next", "--json"], now=now).stdout)
    assert report["request_id"] == "555402"
    assert report["starts_in_seconds"] == 3600
    assert report["starts"] == "in 1 h"
    shown = run(["next"], now=now)
    assert "Sun 08 Mar 2026, 03:30-04:00 CDT (in 1 h)" in shown.stdout
    day = run(["today"], now=now)
    assert "next, in 1 h" in row_of(day.stdout, "555402")
    assert day.stdout.splitlines()[-1] == "3 assignments, 3 on Zoom, next in 1 h"


def test_fall_back_day_is_25_hours(fall_back: None) -> None:
    now = datetime(2026, 11, 1, 5, 45, tzinfo=UTC)  # 00:45 CDT
    today = records(run(["today", "--json"], now=now))
    assert [(r["request_id"], r["start"], r["state"]) for r in today] == [
        ("555501", "2026-11-01T00:10:00-05:00", "ended"),
        ("555502", "2026-11-01T01:30:00-06:00", "next"),
        ("555503", "2026-11-01T23:30:00-06:00", "later"),
    ]


def test_fall_back_next_counts_real_time(fall_back: None) -> None:
    # 00:45 CDT to 01:30 CST: 45 minutes on the wall clock, 1 h 45 min in fact.
    now = datetime(2026, 11, 1, 5, 45, tzinfo=UTC)
    report = json.loads(run(["next", "--json"], now=now).stdout)
    assert report["request_id"] == "555502"
    assert report["starts_in_seconds"] == 6300
    assert report["starts"] == "in 1 h 45 min"


def test_a_time_range_across_the_change_names_both_zones(tmp_path: Path, terminal: None) -> None:
    # 01:45 CDT to 01:05 CST is 20 minutes; as bare wall times it would read backwards.
    path = write_feed(
        tmp_path / "maria.ics",
        timed("555505", datetime(2026, 11, 1, 6, 45, tzinfo=UTC), 20),
    )
    add_and_sync("maria", path, at(8, day=25, month=10))
    now = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    assert "01:45 CDT-01:05 CST" in row_of(run(["today"], now=now).stdout, "555505")
    assert "Sun 01 Nov 2026, 01:45 CDT-01:05 CST" in run(["next"], now=now).stdout


# --- next ---------------------------------------------------------------------------------------


def test_next_counts_a_running_assignment(maria: Path, terminal: None) -> None:
    now = at(9, 4)
    shown = run(["next"], now=now)
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "Now: Session 555101"
    assert lines[1] == "request 555101 · maria · Zoom"
    assert "Thu 03 Dec 2026, 09:00-10:00 CST (started 4 min ago)" in shown.stdout
    assert f"Join       {link('555101')}" in lines

    report = json.loads(run(["next", "--json"], now=now).stdout)
    assert (report["running"], report["starts_in_seconds"]) == (True, -240)


def test_next_wording_and_zoom_only(maria: Path) -> None:
    now = at(12, 25)  # 555102 over; on site at 13:30; Zoom at 16:00
    on_site = fields(run(["next"], now=now))
    assert (on_site["request_id"], on_site["starts"]) == ("555103", "in 1 h 05 min")
    zoom = fields(run(["next", "--zoom-only"], now=now))
    assert (zoom["request_id"], zoom["starts"]) == ("555104", "in 3 h 35 min")


def test_next_json_is_one_object(maria: Path) -> None:
    now = at(10, 35)
    result = run(["next", "--json"], now=now)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    listed = records(run(["assignments", "list", "--json"], now=now))[0]
    assert {k: report[k] for k in listed} == listed  # the listing's record, and more
    assert report["request_id"] == "555102"
    assert report["running"] is False
    assert report["starts_in_seconds"] == 25 * 60


def test_next_piped_is_field_tab_value(maria: Path) -> None:
    result = run(["next"], now=at(10, 35))
    assert result.stderr == ""
    assert fields(result) == {
        "request_id": "555102",
        "title": "Request #555102 - Session 555102",
        "user": "maria",
        "state": "next",
        "start": "2026-12-03T11:00:00-06:00",
        "end": "2026-12-03T12:00:00-06:00",
        "starts": "in 25 min",
        "zoom": "yes",
        "invite_link": link("555102"),
        "passcode": "",
        "location": link("555102"),
        "host_link_opens": "2026-12-03T10:45:00-06:00",
    }
    assert fields(run(["next"], now=at(9, 4)))["state"] == "running"


def test_next_with_nothing_in_14_days_is_exit_3(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "maria.ics", timed("555701", at(9, day=18)))
    add_and_sync("maria", path, at(7))
    for args in (["next"], ["next", "--json"], ["next", "--zoom-only"]):
        result = run(args, now=at(9))  # 15 days before it
        assert result.exit_code == 3, args
        assert result.stdout == "", args
        assert "ahead in the next 14 days" in result.stderr.splitlines()[0]
    assert run(["next"], now=at(9)).stderr.startswith(
        "error: no assignment ahead in the next 14 days"
    )
    # 13 days before it, it is next.
    assert fields(run(["next"], now=at(9, day=5)))["request_id"] == "555701"


def test_next_after_the_last_assignment_is_exit_3(maria: Path) -> None:
    result = run(["next"], now=at(17, 30))
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.startswith("error: no assignment ahead in the next 14 days\nhint: ")


def test_next_with_nothing_synced_is_exit_3() -> None:
    result = run(["next"], now=at(9))
    assert (result.exit_code, result.stdout) == (3, "")
    assert "no assignment ahead" in result.stderr


# --- whose day: `me`, --user, --all ------------------------------------------------------------


def users_of(result: Result) -> list[str]:
    return [r["user"] for r in records(result)]


def test_one_feed_and_no_me_is_that_users_day_ungrouped(maria: Path, terminal: None) -> None:
    shown = run(["today"], now=at(10, 35))
    lines = shown.stdout.splitlines()
    assert lines[0] == "Today, Thu 03 Dec 2026 (maria)"
    assert "maria" not in lines[1:]  # no group heading


def test_several_feeds_and_no_me_is_everyone_grouped_by_user(
    maria_and_li: None, terminal: None
) -> None:
    now = at(10, 35)
    # --json and piped lines keep start order, as `assignments list`; the table groups.
    assert sorted(users_of(run(["today", "--json"], now=now))) == ["li"] * 2 + ["maria"] * 4
    shown = run(["today"], now=now)
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "Today, Thu 03 Dec 2026"  # no user in the title
    assert lines.count("li") == 1
    assert lines.count("maria") == 1
    assert lines.index("li") < lines.index(row_of(shown.stdout, "555201"))
    assert lines.index("maria") < lines.index(row_of(shown.stdout, "555101"))
    assert lines.index(row_of(shown.stdout, "555202")) < lines.index("maria")
    assert lines[-1] == "6 assignments, 5 on Zoom, 1 running (ends in 25 min), next in 25 min"
    # `next` looks at everyone too: Li's running meeting comes first.
    assert json.loads(run(["next", "--json"], now=now).stdout)["request_id"] == "555201"


def test_today_for_several_named_users_shows_each_user_once(
    maria_and_li: None, terminal: None
) -> None:
    # Maria's and Li's days interleave in time; the table is grouped by user all the same.
    shown = run(["today", "--user", "maria", "--user", "li"], now=at(10, 35))
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines.count("maria") == 1, shown.stdout
    assert lines.count("li") == 1, shown.stdout


@pytest.mark.parametrize("how", ["config", "environment"])
def test_me_shows_only_that_users_day(
    maria_and_li: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "config":
        assert run(["config", "set", "me", "maria"]).exit_code == 0
    else:
        monkeypatch.setenv("USKED_ME", "maria")
    now = at(10, 35)
    assert users_of(run(["today", "--json"], now=now)) == ["maria"] * 4
    assert fields(run(["next"], now=now))["request_id"] == "555102"  # not Li's running one
    # --user and --all override it.
    assert users_of(run(["today", "--user", "li", "--json"], now=now)) == ["li", "li"]
    assert fields(run(["next", "--user", "li"], now=now))["request_id"] == "555201"
    assert sorted(set(users_of(run(["today", "--all", "--json"], now=now)))) == ["li", "maria"]
    assert fields(run(["next", "--all"], now=now))["request_id"] == "555201"


def test_me_on_the_terminal_names_the_user_in_the_title(maria_and_li: None, terminal: None) -> None:
    assert run(["config", "set", "me", "li"]).exit_code == 0
    shown = run(["today"], now=at(10, 35))
    assert shown.stdout.splitlines()[0] == "Today, Thu 03 Dec 2026 (li)"
    assert "555101" not in shown.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["today", "--user", "li", "--all"],
        ["next", "--user", "li", "--all"],
        ["join", "next", "--user", "li", "--all", "--print"],
    ],
)
def test_user_with_all_is_exit_2(maria_and_li: None, args: list[str]) -> None:
    result = run(args, now=at(10, 35))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--user and --all are alternatives" in result.stderr


@pytest.mark.parametrize(
    "args", [["today"], ["next"], ["today", "--json"], ["join", "next", "--print"]]
)
def test_me_naming_a_user_without_a_feed_is_exit_3(
    maria: Path, args: list[str], opened: list[str]
) -> None:
    assert run(["config", "set", "me", "bob"]).exit_code == 0
    result = run(args, now=at(10, 35))
    assert result.exit_code == 3
    assert result.stdout == ""
    error = result.stderr.splitlines()[0]
    assert "bob" in error
    assert "the `me` setting" in error
    assert "usked config set me" in result.stderr  # the hint says how to change it
    assert opened == []


def test_join_next_follows_me(maria_and_li: None, opened: list[str]) -> None:
    now = at(10, 35)  # Li's 555201 is running; Maria's 555102 starts at 11:00
    everyone = run(["join", "next", "--print"], now=now)
    assert (everyone.exit_code, everyone.stdout) == (0, link("555201") + "\n")
    assert run(["config", "set", "me", "maria"]).exit_code == 0
    mine = run(["join", "next", "--print"], now=now)
    assert (mine.exit_code, mine.stdout) == (0, link("555102") + "\n")
    every = run(["join", "next", "--all", "--print"], now=now)
    assert every.stdout == link("555201") + "\n"
    li = run(["join", "next", "--user", "li", "--print"], now=now)
    assert li.stdout == link("555201") + "\n"
    assert opened == []


# --- --ics ------------------------------------------------------------------------------------


def test_ics_reads_one_feed_without_a_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_feed(tmp_path / "maria.ics", *MARIA_DAY)
    # `me` names a user with no feed: --ics does not ask whose day it is.
    monkeypatch.setenv("USKED_ME", "bob")
    now = at(10, 35)
    today = run(["today", "--ics", str(path), "--json"], now=now)
    assert [(r["user"], r["request_id"], r["state"]) for r in records(today)] == [
        ("maria", "555101", "ended"),  # the user is the file's name
        ("maria", "555102", "next"),
        ("maria", "555103", "later"),
        ("maria", "555104", "later"),
    ]
    following = fields(run(["next", "--ics", str(path)], now=now))
    assert (following["request_id"], following["starts"]) == ("555102", "in 25 min")
    # Nothing was cached.
    assert json.loads(run(["feeds", "list", "--json"]).stdout) == []


@pytest.mark.parametrize("command", ["today", "next"])
def test_user_with_ics_is_exit_2(tmp_path: Path, command: str) -> None:
    path = write_feed(tmp_path / "maria.ics", *MARIA_DAY)
    result = run([command, "--ics", str(path), "--user", "maria"], now=at(10, 35))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--user and --ics are alternatives" in result.stderr


# --- next --wait --------------------------------------------------------------------------------


class VirtualClock:
    """A monotonic clock that only the fake sleep moves; every sleep is recorded."""

    def __init__(self, on_sleep: Callable[[int], None] | None = None) -> None:
        self.time = 5000.0  # any origin: only differences count
        self.sleeps: list[float] = []
        self._on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds
        if self._on_sleep is not None:
            self._on_sleep(len(self.sleeps))

    def seams(self) -> dict[str, Any]:
        """The AppContext fields a wait runs on."""
        return {"monotonic": self.monotonic, "sleep": self.sleep}


# An on-site assignment at 09:40 (never waited for), a Zoom meeting at 10:00, another on Sat.
WAIT_DAY = (
    timed("555601", at(9, 40), 10, where="Room 1"),
    timed("555602", at(10)),
    timed("555603", at(11, day=5)),
)


@pytest.fixture
def waiting(tmp_path: Path) -> VirtualClock:
    add_and_sync("maria", write_feed(tmp_path / "maria.ics", *WAIT_DAY), at(7))
    return VirtualClock()


def test_wait_sleeps_until_the_join_lead_then_prints(waiting: VirtualClock) -> None:
    result = run(["next", "--wait", "--print"], now=at(9, 30), **waiting.seams())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == link("555602") + "\n"
    # The default lead is 5 minutes: from 09:30 to 09:55.
    assert sum(waiting.sleeps) == pytest.approx(25 * 60)
    # Piped stderr: a line a minute, not a live line.
    assert "joining at 09:55, in 25 min (Ctrl-C stops): 555602 Session 555602" in result.stderr
    assert "in 1 min (Ctrl-C stops)" in result.stderr
    assert "\r" not in result.stderr


def test_wait_then_opens_the_browser(waiting: VirtualClock, opened: list[str]) -> None:
    result = run(["next", "--wait"], now=at(9, 30), **waiting.seams())
    assert result.exit_code == 0, result.stderr
    assert opened == [link("555602")]
    assert result.stdout == link("555602") + "\n"
    assert sum(waiting.sleeps) == pytest.approx(25 * 60)


def test_join_lead_setting_changes_the_wait(waiting: VirtualClock) -> None:
    assert run(["config", "set", "org.join_lead_minutes", "10"]).exit_code == 0
    result = run(["next", "--wait", "--print"], now=at(9, 30), **waiting.seams())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == link("555602") + "\n"
    assert sum(waiting.sleeps) == pytest.approx(20 * 60)
    assert "at 09:50, in 20 min" in result.stderr


@pytest.mark.parametrize("now", [at(9, 55), at(9, 57)], ids=["lead-starts", "inside-lead"])
def test_wait_inside_the_lead_window_joins_at_once(
    waiting: VirtualClock, opened: list[str], now: datetime
) -> None:
    result = run(["next", "--wait"], now=now, **waiting.seams())
    assert result.exit_code == 0, result.stderr
    assert waiting.sleeps == []
    assert opened == [link("555602")]


def test_wait_during_a_meeting_waits_for_the_next_one(waiting: VirtualClock) -> None:
    # 10:10: 555602 runs (the one you are in, or `join next` opens it); --wait looks past it to
    # Saturday's, which is more than 24 h away.
    result = run(["next", "--wait", "--print"], now=at(10, 10), **waiting.seams())
    assert result.exit_code == 4, result.stderr
    assert "555603" in result.stderr
    assert waiting.sleeps == []


def test_wait_skips_a_meeting_that_is_not_on_zoom(waiting: VirtualClock) -> None:
    # At 09:35 the on-site 09:40 is the next assignment; --wait waits for the Zoom one.
    result = run(["next", "--wait", "--print"], now=at(9, 35), **waiting.seams())
    assert result.stdout == link("555602") + "\n"
    assert sum(waiting.sleeps) == pytest.approx(20 * 60)


def test_wait_more_than_24_h_is_refused(waiting: VirtualClock, opened: list[str]) -> None:
    # Fri 10:00: Saturday's 11:00 meeting is joined at 10:55, 24 h 55 min away.
    result = run(["next", "--wait"], now=at(10, day=4), **waiting.seams())
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "--wait waits up to 24 h" in result.stderr
    hint = result.stderr.splitlines()[-1]
    assert hint.startswith("hint: ")
    assert "usked join 555603" in hint
    assert waiting.sleeps == []
    assert opened == []


def test_wait_with_no_zoom_meeting_ahead_is_exit_3_at_once(waiting: VirtualClock) -> None:
    result = run(["next", "--wait", "--print"], now=at(12, day=5), **waiting.seams())
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "no Zoom assignment ahead in the next 14 days" in result.stderr
    assert waiting.sleeps == []


def test_print_without_wait_is_exit_2(waiting: VirtualClock) -> None:
    result = run(["next", "--print"], now=at(9, 30), **waiting.seams())
    assert (result.exit_code, result.stdout) == (2, "")
    assert "--print goes with --wait" in result.stderr


def test_wait_with_json_is_exit_2(waiting: VirtualClock) -> None:
    result = run(["next", "--wait", "--json"], now=at(9, 30), **waiting.seams())
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--wait and --json are alternatives" in result.stderr
    assert waiting.sleeps == []


def test_ctrl_c_while_waiting_is_130(waiting: VirtualClock, opened: list[str]) -> None:
    async def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    result = run(["next", "--wait"], now=at(9, 30), monotonic=waiting.monotonic, sleep=interrupted)
    assert result.exit_code == 130
    assert result.stdout == ""
    assert "interrupted" in result.stderr
    assert "Traceback" not in result.stderr
    assert opened == []


def test_wait_looks_again_on_waking(tmp_path: Path) -> None:
    # The meeting moves from 10:00 to 10:30 while waiting (--ics reads the file at each look).
    path = write_feed(tmp_path / "maria.ics", timed("555901", at(10)))

    def move(sleeps: int) -> None:
        if sleeps == 1:
            write_feed(path, timed("555901", at(10, 30)))

    clock = VirtualClock(on_sleep=move)
    result = run(["next", "--wait", "--print", "--ics", str(path)], now=at(9, 30), **clock.seams())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == link("555901") + "\n"
    # Until 09:55 as first said, then on to 10:25.
    assert sum(clock.sleeps) == pytest.approx(55 * 60)
    assert "at 10:25, in 30 min" in result.stderr


# --- review of issue 15 --------------------------------------------------------------------------


def test_the_live_countdown_is_one_line_cut_to_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long title would wrap, and `\r` goes back to the start of the last wrapped line only:
    # the terminal would fill with copies. Each redraw fits the width instead.
    long_title = "Spanish Interpreting - Medical Appointment at Springfield General Hospital"
    path = write_feed(tmp_path / "maria.ics", timed("555701", at(10), title=long_title))
    add_and_sync("maria", path, at(7))
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", "60")
    clock = VirtualClock()
    result = run(["next", "--wait", "--print"], now=at(9, 53), **clock.seams())
    assert result.exit_code == 0, result.stderr
    redraws = [part.removesuffix("\x1b[K") for part in result.stderr.split("\r") if part]
    assert len(redraws) >= 2  # a live line: redrawn every second
    assert all(len(text) <= 57 and "\n" not in text for text in redraws), redraws
    assert redraws[0].startswith("joining at 09:55, in 2 min")
    assert result.stderr.endswith("\r\x1b[K")  # cleared before the link is printed


def test_a_wait_wakes_on_time_after_the_machine_slept(waiting: VirtualClock) -> None:
    # The monotonic clock stops while the machine is suspended; the wall clock does not. After
    # an hour asleep the meeting has started: the wait ends at the next tick, and joins it.
    wall = [at(9, 0)]

    async def sleep(seconds: float) -> None:
        waiting.sleeps.append(seconds)
        waiting.time += seconds
        wall[0] = at(10, 1) if len(waiting.sleeps) == 1 else wall[0] + timedelta(seconds=seconds)

    from typer.testing import CliRunner

    from usked_cli.cli.app import app
    from usked_cli.cli.context import AppContext

    context = AppContext(monotonic=waiting.monotonic, sleep=sleep)
    context.now = lambda: wall[0]
    result = CliRunner().invoke(app, ["next", "--wait", "--print"], obj=context)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == link("555602") + "\n"
    assert len(waiting.sleeps) == 1  # woke past the join time: no second sleep


def test_ends_in_counts_real_time_for_a_feed_in_the_display_zone(
    tmp_path: Path, terminal: None
) -> None:
    # Read with --ics, the event keeps the feed's own zone object, the display zone: two times
    # of one zone subtract as wall times, 02:30 CST - 01:30 CDT = 1 h. Two hours pass in fact.
    event = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:day-555801@test",
            "DTSTAMP:20260101T000000Z",
            "DTSTART;TZID=America/Chicago:20261101T003000",
            "DTEND;TZID=America/Chicago:20261101T023000",
            "SUMMARY:Request #555801 - Across the change",
            f"LOCATION:{link('555801')}",
            "END:VEVENT",
        ]
    )
    path = write_feed(tmp_path / "maria.ics", event)
    shown = run(["today", "--ics", str(path)], now=datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    assert shown.exit_code == 0, shown.stderr
    assert "now, ends in 2 h" in row_of(shown.stdout, "555801")
    assert shown.stdout.splitlines()[-1].endswith("1 running (ends in 2 h)")
