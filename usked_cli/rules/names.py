"""Generic host-user names: templates, letter labels, and the rename plan.

Conventions (the CLI help repeats them):

* **Template** (`org.host_name_template`, default `{org} Host {letter}`): literal text with the
  placeholders `{org}` (the organization's name), `{letter}` (A..Z, AA, AB, ... in spreadsheet
  column order), `{n}` (1, 2, ...) and `{n:0K}` (zero-padded to K digits, K from 1 to 9: `{n:02}`
  gives 01..99, then 100). `{{` and `}}` are literal braces. The template must hold `{letter}` or
  `{n}`; each of them may appear at most once (both together is fine: they show the same label).
* **Labels** are 1-based indexes: label 1 is `A` / `1`, label 27 is `AA` / `27`.
* A name "renders from the template" only when it equals the rendering exactly (case and spaces
  included); `{n}` does not match `01`, and `{n:02}` does not match `1` or `001`.
* **Stable labels**: a selected user whose current name renders from the template keeps that label.
  The others (new users), in email order (case-insensitive), take the lowest free labels. A label
  is free when no selected user keeps it, no explicit name (below) renders it, and no user outside
  the selection holds it (so a rename by `--match` never hands out a label another pool user
  shows). If two selected users show the same label, the first in email order keeps it.
* **Explicit names** (a CSV of email -> name) replace the template for those users.
* **Current name**: the user's Zoom `display_name`, or "first last" when it is empty.
* **Split**: `first_name` / `last_name` are the name split on its last space ("Acme Corp Host" /
  "A"); a name without a space is all first name, with an empty last name.
* **Actions**: `unchanged` when the display name and first/last already match; `rename` otherwise
  (including a user whose display name is right but whose first/last split differently, reason
  "first/last differ", so every Zoom surface shows the generic name); `refused` when the new name
  cannot be set (`name_problem`): longer than Zoom's 64-character limit (display, first or last
  name), more than 5 Chinese characters in the first or in the last name (`zoom_name_problem`),
  empty, with spaces at either end, or with control characters. Refusals are made in the plan,
  before any request; a refused user still holds its label, so the other labels do not shift.
* **Warnings**: a planned name equal to the current name of a user outside the selection; two
  selected users planned with the same name; an explicit name for an email not in the selection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Literal, NamedTuple

__all__ = [
    "DEFAULT_TEMPLATE",
    "ZOOM_CHINESE_MAX",
    "ZOOM_NAME_MAX",
    "NameAction",
    "NameChange",
    "NamePlan",
    "NamedUser",
    "chinese_count",
    "label_index",
    "letter_label",
    "match_label",
    "name_problem",
    "plan_names",
    "pool_matches",
    "render_name",
    "split_name",
    "uses_org",
    "validate_template",
    "zoom_name_problem",
]

DEFAULT_TEMPLATE = "{org} Host {letter}"
#: Zoom's limit on `first_name` and `last_name`; the display name is held to it as well.
ZOOM_NAME_MAX = 64
#: Zoom's limit on the Chinese characters of `first_name`, and of `last_name` (its OpenAPI
#: description of PATCH /users/{userId}).
ZOOM_CHINESE_MAX = 5
_PLACEHOLDERS_HELP = "use {org}, {letter}, {n} or {n:02} (zero-padded to 2 digits)"
# Pattern strings: `re` compiles and caches them on first use, not at import.
_TOKEN = r"\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+"
# Every control character (Unicode category Cc): C0, DEL and C1. Zoom's rules say nothing of them,
# but a name that starts a meeting must not carry a line break or a terminal escape.
_CONTROL = r"[\x00-\x1f\x7f-\x9f]"
# What counts as a Chinese character: Zoom does not say, so every code point Unicode assigns to a
# CJK ideograph block counts: the CJK Unified Ideographs (U+4E00..U+9FFF) with extensions A to I,
# and the CJK Compatibility Ideographs and their supplement (Chinese characters too, kept
# separate for round trips with older encodings). Japanese kanji are these same characters and
# count; kana, hangul, radicals, CJK punctuation and full-width Latin letters do not. Whole
# blocks are listed, unassigned tails included, so the count does not depend on the Unicode
# version of this Python. Counting a rare ideograph Zoom might not count refuses a name in the
# plan, where it is cheap to change, rather than letting it fail mid-run.
_CHINESE = (
    "["
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0002a6df"  # extension B
    "\U0002a700-\U0002b73f"  # extension C
    "\U0002b740-\U0002b81f"  # extension D
    "\U0002b820-\U0002ceaf"  # extension E
    "\U0002ceb0-\U0002ebef"  # extension F
    "\U0002ebf0-\U0002ee5f"  # extension I
    "\U0002f800-\U0002fa1f"  # CJK Compatibility Ideographs Supplement
    "\U00030000-\U0003134f"  # extension G
    "\U00031350-\U000323af"  # extension H
    "]"
)


def letter_label(index: int) -> str:
    """The spreadsheet-column label of a 1-based index: 1 -> A, 26 -> Z, 27 -> AA, 703 -> AAA."""
    if index < 1:
        raise ValueError(f"labels start at 1, not {index}")
    letters: list[str] = []
    while index:
        index, remainder = divmod(index - 1, 26)
        letters.append(chr(ord("A") + remainder))
    return "".join(reversed(letters))


def label_index(label: str) -> int:
    """The 1-based index of a spreadsheet-column label (upper-case A-Z only): AA -> 27."""
    if not label or not all("A" <= char <= "Z" for char in label):
        raise ValueError(f"{label!r} is not a label (upper-case letters A-Z)")
    index = 0
    for char in label:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index


class _Part(NamedTuple):
    kind: Literal["text", "org", "letter", "n"]
    text: str = ""  # the literal, for kind "text"
    width: int = 0  # the zero-padding width, for kind "n" (0: none)


_KINDS: dict[str, Literal["org", "letter", "n"]] = {"org": "org", "letter": "letter", "n": "n"}


@lru_cache(maxsize=32)
def _parse(template: str) -> tuple[_Part, ...]:
    parts: list[_Part] = []
    seen: set[str] = set()
    for token in re.finditer(_TOKEN, template):
        raw, field = token.group(0), token.group(1)
        if raw in ("{{", "}}"):
            parts.append(_Part("text", raw[0]))
        elif raw in ("{", "}"):
            raise ValueError(
                f"template {template!r} has an unmatched {raw!r}; "
                f"write {raw * 2} for a literal brace"
            )
        elif field is None:
            parts.append(_Part("text", raw))
        else:
            name, colon, spec = field.partition(":")
            kind = _KINDS.get(name)
            if kind is None:
                raise ValueError(
                    f"template {template!r} has an unknown placeholder {{{field}}}; "
                    f"{_PLACEHOLDERS_HELP}"
                )
            width = 0
            if colon:
                if name != "n" or re.fullmatch(r"0[1-9]", spec) is None:
                    raise ValueError(
                        f"template {template!r} has an unsupported format {{{field}}}; only {{n}} "
                        "takes one, {n:0K} with K from 1 to 9 (e.g. {n:02})"
                    )
                width = int(spec)
            if name in ("letter", "n"):
                if name in seen:
                    raise ValueError(f"template {template!r} shows {{{name}}} more than once")
                seen.add(name)
            parts.append(_Part(kind, width=width))
    if not seen:
        raise ValueError(
            f"template {template!r} must contain {{letter}} or {{n}} so that each "
            "host user gets a distinct name"
        )
    return tuple(parts)


def validate_template(template: str) -> None:
    """Raise `ValueError` with a clear message unless `template` is a usable name template."""
    _parse(template)


def uses_org(template: str) -> bool:
    """Whether the template shows the organization's name (a literal `{{org}}` does not)."""
    return render_name(template, org="\x00", index=1) != render_name(template, org="", index=1)


