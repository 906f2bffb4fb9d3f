"""What a person needs to join by hand, read from a Zoom invitation's text.

Pure functions over strings (stdlib only), like links.py:
  - the passcode a person types: the value of a "Passcode:" line, or its kin in Zoom's invitation
    templates and other producers' ("Password:", "Meeting Password:", "Code secreto:",
    "Kenncode:", "Mot de passe:", "Senha:", ...): letters, digits and the few signs Zoom allows,
    never a URL. It is not the `pwd=` token of the invite link, an encoded form nobody can type;
  - dial-in numbers: the "One tap mobile" lines (`+13017158592,,85512345678#,,,,*123456# US
    (Washington DC)`, recognised by the `,,` after the number in any language) and the lines
    under "Dial by your location" (`+1 301 715 8592 US (Washington DC)`, `877 853 5247 US
    Toll-free`), in the order written, the same number once (its spelled-out form kept), at most
    MAX_DIAL_IN of them;
  - the meeting ID a "Meeting ID: 855 1234 5678" line gives, for links that carry none.
"""

from __future__ import annotations

import re

from usked_cli.models import DialIn
from usked_cli.safe import CONTROLS

__all__ = ["MAX_DIAL_IN", "find_dial_in", "find_meeting_id", "find_passcode"]

MAX_DIAL_IN = 10

# The labels of the passcode line in Zoom's invitation templates (English, Spanish, German,
# French, Portuguese, Italian, Dutch, Japanese, Chinese, Korean) and in other producers' notes.
_PASSCODE_LABELS = (
    r"(?:meeting|webinar|numeric|zoom)?\s*(?:passcode|password|pass\s?code|pwd)",
    r"c[oó]d(?:igo|e)\s+(?:secreto|de\s+acceso|de\s+acesso)",
    r"contrase[nñ]a(?:\s+de\s+la\s+reuni[oó]n)?",
    r"kenncode",
    r"passwort|kennwort",
    r"mot\s+de\s+passe|code\s+secret|code\s+d['\u2019]acc[eè]s",
    r"senha(?:\s+da\s+reuni[aã]o)?",
    r"codice\s+d['\u2019]accesso|password\s+riunione",
    r"toegangscode|wachtwoord",
    "パスコード|パスワード",
    "密码|密碼|会议密码|會議密碼",
    "암호|비밀번호",
)
# A label right before a colon (looked for only where the notes have a colon: fast on long
# notes), then the value after it on the same line.
_PASSCODE_LABEL = re.compile(r"(?i)(?<!\w)(?:" + "|".join(_PASSCODE_LABELS) + r")[ \t]*\Z")
_PASSCODE_VALUE_AFTER = re.compile(r"[ \t]*(?P<value>[^\s<>\"'`" + CONTROLS + "]{1,40})")
_LABEL_CHARS = 28  # the longest label, "contraseña de la reunión", and blanks
# How the labels above end, in lower case.
_LABEL_ENDINGS = (
    "passcode",
    "password",
    "pwd",
    "secreto",
    "acceso",
    "acesso",
    "contraseña",
    "contrasena",
    "reunión",
    "reunion",
    "kenncode",
    "passwort",
    "kennwort",
    "passe",
    "secret",
    "accès",
    "acces",
    "senha",
    "reunião",
    "reuniao",
    "accesso",
    "riunione",
    "toegangscode",
    "wachtwoord",
    "パスコード",
    "パスワード",
    "密码",
    "密碼",
    "암호",
    "비밀번호",
)
_LABEL_END_COLON = re.compile(
    "(?:"
    + "|".join(re.escape(ending) for ending in sorted(_LABEL_ENDINGS, key=len, reverse=True))
    + ")[ \t]*[:\uff1a]"
)
_COMMON_LABELS = ("Passcode:", "Password:")
# What a passcode may hold: letters (any script), digits, and the signs Zoom allows (@ * _ - .).
_PASSCODE_VALUE = re.compile(r"[\w@*.\-]*[^\W_][\w@*.\-]*")
_TRAILING = ".,;:!?)]}"

