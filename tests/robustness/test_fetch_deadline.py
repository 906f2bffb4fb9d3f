"""A feed server that will not finish: the total deadline per feed, and Ctrl-C during `sync`.

httpx's timeouts are per read, so a server that sends a byte every 0.2 s never trips them; the
fetch's own deadline (feeds.timeout_seconds, connect plus the whole body, redirects included)
ends it, with one line that names the host and never the URL's token. A single Ctrl-C ends a
sync at once (exit 130), and the feeds stored by then stay stored.

Real HTTP on 127.0.0.1 (http to loopback is allowed, with a warning), deadlines of a second or
less: the file runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.cli.helpers import run
from usked_cli.feeds import fetch as fetch_module
from usked_cli.feeds.fetch import FeedFetchError, fetch, new_http_client
from usked_cli.feeds.sync import SyncOutcome, sync_feeds
from usked_cli.store import Workspace

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "sample-feed.ics"
TOKEN = "9d41be07"  # the secret part of every feed URL here: never in a message
TICK = 0.2  # the trickling server's pause between bytes
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")


class FeedServer:
    """A loopback HTTP server whose paths behave as named: `/calendar/…` answers at once,
    `/trickle/…` sends its body a byte every TICK, `/trickle-headers/…` its headers so,
    `/silent/…` reads the request and says nothing. It stops trickling when closed."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.close_connection = True  # one request a connection: no keep-alive read
                server.requests.append(self.path)
                kind = self.path.split("/")[1]
                with contextlib.suppress(OSError):  # the client hung up: done
                    getattr(server, "_" + kind.replace("-", "_"))(self)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up mid-answer is what these tests do

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.port}/{kind}/{TOKEN}/feed.ics"

    def _calendar(self, handler: BaseHTTPRequestHandler) -> None:
        body = SAMPLE.read_bytes()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/calendar")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _trickle(self, handler: BaseHTTPRequestHandler) -> None:
        body = SAMPLE.read_bytes()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/calendar")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        for byte in body:
            if self.stop.wait(TICK):
                return
            handler.wfile.write(bytes([byte]))

    def _trickle_headers(self, handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self.stop.wait(TICK):
            handler.wfile.write(b"a")

    def _silent(self, handler: BaseHTTPRequestHandler) -> None:
        self.stop.wait()

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as serving:
        yield serving


def timed_refusal(source: str, timeout: float) -> tuple[str, float]:
    """The fetch's error message and how long it took to come."""
    started = time.monotonic()
    with new_http_client() as client, pytest.raises(FeedFetchError) as caught:
        fetch(source, client=client, timeout_seconds=timeout)
    return caught.value.message, time.monotonic() - started


# --- the deadline ----------------------------------------------------------------------------


def test_a_trickling_body_ends_at_the_deadline_with_one_line_naming_the_host(
    server: FeedServer,
) -> None:
    message, took = timed_refusal(server.url("trickle"), 1.0)
    assert message == "127.0.0.1 did not send the whole feed within 1 s (feeds.timeout_seconds)"
    assert TOKEN not in message
    # Each read is answered within TICK, so a per-read timeout alone would never fire.
    assert 0.95 <= took < 1.6


@pytest.mark.parametrize("kind", ["silent", "trickle-headers"])
def test_a_server_that_sends_nothing_or_trickles_its_headers_ends_at_the_deadline(
    server: FeedServer, kind: str
) -> None:
    message, took = timed_refusal(server.url(kind), 0.5)
    assert message == "127.0.0.1 did not send the whole feed within 0.5 s (feeds.timeout_seconds)"
    assert 0.45 <= took < 1.1


def test_a_feed_within_its_deadline_is_fetched(server: FeedServer) -> None:
    with new_http_client() as client:
        fetched = fetch(server.url("calendar"), client=client, timeout_seconds=5.0)
    assert fetched.body == SAMPLE.read_bytes()


def test_redirects_count_against_the_same_deadline() -> None:
    # Six requests of 0.1 s each: every one well within the deadline, together past it.
    hops = [f"https://acme.usked.example/{n}/{TOKEN}/m.ics" for n in range(6)]

    def handler(request: httpx.Request) -> httpx.Response:
        time.sleep(0.1)
        at = hops.index(str(request.url))
        if at + 1 < len(hops):
            return httpx.Response(302, headers={"Location": hops[at + 1]})
        return httpx.Response(200, content=SAMPLE.read_bytes())

    started = time.monotonic()
    with new_http_client(httpx.MockTransport(handler)) as client:
        assert fetch(hops[0], client=client, timeout_seconds=2.0).body == SAMPLE.read_bytes()
        assert time.monotonic() - started >= 0.55
        with pytest.raises(FeedFetchError) as caught:
            fetch(hops[0], client=client, timeout_seconds=0.35)
    assert caught.value.message == (
        "acme.usked.example did not send the whole feed within 0.35 s (feeds.timeout_seconds)"
    )


def test_a_slow_stream_is_checked_between_chunks() -> None:
    # In process (no socket timeout at all): the clock is read between chunks.
    class Slow(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for line in SAMPLE.read_bytes().splitlines(keepends=True):
                time.sleep(0.05)
                yield line

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Slow())

    url = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    with new_http_client(httpx.MockTransport(handler)) as client, pytest.raises(FeedFetchError):
        fetch(url, client=client, timeout_seconds=0.3)


def test_assignments_list_ics_has_the_deadline_by_default(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `assignments list --ics URL` fetches with fetch()'s default deadline (60 s): made short.
    assert fetch_module.fetch.__kwdefaults__ is not None
    monkeypatch.setitem(fetch_module.fetch.__kwdefaults__, "timeout_seconds", 0.5)
    started = time.monotonic()
    result = run(["assignments", "list", "--ics", server.url("trickle")], now=NOW)
    assert time.monotonic() - started < 1.5
    assert result.exit_code == 1
    assert "127.0.0.1 did not send the whole feed within 0.5 s (feeds.timeout_seconds)" in (
        result.stderr
    )
    assert TOKEN not in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_takes_its_deadline_from_the_setting(server: FeedServer, config_file: Path) -> None:
    config_file.write_text(
        f'[feeds]\ntimeout_seconds = 0.5\nmaria = "{server.url("trickle")}"\n'
        f'joe = "{server.url("calendar")}"\n'
    )
    started = time.monotonic()
    result = run(["sync"], now=NOW)
    assert time.monotonic() - started < 1.5
    assert result.exit_code == 1
    assert (
        "error: maria: 127.0.0.1 did not send the whole feed within 0.5 s "
        "(feeds.timeout_seconds) (no earlier copy: nothing is listed for this user yet)"
    ) in result.stderr.splitlines()
    assert "(1/2) joe:" in result.stderr
    assert TOKEN not in result.stderr


# --- sync: store as each feed is in, report in the order given --------------------------------


def test_sync_stores_each_feed_as_it_is_in_and_reports_in_the_order_given(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace.open(tmp_path)
    started = time.monotonic()
    stored: dict[str, float] = {}
    replace = workspace.replace_assignments

    def spy(user: str, *args: Any, **kwargs: Any) -> None:
        stored[user] = time.monotonic() - started
        replace(user, *args, **kwargs)

    monkeypatch.setattr(workspace, "replace_assignments", spy)
    reported: list[tuple[int, int, str, str]] = []

    def on_done(index: int, total: int, outcome: SyncOutcome) -> None:
        reported.append((index, total, outcome.user, outcome.status))

    feeds = {"a-slow": server.url("trickle"), "b-fast": server.url("calendar")}
    outcomes = sync_feeds(
        workspace, feeds, now=NOW, default_tz=CHICAGO, on_done=on_done, timeout_seconds=1.0
    )
    took = time.monotonic() - started
    assert [(o.user, o.status) for o in outcomes] == [("a-slow", "failed"), ("b-fast", "updated")]
    assert reported == [(1, 2, "a-slow", "failed"), (2, 2, "b-fast", "updated")]
    assert outcomes[0].error == (
        "127.0.0.1 did not send the whole feed within 1 s (feeds.timeout_seconds)"
    )
    # The fast feed was stored long before the slow one gave up; not after it.
    assert stored["b-fast"] < 0.5
    assert 0.95 <= took < 1.6
    state = workspace.feed_state("a-slow")
    assert state is not None
    assert state.last_error == outcomes[0].error
    workspace.close()


def test_ctrl_c_in_sync_keeps_what_was_stored_and_leaves_the_rest_untouched(
    server: FeedServer, tmp_path: Path
) -> None:
    workspace = Workspace.open(tmp_path)
    # a-slow has a copy from an earlier sync; this time its server says nothing at all.
    sync_feeds(workspace, {"a-slow": server.url("calendar")}, now=NOW, default_tz=CHICAGO)
    before = workspace.feed_state("a-slow")
    assert before is not None
    assert before.synced_at is not None
    reported: list[str] = []
    feeds = {"a-slow": server.url("silent"), "b-fast": server.url("calendar")}
    # A Ctrl-C (SIGINT to the main thread) 0.5 s in.
    main = threading.main_thread().ident
    assert main is not None
    assert main == threading.get_ident()
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sync_feeds(
                workspace,
                feeds,
                now=datetime(2026, 11, 28, tzinfo=UTC),
                default_tz=CHICAGO,
                on_done=lambda i, n, outcome: reported.append(f"({i}/{n}) {outcome.user}"),
            )
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.0  # at once, not at the 60 s deadline
    assert reported == ["(2/2) b-fast"]  # stored, and said so on the way out
    fast = workspace.feed_state("b-fast")
    assert fast is not None
    assert fast.synced_at is not None
    assert fast.last_error is None
    assert workspace.feed_state("a-slow") == before  # interrupted: untouched, no failure
    workspace.close()


# --- Ctrl-C on a real `usked sync` process ------------------------------------------------------


def test_one_ctrl_c_ends_a_real_sync_with_130_at_once(
    server: FeedServer, config_file: Path
) -> None:
    feeds = {"a-slow": server.url("trickle"), "b-fast": server.url("calendar")}
    config_file.write_text("[feeds]\n" + "".join(f'{u} = "{s}"\n' for u, s in feeds.items()))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Made (and migrated) before the process starts, which then finds it ready.
    workspace = Workspace.open(Path(env["USKED_DATA_DIR"]))
    process = subprocess.Popen(
        [sys.executable, "-m", "usked_cli", "sync"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait for b-fast to be stored (a-slow, given first, still trickling).
        waited = time.monotonic() + 30
        while (state := workspace.feed_state("b-fast")) is None or state.synced_at is None:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < waited, "b-fast was never stored"
            time.sleep(0.02)
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
        took = time.monotonic() - interrupted
    finally:
        workspace.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert took < 1.0, f"exit {took:.2f} s after Ctrl-C"
    assert "Traceback" not in stderr
    assert stderr.rstrip().endswith("interrupted")
    assert "(2/2) b-fast:" in stderr
    assert TOKEN not in stderr
    assert stdout == ""
    listed = subprocess.run(
        [sys.executable, "-m", "usked_cli", "feeds", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    states = {row["user"]: row for row in json.loads(listed.stdout)}
    assert states["b-fast"]["synced_at"] is not None
    assert states["a-slow"]["synced_at"] is None  # never stored, and
    assert states["a-slow"]["last_error"] is None  # no failure recorded for an interrupt
