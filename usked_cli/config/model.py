"""The settings model (pydantic-settings): one definition of every setting, its type and range.

Sources, highest first: command-line flags, environment (`USKED_` prefix, `__` nesting), the config
file (TOML), defaults. The file is read by `sources.read_toml` (so a TOML error names the file) and
handed to pydantic-settings as a source; validation errors become one line naming the key, where
the bad value came from, and the problem.
"""

from __future__ import annotations

import contextvars
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from usked_cli.config import sources
from usked_cli.errors import ConfigError
from usked_cli.zoom.ratelimit import PLAN_RATE_LIMITS

PlanName = Literal["free", "pro", "business", "enterprise", "custom"]
GuardMode = Literal["warn", "strict"]


class _Section(BaseModel):
    # A typo in a key fails loudly instead of being ignored.
    model_config = ConfigDict(extra="forbid", validate_default=True)


class OrgSettings(_Section):
    name: str = Field("", description="Organization name, used in generic host names ({org}).")
    padding_minutes: int = Field(
        10, ge=0, le=240, description="Minutes kept between two meetings on one Zoom host user."
    )
    host_link_lead_minutes: int = Field(
        15, ge=0, le=1440, description="Minutes before the start when the host link is handed out."
    )
    join_lead_minutes: int = Field(
        5,
        ge=0,
        le=240,
        description="Minutes before the start when `usked next --wait` opens the invite link.",
    )
    host_name_template: str = Field(
        "{org} Host {letter}",
        description="Generic host-user name: {org}, {letter} (A..Z, AA..) or {n} / {n:02}.",
    )

    @field_validator("host_name_template")
    @classmethod
    def _template(cls, value: str) -> str:
        from usked_cli.rules.names import validate_template

        validate_template(value)
        return value


class RateLimits(_Section):
    """Requests per second by category; a category left out keeps the Pro plan's figure."""

    light: float | None = Field(None, gt=0, le=10_000)
    medium: float | None = Field(None, gt=0, le=10_000)
    heavy: float | None = Field(None, gt=0, le=10_000)


