"""What every command gets from the root: global options, the clock, and lazily built services.

Commands take their dependencies from here (`ctx.obj`), never from module globals, so tests hand in
a frozen clock and a fake Zoom transport through `CliRunner.invoke(app, args, obj=AppContext(...))`.
Everything heavy (pydantic-settings, httpx, the Zoom client) is built on first use only.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from usked_cli.config.sources import Basics, load_basics
from usked_cli.render import Output

if TYPE_CHECKING:
    from usked_cli.config.inspect import EffectiveSettings
    from usked_cli.config.model import Settings
    from usked_cli.store import Workspace
    from usked_cli.zoom.client import ZoomClient

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    config_flag: Path | None = None
    timezone_flag: str | None = None
    verbose: bool = False
    no_color: bool = False
    # The clock: commands never call datetime.now() themselves.
    now: Callable[[], datetime] = utc_now
    # Tests: an httpx transport standing in for Zoom's and the feeds' hosts.
    zoom_transport: Any = None
    feed_transport: Any = None
    # Tests: a virtual-time event loop runner and its clock (never sleep for real in tests).
    run_async: Callable[[Coroutine[Any, Any, Any]], Any] | None = None
    monotonic: Callable[[], float] | None = None
    sleep: Callable[[float], Any] | None = None
    _basics: Basics | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)
    _output: Output | None = field(default=None, repr=False)
    _workspace: Workspace | None = field(default=None, repr=False)

    @property
    def out(self) -> Output:
        if self._output is None:
            self._output = Output(no_color=self.no_color, verbose=self.verbose)
        return self._output

    def basics(self) -> Basics:
        """Config path, display timezone and data dir, without loading pydantic (listing path)."""
        if self._basics is None:
            self._basics = load_basics(self.config_flag, self.timezone_flag)
        return self._basics

    def settings(self) -> Settings:
        """Every setting, validated (flags > environment > file > defaults)."""
        if self._settings is None:
            from usked_cli.config.model import load_settings

            self._settings = load_settings(self.config_flag, timezone_flag=self.timezone_flag)
        return self._settings

    def effective_settings(self) -> EffectiveSettings:
        """Every setting in effect with where it comes from (`config show`, `admin settings`)."""
        from usked_cli.config.inspect import effective_settings

        flags = {"timezone": self.timezone_flag} if self.timezone_flag is not None else {}
        return effective_settings(self.settings(), config_path=self.config_path(), flags=flags)

    def config_path(self) -> Path:
        from usked_cli.config.sources import resolve_config_path

        return resolve_config_path(self.config_flag)

    def workspace(self) -> Workspace:
        if self._workspace is None:
            from usked_cli.store import Workspace

            self._workspace = Workspace.open(self.basics().data_dir)
        return self._workspace

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine to completion (the Zoom client is async)."""
        if self.run_async is not None:
            result: T = self.run_async(main)
            return result
        import asyncio

        return asyncio.run(main)

    def zoom_client(self, *, quiet_retries: bool = False) -> ZoomClient:
        """A Zoom client from the settings; use it inside `async with` in a coroutine."""
        from usked_cli.zoom.client import ZoomClient

        zoom = self.settings().zoom
        options: dict[str, Any] = {}
        if self.monotonic is not None:
            options["monotonic"] = self.monotonic
        if self.sleep is not None:
            options["sleep"] = self.sleep
        return ZoomClient(
            account_id=zoom.account_id,
            client_id=zoom.client_id,
            client_secret=zoom.client_secret.get_secret_value(),
            api_url=zoom.api_url,
            oauth_url=zoom.oauth_url,
            rate_limits=zoom.effective_rate_limits(),
            rate_share=zoom.rate_share,
            transport=self.zoom_transport,
            on_retry=None if quiet_retries else self.out.note,
            log=self.out.debug if self.verbose else None,
            now=self.now,
            display_tz=self.basics().timezone,
            **options,
        )

    def pool_globs(self, match: list[str] | None, *, pool: bool) -> list[str] | None:
        """--match globs, else the configured pool when asked for; None means every user."""
        from usked_cli.errors import ConfigError

        if match:
            return match
        if not pool:
            return None
        host_users = self.settings().zoom.host_users
        if not host_users:
            raise ConfigError(
                "no pool of host users: zoom.host_users is empty",
                hint="usked admin settings set host-users 'host-*@acme.org'  (or --match GLOB)",
            )
        return host_users

    def forget_settings(self) -> None:
        """After a config write, the next read sees the new file."""
        self._basics = None
        self._settings = None

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None


def app_context(ctx: typer.Context) -> AppContext:
    """The AppContext of the root command (created by the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj
