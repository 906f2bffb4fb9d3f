"""Text from outside (feeds, Zoom, CSV input, file names) made safe to show on a terminal.

A feed title or a Zoom display name is written by other people. Shown raw, `ESC[2J` clears the
coordinator's screen, an OSC 52 sequence writes their clipboard, and a bidi override (U+202E)
makes a line read otherwise than it is (Trojan Source). So every human-readable output shows
C0 and C1 controls, DEL and the bidi embedding/override/isolate controls as visible escapes
(`\\x1b`, `\\u202e`) instead of acting on them. JSON needs none of this: it escapes them itself.

No imports beyond `re`: this sits on every command's path, the listing's included.
"""

from __future__ import annotations

import re

__all__ = ["CONTROLS", "json_visible", "visible", "visible_lines", "visible_tabs"]

# DEL, the C1 controls, and the bidi embedding/override/isolate controls (Trojan Source)...
_DEL_C1_BIDI = "\x7f-\x9f\u202a-\u202e\u2066-\u2069"
# ...and the C0 controls: every character outside text may not bring to a terminal, as the body
# of a regex character class (links and passcodes end at one: usked_cli.feeds).
CONTROLS = "\x00-\x1f" + _DEL_C1_BIDI

_UNSAFE = re.compile(f"[{CONTROLS}]")
# The same, less the tabs that separate a line's columns (and the line breaks of a CSV cell).
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x08\x0a-\x1f{_DEL_C1_BIDI}]")
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_DEL_C1_BIDI}]")
# What json.dumps(ensure_ascii=False) leaves raw (it escapes the C0 controls itself).
_UNSAFE_IN_JSON = re.compile(f"[{_DEL_C1_BIDI}]")


def visible(text: str) -> str:
    """`text` with every control and bidi character shown as an escape: one line, inert."""
    return _shown(_UNSAFE, text)


def visible_tabs(text: str) -> str:
    """As `visible`, but tabs stay: one line of tab-separated data, or a message on stderr.
    A line break is escaped too: quoted text (a feed's UID) must not start a line of its own
    that reads like one of ours (`warning: all good`)."""
    return _shown(_UNSAFE_IN_LINE, text)


def visible_lines(text: str) -> str:
    """As `visible`, but tabs and line breaks stay: a CSV cell (CSV quotes them). A carriage
    return is escaped: it would let text overwrite what a line showed before it."""
    return _shown(_UNSAFE_IN_LINES, text)


def json_visible(text: str) -> str:
    """JSON text from json.dumps(ensure_ascii=False) with DEL, C1 and bidi controls written as
    `\\u` escapes too: the same text to a JSON reader, inert on a terminal."""
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _shown(unsafe: re.Pattern[str], text: str) -> str:
    if text.isprintable():  # every unsafe character is unprintable: the common case is quick
        return text
    return unsafe.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
