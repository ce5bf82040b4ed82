"""The README's configuration table and the configuration module agree."""

from __future__ import annotations

import re
from pathlib import Path

from services.config import VARIABLES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_variable_with_its_default() -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.+?) \| (.+?) \|$", README.read_text(), re.MULTILINE)
    table = {name: default for name, default, _ in rows}
    expected = {
        name: f"`{default}`" if default else "(unset)" for name, (default, _) in VARIABLES.items()
    }
    assert table == expected
