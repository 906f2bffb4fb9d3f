"""`usked admin settings|conflicts` and `usked admin zoom-users free` against the fake Zoom."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.helpers import run
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import DEFAULT_EPOCH, FakeUser

NOW = DEFAULT_EPOCH  # Mon 2 Mar 2026, 09:00 in Chicago


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


# --- settings --------------------------------------------------------------------------------


def test_settings_round_trip(config_file: Path) -> None:
    for key, value in (
        ("padding-minutes", "15"),
        ("host-link-lead-minutes", "30"),
        ("join-lead-minutes", "10"),
        ("host-name-template", "{org} Host {n:02}"),
        ("org-name", "Acme Corp"),
        ("timezone", "America/New_York"),
        ("host-users", "host-*@acme.org, zoom-*@acme.org"),
        ("max-concurrent-meetings", "2"),
    ):
        result = run(["admin", "settings", "set", key, value])
        assert result.exit_code == 0, result.stderr
    shown = json.loads(run(["admin", "settings", "show", "--json"]).stdout)
    assert shown == {
        "padding_minutes": 15,
        "host_link_lead_minutes": 30,
        "join_lead_minutes": 10,
        "host_name_template": "{org} Host {n:02}",
        "org_name": "Acme Corp",
        "timezone": "America/New_York",
        "host_users": ["host-*@acme.org", "zoom-*@acme.org"],
        "max_concurrent_meetings": 2,
    }
    text = config_file.read_text()
    assert "padding_minutes = 15\n" in text
    assert 'host_users = [\n    "host-*@acme.org",\n    "zoom-*@acme.org",\n]' in text


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("padding-minutes", "241", "less than or equal to 240"),
        ("padding-minutes", "-5", "greater than or equal to 0"),
        ("padding-minutes", "7.5", "valid integer"),
        ("host-link-lead-minutes", "1441", "less than or equal to 1440"),
        ("host-link-lead-minutes", "soon", "valid integer"),
        ("host-name-template", "{org} Host", "{letter}"),
        ("host-name-template", "{org} Host {colour}", "colour"),
        ("timezone", "Central Standard Time", "IANA"),
        ("max-concurrent-meetings", "3", "less than or equal to 2"),
        ("padding", "10", "did you mean padding-minutes?"),
        ("org.name", "X", "unknown setting"),
    ],
)
def test_settings_refusals_leave_file_untouched(
    config_file: Path, key: str, value: str, message: str
) -> None:
    original = b'[org]\nname = "Acme Corp"\npadding_minutes = 10\n'
    config_file.write_bytes(original)
    result = run(["admin", "settings", "set", key, value])
    assert result.exit_code == 2
    assert message in result.stderr
    assert config_file.read_bytes() == original


def test_settings_show_names_sources(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text('[org]\nname = "Acme Corp"\n')
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "20")
    lines = run(["admin", "settings", "show"]).stdout.splitlines()
    assert "org-name\tAcme Corp\tfile" in lines
    assert "padding-minutes\t20\tenv USKED_ORG__PADDING_MINUTES" in lines


# --- conflicts -------------------------------------------------------------------------------


@pytest.fixture
def pool(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeUser, FakeUser]:
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "10")
    a = zoom.fake.add_user("host-a@acme.org", "Acme Corp Host", "A")
    b = zoom.fake.add_user("host-b@acme.org", "Acme Corp Host", "B")
    zoom.fake.add_user("maria@acme.org", "Maria", "Lopez")  # not in the pool
    return a, b


def test_conflicts_finds_close_and_overlapping_meetings(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]
) -> None:
    a, b = pool
    zoom.fake.add_meeting(a, "Medical 1", at(1), 60)  # 10:00-11:00
    zoom.fake.add_meeting(a, "Medical 2", at(2) + timedelta(minutes=5), 60)  # gap 5 < 10
    zoom.fake.add_meeting(a, "Legal", at(3) + timedelta(minutes=15), 30)  # gap 10: fine
    zoom.fake.add_meeting(b, "Weekly", None, 60, type=8, occurrences=[at(1), at(25)])
    zoom.fake.add_meeting(b, "Overlap", at(25) + timedelta(minutes=30), 60)  # overlaps by 30
    maria = next(u for u in zoom.fake.users.values() if u.email == "maria@acme.org")
    zoom.fake.add_meeting(maria, "Not pool", at(1), 600)
    result = zoom.run(["admin", "conflicts", "--json"])
    assert result.exit_code == 1, result.stderr
    records = json.loads(result.stdout)
    assert [
        (r["host_user"]["email"], r["first"]["topic"], r["second"]["topic"], r["gap_minutes"])
        for r in records
    ] == [
        ("host-a@acme.org", "Medical 1", "Medical 2", 5),
        ("host-b@acme.org", "Weekly", "Overlap", -30),
    ]
    first = records[0]
    assert first["host_user"] == {
        "id": a.id,
        "email": "host-a@acme.org",
        "name": "Acme Corp Host A",
    }
    assert first["first"]["start"] == "2026-03-02T10:00:00-06:00"
    assert set(first["first"]) == {"meeting_id", "kind", "occurrence_id", "topic", "start", "end"}
    assert first["first"]["kind"] == "meeting"
    assert "2 padding conflicts" in result.stderr


def test_no_conflicts_is_exit_0_and_empty_json(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]
) -> None:
    a, _ = pool
    zoom.fake.add_meeting(a, "One", at(1), 60)
    zoom.fake.add_meeting(a, "Two", at(2) + timedelta(minutes=10), 60)  # exactly the padding
    result = zoom.run(["admin", "conflicts", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_conflicts_days_bound_the_search(zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]) -> None:
    a, _ = pool
    zoom.fake.add_meeting(a, "Far 1", at(24 * 10), 60)
    zoom.fake.add_meeting(a, "Far 2", at(24 * 10 + 1), 60)
    assert zoom.run(["admin", "conflicts"]).exit_code == 0
    assert zoom.run(["admin", "conflicts", "--days", "14"]).exit_code == 1


def test_conflicts_with_two_concurrent_reports_spans(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__MAX_CONCURRENT_MEETINGS", "2")
    a, _ = pool
    zoom.fake.add_meeting(a, "One", at(1), 60)
    zoom.fake.add_meeting(a, "Two", at(1), 60)
    assert zoom.run(["admin", "conflicts", "--json"]).stdout.strip() == "[]"
    zoom.fake.add_meeting(a, "Three", at(1) + timedelta(minutes=30), 60)
    result = zoom.run(["admin", "conflicts", "--json"])
    assert result.exit_code == 1
    [span] = json.loads(result.stdout)
    assert span["peak"] == 3
    assert {m["topic"] for m in span["meetings"]} == {"One", "Two", "Three"}


def test_conflicts_match_overrides_the_pool(zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]) -> None:
    maria = next(u for u in zoom.fake.users.values() if u.email == "maria@acme.org")
    zoom.fake.add_meeting(maria, "A", at(1), 60)
    zoom.fake.add_meeting(maria, "B", at(1), 60)
    result = zoom.run(["admin", "conflicts", "--match", "maria@*", "--json"])
    assert [r["host_user"]["email"] for r in json.loads(result.stdout)] == ["maria@acme.org"]


def test_conflicts_without_a_pool_is_exit_2(zoom: ZoomKit) -> None:
    result = zoom.run(["admin", "conflicts"])
    assert result.exit_code == 2
    assert "zoom.host_users" in result.stderr


def test_conflicts_and_free_count_the_host_users_webinars(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]
) -> None:
    # A webinar takes its host user as a meeting does (zoom-api.md: a host cannot run a
    # meeting and a webinar at once); an app with the webinar scope sees them.
    zoom.fake.scopes.add("webinar:read:admin")
    a, b = pool
    zoom.fake.add_meeting(a, "Medical", at(1), 60)  # 10:00-11:00
    zoom.fake.add_meeting(a, "Town hall", at(2) + timedelta(minutes=5), 60, webinar=True)
    zoom.fake.add_meeting(b, "Weekly webinar", None, 60, type=8, occurrences=[at(1)], webinar=True)
    result = zoom.run(["admin", "conflicts", "--json"])
    assert result.exit_code == 1, result.stderr
    (record,) = json.loads(result.stdout)
    assert (record["first"]["topic"], record["second"]["topic"]) == ("Medical", "Town hall")
    assert record["second"]["kind"] == "webinar"
    assert "webinars are not counted" not in result.stderr
    free = zoom.run(
        ["admin", "zoom-users", "free", "--at", "2026-03-02T10:00", "--duration", "30", "--json"]
    )
    assert free.exit_code == 0, free.stderr
    assert json.loads(free.stdout) == []  # B's recurring webinar occurrence takes 10:00 too


def test_an_account_without_webinars_is_read_for_meetings_quietly(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]
) -> None:
    # Webinar scope granted, no webinar licence: Zoom answers "Webinar plan is missing".
    zoom.fake.scopes.add("webinar:read:admin")
    zoom.fake.webinar_plan = False
    a, _ = pool
    zoom.fake.add_meeting(a, "Medical 1", at(1), 60)
    zoom.fake.add_meeting(a, "Medical 2", at(2) + timedelta(minutes=5), 60)
    result = zoom.run(["admin", "conflicts", "--json"])
    assert result.exit_code == 1, result.stderr  # the conflict, not an error
    assert len(json.loads(result.stdout)) == 1
    assert "warning" not in result.stderr


def test_per_user_fetches_run_concurrently(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> None:
    """With 200 ms per request, 40 users' meetings take far less than 40 x 200 ms of fake time."""
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "interp*")
    zoom.fake.add_users(40)
    zoom.fake.latency = 0.2
    result = zoom.run(["admin", "conflicts", "--json"])
    assert result.exit_code == 0, result.stderr
    requests = zoom.fake.api_requests("GET")
    times = [r.at for r in requests if "/webinars" not in r.path]
    assert len(times) == 41  # one page of users, then each user's meetings
    # Webinars too, until Zoom says the app lacks their scope: then no more asking (the users
    # in flight at that moment asked already: one a user fetched at once, 16 on Pro).
    from usked_cli.schedules import fetch_concurrency

    webinar_lists = [r for r in requests if r.path.endswith("/webinars")]
    assert 1 <= len(webinar_lists) <= fetch_concurrency(20 * 0.8) == 16
    assert "webinars are not counted" in result.stderr
    medium_rate = 20 * 0.8  # Pro plan, default share: the limiter, not latency, sets the pace
    every = [r.at for r in requests]  # the webinar lists are medium requests too
    assert max(every) - min(every) < len(every) / medium_rate + 0.5
    assert max(times) - min(times) < 40 * 0.2  # not one user after the other


