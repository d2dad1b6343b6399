"""The `leadwerk` command: Typer app, one module per area."""
