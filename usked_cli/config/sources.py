"""Where settings come from, without pydantic: the one home of the file and environment rules.

Both readers of the settings use this module: the full pydantic-settings model
(`usked_cli.config.model`, for commands that need every setting) and `load_basics()` below, the
light reader that the listing path uses so that `usked assignments list` never pays for importing
pydantic (about 12 times a bare interpreter start). The light reader takes only the data dir and the
display timezone, through the same lookups and the same validation functions as the model, and
leaves the rest of the file to a full validation that runs once per change of the file or of the
environment (see `ensure_validated`).

Precedence, for every setting: command-line flag > environment (`USKED_` + `__` nesting) > config
file > default.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
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


def env_lookup(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """`USKED_<NAME>`, case-insensitive as pydantic-settings reads it; empty counts as unset."""
    environ = os.environ if environ is None else environ
    wanted = (ENV_PREFIX + name).lower()
    for key, value in environ.items():
        if key.lower() == wanted and value != "":
            return value
    return None


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
    """The config document at `path`; {} when the file does not exist. Broken TOML is exit 2."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path}: invalid TOML: {exc}",
            hint=f"fix the file, or see config.example.toml; `usked config path` prints {path}",
        ) from None


def config_fingerprint(path: Path, environ: Mapping[str, str] | None = None) -> str:
    """A digest of what the settings depend on: the file's identity and the USKED_ variables.

    Secret values are left out: a string secret cannot make the settings invalid, and its digest
    has no business on disk.
    """
    environ = os.environ if environ is None else environ
    digest = hashlib.sha256()
    digest.update(str(path).encode())
    try:
        st = path.stat()
        digest.update(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode())
    except OSError:
        digest.update(b"absent")
    secret_vars = {env_var_name(key).lower() for key in SECRET_KEYS}
    for key in sorted(environ):
        lowered = key.lower()
        if lowered.startswith(ENV_PREFIX.lower()) and lowered not in secret_vars:
            digest.update(f"{lowered}={environ[key]}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Basics:
    """What every command needs, read without pydantic."""

    config_path: Path
    timezone_name: str
    data_dir: Path

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone_name)


def load_basics(
    config_flag: Path | None = None,
    timezone_flag: str | None = None,
    *,
    validate: bool = True,
) -> Basics:
    """Config path, display timezone and data dir, by the same rules as the full model.

    With `validate`, the whole configuration is checked once per change (see `ensure_validated`),
    so a broken file is refused by every command, not only by those that read the broken key.
    """
    path = resolve_config_path(config_flag)
    document = read_toml(path)
    timezone_name, where = _pick(timezone_flag, "--timezone", "timezone", document, path)
    if timezone_name is None:
        timezone_name = default_timezone_name()
    elif not isinstance(timezone_name, str):
        raise ConfigError(f"{where}: timezone: expected a string such as America/Chicago")
    else:
        try:
            parse_timezone(timezone_name)
        except ValueError as exc:
            raise ConfigError(f"{where}: timezone: {exc}") from None
    data_dir_value, where = _pick(None, "", "data_dir", document, path)
    if data_dir_value is None:
        data_dir = default_data_dir()
    elif isinstance(data_dir_value, str) and data_dir_value:
        data_dir = Path(data_dir_value).expanduser()
    else:
        raise ConfigError(f"{where}: data_dir: expected a path")
    basics = Basics(config_path=path, timezone_name=timezone_name, data_dir=data_dir)
    if validate:
        ensure_validated(basics, timezone_flag)
    return basics


def _pick(
    flag_value: str | None, flag_name: str, key: str, document: Mapping[str, Any], path: Path
) -> tuple[Any, str]:
    """A top-level setting's value and where it came from (flag > environment > file)."""
    if flag_value is not None:
        return flag_value, flag_name
    from_env = env_lookup(key.upper())
    if from_env is not None:
        return from_env, f"environment variable {env_var_name(key)}"
    return document.get(key), f"config file {path}"


_VERIFIED_STAMP = ".config-validated"


def ensure_validated(basics: Basics, timezone_flag: str | None = None) -> None:
    """Validate the whole configuration with the full model, unless unchanged since the last time.

    The verdict is remembered as a fingerprint (file identity + USKED_ variables) in the data
    dir, so the listing path pays for pydantic only on the first run after an edit.
    """
    fingerprint = config_fingerprint(basics.config_path)
    stamp = basics.data_dir / _VERIFIED_STAMP
    try:
        if stamp.read_text(encoding="ascii") == fingerprint:
            return
    except (OSError, UnicodeDecodeError):
        pass
    from usked_cli.config.model import load_settings

    load_settings(basics.config_path, timezone_flag=timezone_flag)
    try:
        basics.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(fingerprint, encoding="ascii")
        os.replace(tmp, stamp)
    except OSError:
        pass  # an unwritable data dir only costs a re-validation next time
