"""Time-zone names as producers write them (usked_cli.feeds.zones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest

from usked_cli.feeds.zones import Zones, clean_tzid, zone_named


def offsets(zone: object) -> tuple[timedelta | None, timedelta | None]:
    """The zone's offsets in January and July 2026: what tells zones apart here."""
    assert isinstance(zone, ZoneInfo | timezone) or hasattr(zone, "utcoffset")
    return tuple(  # type: ignore[return-value]
        datetime(2026, month, 15, 12, tzinfo=zone).utcoffset()  # type: ignore[arg-type]
        for month in (1, 7)
    )


@pytest.mark.parametrize(
    ("name", "same_as"),
    [
        # tz database names, in other spellings
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("America/New York", "America/New_York"),
        ('"America/Chicago"', "America/Chicago"),
        ("  America/Chicago  ", "America/Chicago"),
        ("US/Mountain", "America/Denver"),
        ("US-Eastern", "America/New_York"),
        # Windows names (CLDR's windowsZones, as icalendar ships it)
        ("Eastern Standard Time", "America/New_York"),
        ("GMT Standard Time", "Europe/London"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("central standard time", "America/Chicago"),
        # Outlook display names
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(UTC-06:00) Central Time (US & Canada)", "America/Chicago"),
        ("(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
        ("(GMT +01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
        ("(GMT-05.00) Eastern Time (US & Canada)", "America/New_York"),  # Zimbra
        ("(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"),
        ("(UTC+01:00) West Central Africa", "Africa/Lagos"),
        ("(UTC-09:00) Alaska", "America/Anchorage"),
        ("(UTC-10:00) Hawaii", "Pacific/Honolulu"),
        ("(UTC-07:00) Arizona", "America/Phoenix"),
        ("(UTC-04:00) Atlantic Time (Canada)", "America/Halifax"),
        ("(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
        ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
        ("(UTC+09:30) Adelaide", "Australia/Adelaide"),
        # globally unique TZIDs (Mozilla, libical/Evolution)
        ("/mozilla.org/20050126_1/America/Boise", "America/Boise"),
        ("/freeassociation.sourceforge.net/Tzfile/Europe/London", "Europe/London"),
        (
            "/softwarestudio.org/Olson_20011030_5/America/Argentina/Buenos_Aires",
            "America/Buenos_Aires",
        ),
        ("tzone://Microsoft/Utc", "UTC"),
    ],
)
def test_names_resolve_to_the_zone_they_mean(name: str, same_as: str) -> None:
    found = zone_named(name)
    assert found is not None
    assert not found.guessed
    expected = ZoneInfo(same_as)
    assert offsets(found.zone) == offsets(expected)
    # and on the days the clocks change
    for moment in (datetime(2026, 3, 8, 12), datetime(2026, 3, 29, 12), datetime(2026, 11, 1, 12)):
        assert moment.replace(tzinfo=found.zone).utcoffset() == (
            moment.replace(tzinfo=expected).utcoffset()
        )


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC+01", timedelta(hours=1)),
        ("GMT-5", timedelta(hours=-5)),  # as a person reads it (Etc/GMT-5 is UTC+5)
        ("UTC+05:30", timedelta(hours=5, minutes=30)),
        ("GMT+0100", timedelta(hours=1)),
        ("(UTC) Coordinated Universal Time", timedelta(0)),
        ("Z", timedelta(0)),
    ],
)
def test_fixed_offsets_written_as_names(name: str, offset: timedelta) -> None:
    found = zone_named(name)
    assert found is not None
    assert not found.guessed
    assert offsets(found.zone) == (offset, offset)


def test_a_display_name_known_by_its_offset_alone_is_a_guess_that_says_so() -> None:
    found = zone_named("(UTC-03:00) Brasilia")
    assert found is not None
    assert found.guessed
    assert offsets(found.zone) == (timedelta(hours=-3), timedelta(hours=-3))
    assert found.reading == "UTC-03:00 (its offset alone)"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Customized Time Zone", "", "  ", "Nowhere"])
def test_names_of_no_zone(name: str) -> None:
    assert zone_named(name) is None


def test_clean_tzid_trims_blanks_and_quotes() -> None:
    assert clean_tzid(' "Eastern Standard Time" ') == "Eastern Standard Time"
    assert clean_tzid("\u201cEurope/Berlin\u201d") == "Europe/Berlin"


def vtimezone(tzid: str, offset: str) -> icalendar.cal.Component:
    text = (
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
        f"TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    component = icalendar.cal.Component.from_ical(text)
    assert isinstance(component, icalendar.cal.Component)
    return component


def test_the_files_vtimezone_comes_first_matched_without_case_quotes_or_blanks() -> None:
    # A custom definition under a Windows name wins over CLDR's mapping of that name.
    zones = Zones([vtimezone("Eastern Standard Time ", "+0530")])
    for tzid in ("Eastern Standard Time", '"eastern standard time"', " EASTERN STANDARD TIME"):
        found = zones.resolve(tzid)
        assert found is not None
        assert offsets(found.zone) == (timedelta(hours=5, minutes=30),) * 2
    # other names are not affected
    other = zones.resolve("Central Standard Time")
    assert other is not None
    assert offsets(other.zone) == offsets(ZoneInfo("America/Chicago"))


def test_a_vtimezone_named_by_the_tz_database_is_read_from_it() -> None:
    # its rules in the file are a snapshot; the tz database's zone is the same zone, whole
    zones = Zones([vtimezone("America/Chicago", "-0600")])
    found = zones.resolve("America/Chicago")
    assert found is not None
    assert found.zone == ZoneInfo("America/Chicago")


def test_a_vtimezone_that_cannot_be_built_falls_back_to_its_name() -> None:
    broken = icalendar.Timezone()  # no STANDARD or DAYLIGHT in it
    broken.add("TZID", "Eastern Standard Time")
    zones = Zones([broken])
    found = zones.resolve("Eastern Standard Time")
    assert found is not None
    assert offsets(found.zone) == offsets(ZoneInfo("America/New_York"))


def test_the_utc_zone_is_read_as_utc() -> None:
    found = zone_named("UTC")
    assert found is not None
    assert datetime(2026, 7, 1, tzinfo=found.zone).utcoffset() == timedelta(0)
    assert datetime(2026, 7, 1, tzinfo=UTC).utcoffset() == timedelta(0)
