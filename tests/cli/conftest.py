from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from leadwerk.cli.main import app

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `leadwerk ARGS...` in-process, in dev mode, returning the click Result."""
    monkeypatch.setenv("LEADWERK_ENVIRONMENT", "dev")
    monkeypatch.delenv("LEADWERK_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)

    return run
