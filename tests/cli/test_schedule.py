"""`usked admin schedule` against the fake Zoom: the day's model in JSON, TSV and on a terminal,
the join with a synced feed's request ids, the requests it sends, and agreement with
`admin conflicts` and `zoom-users free`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import run
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import FakeUser

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 1 Dec 2026, 09:00 in Chicago
SGR = re.compile(r"\x1b\[[0-9;]*m")


def wed(hour: int, minute: int = 0) -> datetime:
    """Wednesday 2 December 2026 in Chicago (CST, UTC-6), as UTC."""
    return datetime(2026, 12, 2, hour + 6, minute, tzinfo=UTC)


@pytest.fixture
def pool(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeUser]:
    """Wednesday's pool. A: the feed's request 104233 (a recurring meeting, Mon/Wed/Fri 09:00),
    a meeting 5 minutes after it (padding 10 broken), a webinar. B: two overlapping meetings
    and request 104251's meeting at 16:00. C: nothing. Maria is not in the pool."""
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "10")
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    zoom.now = NOW
    zoom.fake.scopes.add("webinar:read:admin")
    a = zoom.fake.add_user("host-a@acme.org", "Acme Corp Host", "A")
    b = zoom.fake.add_user("host-b@acme.org", "Acme Corp Host", "B")
    c = zoom.fake.add_user("host-c@acme.org", "Acme Corp Host", "C")
    maria = zoom.fake.add_user("maria@acme.org", "Maria", "Lopez")
    zoom.fake.add_meeting(
        a,
        "Spanish Interpreting",
        None,
        60,
        type=8,
        occurrences=[wed(9) - timedelta(days=2), wed(9), wed(9) + timedelta(days=2)],
        id=85512345678,
    )
    zoom.fake.add_meeting(a, "Follow-up", wed(10, 5), 55, id=81000000001)
    zoom.fake.add_meeting(a, "Board briefing", wed(13), 60, webinar=True, id=89000000001)
    zoom.fake.add_meeting(b, "Court hearing", wed(9), 60, id=82000000001)
    zoom.fake.add_meeting(b, "Deposition", wed(9, 30), 60, id=82000000002)
    zoom.fake.add_meeting(b, "Legal Consultation", wed(16), 60, id=91234567890)
    zoom.fake.add_meeting(b, "Thursday thing", wed(9) + timedelta(days=1), 60, id=82000000003)
    zoom.fake.add_meeting(maria, "Not in the pool", wed(9), 60)
    assert run(["feeds", "add", "maria", str(SAMPLE)]).exit_code == 0
    assert run(["sync"], now=NOW).exit_code == 0
    return {"a": a, "b": b, "c": c}


def schedule_json(zoom: ZoomKit, *args: str) -> Any:
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02", "--json", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_is_the_day_of_every_host_user(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    day = schedule_json(zoom)
    assert (day["day"], day["timezone"], day["padding_minutes"]) == (
        "2026-12-02",
        "America/Chicago",
        10,
    )
    assert [h["email"] for h in day["hosts"]] == [
        "host-a@acme.org",
        "host-b@acme.org",
        "host-c@acme.org",
    ]
    a, b, c = day["hosts"]
    assert a["name"] == "Acme Corp Host A"
    assert [
        (m["id"], m["kind"], m["request_id"], m["start"], m["end"], m["state"])
        for m in a["meetings"]
    ] == [
        (
            "85512345678",
            "meeting",
            "104233",  # the feed's invite link carries this recurring meeting's id
            "2026-12-02T09:00:00-06:00",
            "2026-12-02T10:00:00-06:00",
            "padding",
        ),
        (
            "81000000001",
            "meeting",
            None,
            "2026-12-02T10:05:00-06:00",
            "2026-12-02T11:00:00-06:00",
            "padding",
        ),
        (
            "89000000001",
            "webinar",
            None,
            "2026-12-02T13:00:00-06:00",
            "2026-12-02T14:00:00-06:00",
            "ok",
        ),
    ]
    assert a["meetings"][0]["occurrence_id"] is not None  # an occurrence, not the series
    assert [(m["topic"], m["state"], m["request_id"]) for m in b["meetings"]] == [
        ("Court hearing", "overlap", None),
        ("Deposition", "overlap", None),
        ("Legal Consultation", "ok", "104251"),
    ]
    assert c["meetings"] == []
    assert c["free"] == [{"start": "2026-12-02T00:00:00-06:00", "end": "2026-12-03T01:00:00-06:00"}]
    assert a["free"] == [
        {"start": "2026-12-02T00:00:00-06:00", "end": "2026-12-02T08:50:00-06:00"},
        {"start": "2026-12-02T11:10:00-06:00", "end": "2026-12-02T12:50:00-06:00"},
        {"start": "2026-12-02T14:10:00-06:00", "end": "2026-12-03T01:00:00-06:00"},
    ]
    assert (a["licensed"], c["licensed"]) == (True, True)


