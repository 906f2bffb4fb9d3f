"""Zoom misbehaving under a listing or a bulk rename: 429 storms, 5xx bursts, dropped connections,
tokens that expire every second or get revoked, a daily limit mid-run.

The promise under test: `admin zoom-users list --json` lists every user exactly once, and
`admin zoom-users rename --yes` ends with every user named as the dry-run plan said, each PATCH
applied once where the design allows it.

Dropped connections and token expiry run against the fake on loopback (real HTTP, real time), so
the client's real transport, connection pool and timers are in play; the 429 storms (whose
Retry-After waits are whole seconds) run in process on virtual time.
"""

from __future__ import annotations

import email.utils
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.fakes.zoom import FakeRequest, FakeZoom, Fault
from tests.robustness.conftest import (
    RENAME,
    Kit,
    LoopbackZoom,
    VirtualZoom,
    names,
)

Rule = Callable[[FakeRequest], Fault | None]
# A fault for the `attempt`-th request (1-based) to one resource, or None to let it through.
Plan = Callable[[FakeRequest, int], Fault | None]


def per_resource(fake: FakeZoom, plan: Plan) -> Rule:
    """A fault rule that counts attempts per resource (method, path, page token) and asks `plan`
    what the next one meets. Token requests pass untouched."""
    attempts: Counter[tuple[str, str, str]] = Counter()

    def rule(request: FakeRequest) -> Fault | None:
        if not request.path.startswith(fake.api_prefix + "/"):
            return None
        key = (request.method, request.path, request.query.get("next_page_token", ""))
        attempts[key] += 1
        return plan(request, attempts[key])

    return rule


def faults_met(fake: FakeZoom, method: str | None = None) -> int:
    """API requests that met an injected fault (a status fault, a drop) or a token refusal."""
    return sum(
        1 for r in fake.api_requests(method) if r.fault is not None or r.status in (401, 429)
    )


def assert_listed_once(kit: Kit, expected: int) -> None:
    ids = kit.listed_ids()
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicates == []
    assert len(ids) == expected
    assert set(ids) == kit.active_ids()


def assert_renamed_as_planned(kit: Kit, plan: dict[str, tuple[str, str, str]]) -> dict[str, object]:
    """Run `rename --yes --json`: exit 0, every user renamed and named as planned."""
    result = kit.run([*RENAME, "--yes", "--json"])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    assert report["counts"] == {
        "renamed": len(plan),
        "failed": 0,
        "unchanged": 0,
        "done_before": 0,
    }
    assert report["state"] == "done"
    assert names(kit.fake) == plan
    return report


def assert_each_patch_once(fake: FakeZoom, plan: dict[str, tuple[str, str, str]]) -> None:
    assert fake.patch_counts() == dict.fromkeys(plan, 1)


# --- loopback: dropped connections, 5xx, tokens -------------------------------------------------

LISTING_FAULTS: dict[str, Callable[[int], Fault]] = {
    # page number (1, 2) -> what its first attempt meets
    "503, then a drop after the page was served": lambda page: (
        Fault.server_error(503) if page == 1 else Fault.dropped("read", applied=True)
    ),
    "a drop before Zoom looked, then 502": lambda page: (
        Fault.dropped("connect") if page == 1 else Fault.server_error(502)
    ),
}


@pytest.mark.parametrize("scenario", LISTING_FAULTS)
def test_loopback_listing_lists_every_user_once_through_5xx_and_drops(
    loopback_zoom: Callable[..., LoopbackZoom], scenario: str
) -> None:
    kit = loopback_zoom(350)  # two pages of 300
    pages: list[str] = []

    def plan(request: FakeRequest, attempt: int) -> Fault | None:
        token = request.query.get("next_page_token", "")
        if token not in pages:
            pages.append(token)
        return LISTING_FAULTS[scenario](pages.index(token) + 1) if attempt == 1 else None

    kit.fake.fault_rule = per_resource(kit.fake, plan)
    assert_listed_once(kit, 350)
    assert len(pages) == 2
    assert faults_met(kit.fake, "GET") == 2


