"""`usked feeds add|list|remove` and `usked sync`: which users' feeds to follow; refreshing them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from usked_cli.cli import completion
from usked_cli.cli.context import app_context
from usked_cli.cli.groups import HelpGroup
from usked_cli.cli.options import JsonOpt
from usked_cli.render import Column

if TYPE_CHECKING:
    from usked_cli.feeds.sync import SyncOutcome

app = typer.Typer(
    cls=HelpGroup,
    help="Register users' uSked iCalendar feeds.",
    epilog="Example: `usked feeds add maria webcal://acme.usked.com/ical/…`",
    no_args_is_help=True,
)

UserArg = Annotated[str, typer.Argument(help="A short user name, e.g. maria.", metavar="USER")]
KnownUserArg = Annotated[
    str,
    typer.Argument(
        help="A user with a feed, e.g. maria.", metavar="USER", autocompletion=completion.users
    ),
]


def _check_user(user: str) -> str:
    """A name `feeds add` takes: short and plain (no control character, no trailing newline),
    and not a key the [feeds] table reserves for a setting (`timeout_seconds`)."""
    from usked_cli.config.sources import check_user_name

    return check_user_name(user)


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    user: UserArg,
    source: Annotated[
        str,
        typer.Argument(
            help="The user's iCalendar feed: https:// or webcal:// URL, or a path to an .ics file.",
            metavar="SOURCE",
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the feed the user already has.")
    ] = False,
) -> None:
    """Follow a user's uSked iCalendar feed (stored under [feeds] in the config file).

    In uSked, the feed URL is under the user's calendar settings ("iCalendar URL").

    Examples:

    ```
    usked feeds add maria webcal://acme.usked.com/ical/7f3a…
    usked feeds add maria ~/Downloads/maria.ics
    ```
    """
    from usked_cli.config.writer import update_config
    from usked_cli.errors import InputError
    from usked_cli.feeds.fetch import check_source, describe_source

    context = app_context(ctx)
    _check_user(user)
    checked = check_source(source, warn=context.out.warn)
    path = context.config_path()

    def change(document: dict[str, object]) -> None:
        feeds = document.setdefault("feeds", {})
        if not isinstance(feeds, dict):
            raise InputError(f"config file {path}: [feeds] is not a table")
        if user in feeds and feeds[user] != checked and not replace:
            # A feed URL carries its token: the message names its host only.
            raise InputError(
                f"{user} already has a feed ({describe_source(str(feeds[user]))})",
                hint=f"usked feeds add {user} SOURCE --replace",
            )
        feeds[user] = checked

    update_config(path, change)
    context.forget_settings()
    context.out.note(f"added feed for {user}; run `usked sync {user}` to fetch it")


@app.command("remove")
def remove_cmd(ctx: typer.Context, user: KnownUserArg) -> None:
    """Stop following a user's feed and drop their cached assignments.

    Example: `usked feeds remove maria`
    """
    from usked_cli.config.sources import RESERVED_FEED_KEYS
    from usked_cli.config.writer import update_config
    from usked_cli.errors import ConfigError, InputError, NotFoundError

    context = app_context(ctx)
    path = context.config_path()
    if user in RESERVED_FEED_KEYS:
        raise InputError(
            f"{user!r} is not a user: feeds.{user} is a setting",
            hint=f"`usked config unset feeds.{user}` sets it back to its default",
        )

    def change(document: dict[str, object]) -> None:
        feeds = document.get("feeds")
        if feeds is not None and not isinstance(feeds, dict):
            raise ConfigError(f"config file {path}: feeds: expected a table of user = source")
        if not feeds or user not in feeds:
            raise NotFoundError(
                f"no feed for {user!r} in {path}", hint="`usked feeds list` shows the users"
            )
        del feeds[user]
        if not feeds:
            del document["feeds"]

    update_config(path, change)
    context.forget_settings()
    context.workspace().remove_user(user)
    context.out.note(f"removed feed and cached assignments for {user}")


_FEED_COLUMNS = [
    Column("user", "User", style="bold", kind="id"),
    Column("source", "Source", fold=True),
    Column("synced_at", "Synced"),
    Column("assignments", "Assignments"),
    Column("last_error", "Last error", style="red"),
]


@app.command("list")
def list_cmd(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """List the followed feeds with their last sync and any error.

    Piped output: user, source, synced_at, assignments, last_error (tab-separated).

    Example: `usked feeds list --json | jq -r '.[] | select(.last_error) | .user'`
    """
    context = app_context(ctx)
    feeds = context.settings().feeds.users  # not feeds.timeout_seconds, a setting
    states = {state.user: state for state in context.workspace().feed_states()}
    records = []
    for user, source in sorted(feeds.items()):
        state = states.get(user)
        records.append(
            {
                "user": user,
                "source": source,
                "synced_at": state.synced_at if state else None,
                "assignments": state.assignment_count if state and state.synced_at else 0,
                "last_error": state.last_error if state else None,
            }
        )
    if json_output:
        context.out.json(records)
        return
    if not records:
        context.out.note("no feeds yet; add one with `usked feeds add USER SOURCE`")
        return
    context.out.table(_FEED_COLUMNS, records)


_SYNC_HELP = """\
Fetch users' feeds and refresh their cached assignments (all users by default).

