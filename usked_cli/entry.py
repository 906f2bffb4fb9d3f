"""The console script. `usked --version` answers here, before the CLI framework is imported."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
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
        sys.stderr.write(f"error: internal error: {type(exc).__name__}: {exc}\n")
        sys.stderr.write("hint: run again with USKED_DEBUG=1 for the traceback, and report it\n")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
