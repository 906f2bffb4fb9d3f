"""The Typer command tree: thin modules that parse, call plain functions, and render."""
