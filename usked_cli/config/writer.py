"""The one writer of the config file: validate, write a temporary file, fsync, rename; mode 0600.

Every command that changes settings goes through `update_config`. A refused value raises before
anything is written, so the file stays byte for byte as it was; a crash mid-write leaves either the
old file or the new one, never a truncated one (the rename is atomic on POSIX). A lock file keeps
two concurrent writers from losing each other's change.

Only a regular file is replaced. A directory, a device (`--config /dev/null`: renaming over it as
root would replace the system's null device), a FIFO or a socket is refused (exit 2) before
anything is written. A symlink is kept as a link: the file it points to is the one rewritten (the
temporary file goes in the target's folder, so the rename is atomic there, and the lock and the
`.bak` copy sit beside the target). A dangling symlink gets its target created, as a first write
creates the file, provided the target's folder exists (no folders are made through a link); a
symlink loop is refused.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from usked_cli.config import sources
from usked_cli.errors import ConfigError, OperationalError

Document = dict[str, Any]


def update_config(path: Path, change: Callable[[Document], None]) -> Document:
    """Read the file, apply `change` to a copy of its document, validate, write atomically.

    Returns the document as written. `change` may raise a UskedError to refuse. tomli-w cannot
    keep comments, so a file that had some is first copied to `<name>.bak` (see `write_document`).
    """
    target = write_target(path)
    with _locked(target):
        current = sources.read_toml(path)
        document = copy.deepcopy(current)
        change(document)
        from usked_cli.config.model import validate_document

        validate_document(document, path=path)
        if document != current:
            write_document(target, document)
        return document


def write_target(path: Path) -> Path:
    """The file a write of `path` replaces: `path`, or the file its symlink(s) point to.

    ConfigError (exit 2) when that is not a regular file (see usked_cli.files).
    """
    from usked_cli.files import UnwritableTarget, replacement_target

    try:
        return replacement_target(path)
    except UnwritableTarget as exc:
        raise ConfigError(f"config file {path} {exc.reason}") from None


def write_document(path: Path, document: Document) -> None:
    """Write `document` to `path` (a regular file or none: see `write_target`) atomically."""
    import tomli_w

    from usked_cli.files import write_text_atomic

    text = tomli_w.dumps(_without_none(document))
    if tomllib.loads(text) != _without_none(document):  # tomli-w round trip, belt and braces
        raise OperationalError(f"internal error: config for {path} did not round-trip")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _keep_commented_original(path)
    write_text_atomic(path, text, mode=0o600)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _keep_commented_original(path: Path) -> None:
    """Hand-written comments would be lost on rewrite: keep the original beside it, once."""
    try:
        original = path.read_bytes()
    except OSError:
        return
    has_comment = any(line.lstrip().startswith(b"#") for line in original.splitlines())
    if not has_comment:
        return
    backup = backup_path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(original)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp_name, backup)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be written: {exc.strerror}") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)


def _without_none(value: Any) -> Any:
    # TOML has no null: a None means "unset", so the key is left out.
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def set_key(document: Document, dotted_key: str, value: Any) -> None:
    """Set `a.b.c` in a nested document, creating tables as needed."""
    *parents, leaf = dotted_key.split(".")
    node = document
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"cannot set {dotted_key}: {part} is not a table in the config file")
        node = child
    node[leaf] = value


def unset_key(document: Document, dotted_key: str) -> bool:
    """Remove `a.b.c` (and tables left empty); False when it was not set."""
    *parents, leaf = dotted_key.split(".")
    trail: list[tuple[Document, str]] = []
    node = document
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            return False
        trail.append((node, part))
        node = child
    if leaf not in node:
        return False
    del node[leaf]
    for parent, part in reversed(trail):
        if parent[part]:
            break
        del parent[part]
    return True
