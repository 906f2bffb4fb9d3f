"""Files the tool writes whole (the config file, the --html page): never half of one.

Only a regular file is replaced. A directory, a device (renaming over `/dev/null` as root would
replace the system's null device), a FIFO or a socket is refused before anything is written. A
symlink is kept as a link: the file it points to is the one rewritten (the temporary file goes
in the target's folder, so the rename is atomic there). A dangling symlink gets its target
created, as a first write creates the file, provided the target's folder exists (no folders are
made through a link); a symlink loop is refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from usked_cli.config.sources import file_kind


class UnwritableTarget(Exception):
    """Why `path` is not a file to replace whole; `reason` reads after the path in a message
    ("is a FIFO, not a regular file: it is left as it is")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def replacement_target(path: Path) -> Path:
    """The file a write of `path` replaces: `path`, or the file its symlink(s) point to.

    UnwritableTarget when that is not a regular file (see the module docstring).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise UnwritableTarget(f"cannot be written: {exc.strerror}") from None
    if not stat.S_ISLNK(st.st_mode):
        _require_regular(st.st_mode)
        return path
    try:
        st = os.stat(path)  # follows the link(s)
    except FileNotFoundError:
        target = Path(os.path.realpath(path))
        if not target.parent.is_dir():
            raise UnwritableTarget(
                f"is a symlink to {target}, whose folder does not exist"
            ) from None
        return target
    except OSError as exc:  # a loop (ELOOP), a folder on the way we may not search, ...
        import errno

        why = "a symlink loop" if exc.errno == errno.ELOOP else exc.strerror
        raise UnwritableTarget(f"is a symlink that cannot be followed: {why}") from None
    target = Path(os.path.realpath(path))
    _require_regular(st.st_mode, target=target)
    return target


def _require_regular(mode: int, *, target: Path | None = None) -> None:
    if stat.S_ISREG(mode):
        return
    what = file_kind(mode)
    if target is not None:
        what = f"a symlink to {target}, {what}"
    raise UnwritableTarget(f"is {what}, not a regular file: it is left as it is")


def write_text_atomic(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write `text` to `path` (a regular file or none: what `replacement_target` returns)
    through a temporary file in the same folder, fsync and a rename: the file is the old one or
    the new one, never half of one (Ctrl-C, a full disk, a crash).

    `mode` sets the permissions; without it an existing file keeps its own, and a new one gets
    0666 less the umask, as a shell redirection gives it.
    """
    import contextlib
    import tempfile

    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    # mkstemp creates the file with mode 0600 in the same folder, so the rename stays atomic.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
