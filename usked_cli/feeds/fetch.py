"""Fetching a feed: https (and webcal, as https) with conditional GET, or a local .ics file.

An unchanged feed costs one 304 (ETag / Last-Modified); an unchanged local file costs one stat
(its size and mtime stand in for an ETag).

A feed URL carries a private token, so it travels over TLS only: `http://` is accepted for
loopback hosts alone (a local test server; with a warning), and an https feed that redirects to
plain http is refused, never followed. `webcal://` is fetched as `https://`; a webcal server
that speaks only plain http is explained as such. Certificates are checked against the system's
store as httpx sees it: `SSL_CERT_FILE` / `SSL_CERT_DIR` point it at an organization's own CA.

A fetch has one deadline for all of it (`feeds.timeout_seconds`, 60 s by default): connecting,
every redirect, the headers and the whole body. httpx's timeouts are per read, so a server that
trickles a byte every few seconds would never trip them: the deadline is checked between chunks,
every read's timeout is at most the time left when its request began, and the calling thread
waits for the fetch (which runs on a daemon thread of its own) no longer than the deadline, so
that nothing (a slow DNS answer, headers sent a byte at a time) holds it past it. Waiting that
way also leaves the calling thread free to take a Ctrl-C at once.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from usked_cli import __version__
from usked_cli.errors import InputError, OperationalError

if TYPE_CHECKING:
    import httpx

# A uSked feed is a few hundred kB; anything near this is not a calendar we should hold in memory.
MAX_FEED_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
# The whole fetch (connect, redirects, headers, body); the setting feeds.timeout_seconds.
DEFAULT_TIMEOUT_SECONDS = 60.0
# Connecting alone may not take longer than this, whatever the deadline leaves.
CONNECT_TIMEOUT_SECONDS = 10.0
Warn = Callable[[str], None]


class FeedFetchError(OperationalError):
    """The feed could not be fetched (network, HTTP status, file system)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    status: Literal["fetched", "unchanged"]
    body: bytes | None
    etag: str | None
    last_modified: str | None


def is_url(source: str) -> bool:
    return source.lower().startswith(("https://", "http://", "webcal://", "webcals://"))


def fetch_url(source: str) -> str:
    """webcal:// is https by convention (RFC 5545 has no fetch scheme of its own)."""
    lowered = source.lower()
    for prefix in ("webcals://", "webcal://"):
        if lowered.startswith(prefix):
            return "https://" + source[len(prefix) :]
    return source


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and localhost: the only hosts a feed may be fetched from over http."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_source(source: str, *, warn: Warn | None = None) -> str:
    """Validate a feed source (`feeds add`, `config set feeds.USER`, `--ics`): an https/webcal
    URL, an http URL of a loopback host (warned), or an existing file path. Returns what to
    store (a file path made absolute)."""
    if is_url(source):
        try:
            parts = urlsplit(fetch_url(source))
            host = parts.hostname
        except ValueError as exc:
            # Not the URL itself: its path carries the feed's private token.
            raise InputError(f"the feed URL is not valid ({exc})") from None
        if not host:
            raise InputError("the feed URL is not valid (it names no host)")
        if parts.scheme != "https":
            if not is_loopback(host):
                raise InputError(
                    f"{describe_source(source)}: feed URLs must use https (a feed URL is a "
                    "credential; http exposes it); http:// is accepted for loopback hosts only"
                )
            if warn is not None:
                warn(f"{host}: fetching a feed over plain http (accepted for a loopback host)")
        return source
    try:
        path = Path(source).expanduser()
        if not path.exists():
            raise InputError(
                f"{source}: no such file (give an https:// or webcal:// URL, or a .ics path)"
            )
        if not path.is_file():
            raise InputError(f"{source}: not a file")
        return str(path.resolve())
    except OSError as exc:
        raise InputError(f"{source}: {exc.strerror or exc}") from None


def source_in_hint(source: str) -> str:
    """A source as a hint's command line repeats it: a path as given, a URL as SOURCE (the
    user has it; its token stays out of messages)."""
    return "SOURCE" if is_url(source) else source


