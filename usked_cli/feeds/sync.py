"""`usked sync`: fetch each user's feed, parse it, and swap the user's cached assignments.

A feed that fails to fetch or parse keeps its previous assignments; its failure is recorded and
reported, and the others go on. Fetches run on a few daemon threads (they wait on the network);
parsing and the SQLite writes happen on the calling thread, one user at a time, each feed as soon
as its fetch is in (so a slow feed holds up no other), while progress is reported in the order
the feeds were given.

A Ctrl-C ends the sync at once: the calling thread only ever waits on a queue, the fetch threads
are daemons (no join at exit; a ThreadPoolExecutor's threads would be joined), and the feeds
stored by then stay stored. A feed interrupted mid-fetch keeps its previous copy and records no
failure: nothing went wrong with it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from usked_cli import __version__
from usked_cli.errors import UskedError
from usked_cli.feeds.fetch import (
    DEFAULT_TIMEOUT_SECONDS,
    Fetched,
    describe_source,
    fetch,
    is_url,
    new_http_client,
)
from usked_cli.feeds.incremental import FeedReading, Previous, read_feed
from usked_cli.store import FeedState, Staging, StaleReading, Workspace

if TYPE_CHECKING:
    import httpx

# Recurring events are stored expanded over this horizon around the sync; a listing outside it
# expands them again from the stored feed (see usked_cli.assignments).
HORIZON_PAST = timedelta(days=62)
HORIZON_FUTURE = timedelta(days=400)
# A feed that answers 304 for weeks still needs its recurrences expanded further ahead.
HORIZON_SLACK = timedelta(days=7)
FETCH_THREADS = 4


@dataclass
class SyncOutcome:
    user: str
    status: Literal["updated", "unchanged", "failed"]
    assignments: int = 0
    events: int = 0
    warnings: list[str] = field(default_factory=list)
    # What the parser said about the feed that is not wrong with it (ParseResult.notes).
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    # The exit code the failure carries: 2 for a feed that is not a calendar, 1 for the rest.
    exit_code: int = 0
    # VEVENTs parsed this time (the others' assignments were kept: usked_cli.feeds.incremental).
    events_read: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "user": self.user,
            "status": self.status,
            "assignments": self.assignments,
            "events": self.events,
            "events_read": self.events_read,
            "warnings": self.warnings,
            "error": self.error,
        }


# The revision of what the parser stores; bump it when the same feed would be stored otherwise
# (2: zones resolved, not skipped; passcode from the notes, pwd, dial-in numbers; 3: rules
# bounded and rewritten, links end at control characters, a cap per feed).
PARSER_REVISION = 3


def parse_marker(default_tz: ZoneInfo) -> str:
    """What a parse depends on besides the feed: the zone of floating times, this version and
    the parser's revision."""
    return f"{default_tz.key} {__version__} p{PARSER_REVISION}"


def sync_horizon(now: datetime) -> tuple[datetime, datetime]:
    # Whole seconds: the window is stored and hashed as text to the second, and must be the one
    # the feed was read with, or an incremental sync would keep rows read with another.
    now = now.replace(microsecond=0)
    return now - HORIZON_PAST, now + HORIZON_FUTURE


