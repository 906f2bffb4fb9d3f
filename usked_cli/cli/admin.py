"""`usked admin …`: organization settings, padding conflicts, and the Zoom host users."""

from __future__ import annotations

import typer

from usked_cli.cli import zoom_users

app = typer.Typer(
    help="Admin: org settings (padding, lead time), padding conflicts, Zoom host users.",
    no_args_is_help=True,
)
app.add_typer(zoom_users.app, name="zoom-users")
