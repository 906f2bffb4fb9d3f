"""Start-up cost: `usked --version` and `usked assignments list` (2,000 cached assignments), as
multiples of a bare `python -c pass`, measured in the same run; and the same week listed from a
workspace that holds a 100,000-event feed's horizon, against the 2,000 one.

    python bench/startup.py [--runs 20] [--large 100000]

Budgets (issue 8): --version <= 8x, listing <= 20x. Each command runs as a whole process, piped
(as a script would run it); the figure is the median wall time over the runs, after a warm-up.
Issue 17: listing a week from the cache of a large legal feed costs what the 2,000 do (the
week's 2,000 rows are the same; the other 98,000 assignments lie elsewhere in the 462-day
horizon): budget 1.1x the small workspace's listing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from usked_cli.models import Assignment  # noqa: E402
from usked_cli.store import Workspace  # noqa: E402

BUDGETS = {"--version": 8.0, "assignments list": 20.0}
LARGE_BUDGET = 1.1


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


def median_wall(argv: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
        # Installed packages run from cached bytecode; PYTHONDONTWRITEBYTECODE (set on some CI
        # machines) would have every run compile the project's modules again.
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "USKED_CONFIG": str(Path(tmp) / "config.toml"),
            "USKED_DATA_DIR": str(data_dir),
            "USKED_TIMEZONE": "America/Chicago",
        }
        listing = subprocess.run(
            [str(usked), "assignments", "list"], env=env, capture_output=True, text=True, check=True
        )
        rows = len(listing.stdout.splitlines())
        bare = median_wall([sys.executable, "-c", "pass"], env, args.runs)
        print(f"bare python -c pass: {bare * 1000:.1f} ms (median of {args.runs})")
        failed = False
        for name, argv in (
            ("--version", [str(usked), "--version"]),
            ("assignments list", [str(usked), "assignments", "list"]),
        ):
            wall = median_wall(argv, env, args.runs)
            ratio = wall / bare
            budget = BUDGETS[name]
            verdict = "ok" if ratio <= budget else "OVER BUDGET"
            extra = f", {rows} rows" if name == "assignments list" else ""
            print(
                f"usked {name}: {wall * 1000:.1f} ms = {ratio:.1f}x bare "
                f"(budget {budget:.0f}x{extra}) {verdict}"
            )
            failed = failed or ratio > budget
            if name == "assignments list":
                small = wall
        if args.large:
            large_dir = Path(tmp) / "large"
            fill_workspace(large_dir, args.count, now, elsewhere=args.large - args.count)
            large_env = {**env, "USKED_DATA_DIR": str(large_dir)}
            wall = median_wall([str(usked), "assignments", "list"], large_env, args.runs)
            ratio = wall / small
            verdict = "ok" if ratio <= LARGE_BUDGET else "OVER BUDGET"
            print(
                f"usked assignments list, the same week in a {args.large}-assignment workspace: "
                f"{wall * 1000:.1f} ms = {ratio:.2f}x the {args.count} one "
                f"(budget {LARGE_BUDGET}x) {verdict}"
            )
            failed = failed or ratio > LARGE_BUDGET
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
