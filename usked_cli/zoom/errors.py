"""Typed errors from the Zoom client; each carries one line for the user and an exit code.

Messages never carry the client secret, an access token or a start link: they are built from
Zoom's `{"code", "message"}` body, the method and path, and the id or email that was asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from usked_cli.errors import ConfigError, NotFoundError, OperationalError

# The settings a user fixes when the credentials are wrong or missing (config key, env var).
CREDENTIAL_SETTINGS: tuple[tuple[str, str], ...] = (
    ("zoom.account_id", "USKED_ZOOM__ACCOUNT_ID"),
    ("zoom.client_id", "USKED_ZOOM__CLIENT_ID"),
    ("zoom.client_secret", "USKED_ZOOM__CLIENT_SECRET"),
)


class ZoomError(OperationalError):
    """Zoom refused a call or could not be reached (exit 1 unless a subclass says otherwise).

    `status` is the HTTP status (None when no answer came), `code` Zoom's own error code, and
    `zoom_message` Zoom's text as sent. `fatal` errors stop a bulk job (`ZoomClient.gather`
    re-raises them even when collecting per-item failures): they would fail every other item too.
    """

    fatal: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        zoom_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.zoom_message = zoom_message


class ZoomAuthError(ZoomError):
    """Zoom rejected the app's credentials, or a freshly fetched token (exit 1)."""

    fatal = True


class ZoomScopeError(ZoomError):
    """The app's token lacks a scope the call needs; `scopes` are the ones to add (exit 1)."""

    fatal = True

    def __init__(
        self,
        message: str,
        *,
        scopes: tuple[str, ...],
        status: int | None = None,
        code: int | None = None,
        zoom_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, zoom_message=zoom_message, hint=hint)
        self.scopes = scopes


class ZoomNotFound(ZoomError, NotFoundError):
    """The user or meeting does not exist in the account (exit 3)."""

    exit_code = NotFoundError.exit_code


class ZoomValidationError(ZoomError):
    """Zoom refused a change as invalid (HTTP 400, code 300), e.g. a name over 64 characters."""


class ZoomRateLimited(ZoomError):
    """A daily rate limit is used up: the job stops until `reset_at` (aware, UTC) (exit 1)."""

    fatal = True

    def __init__(
        self,
        message: str,
        *,
        reset_at: datetime,
        category: str,
        status: int | None = 429,
        code: int | None = None,
        zoom_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, zoom_message=zoom_message, hint=hint)
        self.reset_at = reset_at
        self.category = category

    def reset_in(self, tz: tzinfo) -> str:
        """The reset time for a message in the display timezone, e.g. '2026-03-03 18:00 CST'."""
        return self.reset_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


class ZoomUnavailable(ZoomError):
    """Zoom kept answering 5xx (or per-second 429s) after every retry (exit 1)."""


class ZoomConnectionError(ZoomError):
    """The API or OAuth host could not be reached: `host` and `reason` say which and why."""

    fatal = True

    def __init__(self, message: str, *, host: str, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.host = host
        self.reason = reason


class ZoomCredentialsMissing(ConfigError):
    """Account id, client id or client secret is not configured (exit 2)."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        envs = dict(CREDENTIAL_SETTINGS)
        named = ", ".join(f"{name} (env {envs[name]})" for name in missing)
        super().__init__(
            f"Zoom credentials missing: {named}",
            hint=(
                "copy them from the Server-to-Server OAuth app in the Zoom Marketplace "
                f"(App Credentials), e.g. `usked config set {missing[0]}`"
            ),
        )
        self.missing = missing


def credentials_check() -> str:
    """The settings to check when Zoom rejects the credentials, for the message."""
    return "check " + ", ".join(key for key, _ in CREDENTIAL_SETTINGS)


def credentials_hint() -> str:
    """Where those settings live, for the hint."""
    envs = ", ".join(env for _, env in CREDENTIAL_SETTINGS)
    return f"set them in the config file or the environment ({envs}), then run `usked zoom check`"


def utc(dt: datetime) -> str:
    """A UTC time for a message: '2026-03-03 00:00 UTC'."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def no_webinar_plan(error: ZoomError) -> bool:
    """Zoom's answer to webinar calls on an account without a webinar licence: HTTP 400,
    "Webinar plan is missing" (as client libraries meet it; not in Zoom's reference). No
    webinar can exist there: callers read it as none."""
    return error.status == 400 and "webinar plan" in (error.zoom_message or "").lower()