class ZoomSettings(_Section):
    account_id: str = ""
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    api_url: str = "https://api.zoom.us/v2"
    oauth_url: str = "https://zoom.us/oauth/token"
    # NoDecode: the environment gives `a*@x.org,b@x.org`, split below (a JSON array works too).
    host_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Email globs: the pool of Zoom host users."
    )
    max_concurrent_meetings: int = Field(
        1, ge=1, le=2, description="Meetings one host user may run at once (2 on Business and up)."
    )
    plan: PlanName = "pro"
    guard: GuardMode = Field(
        "warn",
        description="When some kinds of live meeting cannot be checked before a host link is "
        "handed out (no Dashboard: Pro plan or scope): warn, or refuse (strict).",
    )
    rate_limits: RateLimits | None = None
    rate_share: float = Field(
        0.8, ge=0.05, le=1.0, description="Part of the account's rate limit this tool may use."
    )

    @field_validator("api_url", "oauth_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            raise ValueError(f"{value!r} is not an http(s) URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http") or not host:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if scheme == "http":
            from usked_cli.feeds.fetch import is_loopback

            # The OAuth request carries the client secret, the API calls a bearer token.
            if not is_loopback(host):
                raise ValueError(
                    f"{value!r} must use https (it carries the client secret or a token); "
                    "http is accepted for a loopback host only (127.0.0.0/8, ::1, localhost)"
                )
        return value.rstrip("/")

    @field_validator("host_users", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # `USKED_ZOOM__HOST_USERS=a*@x.org,b@x.org` reads naturally; JSON arrays still work.
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                import json

                try:
                    return json.loads(value)
                except ValueError:
                    raise ValueError(f"{value!r} is not a JSON array of email globs") from None
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def effective_rate_limits(self) -> dict[str, float]:
        """Requests per second by category: the plan's, overridden by any `rate_limits` given
        (which imply "custom"; a custom plan starts from Pro's figures)."""
        limits = dict(PLAN_RATE_LIMITS["pro" if self.plan == "custom" else self.plan])
        if self.rate_limits is not None:
            given = self.rate_limits.model_dump(exclude_none=True)
            limits.update(given)
        return limits

    @property
    def effective_plan(self) -> PlanName:
        given = self.rate_limits is not None and self.rate_limits.model_dump(exclude_none=True)
        return "custom" if given else self.plan


class FeedSettings(BaseModel):
    """The [feeds] table: `user = "source"` for each followed user, and `timeout_seconds`.

    `timeout_seconds` is reserved (no user may take the name). The users are the extra keys; the
    table reads as a mapping of them alone (`items()`, `keys()`, `feeds[user]`, `user in feeds`,
    `len()`, iteration), so code that walks the feeds never meets the setting.
    """

    # The extra keys are the users. (Typing them as `__pydantic_extra__: dict[str, str]` needs
    # pydantic 2.8; the values are checked below instead, the same on every supported version.)
    model_config = ConfigDict(extra="allow", validate_default=True)

    timeout_seconds: float = Field(
        60,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds allowed to fetch one feed, connection and whole body (0-3600).",
    )

    @field_validator("timeout_seconds", mode="before")
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # TOML `true` is not a number of seconds
            raise ValueError("expected a number of seconds")
        return value

    @field_serializer("timeout_seconds")
    def _whole_seconds(self, value: float) -> int | float:
        # `config set feeds.timeout_seconds 30` writes 30, not 30.0.
        return int(value) if value.is_integer() else value

    @model_validator(mode="after")
    def _user_names(self) -> FeedSettings:
        for name, source in (self.__pydantic_extra__ or {}).items():
            if not name.isprintable() or name != name.strip():
                raise ValueError(f"user name {name!r} has a control character or surrounding space")
            if not isinstance(source, str):
                raise ValueError(f"{name}: Input should be a valid string (a feed URL or path)")
        return self

    @property
    def users(self) -> dict[str, str]:
        """User name -> feed source (URL or .ics path)."""
        return dict(self.__pydantic_extra__ or {})

    def items(self) -> ItemsView[str, str]:
        return self.users.items()

    def keys(self) -> KeysView[str]:
        return self.users.keys()

    def values(self) -> ValuesView[str]:
        return self.users.values()

    def get(self, user: str, default: str | None = None) -> str | None:
        return self.users.get(user, default)

    def __getitem__(self, user: str) -> str:
        return self.users[user]

    def __contains__(self, user: object) -> bool:
        return user in self.users

    def __len__(self) -> int:
        return len(self.users)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.users)


# The parsed config file, handed to the settings source below for one construction.
_FILE_DOCUMENT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("usked_file_doc")
_USE_ENVIRONMENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "usked_use_env", default=True
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=sources.ENV_PREFIX,
        env_nested_delimiter=sources.ENV_NESTED_DELIMITER,
        env_ignore_empty=True,
        extra="forbid",
        validate_default=True,
    )

    timezone: str = Field(
        default_factory=sources.default_timezone_name,
        description="IANA zone for display and for floating times; default the machine's zone.",
    )
    data_dir: Path = Field(
        default_factory=sources.default_data_dir, description="Workspace (SQLite) folder."
    )
    me: str | None = Field(
        None,
        description="The user `today`, `next` and `join` show by default (a feed's user name).",
    )
    org: OrgSettings = Field(default_factory=lambda: OrgSettings())
    zoom: ZoomSettings = Field(default_factory=lambda: ZoomSettings())
    feeds: FeedSettings = Field(
        default_factory=lambda: FeedSettings(),
        description="User name -> iCalendar URL or .ics path; and timeout_seconds.",
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        sources.parse_timezone(value)
        return value

    @field_validator("me")
    @classmethod
    def _me(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from usked_cli.errors import InputError

        try:
            return sources.check_user_name(value)
        except InputError as exc:
            raise ValueError(exc.message) from None

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_settings = InitSettingsSource(settings_cls, _FILE_DOCUMENT.get({}))
        if not _USE_ENVIRONMENT.get():
            return (init_settings, file_settings)
        return (init_settings, env_settings, file_settings)

    @property
    def zone(self) -> ZoneInfo:
        return sources.parse_timezone(self.timezone)

    @property
    def feed_timeout_seconds(self) -> float:
        """`feeds.timeout_seconds`: the deadline for fetching one feed (connect + whole body)."""
        return float(self.feeds.timeout_seconds)


@contextmanager
def _sources(document: dict[str, Any], *, use_environment: bool) -> Iterator[None]:
    doc_token = _FILE_DOCUMENT.set(document)
    env_token = _USE_ENVIRONMENT.set(use_environment)
    try:
        yield
    finally:
        _FILE_DOCUMENT.reset(doc_token)
        _USE_ENVIRONMENT.reset(env_token)


def load_settings(
    config_flag: Path | None = None,
    *,
    timezone_flag: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Every setting, validated: flags > environment > file > defaults."""
    path = sources.resolve_config_path(config_flag)
    document = sources.read_toml(path)
    flags: dict[str, Any] = dict(overrides or {})
    if timezone_flag is not None:
        flags["timezone"] = timezone_flag
    with _sources(document, use_environment=True):
        try:
            return Settings(**flags)
        except SettingsError as exc:
            # pydantic-settings could not decode an environment value (e.g. bad JSON).
            raise ConfigError(f"environment: {exc}", hint="see `usked config show`") from None
        except ValidationError as exc:
            raise ConfigError(
                describe_validation_error(exc, path=path, flags=flags, use_environment=True),
                hint="see config.example.toml for every setting and its range",
            ) from None


def validate_document(
    document: dict[str, Any], *, path: Path, new_key: str | None = None
) -> Settings:
    """Validate a config document alone (no environment, no flags): what the writer checks.

    `new_key`: the setting just given on the command line; a refusal of that value says so
    (the file, not yet written, is unchanged), while any other error is the file's.
    """
    with _sources(document, use_environment=False):
        try:
            return Settings()
        except ValidationError as exc:
            message = describe_validation_error(exc, path=path, flags={}, use_environment=False)
            first = ".".join(str(part) for part in exc.errors()[0]["loc"])
            if new_key is not None and (first == new_key or first.startswith(new_key + ".")):
                message = "refused: " + message.removeprefix(f"config file {path}: ")
                raise ConfigError(message, hint=f"{path} is unchanged") from None
            raise ConfigError(message) from None


def describe_validation_error(
    exc: ValidationError,
    *,
    path: Path,
    flags: Mapping[str, Any],
    use_environment: bool,
) -> str:
    """One line: where the value came from, the dotted key, the problem (and how many more)."""
    errors = exc.errors(include_url=False, include_input=True)
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    key = ".".join(loc) or "(document)"
    problem = _problem(first, loc)
    where = _origin(loc, path=path, flags=flags, use_environment=use_environment)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {key}: {problem}{more}"


def _origin(loc: list[str], *, path: Path, flags: Mapping[str, Any], use_environment: bool) -> str:
    if loc and loc[0] in flags:
        return f"--{loc[0].replace('_', '-')}"
    if use_environment:
        if (name := sources.covering_env_var(loc)) is not None:
            return f"environment variable {name}"
        # An error about a whole table (zoom) may come from variables inside it (USKED_ZOOM__PLAN).
        inside = sources.env_vars_under(loc)
        if inside:
            return f"environment ({', '.join(inside)})"
    return f"config file {path}"


def _problem(error: Any, loc: list[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        section = _section_model(loc[:-1])
        valid = ", ".join(sorted(section.model_fields)) if section else ""
        return f"unknown setting (valid here: {valid})" if valid else "unknown setting"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    shown = error.get("input")
    if kind != "missing" and not isinstance(shown, dict | list) and loc[-1:] != ["client_secret"]:
        if loc[:1] == ["feeds"] and isinstance(shown, str):
            from usked_cli.feeds.fetch import describe_source, is_url

            if is_url(shown):  # a feed URL carries its token: its host only
                return f"{message} (got a URL on {describe_source(shown)})"
        return f"{message} (got {shown!r})"
    return message


def _section_model(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            # `rate_limits: RateLimits | None`
            args = getattr(annotation, "__args__", ())
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if not models:
                return None
            model = models[0]
    return model


def setting_keys() -> list[str]:
    """Every dotted key a config file may hold (feeds.<user> stands for the feeds table)."""
    keys: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            nested = annotation if isinstance(annotation, type) else None
            args = getattr(annotation, "__args__", ())
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    nested = arg
            if nested is not None and issubclass(nested, BaseModel):
                walk(nested, f"{prefix}{name}.")
                if nested is FeedSettings:
                    keys.append("feeds.<user>")
            else:
                keys.append(prefix + name)

    walk(Settings, "")
    return keys
