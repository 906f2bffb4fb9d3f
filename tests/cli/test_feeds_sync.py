"""`usked feeds add|list|remove` and `usked sync`: registration, conditional GET, failed feeds."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.cli.helpers import run

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 09:00 in Chicago
FEED_URL = "https://acme.usked.example/ical/7f3a9c2e/maria.ics"


@pytest.fixture
def maria_feed(tmp_path: Path) -> Path:
    path = tmp_path / "maria.ics"
    shutil.copy(SAMPLE, path)
    assert run(["feeds", "add", "maria", str(path)]).exit_code == 0
    return path


class FeedServer:
    """A feed host that honours If-None-Match, and can be told to fail."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.etag = '"v1"'
        self.status = 200
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status)
        if request.headers.get("If-None-Match") == self.etag:
            return httpx.Response(304, headers={"ETag": self.etag})
        return httpx.Response(
            200, content=self.body, headers={"ETag": self.etag, "Content-Type": "text/calendar"}
        )


def test_add_list_remove(config_file: Path, maria_feed: Path) -> None:
    listed = run(["feeds", "list", "--json"])
    assert json.loads(listed.stdout) == [
        {
            "user": "maria",
            "source": str(maria_feed),
            "synced_at": None,
            "assignments": 0,
            "last_error": None,
        }
    ]
    assert f'maria = "{maria_feed}"' in config_file.read_text()
    removed = run(["feeds", "remove", "maria"])
    assert removed.exit_code == 0
    assert json.loads(run(["feeds", "list", "--json"]).stdout) == []
    assert run(["feeds", "remove", "maria"]).exit_code == 3


@pytest.mark.parametrize(
    ("user", "source", "code", "message"),
    [
        ("maria", "http://acme.usked.example/ical/x", 2, "must use https"),
        ("maria", "/nonexistent/feed.ics", 2, "no such file"),
        ("bad user", str(SAMPLE), 2, "not a usable user name"),
    ],
)
def test_add_refuses_bad_input(
    config_file: Path, user: str, source: str, code: int, message: str
) -> None:
    result = run(["feeds", "add", user, source])
    assert result.exit_code == code
    assert message in result.stderr
    assert not config_file.exists()


def test_add_webcal_and_replace(config_file: Path) -> None:
    assert run(["feeds", "add", "joe", "webcal://acme.usked.example/ical/j"]).exit_code == 0
    again = run(["feeds", "add", "joe", "https://acme.usked.example/ical/k"])
    assert again.exit_code == 2
    assert "--replace" in again.stderr
    replaced = run(["feeds", "add", "joe", "https://acme.usked.example/ical/k", "--replace"])
    assert replaced.exit_code == 0
    assert 'joe = "https://acme.usked.example/ical/k"' in config_file.read_text()


def test_sync_file_then_list(maria_feed: Path) -> None:
    synced = run(["sync", "--json"], now=NOW)
    assert synced.exit_code == 0, synced.stderr
    [outcome] = json.loads(synced.stdout)
    assert outcome["user"] == "maria"
    assert outcome["status"] == "updated"
    assert outcome["events"] == 4
    again = run(["sync", "--json"], now=NOW)
    assert json.loads(again.stdout)[0]["status"] == "unchanged"
    listed = run(["assignments", "list", "--json"], now=NOW)
    assert [a["request_id"] for a in json.loads(listed.stdout)] == [
        "104262",
        "104233",
        "104233",
        "104240",
        "104233",
        "104251",
        "104240",
    ]


def test_sync_over_https_uses_conditional_get() -> None:
    server = FeedServer(SAMPLE.read_bytes())
    transport = httpx.MockTransport(server)
    assert run(["feeds", "add", "maria", FEED_URL]).exit_code == 0
    first = run(["sync"], now=NOW, feed_transport=transport)
    assert first.exit_code == 0, first.stderr
    second = run(["sync", "--json"], now=NOW, feed_transport=transport)
    assert json.loads(second.stdout)[0]["status"] == "unchanged"
    assert [r.headers.get("If-None-Match") for r in server.requests] == [None, '"v1"']
    assert str(server.requests[0].url) == FEED_URL


