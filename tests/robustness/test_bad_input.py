"""A tour of bad input: every command fed wrong types, missing, unreadable, empty, binary and huge
files, bad dates, unknown keys, unknown users, requests and runs, and a broken config file.

For each: exactly the documented exit code, one clear line (`error: …`, perhaps a `hint: …`; or
Click's usage box for an option of the wrong type, exit 2), no traceback, nothing on stdout (or the
`[]` the contract promises), and nothing changed: the config file and the workspace database keep
their bytes and mtimes, no backup or temporary file is left, and Zoom gets no request (or only
reads, where looking is how the command finds out).
"""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.cli.helpers import run
from tests.cli.zoomkit import ZoomKit
from tests.fakes.zoom import FakeZoom, VirtualClock
from tests.robustness.conftest import SECRET, add_hosts

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "examples" / "sample-feed.ics"
FIXTURES = REPO / "tests" / "fixtures" / "feeds"
# Monday 2 March 2026, 08:50 in Chicago: request 104233 (Mon/Wed/Fri 09:00, Zoom) starts in 10
# minutes, so its host-link window (15 minutes' lead) is open.
NOW = datetime(2026, 3, 2, 14, 50, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # no occurrence of 104233 today
EIO_FILE = Path("/proc/self/mem")  # a regular file that even root cannot read (EIO)
BOX = "│╭╮╰╯─"


# --- the world every case starts from ---------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """Files to feed the commands, made once per module."""

    paths: dict[str, Path]
    huge_events: int

    def format(self, arg: str) -> str:
        return arg.format(**{name: str(path) for name, path in self.paths.items()})


def _event(i: int) -> str:
    day = 1 + i % 28
    hour = 8 + i % 10
    notes = "\\n".join(f"Line {n} of the notes for request {300000 + i}." for n in range(16))
    lines = [
        "BEGIN:VEVENT",
        f"UID:usked-request-{300000 + i}@acme.usked.com",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART:202604{day:02}T{hour:02}0000Z",
        f"DTEND:202604{day:02}T{hour + 1:02}0000Z",
        f"SUMMARY:Request #{300000 + i} - Interpreting",
        f"LOCATION:https://us02web.zoom.us/j/8{i:010d}?pwd=abc{i}",
        f"DESCRIPTION:Request ID: {300000 + i}\\n{notes}",
        "END:VEVENT",
    ]
    # Fold long lines at 75 octets, as RFC 5545 asks.
    folded = []
    for line in lines:
        while len(line) > 75:
            folded.append(line[:75])
            line = " " + line[75:]
        folded.append(line)
    return "\r\n".join(folded) + "\r\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    folder = tmp_path_factory.mktemp("inputs")
    rng = random.Random(8)
    paths: dict[str, Path] = {
        "missing": folder / "nope.ics",
        "missing_csv": folder / "nope.csv",
        "dir": folder / "a-folder",
        "maria": folder / "maria.ics",
        "empty": folder / "empty.ics",
        "binary": folder / "binary.ics",
        "garbage_bytes": folder / "garbage.bin",
        "garbage_text": folder / "garbage.txt",
        "html": FIXTURES / "expired_link_login_page.ics",
        "truncated": FIXTURES / "truncated.ics",
        "no_events": FIXTURES / "no_events.ics",
        "oversized": folder / "oversized.ics",
        "huge": folder / "huge.ics",
        "long_name": folder / ("x" * 300 + ".ics"),
        "unreadable": folder / "unreadable.ics",
        "eio": EIO_FILE,
        "csv_no_header": folder / "no-header.csv",
        "csv_unknown": folder / "unknown-users.csv",
    }
    paths["dir"].mkdir()
    shutil.copy(SAMPLE, paths["maria"])
    paths["empty"].write_bytes(b"")
    paths["binary"].write_bytes(b"\x00\x01PK\x03\x04" + rng.randbytes(4096))
    paths["garbage_bytes"].write_bytes(rng.randbytes(4 * 2**20))
    paths["garbage_text"].write_text(("lorem ipsum dolor sit amet, " * 36 + "\n") * 4000)
    with paths["oversized"].open("wb") as handle:  # sparse: 65 MiB on paper, nothing on disk
        handle.truncate(65 * 2**20)
    huge_events = 2500
    paths["huge"].write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//robustness//EN\r\n"
        + "".join(_event(i) for i in range(huge_events))
        + "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    shutil.copy(SAMPLE, paths["unreadable"])
    paths["unreadable"].chmod(0)
    paths["csv_no_header"].write_text("host-001@acme.org,Front Desk\n")
    paths["csv_unknown"].write_text("email,name\nnobody@acme.org,Front Desk\n")
    assert paths["huge"].stat().st_size > 2 * 2**20
    return Inputs(paths, huge_events)


def unreadable_for_us(path: Path) -> bool:
    try:
        path.read_bytes()
    except OSError:
        return True
    return False


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, inputs: Inputs) -> Path:
    """A config file (org name, maria's feed) and a workspace synced at NOW, made once."""
    home = tmp_path_factory.mktemp("template")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("USKED_"):
                patch.delenv(name)
        patch.setenv("HOME", str(home))
        patch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
        patch.setenv("USKED_CONFIG", str(home / "config.toml"))
        patch.setenv("USKED_DATA_DIR", str(home / "data"))
        patch.setenv("TZ", "America/Chicago")
        for args in (
            ["config", "set", "org.name", "Acme Corp"],
            ["feeds", "add", "maria", str(inputs.paths["maria"])],
            ["sync"],
        ):
            result = run(args, now=NOW)
            assert result.exit_code == 0, result.stderr
    return home


