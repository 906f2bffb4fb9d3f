"""Time-zone names as calendar producers write them, read as zones.

A TZID is resolved in this order; the first rule that gives a zone wins:

 1. the file's own VTIMEZONE: TZIDs match after trimming blanks and quotes, case-insensitively
    (Exchange writes `TZID:"Eastern Standard Time"` in one place and `Eastern Standard Time` in
    another). A VTIMEZONE whose TZID is itself a tz database name is read from the tz database
    (the same zone with its whole history, and what icalendar does); any other is built from
    its STANDARD/DAYLIGHT rules, as its producer defined it;
 2. a tz database name (`America/New_York`), in any case, with `_` written as a blank, or in a
    legacy spelling with `-` (`US-Eastern` is `US/Eastern`);
 3. a Windows zone name (`Eastern Standard Time`, `GMT Standard Time`), from CLDR's
    windowsZones mapping as icalendar ships it (icalendar.timezone.windows_to_olson);
 4. an Outlook display name, `(UTC-05:00) Eastern Time (US & Canada)` or
    `(GMT +01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna` (Zimbra writes `GMT-05.00`).
    These are not in CLDR, so they are matched by rule, trying in turn:
      a. the label (the words after the offset, without parenthesised parts such as
         "(US & Canada)" and without a trailing "Time") as a Windows name without its
         "Standard Time": "Eastern Time (US & Canada)" -> "Eastern Standard Time"; Windows
         names' abbreviations are spelled out for this ("W. Central Africa" is "West Central
         Africa");
      b. each place the label lists (split at commas, slashes and "and") as the city of a tz
         database zone (the last part of its name, `_` read as a blank): "Amsterdam" ->
         Europe/Amsterdam, "Bern" (no zone of its own) skipped;
      c. the label as the start of a Windows name ("Alaska" -> "Alaskan Standard Time");
      d. the label as a part of a tz database name ("Indiana" -> America/Indiana/...);
     b, c and d only take a zone whose standard offset (the smaller of its January and July
     offsets) is the one in the parentheses; and
      e. last, the offset alone, as a fixed-offset zone: a guess (it knows no daylight saving
         time), reported as such;
 5. a globally unique TZID that ends in a tz database name, as Mozilla and libical write them
    (`/mozilla.org/20050126_1/America/Boise`, `/freeassociation.sourceforge.net/Europe/Berlin`);
 6. a fixed offset written as a name: `UTC+01`, `GMT-5`, `UTC+05:30` (the sign as a person reads
    it: `GMT-5` is five hours behind UTC, unlike the tz database's `Etc/GMT-5`).

A TZID that matches none of these is unknown: the caller reads its times in the calendar's
X-WR-TIMEZONE, else the configured zone, and says so once per TZID.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from icalendar.cal import Component
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

__all__ = ["Resolution", "Zones", "clean_tzid", "fixed_offset_zone", "zone_named"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a TZID was read as."""

    zone: tzinfo
    # True when the zone is a guess (an Outlook display name read by its offset alone): the
    # caller says so once.
    guessed: bool = False
    reading: str = ""  # how it was read, for that message: "UTC-07:00 (its offset alone)"


_QUOTES = "\"'\u201c\u201d\u2018\u2019"
_DISPLAY_NAME = re.compile(
    r"(?i)^\(\s*(?:UTC|GMT)\s*(?:(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2})"
    r"(?:[:.]?(?P<minutes>\d{2}))?)?\s*\)\s*(?P<label>.*)$"
)
_FIXED_OFFSET = re.compile(
    r"(?i)^(?:UTC|GMT|Z)?\s*(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2})"
    r"(?:[:.]?(?P<minutes>\d{2}))?$"
)
_PARENTHESISED = re.compile(r"\([^)]*\)")
_WINDOWS_ABBREVIATIONS = {
    "w.": "west",
    "e.": "east",
    "n.": "north",
    "s.": "south",
    "cen.": "central",
    "se": "southeast",
    "ne": "northeast",
    "nw": "northwest",
    "sw": "southwest",
    "aus": "australian",
    "us": "us",
}
_UTC_NAMES = {"utc", "z", "zulu", "gmt", "coordinated universal", "coordinated universal time"}
# A year to read standard offsets in: any recent year does; a fixed one keeps results stable.
_REFERENCE_YEAR = 2025


