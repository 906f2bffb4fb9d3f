"""Settings by dotted key: what `config show/set/unset` and `admin settings` do."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from usked_cli.config import sources
from usked_cli.config.model import Settings, setting_keys, validate_document
from usked_cli.config.writer import (
    Document,
    backup_path,
    set_key,
    unset_key,
    update_config,
    write_target,
)
from usked_cli.errors import ConfigError

MASK = "********"


def is_secret_key(key: str) -> bool:
    return key in sources.SECRET_KEYS


def masked(key: str, value: Any) -> Any:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if is_secret_key(key):
        return MASK if value else ""
    return value


@dataclass(frozen=True)
class EffectiveSettings:
    config_path: Path
    nested: dict[str, Any]  # the settings as one JSON object, secrets masked
    values: dict[str, Any]  # dotted key -> value, secrets masked
    origins: dict[
        str, str
    ]  # dotted key -> "flag" | "env USKED_..." | "file" | "default" | "plan …"

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "value": ",".join(value) if isinstance(value, list) else value,
                "source": self.origins[key],
            }
            for key, value in self.values.items()
        ]

    def as_json(self) -> dict[str, Any]:
        return {"config_file": str(self.config_path), **self.nested}


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, item in value.items():
        if isinstance(item, dict):
            flat.update(_flatten(item, f"{prefix}{name}."))
        else:
            flat[prefix + name] = item
    return flat


def effective_settings(
    settings: Settings, *, config_path: Path, flags: Mapping[str, Any]
) -> EffectiveSettings:
    """Every setting in effect, with its origin; rate limits spelled out from the plan."""
    nested = settings.model_dump(mode="json")
    nested["zoom"]["client_secret"] = masked("zoom.client_secret", settings.zoom.client_secret)
    nested["zoom"]["plan"] = settings.zoom.effective_plan
    nested["zoom"]["rate_limits"] = settings.zoom.effective_rate_limits()
    document = sources.read_toml(config_path)
    values = _flatten(nested)
    origins = {key: _origin(key, document, flags) for key in values}
    base_plan = "pro" if settings.zoom.plan == "custom" else settings.zoom.plan
    for category in settings.zoom.effective_rate_limits():
        if origins[f"zoom.rate_limits.{category}"] == "default":
            origins[f"zoom.rate_limits.{category}"] = f"plan {base_plan}"
    return EffectiveSettings(config_path=config_path, nested=nested, values=values, origins=origins)


def _origin(key: str, document: Mapping[str, Any], flags: Mapping[str, Any]) -> str:
    parts = key.split(".")
    if parts[0] in flags:
        return "flag"
    if (name := sources.covering_env_var(parts)) is not None:
        return f"env {name}"
    node: Any = document
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return "default"
        node = node[part]
    return "file"


def feed_user_of(key: str) -> str | None:
    """The user a `feeds.USER` key names; None for other keys and for `feeds.timeout_seconds`."""
    if not key.startswith("feeds."):
        return None
    name = key.removeprefix("feeds.")
    return None if name in sources.RESERVED_FEED_KEYS else name


def check_key(key: str) -> None:
    """Refuse a dotted key the model does not know, suggesting the closest ones."""
    user = feed_user_of(key)
    if user is not None:
        sources.check_user_name(user)
        if "." in user:
            raise ConfigError(
                f"{key!r}: a user name in a dotted key cannot hold '.'",
                hint=f"usked feeds add {user} SOURCE",
            )
        return
    known = setting_keys()
    known_leaves = set(known) | {
        "zoom.rate_limits.light",
        "zoom.rate_limits.medium",
        "zoom.rate_limits.heavy",
    }
    known_leaves.discard("zoom.rate_limits")
    if key not in known_leaves:
        close = difflib.get_close_matches(key, sorted(known_leaves), n=3, cutoff=0.6)
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else "known keys: " + ", ".join(sorted(known_leaves))
        )
        raise ConfigError(f"unknown setting {key!r}", hint=hint)


def _typed_value(settings: Settings, key: str) -> Any:
    """The validated, typed value at `key` (so the TOML gets 15, not "15")."""
    from usked_cli.config.model import FeedSettings

    node: Any = settings
    for part in key.split("."):
        if isinstance(node, FeedSettings):  # users are extra keys; timeout_seconds as written
            node = node.model_dump()[part]
        else:
            node = node[part] if isinstance(node, dict) else getattr(node, part)
    if isinstance(node, SecretStr):
        return node.get_secret_value()
    if isinstance(node, Path):
        return str(node)
    if isinstance(node, BaseModel):
        return node.model_dump()
    return node


@dataclass
class SetResult:
    message: str
    notes: list[str] = field(default_factory=list)


def set_setting(config_path: Path, key: str, value: Any) -> SetResult:
    """Validate and write one setting. A refused value leaves the file untouched (exit 2)."""
    check_key(key)
    warnings: list[str] = []
    is_feed = feed_user_of(key) is not None
    if is_feed:
        from usked_cli.feeds.fetch import check_source

        # the same checks as `feeds add`, and the same warning for a loopback http:// feed
        value = check_source(str(value), warn=warnings.append)

    def change(document: Document) -> None:
        set_key(document, key, value)
        typed = _typed_value(validate_document(document, path=config_path, new_key=key), key)
        set_key(document, key, typed)

    update_config(config_path, change)
    if is_secret_key(key):
        shown = MASK
    elif is_feed:
        from usked_cli.feeds.fetch import describe_source, is_url

        # A feed URL carries its token: the message names its host only.
        written = str(_read_back(config_path, key))
        shown = f"a feed on {describe_source(written)}" if is_url(written) else repr(written)
    else:
        shown = repr(_read_back(config_path, key))
    result = SetResult(f"set {key} = {shown} in {config_path}")
    result.notes.extend(f"warning: {warning}" for warning in warnings)
    env_name = sources.covering_env_var(key.split("."))
    if env_name:
        result.notes.append(f"note: {env_name} is set in the environment and overrides this value")
    backup = backup_path(write_target(config_path))
    if backup.exists():
        result.notes.append(
            f"note: comments are not kept on rewrite; the commented original is in {backup}"
        )
    return result


def unset_setting(config_path: Path, key: str) -> str:
    if feed_user_of(key) is None:
        check_key(key)
    # else any user name: one written by hand (before the name rules) can be removed too
    removed = False

    def change(document: Document) -> None:
        nonlocal removed
        removed = unset_key(document, key)

    update_config(config_path, change)
    return f"unset {key} in {config_path}" if removed else f"{key} was not set in {config_path}"


def _read_back(config_path: Path, key: str) -> Any:
    node: Any = sources.read_toml(config_path)
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node
