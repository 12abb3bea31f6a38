"""Where a game's browser side lives: its module among the static files,
`js/games/<slug>.js`, and a finder for the static files that ship beside a rules module.

The built-in games' renderers are in the project's static/ folder. A game a site adds
through the GAMES setting brings its own in a `static/` folder beside its rules module
(beside `snake.py`, or inside the `snake/` package), which `GameStaticFinder` serves and
`collectstatic` collects like any other static file: no other setting is needed.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import BaseFinder, FileSystemFinder
from django.core.checks import CheckMessage
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed


def renderer_path(slug: str) -> str:
    """The path of a game's browser module among the static files."""
    return f"js/games/{slug}.js"


def _static_folders() -> list[str]:
    """The static/ folders beside the rules modules in GAMES, where there are any."""
    folders = []
    for path in settings.GAMES:
        module_file = getattr(import_module(path), "__file__", None)
        if module_file is None:
            continue
        folder = str(Path(module_file).parent / "static")
        if Path(folder).is_dir() and folder not in folders:
            folders.append(folder)
    return folders


class GameStaticFinder(FileSystemFinder):
    """Finds static files in the static/ folders beside the games' rules modules, as
    Django's own FileSystemFinder does in STATICFILES_DIRS."""

    def __init__(self, app_names: Any = None, *args: Any, **kwargs: Any) -> None:
        # Not FileSystemFinder's own set-up, which reads STATICFILES_DIRS: these folders
        # instead, searched and listed by its methods.
        BaseFinder.__init__(self, *args, **kwargs)
        self.locations = [("", folder) for folder in _static_folders()]
        self.storages = {folder: FileSystemStorage(location=folder) for _, folder in self.locations}

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        # The GAMES checks (games/checks.py) cover what this finder depends on.
        return []


def _forget_finders(*, setting: str, **kwargs: Any) -> None:
    # Django keeps its finders for good; a test that overrides GAMES needs them afresh.
    if setting == "GAMES":
        finders.get_finder.cache_clear()


setting_changed.connect(_forget_finders)
