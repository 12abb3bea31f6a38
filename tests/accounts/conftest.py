"""Account tests count log-ins and guests in the cache: each test gets a fresh one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_budgets(fresh_cache: None) -> None:
    """Every test starts with no log-in attempts and no guests counted."""