Each feed is fetched with a conditional GET, so an unchanged feed costs one 304. A changed feed
is read incrementally: uSked writes every event again on each request (a new DTSTAMP), so only
the events whose content changed are parsed, the others keep their cached assignments (the
result is the same as reading the whole feed). A feed that fails to fetch or parse keeps its
previous assignments; the failure is reported on stderr and, after the others are synced, the
command exits 1 (2 when every failed feed was one that is not a calendar at all: an HTML page,
binary data, an empty file). `--json` gives, per user, `status`, `assignments`, `events` and
`events_read` (the events parsed this time).

Examples:

```
usked sync
usked sync maria joe --json
```
"""


def register_sync(root: typer.Typer) -> None:
    root.command("sync", help=_SYNC_HELP)(sync_cmd)


def sync_cmd(
    ctx: typer.Context,
    users: Annotated[
        list[str] | None,
        typer.Argument(
            help="Users to sync (default: every feed).",
            metavar="USER",
            autocompletion=completion.users,
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    from usked_cli.errors import EXIT_FAILURE, EXIT_USAGE, NotFoundError
    from usked_cli.feeds.sync import sync_feeds

    context = app_context(ctx)
    settings = context.settings()
    feeds = dict(sorted(settings.feeds.items()))
    if users:
        unknown = [user for user in users if user not in feeds]
        if unknown:
            raise NotFoundError(
                f"no feed for {', '.join(unknown)}",
                hint="`usked feeds add USER SOURCE` registers one; `usked feeds list` shows them",
            )
        feeds = {user: feeds[user] for user in dict.fromkeys(users)}
    if not feeds:
        if json_output:
            context.out.json([])
        context.out.note("no feeds to sync; add one with `usked feeds add USER SOURCE`")
        return
    out = context.out
    # A failed feed keeps its earlier copy, if it has one: say which it is.
    synced_before = {state.user for state in context.workspace().feed_states() if state.synced_at}

    def progress(index: int, total: int, outcome: SyncOutcome) -> None:
        if outcome.status == "failed":
            kept = (
                "kept the previous assignments"
                if outcome.user in synced_before
                else "no earlier copy: nothing is listed for this user yet"
            )
            out.error(f"{outcome.user}: {outcome.error} ({kept})")
        elif total > 1 or out.verbose:
            out.note(f"({index}/{total}) {outcome.user}: {_describe(outcome)}")
        for note in outcome.notes:
            out.note(f"note: {outcome.user}: {note}")
        for warning in outcome.warnings:
            out.warn(f"{outcome.user}: {warning}")

    outcomes = sync_feeds(
        context.workspace(),
        feeds,
        now=context.now(),
        default_tz=settings.zone,
        transport=context.feed_transport,
        on_done=progress,
        timeout_seconds=settings.feed_timeout_seconds,  # each feed's whole fetch
    )
    if json_output:
        out.json([outcome.as_json() for outcome in outcomes])
    elif len(outcomes) == 1 and outcomes[0].status != "failed":
        out.note(f"{outcomes[0].user}: {_describe(outcomes[0])}")
    failed = [outcome for outcome in outcomes if outcome.status == "failed"]
    if failed:
        names = ", ".join(outcome.user for outcome in failed)
        out.note(f"{len(failed)} of {len(outcomes)} feeds failed: {names}")
        codes = {outcome.exit_code for outcome in failed}
        raise typer.Exit(EXIT_USAGE if codes == {EXIT_USAGE} else EXIT_FAILURE)


def _describe(outcome: SyncOutcome) -> str:
    if outcome.status == "unchanged":
        return f"unchanged ({outcome.assignments} assignments)"
    said = f"{outcome.assignments} assignments from {outcome.events} events"
    if outcome.events_read < outcome.events:
        # Incremental sync: the others were unchanged, or lie far outside the sync's window.
        said += f" ({outcome.events_read} parsed: the rest unchanged or far outside the window)"
    return said