def clean_tzid(tzid: str) -> str:
    """A TZID without surrounding blanks and quotes (as some producers write them)."""
    return tzid.strip().strip(_QUOTES).strip()


def _key(tzid: str) -> str:
    return clean_tzid(tzid).casefold()


class Zones:
    """The zones of one calendar: its VTIMEZONEs first, then the names rules above."""

    def __init__(self, vtimezones: Iterable[Component]) -> None:
        self._defined: dict[str, Component] = {}
        for component in vtimezones:
            tzid = _text_of(component.get("TZID"))
            if tzid:
                self._defined.setdefault(_key(tzid), component)
        self._cache: dict[str, Resolution | None] = {}

    def resolve(self, tzid: str) -> Resolution | None:
        """The zone `tzid` names in this calendar, or None when it names none."""
        try:
            return self._cache[tzid]
        except KeyError:
            pass
        found = self._from_vtimezone(tzid)
        if found is None:
            found = zone_named(tzid)
        self._cache[tzid] = found
        return found

    def _from_vtimezone(self, tzid: str) -> Resolution | None:
        component = self._defined.get(_key(tzid))
        if component is None:
            return None
        own = clean_tzid(_text_of(component.get("TZID")) or "")
        named = _tz_database(own.strip("/"))
        if named is not None:
            return Resolution(named)
        try:
            zone = getattr(component, "to_tz")(lookup_tzid=False)  # noqa: B009
        except Exception:  # a VTIMEZONE icalendar cannot build: try its name instead
            return None
        return Resolution(zone) if isinstance(zone, tzinfo) else None


def _text_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


@lru_cache(maxsize=1024)
def zone_named(name: str) -> Resolution | None:
    """The zone a TZID (or an X-WR-TIMEZONE) names by the rules 2 to 6 above, or None."""
    cleaned = clean_tzid(name)
    if not cleaned:
        return None
    bare = cleaned.strip("/")
    zone = _tz_database(bare) or _legacy(bare) or _windows(bare)
    if zone is not None:
        return Resolution(zone)
    display = _DISPLAY_NAME.match(cleaned)
    if display:
        return _display_name(display)
    if "/" in bare:
        parts = bare.split("/")
        for first in range(1, len(parts)):
            zone = _tz_database("/".join(parts[first:]))
            if zone is not None:
                return Resolution(zone)
    fixed = _FIXED_OFFSET.match(cleaned)
    if fixed:
        return Resolution(_offset_zone(fixed))
    if cleaned.casefold() in _UTC_NAMES:
        return Resolution(UTC)
    return None


def fixed_offset_zone(offset: timedelta) -> tzinfo:
    """A fixed-offset zone named as a person writes it: UTC, UTC+01:00, UTC-05:00."""
    return UTC if not offset else timezone(offset)


def _offset_zone(match: re.Match[str]) -> tzinfo:
    return fixed_offset_zone(_offset_of(match))


def _offset_of(match: re.Match[str]) -> timedelta:
    if match.group("hours") is None:
        return timedelta(0)
    size = timedelta(hours=int(match.group("hours")), minutes=int(match.group("minutes") or 0))
    if size >= timedelta(hours=24):
        size = timedelta(0)
    return -size if match.group("sign") in "-\u2212" else size


# -- the tz database --------------------------------------------------------------------------


def _tz_database(name: str) -> ZoneInfo | None:
    """A tz database zone by its name, exactly or in another case or with blanks for `_`."""
    if not name:
        return None
    zone = _zone_info(name)
    if zone is not None:
        return zone
    key = _iana_by_key().get(name.replace(" ", "_").casefold())
    return _zone_info(key) if key else None


