"""Generic host-user names: labels, templates, and the rename plan (stable, idempotent)."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usked_cli.rules.names import (
    DEFAULT_TEMPLATE,
    ZOOM_NAME_MAX,
    NameAction,
    NamedUser,
    NamePlan,
    label_index,
    letter_label,
    match_label,
    plan_names,
    pool_matches,
    render_name,
    split_name,
    validate_template,
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
        assert result.changes[0].reason == f"the name is 72 characters; Zoom allows {ZOOM_NAME_MAX}"
        # A refused user still holds its label: the labels of the others do not shift.
        assert [c.label for c in result.changes] == ["A", "B"]

    def test_exactly_64_characters_is_fine(self) -> None:
        org = "x" * (ZOOM_NAME_MAX - len(" Host A"))
        change = plan([user("a@x", "Ann")], org=org).changes[0]
        assert (len(change.new_name), change.action) == (64, NameAction.RENAME)

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
