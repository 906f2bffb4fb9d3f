"""Hostile config files and shared machines: what the config writer replaces (never a device, a
FIFO or a folder; a symlink stays a link), a config file holding the client secret that others
may write or own (refused, as ssh refuses such a ~/.ssh/config) or read (warned), https for Zoom's
URLs, `feeds.timeout_seconds` beside the users in [feeds], user names with control characters,
and feed URLs (their paths carry a private token) kept out of messages.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from tests.cli.helpers import run
from usked_cli.config import sources
from usked_cli.config.model import load_settings

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "examples" / "sample-feed.ics"
SECRET = "hostile-input-client-secret-0123456789"
TOKEN = "private-feed-token-7f3a9c"
WITH_SECRET = f'[org]\nname = "Acme"\n\n[zoom]\nclient_secret = "{SECRET}"\n'.encode()


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    """The readable-secret warning is given once per process (one run); each test is a run."""
    sources._WARNED.clear()
    yield
    sources._WARNED.clear()


@pytest.fixture(autouse=True)
def no_zoom_on_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a refusal regress, a Zoom command fails fast on a closed loopback port."""
    monkeypatch.setenv("USKED_ZOOM__API_URL", "http://127.0.0.1:9/v2")
    monkeypatch.setenv("USKED_ZOOM__OAUTH_URL", "http://127.0.0.1:9/oauth/token")


def refused(result: Result, message: str) -> list[str]:
    """Exit 2, one `error:` line holding `message` (a `hint:` line at most), nothing on stdout."""
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines, "nothing on stderr"
    assert lines[0].startswith("error: "), result.stderr
    assert message in lines[0], lines[0]
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    assert result.stdout == ""
    return lines


