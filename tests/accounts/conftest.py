"""Account tests count log-ins and guests in the cache: each test gets a fresh one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_budgets(fresh_cache: None, settings) -> None:
    """Every test starts with no log-in attempts and no guests counted, in a log-in
    window far longer than any test, so that no test sees its count end midway."""
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 24 * 3600
