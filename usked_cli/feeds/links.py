"""Find the Zoom invite link and the uSked request number in an event's text.

Pure functions over strings (stdlib only), so the rules can be tested without a feed.

Zoom links are recognised by their host and path, never by the word "zoom" alone:
  - hosts: zoom.us, zoomgov.com and any subdomain of them (us02web.zoom.us, acme.zoom.us,
    www.zoomgov.com); `zoom.us.evil.com`, `notzoom.us`, `zoom.usx.com` are not Zoom;
  - paths: /j/<id> (meeting), /w/<id> (webinar), /my/<name> (personal room); the id is 9 to 11
    digits and nothing else;
  - app links: zoommtg://<host>/join?confno=<id>&pwd=... (and zoomus://, the mobile form);
  - /s/<id> is a START link (it carries host powers): it is never an invite and never returned.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from usked_cli.models import ZoomLink
from usked_cli.safe import CONTROLS

__all__ = ["find_request_id", "find_zoom_link", "is_zoom_host"]

# A link runs until whitespace or a character that cannot appear unescaped in a URL; the
# quotes and angle brackets end it inside HTML attributes and <...> plain-text wrappers.
# A link ends at a space, a delimiter, or any control or bidi character (an escape sequence
# glued to a link must not travel with it into a browser or a terminal).
_LINK = re.compile(r"""(?i)\b(?:https?|zoommtg|zoomus)://[^\s<>"'`{}|\\^\[\]""" + CONTROLS + "]+")
# Sentence punctuation that follows a link in prose ("join at https://…/j/123.") or markup
# that wraps it ("(https://…)", "**https://…**"); Zoom links never end with these.
_TRAILING = ".,;:!?)]}*'\""
_MEETING_PATH = re.compile(r"(?i)/(?:j|w)/(\d{9,11})/?")
_PERSONAL_PATH = re.compile(r"(?i)/my/[a-z0-9][a-z0-9._-]*/?")
_APP_PATH = re.compile(r"(?i)/join/?")
_MEETING_ID = re.compile(r"\d{9,11}")
# What a link's passcode token is made of (Zoom's are letters, digits, '.', '_' and '-').
_PWD = re.compile(r"[A-Za-z0-9._~-]{1,64}")
_ZOOM_DOMAINS = ("zoom.us", "zoomgov.com")
# How many redirectors deep a Zoom link is looked for (Safe Links around Google's is two).
_MAX_WRAPPING = 2


