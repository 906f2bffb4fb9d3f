"""The HTML schedule's structure, read back from the document: rows, bars, padding, free marks and
ticks where the model puts them, outside text escaped, nothing fetched or run. No browser here
(see test_html_browser.py for one)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from tests.drawing.sample import CHICAGO, DAY, HOSTS, ORG, REQUEST_IDS, at, meeting, sample_day
from usked_cli.drawing.html import render_html
from usked_cli.rules.padding import Meeting
from usked_cli.rules.schedule import DaySchedule, build_day

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
EPSILON = 0.01  # coordinates are written with two decimals


def svgs(document: str) -> list[ET.Element]:
    """Each inline SVG, parsed as XML: it must be well-formed on its own."""
    return [ET.fromstring(part) for part in SVG.findall(document)]


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def find_all(root: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in root.iter(tag) if css_class in classes(e)]


def x_of(element: ET.Element, name: str = "x") -> float:
    return float(element.get(name, "nan"))


def instant(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


class Axis:
    """The plot's scale as the document draws it: the first and last hour ticks are the axis."""

    def __init__(self, svg: ET.Element) -> None:
        ticks = find_all(svg, "line", "tick")
        self.start, self.end = instant(ticks[0].get("data-at")), instant(ticks[-1].get("data-at"))
        self.left, self.right = x_of(ticks[0], "x1"), x_of(ticks[-1], "x1")

    def x(self, moment: datetime) -> float:
        moment = max(self.start, min(self.end, moment))
        share = (moment - self.start) / (self.end - self.start)
        return self.left + (self.right - self.left) * share


