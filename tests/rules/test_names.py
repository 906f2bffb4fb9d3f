"""Generic host-user names: labels, templates, and the rename plan (stable, idempotent)."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.rules.names import (
    DEFAULT_TEMPLATE,
    ZOOM_CHINESE_MAX,
    ZOOM_NAME_MAX,
    NameAction,
    NamedUser,
    NamePlan,
    chinese_count,
    label_index,
    letter_label,
    match_label,
    name_problem,
    plan_names,
    pool_matches,
    render_name,
    split_name,
    validate_template,
    zoom_name_problem,
)

# Same examples on every run: a property test that fails, fails every time and everywhere.
DETERMINISTIC = settings(derandomize=True, deadline=None, database=None)

ORG = "Acme Corp"


def user(email: str, name: str = "", user_id: str | None = None) -> NamedUser:
    """A Zoom user whose first/last are the split of its display name (as Zoom usually has it)."""
    first, last = split_name(name) if name else ("", "")
    return NamedUser(user_id or email.split("@")[0], email, name, first, last)


def host(letter: str) -> str:
    return f"{ORG} Host {letter}"


def plan(
    users: Sequence[NamedUser],
    *,
    template: str = DEFAULT_TEMPLATE,
    org: str = ORG,
    explicit: Mapping[str, str] | None = None,
    others: Sequence[NamedUser] = (),
) -> NamePlan:
    return plan_names(users, template=template, org=org, explicit=explicit, others=others)


def outcome(result: NamePlan) -> list[tuple[str, str, str]]:
    return [(c.email, c.new_name, c.action.value) for c in result.changes]


def apply(users: Sequence[NamedUser], result: NamePlan) -> list[NamedUser]:
    """What Zoom holds after the plan's renames went through."""
    done = {c.user_id: c for c in result.renames}
    return [
        NamedUser(
            u.user_id,
            u.email,
            done[u.user_id].new_name,
            done[u.user_id].first_name,
            done[u.user_id].last_name,
        )
        if u.user_id in done
        else u
        for u in users
    ]


# --- labels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "label"),
    [
        (1, "A"),
        (2, "B"),
        (26, "Z"),
        (27, "AA"),
        (28, "AB"),
        (52, "AZ"),
        (53, "BA"),
        (702, "ZZ"),
        (703, "AAA"),
        (18278, "ZZZ"),
    ],
)
def test_letter_labels(index: int, label: str) -> None:
    assert letter_label(index) == label
    assert label_index(label) == index


@pytest.mark.parametrize("index", [0, -1])
def test_labels_start_at_one(index: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        letter_label(index)


@pytest.mark.parametrize("label", ["", "a", "A1", "Ä", " A"])
def test_label_index_refuses_what_is_not_a_label(label: str) -> None:
    with pytest.raises(ValueError, match="not a label"):
        label_index(label)


@DETERMINISTIC
@given(st.integers(min_value=1, max_value=10**9))
def test_letter_label_round_trips(index: int) -> None:
    assert label_index(letter_label(index)) == index


@DETERMINISTIC
@given(st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=8))
def test_every_upper_case_word_is_a_label(label: str) -> None:
    assert letter_label(label_index(label)) == label


# --- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{org} Host {letter}",
        "{org} Host {n}",
        "Host {n:02}",
        "{letter}",
        "{org} {letter} ({n:03})",
        "{{{org}}} {letter}",
        "Room {n:01}",
    ],
)
def test_valid_templates(template: str) -> None:
    validate_template(template)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{org} Host", "must contain {letter} or {n}"),
        ("", "must contain {letter} or {n}"),
        ("{org} Host {Letter}", "unknown placeholder {Letter}"),
        ("{org} Host {number}", "unknown placeholder"),
        ("{org} Host {}", "unknown placeholder"),
        ("{org} Host {n:2}", "unsupported format"),
        ("{org} Host {n:00}", "unsupported format"),
        ("{org} Host {n:02d}", "unsupported format"),
        ("{org} Host {n:1}", "unsupported format"),
        ("{org} Host {letter:02}", "unsupported format"),
        ("{org:>10} Host {letter}", "unsupported format"),
        ("{org} Host {letter", "unmatched '{'"),
        ("{org} Host letter}", "unmatched '}'"),
        ("{letter} and {letter}", "more than once"),
        ("{n} and {n:02}", "more than once"),
    ],
)
def test_invalid_templates_say_why(template: str, problem: str) -> None:
    with pytest.raises(ValueError, match="template") as caught:
        validate_template(template)
    assert problem in str(caught.value)


