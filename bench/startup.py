"""Start-up cost: `usked --version` and `usked assignments list` (2,000 cached assignments), as
multiples of a bare `python -c pass`; the listing against a do-nothing Typer app of the same
commands; and the same week listed from a workspace that holds a 100,000-event feed's horizon,
against the 2,000 one. Every ratio is taken in the same run.

    python bench/startup.py [--runs 20] [--large 100000]

Budgets (issue 8): --version <= 8x, listing <= 20x. Each command runs as a whole process, piped
(as a script would run it), after a warm-up; the commands compared take turns, and a ratio is
the median of the runs' ratios (each run times both sides, one after the other: a machine that
slows down for a while slows both alike); times are medians over the runs.
Issue 17: listing a week from the cache of a large legal feed costs what the 2,000 do (the
week's 2,000 rows are the same; the other 98,000 assignments lie elsewhere in the 462-day
horizon): budget 1.1x the small workspace's listing.
Issue 15: `usked today`, `usked next` and `usked join next --print` (every user: no `me`)
against the listing, in the same turns: budget 1.0x (they read the same cache, and show less).
Issue 18: the listing's own work on top of the framework. The do-nothing app is generated from
usked's command tree: the same groups and commands with the same parameters (names, types,
defaults), every body empty, all in one file as a plain Typer app has them; `python app.py
assignments list` against `usked assignments list` over the 2,000 rows: budget 1.2x. The same
pair on a terminal (a pseudo-terminal of 80 columns: the table) is reported beside it.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from usked_cli.models import Assignment  # noqa: E402
from usked_cli.store import Workspace  # noqa: E402

BUDGETS = {"--version": 8.0, "assignments list": 20.0}
DAY_BUDGET = 1.0  # issue 15: `today` and `next` cost no more than the listing
LARGE_BUDGET = 1.1
FRAMEWORK_BUDGET = 1.2
LISTING = ["assignments", "list"]


def fill_workspace(data_dir: Path, count: int, now: datetime, *, elsewhere: int = 0) -> None:
    """`count` assignments for 20 users over the next 7 days, half of them Zoom meetings; and
    `elsewhere` more spread over the rest of the sync horizon (62 days back, 400 ahead)."""
    tz = ZoneInfo("America/Chicago")
    workspace = Workspace.open(data_dir)
    per_user = count // 20
    others = elsewhere // 20
    week = 7 * 24 * 60
    rest = (462 - 7) * 24 * 60
    for u in range(20):
        user = f"user{u:02}"
        assignments = []
        for i in range(per_user + others):
            if i < per_user:
                offset = (i * week) // per_user
            else:  # before the week (62 days) or after it, never in it
                offset = ((i - per_user) * rest) // others - 62 * 24 * 60
                offset += week if offset >= 0 else 0
            start = (now + timedelta(minutes=offset)).astimezone(tz)
            zoom = i % 2 == 0
            link = f"https://us02web.zoom.us/j/8{u:02}{i:08}?pwd=abc{i}" if zoom else None
            assignments.append(
                Assignment(
                    user=user,
                    uid=f"req-{u}-{i}@bench",
                    request_id=str(100000 + u * 1000 + i),
                    title=f"Request #{100000 + u * 1000 + i} - Spanish Interpreting",
                    start=start,
                    end=start + timedelta(hours=1),
                    all_day=False,
                    location=link or "400 Oak St, Springfield",
                    zoom=zoom,
                    invite_link=link,
                    meeting_id=f"8{u:02}{i:08}" if zoom else None,
                    passcode=f"abc{i}" if zoom else None,
                    notes="Request ID: x",
                )
            )
        workspace.replace_assignments(
            user,
            assignments,
            source=f"/bench/{user}.ics",
            body=b"",
            etag=None,
            last_modified=None,
            synced_at=now.isoformat(),
            horizon=(now - timedelta(days=62), now + timedelta(days=400)),
            event_count=per_user + others,
            calendar_tz=None,
            parsed_with="bench",
        )
    workspace.close()


# --- the do-nothing app ------------------------------------------------------------------------


def do_nothing_app() -> tuple[str, int, int]:
    """The source of a Typer app with usked's command tree, every body empty; and how many
    commands and groups (the root included) it has."""
    import typer

    from usked_cli.cli.app import app

    lines = [
        '"""usked\'s command tree, every command doing nothing (bench/startup.py)."""',
        "",
        "from pathlib import Path",
        "from typing import Annotated",
        "",
        "import typer",
        "",
        "app = typer.Typer()",
        "",
    ]
    counts = {"commands": 0, "groups": 1}

    def function(variable: str, decorator: str, command: Any) -> None:
        parameters = [
            p for p in command.params if p.name not in ("install_completion", "show_completion")
        ]
        signature = ", ".join(_parameter(p, i) for i, p in enumerate(parameters))
        name = f"f{sum(counts.values())}"
        lines.extend([f"@{variable}.{decorator}", f"def {name}({signature}) -> None:", "    pass"])
        lines.append("")

    def walk(group: Any, variable: str) -> None:
        function(variable, "callback()", group)
        for name, command in group.commands.items():  # builds every command of the tree
            if hasattr(command, "commands"):
                counts["groups"] += 1
                child = f"g{counts['groups']}"
                lines.extend(
                    [f"{child} = typer.Typer()", f"{variable}.add_typer({child}, name={name!r})"]
                )
                walk(command, child)
            else:
                counts["commands"] += 1
                function(variable, f"command({name!r})", command)

    walk(typer.main.get_command(app), "app")
    lines.extend(['if __name__ == "__main__":', "    app()"])
    return "\n".join(lines) + "\n", counts["commands"], counts["groups"]


