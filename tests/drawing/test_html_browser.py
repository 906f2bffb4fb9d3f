"""The HTML schedule in a real headless Chromium: each host user's row and each meeting's bar are
drawn where they should be, labels stay inside their bars, a screenshot shows something, and a
hostile topic stays text. Skipped where no Chromium or Chrome is installed."""

from __future__ import annotations

import struct
import zlib
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.drawing.browser import dump_dom, find_chromium, measure, screenshot
from tests.drawing.sample import ORG, sample_day
from tests.drawing.test_html import HOSTILE_TOPIC, hostile_day
from usked_cli.drawing.html import render_html
from usked_cli.rules.schedule import DaySchedule

BROWSER = find_chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium or google-chrome on PATH")
TOLERANCE = 1.5  # px: anti-aliasing and rounding between the SVG's units and the layout


@pytest.fixture(scope="module")
def day() -> DaySchedule:
    return sample_day()


@pytest.fixture(scope="module")
def measured(day: DaySchedule, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample day laid out once by Chromium, for every test of this module."""
    assert BROWSER is not None
    page = render_html([day], org_name=ORG)
    result = measure(BROWSER, page, tmp_path_factory.mktemp("measure"))
    (only,) = result["days"]
    day_measured: dict[str, Any] = only
    return day_measured


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Axis:
    """The axis as drawn: the measured positions of the ticks at its start and its end."""

    def __init__(self, measured: dict[str, Any]) -> None:
        ticks = measured["ticks"]
        self.start, self.end = at(measured["axisStart"]), at(measured["axisEnd"])
        first, last = ticks[0], ticks[-1]
        assert at(first["at"]) == self.start
        assert at(last["at"]) == self.end
        self.left, self.right = first["box"]["left"], last["box"]["left"]
        assert self.right - self.left > 800  # a readable size, not squeezed

    def x(self, moment: datetime) -> float:
        moment = max(self.start, min(self.end, moment))
        share = (moment - self.start) / (self.end - self.start)
        return float(self.left + (self.right - self.left) * share)


def test_every_busy_host_row_drawn_in_order_without_overlap(
    measured: dict[str, Any], day: DaySchedule
) -> None:
    rows = measured["rows"]
    assert [row["email"] for row in rows] == [host.email for host in day.busy_hosts]
    assert [row["name"] for row in rows] == [host.name for host in day.busy_hosts]
    for row in rows:
        assert row["band"]["height"] >= 30
        assert row["band"]["width"] > 1000
        # Nothing of the row (a label, a mark) spills out of its band.
        assert row["box"]["top"] >= row["band"]["top"] - 0.5
        assert row["box"]["bottom"] <= row["band"]["bottom"] + 0.5
    for upper, lower in pairwise(rows):
        assert upper["band"]["bottom"] <= lower["band"]["top"] + 0.5
        assert upper["band"]["top"] < lower["band"]["top"]
    axis_bottom = max(tick["box"]["bottom"] for tick in measured["ticks"])
    assert rows[0]["band"]["top"] >= axis_bottom - 0.5  # under the hour labels


def test_each_bar_within_its_row_and_where_its_times_fall_on_the_axis(
    measured: dict[str, Any], day: DaySchedule
) -> None:
    axis = Axis(measured)
    for row, host in zip(measured["rows"], day.busy_hosts, strict=True):
        assert [(bar["meetingId"], at(bar["start"])) for bar in row["bars"]] == [
            (bar.meeting.meeting_id, bar.meeting.start) for bar in host.bars
        ]
        for bar in row["bars"]:
            box = bar["box"]
            assert box["width"] > 1
            assert box["height"] > 10
            assert box["top"] >= row["band"]["top"]
            assert box["bottom"] <= row["band"]["bottom"]
            assert box["left"] == pytest.approx(axis.x(at(bar["start"])), abs=TOLERANCE)
            assert box["right"] == pytest.approx(axis.x(at(bar["end"])), abs=TOLERANCE)


def test_hour_ticks_evenly_spaced_on_screen(measured: dict[str, Any]) -> None:
    axis = Axis(measured)
    for tick in measured["ticks"]:
        assert tick["box"]["left"] == pytest.approx(axis.x(at(tick["at"])), abs=TOLERANCE)
    assert [tick["hour"] for tick in measured["ticks"]] == [f"{h:02}:00" for h in range(6, 20)]


def test_labels_fit_inside_their_bars(measured: dict[str, Any]) -> None:
    """The width estimate behind each label holds in a real font: no label is cut."""
    labelled = 0
    for row in measured["rows"]:
        for bar in row["bars"]:
            label = bar["label"]
            if label is None:
                continue
            labelled += 1
            assert label["box"]["left"] >= bar["box"]["left"]
            assert label["box"]["right"] <= bar["box"]["right"]
            assert label["box"]["top"] >= bar["box"]["top"]
            assert label["box"]["bottom"] <= bar["box"]["bottom"]
            assert label["box"]["width"] > 0
    assert labelled == 8


def test_conflicts_red_the_rest_not(measured: dict[str, Any]) -> None:
    for row in measured["rows"]:
        for bar in row["bars"]:
            red, green, blue = (int(part) for part in bar["fill"][4:-1].split(","))
            if bar["state"] == "ok":
                assert red < max(green, blue)
            else:
                assert red > 2 * max(green, blue)


def test_free_marks_within_their_rows_and_stretches(measured: dict[str, Any]) -> None:
    axis = Axis(measured)
    for row in measured["rows"]:
        assert row["free"]
        lowest_bar = max(bar["box"]["bottom"] for bar in row["bars"])
        for mark in row["free"]:
            box = mark["box"]
            assert box["height"] > 0
            assert box["top"] >= lowest_bar  # under the bars, never hiding one
            assert box["bottom"] <= row["band"]["bottom"]
            assert box["left"] == pytest.approx(axis.x(at(mark["start"])), abs=TOLERANCE)
            assert box["right"] == pytest.approx(axis.x(at(mark["end"])), abs=TOLERANCE)


def test_idle_line_shown(measured: dict[str, Any]) -> None:
    idle = measured["idle"]
    assert idle is not None
    assert idle["text"] == "free all day: Acme Corp Host C, Acme Corp Host E"
    assert idle["box"]["height"] > 0
    assert idle["box"]["top"] >= measured["box"]["bottom"]  # under the picture


def test_a_hostile_topic_stays_text_in_the_browser(tmp_path: Path) -> None:
    assert BROWSER is not None
    page = tmp_path / "hostile.html"
    page.write_text(render_html([hostile_day()], org_name=ORG), encoding="utf-8")
    dom = dump_dom(BROWSER, page, workdir=tmp_path)
    assert "<script" not in dom.lower()
    assert "<img" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert HOSTILE_TOPIC not in dom


def test_a_screenshot_shows_the_picture(tmp_path: Path) -> None:
    assert BROWSER is not None
    page = tmp_path / "schedule.html"
    page.write_text(render_html([sample_day()], org_name=ORG), encoding="utf-8")
    png = tmp_path / "schedule.png"
    screenshot(BROWSER, page, png, window=(1400, 600), workdir=tmp_path)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # text, bars and colours; a blank page is a few hundred bytes
    width, height, pixels = png_pixels(data)
    assert (width, height) == (1400, 600)
    # Scanlines decompressed: a drawn page has many distinct byte values, a blank one a handful.
    assert len(set(pixels)) > 64


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (still filtered) scanlines of a PNG."""
    position, idat = 8, b""
    width = height = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    return width, height, zlib.decompress(idat)