def test_unknown_placeholder_message_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"\{org\}, \{letter\}, \{n\} or \{n:02\}"):
        validate_template("{company} {letter}")


@pytest.mark.parametrize(
    ("template", "index", "name"),
    [
        (DEFAULT_TEMPLATE, 1, "Acme Corp Host A"),
        (DEFAULT_TEMPLATE, 28, "Acme Corp Host AB"),
        ("{org} Host {n}", 7, "Acme Corp Host 7"),
        ("{org} Host {n:02}", 7, "Acme Corp Host 07"),
        ("{org} Host {n:02}", 100, "Acme Corp Host 100"),
        ("{org} {letter} ({n:03})", 2, "Acme Corp B (002)"),
        ("{{{org}}} {letter}", 1, "{Acme Corp} A"),
    ],
)
def test_render_and_match(template: str, index: int, name: str) -> None:
    assert render_name(template, org=ORG, index=index) == name
    assert match_label(template, org=ORG, name=name) == index


@pytest.mark.parametrize(
    ("template", "name"),
    [
        (DEFAULT_TEMPLATE, "Acme Corp Host a"),  # case matters
        (DEFAULT_TEMPLATE, "Acme Corp Host  A"),
        (DEFAULT_TEMPLATE, "Acme Corp Host A "),
        (DEFAULT_TEMPLATE, "Acme Host A"),  # another org
        (DEFAULT_TEMPLATE, "Acme Corp Host 1"),
        (DEFAULT_TEMPLATE, "Barry"),
        ("{org} Host {n}", "Acme Corp Host 01"),  # {n} does not match a leading zero
        ("{org} Host {n}", "Acme Corp Host 0"),
        ("{org} Host {n:02}", "Acme Corp Host 1"),
        ("{org} Host {n:02}", "Acme Corp Host 001"),
        ("{org} Host {n:02}", "Acme Corp Host 00"),
        ("{org} {letter} ({n})", "Acme Corp B (3)"),  # the two placeholders disagree
    ],
)
def test_names_that_do_not_render_from_the_template(template: str, name: str) -> None:
    assert match_label(template, org=ORG, name=name) is None


def test_an_org_with_regex_characters_is_literal() -> None:
    org = "A+B (NY) [US] .*"
    name = render_name(DEFAULT_TEMPLATE, org=org, index=3)
    assert match_label(DEFAULT_TEMPLATE, org=org, name=name) == 3
    assert match_label(DEFAULT_TEMPLATE, org=org, name="AAB (NY) [US] xx Host C") is None


_literal = st.text(alphabet=string.ascii_letters + string.digits + " -_().#", max_size=6)


@st.composite
def _templates(draw: st.DrawFn) -> str:
    label_parts = draw(
        st.lists(
            st.sampled_from(["{letter}", "{n}", "{n:02}", "{n:03}"]),
            min_size=1,
            max_size=2,
            unique_by=lambda p: p[:2],
        ).filter(lambda ps: len({p[:2] for p in ps}) == len(ps))
    )
    parts = label_parts + draw(st.lists(st.sampled_from(["{org}", "{{", "}}"]), max_size=2))
    parts = draw(st.permutations(parts))
    pieces = [draw(_literal)]
    for part in parts:
        pieces += [part, draw(_literal)]
    return "".join(pieces)


@DETERMINISTIC
@given(
    template=_templates(),
    org=st.text(alphabet=string.ascii_letters + string.digits + " .+*?()[]{}", max_size=12),
    index=st.integers(min_value=1, max_value=100_000),
)
def test_render_and_match_round_trip(template: str, org: str, index: int) -> None:
    name = render_name(template, org=org, index=index)
    assert match_label(template, org=org, name=name) == index
    if index > 1:
        assert match_label(template, org=org, name=render_name(template, org=org, index=1)) == 1


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("Acme Corp Host A", ("Acme Corp Host", "A")),
        ("Host A", ("Host", "A")),
        ("Reception", ("Reception", "")),
        ("", ("", "")),
    ],
)
def test_split_name_on_the_last_space(name: str, split: tuple[str, str]) -> None:
    assert split_name(name) == split


