"""Fetching a feed: https (and webcal, as https) with conditional GET, or a local .ics file.

An unchanged feed costs one 304 (ETag / Last-Modified); an unchanged local file costs one stat
(its size and mtime stand in for an ETag).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from usked_cli import __version__
from usked_cli.errors import InputError, OperationalError

if TYPE_CHECKING:
    import httpx

# A uSked feed is a few hundred kB; anything near this is not a calendar we should hold in memory.
MAX_FEED_BYTES = 64 * 1024 * 1024


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


def check_source(source: str) -> str:
    """Validate a feed source (`feeds add`, `config set feeds.USER`): an https/webcal URL or an
    existing file path. Returns what to store (a file path made absolute)."""
    if is_url(source):
        try:
            parts = urlsplit(fetch_url(source))
            host = parts.hostname
        except ValueError as exc:
            raise InputError(f"{source}: not a valid URL ({exc})") from None
        if parts.scheme != "https":
            raise InputError(
                f"{source}: feed URLs must use https (a feed URL is a credential; http exposes it)"
            )
        if not host:
            raise InputError(f"{source}: not a valid URL (no host)")
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
) -> Fetched:
    if is_url(source):
        if client is None:
            raise ValueError("an httpx.Client is needed to fetch a URL")
        return _fetch_http(source, etag=etag, last_modified=last_modified, client=client)
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
        timeout=httpx.Timeout(30.0, connect=10.0),
        follow_redirects=True,
        headers={
            "User-Agent": f"usked-cli/{__version__}",
            "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
        },
        transport=transport,
    )


def _fetch_http(
    source: str, *, etag: str | None, last_modified: str | None, client: httpx.Client
) -> Fetched:
    import httpx

    url = fetch_url(source)
    host = describe_source(source)
    headers = {}
    if etag and not etag.startswith("file:"):
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched("unchanged", None, etag, last_modified)
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                raise FeedFetchError(f"{host} answered HTTP {response.status_code} {reason}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_FEED_BYTES:
                raise FeedFetchError(
                    f"{host} sent {int(declared) // 2**20} MiB, more than a feed can be"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
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
    except httpx.TimeoutException:
        raise FeedFetchError(f"{host} did not answer in time") from None
    except httpx.ConnectError as exc:
        raise FeedFetchError(f"cannot reach {host}: {_reason(exc)}") from None
    except httpx.TooManyRedirects:
        raise FeedFetchError(f"{host} redirected too many times") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
        raise FeedFetchError(f"the feed URL is not valid ({_reason(exc)})") from None
    except httpx.HTTPError as exc:
        raise FeedFetchError(f"{host}: {type(exc).__name__}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    # The OS message is enough; httpx sometimes appends the whole URL (with its feed token).
    return text.split(" for url", 1)[0].strip()