def _parameter(param: Any, index: int) -> str:
    """One parameter of a do-nothing command: the same names, type and default as usked's."""
    annotation = _annotation(param)
    if param.param_type_name == "argument":
        info = "typer.Argument()"
    else:
        declarations = list(param.opts)
        if param.secondary_opts:
            declarations[0] = f"{declarations[0]}/{param.secondary_opts[0]}"
        info = f"typer.Option({', '.join(map(repr, declarations))})"
    if annotation != "bool" and not param.required:
        annotation += " | None"
    default = "" if param.required else f" = {param.default!r}"
    return f"p{index}: Annotated[{annotation}, {info}]{default}"


def _annotation(param: Any) -> str:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:
        annotation = descriptor.annotation
        if isinstance(annotation, type):
            return annotation.__name__
        return repr(annotation).replace("pathlib.", "")
    # Typer before 0.29: the Click type says it.
    name = {"text": "str", "integer": "int", "boolean": "bool", "path": "Path"}.get(
        param.type.name, "str"
    )
    return f"list[{name}]" if param.multiple or param.nargs == -1 else name


# --- timing --------------------------------------------------------------------------------------


class Timings:
    """Wall times of commands run in turns: run i of each command follows run i of the one
    before it, so a ratio is taken run by run (two commands timed side by side) and its median
    kept; a machine that slows down for a while slows both sides of a run alike."""

    def __init__(self, times: list[list[float]]) -> None:
        self.times = times

    def median(self, index: int) -> float:
        return statistics.median(self.times[index])

    def ratio(self, index: int, to: int) -> float:
        return statistics.median(
            a / b for a, b in zip(self.times[index], self.times[to], strict=True)
        )


def timed(
    commands: Sequence[tuple[list[str], dict[str, str]]], runs: int, *, terminal: bool = False
) -> Timings:
    """Each command's wall time over `runs`, after a warm-up each, the commands taking turns.
    `terminal`: stdout is a pseudo-terminal of 80 columns, read as fast as it comes."""
    run = _run_on_terminal if terminal else _run_piped
    for argv, env in commands:
        run(argv, env)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, (argv, env) in enumerate(commands):
            times[index].append(run(argv, env))
    return Timings(times)


def _run_piped(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _run_on_terminal(argv: list[str], env: dict[str, str]) -> float:
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    reader = threading.Thread(target=_drain, args=(main,))
    reader.start()
    try:
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=secondary, check=True)
        elapsed = time.perf_counter() - start
    finally:
        os.close(secondary)
        reader.join()
        os.close(main)
    return elapsed


