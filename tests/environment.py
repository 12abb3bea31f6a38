"""A pytest plugin (`-p tests.environment` in pyproject.toml) that fixes the environment
the test run reads its settings from, whatever the caller's shell says.

It runs before pytest-django loads the settings, which a conftest.py cannot: pytest reads
conftest files only after plugins have set Django up. Server processes that tests start
inherit this environment; those that test production pass their own variables.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    # DEBUG is off by default; tests run the embedded default as `./dev serve` does.
    os.environ["DEBUG"] = "True"
