"""What travels where when a feed is fetched (feeds/fetch.py; issue 13, contracts.md).

A feed URL is a credential: https only, `http://` for loopback hosts alone (with a warning), no
redirect down to plain http, `webcal://` as https (explained when the server speaks plain http),
and a certificate failure that says how to trust an organization's CA. Offline: httpx's
MockTransport, and loopback servers on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.cli.helpers import run
from usked_cli.errors import InputError
from usked_cli.feeds.fetch import FeedFetchError, check_source, fetch, new_http_client

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-feed.ics"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 09:00 in Chicago
TOKEN = "7f3a9c2e"  # the secret part of every feed URL here: never in a message


class Server:
    """A MockTransport handler: answers from a table of URL -> response, records requests."""

    def __init__(self, routes: dict[str, httpx.Response | Exception]) -> None:
        self.routes = routes
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        answer = self.routes.get(url)
        if answer is None:
            return httpx.Response(404)
        if isinstance(answer, Exception):
            raise answer
        return answer


def calendar() -> httpx.Response:
    return httpx.Response(
        200, content=SAMPLE.read_bytes(), headers={"Content-Type": "text/calendar"}
    )


def redirect(location: str) -> httpx.Response:
    return httpx.Response(302, headers={"Location": location})


def fetch_with(server: Server, source: str, warnings: list[str] | None = None) -> bytes:
    with new_http_client(httpx.MockTransport(server)) as client:
        fetched = fetch(
            source, client=client, warn=warnings.append if warnings is not None else None
        )
    assert fetched.status == "fetched"
    assert fetched.body is not None
    return fetched.body


def refusal(server: Server, source: str) -> str:
    with pytest.raises(FeedFetchError) as caught:
        fetch_with(server, source)
    message = caught.value.message
    assert TOKEN not in message
    assert caught.value.exit_code == 1
    return message


# --- http:// ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "acme.usked.example",
        "10.0.0.5",
        "192.168.1.20",
        "[2001:db8::1]",
        "127.0.0.1.evil.example",  # looks like loopback, is not
        "localhost.evil.example",
        "0x7f000001",  # not an address Python reads as loopback: refused, not guessed
    ],
)
def test_http_to_a_non_loopback_host_is_refused_before_any_request(host: str) -> None:
    server = Server({f"http://{host}/ical/{TOKEN}/m.ics": calendar()})
    message = refusal(server, f"http://{host}/ical/{TOKEN}/m.ics")
    assert "must use https" in message
    assert "loopback hosts only" in message
    assert server.requests == []  # the token never left
    with pytest.raises(InputError, match="must use https"):
        check_source(f"http://{host}/ical/{TOKEN}/m.ics")


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8080", "127.9.8.7", "localhost", "LocalHost", "[::1]:8080"]
)
def test_http_to_loopback_is_fetched_with_a_warning(host: str) -> None:
    url = f"http://{host}/ical/{TOKEN}/m.ics"
    warnings: list[str] = []
    served = f"http://{host.lower()}/ical/{TOKEN}/m.ics"  # httpx sends the host in lower case
    body = fetch_with(Server({served: calendar()}), url, warnings)
    assert body == SAMPLE.read_bytes()
    [warning] = warnings
    assert "plain http" in warning
    assert "loopback" in warning
    assert TOKEN not in warning


def test_https_is_fetched_without_a_warning() -> None:
    url = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    warnings: list[str] = []
    assert fetch_with(Server({url: calendar()}), url, warnings) == SAMPLE.read_bytes()
    assert warnings == []


def test_feeds_add_warns_for_loopback_and_refuses_the_rest(config_file: Path) -> None:
    added = run(["feeds", "add", "maria", f"http://127.0.0.1:8080/ical/{TOKEN}/m.ics"])
    assert added.exit_code == 0, added.stderr
    assert "warning: 127.0.0.1: fetching a feed over plain http" in added.stderr
    refused = run(["feeds", "add", "joe", f"http://acme.usked.example/ical/{TOKEN}/j.ics"])
    assert refused.exit_code == 2
    assert "must use https" in refused.stderr
    assert TOKEN not in refused.stderr
    assert "joe" not in config_file.read_text()


def test_sync_of_a_loopback_http_feed_warns(config_file: Path) -> None:
    # Set in the config file directly (no `feeds add` to warn): sync says it each time.
    url = f"http://127.0.0.1:8080/ical/{TOKEN}/m.ics"
    config_file.write_text(f'[feeds]\nmaria = "{url}"\n')
    server = Server({url: calendar()})
    result = run(["sync"], now=NOW, feed_transport=httpx.MockTransport(server))
    assert result.exit_code == 0, result.stderr
    assert server.requests == [url]
    assert "warning: maria: 127.0.0.1: fetching a feed over plain http" in result.stderr


def test_sync_of_a_non_loopback_http_feed_in_the_config_file_fails(config_file: Path) -> None:
    url = f"http://acme.usked.example/ical/{TOKEN}/m.ics"
    config_file.write_text(f'[feeds]\nmaria = "{url}"\n')
    server = Server({url: calendar()})
    result = run(["sync"], now=NOW, feed_transport=httpx.MockTransport(server))
    assert result.exit_code == 1
    assert "must use https" in result.stderr
    assert server.requests == []
    assert TOKEN not in result.stderr


# --- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        f"http://acme.usked.example/ical/{TOKEN}/m.ics",
        f"http://127.0.0.1/ical/{TOKEN}/m.ics",  # even to loopback: https never steps down
    ],
)
def test_https_to_http_redirect_is_refused(target: str) -> None:
    start = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    server = Server({start: redirect(target), target: calendar()})
    message = refusal(server, start)
    assert "redirected the feed to plain http" in message
    assert "refused" in message
    assert server.requests == [start]  # the http address was never asked


@pytest.mark.parametrize(
    "start",
    [
        f"https://acme.usked.example/ical/{TOKEN}/m.ics",
        f"http://127.0.0.1:8080/ical/{TOKEN}/m.ics",  # up to https first, then back down
    ],
)
def test_https_never_steps_down_to_http_later_in_a_chain(start: str) -> None:
    moved = f"https://cdn.usked.example/ical/{TOKEN}/m.ics"
    down = f"http://127.0.0.1:8080/ical/{TOKEN}/other.ics"
    server = Server({start: redirect(moved), moved: redirect(down), down: calendar()})
    message = refusal(server, start)
    assert "redirected the feed to plain http (127.0.0.1)" in message
    assert message.endswith("refused")
    assert server.requests == [start, moved]  # the http address was never asked


def test_webcal_redirect_to_http_is_explained() -> None:
    start = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    target = f"http://acme.usked.example/ical/{TOKEN}/m.ics"
    server = Server({start: redirect(target), target: calendar()})
    message = refusal(server, f"webcal://acme.usked.example/ical/{TOKEN}/m.ics")
    assert message.startswith("webcal:// is fetched as https://")
    assert server.requests == [start]


def test_loopback_http_redirect_to_a_remote_http_host_is_refused() -> None:
    # http:// is for loopback hosts only: a local server may not send the token elsewhere bare.
    start = f"http://127.0.0.1:8080/ical/{TOKEN}/m.ics"
    target = f"http://acme.usked.example/ical/{TOKEN}/m.ics"
    server = Server({start: redirect(target), target: calendar()})
    message = refusal(server, start)
    assert "plain http" in message
    assert "acme.usked.example" in message
    assert server.requests == [start]


def test_https_redirects_are_followed() -> None:
    start = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    moved = f"https://cdn.usked.example/ical/{TOKEN}/m.ics"
    server = Server({start: redirect(moved), moved: calendar()})
    assert fetch_with(server, start) == SAMPLE.read_bytes()
    assert server.requests == [start, moved]


def test_loopback_http_redirect_to_https_is_followed() -> None:
    start = f"http://localhost:8080/ical/{TOKEN}/m.ics"
    moved = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    server = Server({start: redirect(moved), moved: calendar()})
    assert fetch_with(server, start, []) == SAMPLE.read_bytes()
    assert server.requests == [start, moved]


# --- webcal:// -------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["webcal", "webcals", "WEBCAL"])
def test_webcal_is_fetched_as_https(scheme: str) -> None:
    url = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    server = Server({url: calendar()})
    warnings: list[str] = []
    assert fetch_with(server, f"{scheme}://acme.usked.example/ical/{TOKEN}/m.ics", warnings)
    assert server.requests == [url]
    assert warnings == []


@pytest.mark.parametrize(
    "reason",
    [
        "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
        "[SSL: RECORD_LAYER_FAILURE] record layer failure (_ssl.c:1000)",
    ],
)
def test_webcal_to_a_plain_http_server_is_explained(reason: str) -> None:
    url = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    server = Server({url: httpx.ConnectError(reason)})
    message = refusal(server, f"webcal://acme.usked.example/ical/{TOKEN}/m.ics")
    assert message.startswith(
        "webcal:// is fetched as https://; acme.usked.example answered plain http"
    )


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    """A loopback server that speaks plain http whatever it is sent (a TLS hello, too)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    _wake_and_close(listener)
    thread.join(timeout=5)
    assert not thread.is_alive()