@pytest.mark.parametrize(
    ("email", "globs", "matches"),
    [
        ("host1@acme.org", ["host*@acme.org"], True),
        ("HOST1@Acme.ORG", ["host*@acme.org"], True),
        ("host1@acme.org", ["HOST*@ACME.ORG"], True),
        ("jane@acme.org", ["host*@acme.org"], False),
        ("jane@acme.org", ["host*@acme.org", "jane@*"], True),
        ("host1@acme.org.evil", ["host*@acme.org"], False),
        ("host1@acme.org", [], False),
    ],
)
def test_pool_matches(email: str, globs: list[str], matches: bool) -> None:
    assert pool_matches(email, globs) is matches


# --- names Zoom refuses ---------------------------------------------------------------------------

SIX_HANZI = "北京翻译中心"  # Beijing Translation Centre: 6 Chinese characters
KANA = "あいうえおか"  # 6 hiragana: Japanese, not Chinese characters
KANJI = "東京通訳会社"  # 6 kanji: the same ideographs as hanzi, so they count


def test_the_limits_are_zooms() -> None:
    assert (ZOOM_NAME_MAX, ZOOM_CHINESE_MAX) == (64, 5)


@pytest.mark.parametrize("part", ["first", "last"])
def test_64_characters_are_fine_65_are_not(part: str) -> None:
    def problem(value: str) -> str | None:
        return zoom_name_problem(value, "A") if part == "first" else zoom_name_problem("A", value)

    assert problem("x" * 64) is None
    assert problem("x" * 65) == f"the {part} name is 65 characters, over Zoom's 64"


@pytest.mark.parametrize("part", ["first", "last"])
def test_5_chinese_characters_are_fine_6_are_not(part: str) -> None:
    def problem(value: str) -> str | None:
        return zoom_name_problem(value, "A") if part == "first" else zoom_name_problem("A", value)

    assert problem(SIX_HANZI[:5]) is None
    assert problem(SIX_HANZI) == (
        f"the {part} name '{SIX_HANZI}' has 6 Chinese characters, over Zoom's 5"
    )


def test_scattered_chinese_characters_count_together() -> None:
    scattered = "北 Acme 京翻 Host 译中心"  # six hanzi, never more than three in a row
    assert chinese_count(scattered) == 6
    assert zoom_name_problem(scattered, "A") == (
        f"the first name '{scattered}' has 6 Chinese characters, over Zoom's 5"
    )


def test_each_name_has_its_own_five() -> None:
    assert zoom_name_problem("北京翻译中", "上海翻译中") is None  # 5 + 5: fine


@pytest.mark.parametrize(
    ("text", "count"),
    [
        (KANA, 0),  # hiragana
        ("アイウエオカ", 0),  # katakana
        (KANJI, 6),  # kanji are CJK Unified Ideographs
        ("東京あいうえお", 2),  # mixed scripts: only the kanji count
        ("\uff21\uff22\uff23\uff24\uff25\uff26", 0),  # full-width Latin A-F (U+FF21..): not Chinese
        ("한국어통역사", 0),  # hangul
        ("「」、。\u3007⺀", 0),  # CJK punctuation, ideographic zero, a radical: not ideographs
        ("\u3400\u4dbf", 2),  # extension A, first and last
        ("\U00020000\U0002b740\U00030000", 3),  # extensions B, D, G (beyond the BMP)
        ("\uf900\U0002f800", 2),  # compatibility ideographs and their supplement
    ],
)
def test_chinese_count(text: str, count: int) -> None:
    assert chinese_count(text) == count


def test_six_kana_are_fine_six_kanji_are_not() -> None:
    assert zoom_name_problem(KANA, "") is None
    assert zoom_name_problem(KANJI, "") == (
        f"the first name '{KANJI}' has 6 Chinese characters, over Zoom's 5"
    )


def test_the_count_covers_every_ideograph_this_python_knows() -> None:
    """Every code point this Python's Unicode names a CJK ideograph counts, and no other
    assigned one does (newer extensions are unassigned here, and counted anyway)."""
    missed, extra = [], []
    for code in range(0x3000, 0x32400):
        char = chr(code)
        named = unicodedata.name(char, "").startswith(
            ("CJK UNIFIED IDEOGRAPH-", "CJK COMPATIBILITY IDEOGRAPH-")
        )
        counted = chinese_count(char) == 1
        if named and not counted:
            missed.append(f"U+{code:04X}")
        elif counted and not named and unicodedata.category(char) != "Cn":
            extra.append(f"U+{code:04X}")
    assert (missed, extra) == ([], [])


