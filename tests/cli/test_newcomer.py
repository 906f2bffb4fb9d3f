"""A newcomer's first ten minutes (issue 13): the sample feed without syncing, hints that lead
somewhere, WHEN with a time, errors that echo what was typed, and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from tests.cli.helpers import run
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import FakeMeeting, FakeUser
from usked_cli.cli import completion
from usked_cli.cli.app import app
from usked_cli.cli.context import AppContext

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 09:00 in Chicago
MONDAY_0850 = datetime(2026, 11, 30, 14, 50, tzinfo=UTC)  # 104233's host link opened at 08:45
LINK_104233 = "https://us02web.zoom.us/j/85512345678?pwd=SGVsbG9Xb3JsZDEyMzQ1Ng.1"
MEETING_ID = 85512345678
FEED_URL = "https://acme.usked.example/ical/7f3a9c2e/maria.ics"


@pytest.fixture
def synced() -> None:
    assert run(["feeds", "add", "maria", str(SAMPLE)]).exit_code == 0
    result = run(["sync"], now=NOW)
    assert result.exit_code == 0, result.stderr


def nothing_cached() -> bool:
    feeds = json.loads(run(["feeds", "list", "--json"]).stdout)
    listed = json.loads(run(["assignments", "list", "--json"], now=NOW).stdout)
    return feeds == [] and listed == []


# --- show / invite / host-link with --ics ----------------------------------------------------


def test_show_ics_json_without_a_synced_feed() -> None:
    result = run(["assignments", "show", "104233", "--ics", str(SAMPLE), "--json"], now=NOW)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["request_id"] == "104233"
    assert report["invite_link"] == LINK_104233
    assert report["passcode"] == "482913"
    assert report["meeting_id"] == str(MEETING_ID)
    assert report["next"]["start"] == "2026-11-27T09:00:00-06:00"
    assert report["occurrences"][1]["start"] == "2026-11-30T09:00:00-06:00"
    assert nothing_cached()


def test_show_ics_piped_is_field_lines() -> None:
    result = run(["assignments", "show", "#104233", "--ics", str(SAMPLE)], now=NOW)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "request_id\t104233"
    assert f"invite_link\t{LINK_104233}" in lines
    assert "passcode\t482913" in lines
    occurrences = [line for line in lines if line.startswith("occurrence\t")]
    assert len(occurrences) == 10  # the next 10; --all for every one
    assert occurrences[0] == (
        "occurrence\t2026-11-27T09:00:00-06:00\t2026-11-27T10:00:00-06:00\tsample-feed"
    )


def test_show_ics_block_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    result = run(["assignments", "show", "104233", "--ics", str(SAMPLE)], now=NOW)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Spanish Interpreting - Medical Appointment"  # no "Request #104233 - "
    assert "Zoom meeting 855 1234 5678" in lines[1]
    assert any(line.split() == ["Join", LINK_104233] for line in lines)
    assert any(line.split() == ["Passcode", "482913"] for line in lines)
    assert "Next occurrences (10 of" in result.stdout


def test_invite_ics_prints_only_the_link() -> None:
    result = run(["invite", "104233", "--ics", str(SAMPLE)], now=NOW)
    assert (result.exit_code, result.stdout, result.stderr) == (0, LINK_104233 + "\n", "")
    on_site = run(["invite", "104240", "--ics", str(SAMPLE)], now=NOW)
    assert on_site.exit_code == 3
    assert "not a Zoom meeting" in on_site.stderr
    assert nothing_cached()


def test_host_link_ics_without_a_synced_feed(zoom: ZoomKit) -> None:
    host = zoom.fake.add_user("host-a@acme.org", "Acme Corp Host", "A")
    meeting: FakeMeeting = zoom.fake.add_meeting(
        host, "Spanish Interpreting", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), id=MEETING_ID
    )
    result = zoom.run(["host-link", "104233", "--ics", str(SAMPLE)], now=MONDAY_0850)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == meeting.start_url + "\n"
    closed = zoom.run(["host-link", "104233", "--ics", str(SAMPLE)], now=NOW)
    assert closed.exit_code == 0  # Friday 09:00: that occurrence's window is open too
    early = zoom.run(
        ["host-link", "104233", "--ics", str(SAMPLE)],
        now=datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
    )
    assert early.exit_code == 4
    assert "opens at 08:45" in early.stderr
    assert nothing_cached()


@pytest.mark.parametrize("command", [["assignments", "show"], ["invite"], ["host-link"], ["join"]])
def test_unknown_request_in_ics_is_exit_3_with_a_hint(command: list[str]) -> None:
    result = run([*command, "999999", "--ics", str(SAMPLE)], now=NOW)
    assert result.exit_code == 3
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error.startswith("error: no assignment with request id 999999")
    assert hint.startswith("hint: ")
    assert f"--ics {SAMPLE}" in hint


def test_unknown_request_in_an_ics_url_keeps_the_token_off_stderr() -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=SAMPLE.read_bytes())
    )
    result = run(
        ["assignments", "show", "999999", "--ics", FEED_URL], now=NOW, feed_transport=transport
    )
    assert result.exit_code == 3
    assert "acme.usked.example" in result.stderr
    assert "7f3a9c2e" not in result.stderr


# --- "no such request": a hint that leads somewhere ------------------------------------------


@pytest.mark.parametrize("command", [["assignments", "show"], ["invite"], ["host-link"], ["join"]])
def test_no_such_request_without_a_feed_names_feeds_add(command: list[str]) -> None:
    result = run([*command, "104233"], now=NOW)
    assert result.exit_code == 3
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error == "error: no assignment with request id 104233 in the synced feeds"
    assert "usked feeds add" in hint
    assert "--ics" in hint  # the sample can be read without adding a feed


def test_no_such_request_with_a_feed_does_not_name_feeds_add(synced: None) -> None:
    result = run(["assignments", "show", "999999"], now=NOW)
    assert result.exit_code == 3
    assert "usked feeds add" not in result.stderr
    assert "usked sync" in result.stderr


# --- --at needs a time -----------------------------------------------------------------------


@pytest.fixture
def pool(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeUser, FakeUser]:
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "10")
    a = zoom.fake.add_user("host-a@acme.org", "Acme Corp Host", "A")
    b = zoom.fake.add_user("host-b@acme.org", "Acme Corp Host", "B")
    return a, b


@pytest.mark.parametrize("day", ["2026-12-03", "tomorrow", "mon", "Friday", "+1d", "+1w"])
def test_free_at_a_bare_day_is_refused_with_a_hint(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser], day: str
) -> None:
    result = zoom.run(["admin", "zoom-users", "free", "--at", day, "--duration", "60"])
    assert result.exit_code == 2
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error == f"error: --at {day!r} names a day, not a time (its midnight is rarely meant)"
    assert hint == f"hint: give the time too: --at '{day} 09:30'"
    assert zoom.fake.requests == []  # refused before Zoom is asked


@pytest.mark.parametrize(
    ("at", "slot"),
    [
        # Now: Mon 2 Mar 2026, 09:00 in Chicago.
        ("tomorrow 15:30", "Tue 03 Mar 15:30-16:30 CST"),
        ("2026-12-03 15:30", "Thu 03 Dec 15:30-16:30 CST"),
        ("mon 9:00", "Mon 02 Mar 09:00-10:00 CST"),
        ("today 14h", "Mon 02 Mar 14:00-15:00 CST"),
    ],
)
def test_free_at_a_day_with_a_time_is_accepted(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser], at: str, slot: str
) -> None:
    result = zoom.run(["admin", "zoom-users", "free", "--at", at, "--duration", "60", "--json"])
    assert result.exit_code == 0, result.stderr
    assert [user["email"] for user in json.loads(result.stdout)] == [
        "host-a@acme.org",
        "host-b@acme.org",
    ]
    assert f"2 of 2 host users free {slot} (padding 10 min)" in result.stderr


def test_free_at_with_a_time_sees_the_meeting_then(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]
) -> None:
    a, _ = pool
    zoom.fake.add_meeting(a, "Tuesday afternoon", datetime(2026, 3, 3, 21, 0, tzinfo=UTC), 60)
    busy = zoom.run(
        ["admin", "zoom-users", "free", "--at", "tomorrow 15:30", "--duration", "60", "--json"]
    )
    assert [user["email"] for user in json.loads(busy.stdout)] == ["host-b@acme.org"]
    morning = zoom.run(
        ["admin", "zoom-users", "free", "--at", "tomorrow 9:00", "--duration", "60", "--json"]
    )
    assert len(json.loads(morning.stdout)) == 2


# --- --to before --from: the phrases as typed, and as read ---------------------------------


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            ["--from", "2026-12-05", "--to", "2026-12-01"],
            "--to '2026-12-01' (the end of Tue 01 Dec 2026) is not after "
            "--from '2026-12-05' (Sat 05 Dec 2026 00:00)",
        ),
        (
            ["--from", "today", "--to", "yesterday"],
            "--to 'yesterday' (the end of Thu 26 Nov 2026) is not after "
            "--from 'today' (Fri 27 Nov 2026 00:00)",
        ),
        (
            ["--from", "tomorrow 15:30", "--to", "tomorrow 9:00"],
            "--to 'tomorrow 9:00' (Sat 28 Nov 2026 09:00) is not after "
            "--from 'tomorrow 15:30' (Sat 28 Nov 2026 15:30)",
        ),
        (
            ["--from", "friday 2pm", "--to", "+1h"],
            "--to '+1h' (Fri 27 Nov 2026 10:00) is not after "
            "--from 'friday 2pm' (Fri 27 Nov 2026 14:00)",
        ),
    ],
)
def test_reversed_window_echoes_the_phrases(synced: None, window: list[str], message: str) -> None:
    result = run(["assignments", "list", *window], now=NOW)
    assert result.exit_code == 2
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error == f"error: {message}"
    assert hint.startswith("hint: --to takes a later day or time")


def test_to_yesterday_means_the_end_of_yesterday(synced: None) -> None:
    # Thursday 26 Nov 13:30-15:00 (104240) is listed up to the end of yesterday.
    result = run(["assignments", "list", "--from", "-1d", "--to", "yesterday", "--json"], now=NOW)
    assert result.exit_code == 0, result.stderr
    assert [r["request_id"] for r in json.loads(result.stdout)] == ["104240"]


# --- shell completion ------------------------------------------------------------------------


def completion_context(now: datetime = NOW) -> typer.Context:
    command = typer.main.get_command(app)
    return typer.Context(command, obj=AppContext(now=lambda: now))


def test_request_ids_complete_with_titles(synced: None) -> None:
    found = completion.request_ids(completion_context(), "1042")
    assert found == [
        ("104262", "Request #104262 - Document Translation Due"),
        ("104233", "Request #104233 - Spanish Interpreting - Medical Appointment"),
        ("104240", "Request #104240 - ASL Interpreting - Parent Conference"),
        ("104251", "Request #104251 - Vietnamese Interpreting - Legal Consultation"),
    ]  # the soonest first, from the app's clock (Friday 27 Nov: the all-day one is today)
    assert [rid for rid, _ in completion.request_ids(completion_context(), "#10425")] == ["104251"]
    assert completion.request_ids(completion_context(), "9") == []


def test_request_ids_follow_the_app_clock(tmp_path: Path) -> None:
    one_off = tmp_path / "once.ics"
    one_off.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:once\r\n"
        b"DTSTAMP:20261101T000000Z\r\nDTSTART:20261128T150000Z\r\nDTEND:20261128T160000Z\r\n"
        b"SUMMARY:Request #700001 - Once\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert run(["feeds", "add", "joe", str(one_off)]).exit_code == 0
    assert run(["sync"], now=NOW).exit_code == 0
    before = completion.request_ids(completion_context(NOW), "")
    assert before == [("700001", "Request #700001 - Once")]
    after = completion.request_ids(completion_context(datetime(2026, 11, 29, tzinfo=UTC)), "")
    assert after == []  # it ended on the 28th


def test_join_completes_next_first(synced: None) -> None:
    found = completion.request_ids_or_next(completion_context(), "")
    assert found[0] == ("next", "the next Zoom assignment")
    assert [rid for rid, _ in found[1:]] == ["104262", "104233", "104240", "104251"]
    assert completion.request_ids_or_next(completion_context(), "ne") == [found[0]]


def test_users_complete_from_the_workspace(synced: None, tmp_path: Path) -> None:
    assert completion.users(completion_context(), "") == ["maria"]
    assert completion.users(completion_context(), "ma") == ["maria"]
    assert completion.users(completion_context(), "jo") == []


def test_config_keys_complete_once_each(synced: None) -> None:
    keys = completion.config_keys(completion_context(), "")
    assert len(keys) == len(set(keys))
    assert {"org.padding_minutes", "timezone", "zoom.client_secret", "feeds.maria"} <= set(keys)
    assert "zoom.rate_limits.light" in keys
    assert not any("<" in key for key in keys)  # no placeholder the shell would insert as is
    assert completion.config_keys(completion_context(), "org.pad") == ["org.padding_minutes"]
    assert completion.config_keys(completion_context(), "zoom.rate_l") == [
        "zoom.rate_limits.heavy",
        "zoom.rate_limits.light",
        "zoom.rate_limits.medium",
    ]


def test_completion_of_a_broken_workspace_is_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_DATA_DIR", "/dev/null/not-a-dir")
    assert completion.request_ids(completion_context(), "") == []
    assert completion.users(completion_context(), "") == []


def complete(words: str, shell: str = "bash", **env: str) -> tuple[int, str]:
    """Ask for completions through Click's protocol, in-process, with the app's clock frozen."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = CliRunner().invoke(
        app,
        [],
        prog_name="usked",
        obj=AppContext(now=lambda: NOW),
        env={
            "_USKED_COMPLETE": f"complete_{shell}",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
            "_TYPER_COMPLETE_ARGS": words,
            **env,
        },
    )
    return result.exit_code, result.stdout


