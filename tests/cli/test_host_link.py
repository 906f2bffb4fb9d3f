"""`usked host-link`: the lead-time window, --wait, the live-meeting guard, and no link on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import run
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import FakeMeeting, FakeRequest, Fault

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
MEETING_ID = 85512345678  # request 104233, Mon/Wed/Fri 09:00-10:00 Chicago
MONDAY_0850 = datetime(2026, 11, 30, 14, 50, tzinfo=UTC)  # lead 15 min: opened at 08:45
MONDAY_0800 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


DASHBOARD_SCOPES = ("dashboard_meetings:read:admin", "dashboard_webinars:read:admin")


@pytest.fixture
def meeting(zoom: ZoomKit) -> FakeMeeting:
    # A Business account whose app may read the Dashboard: the guard sees every kind of
    # session (the Pro account and the missing scopes have tests of their own below).
    zoom.fake.plan = "business"
    zoom.fake.scopes.update(DASHBOARD_SCOPES)
    assert run(["feeds", "add", "maria", str(SAMPLE)]).exit_code == 0
    assert run(["sync"], now=datetime(2026, 11, 27, 15, 0, tzinfo=UTC)).exit_code == 0
    host = zoom.fake.add_user("host-a@acme.org", "Acme Corp Host", "A")
    return zoom.fake.add_meeting(
        host, "Spanish Interpreting", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), id=MEETING_ID
    )


def test_open_window_prints_only_the_start_link(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == meeting.start_url + "\n"
    assert "zak=" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (MONDAY_0800, "Host link opens at 08:45 CST, in 45 min"),
        (datetime(2026, 11, 30, 14, 44, 30, tzinfo=UTC), "in less than a minute"),
        # At the end of Monday's occurrence, the next one (Wednesday) is the one that counts.
        (
            datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
            "opens at 08:45 CST on Wed 02 Dec, in 1 d 22 h",
        ),
    ],
)
def test_closed_window_is_exit_4_and_says_when(
    zoom: ZoomKit, meeting: FakeMeeting, now: datetime, expected: str
) -> None:
    result = zoom.run(["host-link", "104233"], now=now)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert expected in result.stderr
    assert zoom.fake.requests == []  # policy first: Zoom is not asked


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 30, 14, 45, tzinfo=UTC),  # exactly at opening
        datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC),  # one second before the end
    ],
)
def test_window_edges_are_open(zoom: ZoomKit, meeting: FakeMeeting, now: datetime) -> None:
    assert zoom.run(["host-link", "104233"], now=now).exit_code == 0


def test_json_report(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    result = zoom.run(["host-link", "#104233", "--json"], now=MONDAY_0850)
    assert json.loads(result.stdout) == {
        "request_id": "104233",
        "kind": "meeting",
        "meeting_id": str(MEETING_ID),
        "guard": {
            "checked": ["scheduled meetings", "instant and personal-room meetings", "webinars"],
            "unchecked": [],
        },
        "host_user": {"id": meeting.host_id, "email": "host-a@acme.org"},
        "start_url": meeting.start_url,
        "window_opens": "2026-11-30T08:45:00-06:00",
        "window_closes": "2026-11-30T10:00:00-06:00",
    }


def test_lead_time_setting_moves_the_window(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ORG__HOST_LINK_LEAD_MINUTES", "60")
    assert zoom.run(["host-link", "104233"], now=MONDAY_0800).exit_code == 0


def test_wait_counts_down_then_prints(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == meeting.start_url + "\n"
    assert "waiting for the host link window: opens at 08:45 CST, in 45 min" in result.stderr
    assert "in 1 min" in result.stderr
    assert "the host link window is open" in result.stderr


def test_wait_refuses_more_than_a_day(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    result = zoom.run(
        ["host-link", "104233", "--wait"], now=datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    )
    assert result.exit_code == 4
    assert "more than 24 h away" in result.stderr


def test_ctrl_c_while_waiting_is_130(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    async def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800, sleep=interrupted)
    assert result.exit_code == 130
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_live_meeting_on_the_host_user_is_refused_unless_forced(
    zoom: ZoomKit, meeting: FakeMeeting
) -> None:
    zoom.fake.add_meeting(
        meeting.host_id,
        "Legal Consultation (overrunning)",
        datetime(2026, 11, 30, 13, 30, tzinfo=UTC),
        status="started",
    )
    refused = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert refused.exit_code == 4
    assert refused.stdout == ""
    assert '"Legal Consultation (overrunning)"' in refused.stderr
    assert "since 07:30 CST" in refused.stderr
    assert "would offer to end it" in refused.stderr
    forced = zoom.run(["host-link", "104233", "--force"], now=MONDAY_0850)
    assert forced.exit_code == 0
    assert forced.stdout == meeting.start_url + "\n"
    assert "--force" in forced.stderr


def test_two_concurrent_meetings_allowed_on_business(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    zoom.fake.add_meeting(meeting.host_id, "Other", MONDAY_0800, status="started")
    monkeypatch.setenv("USKED_ZOOM__MAX_CONCURRENT_MEETINGS", "2")
    assert zoom.run(["host-link", "104233"], now=MONDAY_0850).exit_code == 0


def test_this_meeting_already_live_is_not_a_conflict(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    meeting.status = "started"
    assert zoom.run(["host-link", "104233"], now=MONDAY_0850).exit_code == 0


@pytest.mark.parametrize(
    ("request_id", "message"),
    [
        ("999999", "no assignment with request id 999999"),
        ("104240", "request 104240 is not a Zoom meeting"),
    ],
)
def test_unknown_or_not_zoom_is_exit_3(
    zoom: ZoomKit, meeting: FakeMeeting, request_id: str, message: str
) -> None:
    result = zoom.run(["host-link", request_id], now=MONDAY_0850)
    assert result.exit_code == 3
    assert message in result.stderr


def test_meeting_zoom_does_not_know_is_exit_3(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    del zoom.fake.meetings[MEETING_ID]
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 3
    assert f"Zoom meeting not found: {MEETING_ID} (code 3001)" in result.stderr


def test_open_hands_the_link_to_the_browser(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    result = zoom.run(["host-link", "104233", "--open"], now=MONDAY_0850)
    assert result.exit_code == 0
    assert opened == [meeting.start_url]
    assert result.stdout == ""


def test_start_link_is_never_written_to_disk(
    zoom: ZoomKit, meeting: FakeMeeting, isolation: Path
) -> None:
    for args in (["host-link", "104233"], ["-v", "host-link", "104233", "--json"]):
        result = zoom.run(args, now=MONDAY_0850)
        assert result.exit_code == 0
        assert meeting.start_url in result.stdout
        assert meeting.start_url not in result.stderr  # not even in --verbose lines
    zak = meeting.start_url.split("zak=", 1)[1]
    scanned = 0
    for path in isolation.rglob("*"):
        if path.is_file():
            scanned += 1
            data = path.read_bytes()
            assert meeting.start_url.encode() not in data, path
            assert zak.encode() not in data, path
    assert scanned >= 2  # the config's snapshot and the workspace, at least


# --- --wait checks Zoom first, fetches the link last ------------------------------------------


class Sleeper:
    """A sleep for --wait that records when it was called (and moves virtual time on)."""

    def __init__(self, zoom: ZoomKit, then: Callable[[], None] | None = None) -> None:
        self.zoom = zoom
        self.then = then
        self.requests_before: list[int] = []

    async def __call__(self, seconds: float) -> None:
        # The countdown's ticks, not the Zoom client's pacing between requests (under 1 s).
        if seconds >= 1:
            self.requests_before.append(len(self.zoom.fake.requests))
        if self.then is not None:
            self.then()
            self.then = None
        await self.zoom.clock.sleep(seconds)


def test_wait_checks_the_meeting_before_waiting_and_fetches_the_link_after(
    zoom: ZoomKit, meeting: FakeMeeting
) -> None:
    old_link = meeting.start_url

    def new_zak() -> None:
        meeting.zak = "zak-fresh-after-the-wait"

    sleeper = Sleeper(zoom, then=new_zak)
    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800, sleep=sleeper)
    assert result.exit_code == 0, result.stderr
    # The link printed is the one Zoom gave when the window opened, not the one checked before.
    assert result.stdout == meeting.start_url + "\n"
    assert "zak-fresh-after-the-wait" in result.stdout
    assert old_link not in result.stdout + result.stderr
    assert (
        f"meeting {MEETING_ID} is on Zoom, hosted by host-a@acme.org; "
        "its host link is fetched when the window opens"
    ) in result.stderr
    meeting_gets = [
        i
        for i, r in enumerate(zoom.fake.requests)
        if r.method == "GET" and r.path.endswith(f"/meetings/{MEETING_ID}")
    ]
    assert len(meeting_gets) == 2
    first_sleep, last_sleep = sleeper.requests_before[0], sleeper.requests_before[-1]
    assert meeting_gets[0] < first_sleep  # checked before waiting
    assert meeting_gets[1] >= last_sleep  # fetched when the window opened


def test_wait_fails_fast_on_a_meeting_zoom_does_not_know(
    zoom: ZoomKit, meeting: FakeMeeting
) -> None:
    del zoom.fake.meetings[MEETING_ID]
    sleeper = Sleeper(zoom)
    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800, sleep=sleeper)
    assert result.exit_code == 3
    assert f"Zoom meeting not found: {MEETING_ID} (code 3001)" in result.stderr
    assert "waiting for the host link window" not in result.stderr
    assert sleeper.requests_before == []  # never waited


def test_wait_fails_fast_on_wrong_credentials(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__CLIENT_SECRET", "not-the-secret-0123456789")
    sleeper = Sleeper(zoom)
    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800, sleep=sleeper)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "waiting for the host link window" not in result.stderr
    assert sleeper.requests_before == []
    assert zoom.fake.api_requests() == []  # no token: no API call either


def test_wait_with_missing_credentials_is_exit_2_before_waiting(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("USKED_ZOOM__CLIENT_SECRET")
    sleeper = Sleeper(zoom)
    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800, sleep=sleeper)
    assert result.exit_code == 2
    assert "zoom.client_secret" in result.stderr
    assert sleeper.requests_before == []


def test_start_link_from_a_wait_is_never_written_to_disk(
    zoom: ZoomKit, meeting: FakeMeeting, isolation: Path
) -> None:
    result = zoom.run(["-v", "host-link", "104233", "--wait"], now=MONDAY_0800)
    assert result.exit_code == 0, result.stderr
    assert meeting.start_url not in result.stderr
    zak = meeting.start_url.split("zak=", 1)[1]
    for path in isolation.rglob("*"):
        if path.is_file():
            assert zak.encode() not in path.read_bytes(), path


# --- the guard sees what Zoom can tell (issue 14) -----------------------------------------------
# Zoom's `GET /users/{id}/meetings?type=live` lists scheduled meetings only: an instant meeting
# (type 1) or a personal-room session (type 4) running on the host user is seen through the
# Dashboard alone, which answers on Business plans and up (tests/fakes/zoom.py, UNLISTED_TYPES,
# DASHBOARD_PLANS).


def _running(zoom: ZoomKit, meeting: FakeMeeting, type: int, topic: str) -> FakeMeeting:
    return zoom.fake.add_meeting(
        meeting.host_id, topic, datetime(2026, 11, 30, 14, 20, tzinfo=UTC), type=type,
        status="started",
    )  # fmt: skip


@pytest.mark.parametrize(("type", "topic"), [(1, "Instant huddle"), (4, "Personal room")])
def test_an_instant_or_personal_room_meeting_refuses_on_business(
    zoom: ZoomKit, meeting: FakeMeeting, type: int, topic: str
) -> None:
    _running(zoom, meeting, type, topic)
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 4, result.stderr
    assert result.stdout == ""
    assert f'"{topic}"' in result.stderr
    assert "would offer to end it" in result.stderr
    # One Dashboard call per command (it is limited per minute), for meetings and webinars.
    assert len(zoom.fake.api_requests("GET", "/v2/metrics/meetings")) == 1
    assert len(zoom.fake.api_requests("GET", "/v2/metrics/webinars")) == 1


def test_on_pro_an_instant_meeting_is_unseen_and_said_once(
    zoom: ZoomKit, meeting: FakeMeeting
) -> None:
    zoom.fake.plan = "pro"
    _running(zoom, meeting, 1, "Instant huddle")
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == meeting.start_url + "\n"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "instant and personal-room meetings or webinars" in warnings[0]
    assert "Business or higher" in warnings[0]  # Zoom's own reason
    report = json.loads(zoom.run(["host-link", "104233", "--json"], now=MONDAY_0850).stdout)
    assert report["guard"] == {
        "checked": ["scheduled meetings"],
        "unchecked": ["instant and personal-room meetings", "webinars"],
    }


def test_on_pro_a_strict_guard_refuses(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    zoom.fake.plan = "pro"
    monkeypatch.setenv("USKED_ZOOM__GUARD", "strict")
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "zoom.guard is strict" in result.stderr
    assert meeting.start_url not in result.stderr
    forced = zoom.run(["host-link", "104233", "--force"], now=MONDAY_0850)
    assert forced.exit_code == 0, forced.stderr


def test_without_the_dashboard_scopes_the_warning_names_them(
    zoom: ZoomKit, meeting: FakeMeeting
) -> None:
    zoom.fake.scopes.difference_update(DASHBOARD_SCOPES)
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 0, result.stderr
    assert "dashboard_meetings:read:admin and dashboard_webinars:read:admin" in result.stderr


def test_a_live_webinar_on_the_host_user_refuses_a_meeting(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A host never runs a meeting and a webinar at once, whatever max_concurrent_meetings says.
    monkeypatch.setenv("USKED_ZOOM__MAX_CONCURRENT_MEETINGS", "2")
    zoom.fake.add_meeting(meeting.host_id, "Town hall", MONDAY_0800, status="started", webinar=True)
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 4
    assert '"Town hall" (webinar ' in result.stderr


def test_a_webinar_request_gets_the_webinars_start_link(zoom: ZoomKit, tmp_path: Path) -> None:
    zoom.fake.plan = "business"
    zoom.fake.scopes.update({*DASHBOARD_SCOPES, "webinar:read:admin"})
    host = zoom.fake.add_user("host-b@acme.org", "Acme Corp Host", "B")
    webinar = zoom.fake.add_meeting(
        host, "Town hall", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), webinar=True
    )
    path = tmp_path / "webinar.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:w-1@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261130T150000Z\r\n"
        "DTEND:20261130T160000Z\r\nSUMMARY:Request #555900 - Town hall\r\n"
        f"LOCATION:{webinar.join_url}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert "/w/" in webinar.join_url
    result = zoom.run(["host-link", "555900", "--ics", str(path), "--json"], now=MONDAY_0850)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["kind"], report["start_url"]) == ("webinar", webinar.start_url)
    assert zoom.fake.api_requests("GET", f"/v2/meetings/{webinar.id}") == []
    assert len(zoom.fake.api_requests("GET", f"/v2/webinars/{webinar.id}")) == 1


# --- review of issue 14 -------------------------------------------------------------------------


def test_a_dashboard_outage_leaves_kinds_unchecked_and_force_still_works(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Dashboard answering 503 (after the client's retries) is not "nothing is running":
    # under warn it is said, under strict the link is refused, and --force goes past it.
    def outage(request: FakeRequest) -> Fault | None:
        return Fault.server_error(503) if request.path.startswith("/v2/metrics/") else None

    zoom.fake.fault_rule = outage
    warned = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert warned.exit_code == 0, warned.stderr
    assert warned.stdout == meeting.start_url + "\n"
    assert "could not check the host user" in warned.stderr
    assert "503" in warned.stderr or "unavailable" in warned.stderr
    monkeypatch.setenv("USKED_ZOOM__GUARD", "strict")
    assert zoom.run(["host-link", "104233"], now=MONDAY_0850).exit_code == 4
    forced = zoom.run(["host-link", "104233", "--force"], now=MONDAY_0850)
    assert forced.exit_code == 0, forced.stderr


def test_a_meeting_without_its_hosts_email_is_matched_by_looking_the_email_up(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    from usked_cli.zoom.models import ZoomMeeting

    original = ZoomMeeting.from_api

    def without_email(data: Any) -> ZoomMeeting:
        return original({**data, "host_email": ""})

    monkeypatch.setattr(ZoomMeeting, "from_api", staticmethod(without_email))
    _running(zoom, meeting, 1, "Instant huddle")
    result = zoom.run(["host-link", "104233"], now=MONDAY_0850)
    assert result.exit_code == 4, result.stderr
    assert '"Instant huddle"' in result.stderr


def test_an_account_without_webinars_has_none_running(zoom: ZoomKit, meeting: FakeMeeting) -> None:
    zoom.fake.webinar_plan = False  # /metrics/webinars answers "Webinar plan is missing"
    result = zoom.run(["host-link", "104233", "--json"], now=MONDAY_0850)
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert json.loads(result.stdout)["guard"]["unchecked"] == []


def test_wait_under_a_strict_guard_fails_before_waiting(
    zoom: ZoomKit, meeting: FakeMeeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    zoom.fake.plan = "pro"
    monkeypatch.setenv("USKED_ZOOM__GUARD", "strict")
    sleeper = Sleeper(zoom)
    result = zoom.run(["host-link", "104233", "--wait"], now=MONDAY_0800, sleep=sleeper)
    assert result.exit_code == 4
    assert "zoom.guard is strict" in result.stderr
    assert sleeper.requests_before == []  # refused before the countdown
