"""`usked zoom check` and `usked admin zoom-users list` against the fake Zoom."""

from __future__ import annotations

import json

import pytest

from tests.cli.zoomkit import SECRET, ZoomKit
from tests.fakes.zoom import Fault


def test_check_reports_account_scopes_and_users(zoom: ZoomKit) -> None:
    zoom.fake.add_users(3)
    result = zoom.run(["zoom", "check", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["usable"] is True
    assert report["account_id"] == zoom.fake.account_id
    assert report["api_url"] == "https://api.zoom.us/v2"
    assert report["users"] == 3
    assert {c["name"]: c["granted"] for c in report["capabilities"]} == {
        "list users": True,
        "get a user": True,
        "update a user": True,
        "get a meeting": True,
        "list a user's meetings": True,
        # The fake's default app has the classic user and meeting scopes only, on Pro: what
        # the configuration does not need is a warning, not a failure.
        "get a webinar": False,
        "live meetings (Dashboard)": False,
    }
    assert [c["name"] for c in report["capabilities"] if c["required"]] == [
        "get a meeting",
        "list a user's meetings",
    ]  # no pool configured: renames are not needed
    assert any("webinar:read:admin" in w for w in report["warnings"])
    assert SECRET not in result.stdout + result.stderr


def test_check_names_a_missing_scope_and_exits_1(
    zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")  # renames are needed
    zoom.fake.scopes = {"user:read:admin", "meeting:read:admin"}
    result = zoom.run(["zoom", "check"])
    assert result.exit_code == 1
    assert (
        "update a user missing: add user:write:admin (or the granular user:update:user:admin) "
        "(affects: admin zoom-users rename / undo)" in result.stderr
    )
    assert "update a user\tmissing\t" in result.stdout  # piped: the table's lines


def test_a_granular_app_without_reading_one_user_fails_check(
    zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Granular scope names only, in the token's `scope`; everything but "get a user".
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    zoom.fake.scopes = {
        "user:read:list_users:admin",
        "user:update:user:admin",
        "meeting:read:meeting:admin",
        "meeting:read:list_meetings:admin",
    }
    result = zoom.run(["zoom", "check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    missing = [c for c in report["capabilities"] if c["required"] and not c["granted"]]
    assert [c["name"] for c in missing] == ["get a user"]
    problem = next(p for p in report["problems"] if p.startswith("get a user"))
    assert "user:read:user:admin" in problem
    assert "admin zoom-users rename / undo" in problem


def test_the_dashboard_is_checked_by_a_real_call_and_needed_when_strict(
    zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scopes granted, but a Pro account: only a call can tell that the Dashboard is closed.
    zoom.fake.scopes.update({"dashboard_meetings:read:admin", "dashboard_webinars:read:admin"})
    report = json.loads(zoom.run(["zoom", "check", "--json"]).stdout)
    dashboard = next(c for c in report["capabilities"] if c["name"].startswith("live meetings"))
    assert dashboard["state"] == "unavailable"
    assert "Business or higher" in dashboard["detail"]
    assert report["usable"] is True  # zoom.guard = "warn": the guard warns instead
    assert len(zoom.fake.api_requests("GET", "/v2/metrics/meetings")) == 1
    monkeypatch.setenv("USKED_ZOOM__GUARD", "strict")
    assert zoom.run(["zoom", "check"]).exit_code == 1
    zoom.fake.plan = "business"
    assert zoom.run(["zoom", "check"]).exit_code == 0


def test_check_with_bad_credentials_is_clean(
    zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__CLIENT_SECRET", "wrong-secret-value")
    result = zoom.run(["zoom", "check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["usable"] is False
    assert report["token"] == "failed"
    assert "zoom.client_secret" in report["problems"][0]
    assert "wrong-secret-value" not in result.stdout + result.stderr


def test_missing_credentials_are_exit_2(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USKED_ZOOM__ACCOUNT_ID")
    for args in (["zoom", "check"], ["admin", "zoom-users", "list"]):
        result = zoom.run(args)
        assert result.exit_code == 2
        assert "zoom.account_id" in result.stderr
        assert "USKED_ZOOM__ACCOUNT_ID" in result.stderr
    assert zoom.fake.requests == []


def test_users_list_pages_through_every_user(zoom: ZoomKit) -> None:
    zoom.fake.add_users(650)  # three pages of 300
    result = zoom.run(["admin", "zoom-users", "list", "--json"])
    assert result.exit_code == 0, result.stderr
    users = json.loads(result.stdout)
    assert len(users) == 650
    assert len({u["id"] for u in users}) == 650
    assert set(users[0]) == {"id", "email", "first_name", "last_name", "display_name", "type"}
    assert len(zoom.fake.api_requests("GET", "/v2/users")) == 3


def test_users_list_match_pool_and_outputs(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> None:
    zoom.fake.add_user("host-a@acme.org", "Acme Corp Host", "A")
    zoom.fake.add_user("Host-B@ACME.org", "Barry", "Jones", type=1)
    zoom.fake.add_user("maria@acme.org", "Maria", "Lopez")
    matched = json.loads(
        zoom.run(["admin", "zoom-users", "list", "--match", "host-*", "--json"]).stdout
    )
    assert [u["email"] for u in matched] == ["host-a@acme.org", "Host-B@ACME.org"]
    no_pool = zoom.run(["admin", "zoom-users", "list", "--pool"])
    assert no_pool.exit_code == 2
    assert "zoom.host_users" in no_pool.stderr
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    piped = zoom.run(["admin", "zoom-users", "list", "--pool"])
    assert piped.stdout.splitlines()[1].split("\t")[:5] == [
        "Host-B@ACME.org",
        "Barry Jones",
        "Barry",
        "Jones",
        "basic",
    ]
    csv_out = zoom.run(["admin", "zoom-users", "list", "--pool", "--csv"]).stdout.splitlines()
    assert csv_out[0] == "id,email,first_name,last_name,display_name,type"
    assert len(csv_out) == 3


def test_users_list_rides_out_429_and_5xx(zoom: ZoomKit) -> None:
    zoom.fake.add_users(5)
    zoom.fake.inject(
        Fault.too_many_requests(retry_after="1"), Fault.server_error(503), Fault.server_error(502)
    )
    result = zoom.run(["admin", "zoom-users", "list", "--json"])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 5


def test_daily_limit_stops_with_reset_time_in_display_zone(zoom: ZoomKit) -> None:
    zoom.fake.add_users(5)
    zoom.fake.exhaust_daily_limit("medium")
    result = zoom.run(["admin", "zoom-users", "list"])
    assert result.exit_code == 1
    assert "daily rate limit" in result.stderr
    assert "CST" in result.stderr or "CDT" in result.stderr
