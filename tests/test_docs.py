"""Every setting and every CLI command and option is documented, with help text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from leadwerk.cli.main import app
from leadwerk.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(group: Any, prefix: str = "leadwerk") -> Iterator[tuple[str, Any]]:
    # Typer carries its own copy of click, so duck typing instead of click's classes.
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path, command


def test_every_setting_has_help_and_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = []
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        if f"`LEADWERK_{name.upper()}`" not in text:
            missing.append(f"LEADWERK_{name.upper()}")
    assert missing == [], f"undocumented settings in docs/configuration.md: {missing}"


def test_every_command_and_option_has_help_and_is_documented() -> None:
    root = typer.main.get_command(app)
    text = (DOCS / "cli.md").read_text()
    problems = []
    for path, command in _commands(root):
        if not (command.help or "").strip():
            problems.append(f"{path}: no help text")
        if f"## `{path}" not in text:
            problems.append(f"{path}: no `## `{path}...` heading in docs/cli.md")
        for param in command.params:
            if param.param_type_name == "option":
                if param.name == "help":
                    continue
                if not (param.help or "").strip():
                    problems.append(f"{path} {param.opts[0]}: no help text")
                if param.opts[0] not in text:
                    problems.append(f"{path} {param.opts[0]}: not in docs/cli.md")
    assert problems == []
