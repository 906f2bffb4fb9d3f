"""Server-to-Server OAuth: lazy single-flight tokens, refresh, 124, credentials and scopes."""

from __future__ import annotations

import asyncio
import base64
import random

import httpx
import pytest

from tests.fakes.zoom import FakeZoom, VirtualClock, churning_fake, run_virtual
from tests.zoom.conftest import SECRET, ClientFactory
from usked_cli.errors import ConfigError
from usked_cli.zoom.client import ZoomClient
from usked_cli.zoom.errors import ZoomAuthError, ZoomCredentialsMissing, ZoomScopeError


def test_token_is_fetched_lazily_and_once_for_concurrent_calls(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    users = fake.add_users(20)

    async def main() -> None:
        async with make_client() as zoom:
            assert fake.oauth_requests == 0  # nothing at construction
            await asyncio.gather(*(zoom.get_user(u.email) for u in users))
            assert zoom.stats.token_fetches == 1

    run_virtual(main())
    assert fake.token_requests == 1
    oauth = [r for r in fake.requests if r.path == "/oauth/token"]
    assert len(oauth) == 1
    assert oauth[0].method == "POST"
    assert oauth[0].query == {"grant_type": "account_credentials", "account_id": "fake-account"}


def test_basic_auth_header_carries_client_id_and_secret(make_client: ClientFactory) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(
            200, json={"access_token": "t", "expires_in": 3599, "scope": "a b", "api_url": "x"}
        )

    async def main() -> None:
        async with make_client(transport=httpx.MockTransport(handler)) as zoom:
            info = await zoom.token_info()
            assert info.scopes == {"a", "b"}
            assert info.api_url == "x"

    run_virtual(main())
    expected = base64.b64encode(f"fake-client-id:{SECRET}".encode()).decode()
    assert seen == [f"Basic {expected}"]


def test_token_is_refreshed_before_it_expires(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    fake.token_lifetime = 100  # the client refreshes at half-life for short tokens
    user = fake.add_user("a@acme.org", "A", "B")

    async def main() -> None:
        async with make_client() as zoom:
            for _ in range(30):
                await zoom.get_user(user.id)
                await clock.sleep(10)

    run_virtual(main())
    assert all(r.status == 200 for r in fake.api_requests())
    # 300 s with a token refreshed every 50 s.
    assert 5 <= fake.token_requests <= 7


def test_revoked_token_is_refetched_once_for_many_concurrent_tasks(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    users = fake.add_users(12)
    fake.latency = 0.5  # several requests in flight with the old token at once

    async def main() -> None:
        async with make_client(rate_share=1.0) as zoom:
            await zoom.get_user(users[0].id)
            fake.revoke_tokens()  # as if another process had asked for a token
            found = await asyncio.gather(*(zoom.get_user(u.id) for u in users))
            assert [u.id for u in found] == [u.id for u in users]
            assert zoom.stats.token_refreshes_on_401 >= 2

    run_virtual(main())
    rejected = [r for r in fake.api_requests() if r.status == 401]
    assert len(rejected) >= 2  # the single-flight path really had company
    assert fake.token_requests == 2  # the first token and exactly one replacement


def test_token_expired_early_on_the_server_is_replaced_whatever_the_clock_says(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")

    async def main() -> None:
        async with make_client() as zoom:
            await zoom.get_user(user.id)
            fake.expire_tokens()
            await zoom.get_user(user.id)

    run_virtual(main())
    assert [r.status for r in fake.api_requests()] == [200, 401, 200]
    assert fake.token_requests == 2


def test_token_is_read_after_the_limiter_turn(fake: FakeZoom, make_client: ClientFactory) -> None:
    """Requests queued across a token refresh must carry the new token, not the one current
    when they were queued (the new token revokes the old one)."""
    fake.token_lifetime = 100
    users = fake.add_users(80)

    async def main() -> None:
        # 1 request per second: the queue spans the refresh at 50 s.
        async with make_client(rate_limits={"light": 1}, rate_share=1.0) as zoom:
            await zoom.gather((zoom.get_user(u.id) for u in users), concurrency=80)

    run_virtual(main())
    assert fake.token_requests == 2
    assert all(r.status == 200 for r in fake.api_requests())
    assert {r.token_no for r in fake.api_requests()} == {1, 2}


@pytest.mark.parametrize("status", [400, 401])
def test_wrong_credentials_fail_cleanly_without_the_secret(
    fake: FakeZoom, make_client: ClientFactory, status: int
) -> None:
    fake.oauth_error_status = status
    fake.client_secret = "the-right-secret"
    user = fake.add_user("a@acme.org", "A", "B")
    lines: list[str] = []

    async def main() -> None:
        async with make_client(client_secret=SECRET, log=lines.append) as zoom:
            with pytest.raises(ZoomAuthError) as caught:
                await zoom.get_user(user.id)
            with pytest.raises(ZoomAuthError):
                await zoom.get_user(user.id)  # remembered: no second token request
            error = caught.value
            assert error.exit_code == 1
            assert "Invalid client_id or client_secret" in error.message
            for name in ("zoom.account_id", "zoom.client_id", "zoom.client_secret"):
                assert name in error.message
            assert error.hint is not None
            for env in (
                "USKED_ZOOM__ACCOUNT_ID",
                "USKED_ZOOM__CLIENT_ID",
                "USKED_ZOOM__CLIENT_SECRET",
            ):
                assert env in error.hint
            for text in (str(error), repr(error), error.hint, repr(zoom), *lines):
                assert SECRET not in text

    run_virtual(main())
    assert fake.oauth_requests == 1
    assert fake.api_requests() == []


@pytest.mark.parametrize(
    ("missing", "env"),
    [
        ({"client_secret": ""}, "USKED_ZOOM__CLIENT_SECRET"),
        ({"account_id": None}, "USKED_ZOOM__ACCOUNT_ID"),
        ({"client_id": "  "}, "USKED_ZOOM__CLIENT_ID"),
    ],
)
def test_missing_credentials_are_a_config_error_before_any_request(
    fake: FakeZoom, make_client: ClientFactory, missing: dict[str, str | None], env: str
) -> None:
    with pytest.raises(ZoomCredentialsMissing) as caught:
        make_client(**missing)
    error = caught.value
    assert isinstance(error, ConfigError)
    assert error.exit_code == 2
    setting = "zoom." + next(iter(missing))
    assert f"{setting} (env {env})" in error.message
    assert fake.requests == []


def test_all_credentials_missing_are_named_together(make_client: ClientFactory) -> None:
    with pytest.raises(ZoomCredentialsMissing) as caught:
        make_client(account_id="", client_id="", client_secret="")
    assert caught.value.missing == ("zoom.account_id", "zoom.client_id", "zoom.client_secret")


def test_missing_scope_says_which_scope_to_add(fake: FakeZoom, make_client: ClientFactory) -> None:
    fake.scopes = {"user:read:admin", "meeting:read:admin"}  # no user:write:admin
    user = fake.add_user("a@acme.org", "A", "B")

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomScopeError) as caught:
                await zoom.update_user_names(user.id, first_name="Host")
            assert "user:write:admin" in caught.value.message
            assert "user:write:admin" in caught.value.scopes
            assert caught.value.code == 4711
            assert caught.value.exit_code == 1

    run_virtual(main())
    assert len(fake.api_requests("PATCH")) == 1  # not retried


def test_token_info_reports_scopes_and_api_url_but_never_the_token(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    async def main() -> None:
        async with make_client() as zoom:
            info = await zoom.token_info()
            assert info.scopes == {"user:read:admin", "user:write:admin", "meeting:read:admin"}
            assert info.api_url == "https://api.zoom.us"
            assert info.expires_in == 3599
            assert "fake-access-token" not in repr(info)
            assert "fake-access-token" not in repr(zoom)

    run_virtual(main())


# --- token churn (issue 14) ---------------------------------------------------------------------


def _renames_under_churn(seed: int) -> tuple[list[BaseException], FakeZoom]:
    """300 renames, 20 at a time, as `admin zoom-users rename` sends them: the failures."""
    clock = VirtualClock()
    fake = churning_fake(clock, seed, client_secret=SECRET)
    users = fake.add_users(300)

    async def main() -> list[object]:
        async with ZoomClient(
            **fake.credentials(),
            transport=fake.transport(),
            monotonic=clock.monotonic,
            sleep=clock.sleep,
            now=clock.now,
            rng=random.Random(seed),
        ) as zoom:
            return await zoom.gather(
                (
                    zoom.update_user_names(u.id, first_name="Acme Host", last_name=str(i))
                    for i, u in enumerate(users)
                ),
                concurrency=20,
                return_exceptions=True,
            )

    results = run_virtual(main())
    return [r for r in results if isinstance(r, BaseException)], fake


def test_token_churn_never_fails_a_rename() -> None:
    # Before: a request that met 124 a second time, with the token that replaced its first,
    # gave up; 300 renames lost 16 users in about one run in four. (The command itself goes
    # through 50 such runs in tests/cli/test_zoom_users_rename.py.)
    for seed in range(10):
        failures, fake = _renames_under_churn(seed)
        assert failures == [], f"run {seed}: {failures[:3]}"
        assert len(fake.patch_counts()) == 300, f"run {seed}"
        assert set(fake.patch_counts().values()) == {1}, f"run {seed}"  # each user once
        assert fake.token_requests >= 2  # tokens really churned


def test_a_token_refused_as_soon_as_it_is_fetched_still_fails_the_request(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    # Every token refused at once (as wrong credentials for this API host would be): one
    # replacement, refused too, and the request gives up with the 401 (not a loop).
    user = fake.add_user("a@acme.org", "A", "B")
    fake.revoke_after = 0.0

    async def main() -> ZoomAuthError:
        async with make_client() as zoom:
            try:
                await zoom.get_user(user.id)
            except ZoomAuthError as exc:
                return exc
        raise AssertionError("a refused token was used without end")

    error = run_virtual(main())
    assert error.code == 124
    assert fake.token_requests == 2
    assert [r.status for r in fake.api_requests()] == [401, 401]
