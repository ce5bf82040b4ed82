"""The Dockerfile's structure, linted without a Docker engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and line[0] != "#")
    ]


def test_the_build_is_multi_stage_on_a_pinned_slim_python_311() -> None:
    bases = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert len(bases) >= 2, "a build stage and a runtime stage"
    for base in bases:
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base


def test_the_runtime_stage_runs_as_a_non_root_user() -> None:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    users = [args for word, args in steps[last_from:] if word == "USER"]
    assert users, "the runtime stage sets USER"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_entry_point_is_the_oneplan_command_and_serves_by_default() -> None:
    steps = dict(instructions())
    assert json.loads(steps["ENTRYPOINT"]) == ["oneplan"]
    assert json.loads(steps["CMD"])[0] == "serve"


def test_the_image_copies_the_packages_the_project_ships_and_ignores_tests_and_data() -> None:
    copied = " ".join(args for word, args in instructions() if word == "COPY")
    for package in ("domain", "projections", "services", "contracts", "pyproject.toml"):
        assert package in copied, package
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", "tests", "var"} <= set(ignored)