def test_lengths_are_code_points() -> None:
    # 32 emoji with a skin tone: 64 code points, though 32 symbols on screen (Zoom does not
    # say how it counts; the tool counts code points, as documented).
    assert zoom_name_problem("\U0001f44b\U0001f3fd" * 32, "") is None
    assert zoom_name_problem("\U0001f44b\U0001f3fd" * 32 + "x", "") is not None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Acme Corp Host A", None),
        (f"{'x' * 62} A", None),  # 64 in all
        ("x" * 65, "the name is 65 characters, over Zoom's 64"),
        (f"{SIX_HANZI} A", f"the first name '{SIX_HANZI}' has 6 Chinese characters, over Zoom's 5"),
        (
            f"Host {SIX_HANZI}",
            f"the last name '{SIX_HANZI}' has 6 Chinese characters, over Zoom's 5",
        ),
        (f"{SIX_HANZI[:3]} {SIX_HANZI[3:]}", None),  # split on the space: 3 + 3
        ("", "the name is empty"),
        (" Host A", "the name has spaces at its start or end"),
        ("Host\nA", "the name has a control character"),
        ("Host\x85A", "the name has a control character"),  # C1 (NEL) too
    ],
)
def test_name_problem(name: str, problem: str | None) -> None:
    assert name_problem(name) == problem


# --- the plan -----------------------------------------------------------------------------------