class TextOf(HTMLParser):
    """The document's text as a reader sees it, tags dropped, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def read(document: str) -> TextOf:
    parser = TextOf()
    parser.feed(document)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def day() -> DaySchedule:
    return sample_day()


@pytest.fixture(scope="module")
def document(day: DaySchedule) -> str:
    return render_html([day], org_name=ORG)


@pytest.fixture(scope="module")
def svg(document: str) -> ET.Element:
    (only,) = svgs(document)
    return only


def rows(svg: ET.Element) -> list[ET.Element]:
    return find_all(svg, "g", "host")


def test_a_complete_html5_document_titled_with_the_org_and_the_day(document: str) -> None:
    assert document.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert document.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in document
    heading = "Acme Corp — host users, Thursday 3 December 2026"
    assert f"<title>{heading}</title>" in document
    assert f"<h1>{heading}</h1>" in document
    assert "Times in America/Chicago (CST)" in document


def test_self_contained_printable_and_inert(document: str) -> None:
    lowered = document.lower()
    for forbidden in ("<script", "<link", "http://", "https://", "@import", "@font-face", "src="):
        assert forbidden not in lowered, forbidden
    assert set(re.findall(r"url\((.)", document)) <= {"#"}  # only the bars' own clip paths
    assert "Content-Security-Policy" in document
    assert "default-src 'none'" in document
    assert "@page { size: landscape;" in document
    assert "print-color-adjust: exact" in document
    assert "-webkit-print-color-adjust: exact" in document
    assert read(document).tags.count("style") == 1


def test_a_readable_svg_with_a_viewbox(svg: ET.Element, day: DaySchedule) -> None:
    width, height = float(svg.get("width", "0")), float(svg.get("height", "0"))
    assert svg.get("viewBox") == f"0 0 {width:g} {height:g}"
    assert 1100 <= width <= 1400
    busy_rows = rows(svg)
    heights = [float(band.get("height", "0")) for band in find_all(svg, "rect", "row-band")]
    assert len(heights) == len(busy_rows) == len(day.busy_hosts)
    assert min(heights) >= 32  # a single-lane row: ~36 px
    assert svg.get("data-axis-start") == day.axis_start.isoformat()
    assert svg.get("data-axis-end") == day.axis_end.isoformat()


def test_one_row_per_busy_host_in_pool_order(svg: ET.Element, day: DaySchedule) -> None:
    found = rows(svg)
    assert [row.get("data-email") for row in found] == [h.email for h in day.busy_hosts]
    assert [row.get("data-email") for row in found] == [
        "host-a@acme.org",
        "host-b@acme.org",
        "host-d@acme.org",
    ]
    for row, host in zip(found, day.busy_hosts, strict=True):
        names = [t.text for t in find_all(row, "text", "host-name")]
        assert names == [host.name]
        assert [t.text for t in find_all(row, "text", "host-email")] == [host.email]
    assert ["alternate" in classes(row) for row in found] == [False, True, False]  # zebra
    tops = [x_of(band, "y") for band in find_all(svg, "rect", "row-band")]
    bottoms = [x_of(b, "y") + x_of(b, "height") for b in find_all(svg, "rect", "row-band")]
    assert tops == sorted(tops)
    assert all(bottom <= top + EPSILON for bottom, top in zip(bottoms, tops[1:], strict=False))


def test_hour_ticks_in_local_time_spaced_evenly(svg: ET.Element) -> None:
    ticks = find_all(svg, "line", "tick")
    assert [t.get("data-hour") for t in ticks] == [f"{h:02}:00" for h in range(6, 20)]
    xs = [x_of(t, "x1") for t in ticks]
    steps = {round(b - a, 1) for a, b in pairwise(xs)}
    assert len(steps) == 1
    labels = [t.text for t in find_all(svg, "text", "tick-label")]
    assert labels == [t.get("data-hour") for t in ticks]


def test_a_bar_per_meeting_with_its_state(svg: ET.Element, day: DaySchedule) -> None:
    for row, host in zip(rows(svg), day.busy_hosts, strict=True):
        meetings = find_all(row, "g", "meeting")
        assert len(meetings) == len(host.bars)
        for group, bar in zip(meetings, host.bars, strict=True):
            (drawn,) = find_all(group, "rect", "bar")
            assert group.get("data-meeting-id") == drawn.get("data-meeting-id")
            assert drawn.get("data-meeting-id") == bar.meeting.meeting_id
            assert instant(drawn.get("data-start")) == bar.meeting.start
            assert instant(drawn.get("data-end")) == bar.meeting.end
            assert f"state-{bar.state}" in classes(drawn)
            assert group.get("data-state") == bar.state
    states = {g.get("data-meeting-id"): g.get("data-state") for g in find_all(svg, "g", "meeting")}
    assert states == {
        "81234567890": "padding",
        "81234567891": "padding",
        "89876543210": "ok",
        "82222222222": "overlap",
        "82222222223": "overlap",
        "83333333333": "ok",
        "84444444444": "ok",
        "84444444445": "ok",
    }


def test_bars_and_their_padding_placed_in_proportion_to_time(
    svg: ET.Element, day: DaySchedule
) -> None:
    axis = Axis(svg)
    assert axis.start == day.axis_start
    assert axis.end == day.axis_end
    padding = timedelta(minutes=day.padding_minutes)
    for group in find_all(svg, "g", "meeting"):
        (bar,) = find_all(group, "rect", "bar")
        start, end = instant(bar.get("data-start")), instant(bar.get("data-end"))
        assert x_of(bar) == pytest.approx(axis.x(start), abs=EPSILON)
        assert x_of(bar) + x_of(bar, "width") == pytest.approx(axis.x(end), abs=EPSILON)
    for pad in find_all(svg, "rect", "padding"):
        start, end = instant(pad.get("data-start")), instant(pad.get("data-end"))
        assert end - start == padding
        assert x_of(pad) == pytest.approx(axis.x(start), abs=EPSILON)
        assert x_of(pad) + x_of(pad, "width") == pytest.approx(axis.x(end), abs=EPSILON)


def test_padding_on_both_sides_of_every_bar_under_the_bars(
    svg: ET.Element, day: DaySchedule
) -> None:
    for row, host in zip(rows(svg), day.busy_hosts, strict=True):
        pads = find_all(row, "rect", "padding")
        for bar in host.bars:
            mine = [p for p in pads if p.get("data-meeting-id") == bar.meeting.meeting_id]
            by_side = {p.get("data-side"): p for p in mine}
            assert set(by_side) == {"before", "after"}
            assert instant(by_side["before"].get("data-end")) == bar.meeting.start
            assert instant(by_side["after"].get("data-start")) == bar.meeting.end
        # Drawn first: a meeting too close to the next covers that one's padding, not the reverse.
        order = [e for e in row.iter() if classes(e) & {"padding", "bar"}]
        kinds = ["padding" if "padding" in classes(e) else "bar" for e in order]
        assert kinds == sorted(kinds, key=lambda kind: kind == "bar")


def test_padding_in_a_lighter_shade_of_the_bar_and_conflicts_in_red(svg: ET.Element) -> None:
    def rgb(colour: str | None) -> tuple[int, int, int]:
        assert colour is not None
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)

    for group in find_all(svg, "g", "meeting"):
        (bar,) = find_all(group, "rect", "bar")
        r, g, b = rgb(bar.get("fill"))
        if group.get("data-state") == "ok":
            assert r < max(g, b)  # blue or violet
        else:
            assert r > 2 * max(g, b)  # red
    for pad in find_all(svg, "rect", "padding"):
        meeting_id = pad.get("data-meeting-id")
        (owner,) = [
            bar for bar in find_all(svg, "rect", "bar") if bar.get("data-meeting-id") == meeting_id
        ]
        assert sum(rgb(pad.get("fill"))) > sum(rgb(owner.get("fill"))) + 150  # lighter


def test_free_stretches_marked_under_the_bars(svg: ET.Element, day: DaySchedule) -> None:
    axis = Axis(svg)
    for row, host in zip(rows(svg), day.busy_hosts, strict=True):
        marks = find_all(row, "rect", "free")
        assert [(instant(m.get("data-start")), instant(m.get("data-end"))) for m in marks] == list(
            host.free
        )
        (band,) = find_all(row, "rect", "row-band")
        lowest_bar = max(x_of(b, "y") + x_of(b, "height") for b in find_all(row, "rect", "bar"))
        for mark, (start, end) in zip(marks, host.free, strict=True):
            assert x_of(mark) == pytest.approx(axis.x(start), abs=EPSILON)
            assert x_of(mark) + x_of(mark, "width") == pytest.approx(axis.x(end), abs=EPSILON)
            assert x_of(mark, "y") >= lowest_bar
            assert x_of(mark, "y") + x_of(mark, "height") <= x_of(band, "y") + x_of(band, "height")
    # Stretches reach past the drawn hours (midnight to midnight): drawn within them.
    assert [len(find_all(row, "rect", "free")) for row in rows(svg)] == [3, 3, 3]


def test_overlapping_meetings_side_by_side_within_their_row(svg: ET.Element) -> None:
    host_b = rows(svg)[1]
    (band,) = find_all(host_b, "rect", "row-band")
    top, bottom = x_of(band, "y"), x_of(band, "y") + x_of(band, "height")
    bars = {b.get("data-meeting-id"): b for b in find_all(host_b, "rect", "bar")}
    first, second = bars["82222222222"], bars["82222222223"]
    assert x_of(first, "y") + x_of(first, "height") <= x_of(second, "y")  # a lane each
    for bar in bars.values():
        assert top <= x_of(bar, "y")
        assert x_of(bar, "y") + x_of(bar, "height") <= bottom


def test_each_bar_labelled_with_the_first_candidate_that_fits(svg: ET.Element) -> None:
    labels = {}
    for group in find_all(svg, "g", "meeting"):
        texts = [t.text for t in find_all(group, "text", "label")]
        labels[group.get("data-meeting-id")] = texts[0] if texts else None
    assert labels == {
        "81234567890": "104233",  # request ids first
        "81234567891": "104241",
        "89876543210": "89876543210",  # no request: the meeting id, which fits an hour
        "82222222222": "104250",
        "82222222223": "82222222223",
        "83333333333": "83333333333",
        "84444444444": "84444444444",
        "84444444445": "104262",
    }


def test_a_short_bar_goes_unlabelled_and_a_bar_without_ids_shows_its_topic() -> None:
    short = meeting("85555555555", "Quick sync", at(9), 15)
    no_id = meeting("", "Long planning session", at(11), 180)
    day = build_day(
        DAY,
        CHICAGO,
        [("x@acme.org", "X", [short, no_id])],
        padding_minutes=10,
        duration_minutes=60,
    )
    (svg,) = svgs(render_html([day], org_name=ORG))
    texts = {
        g.get("data-start"): [t.text for t in find_all(g, "text", "label")]
        for g in find_all(svg, "g", "meeting")
    }
    assert texts == {short.start.isoformat(): [], no_id.start.isoformat(): [no_id.topic]}


def test_hover_titles_tell_the_full_story(svg: ET.Element) -> None:
    titles = {}
    for group in find_all(svg, "g", "meeting"):
        title = group.find("title")
        assert title is not None
        assert list(group).index(title) == 0  # the group's own title, shown over the bar
        titles[group.get("data-meeting-id")] = title.text or ""
    intake = titles["81234567890"].splitlines()
    assert intake[0] == "Intake interview"
    assert intake[1] == "meeting, 08:30\u201309:30 (60 min)"
    assert "meeting id 81234567890" in intake
    assert "request 104233" in intake
    assert intake[-1].startswith("state: padding broken")
    webinar = titles["89876543210"]
    assert "Board briefing" in webinar
    assert "webinar, 13:00\u201314:00 (60 min)" in webinar
    assert "request" not in webinar
    assert webinar.endswith("state: ok")
    assert titles["82222222223"].splitlines()[-1].startswith("state: overlap")
    assert "occurrence 1764795600000" in titles["83333333333"]


def test_idle_host_users_on_one_line(document: str) -> None:
    text = " ".join(" ".join(read(document).parts).split())
    assert "free all day: Acme Corp Host C, Acme Corp Host E" in text
    assert 'data-email="host-c@acme.org"' not in document  # no row of its own


def test_a_legend_names_every_mark(svg: ET.Element) -> None:
    (legend,) = find_all(svg, "g", "legend")
    words = [t.text for t in legend.iter("text")]
    assert words == [
        "meeting",
        "webinar",
        "padding broken",
        "overlap",
        "padding (10 min)",
        "free (at least 60 min)",
    ]
    right_edge = float(svg.get("width", "0"))
    # Its items are laid out left to right inside the picture (estimated text widths).
    xs = [x_of(t) for t in legend.iter("text")]
    assert xs == sorted(xs)
    assert xs[-1] < right_edge - 200


HOSTILE_TOPIC = "<script>alert(1)</script>\x1b[2J"
HOSTILE_NAME = 'Eve "the" <b>Host</b> & co\u202e'


def hostile_day() -> DaySchedule:
    bad = meeting("86666666666", HOSTILE_TOPIC, at(10), 90)
    return build_day(
        DAY,
        CHICAGO,
        [
            ('eve"<x>@acme.org', HOSTILE_NAME, [bad]),
            ("idle@acme.org", "<i>Idle</i>\x07", []),
        ],
        padding_minutes=10,
        duration_minutes=60,
        request_ids={bad: "<img src=x onerror=alert(1)>"},
    )


def test_outside_text_is_escaped_and_its_controls_made_visible() -> None:
    document = render_html([hostile_day()], org_name="<Acme> & \x1b]52;c;Zm9v\x07")
    lowered = document.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "<b>" not in document
    assert "<i>" not in document
    assert "<acme>" not in lowered
    for control in ("\x1b", "\x07", "\u202e"):
        assert control not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J" in document
    (svg,) = svgs(document)
    (row,) = rows(svg)
    assert row.get("data-email") == 'eve"<x>@acme.org'
    assert row.get("data-name") == 'Eve "the" <b>Host</b> & co\\u202e'
    (group,) = find_all(svg, "g", "meeting")
    title = group.find("title")
    assert title is not None
    assert title.text is not None
    assert title.text.splitlines()[0] == "<script>alert(1)</script>\\x1b[2J"
    assert "request <img src=x onerror=alert(1)>" in title.text
    reader = read(document)
    assert "script" not in reader.tags
    assert "img" not in reader.tags
    text = "".join(reader.parts)
    assert "<Acme> & \\x1b]52;c;Zm9v\\x07 — host users" in text
    assert "free all day: <i>Idle</i>\\x07" in " ".join(text.split())


def test_text_xml_cannot_carry_is_shown_as_an_escape() -> None:
    odd = meeting("87777777777", "half a pair \ud800 and \uffff", at(10), 60)
    day = build_day(
        DAY, CHICAGO, [("x@acme.org", "X", [odd])], padding_minutes=10, duration_minutes=60
    )
    document = render_html([day], org_name=ORG)
    document.encode("utf-8")  # a lone surrogate could not be written to the file
    (svg,) = svgs(document)
    (group,) = find_all(svg, "g", "meeting")
    title = group.find("title")
    assert title is not None
    assert title.text is not None
    assert title.text.startswith("half a pair \\ud800 and \\uffff")


def test_several_days_several_sections_and_svgs() -> None:
    second_day = date(2026, 12, 4)
    friday = build_day(
        second_day,
        CHICAGO,
        [
            (email, name, [m for m in meetings if m.start.date() == second_day])
            for email, name, meetings in HOSTS
        ]
        + [
            (
                "host-f@acme.org",
                "Acme Corp Host F",
                [meeting("88888888888", "Friday", datetime(2026, 12, 4, 9, tzinfo=CHICAGO), 60)],
            )
        ],
        padding_minutes=10,
        duration_minutes=60,
        request_ids=REQUEST_IDS,
    )
    document = render_html([sample_day(), friday], org_name=ORG)
    found = svgs(document)
    assert [svg.get("data-day") for svg in found] == ["2026-12-03", "2026-12-04"]
    assert document.count('<section class="day"') == 2
    heading = "Acme Corp — host users, Thursday 3 December 2026 to Friday 4 December 2026"
    assert f"<title>{heading}</title>" in document
    assert f"<h1>{heading}</h1>" in document
    assert "<h2>Thursday 3 December 2026</h2>" in document
    assert "<h2>Friday 4 December 2026</h2>" in document
    assert [len(rows(svg)) for svg in found] == [3, 1]
    assert [r.get("data-email") for r in rows(found[1])] == ["host-f@acme.org"]
    ids = re.findall(r'\sid="([^"]+)"', document)
    assert len(ids) == len(set(ids))  # the clip paths of two days never collide


def test_a_day_the_clocks_go_back_is_drawn_to_scale() -> None:
    """1 November 2026 in Chicago has 25 hours: 01:00 is shown twice, and an hour on the axis is
    an hour of elapsed time however the wall clock reads."""
    fall_back = date(2026, 11, 1)
    # 00:30 to 03:30 on the wall clock: four hours elapsed, as 01:00-02:00 comes round twice.
    early = Meeting(
        "89999999999",
        "Night shift",
        datetime(2026, 11, 1, 0, 30, tzinfo=CHICAGO),
        datetime(2026, 11, 1, 3, 30, tzinfo=CHICAGO),
    )
    day = build_day(
        fall_back,
        CHICAGO,
        [("n@acme.org", "Night", [early])],
        padding_minutes=10,
        duration_minutes=60,
    )
    document = render_html([day], org_name=ORG)
    assert "Times in America/Chicago (CDT/CST)" in document
    (svg,) = svgs(document)
    ticks = find_all(svg, "line", "tick")
    hours = [t.get("data-hour") for t in ticks]
    assert hours[:5] == ["00:00", "01:00", "01:00", "02:00", "03:00"]
    assert hours[-1] == "18:00"
    assert len(ticks) == 20  # 19 elapsed hours from midnight to 18:00 on this day
    xs = [x_of(t, "x1") for t in ticks]
    assert len({round(b - a, 1) for a, b in pairwise(xs)}) == 1
    (bar,) = find_all(svg, "rect", "bar")
    axis = Axis(svg)
    assert x_of(bar, "width") == pytest.approx(axis.x(early.end) - axis.x(early.start), abs=EPSILON)
    step = xs[1] - xs[0]
    assert x_of(bar, "width") == pytest.approx(4 * step, abs=0.05)


def test_a_day_in_another_zone_is_labelled_in_that_zone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    talk = meeting("80000000001", "Talk", datetime(2026, 12, 3, 9, 30, tzinfo=kolkata), 60)
    day = build_day(
        DAY, kolkata, [("k@acme.org", "K", [talk])], padding_minutes=0, duration_minutes=30
    )
    document = render_html([day], org_name=ORG)
    (svg,) = svgs(document)
    assert "Times in Asia/Kolkata (IST)" in document
    ticks = find_all(svg, "line", "tick")
    assert ticks[0].get("data-hour") == "08:00"
    assert find_all(svg, "rect", "padding") == []  # no padding, no shade
    (group,) = find_all(svg, "g", "meeting")
    title = group.find("title")
    assert title is not None
    assert "09:30\u201310:30" in (title.text or "")


def test_a_day_without_meetings_draws_the_axis_and_lists_everyone_as_free() -> None:
    day = build_day(
        DAY,
        CHICAGO,
        [("c@acme.org", "C", []), ("e@acme.org", "E", [])],
        padding_minutes=10,
        duration_minutes=60,
    )
    document = render_html([day], org_name=ORG)
    (svg,) = svgs(document)
    assert rows(svg) == []
    assert find_all(svg, "line", "tick")[0].get("data-hour") == "08:00"
    assert "No host user has a meeting this day." in document
    assert "free all day:</strong> C, E</p>" in document


def test_long_names_are_shortened_in_the_picture_and_whole_in_the_title() -> None:
    name = "Interpreting Services Department Zoom Host Number Twelve"
    day = build_day(
        DAY,
        CHICAGO,
        [("long@acme.org", name, [meeting("80000000002", "T", at(9), 60)])],
        padding_minutes=10,
        duration_minutes=60,
    )
    (svg,) = svgs(render_html([day], org_name=ORG))
    (row,) = rows(svg)
    (shown,) = find_all(row, "text", "host-name")
    assert shown.text is not None
    head, tail = shown.text.split("…")
    assert name.startswith(head)
    assert name.endswith(tail)
    assert row.get("data-name") == name
    title = row.find("title")
    assert title is not None
    assert name in (title.text or "")


def test_no_days_no_document() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        render_html([], org_name=ORG)


def test_the_same_day_gives_the_same_bytes(day: DaySchedule) -> None:
    assert render_html([day], org_name=ORG) == render_html([sample_day()], org_name=ORG)


def test_idle_basic_users_have_their_own_line() -> None:
    day = build_day(
        DAY,
        CHICAGO,
        [("c@x", "Host C", []), ("b@x", "Basic Bob", [], False)],
        padding_minutes=10,
        duration_minutes=60,
    )
    page = render_html([day], org_name="Acme Corp")
    assert "<strong>free all day:</strong> Host C</p>" in page
    assert "never free):</strong> Basic Bob</p>" in page


def test_cut_names_keep_their_distinguishing_end() -> None:
    long = "Acme Interpreting Services Spanish Team Host"
    hosts = [
        (f"{c}@x", f"{long} {c}", [meeting(c, "t", at(9 + i), 60)]) for i, c in enumerate("AB")
    ]
    day = build_day(DAY, CHICAGO, hosts, padding_minutes=10, duration_minutes=60)
    page = render_html([day], org_name=ORG)
    names = re.findall(r'<text class="host-name"[^>]*>([^<]*)</text>', page)
    assert len(names) == 2
    assert names[0] != names[1]
    assert [name[-6:] for name in names] == ["Host A", "Host B"]
    assert all("…" in name for name in names)
