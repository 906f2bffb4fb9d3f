"""`usked config …` and the settings rules: precedence, the writer, broken files, secrets."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli.helpers import run
from usked_cli.config.model import load_settings
from usked_cli.config.sources import load_basics

SECRET = "s3cr3t-value-never-shown"


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def show_json(*args: str, **obj: object) -> dict[str, object]:
    result = run([*args, "config", "show", "--json"], **obj)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


# --- precedence -----------------------------------------------------------------------------


def test_defaults_apply_without_a_file(config_file: Path) -> None:
    data = show_json()
    assert data["org"] == {
        "name": "",
        "padding_minutes": 10,
        "host_link_lead_minutes": 15,
        "join_lead_minutes": 5,
        "host_name_template": "{org} Host {letter}",
    }
    assert data["me"] is None  # every synced user, until `config set me USER`
    assert data["timezone"] == "America/Chicago"  # the machine's zone ($TZ in the tests)
    assert data["config_file"] == str(config_file)
    assert not config_file.exists()  # reading never creates the file


def test_file_overrides_defaults(config_file: Path) -> None:
    write(config_file, 'timezone = "Europe/Paris"\n[org]\npadding_minutes = 20\n')
    data = show_json()
    assert data["timezone"] == "Europe/Paris"
    assert data["org"]["padding_minutes"] == 20  # type: ignore[index]


def test_environment_overrides_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, 'timezone = "Europe/Paris"\n[org]\npadding_minutes = 20\n')
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "30")
    monkeypatch.setenv("USKED_TIMEZONE", "Asia/Tokyo")
    data = show_json()
    assert data["org"]["padding_minutes"] == 30  # type: ignore[index]
    assert data["timezone"] == "Asia/Tokyo"


def test_flag_overrides_environment(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, 'timezone = "Europe/Paris"\n')
    monkeypatch.setenv("USKED_TIMEZONE", "Asia/Tokyo")
    assert show_json("--timezone", "America/New_York")["timezone"] == "America/New_York"


def test_config_flag_beats_usked_config(tmp_path: Path, config_file: Path) -> None:
    write(config_file, "[org]\npadding_minutes = 20\n")
    other = tmp_path / "other.toml"
    write(other, "[org]\npadding_minutes = 25\n")
    data = show_json("--config", str(other))
    assert data["org"]["padding_minutes"] == 25  # type: ignore[index]
    assert data["config_file"] == str(other)


def test_show_names_each_source(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, '[org]\nname = "Acme Corp"\n')
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "5")
    result = run(["config", "show"])
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["org.name"] == "Acme Corp\tfile"
    assert lines["org.padding_minutes"] == "5\tenv USKED_ORG__PADDING_MINUTES"
    assert lines["org.host_link_lead_minutes"] == "15\tdefault"
    assert lines["zoom.rate_limits.medium"] == "20\tplan pro"


def test_rate_limits_follow_plan_and_custom(config_file: Path) -> None:
    write(config_file, '[zoom]\nplan = "business"\n')
    assert show_json()["zoom"]["rate_limits"] == {"light": 80, "medium": 60, "heavy": 40}  # type: ignore[index]
    write(config_file, "[zoom.rate_limits]\nlight = 5\nmedium = 4\nheavy = 3\n")
    zoom = show_json()["zoom"]
    assert zoom["plan"] == "custom"  # type: ignore[index]
    assert zoom["rate_limits"] == {"light": 5, "medium": 4, "heavy": 3}  # type: ignore[index]


@pytest.mark.parametrize(
    ("file_text", "env", "flag"),
    [
        ("", {}, None),
        ('timezone = "Europe/Paris"\ndata_dir = "/tmp/usked-a"\n', {}, None),
        ('timezone = "Europe/Paris"\n', {"USKED_TIMEZONE": "Asia/Tokyo"}, None),
        ('timezone = "Europe/Paris"\n', {"usked_timezone": "Asia/Tokyo"}, "UTC"),
        ('data_dir = "/tmp/usked-a"\n', {"USKED_DATA_DIR": "/tmp/usked-b"}, None),
        ('timezone = "Europe/Paris"\n', {"USKED_TIMEZONE": ""}, None),
    ],
)
def test_light_reader_agrees_with_the_model(
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    file_text: str,
    env: dict[str, str],
    flag: str | None,
) -> None:
    """The listing path's pydantic-free reader gives what the full settings model gives."""
    monkeypatch.delenv("USKED_DATA_DIR")
    write(config_file, file_text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for _ in range(2):  # the first call writes the snapshot, the second reads it
        basics = load_basics(None, flag)
        settings = load_settings(None, timezone_flag=flag)
        assert basics.timezone_name == settings.timezone
        assert basics.data_dir == settings.data_dir
        assert basics.host_link_lead_minutes == settings.org.host_link_lead_minutes
        assert basics.config_path == config_file


def test_snapshot_follows_file_and_environment_changes(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(config_file, "[org]\nhost_link_lead_minutes = 20\n")
    assert load_basics().host_link_lead_minutes == 20
    write(config_file, "[org]\nhost_link_lead_minutes = 30\n# edited\n")
    assert load_basics().host_link_lead_minutes == 30
    monkeypatch.setenv("USKED_ORG__HOST_LINK_LEAD_MINUTES", "45")
    assert load_basics().host_link_lead_minutes == 45
    monkeypatch.setenv("TZ", "Europe/Paris")
    assert load_basics().timezone_name == "Europe/Paris"


# --- the writer ------------------------------------------------------------------------------


def test_set_writes_typed_value_with_mode_0600(config_file: Path) -> None:
    result = run(["config", "set", "org.padding_minutes", "15"])
    assert result.exit_code == 0, result.stderr
    assert "org.padding_minutes = 15" in result.stderr
    assert config_file.read_text() == "[org]\npadding_minutes = 15\n"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert show_json()["org"]["padding_minutes"] == 15  # type: ignore[index]


def test_set_keeps_other_settings(config_file: Path) -> None:
    write(config_file, '[org]\nname = "Acme Corp"\n\n[feeds]\nmaria = "/x/maria.ics"\n')
    assert (
        run(["config", "set", "zoom.host_users", "host-*@acme.org, zoom-*@acme.org"]).exit_code == 0
    )
    data = show_json()
    assert data["org"]["name"] == "Acme Corp"  # type: ignore[index]
    # [feeds] as the file has it: the users, and the feeds.timeout_seconds setting
    assert data["feeds"] == {"maria": "/x/maria.ics", "timeout_seconds": 60}
    assert data["zoom"]["host_users"] == ["host-*@acme.org", "zoom-*@acme.org"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("org.padding_minutes", "241", "less than or equal to 240"),
        ("org.padding_minutes", "-1", "greater than or equal to 0"),
        ("org.padding_minutes", "ten", "valid integer"),
        ("org.padding_minutes", "10.5", "valid integer"),
        ("org.host_link_lead_minutes", "1441", "less than or equal to 1440"),
        ("org.host_name_template", "Host", "{letter}"),
        ("timezone", "Mars/Olympus", "IANA"),
        ("zoom.rate_share", "1.5", "less than or equal to 1"),
        ("org.paddng_minutes", "5", "org.padding_minutes"),
        ("nonsense", "5", "unknown setting"),
    ],
)
def test_refused_value_leaves_file_byte_for_byte(
    config_file: Path, key: str, value: str, message: str
) -> None:
    original = b'# my settings\n[org]\nname = "Acme Corp"\npadding_minutes = 10\n'
    config_file.write_bytes(original)
    os.chmod(config_file, 0o640)
    before = config_file.stat()
    result = run(["config", "set", key, value])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert config_file.read_bytes() == original
    assert config_file.stat().st_mtime_ns == before.st_mtime_ns
    leftovers = [p.name for p in config_file.parent.iterdir() if p.suffix in (".tmp", ".bak")]
    assert leftovers == []


def test_rewrite_of_commented_file_keeps_a_backup(config_file: Path) -> None:
    original = '# hand-written\n[org]\nname = "Acme Corp"\n'
    write(config_file, original)
    result = run(["config", "set", "org.padding_minutes", "12"])
    assert result.exit_code == 0
    backup = config_file.with_name("config.toml.bak")
    assert backup.read_text() == original
    assert "comments are not kept" in result.stderr


def test_crash_mid_write_leaves_old_file(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(config_file, "[org]\npadding_minutes = 10\n")

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    result = run(["config", "set", "org.padding_minutes", "11"])
    assert result.exit_code != 0
    assert config_file.read_text() == "[org]\npadding_minutes = 10\n"
    assert [p.name for p in config_file.parent.glob(".config.toml.*.tmp")] == []


def test_unset_restores_default(config_file: Path) -> None:
    write(config_file, "[org]\npadding_minutes = 20\n")
    assert run(["config", "unset", "org.padding_minutes"]).exit_code == 0
    assert config_file.read_text() == ""
    assert show_json()["org"]["padding_minutes"] == 10  # type: ignore[index]


# --- broken files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[org\npadding_minutes = 1\n", "invalid TOML"),
        (
            "[org]\npadding_minutes = 999\n",
            "org.padding_minutes: Input should be less than or equal to 240",
        ),
        ('[org]\npadding_minutes = "lots"\n', "org.padding_minutes"),
        ("[org]\npading_minutes = 5\n", "org.pading_minutes: unknown setting"),
        ('timezone = "Nowhere/Land"\n', "timezone"),
        ("[zoom]\nhost_users = 5\n", "zoom.host_users"),
    ],
)
@pytest.mark.parametrize(
    "command", [["config", "show"], ["assignments", "list"], ["feeds", "list"]]
)
def test_broken_file_is_exit_2_naming_file_and_key(
    config_file: Path, text: str, expected: str, command: list[str]
) -> None:
    write(config_file, text)
    result = run(command)
    assert result.exit_code == 2, result.stdout + result.stderr
    first_line = result.stderr.splitlines()[0]
    assert str(config_file) in first_line
    assert expected in first_line
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USKED_ORG__PADDING_MINUTES", "500")
    result = run(["config", "show"])
    assert result.exit_code == 2
    assert "environment variable USKED_ORG__PADDING_MINUTES: org.padding_minutes" in result.stderr