def describe_source(source: str) -> str:
    """What to call a source in messages: the host for URLs (their paths carry feed tokens)."""
    if is_url(source):
        try:
            return urlsplit(fetch_url(source)).hostname or "feed host"
        except ValueError:
            return "feed host"
    return source


def fetch(
    source: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
    warn: Warn | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> Fetched:
    """The feed's bytes, or "unchanged" when the server (or the file) says it has not changed.

    A URL is fetched within `timeout_seconds` in all (see the module's docstring)."""
    if is_url(source):
        if client is None:
            raise ValueError("an httpx.Client is needed to fetch a URL")
        try:
            check_source(source, warn=warn)
        except InputError as exc:
            raise FeedFetchError(exc.message) from None
        return _fetch_http(
            source,
            etag=etag,
            last_modified=last_modified,
            client=client,
            timeout_seconds=timeout_seconds,
        )
    return _read_file(Path(source).expanduser(), etag=etag)


def _read_file(path: Path, *, etag: str | None) -> Fetched:
    try:
        st = path.stat()
        if not path.is_file():
            raise FeedFetchError(f"{path} is not a file")
        # Size, mtime and inode together play the part of an ETag for a local file.
        stamp = f"file:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
        if etag == stamp:
            return Fetched("unchanged", None, stamp, None)
        if st.st_size > MAX_FEED_BYTES:
            raise FeedFetchError(f"{path} is {st.st_size // 2**20} MiB, more than a feed can be")
        return Fetched("fetched", path.read_bytes(), stamp, None)
    except FileNotFoundError:
        raise FeedFetchError(f"{path}: no such file") from None
    except PermissionError:
        raise FeedFetchError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise FeedFetchError(f"{path} is a directory") from None
    except OSError as exc:
        raise FeedFetchError(f"{path}: {exc.strerror}") from None


def new_http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    import httpx

    return httpx.Client(
        # Each request of a fetch sets its own timeouts from the fetch's deadline (_fetch_http).
        timeout=httpx.Timeout(DEFAULT_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
        # Redirects are followed by _fetch_http, which refuses a step down from https to http.
        follow_redirects=False,
        headers={
            "User-Agent": f"usked-cli/{__version__}",
            "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
        },
        transport=transport,
    )


def _fetch_http(
    source: str,
    *,
    etag: str | None,
    last_modified: str | None,
    client: httpx.Client,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> Fetched:
    """Fetch on a daemon thread and wait for it until the deadline, no longer.

    A fetch still running then is left to end by itself: its own checks stop it at its next
    chunk or read, and closing the client closes its connection. Being a daemon, it never
    holds up the program's exit (a Ctrl-C, say)."""
    deadline = time.monotonic() + max(0.0, timeout_seconds)
    outcome: list[Fetched | BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(
                _fetch_http_steps(
                    source,
                    etag=etag,
                    last_modified=last_modified,
                    client=client,
                    deadline=deadline,
                    timeout_seconds=timeout_seconds,
                )
            )
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="usked-fetch", daemon=True).start()
    if not done.wait(max(0.0, deadline - time.monotonic())) or not outcome:
        raise _late(describe_source(source), timeout_seconds)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _late(host: str, timeout_seconds: float) -> FeedFetchError:
    return FeedFetchError(
        f"{host} did not send the whole feed within {timeout_seconds:g} s (feeds.timeout_seconds)"
    )


def _fetch_http_steps(
    source: str,
    *,
    etag: str | None,
    last_modified: str | None,
    client: httpx.Client,
    deadline: float,
    timeout_seconds: float,
) -> Fetched:
    """The requests of one fetch (redirects followed here), each within what the deadline
    leaves; raises FeedFetchError."""
    import httpx

    url = fetch_url(source)
    host = describe_source(source)
    webcal = source.lower().startswith(("webcal://", "webcals://"))
    headers = {}
    if etag and not etag.startswith("file:"):
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _late(host, timeout_seconds)
        return remaining

    try:
        for _ in range(MAX_REDIRECTS + 1):
            remaining = left()
            # httpx applies a request's read timeout to each read: at most what is left now.
            timeout = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT_SECONDS, remaining))
            with client.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.is_redirect and "Location" in response.headers:
                    target = urljoin(url, response.headers["Location"])
                    _check_redirect(url, target, host, webcal=webcal)
                    url = target
                    continue
                return _read_response(response, host, etag, last_modified, left=left)
        raise FeedFetchError(f"{host} redirected more than {MAX_REDIRECTS} times")
    except httpx.TimeoutException:
        if time.monotonic() >= deadline - 0.05:
            raise _late(host, timeout_seconds) from None
        raise FeedFetchError(f"{host} did not answer in time") from None
    except httpx.ConnectError as exc:
        reason = _reason(exc)
        if _speaks_plain_http(reason):
            asked = "webcal:// is fetched as https://; " if webcal else ""
            raise FeedFetchError(
                f"{asked}{host} answered plain http to an https request, which would "
                "expose the feed's token: ask for its https address"
            ) from None
        if "CERTIFICATE_VERIFY_FAILED" in reason:
            raise FeedFetchError(
                f"cannot reach {host}: its TLS certificate is not trusted ({reason}); "
                "an organization's own CA can be given with SSL_CERT_FILE=/path/to/ca.pem"
            ) from None
        raise FeedFetchError(f"cannot reach {host}: {reason}") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
        raise FeedFetchError(f"the feed URL is not valid ({_reason(exc)})") from None
    except httpx.HTTPError as exc:
        if time.monotonic() >= deadline:
            # The connection was closed under a fetch that had run out of time.
            raise _late(host, timeout_seconds) from None
        raise FeedFetchError(f"{host}: {type(exc).__name__}: {_reason(exc)}") from None


def _read_response(
    response: httpx.Response,
    host: str,
    etag: str | None,
    last_modified: str | None,
    *,
    left: Callable[[], float],
) -> Fetched:
    """The body, chunk by chunk; `left()` raises once the fetch's deadline has passed."""
    if response.status_code == 304:
        return Fetched("unchanged", None, etag, last_modified)
    if response.status_code >= 400:
        reason = response.reason_phrase or "error"
        raise FeedFetchError(f"{host} answered HTTP {response.status_code} {reason}")
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_FEED_BYTES:
        raise FeedFetchError(f"{host} sent {int(declared) // 2**20} MiB, more than a feed can be")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        left()
        size += len(chunk)
        if size > MAX_FEED_BYTES:
            raise FeedFetchError(f"{host} sent more than {MAX_FEED_BYTES // 2**20} MiB")
        chunks.append(chunk)
    return Fetched(
        "fetched",
        b"".join(chunks),
        response.headers.get("ETag"),
        response.headers.get("Last-Modified"),
    )


def _check_redirect(url: str, target: str, host: str, *, webcal: bool) -> None:
    """Refuse a redirect from https to anything but https, and from a loopback http address to
    another host's http one (the URL's token would travel bare)."""
    scheme = urlsplit(target).scheme.lower()
    where = urlsplit(target).hostname or "another host"
    if urlsplit(url).scheme.lower() == "https" and scheme != "https":
        if webcal:
            raise FeedFetchError(
                f"webcal:// is fetched as https://; {host} redirected it to plain http "
                f"({where}), which would expose the feed's token: refused"
            )
        raise FeedFetchError(
            f"{host} redirected the feed to plain http ({where}), which would expose the "
            "feed's token: refused"
        )
    if scheme not in ("https", "http"):
        raise FeedFetchError(f"{host} redirected the feed to a {scheme}: address: refused")
    if scheme == "http" and not is_loopback(urlsplit(target).hostname):
        raise FeedFetchError(
            f"{host} redirected the feed to plain http ({where}), which would expose the "
            "feed's token: refused (http:// is accepted for loopback hosts only)"
        )


def _speaks_plain_http(reason: str) -> bool:
    """Whether a TLS handshake failed because the server answered in plain http."""
    lowered = reason.lower()
    return "wrong_version_number" in lowered or "record layer failure" in lowered


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    # The OS message is enough; httpx sometimes appends the whole URL (with its feed token).
    return text.split(" for url", 1)[0].strip()