def test_webcal_is_fetched_as_https() -> None:
    server = FeedServer(SAMPLE.read_bytes())
    assert run(["feeds", "add", "maria", "webcal://acme.usked.example/ical/m"]).exit_code == 0
    result = run(["sync"], now=NOW, feed_transport=httpx.MockTransport(server))
    assert result.exit_code == 0, result.stderr
    assert str(server.requests[0].url) == "https://acme.usked.example/ical/m"


def test_failed_sync_keeps_previous_assignments_and_syncs_the_others(
    tmp_path: Path, maria_feed: Path
) -> None:
    joe = tmp_path / "joe.ics"
    shutil.copy(SAMPLE, joe)
    assert run(["feeds", "add", "joe", str(joe)]).exit_code == 0
    assert run(["sync"], now=NOW).exit_code == 0
    before = run(["assignments", "list", "--user", "maria", "--json"], now=NOW).stdout
    maria_feed.write_text("<!DOCTYPE html><html><body>Please log in</body></html>")
    joe.write_bytes(SAMPLE.read_bytes().replace(b"Spanish", b"Portuguese"))
    result = run(["sync"], now=NOW)
    assert result.exit_code == 2  # maria's feed is not a calendar (contracts.md: exit 2)
    assert "maria" in result.stderr
    assert "HTML" in result.stderr
    assert "(1/2) joe: 429 assignments" in result.stderr  # progress for several feeds, on stderr
    assert run(["assignments", "list", "--user", "maria", "--json"], now=NOW).stdout == before
    joe_titles = {
        a["title"]
        for a in json.loads(run(["assignments", "list", "--user", "joe", "--json"], now=NOW).stdout)
    }
    assert any("Portuguese" in title for title in joe_titles)
    listed = json.loads(run(["feeds", "list", "--json"]).stdout)
    errors = {feed["user"]: feed["last_error"] for feed in listed}
    assert "HTML" in (errors["maria"] or "")
    assert errors["joe"] is None


def test_http_error_is_reported_without_the_feed_token(maria_feed: Path) -> None:
    server = FeedServer(b"")
    server.status = 404
    assert run(["feeds", "add", "joe", FEED_URL]).exit_code == 0
    result = run(["sync", "joe"], now=NOW, feed_transport=httpx.MockTransport(server))
    assert result.exit_code == 1
    assert "joe: acme.usked.example answered HTTP 404" in result.stderr
    assert "7f3a9c2e" not in result.stderr


def test_sync_unknown_user_is_exit_3(maria_feed: Path) -> None:
    result = run(["sync", "nobody"], now=NOW)
    assert result.exit_code == 3
    assert "nobody" in result.stderr


def test_sync_with_no_feeds_is_empty_json() -> None:
    result = run(["sync", "--json"], now=NOW)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_changing_the_timezone_reparses_floating_times(tmp_path: Path, config_file: Path) -> None:
    feed = tmp_path / "floating.ics"
    feed.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:f1\r\n"
        b"DTSTAMP:20261101T000000Z\r\nDTSTART:20261130T090000\r\nDTEND:20261130T100000\r\n"
        b"SUMMARY:Request #777001 - floating\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert run(["feeds", "add", "maria", str(feed)]).exit_code == 0
    assert run(["sync"], now=NOW).exit_code == 0
    assert run(["admin", "settings", "set", "timezone", "Europe/Paris"]).exit_code == 0
    result = run(["sync", "--json"], now=NOW)
    assert json.loads(result.stdout)[0]["status"] == "updated"  # the file did not change
    [assignment] = json.loads(run(["assignments", "list", "--json"], now=NOW).stdout)
    assert assignment["start"] == "2026-11-30T09:00:00+01:00"