def render_name(template: str, *, org: str, index: int) -> str:
    """The name of label `index` (1-based): `{org} Host {letter}` with 28 -> "Acme Host AB"."""
    letter = letter_label(index)  # also refuses index < 1
    pieces: list[str] = []
    for part in _parse(template):
        if part.kind == "text":
            pieces.append(part.text)
        elif part.kind == "org":
            pieces.append(org)
        elif part.kind == "letter":
            pieces.append(letter)
        else:
            pieces.append(f"{index:0{part.width}d}" if part.width else str(index))
    return "".join(pieces)


@lru_cache(maxsize=32)
def _matcher(template: str, org: str) -> re.Pattern[str]:
    pattern: list[str] = []
    for part in _parse(template):
        if part.kind == "text":
            pattern.append(re.escape(part.text))
        elif part.kind == "org":
            pattern.append(re.escape(org))
        elif part.kind == "letter":
            pattern.append("(?P<letter>[A-Z]+)")
        elif part.width:
            pattern.append("(?P<n>[0-9]+)")  # loose; the exact rendering is checked after
        else:
            pattern.append("(?P<n>[1-9][0-9]*)")
    return re.compile("".join(pattern))


def match_label(template: str, *, org: str, name: str) -> int | None:
    """The label whose rendering is exactly `name`, or None when `name` is not from the template."""
    match = _matcher(template, org).fullmatch(name)
    if match is None:
        return None
    groups = match.groupdict()
    letter, number = groups.get("letter"), groups.get("n")
    index = label_index(letter) if letter is not None else int(number or "0")
    if index < 1:
        return None
    # Checking the rendering settles the loose parts: "001" for {n:02}, or {letter} and {n}
    # showing different labels.
    return index if render_name(template, org=org, index=index) == name else None