# --- secrets ---------------------------------------------------------------------------------


def test_secret_is_masked_in_show(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, f'[zoom]\nclient_secret = "{SECRET}"\n')
    for args in (["config", "show"], ["config", "show", "--json"]):
        result = run(args)
        assert result.exit_code == 0
        assert SECRET not in result.stdout + result.stderr
        assert "********" in result.stdout
    monkeypatch.setenv("USKED_ZOOM__CLIENT_SECRET", SECRET + "-env")
    result = run(["config", "show", "--json"])
    assert SECRET not in result.stdout


def test_secret_never_in_errors(config_file: Path) -> None:
    write(config_file, f'[zoom]\nclient_secret = "{SECRET}"\nclient_idd = "x"\n')
    result = run(["config", "show"])
    assert result.exit_code == 2
    assert SECRET not in result.stdout + result.stderr
    result = run(["config", "set", "zoom.client_secret", SECRET])
    assert SECRET not in result.stdout + result.stderr


def test_secret_set_from_stdin_is_not_echoed(config_file: Path) -> None:
    result = run(["config", "set", "zoom.client_secret"], input=SECRET + "\n")
    assert result.exit_code == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert SECRET in config_file.read_text()
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_set_without_value_for_plain_key_is_usage_error() -> None:
    result = run(["config", "set", "org.name"])
    assert result.exit_code == 2
    assert "VALUE is required" in result.stderr


