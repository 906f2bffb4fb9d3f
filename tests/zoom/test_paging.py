"""Paging by next_page_token, meeting listings, and recurring-meeting occurrences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.fakes.zoom import DEFAULT_EPOCH, FakeZoom, run_virtual
from tests.zoom.conftest import ClientFactory
from usked_cli.zoom.errors import ZoomError
from usked_cli.zoom.models import ZoomUser


def test_iter_users_walks_every_page_with_the_same_query(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    created = fake.add_users(650)
    fake.add_user("gone@acme.org", "Gone", "User", status="inactive")

    async def main() -> list[ZoomUser]:
        async with make_client() as zoom:
            return [u async for u in zoom.iter_users()]

    users = run_virtual(main())
    assert [u.email for u in users] == [u.email for u in created]
    assert users[0] == ZoomUser(
        id=created[0].id,
        email="interp0001@acme.org",
        first_name="Interpreter",
        last_name="1",
        display_name="Interpreter 1",
        type=2,
        status="active",
        timezone="America/Chicago",
    )
    pages = fake.api_requests("GET", "/v2/users")
    assert len(pages) == 3
    assert pages[0].query == {"status": "active", "page_size": "300"}
    for page in pages[1:]:
        assert page.query["status"] == "active"
        assert page.query["page_size"] == "300"
        assert page.query["next_page_token"]


def test_iter_users_by_status(fake: FakeZoom, make_client: ClientFactory) -> None:
    fake.add_users(3)
    fake.add_user("gone@acme.org", "Gone", "User", status="inactive")

    async def main() -> list[str]:
        async with make_client() as zoom:
            return [u.email async for u in zoom.iter_users("inactive")]

    assert run_virtual(main()) == ["gone@acme.org"]


def test_users_page_returns_one_page(fake: FakeZoom, make_client: ClientFactory) -> None:
    fake.add_users(45)

    async def main() -> None:
        async with make_client() as zoom:
            first = await zoom.users_page(page_size=30)
            assert len(first.users) == 30
            assert first.total_records == 45
            assert first.next_page_token
            second = await zoom.users_page(page_size=30, next_page_token=first.next_page_token)
            assert len(second.users) == 15
            assert second.next_page_token == ""

    run_virtual(main())


@pytest.mark.parametrize("last_page", [{"next_page_token": ""}, {}])
def test_paging_ends_on_an_empty_or_missing_token(
    make_client: ClientFactory, last_page: dict[str, Any]
) -> None:
    calls: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        query = dict(request.url.params)
        calls.append(query)
        if "next_page_token" not in query:
            return httpx.Response(
                200, json={"users": [{"id": "a", "email": "a@x"}], "next_page_token": "p2"}
            )
        return httpx.Response(200, json={"users": [{"id": "b", "email": "b@x"}], **last_page})

    async def main() -> list[str]:
        async with make_client(transport=httpx.MockTransport(handler)) as zoom:
            return [u.id async for u in zoom.iter_users()]

    assert run_virtual(main()) == ["a", "b"]
    assert calls[1] == {"status": "active", "page_size": "300", "next_page_token": "p2"}


def test_a_repeated_page_token_stops_instead_of_looping(make_client: ClientFactory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3599})
        return httpx.Response(200, json={"users": [], "next_page_token": "same"})

    async def main() -> None:
        async with make_client(transport=httpx.MockTransport(handler)) as zoom:
            with pytest.raises(ZoomError, match="repeated a page token"):
                _ = [u async for u in zoom.iter_users()]

    run_virtual(main())


def test_iter_user_meetings_pages_and_lists_recurring_meetings_once(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    host = fake.add_user("host@acme.org", "Host", "A")
    start = DEFAULT_EPOCH + timedelta(days=1)
    for i in range(4):
        fake.add_meeting(host, f"Single {i}", start + timedelta(hours=i))
    weekly = [start + timedelta(days=7 * k) for k in range(5)]
    fake.add_meeting(host, "Weekly", weekly[0], type=8, occurrences=weekly)

    async def main() -> None:
        async with make_client() as zoom:
            listed = [m async for m in zoom.iter_user_meetings(host.email, page_size=2)]
            assert [m.topic for m in listed] == [f"Single {i}" for i in range(4)] + ["Weekly"]
            assert listed[-1].type == 8
            assert listed[0].start_time == start
            assert listed[0].join_url.startswith("https://us02web.zoom.us/j/")

    run_virtual(main())
    assert len(fake.api_requests("GET", "/v2/users/host@acme.org/meetings")) == 3


def test_iter_occurrences_expands_recurring_meetings_within_the_range(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    host = fake.add_user("host@acme.org", "Host", "A")
    day = DEFAULT_EPOCH + timedelta(days=1)
    inside = fake.add_meeting(host, "Inside", day, 30)
    fake.add_meeting(host, "Later", day + timedelta(days=30), 30)
    fake.add_meeting(host, "Floating", None, 60, type=3)
    weekly_starts = [day + timedelta(days=7 * k, hours=2) for k in range(4)]
    weekly = fake.add_meeting(
        host, "Weekly", weekly_starts[0], 45, type=8, occurrences=weekly_starts
    )
    weekly.occurrences[1].status = "deleted"

    async def main() -> None:
        async with make_client() as zoom:
            slots = [
                s
                async for s in zoom.iter_occurrences(
                    host.id, DEFAULT_EPOCH, DEFAULT_EPOCH + timedelta(days=20)
                )
            ]
            assert [(s.topic, s.start) for s in slots] == [
                ("Inside", day),
                ("Weekly", weekly_starts[0]),
                ("Weekly", weekly_starts[2]),
            ]
            assert slots[0].occurrence_id is None
            assert slots[0].meeting_id == inside.id
            assert slots[0].end == day + timedelta(minutes=30)
            assert slots[1].occurrence_id == weekly.occurrences[0].occurrence_id
            assert slots[1].end == weekly_starts[0] + timedelta(minutes=45)

    run_virtual(main())
    # Detail only for the recurring meeting.
    details = fake.api_requests("GET", "/v2/meetings/")
    assert [r.path for r in details] == [f"/v2/meetings/{weekly.id}"]


def test_get_meeting_returns_occurrences_and_hides_the_start_link(
    fake: FakeZoom, make_client: ClientFactory
) -> None:
    host = fake.add_user("host@acme.org", "Host", "A")
    starts = [DEFAULT_EPOCH + timedelta(days=k) for k in (1, 2)]
    meeting = fake.add_meeting(host, "Daily", starts[0], 60, type=8, occurrences=starts)

    async def main() -> None:
        async with make_client() as zoom:
            got = await zoom.get_meeting(f"{str(meeting.id)[:3]} {str(meeting.id)[3:]}")
            assert got.id == meeting.id
            assert got.host_email == "host@acme.org"
            assert got.start_time == starts[0]
            assert [o.start_time for o in got.occurrences] == starts
            assert got.occurrences[0].duration == 60
            assert got.start_url == meeting.start_url
            assert "zak=" not in repr(got)
            assert "start_url" not in repr(got)

    run_virtual(main())