def split_name(name: str) -> tuple[str, str]:
    """`first_name`, `last_name` for a display name: split on the last space.

    "Acme Corp Host A" -> ("Acme Corp Host", "A"); "Reception" -> ("Reception", "").
    """
    first, space, last = name.rpartition(" ")
    return (first, last) if space else (name, "")


def chinese_count(text: str) -> int:
    """How many Chinese characters (CJK ideographs, see `_CHINESE`) `text` holds."""
    return len(re.findall(_CHINESE, text))


def zoom_name_problem(first: str, last: str) -> str | None:
    """Why Zoom would refuse this `first_name` / `last_name` pair, in one line, or None.

    Zoom takes at most 64 characters in each, and at most 5 Chinese characters in each (its
    OpenAPI description). Characters are counted as Python's `len` does: code points, so an
    emoji with a skin tone is two, and "é" written as e + accent is two.
    """
    for what, value in (("first name", first), ("last name", last)):
        if len(value) > ZOOM_NAME_MAX:
            return f"the {what} is {len(value)} characters, over Zoom's {ZOOM_NAME_MAX}"
        if (count := chinese_count(value)) > ZOOM_CHINESE_MAX:
            return (
                f"the {what} {value!r} has {count} Chinese characters, "
                f"over Zoom's {ZOOM_CHINESE_MAX}"
            )
    return None


def name_problem(name: str) -> str | None:
    """Why a new display name cannot be set, in one line, or None: empty, spaces at either end,
    a control character, over 64 characters, or a first or last name (`split_name`) Zoom would
    refuse (`zoom_name_problem`). Lengths count code points (Python's `len`)."""
    if not name.strip():
        return "the name is empty"
    if name != name.strip():
        return "the name has spaces at its start or end"
    if re.search(_CONTROL, name):
        return "the name has a control character"
    if len(name) > ZOOM_NAME_MAX:
        return f"the name is {len(name)} characters, over Zoom's {ZOOM_NAME_MAX}"
    return zoom_name_problem(*split_name(name))


def pool_matches(email: str, globs: Sequence[str]) -> bool:
    """Whether `email` matches any shell-style glob (case-insensitive), e.g. `host*@acme.org`."""
    address = email.casefold()
    return any(fnmatchcase(address, glob.casefold()) for glob in globs)


@dataclass(frozen=True, slots=True)
class NamedUser:
    """A Zoom user as the rename plan sees it."""

    user_id: str
    email: str
    display_name: str
    first_name: str = ""
    last_name: str = ""

    @property
    def current_name(self) -> str:
        """The display name, or "first last" when Zoom holds no display name."""
        return self.display_name or f"{self.first_name} {self.last_name}".strip()


class NameAction(StrEnum):
    UNCHANGED = "unchanged"
    RENAME = "rename"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class NameChange:
    """One user's line of the plan: what it is called and what it will be called."""

    user_id: str
    email: str
    current_name: str
    new_name: str
    first_name: str  # the new first name (the split of new_name)
    last_name: str  # the new last name
    label_index: int | None  # None for an explicit name that does not render from the template
    action: NameAction
    reason: str = ""  # why it is renamed or refused; empty when unchanged

    @property
    def label(self) -> str | None:
        return None if self.label_index is None else letter_label(self.label_index)


@dataclass(frozen=True, slots=True)
class NamePlan:
    """The plan for the selected users, in email order, and the warnings to show before it runs."""

    changes: tuple[NameChange, ...]
    warnings: tuple[str, ...] = ()

    @property
    def renames(self) -> tuple[NameChange, ...]:
        return tuple(c for c in self.changes if c.action is NameAction.RENAME)

    @property
    def refused(self) -> tuple[NameChange, ...]:
        return tuple(c for c in self.changes if c.action is NameAction.REFUSED)

    @property
    def unchanged(self) -> tuple[NameChange, ...]:
        return tuple(c for c in self.changes if c.action is NameAction.UNCHANGED)


