"""Running the CLI in-process, with stdout and stderr kept apart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from typer.testing import CliRunner, Result

from usked_cli.cli.app import app
from usked_cli.cli.context import AppContext


def run(
    args: Sequence[str], *, now: datetime | None = None, input: str | None = None, **obj: Any
) -> Result:
    """Invoke `usked ARGS`; `now` freezes the clock; other keywords go to the AppContext."""
    context = AppContext(**obj)
    if now is not None:
        frozen = now
        context.now = lambda: frozen
    return CliRunner().invoke(app, list(args), obj=context, input=input)
