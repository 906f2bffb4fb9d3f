"""Zoom's error bodies become typed errors; 5xx and network trouble are retried within bounds;
unreachable hosts fail fast and by name; secrets never show."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from tests.fakes.zoom import (
    DEFAULT_EPOCH,
    FakeZoom,
    Fault,
    StepClock,
    VirtualClock,
    run_virtual,
    serve,
)
from tests.zoom.conftest import SECRET, ClientFactory
from usked_cli.errors import NotFoundError
from usked_cli.zoom.client import ZoomClient
from usked_cli.zoom.errors import (
    ZoomConnectionError,
    ZoomError,
    ZoomNotFound,
    ZoomUnavailable,
    ZoomValidationError,
)


def test_unknown_user_is_not_found_and_never_retried(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomNotFound) as caught:
                await zoom.get_user("x@acme.org")
            error = caught.value
            assert str(error) == "Zoom user not found: x@acme.org (code 1001)"
            assert error.exit_code == 3
            assert isinstance(error, NotFoundError)
            assert (error.status, error.code) == (404, 1001)

    run_virtual(main())
    assert len(fake.api_requests()) == 1


def test_unknown_meeting_is_not_found(fake: FakeZoom, make_client: ClientFactory) -> None:
    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomNotFound) as caught:
                await zoom.get_meeting("855 1234 5678")
            assert str(caught.value) == "Zoom meeting not found: 85512345678 (code 3001)"

    run_virtual(main())
    assert len(fake.api_requests()) == 1


def test_patch_renames_and_answers_no_content(fake: FakeZoom, make_client: ClientFactory) -> None:
    user = fake.add_user("a@acme.org", "Ana", "Ruiz")

    async def main() -> None:
        async with make_client() as zoom:
            await zoom.update_user_names(
                user.id, first_name="Host", last_name="A", display_name="Host A"
            )
            renamed = await zoom.get_user(user.id)
            assert (renamed.first_name, renamed.last_name, renamed.display_name) == (
                "Host",
                "A",
                "Host A",
            )

    run_virtual(main())
    assert [(p.user_id, dict(p.changes)) for p in fake.patches] == [
        (user.id, {"first_name": "Host", "last_name": "A", "display_name": "Host A"})
    ]


def test_patch_validation_error_carries_zooms_message(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "Ana", "Ruiz")

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomValidationError) as caught:
                await zoom.update_user_names(user.id, first_name="x" * 65)
            error = caught.value
            assert "Validation Failed." in error.message
            assert "first_name" in error.message
            assert error.code == 300
            assert error.exit_code == 1

    run_virtual(main())
    assert fake.patches == []
    assert len(fake.api_requests("PATCH")) == 1


def test_patch_of_an_unknown_user_is_not_found(fake: FakeZoom, make_client: ClientFactory) -> None:
    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomNotFound, match="Zoom user not found: nobody"):
                await zoom.update_user_names("nobody", first_name="Host")

    run_virtual(main())


def test_other_4xx_is_not_retried(fake: FakeZoom, make_client: ClientFactory) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault("status", 403, {"code": 200, "message": "No permission."}, path="/v2/users"))

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomError, match=r"No permission\. \(HTTP 403, code 200\)"):
                await zoom.get_user(user.id)

    run_virtual(main())
    assert len(fake.api_requests()) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_storm_that_clears_is_ridden_out(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory, status: int
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault.server_error(status, path="/v2/"), times=3)

    async def main() -> float:
        async with make_client() as zoom:
            assert (await zoom.get_user(user.id)).id == user.id
            assert zoom.stats.server_errors == 3
            assert zoom.stats.retries == 3
            return clock.monotonic()

    elapsed = run_virtual(main())
    # Backoff 0.5, 1, 2 s, each within [0.75, 1.25) of nominal.
    assert 0.75 * 3.5 <= elapsed <= 1.25 * 3.5
    assert [r.status for r in fake.api_requests()] == [status] * 3 + [200]


def test_a_5xx_that_persists_gives_up_after_max_attempts(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.fault_rule = lambda request: (
        Fault.server_error(503) if request.path.startswith("/v2/") else None
    )

    async def main() -> None:
        async with make_client() as zoom:
            with pytest.raises(ZoomUnavailable) as caught:
                await zoom.get_user(user.id)
            assert caught.value.status == 503
            assert "5 times" in caught.value.message
            assert caught.value.exit_code == 1

    run_virtual(main())
    assert len(fake.api_requests()) == 5


@pytest.mark.parametrize(
    "fault",
    [
        Fault.dropped("connect", path="/v2/"),
        Fault.dropped("read", path="/v2/"),
        Fault.timeout("read", delay=3, path="/v2/"),
        Fault.timeout("connect", delay=5, path="/v2/"),
    ],
    ids=["connect-error", "read-error", "read-timeout", "connect-timeout"],
)
def test_network_trouble_is_retried(
    fake: FakeZoom, make_client: ClientFactory, fault: Fault
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(fault)

    async def main() -> None:
        async with make_client() as zoom:
            assert (await zoom.get_user(user.id)).id == user.id
            assert zoom.stats.connection_errors == 1

    run_virtual(main())


def test_a_patch_lost_after_landing_is_checked_not_resent(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault.dropped("read", applied=True, method="PATCH"))

    async def main() -> None:
        async with make_client() as zoom:
            await zoom.update_user_names(user.id, first_name="Host")

    run_virtual(main())
    assert fake.patch_counts()[user.id] == 1  # read back before a resend: it had landed
    assert fake.user(user.id).first_name == "Host"
    assert len(fake.api_requests("GET", f"/v2/users/{user.id}")) == 1


def test_a_patch_lost_before_landing_is_resent(fake: FakeZoom, make_client: ClientFactory) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    fake.inject(Fault.dropped("read", applied=False, method="PATCH"))

    async def main() -> None:
        async with make_client() as zoom:
            await zoom.update_user_names(user.id, first_name="Host")

    run_virtual(main())
    assert fake.patch_counts()[user.id] == 1
    assert fake.user(user.id).first_name == "Host"


def test_a_host_that_never_answers_fails_within_30_seconds_naming_it(
    fake: FakeZoom, clock: VirtualClock, make_client: ClientFactory
) -> None:
    fake.fault_rule = lambda request: Fault.timeout("connect", delay=5)

    async def main() -> float:
        async with make_client(oauth_url="https://zoom.us/oauth/token") as zoom:
            with pytest.raises(ZoomConnectionError) as caught:
                await zoom.get_user("a@acme.org")
            error = caught.value
            assert error.host == "zoom.us"
            assert "zoom.us" in error.message
            assert "timeout" in error.reason
            assert error.hint is not None
            assert "zoom.oauth_url" in error.hint
            return clock.monotonic()

    assert run_virtual(main()) <= 30


def test_dns_failure_is_not_retried(clock: VirtualClock, make_client: ClientFactory) -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.host)
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async def main() -> None:
        async with make_client(transport=httpx.MockTransport(handler)) as zoom:
            with pytest.raises(ZoomConnectionError, match="DNS lookup failed"):
                await zoom.token_info()

    run_virtual(main())
    assert attempts == ["zoom.us"]


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _real_client(fake: FakeZoom, clock: StepClock, api_url: str, oauth_url: str) -> ZoomClient:
    return ZoomClient(
        **fake.credentials(),
        api_url=api_url,
        oauth_url=oauth_url,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        now=clock.now,
    )


@pytest.fixture
def real_fake() -> FakeZoom:
    fake = FakeZoom()  # real clock: it is served over loopback
    fake.add_user("a@acme.org", "A", "B")
    return fake


def test_unreachable_oauth_host_fails_fast_naming_it(real_fake: FakeZoom) -> None:
    port = _unused_port()
    clock = StepClock()

    async def main() -> None:
        async with _real_client(
            real_fake,
            clock,
            api_url=f"http://127.0.0.1:{_unused_port()}/v2",
            oauth_url=f"http://127.0.0.1:{port}/oauth/token",
        ) as zoom:
            with pytest.raises(ZoomConnectionError) as caught:
                await zoom.get_user("a@acme.org")
            error = caught.value
            assert error.host == f"127.0.0.1:{port}"
            assert f"127.0.0.1:{port}" in str(error)
            assert error.reason == "connection refused"
            assert error.exit_code == 1

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 5  # real time: refused at once, waits are fake
    assert clock.elapsed <= 30
    assert len(clock.sleeps) == 4  # five tries


def test_unreachable_api_host_fails_fast_naming_it(real_fake: FakeZoom) -> None:
    port = _unused_port()
    clock = StepClock()
    with serve(real_fake) as server:

        async def main() -> None:
            async with _real_client(
                real_fake,
                clock,
                api_url=f"http://127.0.0.1:{port}/v2",
                oauth_url=server.oauth_url,
            ) as zoom:
                with pytest.raises(ZoomConnectionError) as caught:
                    await zoom.get_user("a@acme.org")
                assert caught.value.host == f"127.0.0.1:{port}"
                assert caught.value.hint is not None
                assert "zoom.api_url" in caught.value.hint

        asyncio.run(main())
    assert real_fake.token_requests == 1
    assert clock.elapsed <= 30


def test_secrets_never_reach_logs_errors_or_reprs(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    host = fake.add_user("host@acme.org", "Host", "A")
    meeting = fake.add_meeting(host, "Session", DEFAULT_EPOCH, 60)
    fake.inject(Fault.server_error(503, path="/v2/meetings"))
    lines: list[str] = []
    notes: list[str] = []
    texts: list[str] = []

    async def main() -> None:
        async with make_client(log=lines.append, on_retry=notes.append) as zoom:
            got = await zoom.get_meeting(meeting.id)
            texts.extend([repr(got), str(got), repr(zoom), repr(zoom.stats)])
            texts.append(repr(await zoom.token_info()))
            for call in (zoom.get_user("nobody@acme.org"), zoom.get_meeting(1)):
                try:
                    await call
                except ZoomError as error:
                    texts.extend([str(error), repr(error), error.hint or ""])

    run_virtual(main())
    assert lines  # one line per request
    assert any("503" in line and "retry" not in line for line in lines)
    assert any(line.endswith("retry 1") for line in lines)
    tokens = list(fake._tokens)  # the fake's issued tokens
    for text in [*lines, *notes, *texts]:
        assert SECRET not in text
        assert meeting.zak not in text
        assert "zak=" not in text
        for token in tokens:
            assert token not in text
        assert "?" not in text.split(" ")[1] if text.startswith("zoom: ") else True


def test_retry_notes_stay_quiet_at_first_then_come_throttled(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    user = fake.add_user("a@acme.org", "A", "B")
    notes: list[str] = []

    async def main() -> None:
        async with make_client(on_retry=notes.append) as zoom:
            fake.inject(Fault.server_error(503, path="/v2/"), times=2)
            await zoom.get_user(user.id)
            assert notes == []  # two retries: nothing to say yet
            fake.inject(Fault.server_error(503, path="/v2/"), times=4)
            await zoom.get_user(user.id)
            assert zoom.stats.retries == 6

    run_virtual(main())
    assert len(notes) == 1  # one note, then at most one every 5 s
    assert notes[0].startswith("Zoom answered 503 to GET /users/")
