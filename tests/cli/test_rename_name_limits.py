"""`rename` refuses, in the plan and before any PATCH, a name Zoom would refuse: a first or last
name over 64 characters, or with more than 5 Chinese characters (Zoom's OpenAPI description)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_zoom_users_rename import RENAME, add_hosts, names
from tests.cli.zoomkit import ZoomKit

SIX_HANZI = "北京翻译中心"  # 6 Chinese characters
FIVE_HANZI = SIX_HANZI[:5]


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")


def assert_nothing_sent(zoom: ZoomKit) -> None:
    """No PATCH reached Zoom (refused or applied), and no run was journaled."""
    assert zoom.fake.api_requests("PATCH") == []
    assert zoom.fake.patches == []
    history = zoom.run(["admin", "zoom-users", "history", "--json"])
    assert json.loads(history.stdout) == []


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("error:", "hint:"))]


@pytest.mark.parametrize("mode", ["--yes", "--dry-run"])
def test_a_template_over_64_characters_is_refused_before_any_patch(
    zoom: ZoomKit, org: None, mode: str
) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    template = "{org} " + "x" * 56 + " {letter}"  # first name "Acme Corp xxx…": 66 characters
    result = zoom.run([*RENAME, mode, "--template", template])
    assert result.exit_code == 2, result.stderr
    assert error_lines(result.stderr) == [
        "error: 2 names refused, e.g. host-01@acme.org: the name is 68 characters, over Zoom's 64",
        "hint: shorten org.name or the template (a first or last name: at most 64 characters, "
        "at most 5 of them Chinese)",
    ]
    assert_nothing_sent(zoom)


def test_a_template_of_64_characters_passes_65_do_not(zoom: ZoomKit, org: None) -> None:
    add_hosts(zoom, "Barry Jones")
    at_limit = zoom.run([*RENAME, "--yes", "--template", "{letter}" + "y" * 63])
    assert at_limit.exit_code == 0, at_limit.stderr  # no space: a 64-character first name
    assert names(zoom)["host-01@acme.org"] == ("A" + "y" * 63, "A" + "y" * 63, "")
    over = zoom.run([*RENAME, "--yes", "--template", "{letter}" + "y" * 64])
    assert over.exit_code == 2
    assert "host-01@acme.org: the name is 65 characters, over Zoom's 64" in over.stderr
    assert len(zoom.fake.patches) == len(zoom.fake.api_requests("PATCH")) == 1  # the first run's


@pytest.mark.parametrize("mode", ["--yes", "--dry-run"])
def test_an_org_name_of_six_chinese_characters_is_refused_before_any_patch(
    zoom: ZoomKit, org: None, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", SIX_HANZI)
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    result = zoom.run([*RENAME, mode])
    assert result.exit_code == 2, result.stderr
    assert error_lines(result.stderr)[0] == (
        "error: 2 names refused, e.g. host-01@acme.org: "
        f"the first name '{SIX_HANZI} Host' has 6 Chinese characters, over Zoom's 5"
    )
    assert_nothing_sent(zoom)


def test_the_dry_run_shows_the_refused_rows_in_the_plan(
    zoom: ZoomKit, org: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ORG__NAME", SIX_HANZI)
    add_hosts(zoom, "Barry Jones")
    result = zoom.run([*RENAME, "--dry-run", "--json"])
    assert result.exit_code == 2
    [row] = json.loads(result.stdout)
    assert (row["action"], row["new_name"]) == ("refused", f"{SIX_HANZI} Host A")
    assert "plan: 0 to rename, 0 unchanged, 1 refused" in result.stderr


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("email,name\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["--yes", "--dry-run"])
def test_a_csv_with_bad_rows_among_good_ones_is_refused_whole(
    zoom: ZoomKit, org: None, tmp_path: Path, mode: str
) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee", "Cy Young", "Di Prince")
    before = names(zoom)
    path = write_csv(
        tmp_path / "names.csv",
        "host-01@acme.org,Front Desk",
        f"host-02@acme.org,{SIX_HANZI} Desk",  # line 3: first name of six hanzi
        "",  # a blank line still counts in the file's line numbers
        "host-03@acme.org,Night Line",
        f"host-04@acme.org,Desk {'z' * 60}",  # line 6: 65 characters
    )
    result = zoom.run([*RENAME, "--from-csv", str(path), mode])
    assert result.exit_code == 2, result.stderr
    assert error_lines(result.stderr) == [
        f"error: {path}: Zoom would refuse 2 names: "
        f"line 3 (host-02@acme.org): the first name '{SIX_HANZI}' has 6 Chinese characters, "
        "over Zoom's 5; "
        "line 6 (host-04@acme.org): the name is 65 characters, over Zoom's 64",
        "hint: shorten them in the file: the first name is the name up to its last space, "
        "the last name what follows (each at most 64 characters, at most 5 of them Chinese)",
    ]
    assert zoom.fake.api_requests() == []  # refused on reading the file: Zoom never asked
    assert_nothing_sent(zoom)
    assert names(zoom) == before


def test_a_csv_with_one_bad_row_names_it(zoom: ZoomKit, org: None, tmp_path: Path) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee")
    path = write_csv(
        tmp_path / "names.csv",
        "host-01@acme.org,Front Desk",
        f"host-02@acme.org,Desk {SIX_HANZI}",
    )
    result = zoom.run([*RENAME, "--from-csv", str(path), "--yes"])
    assert result.exit_code == 2
    assert error_lines(result.stderr)[0] == (
        f"error: {path}: Zoom would refuse 1 name: line 3 (host-02@acme.org): "
        f"the last name '{SIX_HANZI}' has 6 Chinese characters, over Zoom's 5"
    )
    assert_nothing_sent(zoom)


def test_names_at_exactly_the_limits_pass_the_plan_and_are_sent(
    zoom: ZoomKit, org: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_hosts(zoom, "Barry Jones", "Ann Lee", "Cy Young")
    at_64 = "w" * 62 + " Q"  # 64 characters: first name 62, last name 1
    path = write_csv(
        tmp_path / "names.csv",
        f"host-01@acme.org,{FIVE_HANZI} {FIVE_HANZI}",  # 5 Chinese characters in each part
        f"host-02@acme.org,{at_64}",
        f"host-03@acme.org,{'v' * 64}",  # no space: a 64-character first name
    )
    result = zoom.run([*RENAME, "--from-csv", str(path), "--yes"])
    assert result.exit_code == 0, result.stderr
    assert names(zoom) == {
        "host-01@acme.org": (f"{FIVE_HANZI} {FIVE_HANZI}", FIVE_HANZI, FIVE_HANZI),
        "host-02@acme.org": (at_64, "w" * 62, "Q"),
        "host-03@acme.org": ("v" * 64, "v" * 64, ""),
    }
    assert len(zoom.fake.patches) == 3
    # A template at the limits too: five hanzi of org name in the first name.
    monkeypatch.setenv("USKED_ORG__NAME", FIVE_HANZI)
    templated = zoom.run([*RENAME, "--dry-run", "--json"])
    assert templated.exit_code == 0, templated.stderr
    plan = json.loads(templated.stdout)
    assert [(p["first_name"], p["action"]) for p in plan] == [(f"{FIVE_HANZI} Host", "rename")] * 3
