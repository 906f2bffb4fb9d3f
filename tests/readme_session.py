"""The README's console sessions, run as written: every `$ usked …` line in a ```console block is
run in order in one workspace, and what it prints must be what the README shows below it.

The session happens at a fixed moment (`SESSION_NOW`, Wednesday 2 December 2026, 07:40 in
Chicago) on a terminal 80 columns wide (no colour, no OSC 8 hyperlinks),
with the machine's time zone set to America/Chicago, against the Zoom fake the tests use (five
licensed users interp0001@acme.org … named "Interpreter 1" …). A command piped into another
(`usked … | jq …`) runs with stdout not a terminal, and the rest of the pipeline runs in bash;
`echo $?` prints the exit status of the command before it.

    python -m tests.readme_session          # check, print the first difference (exit 1)
    python -m tests.readme_session --update # rewrite the README's outputs from the tool

tests/test_readme.py runs the check.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

if TYPE_CHECKING:
    from tests.fakes.zoom import FakeUser, FakeZoom

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
SESSION_NOW = datetime(2026, 12, 2, 13, 40, tzinfo=UTC)  # 07:40 CST
COLUMNS = 80
_FENCE = re.compile(r"^```console\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


@dataclass
class Step:
    command: str
    expected: list[str]


@dataclass
class Block:
    start: int  # offsets of the block's body in the README
    end: int
    steps: list[Step]


def blocks(text: str) -> list[Block]:
    found = []
    for match in _FENCE.finditer(text):
        steps: list[Step] = []
        for line in match.group(1).splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:], []))
            elif steps:
                steps[-1].expected.append(line)
            else:
                raise ValueError(f"README: a console block starts with output: {line!r}")
        found.append(Block(match.start(1), match.end(1), steps))
    return found


def _plan_the_day(zoom: FakeZoom, users: list[FakeUser]) -> None:
    """The pool's Wednesday, for `usked admin schedule`: request 104233's recurring meeting and
    a meeting 5 minutes after it on the first user, a webinar; two overlapping meetings and
    request 104251's on the second; an early and a late one on the fourth; nothing on the
    third and fifth."""
    from datetime import timedelta

    def wed(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 12, 2, hour + 6, minute, tzinfo=UTC)  # CST is UTC-6

    zoom.scopes.add("webinar:read:admin")
    first, second, _, fourth, _ = users
    week = [wed(9) + timedelta(days=d) for d in (-2, 0, 2)]  # Mon, Wed, Fri
    zoom.add_meeting(first, "Spanish Interpreting", None, 60, type=8, occurrences=week,
                     id=85512345678)  # fmt: skip
    zoom.add_meeting(first, "Follow-up visit", wed(10, 5), 55, id=81234567891)
    zoom.add_meeting(first, "Board briefing", wed(13), 60, webinar=True, id=89876543210)
    zoom.add_meeting(second, "Court hearing", wed(9), 60, id=82222222222)
    zoom.add_meeting(second, "Deposition", wed(9, 45), 75, id=82222222223)
    zoom.add_meeting(second, "Legal Consultation", wed(16), 120, id=91234567890)
    zoom.add_meeting(fourth, "Early clinic", wed(7), 75, id=84444444444)
    zoom.add_meeting(fourth, "Evening class", wed(16, 30), 120, id=84444444445)


class Session:
    """One workspace, config file and Zoom fake for the whole README, in order."""

    def __init__(self, home: Path) -> None:
        from tests.fakes.zoom import FakeZoom, VirtualClock

        self.home = home
        self.clock = VirtualClock()
        self.zoom = FakeZoom(clock=self.clock.monotonic, now=self.clock.now)
        users = self.zoom.add_users(5)
        _plan_the_day(self.zoom, users)
        self.last_status = 0
        # The config file and workspace where a new user has them (platformdirs, under $HOME);
        # the home directory is shown as ~ in the outputs.
        self.env: dict[str, str | None] = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": None,
            "XDG_DATA_HOME": None,
            "USKED_CONFIG": None,
            "USKED_DATA_DIR": None,
            "USKED_TIMEZONE": "America/Chicago",
            "USKED_HYPERLINKS": "0",
            "USKED_FORCE_TTY": None,
            "NO_COLOR": "1",
            "COLUMNS": str(COLUMNS),
            "LINES": "40",
            **{f"USKED_ZOOM__{k.upper()}": str(v) for k, v in self.zoom.credentials().items()},
        }

    def run(self, command: str) -> list[str]:
        if command.strip() == "echo $?":
            return [str(self.last_status)]
        usked_part, _, rest = command.partition(" | ")
        argv = shlex.split(usked_part)
        if argv[0] != "usked":
            raise ValueError(f"README: only usked commands run here: {command!r}")
        output, stdout, stderr, status = self._usked(argv[1:], terminal=not rest)
        self.last_status = status
        if rest:
            # stdout goes down the pipe; stderr stays on the terminal, before what the pipe prints
            piped = subprocess.run(
                ["bash", "-c", rest], input=stdout, capture_output=True, text=True, check=False
            )
            output = stderr + piped.stdout + piped.stderr
        output = output.replace(str(self.home), "~")
        return [line.rstrip() for line in output.splitlines()]

    def _usked(self, args: list[str], *, terminal: bool) -> tuple[str, str, str, int]:
        """Run `usked ARGS` in this process: (stdout and stderr in the order written, as a
        terminal shows them; stdout; stderr; exit status)."""
        import typer

        from tests.fakes.zoom import run_virtual
        from usked_cli.cli.app import app
        from usked_cli.cli.context import AppContext

        context = AppContext(
            zoom_transport=self.zoom.transport(),
            run_async=run_virtual,
            monotonic=self.clock.monotonic,
            sleep=self.clock.sleep,
        )
        context.now = lambda: SESSION_NOW
        env = self.env
        written: list[tuple[str, str]] = []
        # stderr is the terminal; stdout too, unless it goes down a pipe
        streams = {
            "stdout": _Stream("stdout", written, terminal=terminal),
            "stderr": _Stream("stderr", written, terminal=True),
        }
        command = typer.main.get_command(app)
        status = 0
        with (
            mock.patch.dict(os.environ, {k: v for k, v in env.items() if v is not None}),
            mock.patch("sys.stdout", streams["stdout"]),
            mock.patch("sys.stderr", streams["stderr"]),
            mock.patch("sys.stdin", io.StringIO("")),
        ):
            for name in [k for k, v in env.items() if v is None]:
                os.environ.pop(name, None)
            try:
                command.main(args, prog_name="usked", obj=context)
            except SystemExit as exit_:
                status = exit_.code if isinstance(exit_.code, int) else 1
        both = _screen("".join(text for _, text in written))
        stdout = "".join(text for name, text in written if name == "stdout")
        stderr = "".join(text for name, text in written if name == "stderr")
        return both, stdout, stderr, status


_CONTROL = re.compile(r"\x1b\[(\??)([0-9;]*)([A-Za-z])|\r|\n")


def _screen(text: str) -> str:
    """What a terminal shows once `text` is written: a transient progress bar drawn and erased
    (cursor up, erase line, carriage return) leaves nothing, as on a real screen."""
    lines = [""]
    row = column = 0
    position = 0
    for match in [*_CONTROL.finditer(text), None]:
        chunk = text[position : match.start() if match else len(text)]
        if chunk:
            line = lines[row].ljust(column)
            lines[row] = line[:column] + chunk + line[column + len(chunk) :]
            column += len(chunk)
        if match is None:
            break
        position = match.end()
        token = match.group(0)
        if token == "\n":
            row, column = row + 1, 0
            if row == len(lines):
                lines.append("")
        elif token == "\r":
            column = 0
        elif match.group(1):
            continue  # ?25l / ?25h: the cursor hidden or shown
        else:
            count = int(match.group(2) or "1")
            final = match.group(3)
            if final == "A":
                row = max(0, row - count)
            elif final == "K":
                lines[row] = "" if match.group(2) == "2" else lines[row][:column]
            elif final == "G":
                column = count - 1
            # m (styles) and anything else: nothing to show
    while len(lines) > 1 and lines[-1] == "" and row < len(lines) - 1:
        lines.pop()
    return "\n".join(lines)


class _Stream(io.StringIO):
    """stdout or stderr of a command, written into one list in order, as a terminal shows
    the two."""

    def __init__(self, name: str, written: list[tuple[str, str]], *, terminal: bool) -> None:
        super().__init__()
        self.name = name
        self.written = written
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal

    def write(self, text: str) -> int:
        self.written.append((self.name, text))
        return len(text)


@contextmanager
def session(home: Path) -> Iterator[Session]:
    """A Session, in the project's root (the README's paths are relative to it), with run ids
    made of the clock and a fixed suffix instead of a random one."""
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        suffixes = itertools.cycle(["8d3e", "b1c7", "04fa", "e29b"])
        with mock.patch(
            "usked_cli.journal.secrets.token_hex", side_effect=lambda n: next(suffixes)
        ):
            yield Session(home)
    finally:
        os.chdir(before)


def differences(home: Path, text: str | None = None) -> tuple[str, list[str]]:
    """The README with every output as the tool prints it, and a description of each step
    whose output differs from the README's."""
    text = README.read_text(encoding="utf-8") if text is None else text
    pieces: list[str] = []
    problems: list[str] = []
    at = 0
    with session(home) as run:
        for block in blocks(text):
            pieces.append(text[at : block.start])
            for step in block.steps:
                got = run.run(step.command)
                if got != step.expected:
                    problems.append(_diff(step, got))
                pieces.append("\n".join([f"$ {step.command}", *got]) + "\n")
            at = block.end
    pieces.append(text[at:])
    return "".join(pieces), problems


def _diff(step: Step, got: list[str]) -> str:
    import difflib

    lines = difflib.unified_diff(step.expected, got, "README", "usked", lineterm="", n=1)
    return f"$ {step.command}\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    update = "--update" in (sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory() as home:
        text, problems = differences(Path(home))
    if update:
        README.write_text(text, encoding="utf-8")
        print(f"README.md: {len(problems)} outputs rewritten")
        return 0
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