# --- output ----------------------------------------------------------------------------------


def test_piped_output_has_no_ansi_and_tty_output_is_a_table(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(config_file, '[org]\nname = "Acme [bold]Corp[/bold]"\n')
    monkeypatch.delenv("NO_COLOR")
    piped = run(["config", "show"])
    assert "\x1b[" not in piped.stdout
    assert "org.name\tAcme [bold]Corp[/bold]\tfile" in piped.stdout
    monkeypatch.setenv("USKED_FORCE_TTY", "1")
    tty = run(["config", "show"])
    assert "Setting" in tty.stdout  # header only on a terminal
    assert "Acme [bold]Corp[/bold]" in tty.stdout  # data is never read as markup
    assert "\t" not in tty.stdout


def test_config_path_prints_the_resolved_path(config_file: Path) -> None:
    result = run(["config", "path"])
    assert result.stdout == f"{config_file}\n"


def test_config_set_a_loopback_http_feed_warns_as_feeds_add_does() -> None:
    result = run(["config", "set", "feeds.bob", "http://127.0.0.1:8000/bob.ics"])
    assert result.exit_code == 0, result.stderr
    assert "warning: 127.0.0.1: fetching a feed over plain http" in result.stderr
    refused = run(["config", "set", "feeds.bob", "http://feeds.example.org/bob.ics"])
    assert refused.exit_code == 2
