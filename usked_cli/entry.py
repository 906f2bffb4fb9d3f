"""The console script. `usked --version` answers here, before the CLI framework is imported."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from usked_cli import __version__

        sys.stdout.write(f"usked {__version__}\n")
        return
    from usked_cli.cli.app import app

    app(args=args, prog_name="usked")


if __name__ == "__main__":  # pragma: no cover
    main()