def _wake_and_close(listener: socket.socket) -> None:
    """End a server thread blocked in accept(): closing alone does not wake it on Linux."""
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()


def test_webcal_to_a_real_plain_http_server_is_explained(plain_http_port: int) -> None:
    source = f"webcal://127.0.0.1:{plain_http_port}/ical/{TOKEN}/m.ics"
    with new_http_client() as client, pytest.raises(FeedFetchError) as caught:
        fetch(source, client=client)
    message = caught.value.message
    assert message.startswith("webcal:// is fetched as https://; 127.0.0.1 answered plain http")
    assert TOKEN not in message


def test_https_to_a_real_plain_http_server_is_explained(plain_http_port: int) -> None:
    # Not Python's "[SSL: WRONG_VERSION_NUMBER]": what happened, and what to do.
    source = f"https://127.0.0.1:{plain_http_port}/ical/{TOKEN}/m.ics"
    with new_http_client() as client, pytest.raises(FeedFetchError) as caught:
        fetch(source, client=client)
    message = caught.value.message
    assert message.startswith("127.0.0.1 answered plain http to an https request")
    assert "ask for its https address" in message
    assert "SSL" not in message
    assert TOKEN not in message


# --- certificates ----------------------------------------------------------------------------


def test_untrusted_certificate_names_ssl_cert_file() -> None:
    url = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    reason = (
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "unable to get local issuer certificate (_ssl.c:1006)"
    )
    message = refusal(Server({url: httpx.ConnectError(reason)}), url)
    assert "not trusted" in message
    assert "SSL_CERT_FILE" in message


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A loopback https server with a self-signed certificate: (port, that certificate)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    body = SAMPLE.read_bytes()

    def serve() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    conn.recv(65536)
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
            except (ssl.SSLError, OSError):
                raw.close()  # the client refused our certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], cert
    _wake_and_close(listener)
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_real_untrusted_certificate_and_ssl_cert_file(
    tls_server: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert = tls_server
    url = f"https://127.0.0.1:{port}/ical/{TOKEN}/m.ics"
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with new_http_client() as client, pytest.raises(FeedFetchError) as caught:
        fetch(url, client=client)
    assert "SSL_CERT_FILE" in caught.value.message
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message
    # What the message advises works: trust the organization's CA, and the feed comes.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with new_http_client() as client:
        fetched = fetch(url, client=client)
    assert fetched.body == SAMPLE.read_bytes()


# --- a failed sync: is there an earlier copy? ------------------------------------------------


class FlakyFeed:
    def __init__(self) -> None:
        self.fail: Callable[[], httpx.Response] | None = None
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.fail is not None:
            return self.fail()
        return calendar()


def test_first_failed_sync_says_no_earlier_copy_then_later_failures_keep_the_copy() -> None:
    url = f"https://acme.usked.example/ical/{TOKEN}/m.ics"
    feed = FlakyFeed()
    transport = httpx.MockTransport(feed)
    assert run(["feeds", "add", "maria", url]).exit_code == 0

    feed.fail = lambda: httpx.Response(503)
    for _ in range(2):  # still no copy the second time
        first = run(["sync"], now=NOW, feed_transport=transport)
        assert first.exit_code == 1
        assert "maria: acme.usked.example answered HTTP 503" in first.stderr
        assert "no earlier copy" in first.stderr
        assert "kept the previous assignments" not in first.stderr
        assert TOKEN not in first.stderr
    assert json.loads(run(["assignments", "list", "--json"], now=NOW).stdout) == []

    feed.fail = None
    assert run(["sync"], now=NOW, feed_transport=transport).exit_code == 0
    before = json.loads(run(["assignments", "list", "--json"], now=NOW).stdout)
    assert len(before) == 7
    [synced] = json.loads(run(["feeds", "list", "--json"]).stdout)

    def refused() -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    feed.fail = refused
    later = run(["sync"], now=NOW, feed_transport=transport)
    assert later.exit_code == 1
    assert "maria: cannot reach acme.usked.example" in later.stderr
    assert "kept the previous assignments" in later.stderr
    assert "no earlier copy" not in later.stderr
    assert json.loads(run(["assignments", "list", "--json"], now=NOW).stdout) == before
    [listed] = json.loads(run(["feeds", "list", "--json"]).stdout)
    assert "cannot reach acme.usked.example" in listed["last_error"]
    assert listed["assignments"] == synced["assignments"] > 0
    assert listed["synced_at"] == synced["synced_at"]


def test_failed_sync_json_still_reports_every_feed(tmp_path: Path) -> None:
    good = tmp_path / "joe.ics"
    shutil.copy(SAMPLE, good)
    assert run(["feeds", "add", "joe", str(good)]).exit_code == 0
    assert run(["feeds", "add", "maria", f"https://acme.usked.example/ical/{TOKEN}"]).exit_code == 0
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    result = run(["sync", "--json"], now=NOW, feed_transport=transport)
    assert result.exit_code == 1
    outcomes = {o["user"]: o for o in json.loads(result.stdout)}
    assert outcomes["joe"]["status"] == "updated"
    assert outcomes["maria"]["status"] == "failed"
    assert "maria: acme.usked.example answered HTTP 500" in result.stderr
    assert "no earlier copy" in result.stderr
