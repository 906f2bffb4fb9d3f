"""Exceptions that carry an exit code and a hint; the CLI's one error boundary maps them.

Exit codes (documented in the README and in `usked --help`):
  0 success (no results included), 1 operational failure, 2 invalid usage, input or configuration,
  3 the named thing does not exist, 4 refused by the organization's policy, 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # SIGTERM (128 + 15), as shells report it


class UskedError(Exception):
    """An error meant for the user: one line of message, an optional hint, an exit code."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class OperationalError(UskedError):
    """Network, Zoom or file-system trouble, or a bulk job that partly failed (exit 1)."""

    exit_code = EXIT_FAILURE


class InputError(UskedError):
    """Invalid usage or input: a bad value, an unreadable file, a non-calendar feed (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(InputError):
    """The configuration file or environment is broken or incomplete (exit 2)."""


class NotFoundError(UskedError):
    """The named thing (user, request, meeting, run) does not exist (exit 3)."""

    exit_code = EXIT_NOT_FOUND


class PolicyRefusal(UskedError):
    """Refused by the organization's policy, e.g. the host-link window is not open (exit 4)."""

    exit_code = EXIT_REFUSED
