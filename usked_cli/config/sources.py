"""Where settings come from, without pydantic: the file and environment rules, and the snapshot.

The settings model (`usked_cli.config.model`, pydantic-settings) is the one definition of every
setting. Importing pydantic costs about 12 times a bare interpreter start, more than the listing
path can afford, so `load_basics()` serves the few values every command needs (display timezone,
data dir, host-link lead time) from a snapshot of the model's own output. The snapshot is keyed by a
fingerprint of everything the settings depend on (the config file's identity, the USKED_ and other
relevant environment variables, the machine's zone); when anything changes, the full model runs
again, validates the whole configuration (so a broken file is refused by every command) and
writes a new snapshot. There is no second copy of the settings rules to drift.

Precedence, for every setting: command-line flag > environment (`USKED_` + `__` nesting) > config
file > default.

Every parse of the file goes through `read_toml`, which applies ssh's rules to a file holding the
Zoom client secret (`check_secret_file`): refused if others may write it or another user owns it,
warned about once if others may read it. The snapshot's fingerprint includes the file's mode and
owner, so a `chmod` makes the listing path parse (and check) the file again.
"""

from __future__ import annotations

import contextlib
import os
import stat
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from usked_cli.errors import ConfigError

APP_NAME = "usked"
ENV_PREFIX = "USKED_"
ENV_NESTED_DELIMITER = "__"
CONFIG_ENV = "USKED_CONFIG"
CONFIG_FILE_NAME = "config.toml"
# Names of settings whose values must never be shown, logged or fingerprinted.
SECRET_KEYS = frozenset({"zoom.client_secret"})
# Keys of the [feeds] table that are settings rather than user names.
RESERVED_FEED_KEYS = frozenset({"timeout_seconds"})
USER_NAME_RULE = "letters, digits and . _ @ + - (up to 64), starting with a letter or digit"


def check_user_name(user: str) -> str:
    """A feed's user name: InputError (exit 2) unless it is a short, plain name."""
    import re

    from usked_cli.errors import InputError

    if user in RESERVED_FEED_KEYS:
        raise InputError(
            f"{user!r} is reserved: feeds.{user} is a setting, not a user",
            hint=f"`usked config set feeds.{user} VALUE` sets it",
        )
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}", user) is None:
        raise InputError(f"{user!r} is not a usable user name: {USER_NAME_RULE}")
    return user


