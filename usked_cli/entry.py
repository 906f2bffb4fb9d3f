"""The console script. `usked --version` answers here, before the CLI framework is imported."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run `usked ARGS`. A reader that goes away (`usked … | head -1`) ends it quietly, exit 0."""
    args = sys.argv[1:] if argv is None else argv
    stdout = sys.stdout
    was_devnull = _stdout_is_devnull()
    code: int | str | None = 0
    try:
        _run(args)
    except SystemExit as done:
        code = done.code
    except OSError as exc:
        if not _closed_pipe(exc):
            raise
        code = 0
    # Libraries meet a closed pipe their own way: Rich points stdout at devnull and exits 1,
    # Click swaps sys.stdout for a wrapper and exits 1. Either way the reader left: exit 0.
    reader_left = sys.stdout is not stdout or (not was_devnull and _stdout_is_devnull())
    try:
        sys.stdout.flush()  # piped output is buffered: a reader that left shows up here
    except OSError as exc:
        if not _closed_pipe(exc):
            raise
        reader_left = True
    if reader_left:
        from usked_cli.render import silence_stdout

        silence_stdout()
        code = 0
    if code:
        sys.exit(code)


def _closed_pipe(error: OSError) -> bool:
    import errno

    return isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE


def _stdout_is_devnull() -> bool:
    import os

    try:
        here, null = os.fstat(sys.__stdout__.fileno()), os.stat(os.devnull)  # type: ignore[union-attr]
    except (OSError, ValueError, AttributeError):
        return False
    return (here.st_dev, here.st_ino) == (null.st_dev, null.st_ino)


def _run(args: list[str]) -> None:
    if args in (["--version"], ["-V"]):
        from usked_cli import __version__

        sys.stdout.write(f"usked {__version__}\n")
        return
    try:
        from usked_cli.cli.app import app

        app(args=args, prog_name="usked")
    except Exception as exc:  # the last resort: the CLI's own boundary handles the rest
        import os

        if os.environ.get("USKED_DEBUG", "") not in ("", "0"):
            raise
        from usked_cli.safe import visible

        sys.stderr.write(f"error: internal error: {type(exc).__name__}: {visible(str(exc))}\n")
        sys.stderr.write("hint: run again with USKED_DEBUG=1 for the traceback, and report it\n")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