_ONE_TAP = re.compile(
    r"(?m)(?<![\w+])(?P<number>\+\d{6,15})\s*,,[\d#*,]*(?:[ \t]+(?P<country>[^\n]*))?"
)
_DIAL_HEADER = re.compile(
    r"(?i)^\W*(?:dial\s+by\s+(?:your\s+)?location|dial\s+in|dial-in\s+numbers?|"
    r"marcar\s+(?:según|segun|por)\s+su\s+ubicaci[oó]n|einwahl\s+nach\s+aktuellem\s+standort|"
    r"composez\s+(?:un|le)\s+num[ée]ro\s+en\s+fonction\s+de\s+votre\s+(?:position|emplacement)|"
    r"discar\s+pela\s+sua\s+localiza[cç][aã]o|componi\s+in\s+base\s+alla\s+tua\s+posizione)\W*$"
)
# Words every dial-in header above holds: the lines are only read when one is there.
_DIAL_HINTS = ("dial", "marcar", "einwahl", "composez", "discar", "componi")
_DIAL_LINE = re.compile(
    r"^[ \t]*(?:[\u2022\u00b7*\-\u2013][ \t]*)?(?P<number>\+?\d[\d \t().\-]{5,22}\d)"
    r"(?:[ \t]+(?P<country>[^\d\s][^\n]*))?[ \t]*$"
)
_MEETING_ID_LABEL = re.compile(
    r"(?i)(?:meeting\s+id|webinar\s+id|id\s+de\s+(?:la\s+)?reuni[oó]n|meeting-id|"
    r"id\s+da\s+reuni[aã]o|id\s+de\s+r[ée]union|ミーティング\s*ID|会议\s*ID|會議\s*ID)"
    r"\s*[:\uff1a#]?\s*(?P<id>\d{3}[ \-]?\d{3,4}[ \-]?\d{3,4})(?!\d)"
)


def find_passcode(*texts: str | None) -> str | None:
    """The passcode a "Passcode: 482913"-style line gives, from the first text that has one."""
    for text in texts:
        if not text:
            continue
        for label in _COMMON_LABELS:  # Zoom's English template: found without a regex
            at = text.find(label)
            if at >= 0 and (at == 0 or not text[at - 1].isalnum()):
                value = _value_after(text, at + len(label) - 1)
                if value:
                    return value
        for colon in _label_colons(text):
            if _PASSCODE_LABEL.search(text, max(0, colon - _LABEL_CHARS), colon):
                value = _value_after(text, colon)
                if value:
                    return value
    return None


def _value_after(text: str, colon: int) -> str | None:
    """The passcode after the label's colon, on the same line, or None when it is not one."""
    after = _PASSCODE_VALUE_AFTER.match(text, colon + 1)
    value = after.group("value").rstrip(_TRAILING) if after else ""
    if not value or "://" in value or value.lower().startswith(("http", "www.")):
        return None
    return value if _PASSCODE_VALUE.fullmatch(value) else None


def _label_colons(text: str) -> list[int]:
    """Where a colon follows the end of a label: found in the lower-cased text by a plain
    search (a case-blind one is ten times slower), then confirmed on the text itself."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: every colon
        return [match.start() for match in re.finditer("[:\uff1a]", text)]
    return [match.end() - 1 for match in _LABEL_END_COLON.finditer(lowered)]


def find_dial_in(*texts: str | None, limit: int = MAX_DIAL_IN) -> tuple[DialIn, ...]:
    """The dial-in numbers of a Zoom invitation, in the order written, each number once."""
    found: dict[str, DialIn] = {}
    for text in texts:
        if not text:
            continue
        for number, country in _numbers(text):
            digits = re.sub(r"\D", "", number)
            if len(digits) < 7:
                continue
            known = found.get(digits)
            if known is None:
                if len(found) >= limit:
                    continue
                found[digits] = DialIn(number=number, country=country)
                continue
            # The same number again: keep its place, take the spelled-out form and a country.
            spelled = number if " " in number and " " not in known.number else known.number
            found[digits] = DialIn(number=spelled, country=known.country or country)
    return tuple(found.values())


def _numbers(text: str) -> list[tuple[str, str]]:
    """(number, country) pairs in the order they appear: one-tap lines and listed numbers."""
    numbers: list[tuple[int, str, str]] = []
    if ",," in text:
        for match in _ONE_TAP.finditer(text):
            start = match.start()
            numbers.append((start, match.group("number"), _country(match.group("country"))))
    lowered = text.lower()
    if not any(word in lowered for word in _DIAL_HINTS):
        return [(number, country) for _, number, country in numbers]
    offset = 0
    in_list = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if _DIAL_HEADER.match(stripped):
            in_list = True
        elif in_list:
            dial = _DIAL_LINE.match(line.rstrip("\r\n"))
            if dial and ",," not in line:
                number = " ".join(dial.group("number").split())
                numbers.append((offset, number, _country(dial.group("country"))))
            elif stripped:
                in_list = False
        offset += len(line)
    numbers.sort(key=lambda item: item[0])
    return [(number, country) for _, number, country in numbers]


def _country(text: str | None) -> str:
    return " ".join((text or "").split()).strip(" -\u2013,")


def find_meeting_id(*texts: str | None) -> str | None:
    """The digits of a "Meeting ID: 855 1234 5678" line (9 to 11 digits), or None."""
    for text in texts:
        if not text:
            continue
        for match in _MEETING_ID_LABEL.finditer(text):
            digits = re.sub(r"\D", "", match.group("id"))
            if 9 <= len(digits) <= 11:
                return digits
    return None