def test_loopback_listing_lists_every_user_once_when_tokens_are_revoked_and_expire(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    kit = loopback_zoom(650)  # three pages

    def plan(request: FakeRequest, attempt: int) -> Fault | None:
        if attempt == 1 and request.query.get("next_page_token"):
            # Page 2 finds its token revoked (a newer one was issued), page 3 finds it expired.
            if len(kit.fake.api_requests("GET")) < 3:
                kit.fake.revoke_tokens()
            else:
                kit.fake.expire_tokens()
        return None

    kit.fake.fault_rule = per_resource(kit.fake, plan)
    assert_listed_once(kit, 650)
    assert [r.status for r in kit.fake.api_requests("GET")] == [200, 401, 200, 401, 200]
    assert kit.fake.token_requests == 3


def test_loopback_rename_lands_once_through_5xx_and_dropped_connections(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    kit = loopback_zoom(60)
    plan = kit.plan()
    kinds = [
        Fault.server_error(503),
        Fault.dropped("read"),  # the PATCH never reached Zoom's handler
        Fault.server_error(502),
        Fault.dropped("connect"),
        Fault.server_error(500),
    ]
    hit: list[str] = []

    def faults(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method != "PATCH" or attempt > 1:
            return None
        hit.append(request.path)
        return kinds[len(hit) % len(kinds)] if len(hit) % 3 == 0 else None

    kit.fake.fault_rule = per_resource(kit.fake, faults)
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)
    assert faults_met(kit.fake, "PATCH") == 20


def test_loopback_rename_with_tokens_expiring_every_second(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    """Each new token revokes the one before (as Zoom does); the run outlives several."""
    kit = loopback_zoom(120, token_lifetime=1)
    plan = kit.plan()
    tokens_before = kit.fake.token_requests
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)
    tokens_used = {r.token_no for r in kit.fake.api_requests("PATCH")}
    assert len(tokens_used) >= 2
    assert kit.fake.token_requests - tokens_before >= 2


def test_loopback_rename_with_tokens_revoked_mid_run(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    kit = loopback_zoom(60)
    plan = kit.plan()
    firsts: list[str] = []

    def revoke(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method == "PATCH" and attempt == 1:
            firsts.append(request.path)
            if len(firsts) in (10, 40):
                kit.fake.revoke_tokens()  # this request, and any in flight, carry a dead token
        return None

    kit.fake.fault_rule = per_resource(kit.fake, revoke)
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)
    assert sum(r.status == 401 for r in kit.fake.api_requests("PATCH")) >= 2


def lose_answers(fake: FakeZoom, every: int) -> Rule:
    """Every `every`-th user's first PATCH lands, but the connection drops before the answer."""
    firsts: list[str] = []

    def plan(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method != "PATCH" or attempt > 1:
            return None
        firsts.append(request.path)
        return Fault.dropped("read", applied=True) if len(firsts) % every == 0 else None

    return per_resource(fake, plan)


def test_loopback_rename_whose_answers_are_lost_ends_as_planned(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    kit = loopback_zoom(60)
    plan = kit.plan()
    kit.fake.fault_rule = lose_answers(kit.fake, every=6)
    assert_renamed_as_planned(kit, plan)
    assert faults_met(kit.fake, "PATCH") == 10
    history = json.loads(kit.run(["admin", "zoom-users", "history", "--json"]).stdout)
    assert [(r["state"], r["counts"]["done"]) for r in history] == [("done", 60)]


def test_loopback_rename_whose_answers_are_lost_applies_each_patch_once(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    kit = loopback_zoom(12)
    plan = kit.plan()
    kit.fake.fault_rule = lose_answers(kit.fake, every=4)
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)


def test_loopback_daily_limit_mid_rename_then_rerun_lands_each_once(
    loopback_zoom: Callable[..., LoopbackZoom],
) -> None:
    kit = loopback_zoom(60)
    plan = kit.plan()
    firsts: list[str] = []

    def exhaust(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method == "PATCH" and attempt == 1:
            firsts.append(request.path)
            if len(firsts) == 20:
                kit.fake.exhaust_daily_limit("light")
        return None

    kit.fake.fault_rule = per_resource(kit.fake, exhaust)
    first = kit.run([*RENAME, "--yes"])
    assert first.exit_code == 1
    errors = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "daily rate limit for light requests is used up" in errors[0]
    assert "resets at" in errors[0]
    assert "run the same command again" in first.stderr
    assert "Traceback" not in first.stderr
    landed = sum(kit.fake.patch_counts().values())
    assert 0 < landed < len(plan)

    kit.fake.daily_exhausted.clear()  # the next day
    kit.fake.fault_rule = None
    rerun = kit.run([*RENAME, "--yes", "--json"])
    assert rerun.exit_code == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["resumed"] is True
    assert report["state"] == "done"
    assert names(kit.fake) == plan
    assert_each_patch_once(kit.fake, plan)


# --- virtual time: 429 storms, 5xx bursts, short-lived tokens ---------------------------------


def too_many(kit: VirtualZoom, style: int) -> Fault:
    """A per-second 429 in one of Zoom's shapes: Retry-After in seconds or as an HTTP date, or
    none; the X-RateLimit-Type header, or none (then only the message says per-second)."""
    if style % 4 == 0:
        return Fault.too_many_requests(retry_after="1")
    if style % 4 == 1:
        return Fault.too_many_requests()
    if style % 4 == 2:
        return Fault.too_many_requests(type_header=False)
    when = kit.clock.now() + timedelta(seconds=2)
    return Fault.too_many_requests(retry_after=email.utils.format_datetime(when, usegmt=True))


def test_429_storm_listing_lists_every_user_once(
    virtual_zoom: Callable[..., VirtualZoom],
) -> None:
    kit = virtual_zoom(650)  # three pages
    storm = {"": 3}  # page token -> 429s before it is served (the first page: 3)

    def plan(request: FakeRequest, attempt: int) -> Fault | None:
        token = request.query.get("next_page_token", "")
        limit = storm.setdefault(token, 3 + 2 * len(storm))  # pages 2 and 3: 5 and 7
        return too_many(kit, attempt) if attempt <= limit else None

    kit.fake.fault_rule = per_resource(kit.fake, plan)
    assert_listed_once(kit, 650)
    assert sum(r.status == 429 for r in kit.fake.api_requests("GET")) == 3 + 5 + 7


def test_429_storm_rename_lands_each_once(virtual_zoom: Callable[..., VirtualZoom]) -> None:
    kit = virtual_zoom(100)
    plan = kit.plan()
    order: list[str] = []

    def plan_429s(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method != "PATCH":
            return None
        if attempt == 1:
            order.append(request.path)
        storm = 1 + order.index(request.path) % 6  # 1 to 6 429s for each user
        return too_many(kit, attempt + len(order)) if attempt <= storm else None

    kit.fake.fault_rule = per_resource(kit.fake, plan_429s)
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)
    assert sum(r.status == 429 for r in kit.fake.api_requests("PATCH")) == sum(
        1 + i % 6 for i in range(100)
    )


def test_rename_against_a_lower_real_limit_than_configured_lands_each_once(
    virtual_zoom: Callable[..., VirtualZoom],
) -> None:
    """The account's limit is a sixth of what the tool was told (another app uses the rest):
    real per-second 429s with Retry-After until the tool slows down."""
    kit = virtual_zoom(100, rate_limits={"light": 5, "medium": 20, "heavy": 10})
    plan = kit.plan()
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)
    assert any(r.status == 429 for r in kit.fake.api_requests("PATCH"))


def test_endless_429s_fail_one_user_softly_and_the_rerun_finishes_it(
    virtual_zoom: Callable[..., VirtualZoom],
) -> None:
    kit = virtual_zoom(20)
    plan = kit.plan()
    stuck = sorted(plan)[0]
    stuck_email = kit.fake.users[stuck].email

    def flood(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method == "PATCH" and request.path.endswith(stuck):
            return too_many(kit, attempt)
        return None

    kit.fake.fault_rule = per_resource(kit.fake, flood)
    first = kit.run([*RENAME, "--yes", "--json"])
    assert first.exit_code == 1
    report = json.loads(first.stdout)
    assert report["counts"]["renamed"] == 19
    assert report["counts"]["failed"] == 1
    assert report["state"] == "failed"
    errors = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {stuck_email}: Zoom kept answering 429")
    assert kit.fake.patch_counts()[stuck] == 0

    kit.fake.fault_rule = None
    rerun = kit.run([*RENAME, "--yes", "--json"])
    assert rerun.exit_code == 0, rerun.stderr
    again = json.loads(rerun.stdout)
    assert again["resumed"] is False  # a failed run is closed; the rerun plans the rest
    assert [r["email"] for r in again["results"]] == [stuck_email]
    assert names(kit.fake) == plan
    assert_each_patch_once(kit.fake, plan)


def test_5xx_bursts_that_clear_rename_lands_each_once(
    virtual_zoom: Callable[..., VirtualZoom],
) -> None:
    kit = virtual_zoom(100)
    plan = kit.plan()
    statuses = (500, 502, 503, 504)
    order: list[str] = []

    def burst(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method != "PATCH":
            return None
        if attempt == 1:
            order.append(request.path)
        index = order.index(request.path)
        failures = index % 4  # 0 to 3 failures before it goes through
        if attempt <= failures:
            return Fault.server_error(statuses[(index + attempt) % 4])
        return None

    kit.fake.fault_rule = per_resource(kit.fake, burst)
    assert_renamed_as_planned(kit, plan)
    assert_each_patch_once(kit.fake, plan)
    assert faults_met(kit.fake, "PATCH") == sum(i % 4 for i in range(100))


def test_listing_and_rename_with_tokens_expiring_every_two_seconds(
    virtual_zoom: Callable[..., VirtualZoom],
) -> None:
    kit = virtual_zoom(150, token_lifetime=2)
    assert_listed_once(kit, 150)
    plan = kit.plan()
    assert_renamed_as_planned(kit, plan)  # 150 PATCHes at 30/s: about 5 s, 5 tokens or more
    assert_each_patch_once(kit.fake, plan)
    assert len({r.token_no for r in kit.fake.api_requests("PATCH")}) >= 4


def test_resumed_run_finishes_the_others_when_a_user_cut_off_mid_request_is_gone(
    virtual_zoom: Callable[..., VirtualZoom],
) -> None:
    kit = virtual_zoom(40)
    plan = kit.plan()
    firsts: list[str] = []

    def exhaust(request: FakeRequest, attempt: int) -> Fault | None:
        if request.method == "PATCH" and attempt == 1:
            firsts.append(request.path)
            if len(firsts) == 10:
                kit.fake.exhaust_daily_limit("light")
        return None

    kit.fake.fault_rule = per_resource(kit.fake, exhaust)
    assert kit.run([*RENAME, "--yes"]).exit_code == 1
    # A user whose PATCH was cut off by the daily limit (journaled 'sending') leaves the account.
    cut_off = firsts[9].rsplit("/", 1)[1]
    del kit.fake.users[cut_off]
    del plan[cut_off]
    kit.fake.daily_exhausted.clear()
    kit.fake.fault_rule = None

    rerun = kit.run([*RENAME, "--yes", "--json"])
    assert "Traceback" not in rerun.stderr
    assert rerun.exit_code in (0, 1), rerun.stderr
    assert names(kit.fake) == plan
