"""Every third-party module the server imports is declared in pyproject.toml (issue 11,
point 8), so that `pip install .` alone gives a server that starts."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.servers import ROOT

APPS = ("game_server", "lobby", "games", "ratings", "ranked")


def imported_modules() -> dict[str, str]:
    """Top-level names of the modules the apps import, each with one file importing it."""
    modules: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    modules.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return modules


def declared() -> set[str]:
    """The distributions pyproject.toml asks for: dependencies and the uvicorn extra (the
    load generator uses uvloop when it is there)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["uvicorn"]]
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    distributions = packages_distributions()
    undeclared = {}
    for module, where in imported_modules().items():
        if module in sys.stdlib_module_names or module in APPS or module == "__future__":
            continue
        names = {canonicalize_name(name) for name in distributions.get(module, [module])}
        if not names & declared():
            undeclared[module] = where
    assert undeclared == {}