def sync_feeds(
    workspace: Workspace,
    feeds: Mapping[str, str],
    *,
    now: datetime,
    default_tz: ZoneInfo,
    transport: httpx.BaseTransport | None = None,
    on_done: Callable[[int, int, SyncOutcome], None] | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> list[SyncOutcome]:
    """Sync every (user, source), each fetch within `timeout_seconds`; the outcomes in the order
    given. `on_done(i, n, outcome)` reports progress, in that order too: each feed is stored as
    soon as it is in, and reported once those before it are. On KeyboardInterrupt the feeds
    stored so far are reported (those not yet) before it propagates."""
    states = {state.user: state for state in workspace.feed_states()}
    users = list(feeds)
    outcomes: dict[str, SyncOutcome] = {}
    reported = 0
    client = new_http_client(transport) if any(is_url(s) for s in feeds.values()) else None
    # What fetching said (plain http to a loopback host), per user; reported with the outcome.
    said: dict[str, list[str]] = {user: [] for user in feeds}
    stop = threading.Event()

    def report(upto_gap: bool) -> None:
        nonlocal reported
        while reported < len(users):
            user = users[reported]
            if user in outcomes and on_done is not None:
                on_done(reported + 1, len(users), outcomes[user])
            elif user not in outcomes and upto_gap:
                return
            reported += 1

    try:
        fetched = _fetch_all(feeds, states, client, said, stop, timeout_seconds)
        for user, source, result in fetched:
            outcome = _store(workspace, user, source, result, states.get(user), now, default_tz)
            outcome.warnings[:0] = said[user]
            outcomes[user] = outcome
            report(upto_gap=True)
    except KeyboardInterrupt:
        stop.set()
        # Stored, but waiting for an earlier feed's turn to be reported: say so now.
        report(upto_gap=False)
        raise
    finally:
        stop.set()
        if client is not None:
            _close_quietly(client)
    return [outcomes[user] for user in users]


def _close_quietly(client: httpx.Client) -> None:
    """Close the client, and with it the connections of fetches still running (after a Ctrl-C);
    this must not turn an interrupt into a traceback."""
    with contextlib.suppress(Exception):  # a fetch thread may still be using the pool
        client.close()


def _fetch_all(
    feeds: Mapping[str, str],
    states: Mapping[str, FeedState],
    client: httpx.Client | None,
    said: Mapping[str, list[str]],
    stop: threading.Event,
    timeout_seconds: float,
) -> Iterator[tuple[str, str, Fetched | UskedError]]:
    """(user, source, what the fetch gave) as each fetch ends, from FETCH_THREADS daemon
    threads; `stop` tells them to start no further fetch."""

    def one(user: str, source: str) -> Fetched | UskedError:
        state = states.get(user)
        # A changed source is a new feed: its old validators mean nothing.
        same = state is not None and state.source == source and state.last_error is None
        try:
            return fetch(
                source,
                etag=state.etag if same and state else None,
                last_modified=state.last_modified if same and state else None,
                client=client,
                warn=said[user].append,
                timeout_seconds=timeout_seconds,
            )
        except UskedError as exc:
            return exc
        except Exception as exc:  # one feed's surprise must not stop the others
            return UskedError(f"unexpected {type(exc).__name__}: {exc}")

    jobs: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
    for item in feeds.items():
        jobs.put(item)
    done: queue.SimpleQueue[tuple[str, str, Fetched | UskedError]] = queue.SimpleQueue()

    def work() -> None:
        while not stop.is_set():
            try:
                user, source = jobs.get_nowait()
            except queue.Empty:
                return
            done.put((user, source, one(user, source)))

    threads = [
        threading.Thread(target=work, name=f"usked-sync-{number + 1}", daemon=True)
        for number in range(min(FETCH_THREADS, max(1, len(feeds))))
    ]
    for thread in threads:
        thread.start()
    for left in range(len(feeds), 0, -1):
        if left == 1:
            fetched = _next(done)
            # Every fetch is in: the threads are ending. Once they have, the last feed may be
            # parsed by a forked worker too (usked_cli.feeds.incremental._parallel).
            for thread in threads:
                thread.join(0.1)
            yield fetched
        else:
            yield _next(done)


def _next(
    done: queue.SimpleQueue[tuple[str, str, Fetched | UskedError]],
) -> tuple[str, str, Fetched | UskedError]:
    # A wait with a timeout, again and again: a Ctrl-C gets through at once on every platform.
    while True:
        try:
            return done.get(timeout=0.25)
        except queue.Empty:
            continue


def _store(
    workspace: Workspace,
    user: str,
    source: str,
    result: Fetched | UskedError,
    state: FeedState | None,
    now: datetime,
    default_tz: ZoneInfo,
) -> SyncOutcome:
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(result, UskedError):
        workspace.record_failure(user, source=source, error=result.message, attempted_at=stamp)
        return SyncOutcome(user, "failed", error=result.message, exit_code=result.exit_code)
    horizon = sync_horizon(now)
    body = result.body
    parsed_with = parse_marker(default_tz)
    stored_end = state.horizon_end if state else None
    fresh = stored_end is not None and stored_end >= (horizon[1] - HORIZON_SLACK).timestamp()
    if result.status == "unchanged":
        if fresh and state is not None and state.parsed_with == parsed_with:
            workspace.mark_unchanged(user, synced_at=stamp)
            return SyncOutcome(
                user,
                "unchanged",
                assignments=state.assignment_count if state else 0,
                events=state.event_count if state else 0,
            )
        # Unchanged, but its expansion is due to move on, or the timezone for its floating
        # times (or this program) changed since it was parsed: parse the stored copy again.
        body = workspace.feed_body(user)
    if body is None:
        # A 304 for a feed we hold no copy of: ask again without validators next time.
        error = "the server said unchanged, but no copy of the feed is cached; sync again"
        workspace.record_failure(user, source=source, error=error, attempted_at=stamp)
        return SyncOutcome(user, "failed", error=error, exit_code=1)
    previous = None
    if fresh and state is not None and state.context and state.horizon_start is not None:
        # The stored events are compared over the window they were read in (until it is due to
        # move on, HORIZON_SLACK): what stands is then what a whole parse would give.
        assert state.horizon_end is not None
        horizon = (
            datetime.fromtimestamp(state.horizon_start, UTC),
            datetime.fromtimestamp(state.horizon_end, UTC),
        )
        previous = Previous(
            context=state.context,
            digests=workspace.feed_digests(user),
            assignment_count=state.assignment_count,
            calendar_tz=state.calendar_tz,
            generation=state.generation,
        )
    job = _Reading(workspace, user, source, body, result, stamp, horizon, default_tz, parsed_with)
    try:
        try:
            reading = job.store(job.read(previous), previous)
        except StaleReading:
            # Another sync stored this feed meanwhile: read it all again, replace what it stored.
            reading = job.store(job.read(None), None)
    except UskedError as exc:
        workspace.record_failure(user, source=source, error=exc.message, attempted_at=stamp)
        return SyncOutcome(user, "failed", error=exc.message, exit_code=exc.exit_code)
    return SyncOutcome(
        user,
        "updated",
        assignments=reading.assignment_count,
        events=reading.event_count,
        warnings=reading.warnings,
        notes=reading.notes,
        events_read=reading.events_read,
    )


@dataclass
class _Reading:
    """One fetched feed to read and store."""

    workspace: Workspace
    user: str
    source: str
    body: bytes
    fetched: Fetched
    stamp: str
    horizon: tuple[datetime, datetime]
    default_tz: ZoneInfo
    parsed_with: str
    staging: Staging | None = None

    def read(self, previous: Previous | None) -> FeedReading:
        """The feed read over the horizon, its new assignments in a fresh staging table."""
        if self.staging is not None:
            self.staging.clear()
        self.staging = self.workspace.staging()
        return read_feed(
            self.body,
            user=self.user,
            label=describe_source(self.source),
            window=self.horizon,
            default_tz=self.default_tz,
            marker=self.parsed_with,
            previous=previous,
            sink=self.staging,
        )

    def store(self, reading: FeedReading, previous: Previous | None) -> FeedReading:
        """Swap the reading in; StaleReading when `previous` no longer is what is stored."""
        assert self.staging is not None
        horizon = self.horizon
        reading.assignment_count = self.workspace.replace_assignments(
            self.user,
            self.staging,
            source=self.source,
            body=self.body,
            etag=self.fetched.etag,
            last_modified=self.fetched.last_modified,
            synced_at=self.stamp,
            # A capped series is stored only up to where it was cut; a window after that is
            # expanded again from the stored copy (usked_cli.assignments), capped in that window.
            horizon=(horizon[0], min(horizon[1], reading.complete_until or horizon[1])),
            event_count=reading.event_count,
            calendar_tz=reading.calendar_tz,
            parsed_with=self.parsed_with,
            kept=reading.kept,
            digests=reading.digests,
            context=reading.context,
            compared_with=(previous.generation, previous.digests) if previous else None,
        )
        return reading