@dataclass
class World:
    config: Path
    data: Path
    kit: ZoomKit
    inputs: Inputs

    def run(self, args: list[str], *, now: datetime = NOW) -> Result:
        return self.kit.run([self.inputs.format(a) for a in args], now=now)

    def snapshot(self) -> dict[str, Any]:
        """What must not change: the config file, its siblings, the workspace files."""
        state: dict[str, Any] = {"config": _file_state(self.config)}
        state["config_siblings"] = sorted(
            p.name
            for p in self.config.parent.iterdir()
            if p.name.startswith((self.config.name, f".{self.config.name}."))
            and not p.name.endswith(".lock")
        )
        state["data"] = {
            p.name: _file_state(p)
            for p in sorted(self.data.iterdir())
            if not p.name.endswith("-shm")
        }
        return state

    def assignments(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data / "workspace.sqlite3") as db:
            return db.execute(
                "SELECT * FROM assignment ORDER BY user, uid, recurrence_id"
            ).fetchall()


def _file_state(path: Path) -> Any:
    if path.is_dir():
        return ("dir", sorted(p.name for p in path.iterdir()))
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    try:
        content: bytes | str = path.read_bytes()
    except OSError as exc:
        content = f"unreadable: {exc.strerror}"
    return (content, st.st_mtime_ns, st.st_mode)


