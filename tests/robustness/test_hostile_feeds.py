"""A feed written to exhaust the machine, through the installed `usked`: bounded time and memory.

Every hostile recurrence rule of tests/feeds/test_hostile_rules.py in one feed, synced by the
real console script (a process of its own, as a user runs it), its CPU time and peak memory read
from the kernel (`os.wait4`'s rusage of that one child). The bar (issue 17): any feed under
50 MB syncs in under 10 s and 500 MB; these rules took minutes and gigabytes before.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.feeds.test_hostile_rules import HOSTILE

SECONDS = 10.0
MEGABYTES = 500


def hostile_feed(path: Path) -> Path:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:hostile-{i}@x\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{dtstart}\r\n"
        f"DURATION:PT30M\r\nSUMMARY:Req {1000 + i}\r\nRRULE:{rule}\r\nEND:VEVENT\r\n"
        for i, (rule, dtstart) in enumerate(HOSTILE[name] for name in sorted(HOSTILE))
    )
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + events + "END:VCALENDAR\r\n"
    )
    return path


def usked_measured(*args: str) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak resident MB, stderr) of one `usked ARGS` process."""
    script = Path(sys.executable).with_name("usked")
    started = time.monotonic()
    child = subprocess.Popen(
        [str(script), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    return child.returncode, wall, usage.ru_maxrss / 1024, stderr  # ru_maxrss: KiB on Linux


def test_sync_of_hostile_rules_is_bounded(tmp_path: Path) -> None:
    feed = hostile_feed(tmp_path / "hostile.ics")
    code, _, _, stderr = usked_measured("feeds", "add", "mallory", str(feed))
    assert code == 0, stderr
    code, wall, peak_mb, stderr = usked_measured("sync")
    assert code == 0, stderr
    assert wall < SECONDS, f"sync took {wall:.1f} s"
    assert peak_mb < MEGABYTES, f"sync peaked at {peak_mb:.0f} MB"
    assert "skipped event" not in stderr  # legal rules: expanded, not dropped
    assert "hostile-" in stderr  # the capped and the empty rules are named by UID
    code, wall, peak_mb, stderr = usked_measured("assignments", "list", "--user", "mallory")
    assert code == 0, stderr
    assert wall < SECONDS
    assert peak_mb < MEGABYTES
