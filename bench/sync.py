"""Sync: the whole `usked sync` of one user whose feed is a generated 10,000-event .ics file,
against a whole process that only parses the same file with icalendar, measured in the same run.

    .venv/bin/python bench/sync.py [--events 10000] [--runs 5] [--changed 0.01]

Two figures, each a ratio to the process
`python -c "import icalendar, sys; icalendar.Calendar.from_ical(open(sys.argv[1],'rb').read())"`:
  - first sync (issue 18: <= 1.5x): the workspace database removed before each run, so the
    whole feed is read;
  - re-sync (issue 18: <= 0.25x): before each run the feed is written again as uSked writes it
    on every request (every DTSTAMP new) with `--changed` of its events changed (their SUMMARY),
    so the sync reads only those.

Both sides run as whole processes with the same interpreter, piped; each figure is the median
wall time over the runs, after one warm-up, the processes alternating run by run. `usked sync`
runs with USKED_CONFIG / USKED_DATA_DIR / USKED_TIMEZONE pointing into a temp dir, after
`usked feeds add bench FILE`. Every run is checked: "updated", and for a re-sync the number of
events read is the number changed. Peak memory comes from one more run of each, untimed, with
the process and its parsing worker (a large sync forks one) sampled together: the sum of their
proportional set sizes (shared pages counted once), or the kernel's peak if larger (read by a
small parent process: see _MEASURED).

The feed is bench/feed_parse.py's generator (imported, so both benchmarks parse the same feed),
with its dates moved by whole weeks so that it sits around today as it sits around feed_parse's
sync date (1 March 2025): the sync horizon follows the real clock, and without the move every
single event would fall before the window and only the open-ended series would be stored.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from feed_parse import SYNC_AT, generate_feed

BUDGETS = {"first sync": 1.5, "re-sync": 0.25}
MEMORY_BUDGET_MB = 300  # issue 18: a sync of a 50 MB feed (--events 100000) stays under it
LIBRARY_PARSE = "import icalendar, sys; icalendar.Calendar.from_ical(open(sys.argv[1],'rb').read())"
# The date-time properties the generator writes (DTSTAMP stays: it is not a time of the event).
_STAMP = re.compile(rb"^DTSTAMP:[0-9TZ]+\r$", re.MULTILINE)
_SUMMARY = re.compile(rb"^SUMMARY:", re.MULTILINE)
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


PEAK: dict[str, int] = {}  # the largest resident size of the last process waited for, in KiB


def _descendants(pid: int) -> list[int]:
    """`pid` and the processes under it (a large sync forks a parsing worker)."""
    found, queue = [], [pid]
    while queue:
        one = queue.pop()
        found.append(one)
        try:
            for task in os.listdir(f"/proc/{one}/task"):
                with open(f"/proc/{one}/task/{task}/children") as children:
                    queue.extend(int(child) for child in children.read().split())
        except OSError:
            continue  # ended meanwhile
    return found


def _proportional_kib(pid: int) -> int:
    """The process's proportional set size (pages shared with its fork counted once between
    them), from /proc/PID/smaps_rollup; 0 when it has ended."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# Runs a command and reports the kernel's peak resident size for it (and the processes it waited
# for). Through this small process, not from the benchmark itself: a process started by a large
# one inherits that one's peak (Linux records the old image's high-water mark at exec), so
# wait4() here would report the benchmark's own size, the feed copies it holds.
_MEASURED = (
    "import os, sys; pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ); "
    "_, status, usage = os.wait4(pid, 0); sys.stderr.write(f'\\nMAXRSS {usage.ru_maxrss}\\n'); "
    "sys.exit(os.waitstatus_to_exitcode(status))"
)


def wall(argv: list[str], env: dict[str, str], *, sample: bool = False) -> tuple[float, str]:
    """Seconds taken by one whole process, and its stdout. With `sample`, its peak resident size
    goes to PEAK["last"]: the larger of the kernel's count (the largest of the process and those
    it waited for, a parsing worker among them) and the sum over the process and its worker of
    their proportional sizes, sampled every 20 ms; the process runs under a small parent that
    reads the kernel's count (_MEASURED), which the timed runs leave out."""
    if sample:
        argv = [sys.executable, "-c", _MEASURED, *argv]
    began = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        summed = [0]
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.02):
                below = _descendants(process.pid)[1:]  # not the measuring parent
                summed[0] = max(summed[0], sum(_proportional_kib(pid) for pid in below))

        watcher = threading.Thread(target=watch, daemon=True)
        if sample:
            watcher.start()
        _, status, _usage = os.wait4(process.pid, 0)
        taken = time.perf_counter() - began
        done.set()
        if sample:
            watcher.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if sample:
        counted = re.findall(r"^MAXRSS (\d+)$", stderr, re.MULTILINE)
        PEAK["last"] = max([summed[0], *(int(kib) for kib in counted[-1:])])
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {process.returncode}\n{stderr.strip()}")
    return taken, stdout