def _zone_info(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError (a bad key), an OSError
        return None


def _legacy(name: str) -> ZoneInfo | None:
    """`US-Eastern` (no longer in the tz database) as `US/Eastern` (a link that still is)."""
    if "-" not in name or "/" in name:
        return None
    return _tz_database(name.replace("-", "/", 1))


@lru_cache(maxsize=1)
def _iana_by_key() -> dict[str, str]:
    """Every tz database name by its lower-case form (read once, on the first odd name)."""
    return {name.casefold(): name for name in available_timezones()}


@lru_cache(maxsize=1)
def _iana_by_city() -> dict[str, list[str]]:
    """tz database names by their last part in lower case with blanks: "new york"."""
    cities: dict[str, list[str]] = {}
    for name in sorted(available_timezones()):
        city = name.rsplit("/", 1)[-1].replace("_", " ").casefold()
        cities.setdefault(city, []).append(name)
    return cities


# -- Windows names ----------------------------------------------------------------------------


def _windows(name: str) -> ZoneInfo | None:
    key = WINDOWS_TO_OLSON.get(name) or _windows_by_key().get(name.casefold())
    return _zone_info(key) if key else None


@lru_cache(maxsize=1)
def _windows_by_key() -> dict[str, str]:
    return {name.casefold(): olson for name, olson in WINDOWS_TO_OLSON.items()}


@lru_cache(maxsize=1)
def _windows_by_label() -> dict[str, str]:
    """Windows zones by their name without "Standard Time", abbreviations spelled out."""
    labels: dict[str, str] = {}
    for name, olson in sorted(WINDOWS_TO_OLSON.items()):
        label = _label_key(re.sub(r"(?i)\s+(standard|daylight)\s+time$", "", name))
        labels.setdefault(label, olson)
    return labels


def _label_key(label: str) -> str:
    words = label.casefold().replace("&", " ").split()
    return " ".join(_WINDOWS_ABBREVIATIONS.get(word, word) for word in words)


# -- Outlook display names --------------------------------------------------------------------


def _display_name(match: re.Match[str]) -> Resolution:
    offset = _offset_of(match)
    label = _PARENTHESISED.sub(" ", match.group("label")).strip(" .,;")
    key = _label_key(re.sub(r"(?i)\s+time$", "", label.strip()))
    if key in _UTC_NAMES and not offset:
        return Resolution(UTC)
    windows = _windows_by_label().get(key)
    if windows:
        zone = _zone_info(windows)
        if zone is not None:
            return Resolution(zone)
    for place in re.split(r"\s*[,;/]\s*|\s+and\s+", label):
        for name in _iana_by_city().get(place.strip(" .").casefold(), ()):
            zone = _zone_info(name)
            if zone is not None and _standard_offset(zone) == offset:
                return Resolution(zone)
    if key:
        for label_key, olson in sorted(_windows_by_label().items()):
            if label_key.startswith(key):
                zone = _zone_info(olson)
                if zone is not None and _standard_offset(zone) == offset:
                    return Resolution(zone)
        wanted = key.replace(" ", "_")
        for name in sorted(_iana_by_key()):
            if wanted in name.split("/")[:-1]:
                zone = _zone_info(_iana_by_key()[name])
                if zone is not None and _standard_offset(zone) == offset:
                    return Resolution(zone)
    reading = f"{_offset_name(offset)} (its offset alone)"
    return Resolution(fixed_offset_zone(offset), guessed=True, reading=reading)


def _standard_offset(zone: tzinfo) -> timedelta | None:
    """The zone's standard (winter) offset: the smaller of its January and July offsets."""
    offsets = [
        datetime(_REFERENCE_YEAR, month, 15, 12, tzinfo=zone).utcoffset() for month in (1, 7)
    ]
    known = [offset for offset in offsets if offset is not None]
    return min(known) if known else None


def _offset_name(offset: timedelta) -> str:
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
