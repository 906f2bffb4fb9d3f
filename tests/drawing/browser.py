"""A headless Chromium for the HTML schedule's tests and the README's PNG: find it, have it lay a
page out and report where things landed, have it take a screenshot.

No Python package beyond the stdlib: the page is copied with a script of the test's own (never
part of the product) that, once the page is laid out, measures the host rows, bars, labels and
hour ticks with getBoundingClientRect and writes the numbers into the DOM as JSON, which
`--dump-dom` prints. Each run gets its own profile folder and is killed, with its helper
processes, if it outlives the timeout.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

__all__ = [
    "BROWSERS",
    "chromium_version",
    "dump_dom",
    "find_chromium",
    "measure",
    "screenshot",
    "with_script",
]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 90.0  # seconds: a cold start on a busy two-core CI machine takes a few
# Quiet, offline, reproducible: no sandbox (containers run as root), no GPU, nothing fetched.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)

# Run once the page is laid out; the JSON goes into <pre id="measured">.
MEASURE_SCRIPT = """
window.addEventListener("load", () => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            width: r.width, height: r.height};
  };
  const days = [];
  for (const svg of document.querySelectorAll("svg.schedule")) {
    const day = {day: svg.dataset.day, axisStart: svg.dataset.axisStart,
                 axisEnd: svg.dataset.axisEnd, box: box(svg), ticks: [], rows: []};
    for (const tick of svg.querySelectorAll("line.tick")) {
      day.ticks.push({hour: tick.dataset.hour, at: tick.dataset.at, box: box(tick)});
    }
    for (const host of svg.querySelectorAll("g.host")) {
      const row = {email: host.dataset.email, box: box(host),
                   band: box(host.querySelector("rect.row-band")),
                   name: host.querySelector("text.host-name").textContent, bars: [], free: []};
      for (const meeting of host.querySelectorAll("g.meeting")) {
        const bar = meeting.querySelector("rect.bar");
        const label = meeting.querySelector("text.label");
        row.bars.push({meetingId: meeting.dataset.meetingId, start: meeting.dataset.start,
                       end: meeting.dataset.end, state: meeting.dataset.state, box: box(bar),
                       fill: getComputedStyle(bar).fill,
                       label: label ? {text: label.textContent, box: box(label)} : null});
      }
      for (const free of host.querySelectorAll("rect.free")) {
        row.free.push({start: free.dataset.start, end: free.dataset.end, box: box(free)});
      }
      day.rows.push(row);
    }
    const idle = svg.parentElement.querySelector("p.idle");
    day.idle = idle ? {text: idle.innerText, box: box(idle)} : null;
    days.push(day);
  }
  const page = {width: document.documentElement.scrollWidth,
                height: document.documentElement.scrollHeight, body: box(document.body)};
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({days, page});
  document.body.appendChild(out);
});
"""
_MEASURED = re.compile(r'<pre id="measured">(.*?)</pre>', re.S)
_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')


def find_chromium() -> str | None:
    """The first Chromium or Chrome on PATH, if any."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_version(browser: str) -> str:
    return _run([browser, "--version"]).strip()


def with_script(page: str, script: str) -> str:
    """`page` with `script` run in it: the product's policy forbids scripts, so the test drops
    the policy from its own copy (and checks it was there)."""
    without_policy, count = _CSP.subn("", page)
    if count != 1:
        raise AssertionError("the page has no Content-Security-Policy to lift")
    if "</body>" not in without_policy:
        raise AssertionError("the page has no </body>")
    return without_policy.replace("</body>", f"<script>{script}</script>\n</body>", 1)


def measure(
    browser: str, page: str, workdir: Path, *, window: tuple[int, int] = (1400, 900)
) -> dict[str, Any]:
    """Where Chromium lays out the rows, bars and ticks of `page` (see MEASURE_SCRIPT)."""
    path = workdir / "measure.html"
    path.write_text(with_script(page, MEASURE_SCRIPT), encoding="utf-8")
    dom = dump_dom(browser, path, workdir=workdir, window=window)
    found = _MEASURED.search(dom)
    if found is None:
        raise AssertionError(f"the measuring script wrote nothing; the DOM began:\n{dom[:2000]}")
    measured: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return measured


def dump_dom(
    browser: str, page_path: Path, *, workdir: Path, window: tuple[int, int] = (1400, 900)
) -> str:
    """The DOM of `page_path` once loaded (and its scripts, if any, have run), serialized."""
    return _run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={workdir / 'profile-dom'}",
            f"--window-size={window[0]},{window[1]}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            page_path.as_uri(),
        ],
        workdir=workdir,
    )


def screenshot(
    browser: str,
    page_path: Path,
    png: Path,
    *,
    window: tuple[int, int],
    scale: float = 1.0,
    workdir: Path,
) -> None:
    """A PNG of `page_path` as a `window`-sized viewport shows it (`scale` device pixels a CSS
    pixel)."""
    _run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={workdir / 'profile-screenshot'}",
            f"--window-size={window[0]},{window[1]}",
            f"--force-device-scale-factor={scale:g}",
            "--virtual-time-budget=2000",
            f"--screenshot={png}",
            page_path.as_uri(),
        ],
        workdir=workdir,
    )
    if not png.is_file():
        raise AssertionError(f"Chromium wrote no screenshot at {png}")


def _run(command: list[str], *, workdir: Path | None = None, timeout: float = TIMEOUT) -> str:
    """`command`'s stdout; on timeout the whole process group (Chromium's helpers) is killed.
    HOME is `workdir`: whatever Chromium caches there (fonts, certificates) goes with the test."""
    environment = dict(os.environ)
    if workdir is not None:
        environment["HOME"] = str(workdir)
    process = subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group, so the helpers go with it
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"{command[0]} took longer than {timeout:g} s") from None
    if process.returncode != 0:
        raise AssertionError(f"{command[0]} exited with {process.returncode}:\n{stderr[-3000:]}")
    return stdout
