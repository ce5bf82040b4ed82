"""Dependencies point inward: domain ← projections ← services; contracts stand alone."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

ALLOWED = {
    "domain": STDLIB | {"domain", "eventsourcing.domain"},
    "contracts": STDLIB | {"contracts", "marshmallow"},
    # Views are the library's TrackingRecorders over SQL: they may use the database drivers.
    "projections": STDLIB | {"projections", "domain", "eventsourcing", "psycopg"},
}


def imported_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {(path.name, alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((path.name, node.module))
    return found


def allowed(module: str, rules: set[str]) -> bool:
    return any(module == rule or module.startswith(rule + ".") for rule in rules)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_may(package: str) -> None:
    if not (ROOT / package).exists():
        pytest.fail(f"{package}/ is missing")
    offending = sorted(
        (file, module)
        for file, module in imported_modules(package)
        if not allowed(module, ALLOWED[package])
    )
    assert offending == []
