"""Test isolation: every test gets its own config file, data dir and XDG dirs, and no colour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check what holds, not how fast: a per-example deadline fails at random on a
# busy two-core CI machine. The examples are drawn the same way on every run (derandomize), so
# a failure in CI is one a developer can reproduce.
settings.register_profile("usked", deadline=None, derandomize=True)
settings.load_profile("usked")


@pytest.fixture(autouse=True)
def isolation(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every location the tool reads or writes at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("USKED_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("USKED_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("USKED_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    # The "machine's zone" for the default timezone; not UTC, so that UTC assumptions show.
    monkeypatch.setenv("TZ", "America/Chicago")
    return home


@pytest.fixture
def config_file(isolation: Path) -> Path:
    """The config file path the tool uses in this test (it does not exist until written)."""
    return isolation / "config.toml"
