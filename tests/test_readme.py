"""The README cannot drift from the tool: its quickstart and session are run as written
(tests/readme_session.py) and must print exactly what the README shows."""

from __future__ import annotations

from pathlib import Path

from tests.readme_session import README, blocks, differences


def test_the_readme_shows_sessions_to_check() -> None:
    steps = [
        step.command for block in blocks(README.read_text(encoding="utf-8")) for step in block.steps
    ]
    # the quickstart, the coordinator's session and the admin's, at least
    assert (
        "usked assignments list --ics examples/sample-feed.ics --from 2026-11-30 --to 2026-12-04"
        in steps
    )
    assert any(command.startswith("usked admin zoom-users rename --yes") for command in steps)


def test_the_readme_sessions_print_what_the_readme_shows(tmp_path: Path) -> None:
    _, problems = differences(tmp_path)
    assert not problems, "\n\n".join(
        [*problems, "(python -m tests.readme_session --update rewrites the README's outputs)"]
    )


def test_a_changed_output_is_caught(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8").replace("482913", "000000", 1)
    _, problems = differences(tmp_path, text)
    assert len(problems) == 1
    assert "000000" in problems[0]