def regenerated(data: bytes, run: int, changed: float, rng: random.Random) -> tuple[bytes, int]:
    """The feed as uSked writes it again: every DTSTAMP new, `changed` of the events' SUMMARYs
    changed (marked with the run number); the new bytes and how many events changed."""
    stamp = f"DTSTAMP:20261202T{run // 3600 % 24:02}{run // 60 % 60:02}{run % 60:02}Z\r"
    data = _STAMP.sub(stamp.encode(), data)
    summaries = [m.end() for m in _SUMMARY.finditer(data)]
    picked = sorted(rng.sample(summaries, max(1, int(len(summaries) * changed))), reverse=True)
    for at in picked:
        data = data[:at] + f"(run {run}) ".encode() + data[at:]
    return data, len(picked)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of events changed per re-sync"
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
        original = shift_feed(generate_feed(args.events), days)
        feed.write_bytes(original)
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
        rng = random.Random(18)
        runs = iter(range(1, 10**6))
        expected: list[int | None] = [None]

        def first() -> None:
            shutil.rmtree(data_dir, ignore_errors=True)
            expected[0] = None

        current = [original]

        def again() -> None:
            # On top of the feed as it was last synced: only this run's events differ.
            current[0], expected[0] = regenerated(current[0], next(runs), args.changed, rng)
            feed.write_bytes(current[0])

        def sync_once(
            prepare: Callable[[], None], *, sample: bool = False
        ) -> tuple[float, dict[str, Any]]:
            prepare()
            taken, stdout = wall(sync_argv, env, sample=sample)
            (outcome,) = json.loads(stdout)
            if outcome["status"] != "updated":
                raise RuntimeError(f"usked sync did not read the feed: {outcome}")
            if expected[0] is not None and outcome["events_read"] != expected[0]:
                raise RuntimeError(f"read {outcome['events_read']} events, {expected[0]} changed")
            return taken, outcome

        _, outcome = sync_once(first)  # warm-up
        wall(library_argv, env)  # warm-up
        times: dict[str, list[float]] = {"icalendar parse": [], "first sync": [], "re-sync": []}
        peaks: dict[str, list[int]] = {name: [] for name in times}
        for _ in range(args.runs):
            times["icalendar parse"].append(wall(library_argv, env)[0])
            times["first sync"].append(sync_once(first)[0])
            sync_once(again)  # a re-sync needs the sync before it; this one is not timed
            taken, resynced = sync_once(again)
            times["re-sync"].append(taken)
        # Memory apart from the timed runs: sampled, a sync with its worker counted together.
        wall(library_argv, env, sample=True)
        peaks["icalendar parse"].append(PEAK["last"])
        sync_once(first, sample=True)
        peaks["first sync"].append(PEAK["last"])
        sync_once(again, sample=True)
        peaks["re-sync"].append(PEAK["last"])

        size = feed.stat().st_size
        print(
            f"feed: {size / 1e6:.1f} MB, {outcome['events']} VEVENTs (dates moved {days} days), "
            f"{outcome['assignments']} assignments stored per sync, "
            f"{len(outcome['warnings'])} warnings; a re-sync reads {resynced['events_read']} "
            f"changed events ({args.changed:.0%}), every DTSTAMP rewritten"
        )
        for name, walls in times.items():
            print(
                f"{name:<16} best {min(walls) * 1000:7.1f} ms, "
                f"median {statistics.median(walls) * 1000:7.1f} ms ({args.runs} runs), "
                f"peak resident {max(peaks[name]) / 1024:.0f} MB"
            )
        library = statistics.median(times["icalendar parse"])
        over = False
        for name, budget in BUDGETS.items():
            ratio = statistics.median(times[name]) / library
            verdict = "ok" if ratio <= budget else "OVER BUDGET"
            over = over or ratio > budget
            print(f"ratio {name} / icalendar parse: {ratio:.2f} (budget {budget:.2f}) {verdict}")
        peak = max(max(peaks["first sync"]), max(peaks["re-sync"])) / 1024
        verdict = "ok" if peak <= MEMORY_BUDGET_MB else "OVER BUDGET"
        over = over or peak > MEMORY_BUDGET_MB
        print(f"peak resident of a sync: {peak:.0f} MB (budget {MEMORY_BUDGET_MB} MB) {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