def usked(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a process (where a blocking open or a real file mode is the point)."""
    env = dict(os.environ)
    if config is not None:
        env["USKED_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "usked_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
        check=False,
    )


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- the writer: what it replaces ---------------------------------------------------------------


def test_a_folder_as_config_file_is_refused_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    monkeypatch.setenv("USKED_CONFIG", str(folder))
    result = run(["config", "set", "org.name", "Acme"])
    refused(result, f"config file {folder} is a directory, not a regular file")
    assert folder.is_dir()
    assert list(folder.iterdir()) == []
    assert folder_listing(tmp_path) == ["config.toml"]  # no temp file, lock or backup beside it


def _device_node(tmp_path: Path) -> Path:
    """A character device to aim the writer at: our own copy of the null device where we may
    make one, else /dev/null itself where we cannot replace it anyway (not root)."""
    node = tmp_path / "null-device"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return node
    except (OSError, AttributeError):
        pass
    if os.geteuid() == 0:
        pytest.skip("cannot make a device node here, and root must not aim at /dev/null")
    return Path(os.devnull)


def test_a_device_node_is_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    device = _device_node(tmp_path)
    before = os.stat(device)
    monkeypatch.setenv("USKED_CONFIG", str(device))
    for args in (
        ["config", "set", "org.name", "Acme"],
        ["config", "unset", "org.name"],
        ["feeds", "add", "maria", str(SAMPLE)],
    ):
        result = run(args)
        refused(result, f"config file {device} is a character device, not a regular file")
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_the_null_device_reads_as_an_empty_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--config /dev/null`: no settings from a file, the defaults apply."""
    result = run(["--config", os.devnull, "config", "show", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["org"]["padding_minutes"] == 10


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    for args in (["config", "set", "org.name", "Acme"], ["config", "show"], ["feeds", "list"]):
        result = usked(*args, config=fifo)  # a blocking open would hit the 60 s timeout
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines()[0] == (
            f"error: config file {fifo} is a FIFO, not a regular file"
            + (": it is left as it is" if args[1] == "set" else "")
        )
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert folder_listing(tmp_path) == ["config.toml"]


def test_a_symlink_stays_a_link_and_its_target_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "usked.toml"
    target.write_text('[org]\nname = "Acme"\n', encoding="utf-8")
    target.chmod(0o644)
    link_folder = tmp_path / "config"
    link_folder.mkdir()
    link = link_folder / "config.toml"
    link.symlink_to(target)
    monkeypatch.setenv("USKED_CONFIG", str(link))

    result = run(["config", "set", "org.padding_minutes", "15"])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == '[org]\nname = "Acme"\npadding_minutes = 15\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # The temporary file and the lock were made beside the target; nothing is left beside the link.
    assert folder_listing(link_folder) == ["config.toml"]
    assert [n for n in folder_listing(dotfiles) if n.endswith(".tmp")] == []
    show = run(["config", "show", "--json"])
    assert json.loads(show.stdout)["org"]["padding_minutes"] == 15


def test_a_commented_target_is_backed_up_beside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "real" / "usked.toml"
    target.parent.mkdir()
    original = b'# mine\n[org]\nname = "Acme"\n'
    target.write_bytes(original)
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    monkeypatch.setenv("USKED_CONFIG", str(link))
    result = run(["config", "set", "org.name", "Acme Corp"])
    assert result.exit_code == 0, result.stderr
    backup = target.with_name("usked.toml.bak")
    assert backup.read_bytes() == original
    assert f"the commented original is in {backup}" in result.stderr
    assert link.is_symlink()


def test_a_dangling_symlink_gets_its_target_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "usked.toml"
    target.parent.mkdir()
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    monkeypatch.setenv("USKED_CONFIG", str(link))
    result = run(["config", "set", "org.name", "Acme"])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == '[org]\nname = "Acme"\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_dangling_symlink_into_a_missing_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "no-such-folder" / "usked.toml"
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    monkeypatch.setenv("USKED_CONFIG", str(link))
    result = run(["config", "set", "org.name", "Acme"])
    refused(result, f"config file {link} is a symlink to {target}, whose folder does not exist")
    assert not target.parent.exists()
    assert link.is_symlink()


def test_a_symlink_loop_and_a_link_to_a_folder_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_a, loop_b = tmp_path / "a.toml", tmp_path / "b.toml"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    monkeypatch.setenv("USKED_CONFIG", str(loop_a))
    refused(run(["config", "set", "org.name", "Acme"]), "is a symlink that cannot be followed")

    folder = tmp_path / "folder"
    folder.mkdir()
    to_folder = tmp_path / "c.toml"
    to_folder.symlink_to(folder)
    monkeypatch.setenv("USKED_CONFIG", str(to_folder))
    refused(
        run(["config", "set", "org.name", "Acme"]),
        f"config file {to_folder} is a symlink to {folder}, a directory, not a regular file",
    )
    assert list(folder.iterdir()) == []
    assert all(p.is_symlink() for p in (loop_a, loop_b, to_folder))


# --- a config file holding the client secret ----------------------------------------------------


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o660, 0o666], ids=oct)
def test_a_secret_file_others_can_write_is_refused(config_file: Path, mode: int) -> None:
    config_file.write_bytes(WITH_SECRET)
    config_file.chmod(mode)
    before = config_file.stat()
    for args in (
        ["config", "show"],
        ["zoom", "check"],
        ["config", "set", "org.name", "Other"],
        ["feeds", "list"],
    ):
        result = run(args)
        lines = refused(
            result,
            f"config file {config_file} holds the Zoom client secret and other users can write "
            f"it (mode {mode:04o}): refusing to use it; chmod 600 {config_file}",
        )
        assert len(lines) == 1
        assert SECRET not in result.stderr
    assert config_file.read_bytes() == WITH_SECRET
    assert config_file.stat().st_mtime_ns == before.st_mtime_ns
    assert stat.S_IMODE(config_file.stat().st_mode) == mode


def test_a_secret_file_owned_by_another_user_is_refused(config_file: Path) -> None:
    config_file.write_bytes(WITH_SECRET)
    config_file.chmod(0o600)
    other = 65534 if os.geteuid() != 65534 else 65533
    try:
        os.chown(config_file, other, -1)
    except PermissionError:
        pytest.skip("only root can give a file away")
    for args in (["config", "show"], ["zoom", "check"]):
        lines = refused(
            run(args),
            f"config file {config_file} holds the Zoom client secret but is owned by another user "
            f"(uid {other})",
        )
        assert lines[0].endswith(f"chmod 600 {config_file}")
    assert config_file.read_bytes() == WITH_SECRET


def test_the_listing_path_checks_again_after_a_chmod(config_file: Path) -> None:
    """The listing reads a snapshot of the settings; a change of mode makes it stale."""
    config_file.write_bytes(WITH_SECRET)
    config_file.chmod(0o600)
    first = run(["assignments", "list"])
    assert first.exit_code == 0, first.stderr
    config_file.chmod(0o660)
    refused(run(["assignments", "list"]), "other users can write it (mode 0660)")
    config_file.chmod(0o600)
    assert run(["assignments", "list"]).exit_code == 0


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644], ids=oct)
def test_a_secret_file_others_can_read_is_used_with_one_warning(
    config_file: Path, mode: int
) -> None:
    config_file.write_bytes(WITH_SECRET)
    config_file.chmod(mode)
    warning = (
        f"warning: {config_file} is readable by other users and holds the Zoom client secret; "
        f"chmod 600 {config_file}"
    )
    result = run(["config", "show", "--json"])  # reads the file twice: the model, the origins
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [warning]
    assert json.loads(result.stdout)["org"]["name"] == "Acme"
    assert SECRET not in result.stdout + result.stderr