class TestPlan:
    def test_new_users_take_labels_in_email_order(self) -> None:
        users = [
            user("zed@acme.org", "Zed Zimmer"),
            user("Amy@acme.org", "Amy Adams"),
            user("bob@acme.org", "Bob Brown"),
        ]
        result = plan(users)
        assert outcome(result) == [
            ("Amy@acme.org", host("A"), "rename"),
            ("bob@acme.org", host("B"), "rename"),
            ("zed@acme.org", host("C"), "rename"),
        ]
        amy = result.changes[0]
        assert (amy.first_name, amy.last_name) == ("Acme Corp Host", "A")
        assert (amy.label_index, amy.label, amy.reason) == (1, "A", "new label")
        assert (amy.current_name, amy.user_id) == ("Amy Adams", "Amy")
        assert result.warnings == ()

    def test_existing_labels_are_kept_and_gaps_filled_lowest_first(self) -> None:
        users = [
            user("a@x", host("B")),
            user("b@x", "Barry"),
            user("c@x", host("D")),
            user("d@x", "Dora"),
            user("e@x", "Eve"),
        ]
        assert outcome(plan(users)) == [
            ("a@x", host("B"), "unchanged"),
            ("b@x", host("A"), "rename"),
            ("c@x", host("D"), "unchanged"),
            ("d@x", host("C"), "rename"),
            ("e@x", host("E"), "rename"),
        ]

    def test_aa_comes_after_z(self) -> None:
        users = [user(f"u{i:02}@x", host(letter_label(i))) for i in range(1, 27)]
        users.append(user("zz@x", "Newcomer"))
        result = plan(users)
        assert len(result.unchanged) == 26
        assert [(c.email, c.new_name) for c in result.renames] == [("zz@x", host("AA"))]

    def test_numbered_template(self) -> None:
        users = [user(f"u{i}@x", "Someone") for i in range(1, 4)]
        users.append(user("u9@x", "Acme Corp Host 02"))
        result = plan(users, template="{org} Host {n:02}")
        assert [c.new_name for c in result.changes] == [
            "Acme Corp Host 01",
            "Acme Corp Host 03",
            "Acme Corp Host 04",
            "Acme Corp Host 02",
        ]

    def test_a_rerun_plans_no_renames(self) -> None:
        users = [user("a@x", "Ann"), user("b@x", "Ben"), user("c@x", "Cy")]
        after = apply(users, plan(users))
        again = plan(after)
        assert again.renames == ()
        assert [c.action for c in again.changes] == [NameAction.UNCHANGED] * 3

    def test_adding_users_renames_only_the_new_ones(self) -> None:
        users = [user("b@x", "Ben"), user("d@x", "Di")]
        after = apply(users, plan(users))  # b -> A, d -> B
        after += [user("a@x", "Ann"), user("c@x", "Cy")]
        result = plan(after)
        assert [(c.email, c.new_name) for c in result.renames] == [
            ("a@x", host("C")),
            ("c@x", host("D")),
        ]
        assert [(c.email, c.new_name) for c in result.unchanged] == [
            ("b@x", host("A")),
            ("d@x", host("B")),
        ]

    def test_a_right_display_name_with_other_first_last_is_renamed(self) -> None:
        u = NamedUser("u1", "a@x", host("A"), "Jane", "Doe")
        change = plan([u]).changes[0]
        assert (change.action, change.reason) == (NameAction.RENAME, "first/last differ")
        assert (change.new_name, change.first_name, change.last_name) == (
            host("A"),
            "Acme Corp Host",
            "A",
        )

    def test_an_empty_display_name_falls_back_to_first_and_last(self) -> None:
        u = NamedUser("u1", "a@x", "", "Acme Corp Host", "C")
        change = plan([u]).changes[0]
        assert (change.current_name, change.new_name, change.action) == (
            host("C"),
            host("C"),
            NameAction.UNCHANGED,
        )

    def test_two_users_showing_one_label_the_first_email_keeps_it(self) -> None:
        users = [user("b@x", host("A")), user("a@x", host("A"))]
        result = plan(users)
        assert outcome(result) == [("a@x", host("A"), "unchanged"), ("b@x", host("B"), "rename")]
        assert result.changes[1].reason == "label shown by a@x too"

    def test_names_over_64_characters_are_refused(self) -> None:
        org = "The Very Long Name Of An Interpreting Cooperative Of The Americas"
        users = [user("a@x", "Ann"), user("b@x", "Ben")]
        result = plan(users, org=org)
        assert [c.action for c in result.changes] == [NameAction.REFUSED] * 2
        assert result.changes[0].reason == f"the name is 72 characters, over Zoom's {ZOOM_NAME_MAX}"
        # A refused user still holds its label: the labels of the others do not shift.
        assert [c.label for c in result.changes] == ["A", "B"]

    def test_exactly_64_characters_is_fine(self) -> None:
        org = "x" * (ZOOM_NAME_MAX - len(" Host A"))
        change = plan([user("a@x", "Ann")], org=org).changes[0]
        assert (len(change.new_name), change.action) == (64, NameAction.RENAME)

    def test_an_org_of_six_chinese_characters_is_refused_for_every_user(self) -> None:
        users = [user("a@x", "Ann"), user("b@x", "Ben")]
        result = plan(users, org=SIX_HANZI)
        assert [(c.action, c.label) for c in result.changes] == [
            (NameAction.REFUSED, "A"),
            (NameAction.REFUSED, "B"),
        ]
        assert result.changes[0].reason == (
            f"the first name '{SIX_HANZI} Host' has 6 Chinese characters, over Zoom's 5"
        )
        five = plan(users, org=SIX_HANZI[:5])
        assert [c.action for c in five.changes] == [NameAction.RENAME] * 2

    def test_an_explicit_name_zoom_would_refuse_is_refused(self) -> None:
        result = plan([user("a@x", "Ann"), user("b@x", "Ben")], explicit={"b@x": f"Desk {KANJI}"})
        assert outcome(result)[0][2] == "rename"
        assert (result.changes[1].action, result.changes[1].reason) == (
            NameAction.REFUSED,
            f"the last name '{KANJI}' has 6 Chinese characters, over Zoom's 5",
        )

    @pytest.mark.parametrize(
        ("org", "reason"),
        [("", "spaces at its start or end"), ("Acme\tCorp", "control character")],
    )
    def test_names_zoom_cannot_take_are_refused(self, org: str, reason: str) -> None:
        change = plan([user("a@x", "Ann")], org=org).changes[0]
        assert change.action is NameAction.REFUSED
        assert reason in change.reason

    def test_explicit_names_replace_the_template(self) -> None:
        users = [user("a@x", "Ann"), user("b@x", "Ben"), user("c@x", "Cy")]
        result = plan(users, explicit={"B@X": "Front Desk", "c@x": host("A")})
        assert outcome(result) == [
            ("a@x", host("B"), "rename"),  # A is taken by c's explicit name
            ("b@x", "Front Desk", "rename"),
            ("c@x", host("A"), "rename"),
        ]
        assert [(c.reason, c.label) for c in result.changes[1:]] == [
            ("explicit name", None),
            ("explicit name", "A"),
        ]
        assert result.warnings == ()

    def test_explicit_names_are_idempotent(self) -> None:
        users = [user("a@x", "Ann"), user("b@x", "Ben")]
        explicit = {"b@x": "Front Desk"}
        again = plan(apply(users, plan(users, explicit=explicit)), explicit=explicit)
        assert again.renames == ()

    def test_an_explicit_name_for_someone_outside_the_selection_is_a_warning(self) -> None:
        result = plan([user("a@x", "Ann")], explicit={"nobody@x": "Desk"})
        assert result.warnings == (
            "the names given for nobody@x are ignored: not in the selection",
        )

    def test_two_selected_users_with_the_same_name_is_a_warning(self) -> None:
        users = [user("a@x", "Ann"), user("b@x", "Ben"), user("c@x", host("A"))]
        result = plan(users, explicit={"a@x": "Desk", "b@x": "Desk"})
        assert result.warnings == ("a@x, b@x would all be named 'Desk'",)
        result = plan(users, explicit={"a@x": host("A")})  # collides with c, who keeps A
        assert result.warnings == (f"a@x, c@x would all be named '{host('A')}'",)

    def test_labels_shown_outside_the_selection_are_not_handed_out(self) -> None:
        others = [user("old@x", host("A")), user("staff@x", "Jane Staff")]
        result = plan([user("a@x", "Ann"), user("b@x", "Ben")], others=others)
        assert [c.new_name for c in result.changes] == [host("B"), host("C")]
        assert result.warnings == ()

    def test_a_name_equal_to_an_outsiders_name_is_a_warning(self) -> None:
        others = [user("old@x", host("A")), user("desk@x", "Front Desk")]
        users = [user("a@x", host("A")), user("b@x", "Ben")]
        result = plan(users, explicit={"b@x": "Front Desk"}, others=others)
        assert outcome(result) == [("a@x", host("A"), "unchanged"), ("b@x", "Front Desk", "rename")]
        assert result.warnings == (
            f"a@x would be named '{host('A')}', the name of old@x outside the selection",
            "b@x would be named 'Front Desk', the name of desk@x outside the selection",
        )

    def test_a_selected_user_listed_among_the_others_is_not_an_outsider(self) -> None:
        a = user("a@x", host("A"))
        result = plan([a], others=[a])
        assert (result.warnings, outcome(result)) == ((), [("a@x", host("A"), "unchanged")])

    def test_an_invalid_template_is_refused_before_planning(self) -> None:
        with pytest.raises(ValueError, match="must contain"):
            plan([user("a@x", "Ann")], template="{org} Host")

    def test_no_users(self) -> None:
        assert plan([]) == NamePlan((), ())