@pytest.fixture
def world(
    isolation: Path, template: Path, inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> World:
    config = isolation / "config.toml"
    data = isolation / "data"
    shutil.copy2(template / "config.toml", config)
    shutil.copytree(template / "data", data)
    clock = VirtualClock()
    fake = FakeZoom(clock=clock.monotonic, now=clock.now, client_secret=SECRET)
    add_hosts(fake, 3)
    for name, value in fake.credentials().items():
        monkeypatch.setenv(f"USKED_ZOOM__{name.upper()}", str(value))
    monkeypatch.setenv("USKED_ZOOM__HOST_USERS", "host-*@acme.org")
    return World(config, data, ZoomKit(fake=fake, clock=clock, now=NOW), inputs)


# --- what every refusal looks like ---------------------------------------------------------------


def unbox(text: str) -> str:
    """Click's error box as one line of words."""
    return " ".join("".join(" " if c in BOX else c for c in text).split())


def assert_refused(
    result: Result, code: int, message: str, *, usage: bool = False, preamble: int = 0
) -> None:
    assert result.exit_code == code, f"exit {result.exit_code}: {result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit)
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything
    assert "internal error" not in everything
    lines = result.stderr.splitlines()[preamble:]
    assert lines, "nothing on stderr"
    # A parameter Click rejects (`usage`) reads like every other refusal: one `error:` line,
    # and a hint pointing at the command's --help.
    assert lines[0].startswith("error: "), lines[0]
    assert message in lines[0]
    assert [line for line in lines[1:] if not line.startswith("hint: ")] == []
    if usage:
        assert lines[1].endswith("--help")


# --- the tour ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    code: int
    message: str
    usage: bool = False  # Click's usage error (option of the wrong type, missing option)
    env: Mapping[str, str | None] = field(default_factory=dict)  # None: unset
    now: datetime = NOW
    zoom_reads: bool = False  # the command may look at Zoom (never change it) before refusing
    stdout: str = ""
    needs: str | None = None  # "unreadable" (skipped where chmod 000 does not stop us), "eio"
    preamble: int = 0  # notes allowed before the error line (the rename plan's summary)


def case(
    case_id: str, command: str, message: str, *, code: int = 2, marks: Any = (), **options: Any
) -> Any:
    """One row of the tour: `usked COMMAND` (shell words; {name} stands for an input file)."""
    return pytest.param(
        Case(tuple(shlex.split(command)), code, message, **options), id=case_id, marks=marks
    )


NO_POOL: Mapping[str, str | None] = {"USKED_ZOOM__HOST_USERS": None}

CASES = [
    # config
    case("config-set-unknown-key", "config set nope.key 1", "unknown setting 'nope.key'"),
    case("config-set-section-as-key", "config set org 1", "unknown setting 'org'"),
    case(
        "config-set-wrong-type",
        "config set org.padding_minutes ten",
        "org.padding_minutes: Input should be a valid integer",
    ),
    case(
        "config-set-out-of-range",
        "config set org.padding_minutes 9999",
        "less than or equal to 240",
    ),
    case(
        "config-set-unknown-zone",
        "config set timezone Mars/Olympus_Mons",
        "is not an IANA time zone name",
    ),
    case(
        "config-set-bad-url", "config set zoom.api_url ftp://api.zoom.us", "is not an http(s) URL"
    ),
    case("config-set-rate-share-above-1", "config set zoom.rate_share 2", "zoom.rate_share"),
    case("config-set-no-value", "config set org.name", "a VALUE is required"),
    case(
        "config-set-secret-from-empty-stdin",
        "config set zoom.client_secret",
        "no value on standard input",
    ),
    case("config-unset-unknown-key", "config unset nope.key", "unknown setting 'nope.key'"),
    case(
        "config-show-bad-timezone-flag",
        "--timezone Mars/Olympus_Mons config show",
        "'Mars/Olympus_Mons' is not an IANA time zone name",
    ),
    case(
        "config-show-bad-environment",
        "config show",
        "environment variable USKED_ORG__PADDING_MINUTES: org.padding_minutes",
        env={"USKED_ORG__PADDING_MINUTES": "ten"},
    ),
    # feeds
    case("feeds-add-missing-file", "feeds add joe '{missing}'", "no such file"),
    case("feeds-add-directory", "feeds add joe '{dir}'", "not a file"),
    case(
        "feeds-add-http-url", "feeds add joe http://acme.usked.example/ical/7f3a", "must use https"
    ),
    case(
        "feeds-add-url-without-host",
        "feeds add joe https:///ical/7f3a",
        "the feed URL is not valid (it names no host)",
    ),
    case("feeds-add-bad-user-name", "feeds add 'bad user' '{maria}'", "is not a usable user name"),
    case("feeds-add-existing-user", "feeds add maria '{no_events}'", "maria already has a feed"),
    case(
        "feeds-add-name-too-long",
        "feeds add joe '{long_name}'",
        "File name too long",
    ),
    case("feeds-remove-unknown-user", "feeds remove nobody", "no feed for 'nobody'", code=3),
    # sync
    case("sync-unknown-user", "sync nobody", "no feed for nobody", code=3),
    # assignments list
    case(
        "list-from-feb-30", "assignments list --from 2026-02-30", "'2026-02-30' is not a valid date"
    ),
    case(
        "list-to-before-from", "assignments list --from today --to yesterday", "is not after --from"
    ),
    case(
        "list-to-date-before-from-date",
        "assignments list --from 2026-03-10 --to 2026-03-09",
        "is not after --from",
    ),
    case(
        "list-from-words",
        "assignments list --from nonsense",
        "--from 'nonsense': cannot read 'nonsense' as a time",
    ),
    case("list-to-25h", "assignments list --to 25:00", "--to '25:00': '25:00' has no 25:00"),
    case(
        "list-from-bad-offset",
        "assignments list --from 2026-03-01T09:30+25:00",
        "invalid UTC offset",
    ),
    case(
        "list-to-year-9999",
        "assignments list --to 9999-12-31",
        "--to '9999-12-31'",
    ),
    case(
        "list-from-year-9999",
        "assignments list --from 9999-12-31",
        "--from '9999-12-31'",
    ),
    case(
        "list-unknown-user", "assignments list --user nobody", "no synced feed for nobody", code=3
    ),
    case(
        "list-user-without-value",
        "assignments list --user",
        "Option '--user' requires an argument",
        usage=True,
    ),
    case("list-json-and-csv", "assignments list --json --csv", "alternatives"),
    case(
        "list-ics-and-user",
        "assignments list --ics '{maria}' --user maria",
        "--user and --ics are alternatives",
    ),
    case("list-ics-missing", "assignments list --ics '{missing}'", "no such file"),
    case("list-ics-directory", "assignments list --ics '{dir}'", "is not a file"),
    case("list-ics-empty", "assignments list --ics '{empty}'", "is empty (0 bytes)"),
    case("list-ics-binary", "assignments list --ics '{binary}'", "it looks like binary data"),
    case(
        "list-ics-4mb-of-random-bytes",
        "assignments list --ics '{garbage_bytes}'",
        "it looks like binary data",
    ),
    case(
        "list-ics-4mb-of-text",
        "assignments list --ics '{garbage_text}'",
        "does not start with BEGIN:VCALENDAR",
    ),
    case(
        "list-ics-html-login-page", "assignments list --ics '{html}'", "it looks like an HTML page"
    ),
    case("list-ics-truncated", "assignments list --ics '{truncated}'", "ends before END:VCALENDAR"),
    case("list-ics-65mib", "assignments list --ics '{oversized}'", "more than a feed can be"),
    case("list-ics-name-too-long", "assignments list --ics '{long_name}'", "File name too long"),
    case(
        "list-ics-unreadable",
        "assignments list --ics '{unreadable}'",
        "permission denied",
        needs="unreadable",
    ),
    case("list-ics-eio", "assignments list --ics '{eio}'", "Input/output error", needs="eio"),
    case(
        "list-ics-no-events-is-empty-json",
        "assignments list --ics '{no_events}' --json",
        "",
        code=0,
        stdout="[]\n",
    ),
    # assignments show, invite, host-link
    case(
        "show-unknown-request",
        "assignments show 999999",
        "no assignment with request id 999999",
        code=3,
    ),
    case("show-empty-request-id", "assignments show '#'", "no assignment with request id", code=3),
    case("invite-unknown-request", "invite 999999", "no assignment with request id 999999", code=3),
    case(
        "invite-not-a-zoom-meeting", "invite 104240", "request 104240 is not a Zoom meeting", code=3
    ),
    case(
        "host-link-unknown-request",
        "host-link 999999",
        "no assignment with request id 999999",
        code=3,
    ),
    case(
        "host-link-not-a-zoom-meeting",
        "host-link 104240",
        "request 104240 is not a Zoom meeting",
        code=3,
    ),
    case(
        "host-link-open-and-json",
        "host-link 104233 --open --json",
        "--open and --json are alternatives",
    ),
    case("host-link-window-not-open", "host-link 104233", "", code=4, now=TUESDAY),
    case(
        "host-link-meeting-unknown-to-zoom",
        "host-link 104233",
        "Zoom meeting not found: 85512345678",
        code=3,
        zoom_reads=True,
    ),
    # zoom check
    case(
        "zoom-check-missing-secret",
        "zoom check",
        "Zoom credentials missing: zoom.client_secret",
        env={"USKED_ZOOM__CLIENT_SECRET": None},
    ),
    case(
        "zoom-check-bad-api-url",
        "zoom check",
        "environment variable USKED_ZOOM__API_URL: zoom.api_url",
        env={"USKED_ZOOM__API_URL": "not-a-url"},
    ),
    case(
        "zoom-check-rate-share-0",
        "zoom check",
        "USKED_ZOOM__RATE_SHARE: zoom.rate_share",
        env={"USKED_ZOOM__RATE_SHARE": "0"},
    ),
    case(
        "zoom-check-unknown-plan",
        "zoom check",
        "USKED_ZOOM__PLAN: zoom.plan",
        env={"USKED_ZOOM__PLAN": "platinum"},
    ),
    case(
        "zoom-check-rate-limit-0",
        "zoom check",
        "USKED_ZOOM__RATE_LIMITS__LIGHT",
        env={"USKED_ZOOM__RATE_LIMITS__LIGHT": "0"},
    ),
    # admin settings
    case("settings-set-unknown-key", "admin settings set nope 1", "unknown setting 'nope'"),
    case(
        "settings-set-wrong-type",
        "admin settings set padding-minutes ten",
        "Input should be a valid integer",
    ),
    case(
        "settings-set-negative",
        "admin settings set padding-minutes -5",
        "greater than or equal to 0",
    ),
    case(
        "settings-set-lead-too-long",
        "admin settings set host-link-lead-minutes 100000",
        "less than or equal to 1440",
    ),
    case(
        "settings-set-template-without-label",
        "admin settings set host-name-template Host",
        "must contain {letter} or {n}",
    ),
    case(
        "settings-set-unknown-zone",
        "admin settings set timezone Nowhere/Town",
        "is not an IANA time zone name",
    ),
    case(
        "settings-set-host-users-bad-json",
        "admin settings set host-users '[oops'",
        "is not a JSON array of email globs",
    ),
    case(
        "settings-set-max-concurrent-3",
        "admin settings set max-concurrent-meetings 3",
        "less than or equal to 2",
    ),
    case(
        "settings-show-bad-environment",
        "admin settings show",
        "USKED_ORG__HOST_LINK_LEAD_MINUTES",
        env={"USKED_ORG__HOST_LINK_LEAD_MINUTES": "-1"},
    ),
    # admin conflicts
    case(
        "conflicts-days-ten", "admin conflicts --days ten", "Invalid value for '--days'", usage=True
    ),
    # Typer words a range error its own way (0.26: "0 is not in the range 1<=x<=90"; 0.29:
    # "Input should be greater than or equal to 1"): the option and the refusal are what count.
    case("conflicts-days-0", "admin conflicts --days 0", "Invalid value for '--days'", usage=True),
    case(
        "conflicts-days-91", "admin conflicts --days 91", "Invalid value for '--days'", usage=True
    ),
    case("conflicts-no-pool", "admin conflicts", "no pool of host users", env=NO_POOL),
    case(
        "conflicts-missing-credentials",
        "admin conflicts",
        "Zoom credentials missing",
        env={"USKED_ZOOM__ACCOUNT_ID": None},
    ),
    # admin zoom-users list
    case("users-list-json-and-csv", "admin zoom-users list --json --csv", "alternatives"),
    case(
        "users-list-pool-without-pool",
        "admin zoom-users list --pool",
        "no pool of host users",
        env=NO_POOL,
    ),
    case(
        "users-list-missing-client-id",
        "admin zoom-users list",
        "Zoom credentials missing: zoom.client_id",
        env={"USKED_ZOOM__CLIENT_ID": None},
    ),
    case(
        "users-list-unknown-users-is-empty-json",
        "admin zoom-users list --match 'nobody-*@acme.org' --json",
        "",
        code=0,
        zoom_reads=True,
        stdout="[]\n",
    ),
    # admin zoom-users free
    case("free-at-25h", "admin zoom-users free --at 25:00 --duration 60", "--at '25:00'"),
    case(
        "free-at-feb-30",
        "admin zoom-users free --at 2026-02-30T09:00 --duration 60",
        "is not a valid date",
    ),
    case(
        "free-duration-abc",
        "admin zoom-users free --at +1h --duration abc",
        "--duration 'abc': cannot read 'abc' as a duration",
    ),
    case(
        "free-duration-0",
        "admin zoom-users free --at +1h --duration 0",
        "the duration must be positive",
    ),
    case("free-duration-nan", "admin zoom-users free --at +1h --duration nan", "--duration 'nan'"),
    case(
        "free-without-at",
        "admin zoom-users free --duration 60",
        "Missing option '--at'",
        usage=True,
    ),
    case(
        "free-no-pool",
        "admin zoom-users free --at +1h --duration 60",
        "no pool of host users",
        env=NO_POOL,
    ),
    case(
        "free-at-end-of-year-9999",
        "admin zoom-users free --at 9999-12-31T23:00 --duration 120",
        "--at",
    ),
    case(
        "free-at-year-1",
        "admin zoom-users free --at 0001-01-01T00:00 --duration 60",
        "--at",
    ),
    case(
        "free-unknown-users-is-empty-json",
        "admin zoom-users free --match 'nobody-*@acme.org' --at +1h --duration 60 --json",
        "",
        code=0,
        zoom_reads=True,
        stdout="[]\n",
    ),
    # admin zoom-users rename
    case(
        "rename-concurrency-0",
        "admin zoom-users rename --concurrency 0",
        "Invalid value for '--concurrency'",
        usage=True,
    ),
    case(
        "rename-concurrency-word",
        "admin zoom-users rename --concurrency many",
        "Invalid value for '--concurrency'",
        usage=True,
    ),
    case(
        "rename-csv-missing",
        "admin zoom-users rename --from-csv '{missing_csv}' --yes",
        "no such file",
    ),
    case(
        "rename-csv-directory", "admin zoom-users rename --from-csv '{dir}' --yes", "Is a directory"
    ),
    case(
        "rename-csv-empty",
        "admin zoom-users rename --from-csv '{empty}' --yes",
        "needs a header row with the columns email and name",
    ),
    case(
        "rename-csv-binary", "admin zoom-users rename --from-csv '{binary}' --yes", "not UTF-8 text"
    ),
    case(
        "rename-csv-4mb-of-random-bytes",
        "admin zoom-users rename --from-csv '{garbage_bytes}' --yes",
        "not UTF-8 text",
    ),
    case(
        "rename-csv-is-a-calendar",
        "admin zoom-users rename --from-csv '{maria}' --yes",
        "needs a header row",
    ),
    case(
        "rename-csv-without-header",
        "admin zoom-users rename --from-csv '{csv_no_header}' --yes",
        "needs a header row",
    ),
    case(
        "rename-csv-unreadable",
        "admin zoom-users rename --from-csv '{unreadable}' --yes",
        "is not readable",
        usage=True,
        needs="unreadable",
    ),
    case(
        "rename-csv-eio",
        "admin zoom-users rename --from-csv '{eio}' --yes",
        "Input/output error",
        needs="eio",
    ),
    case(
        "rename-csv-unknown-users",
        "admin zoom-users rename --from-csv '{csv_unknown}' --yes",
        "nothing selects anyone",
        zoom_reads=True,
    ),
    case(
        "rename-match-unknown-users",
        "admin zoom-users rename --match 'nobody-*@acme.org' --yes",
        "no active Zoom user matches nobody-*@acme.org",
        zoom_reads=True,
    ),
    case(
        "rename-match-and-csv",
        "admin zoom-users rename --match 'x*' --from-csv '{csv_unknown}'",
        "alternatives",
    ),
    case("rename-csv-without-dry-run", "admin zoom-users rename --csv", "use it with --dry-run"),
    case(
        "rename-template-without-label",
        "admin zoom-users rename --template Host --yes",
        "--template 'Host'",
    ),
    case(
        "rename-no-selection",
        "admin zoom-users rename --yes",
        "nothing selects anyone",
        env=NO_POOL,
    ),
    case(
        "rename-without-yes-off-a-terminal",
        "admin zoom-users rename",
        "--yes required",
    ),
    # admin zoom-users undo, history, audit
    case(
        "undo-unknown-run",
        "admin zoom-users undo 20260101T000000-dead",
        "no rename run 20260101T000000-dead",
        code=3,
    ),
    case("undo-without-runs", "admin zoom-users undo", "no rename run to undo", code=3),
    case(
        "undo-concurrency-0",
        "admin zoom-users undo --concurrency 0",
        "Invalid value for '--concurrency'",
        usage=True,
    ),
    case(
        "history-without-runs-is-empty-json",
        "admin zoom-users history --json",
        "",
        code=0,
        stdout="[]\n",
    ),
    case(
        "audit-template-without-label",
        "admin zoom-users audit --template Host",
        "--template 'Host'",
    ),
    case("audit-no-pool", "admin zoom-users audit", "no pool of host users", env=NO_POOL),
    case("audit-json-and-csv", "admin zoom-users audit --json --csv", "alternatives"),
    # the root
    case("unknown-command", "assignments frobnicate", "No such command 'frobnicate'", usage=True),
    case(
        "unknown-option",
        "assignments list --frobnicate",
        "No such option: --frobnicate",
        usage=True,
    ),
]


def _apply(case: Case, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.needs == "unreadable" and not unreadable_for_us(world.inputs.paths["unreadable"]):
        pytest.skip("chmod 000 does not stop this user's reads (root): nothing to test")
    if case.needs == "eio" and not unreadable_for_us(EIO_FILE):
        pytest.skip(f"{EIO_FILE} is readable here")
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_with_one_line_and_changes_nothing(
    case: Case, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _apply(case, world, monkeypatch)
    before = world.snapshot()
    result = world.run(list(case.args), now=case.now)
    if case.code == 0:
        assert result.exit_code == 0, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert not any(line.startswith("error:") for line in result.stderr.splitlines())
    else:
        assert_refused(result, case.code, case.message, usage=case.usage, preamble=case.preamble)
    assert result.stdout == case.stdout
    assert world.snapshot() == before
    fake = world.kit.fake
    assert fake.patches == []
    if not case.zoom_reads:
        assert fake.requests == []


# --- a broken config file, for every command ----------------------------------------------------

COMMANDS = [
    ["config", "show"],
    ["config", "set", "org.padding_minutes", "15"],
    ["config", "unset", "org.name"],
    ["feeds", "add", "joe", "{maria}"],
    ["feeds", "list"],
    ["feeds", "remove", "maria"],
    ["sync"],
    ["assignments", "list"],
    ["assignments", "list", "--ics", "{maria}"],
    ["assignments", "show", "104233"],
    ["invite", "104233"],
    ["host-link", "104233"],
    ["zoom", "check"],
    ["admin", "settings", "show"],
    ["admin", "settings", "set", "padding-minutes", "15"],
    ["admin", "conflicts"],
    ["admin", "zoom-users", "list"],
    ["admin", "zoom-users", "free", "--at", "+1h", "--duration", "60"],
    ["admin", "zoom-users", "rename", "--yes"],
    ["admin", "zoom-users", "undo", "--yes"],
    ["admin", "zoom-users", "history"],
    ["admin", "zoom-users", "audit"],
]


def _write(text: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(text)

    return write


def _edit(old: str, new: str) -> Callable[[Path], None]:
    """Break one thing and keep the rest (org name, maria's feed) as it was."""

    def edit(path: Path) -> None:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    return edit


def _make_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _make_unreadable(path: Path) -> None:
    path.chmod(0)
    if not unreadable_for_us(path):
        pytest.skip("chmod 000 does not stop this user's reads (root): nothing to test")


BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "invalid-toml": (_edit("[org]\n", "[org]\nname = [broken\n"), "invalid TOML"),
    "unknown-key": (_edit("[org]\n", '[org]\nnmae = "Acme"\n'), "org.nmae: unknown setting"),
    "wrong-type": (
        _edit("[org]\n", '[org]\nhost_link_lead_minutes = "ten"\n'),
        "org.host_link_lead_minutes",
    ),
    "binary": (_write(b"\x00\xff\xfe" + random.Random(3).randbytes(2048)), "not UTF-8 text"),
    "directory": (_make_directory, "is a directory"),
    "unreadable": (_make_unreadable, "cannot be read"),
}


@pytest.fixture(params=list(BREAKAGES))
def broken_config(request: pytest.FixtureRequest, world: World) -> Iterator[str]:
    breakage, message = BREAKAGES[request.param]
    breakage(world.config)
    yield message
    if world.config.exists() and not world.config.is_dir():
        world.config.chmod(0o600)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_broken_config_file_is_refused_by_every_command(
    command: list[str], broken_config: str, world: World
) -> None:
    before = world.snapshot()
    result = world.run(command)
    assert_refused(result, 2, f"config file {world.config}")
    assert broken_config in result.stderr.splitlines()[0]
    assert result.stdout == ""
    assert world.snapshot() == before
    assert world.kit.fake.requests == []


def test_config_path_still_answers_with_a_broken_config_file(world: World) -> None:
    """The way to find the file to fix must work while it is broken."""
    world.config.write_bytes(b"org = [broken\n")
    result = world.run(["config", "path"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{world.config}\n"


def test_a_config_file_that_cannot_be_read_at_all_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not unreadable_for_us(EIO_FILE):
        pytest.skip(f"{EIO_FILE} is readable here")
    monkeypatch.setenv("USKED_CONFIG", str(EIO_FILE))
    before = world.snapshot()
    result = world.run(["assignments", "list"])
    assert_refused(result, 2, f"config file {EIO_FILE} cannot be read: Input/output error")
    assert world.snapshot() == before


def test_one_rate_limit_from_the_environment_is_taken_or_refused_by_its_name(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__RATE_LIMITS__LIGHT", "50")
    result = world.run(["config", "show", "--json"])
    assert result.exit_code == 0, result.stderr
    limits = json.loads(result.stdout)["zoom"]["rate_limits"]
    assert limits == {"light": 50, "medium": 20, "heavy": 10}  # the others: the plan's


# --- feeds that cannot be synced ---------------------------------------------------------------

BROKEN_FEEDS: dict[str, tuple[str, str, int]] = {
    # name: (input that replaces maria's feed, what the error line says, exit code): 2 when the
    # feed is not a calendar at all (contracts.md), 1 when it could not be fetched.
    "empty": ("empty", "is empty (0 bytes)", 2),
    "binary": ("binary", "it looks like binary data", 2),
    "4mb-of-random-bytes": ("garbage_bytes", "it looks like binary data", 2),
    "4mb-of-text": ("garbage_text", "does not start with BEGIN:VCALENDAR", 2),
    "html": ("html", "it looks like an HTML page", 2),
    "truncated": ("truncated", "ends before END:VCALENDAR", 2),
    "65mib": ("oversized", "more than a feed can be", 1),
    "missing": ("missing", "no such file", 1),
    "directory": ("dir", "is not a file", 1),
    "unreadable": ("unreadable", "permission denied", 1),
    "eio": ("eio", "Input/output error", 1),
}


@pytest.mark.parametrize("broken", list(BROKEN_FEEDS))
def test_sync_of_a_broken_feed_keeps_the_previous_assignments(
    broken: str, world: World, tmp_path: Path
) -> None:
    """Documented for sync: the failure on stderr, exit 1 (2: not a calendar), the feed's
    assignments kept."""
    name, message, code = BROKEN_FEEDS[broken]
    source = world.inputs.paths[name]
    if name in ("unreadable", "eio") and not unreadable_for_us(source):
        pytest.skip(f"{source} is readable by this user (root): nothing to test")
    # Point maria's feed at a copy that is then broken (`feeds add` checks that it exists).
    feed = tmp_path / "maria.ics"
    shutil.copy(SAMPLE, feed)
    assert world.run(["feeds", "add", "maria", str(feed), "--replace"]).exit_code == 0
    feed.unlink()
    if name == "dir":
        feed.mkdir()
    elif name != "missing":
        feed.symlink_to(source)
    kept = world.assignments()
    assert len(kept) > 100
    config = world.snapshot()["config"]

    result = world.run(["sync"])
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: maria: ")
    assert message in lines[0]
    assert lines[0].endswith("(kept the previous assignments)")
    assert lines[1:] == ["1 of 1 feeds failed: maria"]
    assert result.stdout == ""
    assert world.assignments() == kept
    assert world.snapshot()["config"] == config
    listed = json.loads(world.run(["feeds", "list", "--json"]).stdout)
    assert message in listed[0]["last_error"]


def test_sync_json_reports_a_broken_feed_as_failed(world: World, tmp_path: Path) -> None:
    feed = tmp_path / "maria.ics"
    feed.write_bytes(world.inputs.paths["binary"].read_bytes())
    assert world.run(["feeds", "add", "maria", str(feed), "--replace"]).exit_code == 0
    kept = world.assignments()
    result = world.run(["sync", "--json"])
    assert result.exit_code == 2  # not a calendar at all
    outcomes = json.loads(result.stdout)
    assert [(o["user"], o["status"]) for o in outcomes] == [("maria", "failed")]
    assert "binary data" in outcomes[0]["error"]
    assert world.assignments() == kept


# --- huge feeds ---------------------------------------------------------------------------------


def test_a_huge_valid_feed_lists_and_syncs_every_event(world: World) -> None:
    """A few MB of valid events: every one is listed (straight from the file, and after sync)."""
    huge = world.inputs.paths["huge"]
    window = ["--from", "2026-04-01", "--to", "2026-04-30"]
    listed = world.run(["assignments", "list", "--ics", str(huge), *window, "--json"])
    assert listed.exit_code == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert len(records) == world.inputs.huge_events
    assert len({r["request_id"] for r in records}) == world.inputs.huge_events
    assert all(r["zoom"] for r in records)

    assert world.run(["feeds", "add", "big", str(huge)]).exit_code == 0
    synced = world.run(["sync", "big", "--json"])
    assert synced.exit_code == 0, synced.stderr
    assert json.loads(synced.stdout)[0]["assignments"] == world.inputs.huge_events
    cached = world.run(["assignments", "list", "--user", "big", *window, "--json"])
    assert len(json.loads(cached.stdout)) == world.inputs.huge_events
