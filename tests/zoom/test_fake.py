"""The fake Zoom itself: loopback serving, paging rules, OAuth, limits; and the package's import
cost."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.zoom import DEFAULT_EPOCH, FakeZoom, Fault, StepClock, loopback, run_virtual, serve
from tests.zoom.conftest import ClientFactory
from usked_cli.zoom.client import ZoomClient

ROOT = Path(__file__).resolve().parents[2]
FAST = {"light": 1000.0, "medium": 1000.0, "heavy": 1000.0}


def test_loopback_serves_concurrent_requests_without_serialising_them() -> None:
    fake = FakeZoom(rate_limits=FAST)
    fake.add_users(30)

    async def main(api_url: str, oauth_url: str) -> float:
        async with ZoomClient(
            **fake.credentials(), api_url=api_url, oauth_url=oauth_url, rate_limits=FAST
        ) as zoom:
            users = [u async for u in zoom.iter_users(page_size=10)]
            assert len(users) == 30
            started = time.monotonic()
            await zoom.gather(
                (
                    zoom.update_user_names(u.id, first_name="Host", last_name=str(i))
                    for i, u in enumerate(users)
                ),
                concurrency=30,
            )
            return time.monotonic() - started

    with serve(fake, latency=0.1) as server:
        assert server.api_url.startswith("http://127.0.0.1:")
        elapsed = asyncio.run(main(server.api_url, server.oauth_url))
    assert elapsed < 1.5  # 30 x 0.1 s one after another would take 3 s
    assert set(fake.patch_counts().values()) == {1}
    assert len(fake.patch_counts()) == 30
    assert fake.user("interp0007@acme.org").last_name in {str(i) for i in range(30)}


def test_loopback_dropped_connection_is_retried() -> None:
    fake = FakeZoom()
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault.dropped("read", path="/v2/users"))
    clock = StepClock()  # the backoff wait is not slept for real

    async def main(api_url: str, oauth_url: str) -> None:
        async with ZoomClient(
            **fake.credentials(),
            api_url=api_url,
            oauth_url=oauth_url,
            monotonic=clock.monotonic,
            sleep=clock.sleep,
            now=clock.now,
        ) as zoom:
            assert (await zoom.get_user(user.email)).id == user.id
            assert zoom.stats.connection_errors == 1

    with serve(fake) as server:
        asyncio.run(main(server.api_url, server.oauth_url))
    assert [r.status for r in fake.api_requests()] == [None, 200]


def test_the_same_fake_outlives_one_client_and_serves_the_next() -> None:
    fake = FakeZoom()
    user = fake.add_user("a@acme.org", "A", "B")

    async def rename(api_url: str, oauth_url: str, name: str) -> None:
        async with ZoomClient(**fake.credentials(), api_url=api_url, oauth_url=oauth_url) as zoom:
            await zoom.update_user_names(user.id, first_name=name)

    with serve(fake) as server:
        asyncio.run(rename(server.api_url, server.oauth_url, "One"))
        asyncio.run(rename(server.api_url, server.oauth_url, "Two"))
    assert [p.changes["first_name"] for p in fake.patches] == ["One", "Two"]
    assert fake.token_requests == 2  # each process asks for its own token


def test_fake_pages_only_with_the_same_query(fake: FakeZoom) -> None:
    fake.add_users(5)

    async def main() -> None:
        async with httpx.AsyncClient(transport=fake.transport(), base_url="https://api") as http:
            token = (
                await http.post(
                    "/oauth/token",
                    params={"grant_type": "account_credentials", "account_id": fake.account_id},
                    auth=(fake.client_id, fake.client_secret),
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            first = (await http.get("/v2/users", params={"page_size": 2}, headers=headers)).json()
            assert len(first["users"]) == 2
            assert first["total_records"] == 5
            changed = await http.get(
                "/v2/users",
                params={"page_size": 3, "next_page_token": first["next_page_token"]},
                headers=headers,
            )
            assert changed.status_code == 400
            same = await http.get(
                "/v2/users",
                params={"page_size": 2, "next_page_token": first["next_page_token"]},
                headers=headers,
            )
            assert [u["email"] for u in same.json()["users"]] == [
                "interp0003@acme.org",
                "interp0004@acme.org",
            ]
            huge = await http.get("/v2/users", params={"page_size": 1000}, headers=headers)
            assert huge.json()["page_size"] == 300
            old = await http.post(
                "/oauth/token",
                params={"grant_type": "account_credentials", "account_id": fake.account_id},
                auth=(fake.client_id, fake.client_secret),
            )
            assert old.status_code == 200
            revoked = await http.get("/v2/users", headers=headers)  # the first token
            assert revoked.status_code == 401
            assert revoked.json() == {"code": 124, "message": "Invalid access token."}

    run_virtual(main())


def test_fake_rate_limit_headers_can_be_switched_off(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    fake.rate_limits = {"light": 1}
    fake.rate_limit_headers = False
    fake.retry_after = None
    users = fake.add_users(3)

    async def main() -> None:
        async with make_client(rate_share=1.0) as zoom:  # believes 30/s
            await zoom.gather(zoom.get_user(u.id) for u in users)

    run_virtual(main())
    limited = [r for r in fake.api_requests() if r.status == 429]
    assert limited  # answered 429 with no headers: read as per-second and retried
    assert len([r for r in fake.api_requests() if r.status == 200]) == 3


def test_fake_rate_limit_answers_like_zoom(fake: FakeZoom) -> None:
    fake.rate_limits = {"medium": 2}
    fake.retry_after = "iso"

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=fake.transport(), base_url="https://api") as http:
            token = (
                await http.post(
                    "/oauth/token",
                    params={"grant_type": "account_credentials", "account_id": fake.account_id},
                    auth=(fake.client_id, fake.client_secret),
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(2):
                assert (await http.get("/v2/users", headers=headers)).status_code == 200
            return await http.get("/v2/users", headers=headers)

    answer = run_virtual(main())
    assert answer.status_code == 429
    assert answer.headers["X-RateLimit-Category"] == "Medium"
    assert answer.headers["X-RateLimit-Type"] == "QPS"
    assert answer.headers["X-RateLimit-Limit"] == "2"
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert answer.headers["Retry-After"] == "2026-03-02T15:00:01Z"
    assert "per-second" in answer.json()["message"]


def test_fake_server_main_prints_its_urls_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.zoom", "--users", "3", "--latency", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert info["api_url"].startswith("http://127.0.0.1:")
        assert info["oauth_url"].endswith("/oauth/token")
        assert info["users"] == 3

        async def main() -> int:
            async with ZoomClient(
                account_id=info["account_id"],
                client_id=info["client_id"],
                client_secret=info["client_secret"],
                api_url=info["api_url"],
                oauth_url=info["oauth_url"],
            ) as zoom:
                return len([u async for u in zoom.iter_users()])

        assert asyncio.run(main()) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "fake zoom:" in err


@pytest.mark.parametrize(
    "module", ["usked_cli.zoom", "usked_cli.zoom.errors", "usked_cli.zoom.models"]
)
def test_importing_the_package_does_not_load_httpx(module: str) -> None:
    code = f"import sys, {module}; print('httpx' in sys.modules, 'asyncio' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.split()[0] == "False"


def test_loopback_helper_generates_users() -> None:
    with loopback(5, latency=0.0) as (fake, server):
        assert len(fake.users) == 5
        assert server.oauth_url == f"http://127.0.0.1:{server.port}/oauth/token"


# --- the fake follows what Zoom documents (issue 14) ---------------------------------------------


def test_fake_lists_scheduled_meetings_only_and_the_dashboard_every_live_one(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    from datetime import timedelta

    fake.plan = "business"
    fake.scopes.update({"dashboard_meetings:read:admin", "dashboard_webinars:read:admin"})
    host = fake.add_user("host-a@acme.org", "Host", "A")
    start = DEFAULT_EPOCH - timedelta(minutes=10)  # the virtual clock starts there
    scheduled = fake.add_meeting(host, "Scheduled", start, status="started")
    instant = fake.add_meeting(host, "Instant", start, type=1, status="started")
    room = fake.add_meeting(host, "Room", start, type=4, status="started")
    webinar = fake.add_meeting(host, "Town hall", start, status="started", webinar=True)

    async def main() -> tuple[set[int], set[str], set[str]]:
        async with make_client() as zoom:
            listed = {m.id async for m in zoom.iter_user_meetings(host.id, "live")}
            live = {s.id for s in await zoom.live_sessions("meeting")}
            webinars = {s.id for s in await zoom.live_sessions("webinar")}
            return listed, live, webinars

    listed, live, webinars = run_virtual(main())
    assert listed == {scheduled.id}  # instant and personal-room meetings are not listed
    assert live == {str(scheduled.id), str(instant.id), str(room.id)}
    assert webinars == {str(webinar.id)}


def test_fake_dashboard_answers_business_plans_only(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    from usked_cli.zoom.errors import ZoomError

    fake.scopes.add("dashboard_meetings:read:admin")

    async def main() -> ZoomError:
        async with make_client() as zoom:
            try:
                await zoom.live_sessions("meeting")
            except ZoomError as exc:
                return exc
        raise AssertionError("a Pro account's Dashboard answered")

    error = run_virtual(main())
    assert (error.status, error.code) == (400, 200)
    assert "Business or higher" in (error.zoom_message or "")


def test_fake_tokens_may_hold_granular_scopes_only(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    from usked_cli.zoom.errors import ZoomScopeError

    fake.scopes = {"user:read:list_users:admin", "meeting:read:meeting:admin"}
    user = fake.add_user("a@acme.org", "A", "B")

    async def main() -> ZoomScopeError:
        async with make_client() as zoom:
            info = await zoom.token_info()
            assert info.scopes == frozenset(fake.scopes)
            assert [u.id async for u in zoom.iter_users()] == [user.id]
            try:
                await zoom.get_user(user.id)  # needs user:read:user:admin
            except ZoomScopeError as exc:
                return exc
        raise AssertionError("a missing scope was not refused")

    error = run_virtual(main())
    assert (error.status, error.code) == (400, 4711)
    assert "user:read:user:admin" in error.scopes


def test_fake_webinars_have_their_own_endpoint(fake: FakeZoom, make_client: ClientFactory) -> None:
    from usked_cli.zoom.errors import ZoomNotFound

    fake.scopes.add("webinar:read:admin")
    host = fake.add_user("host-a@acme.org", "Host", "A")
    webinar = fake.add_meeting(host, "Town hall", DEFAULT_EPOCH, webinar=True)

    async def main() -> str:
        async with make_client() as zoom:
            found = await zoom.get_webinar(webinar.id)
            assert found.type == 5
            try:
                await zoom.get_meeting(webinar.id)
            except ZoomNotFound as exc:
                return exc.message
        raise AssertionError("a webinar's id was found as a meeting")

    assert "meeting not found" in run_virtual(main())
    assert "/w/" in webinar.join_url