def env_lookup(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """`USKED_<NAME>`, case-insensitive as pydantic-settings reads it; empty counts as unset."""
    environ = os.environ if environ is None else environ
    wanted = (ENV_PREFIX + name).lower()
    for key, value in environ.items():
        if key.lower() == wanted and value != "":
            return value
    return None


def covering_env_var(parts: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    """The set environment variable that gives this key, itself or a table holding it
    (USKED_ZOOM__HOST_USERS for zoom.host_users.0), the longest first."""
    for depth in range(len(parts), 0, -1):
        name = ENV_NESTED_DELIMITER.join(parts[:depth]).upper()
        if env_lookup(name, environ) is not None:
            return ENV_PREFIX + name
    return None


def env_vars_under(parts: Sequence[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Set environment variables for keys inside this table (USKED_ZOOM__PLAN for `zoom`)."""
    environ = os.environ if environ is None else environ
    prefix = (ENV_PREFIX + ENV_NESTED_DELIMITER.join(parts) + ENV_NESTED_DELIMITER).lower()
    return sorted(
        key.upper() for key, value in environ.items() if key.lower().startswith(prefix) and value
    )


def env_var_name(dotted_key: str) -> str:
    """`org.padding_minutes` -> `USKED_ORG__PADDING_MINUTES`."""
    return ENV_PREFIX + dotted_key.replace(".", ENV_NESTED_DELIMITER).upper()


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def resolve_config_path(flag: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """`--config PATH`, else `$USKED_CONFIG`, else config.toml in the user config dir."""
    if flag is not None:
        return flag.expanduser()
    environ = os.environ if environ is None else environ
    from_env = environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return default_config_path()


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def default_timezone_name() -> str:
    """The machine's IANA zone: $TZ, else /etc/localtime's target, else /etc/timezone, else UTC."""
    candidates: list[str] = []
    tz_env = os.environ.get("TZ", "").lstrip(":")
    if tz_env:
        candidates.append(tz_env)
    target = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if _zone_or_none(name) is not None:
            return name
    return "UTC"


def _zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def parse_timezone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA zone by name; ValueError with a short reason otherwise (shared by both readers)."""
    if not name or name != name.strip():
        raise ValueError(f"{name!r} is not an IANA time zone name (e.g. America/Chicago)")
    zone = _zone_or_none(name)
    if zone is None:
        raise ValueError(f"{name!r} is not an IANA time zone name (e.g. America/Chicago)")
    return zone


def read_toml(path: Path) -> dict[str, Any]:
    """The config document at `path`; {} when the file does not exist. Broken TOML is exit 2.

    A symlink is followed. Only a regular file is read (a FIFO would block, a device never end),
    except the null device: `--config /dev/null` reads as an empty file. A file that holds the
    Zoom client secret goes through `check_secret_file` (see there).
    """
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            if _is_null_device(st):
                return {}
            raise ConfigError(f"config file {path} is {file_kind(st.st_mode)}, not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        raw = b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)
    import tomllib  # here: a listing served from the snapshot never parses TOML

    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path}: invalid TOML: {exc}",
            hint=f"fix the file, or see config.example.toml; `usked config path` prints {path}",
        ) from None
    if _holds_secret(document):
        check_secret_file(path, st)
    return document


def file_kind(mode: int) -> str:
    """What a non-regular file is, for messages: "a directory", "a FIFO", ..."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symlink"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


def _is_null_device(st: os.stat_result) -> bool:
    if not stat.S_ISCHR(st.st_mode):
        return False
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and st.st_rdev == null.st_rdev


def _holds_secret(document: Mapping[str, Any]) -> bool:
    zoom = document.get("zoom")
    return isinstance(zoom, dict) and bool(zoom.get("client_secret"))


# Config files already warned about in this process, by identity (one warning per run).
_WARNED: set[tuple[str, int, int, int, int]] = set()


def check_secret_file(path: Path, st: os.stat_result) -> None:
    """The rules ssh applies to ~/.ssh/config, for a config file holding the client secret.

    Refused (exit 2) when a user other than the current one (or root) owns it, or when group or
    others may write it: whoever can write it can point the tool at their own OAuth host and be
    handed the secret. A file group or others may read is used, with one warning per run on
    stderr. `st` is the stat of the file as it was read (an fstat: no race with a swap).
    """
    if os.name != "posix":
        return
    mode = stat.S_IMODE(st.st_mode)
    owner_ok = st.st_uid in (os.geteuid(), 0)
    if not owner_ok:
        raise ConfigError(
            f"config file {path} holds the Zoom client secret but is owned by another user "
            f"(uid {st.st_uid}): refusing to use it; make it yours (chown) and chmod 600 {path}"
        )
    if mode & 0o022:
        raise ConfigError(
            f"config file {path} holds the Zoom client secret and other users can write it "
            f"(mode {mode:04o}): refusing to use it; chmod 600 {path}"
        )
    if mode & 0o044:
        key = (str(path), st.st_dev, st.st_ino, st.st_mtime_ns, mode)
        if key in _WARNED:
            return
        _WARNED.add(key)
        import sys

        from usked_cli.safe import visible_tabs

        sys.stderr.write(
            visible_tabs(
                f"warning: {path} is readable by other users and holds the Zoom client secret; "
                f"chmod 600 {path}"
            )
            + "\n"
        )


def config_fingerprint(path: Path, environ: Mapping[str, str] | None = None) -> str:
    """A fingerprint of what the settings depend on: the file's identity, the USKED_ variables and
    what the defaults come from.

    Secret values are left out: a string secret cannot make the settings invalid, and its digest
    has no business on disk.
    """
    from usked_cli import __version__

    environ = os.environ if environ is None else environ
    # Kept as the text itself, not a digest of it: it holds nothing secret, and hashlib alone
    # would cost every listing 2 ms of OpenSSL loading (bench/startup.py).
    parts = [__version__, str(path)]
    try:
        st = path.stat()
        # Mode and owner too: a file made group-writable must be checked again (read_toml).
        parts.append(
            f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_mode}:{st.st_uid}"
        )
    except OSError:
        parts.append("absent")
    secret_vars = {env_var_name(key).lower() for key in SECRET_KEYS}
    for key in sorted(environ):
        lowered = key.lower()
        if (
            lowered.startswith(ENV_PREFIX.lower()) and lowered not in secret_vars
        ) or key in _DEFAULTS_FROM_ENVIRONMENT:
            parts.append(f"{key}={environ[key]}")
    # The default timezone follows the machine's zone.
    with contextlib.suppress(OSError):
        parts.append(os.readlink("/etc/localtime"))
    return "\0".join(parts)


# Variables that defaults are derived from (the machine's zone, platformdirs' data dir).
_DEFAULTS_FROM_ENVIRONMENT = frozenset({"TZ", "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"})


@dataclass(frozen=True, slots=True)
class Basics:
    """What the hot path needs, served without pydantic (see the module docstring)."""

    config_path: Path
    timezone_name: str
    data_dir: Path
    host_link_lead_minutes: int
    join_lead_minutes: int
    me: str | None

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone_name)


def snapshot_path(config_path: Path) -> Path:
    """Where the snapshot for this config file lives (a cache: safe to delete at any time)."""
    import zlib

    from platformdirs import user_cache_dir

    # A short name per config file; two paths that collide only share a slot (the fingerprint
    # holds the path, so one never reads the other's values).
    key = f"{zlib.crc32(str(config_path).encode()):08x}"
    return Path(user_cache_dir(APP_NAME)) / f"settings-{key}.json"


def load_basics(config_flag: Path | None = None, timezone_flag: str | None = None) -> Basics:
    """Timezone, data dir and lead time as the full model resolves them (snapshot if current)."""
    path = resolve_config_path(config_flag)
    fingerprint = config_fingerprint(path)
    snapshot = snapshot_path(path)
    values = _read_snapshot(snapshot, fingerprint)
    if values is None:
        from usked_cli.config.model import load_settings

        settings = load_settings(path)
        values = {
            "timezone": settings.timezone,
            "data_dir": str(settings.data_dir),
            "host_link_lead_minutes": settings.org.host_link_lead_minutes,
            "join_lead_minutes": settings.org.join_lead_minutes,
            "me": settings.me,
        }
        _write_snapshot(snapshot, fingerprint, values)
    timezone_name = str(values["timezone"])
    if timezone_flag is not None:
        try:
            parse_timezone(timezone_flag)
        except ValueError as exc:
            raise ConfigError(f"--timezone: {exc}") from None
        timezone_name = timezone_flag
    return Basics(
        config_path=path,
        timezone_name=timezone_name,
        data_dir=Path(str(values["data_dir"])),
        host_link_lead_minutes=int(values["host_link_lead_minutes"]),
        join_lead_minutes=int(values["join_lead_minutes"]),
        me=None if values["me"] is None else str(values["me"]),
    )


# What a snapshot holds: one written before a key was added here is stale.
_SNAPSHOT_KEYS = frozenset(
    {"timezone", "data_dir", "host_link_lead_minutes", "join_lead_minutes", "me"}
)


def _read_snapshot(snapshot: Path, fingerprint: str) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(snapshot.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
        return None
    values = data.get("values")
    if not isinstance(values, dict) or not values.keys() >= _SNAPSHOT_KEYS:
        return None
    return values


def _write_snapshot(snapshot: Path, fingerprint: str, values: Mapping[str, Any]) -> None:
    import json

    try:
        snapshot.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.tmp")
        text = json.dumps({"fingerprint": fingerprint, "values": values})
        # Owner-only, as the folder: nothing secret is in it, but the environment it records is
        # nobody else's business.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(tmp, snapshot)
    except OSError:
        pass  # an unwritable cache only costs the full model again next time
