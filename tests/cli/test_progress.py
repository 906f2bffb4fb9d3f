"""Progress bars on stderr: only on a terminal, only after half a second of work (on the injected
clock: no test sleeps), never on stdout; the plan preview before `rename --yes`."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.cli.test_zoom_users_rename import RENAME
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import DEFAULT_EPOCH
from usked_cli.progress import Bar, Progress, progress
from usked_cli.render import Output


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def capture_stderr(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """sys.stderr for this test's body (pytest puts its own back between setup and call)."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_bar_appears_only_after_half_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = capture_stderr(monkeypatch)
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    clock = Clock()
    with progress(Output(), "reading", total=10, clock=clock, rate=True) as bar:
        assert isinstance(bar, Bar)
        for _ in range(4):
            clock.now += 0.1
            bar.advance()
        assert stderr.getvalue() == ""  # 0.4 s: nothing yet
        assert not bar.shown
        clock.now += 0.2
        bar.advance()
        assert bar.shown
        assert "reading" in stderr.getvalue()
        assert "5/10" in stderr.getvalue()
        assert "eta" in stderr.getvalue()
        for _ in range(5):
            clock.now += 0.1
            bar.advance()
    assert "10/10" in stderr.getvalue()
    assert "/s" in stderr.getvalue()  # the rate


def test_quick_work_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = capture_stderr(monkeypatch)
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    clock = Clock()
    with progress(Output(), "reading", total=3, clock=clock) as bar:
        for _ in range(3):
            clock.now += 0.1
            bar.advance()
    assert stderr.getvalue() == ""


def test_not_a_terminal_is_a_no_op_that_never_reads_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = capture_stderr(monkeypatch)

    def clock() -> float:
        raise AssertionError("the clock is not read when there is no bar")

    bar = progress(Output(), "reading", total=3, clock=clock)
    assert type(bar) is Progress
    with bar:
        bar.advance()
        bar.update(completed=2, total=3)
        bar.phase("other", total=1)
    assert stderr.getvalue() == ""


def test_the_no_op_bar_does_not_import_rich() -> None:
    probe = (
        "import sys\n"
        "from usked_cli.progress import progress\n"
        "from usked_cli.render import Output\n"
        "with progress(Output(), 'x', total=1) as bar:\n"
        "    bar.advance()\n"
        "print('rich' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout == "False\n"


# --- the commands ----------------------------------------------------------------------------


@pytest.fixture
def pool(zoom: ZoomKit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    monkeypatch.setenv("USKED_ORG__NAME", "Acme Corp")
    for i in range(1, 26):
        user = zoom.fake.add_user(f"host-{i:02}@acme.org", "Person", f"Number{i}")
        zoom.fake.add_meeting(user, f"Meeting {i}", DEFAULT_EPOCH + timedelta(hours=i), 60)
    zoom.fake.latency = 0.3  # virtual seconds per request: the work takes a while


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["admin", "conflicts"], "reading host users' meetings"),
        (["admin", "zoom-users", "free", "--at", "+1h", "--duration", "60"], "meetings"),
        (["admin", "zoom-users", "list", "--pool"], "reading Zoom users"),
        (["admin", "zoom-users", "audit"], "reading Zoom users"),
    ],
    ids=["conflicts", "free", "list", "audit"],
)
def test_long_admin_commands_show_progress_on_a_terminal_only(
    zoom: ZoomKit,
    pool: None,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    what: str,
) -> None:
    piped = zoom.run(args)
    assert what not in piped.stderr
    assert "\x1b" not in piped.stderr
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    on_terminal = zoom.run(args)
    assert on_terminal.exit_code == piped.exit_code, on_terminal.stderr
    assert what in on_terminal.stderr
    assert "eta" in on_terminal.stderr
    assert what not in on_terminal.stdout  # progress never goes to stdout


def test_rename_yes_previews_20_rows_then_shows_a_bar(
    zoom: ZoomKit, pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    result = zoom.run([*RENAME, "--yes"])
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert "plan: 25 to rename, 0 unchanged" in err
    assert "host-20@acme.org" in err.split("… and 5 more")[0]
    assert "host-21@acme.org" not in err.split("renaming")[0]
    assert "… and 5 more (--show-plan lists them all" in err
    assert "renaming" in err
    assert "25/25" in err
    assert "/s" in err


def test_rename_show_plan_lists_every_row(
    zoom: ZoomKit, pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    result = zoom.run([*RENAME, "--yes", "--show-plan"])
    assert result.exit_code == 0, result.stderr
    before_bar = result.stderr.split("renaming")[0]
    assert all(f"host-{i:02}@acme.org" in before_bar for i in range(1, 26))
    assert "more (--show-plan" not in result.stderr


def test_rename_piped_logs_every_row_and_no_bar(zoom: ZoomKit, pool: None) -> None:
    result = zoom.run([*RENAME, "--yes"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr
    assert result.stderr.count("\nplan: host-") == 25
    assert "(25/25) host-25@acme.org: renamed" in result.stderr


@pytest.mark.parametrize("width", [60, 80])
def test_bar_leaves_room_for_the_interrupt_echo(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """Ctrl-C makes the terminal echo "^C" after the cursor; a bar as wide as the terminal would
    push it onto a new line, and the bar, erased one line too low, would stay on screen."""
    import re

    from usked_cli.progress import ECHO_ROOM

    stderr = capture_stderr(monkeypatch)
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    monkeypatch.setenv("COLUMNS", str(width))
    clock = Clock()
    with progress(Output(), "reading host users' meetings", total=200, clock=clock) as bar:
        clock.now += 1.0
        bar.advance(15)
        drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stderr.getvalue())
    longest = max(len(line) for line in drawn.replace("\r", "\n").splitlines())
    assert "15/200" in drawn
    assert longest <= width - ECHO_ROOM
