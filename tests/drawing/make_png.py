"""The README's picture of `usked admin schedule --html`: the sample day rendered to HTML and
photographed by headless Chromium, the window cut to the content.

    python -m tests.drawing.make_png docs/schedule.png

Run it again after changing the drawing (usked_cli/drawing/html.py), and look at the result.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from tests.drawing.browser import chromium_version, find_chromium, measure, screenshot
from tests.drawing.sample import ORG, sample_day
from usked_cli.drawing.html import render_html

MARGIN = 24  # px around the content, as the page's own body margin
SCALE = 2.0  # device pixels a CSS pixel: sharp on high-density screens, where READMEs are read


def make_png(target: Path) -> tuple[int, int]:
    """Write the PNG to `target`; the window's size in CSS pixels."""
    browser = find_chromium()
    if browser is None:
        raise SystemExit("no chromium or google-chrome on PATH (apt-get install chromium)")
    page = render_html([sample_day()], org_name=ORG)
    with tempfile.TemporaryDirectory(prefix="usked-png-") as folder:
        workdir = Path(folder)
        # Lay the page out in a wide window first, to learn how big the content is.
        laid_out = measure(browser, page, workdir, window=(1600, 1200))
        right = max(day["box"]["right"] for day in laid_out["days"])
        bottom = laid_out["page"]["body"]["bottom"]
        window = (math.ceil(right) + MARGIN, math.ceil(bottom) + MARGIN)
        html_path = workdir / "schedule.html"
        html_path.write_text(page, encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        screenshot(browser, html_path, target, window=window, scale=SCALE, workdir=workdir)
        version = chromium_version(browser)
        print(f"{target}: {window[0]}x{window[1]} CSS px at {SCALE:g}x, by {version}")
    return window


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.drawing.make_png OUTPUT.png", file=sys.stderr)
        return 2
    make_png(Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
