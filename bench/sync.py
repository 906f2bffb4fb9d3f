"""Sync: the whole `usked sync` of one user whose feed is a generated 10,000-event .ics file,
against a whole process that only parses the same file with icalendar, measured in the same run.

    .venv/bin/python bench/sync.py [--events 10000] [--runs 5]

Budget (issue 8): `usked sync` <= 2x the process
`python -c "import icalendar, sys; icalendar.Calendar.from_ical(open(sys.argv[1],'rb').read())"`.

Both sides run as whole processes with the same interpreter, piped; the figure is the median wall
time over the runs, after one warm-up of each, the two alternating run by run. `usked sync` runs
with USKED_CONFIG / USKED_DATA_DIR / USKED_TIMEZONE pointing into a temp dir, after
`usked feeds add bench FILE`.

The feed is bench/feed_parse.py's generator (imported, so both benchmarks parse the same feed),
with its dates moved by whole weeks so that it sits around today as it sits around feed_parse's
sync date (1 March 2025): the sync horizon follows the real clock, and without the move every
single event would fall before the window and only the open-ended series would be stored.

Each timed sync really parses: before every run the feed file's mtime is moved on by one second
(default, `--mode touch`: the steady state, a changed feed replacing the assignments stored by the
previous sync), or with `--mode fresh` the workspace database is removed (a first sync into an
empty workspace). Every run is checked to report "updated", never the unchanged-feed shortcut.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from feed_parse import SYNC_AT, generate_feed

BUDGET = 2.0
LIBRARY_PARSE = "import icalendar, sys; icalendar.Calendar.from_ical(open(sys.argv[1],'rb').read())"
# The date-time properties the generator writes (DTSTAMP stays: it is not a time of the event).
_WHEN = re.compile(rb"^(DTSTART|DTEND|EXDATE)((?:;[^:\r\n]*)?):([0-9TZ,]+)\r$", re.MULTILINE)


def shift_feed(data: bytes, days: int) -> bytes:
    """Move every event's DTSTART, DTEND and EXDATE by `days` (wall-clock times are kept; the
    VTIMEZONE before the first event is left alone)."""

    def one(value: bytes) -> bytes:
        text = value.decode()
        moved = date(int(text[:4]), int(text[4:6]), int(text[6:8])) + timedelta(days=days)
        return moved.strftime("%Y%m%d").encode() + value[8:]

    def line(match: re.Match[bytes]) -> bytes:
        values = b",".join(one(v) for v in match.group(3).split(b","))
        return match.group(1) + match.group(2) + b":" + values + b"\r"

    head, first, events = data.partition(b"BEGIN:VEVENT\r\n")
    return head + first + _WHEN.sub(line, events)


def whole_weeks_since(then: datetime, now: datetime) -> int:
    """Days from `then` to `now`, rounded down to whole weeks (weekdays stay as generated)."""
    return (now - then).days // 7 * 7


def wall(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds taken by one whole process, and its stdout."""
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    taken = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr.strip()}")
    return taken, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--mode",
        choices=("touch", "fresh"),
        default="touch",
        help="touch: move the feed's mtime on before each run (re-sync of a changed feed); "
        "fresh: remove the workspace database before each run (first sync)",
    )
    args = parser.parse_args()
    python = sys.executable
    usked = str(Path(python).with_name("usked"))
    if not Path(usked).exists():
        print(f"usked is not installed beside {python}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        feed = folder / "feed.ics"
        days = whole_weeks_since(SYNC_AT, datetime.now(UTC))
        feed.write_bytes(shift_feed(generate_feed(args.events), days))
        data_dir = folder / "data"
        env = {
            **os.environ,
            "USKED_CONFIG": str(folder / "config.toml"),
            "USKED_DATA_DIR": str(data_dir),
            "USKED_TIMEZONE": "America/Chicago",
        }
        subprocess.run(
            [usked, "feeds", "add", "bench", str(feed)],
            env=env,
            check=True,
            capture_output=True,
        )
        sync_argv = [usked, "sync", "bench", "--json"]
        library_argv = [python, "-c", LIBRARY_PARSE, str(feed)]
        mtime_ns = feed.stat().st_mtime_ns

        def prepare() -> None:
            nonlocal mtime_ns
            if args.mode == "touch":
                mtime_ns += 1_000_000_000
                os.utime(feed, ns=(mtime_ns, mtime_ns))
            else:
                shutil.rmtree(data_dir, ignore_errors=True)

        def sync_once() -> tuple[float, dict[str, Any]]:
            prepare()
            taken, stdout = wall(sync_argv, env)
            (outcome,) = json.loads(stdout)
            if outcome["status"] != "updated":
                raise RuntimeError(f"usked sync did not re-parse the feed: {outcome}")
            return taken, outcome

        _, outcome = sync_once()  # warm-up (and, for touch, the first sync that fills the cache)
        wall(library_argv, env)  # warm-up
        library_s: list[float] = []
        sync_s: list[float] = []
        for _ in range(args.runs):
            library_s.append(wall(library_argv, env)[0])
            sync_s.append(sync_once()[0])

        size = feed.stat().st_size
        print(
            f"feed: {size / 1e6:.1f} MB, {outcome['events']} VEVENTs (dates moved {days} days), "
            f"{outcome['assignments']} assignments stored per sync, "
            f"{len(outcome['warnings'])} warnings"
        )
        print(
            f"mode {args.mode}: "
            + (
                "feed mtime moved on before each sync (re-parse, replace the stored assignments)"
                if args.mode == "touch"
                else "workspace database removed before each sync (first sync)"
            )
        )
        for name, taken in (("icalendar parse (process)", library_s), ("usked sync", sync_s)):
            print(
                f"{name:<26} best {min(taken) * 1000:7.1f} ms, "
                f"median {statistics.median(taken) * 1000:7.1f} ms ({args.runs} runs)"
            )
        ratio = statistics.median(sync_s) / statistics.median(library_s)
        verdict = "ok" if ratio <= BUDGET else "OVER BUDGET"
        print(
            f"ratio usked sync / icalendar parse: median {ratio:.2f}, "
            f"best {min(sync_s) / min(library_s):.2f} (budget {BUDGET:.2f}) {verdict}"
        )
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