def test_days_gives_an_array_one_object_a_day(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    days = schedule_json(zoom, "--days", "2")
    assert [d["day"] for d in days] == ["2026-12-02", "2026-12-03"]
    thursday_b = days[1]["hosts"][1]
    assert [m["topic"] for m in thursday_b["meetings"]] == ["Thursday thing"]
    assert schedule_json(zoom, "--days", "1")[0]["day"] == "2026-12-02"  # asked: an array


def test_one_fetch_one_list_per_host_user_one_detail_per_recurring_meeting(
    zoom: ZoomKit, pool: dict[str, FakeUser]
) -> None:
    zoom.fake.requests.clear()
    schedule_json(zoom, "--days", "3")
    paths = [r.path.removeprefix("/v2") for r in zoom.fake.api_requests("GET")]
    assert len(paths) == len(set(paths))  # nothing asked twice within the command
    meeting_lists = [p for p in paths if p.endswith("/meetings") and p.startswith("/users/")]
    webinar_lists = [p for p in paths if p.endswith("/webinars")]
    details = [p for p in paths if p.startswith(("/meetings/", "/webinars/"))]
    assert len(meeting_lists) == len(webinar_lists) == 3  # the pool, not Maria
    assert details == ["/meetings/85512345678"]  # the only recurring one


def test_piped_output_is_tsv_one_line_a_meeting(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    result = zoom.run(["admin", "schedule", "--day", "wed"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "host-a@acme.org\t2026-12-02T09:00:00-06:00\t2026-12-02T10:00:00-06:00\t"
        "85512345678\t104233\tpadding"
    )
    assert len(lines) == 6
    assert all(len(line.split("\t")) == 6 for line in lines)
    assert "host-b@acme.org\t2026-12-02T09:30:00-06:00" in result.stdout
    assert "free all day: host-c@acme.org" in result.stderr
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize("width", [80, 160])
def test_terminal_picture_fits_and_says_it_all(
    zoom: ZoomKit, pool: dict[str, FakeUser], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Wed 2 Dec 2026 · America/Chicago · padding 10 min · 3 host users"
    assert all(len(line) <= width for line in lines)
    rows = {line.split(" ")[3]: line for line in lines if line.startswith("Acme Corp Host")}
    assert set(rows) == {"A", "B"}
    assert {"▓", "█"} <= set(rows["A"])  # padding broken, then the webinar
    assert {"▓", "░", "─"} <= set(rows["B"])
    assert lines[-1] == "free all day: Acme Corp Host C"
    if width == 160:
        assert "104233" in rows["A"]
        assert "104251" in rows["B"]


def test_colour_on_a_terminal_only_where_allowed(
    zoom: ZoomKit, pool: dict[str, FakeUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = zoom.run(["admin", "schedule", "--day", "2026-12-02"]).stdout
    assert "\x1b[31m" in coloured or "\x1b[1;37;41m" in coloured  # red for the broken rule
    monkeypatch.setenv("NO_COLOR", "1")
    plain = zoom.run(["admin", "schedule", "--day", "2026-12-02"]).stdout
    assert "\x1b[" not in plain
    assert SGR.sub("", coloured) == plain


def test_the_three_commands_agree(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    """Every meeting `conflicts` names is red on the schedule, and `free` finds a host user free
    at the start of each of the schedule's free stretches, and busy a minute before one."""
    day = schedule_json(zoom)
    conflicts = zoom.run(["admin", "conflicts", "--days", "3", "--json"], now=NOW)
    assert conflicts.exit_code == 1
    named = {
        (pair[which]["meeting_id"], pair[which]["start"])
        for pair in json.loads(conflicts.stdout)
        for which in ("first", "second")
    }
    red = {
        (m["id"], m["start"])
        for host in day["hosts"]
        for m in host["meetings"]
        if m["state"] != "ok"
    }
    assert named == red
    for host in day["hosts"][:2]:
        for stretch in host["free"][1:]:
            start = datetime.fromisoformat(stretch["start"])
            for at, expected in ((start, True), (start - timedelta(minutes=1), False)):
                free = zoom.run(
                    [
                        "admin", "zoom-users", "free", "--at", at.strftime("%Y-%m-%dT%H:%M"),
                        "--duration", "60", "--json",
                    ]
                )  # fmt: skip
                assert free.exit_code == 0, free.stderr
                emails = {u["email"] for u in json.loads(free.stdout)}
                assert (host["email"] in emails) is expected, (host["email"], at)


def test_a_past_day_keeps_meetings_that_ended(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    # Seen from Wednesday 12:00, the morning's meetings have ended; "upcoming" would drop them.
    result = zoom.run(["admin", "schedule", "--json"], now=datetime(2026, 12, 2, 18, 0, tzinfo=UTC))
    assert result.exit_code == 0, result.stderr
    day = json.loads(result.stdout)
    assert [m["topic"] for m in day["hosts"][1]["meetings"]][:2] == ["Court hearing", "Deposition"]
    lists = [r for r in zoom.fake.api_requests("GET") if r.path.endswith("/meetings")]
    assert {r.query.get("type") for r in lists} == {"scheduled"}
    zoom.fake.requests.clear()
    assert schedule_json(zoom)["day"] == "2026-12-02"  # seen from Tuesday: all ahead
    lists = [r for r in zoom.fake.api_requests("GET") if r.path.endswith("/meetings")]
    assert {r.query.get("type") for r in lists} == {"upcoming"}


def test_duration_narrows_the_free_stretches(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    a = schedule_json(zoom, "--duration", "2h")["hosts"][0]
    assert [s["start"] for s in a["free"]] == [
        "2026-12-02T00:00:00-06:00",
        "2026-12-02T14:10:00-06:00",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "someday"], "--day 'someday'"),
        (["--duration", "soon"], "--duration 'soon'"),
        (["--days", "15"], "--days"),
        (["--days", "0"], "--days"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    zoom: ZoomKit, pool: dict[str, FakeUser], args: list[str], message: str
) -> None:
    zoom.fake.requests.clear()
    result = zoom.run(["admin", "schedule", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert zoom.fake.requests == []


def test_no_pool_is_exit_2(zoom: ZoomKit) -> None:
    result = zoom.run(["admin", "schedule"])
    assert result.exit_code == 2
    assert "zoom.host_users" in result.stderr


def test_html_file_is_written_whole(
    zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path
) -> None:
    target = tmp_path / "day.html"
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02", "--html", str(target)])
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    assert text.startswith("<!DOCTYPE html>") or text.lower().startswith("<!doctype html>")
    assert "Acme Corp" in text
    assert "host-a@acme.org" in text
    assert f"wrote {target}" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["day.html"]  # no temporary file left
    assert oct(target.stat().st_mode & 0o777) != "0o600"  # a report, not a secret


def test_html_into_a_missing_folder_is_a_clear_error(
    zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path
) -> None:
    result = zoom.run(["admin", "schedule", "--html", str(tmp_path / "nowhere" / "day.html")])
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert "nowhere" in result.stderr


@pytest.mark.parametrize("width", [80, 160])
def test_terminal_snapshot(
    zoom: ZoomKit, pool: dict[str, FakeUser], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """The whole command's picture on a terminal without colour, as a snapshot
    (UPDATE_SNAPSHOTS=1 rewrites it)."""
    import os

    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02"])
    assert result.exit_code == 0, result.stderr
    path = Path(__file__).parents[1] / "drawing" / "snapshots" / f"cli-{width}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(result.stdout)
    assert result.stdout == path.read_text()


def test_two_meetings_at_once_where_the_plan_allows_them(
    zoom: ZoomKit, pool: dict[str, FakeUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__MAX_CONCURRENT_MEETINGS", "2")
    b = schedule_json(zoom)["hosts"][1]
    assert [m["state"] for m in b["meetings"]] == ["ok", "ok", "ok"]
    zoom.fake.add_meeting(pool["b"], "Third at once", wed(9, 40), 10)
    b = schedule_json(zoom)["hosts"][1]
    assert [(m["topic"], m["state"]) for m in b["meetings"]] == [
        ("Court hearing", "overlap"),
        ("Deposition", "overlap"),
        ("Third at once", "overlap"),
        ("Legal Consultation", "ok"),
    ]


def test_match_overrides_the_pool(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    day = schedule_json(zoom, "--match", "maria@*")
    assert [h["email"] for h in day["hosts"]] == ["maria@acme.org"]
    assert [m["topic"] for m in day["hosts"][0]["meetings"]] == ["Not in the pool"]


# --- found in review ---------------------------------------------------------------------------


@pytest.mark.parametrize("seen_at", [wed(8), wed(10, 30), wed(12)])
def test_todays_picture_keeps_the_occurrences_that_ended(
    zoom: ZoomKit, pool: dict[str, FakeUser], seen_at: datetime
) -> None:
    """Zoom leaves ended occurrences out of a recurring meeting's detail unless asked
    (show_previous_occurrences): the day must not change as it goes by."""
    zoom.clock.epoch = seen_at  # the fake's own clock: what it calls ended
    result = zoom.run(["admin", "schedule", "--json"], now=seen_at)
    assert result.exit_code == 0, result.stderr
    a = json.loads(result.stdout)["hosts"][0]
    assert [(m["topic"], m["state"], m["request_id"]) for m in a["meetings"]] == [
        ("Spanish Interpreting", "padding", "104233"),
        ("Follow-up", "padding", None),
        ("Board briefing", "ok", None),
    ]


def test_a_request_id_only_where_the_feed_has_the_occurrence(
    zoom: ZoomKit, pool: dict[str, FakeUser]
) -> None:
    """The feed has request 104251 on Wednesdays only; the Zoom series also meets on Thursday:
    Thursday's occurrence carries no request id, whatever --days says."""
    zoom.fake.add_meeting(
        pool["c"], "Series", None, 60, type=8,
        occurrences=[wed(16), wed(16) + timedelta(days=1)], id=91234567890,
    )  # fmt: skip
    for args in (["--day", "2026-12-02", "--days", "2"], ["--day", "2026-12-03", "--days", "1"]):
        result = zoom.run(["admin", "schedule", "--json", *args])
        thursday = json.loads(result.stdout)[-1]
        (series,) = thursday["hosts"][2]["meetings"]
        assert series["request_id"] is None, args


def test_free_stretches_run_to_the_ends_of_the_day(
    zoom: ZoomKit, pool: dict[str, FakeUser]
) -> None:
    """A stretch is not cut at the drawn hours: 14:10 onwards holds a meeting at 17:20, as
    `zoom-users free` says; it runs a meeting's length past midnight (one starting at 23:59
    still fits)."""
    a = schedule_json(zoom)["hosts"][0]
    assert a["free"][-1] == {
        "start": "2026-12-02T14:10:00-06:00",
        "end": "2026-12-03T01:00:00-06:00",
    }
    assert a["free"][0]["start"] == "2026-12-02T00:00:00-06:00"


def test_basic_users_are_never_free_all_day(
    zoom: ZoomKit, pool: dict[str, FakeUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    zoom.fake.add_user("host-d@acme.org", "Basic", "User", type=1)
    day = schedule_json(zoom)
    d = day["hosts"][3]
    assert (d["email"], d["licensed"], d["free"]) == ("host-d@acme.org", False, [])
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    lines = zoom.run(["admin", "schedule", "--day", "2026-12-02"]).stdout.splitlines()
    assert lines[-2:] == [
        "free all day: Acme Corp Host C",
        "nothing on, unlicensed (never free): Basic User",
    ]


def test_tsv_gives_a_meeting_over_midnight_once(zoom: ZoomKit, pool: dict[str, FakeUser]) -> None:
    zoom.fake.add_meeting(pool["c"], "Night", wed(17) + timedelta(hours=6), 120, id=83000000001)
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02", "--days", "2"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("83000000001") == 1


def test_html_to_stdout(zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path) -> None:
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02", "--html", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.lower().startswith("<!doctype html>")
    assert not (Path.cwd() / "-").exists()
    both = zoom.run(["admin", "schedule", "--html", "-", "--json"])
    assert both.exit_code == 2


def test_html_over_an_existing_file_keeps_its_mode_and_its_symlink(
    zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path
) -> None:
    target = tmp_path / "private.html"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "today.html"
    link.symlink_to(target)
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02", "--html", str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert "host-a@acme.org" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o600


def test_html_write_failure_is_one_clear_line(
    zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import usked_cli.files

    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(usked_cli.files, "write_text_atomic", full_disk)
    target = tmp_path / "day.html"
    result = zoom.run(["admin", "schedule", "--html", str(target)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: could not write {target}: No space left on device"


def test_users_fetched_at_once_follow_the_rate() -> None:
    from usked_cli.schedules import fetch_concurrency

    assert fetch_concurrency(20 * 0.8) == 16  # Pro, default share
    assert fetch_concurrency(60 * 0.8) == 48  # Business
    assert fetch_concurrency(2) == 8  # Free: never fewer than 8
    assert fetch_concurrency(1000) == 64


def test_a_users_meetings_and_webinars_are_listed_at_once(
    zoom: ZoomKit, pool: dict[str, FakeUser]
) -> None:
    """Two lists, one latency: with 200 ms a request, host A's two lists start together."""
    zoom.fake.latency = 0.2
    zoom.fake.requests.clear()
    schedule_json(zoom, "--match", "host-a@*")
    lists = {
        r.path.rsplit("/", 1)[-1]: r.at
        for r in zoom.fake.api_requests("GET")
        if r.path.endswith(("/meetings", "/webinars")) and r.path.startswith("/v2/users/")
    }
    assert set(lists) == {"meetings", "webinars"}
    assert abs(lists["meetings"] - lists["webinars"]) < 0.2


def test_progress_on_a_terminal_while_the_pool_is_read(
    zoom: ZoomKit, pool: dict[str, FakeUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    zoom.fake.latency = 0.4  # over half a second of (virtual) work
    result = zoom.run(["admin", "schedule", "--day", "2026-12-02"])
    assert result.exit_code == 0, result.stderr
    assert "reading host users' meetings" in result.stderr
    assert "reading host users" not in result.stdout


# --- found in the second review ----------------------------------------------------------------


def test_a_stretch_over_midnight_is_the_days_whose_start_it_holds(
    zoom: ZoomKit, pool: dict[str, FakeUser]
) -> None:
    """C is busy until 23:20 and from 01:10: a meeting at 23:30 fits (as `free` says), and
    Wednesday's stretch shows it, running past midnight."""
    zoom.fake.add_meeting(pool["c"], "Late", wed(17, 20), 360, id=83000000002)
    zoom.fake.add_meeting(pool["c"], "Early", wed(17) + timedelta(hours=8, minutes=10), 60)
    c = schedule_json(zoom)["hosts"][2]
    assert c["free"][-1] == {
        "start": "2026-12-02T23:30:00-06:00",
        "end": "2026-12-03T01:00:00-06:00",
    }
    free = zoom.run(
        ["admin", "zoom-users", "free", "--at", "2026-12-02T23:30", "--duration", "60", "--json"]
    )
    assert "host-c@acme.org" in {u["email"] for u in json.loads(free.stdout)}


def test_a_one_off_meeting_keeps_its_request_when_the_times_differ(
    zoom: ZoomKit, pool: dict[str, FakeUser]
) -> None:
    """104251's feed event is at 16:00; a one-off Zoom meeting with its id, moved to 14:30,
    still names the request (a recurring one's occurrences must match in time)."""
    zoom.fake.meetings[91234567890].start_time = wed(14, 30)
    b = schedule_json(zoom)["hosts"][1]
    assert [(m["id"], m["request_id"]) for m in b["meetings"]][-1] == ("91234567890", "104251")


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_html_to_stdout_names(
    zoom: ZoomKit, pool: dict[str, FakeUser], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "nobody-*@acme.org")
    result = zoom.run(["admin", "schedule", "--html", name])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.lower().startswith("<!doctype html>")
    assert "no active Zoom user matches the pool" in result.stderr


def test_html_to_a_file_named_dash(
    zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = zoom.run(["admin", "schedule", "--html", "./-"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "-").read_text().lower().startswith("<!doctype html>")


def test_html_refuses_what_it_cannot_replace_whole(
    zoom: ZoomKit, pool: dict[str, FakeUser], tmp_path: Path
) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    loop_a, loop_b = tmp_path / "a.html", tmp_path / "b.html"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    for target, message in ((fifo, "not a regular file"), (loop_a, "a symlink loop")):
        zoom.fake.requests.clear()
        result = zoom.run(["admin", "schedule", "--html", str(target)])
        assert result.exit_code == 2, result.stderr
        assert message in result.stderr
        assert "internal error" not in result.stderr
        assert zoom.fake.requests == []
    assert fifo.is_fifo()