def is_zoom_host(host: str) -> bool:
    """Whether `host` is Zoom's: zoom.us or zoomgov.com, or a subdomain of either."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in _ZOOM_DOMAINS)


def find_zoom_link(*texts: str | None) -> ZoomLink | None:
    """The first Zoom join link in `texts`, searched in the order given.

    An https (or http) link anywhere in the texts is preferred to a zoommtg:// app link, which
    is only used when there is no web link; it then becomes https://<host>/j/<id>[?pwd=...].
    HTML (an X-ALT-DESC copy of the notes) is unescaped first so `&amp;` reads as `&`. A link
    wrapped by a redirector (Outlook Safe Links `?url=…`, Google's `/url?q=…`) is unwrapped:
    the invite link is then the Zoom link inside, not the redirector's.
    """
    app_link: ZoomLink | None = None
    for text in texts:
        if not text:
            continue
        if "&" in text:
            text = html.unescape(text)
        web_link, found_app_link = _scan(text, _MAX_WRAPPING)
        if web_link is not None:
            return web_link
        app_link = app_link or found_app_link
    return app_link


def _scan(text: str, unwrap: int) -> tuple[ZoomLink | None, ZoomLink | None]:
    """The first Zoom web link in `text`, and the first app link before it (or anywhere)."""
    app_link: ZoomLink | None = None
    for match in _LINK.finditer(text):
        candidate = match.group().rstrip(_TRAILING)
        if candidate[:4].lower() != "http":
            app_link = app_link or _app_link(candidate)
            continue
        link = _web_link(candidate)
        if link is not None:
            return link, app_link
        if unwrap > 0:
            for value in _wrapped_links(candidate):
                inner_web, inner_app = _scan(value, unwrap - 1)
                if inner_web is not None:
                    return inner_web, app_link
                app_link = app_link or inner_app
    return None, app_link


def _wrapped_links(url: str) -> list[str]:
    """The query values of a non-Zoom link that are links themselves (a redirector's target)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    return [value for values in parse_qs(query).values() for value in values if "://" in value]


def _web_link(url: str) -> ZoomLink | None:
    """A ZoomLink for an http(s) join link on a Zoom host, else None (start links included)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return None
    if not host or not is_zoom_host(host):
        return None
    pwd = _query_value(parts.query, "pwd")
    meeting = _MEETING_PATH.fullmatch(parts.path)
    if meeting:
        return ZoomLink(invite_link=url, meeting_id=meeting.group(1), pwd=pwd)
    if _PERSONAL_PATH.fullmatch(parts.path):
        return ZoomLink(invite_link=url, meeting_id=None, pwd=pwd)
    return None


def _app_link(url: str) -> ZoomLink | None:
    """A ZoomLink for a zoommtg://<host>/join?confno=<id> app link, with an https invite link."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host or not is_zoom_host(host) or not _APP_PATH.fullmatch(parts.path):
        return None
    meeting_id = _query_value(parts.query, "confno")
    if meeting_id is None or not _MEETING_ID.fullmatch(meeting_id):
        return None
    pwd = _query_value(parts.query, "pwd")
    if pwd is not None and not _PWD.fullmatch(pwd):
        pwd = None  # not a passcode token (an escape sequence, say): the link goes without it
    invite = f"https://{host.rstrip('.')}/j/{meeting_id}"
    if pwd:
        invite += f"?pwd={pwd}"
    return ZoomLink(invite_link=invite, meeting_id=meeting_id, pwd=pwd)


def _query_value(query: str, name: str) -> str | None:
    """The first non-empty value of `name` in a URL query string."""
    values = parse_qs(query).get(name)
    return values[0] if values else None


# "Request ID: 104233", "Request #104233", "Request No. 104233", "Req: 42", "Request 104233".
_EXPLICIT_REQUEST = re.compile(
    r"(?i)\breq(?:uest)?\b\.?"
    r"(?:\s*(?P<label>id|no|nr|num|number)\b\.?)?"
    r"\s*(?P<sep>[:#]\s*#?)?\s*"
    r"(?P<digits>\d{1,10})\b"
)
# "#104233": not an HTML entity (&#8211;), not part of a word or a URL fragment.
_BARE_NUMBER = re.compile(r"(?<![\w&/#])#\s?(?P<digits>\d{3,8})\b")
# Words that make "#512" a place, a phone extension or a meeting's code rather than a request.
_NOT_A_REQUEST = re.compile(
    r"(?i)\b(?:room|rm|suite|ste|apt|apartment|unit|floor|fl|bldg|building|box|ext|"
    r"gate|door|bed|lot|dock|table|seat|line|phone|tel|passcode|password|pin|"
    r"(?:meeting|webinar|conference)\s+id)\.?:?\s*$"
)
_BARE_MIN_DIGITS = 3


def find_request_id(summary: str | None, notes: str | None) -> str | None:
    """The uSked request number (digits only) written in an event's summary or notes.

    Order: an explicit "Request ..." form in the summary, then in the notes; only then a bare
    "#104233" in the summary, then in the notes. Explicit forms are "Request ID: 104233",
    "Request #104233", "Request No. 104233", "Req: 42" (any number of digits) and
    "Request 104233" with no label or sign, which needs at least 3 digits so that "request 2
    interpreters" is not read as request 2. A bare "#number" needs 3 to 8 digits and must not
    follow a word such as Room, Suite, Apt or Ext ("Room #512" is a place, not a request).
    """
    texts = [text for text in (summary, notes) if text]
    for text in texts:
        for match in _EXPLICIT_REQUEST.finditer(text):
            digits = match.group("digits")
            explicit = match.group("label") or match.group("sep")
            if explicit or len(digits) >= _BARE_MIN_DIGITS:
                return digits
    for text in texts:
        for match in _BARE_NUMBER.finditer(text):
            before = text[max(0, match.start() - 16) : match.start()]
            if not _NOT_A_REQUEST.search(before):
                return match.group("digits")
    return None
