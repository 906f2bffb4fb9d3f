"""The rename plan's CSV is the format --from-csv reads: a round trip gives the same plan, and
cells a spreadsheet would run as formulas are guarded with a leading ' both ways."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_zoom_users_rename import RENAME, add_hosts, names
from tests.cli.zoomkit import ZoomKit
from usked_cli.renames import CSV_EMAIL, CSV_NAME, PLAN_CSV_FIELDS, read_names_csv


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")


PLAN_KEYS = ("user_id", "email", "current_name", "new_name", "first_name", "last_name", "action")


def plan_of(result_stdout: str) -> list[tuple[Any, ...]]:
    return [tuple(p[key] for key in PLAN_KEYS) for p in json.loads(result_stdout)]


def test_dry_run_csv_into_from_csv_gives_the_same_plan(
    zoom: ZoomKit, org: None, tmp_path: Path
) -> None:
    add_hosts(zoom, "Barry Jones", "Acme Corp Host B", "=HYPERLINK(x) Lee", "+1 555 Desk")
    planned = zoom.run([*RENAME, "--dry-run", "--json"])
    assert planned.exit_code == 0, planned.stderr
    written = zoom.run([*RENAME, "--dry-run", "--csv"])
    assert written.exit_code == 0, written.stderr
    assert written.stdout.splitlines()[0] == ",".join(PLAN_CSV_FIELDS)
    path = tmp_path / "plan.csv"
    path.write_text(written.stdout)
    replayed = zoom.run([*RENAME, "--from-csv", str(path), "--dry-run", "--json"])
    assert replayed.exit_code == 0, replayed.stderr
    assert plan_of(replayed.stdout) == plan_of(planned.stdout)
    assert zoom.fake.api_requests("PATCH") == []


def test_plan_csv_guards_formula_cells(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "=HYPERLINK(x) Lee", "@SUM Desk", "-Minus One")
    rows = list(csv.DictReader(io.StringIO(zoom.run([*RENAME, "--dry-run", "--csv"]).stdout)))
    assert [r["current_name"] for r in rows] == ["'=HYPERLINK(x) Lee", "'@SUM Desk", "'-Minus One"]
    assert [r[CSV_NAME] for r in rows] == [
        "Acme Corp Host A",
        "Acme Corp Host B",
        "Acme Corp Host C",
    ]


def test_from_csv_strips_one_formula_guard(zoom: ZoomKit, org: None, tmp_path: Path) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee", "Cy Young")
    path = tmp_path / "names.csv"
    path.write_text(
        f"{CSV_EMAIL},{CSV_NAME}\n"
        "host-01@acme.org,'-Front Desk\n"  # guarded: the name is "-Front Desk"
        "host-02@acme.org,'Quoted Name\n"  # not before a formula character: kept as written
        "host-03@acme.org,'@Desk Three\n"  # guarded: "@Desk Three"
    )
    assert read_names_csv(path) == (
        ("host-01@acme.org", "-Front Desk"),
        ("host-02@acme.org", "'Quoted Name"),
        ("host-03@acme.org", "@Desk Three"),
    )
    result = zoom.run([*RENAME, "--from-csv", str(path), "--yes"])
    assert result.exit_code == 0, result.stderr
    assert names(zoom)["host-01@acme.org"] == ("-Front Desk", "-Front", "Desk")
    assert names(zoom)["host-02@acme.org"][0] == "'Quoted Name"