_names = st.one_of(
    st.integers(1, 8).map(lambda i: host(letter_label(i))),
    st.sampled_from(["Ann", "Ben Bolt", "", "Acme Corp Host a", "Front Desk"]),
)


@settings(DETERMINISTIC, max_examples=200)
@given(
    names=st.lists(_names, max_size=10),
    other_names=st.lists(_names, max_size=4),
    explicit_picks=st.lists(
        st.tuples(st.integers(0, 9), st.sampled_from(["Desk", "Acme Corp Host C", "Night Line"])),
        max_size=3,
    ),
    template=st.sampled_from([DEFAULT_TEMPLATE, "{org} Host {n:02}", "{org} {letter} ({n})"]),
)
def test_planning_again_after_applying_a_plan_renames_nobody(
    names: list[str],
    other_names: list[str],
    explicit_picks: list[tuple[int, str]],
    template: str,
) -> None:
    users = [user(f"u{i}@x", name, user_id=f"id{i}") for i, name in enumerate(names)]
    others = [user(f"o{i}@x", name, user_id=f"other{i}") for i, name in enumerate(other_names)]
    explicit = {f"u{i}@x": name for i, name in explicit_picks if i < len(users)}
    first = plan(users, template=template, explicit=explicit, others=others)
    assert first.refused == ()
    # Every planned name is distinct unless an explicit name or a kept duplicate says otherwise.
    templated = [c.new_name for c in first.changes if c.email not in explicit]
    assert len(set(templated)) == len(templated)
    second = plan(apply(users, first), template=template, explicit=explicit, others=others)
    assert second.renames == ()
    assert [c.new_name for c in second.changes] == [c.new_name for c in first.changes]
    # A label already shown stays with its user (the first in email order, for a duplicate).
    holders: set[int] = set()
    for change in first.changes:
        before = next(u for u in users if u.user_id == change.user_id)
        shown = match_label(template, org=ORG, name=before.current_name)
        if change.email in explicit or shown is None or shown in holders:
            continue
        holders.add(shown)
        assert change.new_name == before.current_name
