"""Fixtures for the CLI tests: a fake Zoom behind the CLI (see zoomkit.py), a browser that
records what it was asked to open."""

from __future__ import annotations

import pytest

from tests.cli.zoomkit import SECRET, ZoomKit
from tests.fakes.zoom import DEFAULT_EPOCH, FakeZoom, VirtualClock


@pytest.fixture
def zoom(monkeypatch: pytest.MonkeyPatch) -> ZoomKit:
    clock = VirtualClock()
    fake = FakeZoom(clock=clock.monotonic, now=clock.now, client_secret=SECRET)
    for name, value in fake.credentials().items():
        monkeypatch.setenv(f"USKED_ZOOM__{name.upper()}", str(value))
    return ZoomKit(fake=fake, clock=clock, now=DEFAULT_EPOCH)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the browser was asked to open (it says it succeeded)."""
    import webbrowser

    calls: list[str] = []

    def fake_open(url: str, *args: object, **kwargs: object) -> bool:
        calls.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    return calls