def _drain(descriptor: int) -> None:
    try:
        while os.read(descriptor, 65536):
            pass
    except OSError:  # EIO: the terminal's other side is closed
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--large", type=int, default=100_000, help="0: skip that measurement")
    args = parser.parse_args()
    usked = Path(sys.executable).with_name("usked")
    if not usked.exists():
        print(f"usked is not installed beside {sys.executable}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        now = datetime.now(UTC)
        data_dir = Path(tmp) / "data"
        fill_workspace(data_dir, args.count, now)
        source, commands, groups = do_nothing_app()
        noop = Path(tmp) / "do_nothing.py"
        noop.write_text(source, encoding="utf-8")
        # Installed packages run from cached bytecode; PYTHONDONTWRITEBYTECODE (set on some CI
        # machines) would have every run compile the project's modules again.
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "USKED_CONFIG": str(Path(tmp) / "config.toml"),
            "USKED_DATA_DIR": str(data_dir),
            "USKED_TIMEZONE": "America/Chicago",
        }
        listing = subprocess.run(
            [str(usked), *LISTING], env=env, capture_output=True, text=True, check=True
        )
        rows = len(listing.stdout.splitlines())
        listed = [str(usked), *LISTING]
        times = timed(
            [
                ([sys.executable, "-c", "pass"], env),
                ([str(usked), "--version"], env),
                (listed, env),
                ([sys.executable, str(noop), *LISTING], env),
                ([str(usked), "today"], env),
                ([str(usked), "next"], env),
                ([str(usked), "join", "next", "--print"], env),
            ],
            args.runs,
        )
        bare, wall, framework = times.median(0), times.median(2), times.median(3)
        print(f"bare python -c pass: {bare * 1000:.1f} ms (median of {args.runs})")
        failed = False
        for name, index in (("--version", 1), ("assignments list", 2)):
            ratio = times.ratio(index, to=0)
            budget = BUDGETS[name]
            verdict = "ok" if ratio <= budget else "OVER BUDGET"
            extra = f", {rows} rows" if name == "assignments list" else ""
            print(
                f"usked {name}: {times.median(index) * 1000:.1f} ms = {ratio:.1f}x bare "
                f"(budget {budget:.0f}x{extra}) {verdict}"
            )
            failed = failed or ratio > budget
        ratio = times.ratio(2, to=3)
        verdict = "ok" if ratio <= FRAMEWORK_BUDGET else "OVER BUDGET"
        print(
            f"do-nothing Typer app of the same {commands} commands in {groups} groups "
            f"(`python do_nothing.py assignments list`): {framework * 1000:.1f} ms"
        )
        print(
            f"usked assignments list vs the do-nothing app: {ratio:.2f}x, own work "
            f"{(wall - framework) * 1000:.1f} ms for {rows} rows "
            f"(budget {FRAMEWORK_BUDGET}x) {verdict}"
        )
        failed = failed or ratio > FRAMEWORK_BUDGET
        for name, index in (("today", 4), ("next", 5), ("join next --print", 6)):
            ratio = times.ratio(index, to=2)
            verdict = "ok" if ratio <= DAY_BUDGET else "OVER BUDGET"
            print(
                f"usked {name}: {times.median(index) * 1000:.1f} ms = {ratio:.2f}x usked "
                f"assignments list (budget {DAY_BUDGET}x) {verdict}"
            )
            failed = failed or ratio > DAY_BUDGET
        on_terminal = timed(
            [(listed, env), ([sys.executable, str(noop), *LISTING], env)],
            args.runs,
            terminal=True,
        )
        print(
            f"on a terminal (80 columns, the table): {on_terminal.median(0) * 1000:.1f} ms vs "
            f"{on_terminal.median(1) * 1000:.1f} ms = {on_terminal.ratio(0, to=1):.2f}x, own "
            f"work {(on_terminal.median(0) - on_terminal.median(1)) * 1000:.1f} ms (no budget)"
        )
        if args.large:
            large_dir = Path(tmp) / "large"
            fill_workspace(large_dir, args.count, now, elsewhere=args.large - args.count)
            # A config path of its own: the settings snapshot is kept per config file, and its
            # fingerprint holds USKED_DATA_DIR (one file would be validated again at each turn).
            large_env = {
                **env,
                "USKED_CONFIG": str(Path(tmp) / "large.toml"),
                "USKED_DATA_DIR": str(large_dir),
            }
            sizes = timed([(listed, env), (listed, large_env)], args.runs)
            ratio = sizes.ratio(1, to=0)
            verdict = "ok" if ratio <= LARGE_BUDGET else "OVER BUDGET"
            print(
                f"usked assignments list, the same week in a {args.large}-assignment workspace: "
                f"{sizes.median(1) * 1000:.1f} ms = {ratio:.2f}x the {args.count} one "
                f"({sizes.median(0) * 1000:.1f} ms; budget {LARGE_BUDGET}x) {verdict}"
            )
            failed = failed or ratio > LARGE_BUDGET
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