def test_the_readable_secret_warning_is_given_once_per_process(config_file: Path) -> None:
    config_file.write_bytes(WITH_SECRET)
    config_file.chmod(0o644)
    result = usked("config", "show")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("is readable by other users") == 1


def test_a_private_secret_file_or_a_file_without_secret_is_quiet(config_file: Path) -> None:
    config_file.write_bytes(WITH_SECRET)
    config_file.chmod(0o600)
    result = run(["config", "show"])
    assert (result.exit_code, result.stderr) == (0, "")
    config_file.write_bytes(b'[org]\nname = "Acme"\n\n[zoom]\nclient_secret = ""\n')
    config_file.chmod(0o666)  # nothing secret in it: the mode is the owner's business
    result = run(["config", "show"])
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_secret_written_by_the_tool_is_private(config_file: Path) -> None:
    config_file.write_bytes(b'[org]\nname = "Acme"\n')
    config_file.chmod(0o664)
    result = run(["config", "set", "zoom.client_secret"], input=SECRET + "\n")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    again = run(["config", "show"])
    assert (again.exit_code, again.stderr) == (0, "")


# --- https for Zoom's URLs ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["zoom.api_url", "zoom.oauth_url"])
@pytest.mark.parametrize(
    "url",
    [
        "http://api.zoom.us/v2",
        "http://localhost.evil.example/v2",
        "http://10.0.0.1/v2",
        "HTTP://zoom.us/oauth/token",
        "ftp://api.zoom.us",
    ],
)
def test_zoom_urls_must_be_https(config_file: Path, key: str, url: str) -> None:
    original = b'[org]\nname = "Acme"\n'
    config_file.write_bytes(original)
    result = run(["config", "set", key, url])
    message = "is not an http(s) URL" if url.startswith("ftp") else "must use https"
    refused(result, message)
    assert f"refused: {key}" in result.stderr
    assert config_file.read_bytes() == original


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v2",
        "http://127.9.8.7/v2",
        "http://[::1]:8080/v2",
        "http://localhost:8080/v2",
        "https://api.zoomgov.com/v2",
    ],
)
def test_loopback_may_be_plain_http(config_file: Path, url: str) -> None:
    result = run(["config", "set", "zoom.api_url", url])
    assert result.exit_code == 0, result.stderr
    assert f'api_url = "{url}"' in config_file.read_text(encoding="utf-8")