def plan_names(
    users: Sequence[NamedUser],
    *,
    template: str,
    org: str,
    explicit: Mapping[str, str] | None = None,
    others: Sequence[NamedUser] = (),
) -> NamePlan:
    """Plan generic names for `users` (see the module docstring for every rule).

    `explicit` maps email (any case) to a name that replaces the template for that user; `others`
    are the account's users outside the selection, whose names are only read.
    """
    validate_template(template)
    chosen = {email.casefold(): name for email, name in (explicit or {}).items()}
    ordered = sorted(users, key=lambda user: (user.email.casefold(), user.user_id))
    selected_ids = {user.user_id for user in ordered}
    outsiders = [user for user in others if user.user_id not in selected_ids]

    # Labels no new user may take: those shown outside the selection and by explicit names.
    reserved: set[int] = set()
    for name in [user.current_name for user in outsiders] + list(chosen.values()):
        if (index := match_label(template, org=org, name=name)) is not None:
            reserved.add(index)

    # Selected users already showing a label keep it; the first in email order wins a duplicate.
    labels: dict[str, int] = {}  # user_id -> label
    keepers: dict[int, NamedUser] = {}
    for user in ordered:
        if user.email.casefold() in chosen:
            continue
        index = match_label(template, org=org, name=user.current_name)
        if index is not None and index not in keepers:
            keepers[index] = user
            labels[user.user_id] = index
    taken = reserved | set(keepers)

    candidate = 1
    for user in ordered:
        if user.email.casefold() in chosen or user.user_id in labels:
            continue
        while candidate in taken:
            candidate += 1
        labels[user.user_id] = candidate
        taken.add(candidate)

    changes: list[NameChange] = []
    for user in ordered:
        explicit_name = chosen.get(user.email.casefold())
        if explicit_name is not None:
            new_name = explicit_name
            index = match_label(template, org=org, name=new_name)
        else:
            index = labels[user.user_id]
            new_name = render_name(template, org=org, index=index)
        shown = match_label(template, org=org, name=user.current_name)
        keeper = keepers.get(shown) if explicit_name is None and shown is not None else None
        changes.append(
            _change(user, new_name, index, explicit=explicit_name is not None, keeper=keeper)
        )

    return NamePlan(tuple(changes), tuple(_warnings(changes, outsiders, chosen, ordered)))


def _change(
    user: NamedUser, new_name: str, index: int | None, *, explicit: bool, keeper: NamedUser | None
) -> NameChange:
    """`keeper` is the selected user keeping the label that `user` shows now, if any."""
    first, last = split_name(new_name)
    same_display = user.current_name == new_name
    same_split = (user.first_name, user.last_name) == (first, last)
    if same_display and same_split:
        action, reason = NameAction.UNCHANGED, ""
    else:
        action = NameAction.RENAME
        if same_display:
            reason = "first/last differ"
        elif explicit:
            reason = "explicit name"
        elif keeper is not None and keeper.user_id != user.user_id:
            reason = f"label shown by {keeper.email} too"
        else:
            reason = "new label"
        if refusal := name_problem(new_name):
            action, reason = NameAction.REFUSED, refusal
    return NameChange(
        user_id=user.user_id,
        email=user.email,
        current_name=user.current_name,
        new_name=new_name,
        first_name=first,
        last_name=last,
        label_index=index,
        action=action,
        reason=reason,
    )


def _warnings(
    changes: Sequence[NameChange],
    outsiders: Sequence[NamedUser],
    chosen: Mapping[str, str],
    ordered: Sequence[NamedUser],
) -> list[str]:
    warnings: list[str] = []
    outside_by_name: dict[str, list[str]] = {}
    for user in outsiders:
        outside_by_name.setdefault(user.current_name, []).append(user.email)
    planned_by_name: dict[str, list[str]] = {}
    for change in changes:
        planned_by_name.setdefault(change.new_name, []).append(change.email)
        if holders := outside_by_name.get(change.new_name):
            warnings.append(
                f"{change.email} would be named {change.new_name!r}, the name of "
                f"{', '.join(holders)} outside the selection"
            )
    for name, emails in planned_by_name.items():
        if len(emails) > 1:
            warnings.append(f"{', '.join(emails)} would all be named {name!r}")
    selected_emails = {user.email.casefold() for user in ordered}
    for email in chosen:
        if email not in selected_emails:
            warnings.append(f"the names given for {email} are ignored: not in the selection")
    return warnings
