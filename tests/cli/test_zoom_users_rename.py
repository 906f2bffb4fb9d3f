"""`usked admin zoom-users rename|undo|history|audit` against the fake Zoom (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import FakeRequest, FakeUser, Fault

RENAME = ["admin", "zoom-users", "rename"]


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")


def add_hosts(zoom: ZoomKit, *names: str) -> list[FakeUser]:
    """host-01@acme.org … with these display names (first/last split on the last space)."""
    users = []
    for i, name in enumerate(names, start=1):
        first, _, last = name.rpartition(" ")
        users.append(zoom.fake.add_user(f"host-{i:02}@acme.org", first or name, last))
    return users


def names(zoom: ZoomKit) -> dict[str, tuple[str, str, str]]:
    return {
        u.email: (u.display_name, u.first_name, u.last_name)
        for u in zoom.fake.users.values()
        if u.email.startswith("host-")
    }


def patches(zoom: ZoomKit) -> int:
    return len(zoom.fake.api_requests("PATCH"))


def test_rename_gives_generic_names_in_email_order(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones", "Acme Corp Host B", "Ann Lee")
    zoom.fake.add_user("maria@acme.org", "Maria", "Lopez")  # outside the pool: untouched
    result = zoom.run([*RENAME, "--yes", "--json"])
    assert result.exit_code == 0, result.stderr
    assert names(zoom) == {
        "host-01@acme.org": ("Acme Corp Host A", "Acme Corp Host", "A"),
        "host-02@acme.org": ("Acme Corp Host B", "Acme Corp Host", "B"),  # kept its label
        "host-03@acme.org": ("Acme Corp Host C", "Acme Corp Host", "C"),
    }
    report = json.loads(result.stdout)
    assert report["counts"] == {"renamed": 2, "failed": 0, "unchanged": 1, "done_before": 0}
    assert report["state"] == "done"
    assert {r["email"]: (r["old"], r["new"], r["status"]) for r in report["results"]} == {
        "host-01@acme.org": ("Barry Jones", "Acme Corp Host A", "renamed"),
        "host-03@acme.org": ("Ann Lee", "Acme Corp Host C", "renamed"),
    }
    maria = next(u for u in zoom.fake.users.values() if u.email == "maria@acme.org")
    assert maria.display_name == "Maria Lopez"
    assert zoom.fake.patch_counts() == {
        u.id: 1
        for u in zoom.fake.users.values()
        if u.email in ("host-01@acme.org", "host-03@acme.org")
    }


def test_rerun_sends_no_patch_and_new_users_take_the_next_labels(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    assert zoom.run([*RENAME, "--yes"]).exit_code == 0
    sent = patches(zoom)
    again = zoom.run([*RENAME, "--yes"])
    assert again.exit_code == 0
    assert "nothing to rename" in again.stderr
    assert patches(zoom) == sent
    zoom.fake.add_user("host-00@acme.org", "Zed", "New")  # sorts first, but A and B are kept
    assert zoom.run([*RENAME, "--yes"]).exit_code == 0
    assert patches(zoom) == sent + 1
    assert names(zoom)["host-00@acme.org"][0] == "Acme Corp Host C"


def test_dry_run_prints_the_plan_and_sends_nothing(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones", "Acme Corp Host A")
    result = zoom.run([*RENAME, "--dry-run", "--json"])
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [(p["email"], p["current_name"], p["new_name"], p["action"]) for p in plan] == [
        ("host-01@acme.org", "Barry Jones", "Acme Corp Host B", "rename"),
        ("host-02@acme.org", "Acme Corp Host A", "Acme Corp Host A", "unchanged"),
    ]
    assert plan[0]["first_name"] == "Acme Corp Host"
    assert plan[0]["last_name"] == "B"
    piped = zoom.run([*RENAME, "--dry-run"])
    assert piped.stdout.splitlines()[0].split("\t")[:4] == [
        "host-01@acme.org",
        "Barry Jones",
        "Acme Corp Host B",
        "rename",
    ]
    assert patches(zoom) == 0
    assert "plan: 1 to rename, 1 unchanged" in piped.stderr


def test_template_n02_and_letters_past_z(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, *[f"Person {i}" for i in range(1, 29)])
    letters = json.loads(zoom.run([*RENAME, "--dry-run", "--json"]).stdout)
    assert [p["new_name"][-2:].strip() for p in letters][25:] == ["Z", "AA", "AB"]
    numbered = json.loads(
        zoom.run([*RENAME, "--dry-run", "--json", "--template", "Host {n:02}"]).stdout
    )
    assert [p["new_name"] for p in numbered][:2] == ["Host 01", "Host 02"]
    assert numbered[-1]["new_name"] == "Host 28"


def test_names_over_64_characters_are_refused_before_any_request(
    zoom: ZoomKit, org: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "USKED_ORG__NAME", "The Very Long Name Of An Interpreting Agency That Goes On And On And On"
    )
    add_hosts(zoom, "Barry Jones")
    result = zoom.run([*RENAME, "--yes"])
    assert result.exit_code == 2
    assert "refused" in result.stderr
    assert "64" in result.stderr
    assert patches(zoom) == 0


def test_yes_is_required_when_not_interactive(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones")
    result = zoom.run(RENAME)
    assert result.exit_code == 2
    assert "--yes required" in result.stderr
    assert patches(zoom) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing selects anyone"),
        (["--match", "nobody-*@acme.org"], "no active Zoom user matches nobody-*@acme.org"),
        (["--match", "x*", "--template", "Host"], "{letter}"),
    ],
)
def test_nothing_selected_or_bad_template_is_exit_2(
    zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    add_hosts(zoom, "Barry Jones")
    result = zoom.run([*RENAME, "--yes", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert patches(zoom) == 0


def test_partial_failure_lists_failed_rows_and_rerun_retries_them(zoom: ZoomKit, org: None) -> None:
    users = add_hosts(zoom, "Barry Jones", "Ann Lee", "Cy Young")
    broken = users[1].id

    def reject(request: FakeRequest) -> Fault | None:
        if request.method == "PATCH" and request.path.endswith(broken):
            return Fault("status", 400, {"code": 300, "message": "Validation Failed."})
        return None

    zoom.fake.fault_rule = reject
    result = zoom.run([*RENAME, "--yes", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["counts"]["renamed"] == 2
    assert report["counts"]["failed"] == 1
    assert report["state"] == "failed"
    assert "host-02@acme.org: " in result.stderr
    assert "Validation Failed" in result.stderr
    zoom.fake.fault_rule = None
    rerun = zoom.run([*RENAME, "--yes", "--json"])
    assert rerun.exit_code == 0, rerun.stderr
    again = json.loads(rerun.stdout)
    assert again["run_id"] != report["run_id"]  # a fresh plan: only the failed user is left
    assert again["resumed"] is False
    assert [r["email"] for r in again["results"]] == ["host-02@acme.org"]
    assert again["results"][0]["old"] == "Ann Lee"
    assert names(zoom)["host-02@acme.org"][0] == "Acme Corp Host B"


def test_interrupted_run_is_resumed_with_the_journaled_before_names(
    zoom: ZoomKit, org: None
) -> None:
    """A run cut off after some PATCHes landed (one of them unrecorded) finishes on rerun; undo
    then restores every original name, including the one whose PATCH landed unrecorded."""
    originals = ["Barry Jones", "Ann Lee", "Cy Young", "Di Prince"]
    add_hosts(zoom, *originals)
    calls = {"n": 0}

    def cut_off(request: FakeRequest) -> Fault | None:
        if request.method == "PATCH":
            calls["n"] += 1
            if calls["n"] == 3:  # lands, but the answer never comes back; then the network is gone
                return Fault("read_error", applied=True)
            if calls["n"] > 3:
                return Fault("connect_error")
        return None

    zoom.fake.fault_rule = cut_off
    first = zoom.run([*RENAME, "--yes", "--concurrency", "1"])
    assert first.exit_code == 1
    assert "run the same command again to finish it" in first.stderr
    history = json.loads(zoom.run(["admin", "zoom-users", "history", "--json"]).stdout)
    assert history[0]["state"] == "interrupted"  # stopped early, and no process holds it
    zoom.fake.fault_rule = None
    second = zoom.run([*RENAME, "--yes", "--json", "--concurrency", "1"])
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["resumed"] is True
    assert [n[0] for n in names(zoom).values()] == [f"Acme Corp Host {c}" for c in "ABCD"]
    undo = zoom.run(["admin", "zoom-users", "undo", "--yes"])
    assert undo.exit_code == 0, undo.stderr
    assert [n[0] for n in names(zoom).values()] == originals


def test_undo_restores_and_is_idempotent(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones", "Acme Corp Host B")
    before = names(zoom)
    assert zoom.run([*RENAME, "--yes"]).exit_code == 0
    assert names(zoom) != before
    dry = zoom.run(["admin", "zoom-users", "undo", "--dry-run", "--json"])
    assert json.loads(dry.stdout) == [
        {
            "user_id": next(
                u.id for u in zoom.fake.users.values() if u.email == "host-01@acme.org"
            ),
            "email": "host-01@acme.org",
            "current_name": "Acme Corp Host A",
            "restore": "Barry Jones",
        }
    ]
    undo = zoom.run(["admin", "zoom-users", "undo", "--yes", "--json"])
    assert undo.exit_code == 0, undo.stderr
    assert names(zoom) == before
    sent = patches(zoom)
    again = zoom.run(["admin", "zoom-users", "undo", "--yes"])
    assert again.exit_code == 0
    assert "nothing to undo" in again.stderr
    assert patches(zoom) == sent


def test_history_lists_runs_with_counts(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    assert json.loads(zoom.run(["admin", "zoom-users", "history", "--json"]).stdout) == []
    zoom.run([*RENAME, "--yes"])
    zoom.run(["admin", "zoom-users", "undo", "--yes"])
    runs = json.loads(zoom.run(["admin", "zoom-users", "history", "--json"]).stdout)
    assert [(r["kind"], r["state"], r["counts"]["done"]) for r in runs] == [
        ("undo", "done", 2),
        ("rename", "undone", 2),
    ]
    assert runs[0]["undo_of"] == runs[1]["run_id"]
    assert runs[1]["selection"] == {"pool": ["host-*@acme.org"]}
    assert runs[1]["template"] == "{org} Host {letter}"


def test_csv_plan_round_trips_into_from_csv(zoom: ZoomKit, org: None, tmp_path: Path) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    plan = zoom.run([*RENAME, "--dry-run", "--csv"]).stdout
    assert plan.splitlines()[0] == "email,name,current_name,action,reason"
    edited = tmp_path / "names.csv"
    edited.write_text(plan.replace("Acme Corp Host B", "Front Desk"))
    result = zoom.run([*RENAME, "--from-csv", str(edited), "--yes"])
    assert result.exit_code == 0, result.stderr
    assert names(zoom) == {
        "host-01@acme.org": ("Acme Corp Host A", "Acme Corp Host", "A"),
        "host-02@acme.org": ("Front Desk", "Front", "Desk"),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mail,title\nx@acme.org,X\n", "needs a header row with the columns email and name"),
        ("email,name\nx@acme.org,X\nX@acme.org,Y\n", "listed twice"),
        ("email,name\nnot-an-email,X\n", "is not an email address"),
        ("email,name\n", "no rows"),
    ],
)
def test_bad_csv_is_exit_2(
    zoom: ZoomKit, org: None, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "names.csv"
    path.write_text(text)
    result = zoom.run([*RENAME, "--from-csv", str(path), "--yes"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert zoom.fake.requests == []


def test_audit_finds_personal_names_and_basic_users(zoom: ZoomKit, org: None) -> None:
    users = add_hosts(zoom, "Acme Corp Host A", "Barry Jones")
    zoom.fake.add_user("host-03@acme.org", "Acme Corp Host", "C", type=1)
    result = zoom.run(["admin", "zoom-users", "audit", "--json"])
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert [(r["email"], r["problems"]) for r in records] == [
        ("host-02@acme.org", ["name does not render from the template"]),
        ("host-03@acme.org", ["not licensed (type 1: Zoom ends its meetings after 40 minutes)"]),
    ]
    assert records[0]["id"] == users[1].id
    zoom.run([*RENAME, "--yes"])
    zoom.fake.users[
        next(u.id for u in zoom.fake.users.values() if u.email == "host-03@acme.org")
    ].type = 2
    clean = zoom.run(["admin", "zoom-users", "audit", "--json"])
    assert clean.exit_code == 0
    assert json.loads(clean.stdout) == []


# --- scopes checked before the first PATCH (issue 14) -------------------------------------------


GRANULAR_WITHOUT_READING_ONE_USER = {
    "user:read:list_users:admin",
    "user:update:user:admin",
    "meeting:read:meeting:admin",
    "meeting:read:list_meetings:admin",
}


def test_rename_refuses_before_any_patch_without_a_scope_it_needs(zoom: ZoomKit, org: None) -> None:
    # A granular app that can list and update users but not read one back: the PATCHes would
    # work until a lost answer or a resume needed the GET, and the run would stop halfway.
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    zoom.fake.scopes = set(GRANULAR_WITHOUT_READING_ONE_USER)
    result = zoom.run([*RENAME, "--yes"])
    assert result.exit_code == 1
    assert "user:read:user:admin" in result.stderr
    assert "nothing was changed" in result.stderr
    assert patches(zoom) == 0
    assert zoom.fake.api_requests("GET", "/v2/users") == []  # not even the listing
    history = zoom.run(["admin", "zoom-users", "history", "--json"])
    assert json.loads(history.stdout) == []  # no run journaled
    # The plan itself may still be looked at.
    assert zoom.run([*RENAME, "--dry-run"]).exit_code == 0


def test_undo_refuses_before_any_patch_without_a_scope_it_needs(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones")
    assert zoom.run([*RENAME, "--yes"]).exit_code == 0
    done = patches(zoom)
    zoom.fake.scopes = set(GRANULAR_WITHOUT_READING_ONE_USER)
    result = zoom.run(["admin", "zoom-users", "undo", "--yes"])
    assert result.exit_code == 1
    assert "user:read:user:admin" in result.stderr
    assert patches(zoom) == done


@pytest.mark.parametrize("seed", range(50))
def test_rename_rides_out_token_churn_through_the_command(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The whole command (plan, journal, PATCHes) under tokens revoked 3 s after issue, 200 ms
    # per request, 4 % 5xx and 4 % 429, 50 seeded runs in a row (virtual time): every user
    # renamed exactly once, no run exits 1.

    from tests.cli.helpers import run
    from tests.cli.zoomkit import SECRET
    from tests.fakes.zoom import VirtualClock, churning_fake, run_virtual

    clock = VirtualClock()
    fake = churning_fake(clock, seed, client_secret=SECRET)
    fake.add_users(300)
    for name, value in fake.credentials().items():
        monkeypatch.setenv(f"USKED_ZOOM__{name.upper()}", str(value))
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    result = run(
        [*RENAME, "--match", "*@acme.org", "--yes", "--json"],
        zoom_transport=fake.transport(),
        run_async=run_virtual,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["renamed"] == 300
    assert set(fake.patch_counts().values()) == {1}
    assert len(fake.patch_counts()) == 300
    assert fake.token_requests >= 2


def test_a_rename_over_the_free_plans_daily_cap_is_said_first(
    zoom: ZoomKit, org: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import usked_cli.zoom.ratelimit as ratelimit

    monkeypatch.setenv("USKED_ZOOM__PLAN", "free")
    monkeypatch.setitem(ratelimit.PLAN_DAILY_LIMITS, "free", {"light": 2})  # 6,000 in fact
    add_hosts(zoom, "Barry Jones", "Ann Lee", "Cy Oh")
    result = zoom.run([*RENAME, "--yes"])
    assert result.exit_code == 0, result.stderr
    assert "3 changes on the free plan, which allows 2 light requests a day" in result.stderr
    small = zoom.run([*RENAME, "--yes", "--match", "host-01@acme.org", "--template", "X {letter}"])
    assert "light requests a day" not in small.stderr