def test_a_plain_http_zoom_url_from_the_environment_or_the_file_is_refused(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USKED_ZOOM__OAUTH_URL", "http://zoom.example.org/oauth/token")
    refused(
        run(["zoom", "check"]),
        "environment variable USKED_ZOOM__OAUTH_URL: zoom.oauth_url: ",
    )
    monkeypatch.delenv("USKED_ZOOM__OAUTH_URL")
    monkeypatch.delenv("USKED_ZOOM__API_URL")
    config_file.write_text('[zoom]\napi_url = "http://api.zoom.us/v2"\n', encoding="utf-8")
    lines = refused(run(["config", "show"]), f"config file {config_file}: zoom.api_url: ")
    assert "must use https" in lines[0]


# --- feeds.timeout_seconds ----------------------------------------------------------------------


def test_timeout_defaults_to_a_minute(config_file: Path) -> None:
    assert load_settings().feed_timeout_seconds == 60.0
    config_file.write_text("[feeds]\ntimeout_seconds = 2.5\n", encoding="utf-8")
    assert load_settings().feed_timeout_seconds == 2.5


def test_config_set_timeout_writes_a_number_beside_the_users(config_file: Path) -> None:
    config_file.write_text(f'[feeds]\nmaria = "{SAMPLE}"\n', encoding="utf-8")
    result = run(["config", "set", "feeds.timeout_seconds", "30"])
    assert result.exit_code == 0, result.stderr
    assert "set feeds.timeout_seconds = 30 in" in result.stderr
    assert config_file.read_text(encoding="utf-8") == (
        f'[feeds]\nmaria = "{SAMPLE}"\ntimeout_seconds = 30\n'
    )
    settings = load_settings()
    assert settings.feed_timeout_seconds == 30.0
    assert dict(settings.feeds.items()) == {"maria": str(SAMPLE)}
    assert list(settings.feeds) == ["maria"]
    assert "timeout_seconds" not in settings.feeds
    unset = run(["config", "unset", "feeds.timeout_seconds"])
    assert unset.exit_code == 0, unset.stderr
    assert config_file.read_text(encoding="utf-8") == f'[feeds]\nmaria = "{SAMPLE}"\n'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("3601", "less than or equal to 3600"),
        ("inf", "a finite number"),
        ("soon", "a valid number"),
        ("https://feeds.example.org/x", "a valid number"),
    ],
)
def test_a_bad_timeout_is_refused(config_file: Path, value: str, message: str) -> None:
    original = b"# mine\n[feeds]\ntimeout_seconds = 20\n"
    config_file.write_bytes(original)
    result = run(["config", "set", "feeds.timeout_seconds", value])
    refused(result, f"refused: feeds.timeout_seconds: Input should be {message}")
    assert config_file.read_bytes() == original
    leftovers = [n for n in folder_listing(config_file.parent) if n.endswith((".tmp", ".bak"))]
    assert leftovers == []


def test_a_boolean_timeout_in_the_file_is_refused(config_file: Path) -> None:
    config_file.write_text("[feeds]\ntimeout_seconds = true\n", encoding="utf-8")
    refused(run(["feeds", "list"]), "feeds.timeout_seconds: expected a number of seconds")


def test_timeout_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_FEEDS__TIMEOUT_SECONDS", "12.5")
    assert load_settings().feed_timeout_seconds == 12.5
    rows = run(["config", "show"]).stdout.splitlines()
    assert "feeds.timeout_seconds\t12.5\tenv USKED_FEEDS__TIMEOUT_SECONDS" in rows
    monkeypatch.setenv("USKED_FEEDS__TIMEOUT_SECONDS", "0")
    refused(
        run(["feeds", "list"]),
        "environment variable USKED_FEEDS__TIMEOUT_SECONDS: feeds.timeout_seconds: "
        "Input should be greater than 0",
    )


def test_timeout_seconds_is_no_user(config_file: Path) -> None:
    config_file.write_text("[feeds]\ntimeout_seconds = 30\n", encoding="utf-8")
    original = config_file.read_bytes()
    refused(run(["feeds", "add", "timeout_seconds", str(SAMPLE)]), "'timeout_seconds' is reserved")
    refused(run(["feeds", "remove", "timeout_seconds"]), "'timeout_seconds' is not a user")
    assert config_file.read_bytes() == original
    listed = run(["feeds", "list", "--json"])
    assert (listed.exit_code, json.loads(listed.stdout)) == (0, [])
    synced = run(["sync", "--json"])
    assert (synced.exit_code, json.loads(synced.stdout)) == (0, [])
    unknown = run(["sync", "timeout_seconds"])
    assert unknown.exit_code == 3, unknown.stderr
    assert unknown.stderr.startswith("error: no feed for timeout_seconds")