def test_completion_protocol_bash_in_process(synced: None) -> None:
    code, out = complete("usked assignments show 10423")
    assert (code, out.split()) == (0, ["104233"])
    code, out = complete("usked join ")
    assert out.split() == ["next", "104262", "104233", "104240", "104251"]
    code, out = complete("usked sync m")
    assert out.split() == ["maria"]
    code, out = complete("usked config set org.p")
    assert out.split() == ["org.padding_minutes"]


def test_completion_protocol_zsh_carries_titles(synced: None) -> None:
    code, out = complete("usked invite 10423", shell="zsh")
    assert code == 0
    assert '"104233":"Request #104233 - Spanish Interpreting - Medical Appointment"' in out


def test_installed_script_completes_a_request_id(isolation: Path) -> None:
    # Synced with the real clock: the subprocess completes against the real clock too.
    assert run(["feeds", "add", "maria", str(SAMPLE)]).exit_code == 0
    assert run(["sync"]).exit_code == 0
    script = Path(sys.executable).with_name("usked")
    if not script.exists():
        pytest.fail(f"the console script is not installed beside {sys.executable}")
    result = subprocess.run(
        [str(script)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "_USKED_COMPLETE": "complete_bash",
            "COMP_WORDS": "usked assignments show 10425",
            "COMP_CWORD": "3",
        },
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["104251"]
    assert result.stderr == ""
