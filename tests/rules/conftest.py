"""Make the project importable when pytest runs without pytest-django.

pytest-django puts the project folder on `sys.path`; with `-p no:django` (the game rules
need no Django settings) nothing does, so `import games` would fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])

if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)