def test_listing_and_sync_see_only_the_users(config_file: Path) -> None:
    config_file.write_text(f'[feeds]\ntimeout_seconds = 30\nmaria = "{SAMPLE}"\n', encoding="utf-8")
    listed = run(["feeds", "list", "--json"])
    assert listed.exit_code == 0, listed.stderr
    assert [record["user"] for record in json.loads(listed.stdout)] == ["maria"]
    synced = run(["sync", "--json"])
    assert synced.exit_code == 0, synced.stderr
    assert [outcome["user"] for outcome in json.loads(synced.stdout)] == ["maria"]
    shown = json.loads(run(["config", "show", "--json"]).stdout)
    assert shown["feeds"] == {"timeout_seconds": 30, "maria": str(SAMPLE)}


# --- user names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nl\n", "tab\tname", "esc\x1b[2J", "cr\r", "", ".dot", "a b"])
def test_a_user_name_with_a_control_character_is_refused(config_file: Path, name: str) -> None:
    for args in (
        ["feeds", "add", name, str(SAMPLE)],
        ["config", "set", f"feeds.{name}", str(SAMPLE)],
    ):
        result = run(args)
        lines = refused(result, f"{name!r} is not a usable user name")
        assert all(ch.isprintable() for ch in "".join(lines))  # shown escaped, never raw
    assert not config_file.exists()


def test_config_set_of_a_dotted_user_is_refused_and_points_to_feeds_add(config_file: Path) -> None:
    result = run(["config", "set", "feeds.maria.k", str(SAMPLE)])
    lines = refused(result, "a user name in a dotted key cannot hold '.'")
    assert lines[1] == "hint: usked feeds add maria.k SOURCE"
    assert not config_file.exists()


def test_a_hand_written_user_name_with_a_control_character_breaks_the_file(
    config_file: Path,
) -> None:
    config_file.write_text(f'[feeds]\n"nl\\n" = "{SAMPLE}"\n', encoding="utf-8")
    lines = refused(run(["feeds", "list"]), f"config file {config_file}: feeds: ")
    assert "user name 'nl\\n' has a control character" in lines[0]


# --- feed URLs stay out of messages ---------------------------------------------------------


def test_already_has_a_feed_names_the_host_only(config_file: Path) -> None:
    first = run(["feeds", "add", "maria", f"https://acme.usked.com/ical/{TOKEN}"])
    assert first.exit_code == 0, first.stderr
    before = config_file.read_bytes()
    result = run(["feeds", "add", "maria", "https://acme.usked.com/ical/another-token"])
    refused(result, "maria already has a feed (acme.usked.com)")
    assert TOKEN not in result.stderr
    assert config_file.read_bytes() == before


def test_config_set_of_a_feed_names_the_host_only(config_file: Path) -> None:
    result = run(["config", "set", "feeds.maria", f"webcal://acme.usked.com/ical/{TOKEN}"])
    assert result.exit_code == 0, result.stderr
    assert "set feeds.maria = a feed on acme.usked.com in" in result.stderr
    assert TOKEN not in result.stderr
    assert TOKEN in config_file.read_text(encoding="utf-8")
    shown = run(["config", "show"])  # the user asked for their own config: shown whole
    assert TOKEN in shown.stdout
    assert TOKEN not in shown.stderr


def test_a_feed_url_in_the_wrong_place_is_not_echoed(config_file: Path) -> None:
    config_file.write_text(
        f'[feeds]\ntimeout_seconds = "https://acme.usked.com/ical/{TOKEN}"\n', encoding="utf-8"
    )
    result = run(["feeds", "list"])
    refused(result, "feeds.timeout_seconds: Input should be a valid number")
    assert TOKEN not in result.stderr
    assert "acme.usked.com" in result.stderr