# --- free ------------------------------------------------------------------------------------


def test_free_lists_users_clear_of_the_padded_slot(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]
) -> None:
    a, b = pool
    zoom.fake.add_meeting(a, "Ends 09:55", at(0), 55)  # ends 5 min before: inside the padding
    zoom.fake.add_meeting(b, "Ends 09:50", at(0), 50)  # ends exactly at at - padding: free
    result = zoom.run(
        ["admin", "zoom-users", "free", "--at", "2026-03-02T10:00", "--duration", "60", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"id": b.id, "email": "host-b@acme.org", "name": "Acme Corp Host B"}
    ]
    assert "1 of 2 host users free" in result.stderr


def test_free_after_slot_boundary(zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]) -> None:
    a, b = pool
    zoom.fake.add_meeting(a, "Starts 11:05", at(2) + timedelta(minutes=5), 30)  # inside padding
    zoom.fake.add_meeting(b, "Starts 11:10", at(2) + timedelta(minutes=10), 30)  # at the edge
    result = zoom.run(
        ["admin", "zoom-users", "free", "--at", "2026-03-02T10:00", "--duration", "1h", "--json"]
    )
    assert [u["email"] for u in json.loads(result.stdout)] == ["host-b@acme.org"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "someday", "--duration", "60"], "--at 'someday'"),
        (["--at", "+1h", "--duration", "0"], "--duration '0'"),
        (["--at", "+1h", "--duration", "an hour"], "--duration 'an hour'"),
    ],
)
def test_free_bad_input_is_exit_2(
    zoom: ZoomKit, pool: tuple[FakeUser, FakeUser], args: list[str], message: str
) -> None:
    result = zoom.run(["admin", "zoom-users", "free", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert zoom.fake.requests == []


def test_free_leaves_out_unlicensed_users(zoom: ZoomKit, pool: tuple[FakeUser, FakeUser]) -> None:
    basic = zoom.fake.add_user("host-c@acme.org", "Acme Corp Host", "C", type=1)
    result = zoom.run(["admin", "zoom-users", "free", "--at", "+1h", "--duration", "30", "--json"])
    assert result.exit_code == 0, result.stderr
    emails = [u["email"] for u in json.loads(result.stdout)]
    assert emails == ["host-a@acme.org", "host-b@acme.org"]
    assert "host-c@acme.org" in result.stderr
    assert zoom.fake.api_requests("GET", f"/v2/users/{basic.id}/meetings") == []
