"""The printable evidence page in a real browser: Debian's Chromium, headless.

A plan is taken through two cycles (and corrected) on an embedded store; the real server
(`oneplan serve`) answers its evidence page for `Accept: text/html`; the page is saved and
loaded by Chromium from the file, with no network — so it renders only if it is
self-contained. Chromium's DOM must show the child, the chain head and each cycle; a
screenshot and a PDF printed by Chromium are kept under `artifacts/evidence/`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from services.config import Config
from services.http.app import create_app
from services.ledger import PlanLedger
from tests.support.api import CHILD, SECRET, Api, token
from tests.support.walkthrough import full_cycle, people

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "evidence"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium (.ci/run does)")
    done = subprocess.run(
        [CHROMIUM, *HEADLESS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@contextmanager
def serving(data_dir: Path) -> Iterator[str]:
    """`oneplan serve` on the embedded store in `data_dir`, until /healthz answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("ONEPLAN_") and k != "DATABASE_URL"
    }
    env.update(ONEPLAN_DATA_DIR=str(data_dir), ONEPLAN_JWT_SECRET=SECRET, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def two_cycles_on(data_dir: Path) -> str:
    """A plan through two cycles with a correction, written on the store in `data_dir`."""
    config = Config(data_dir=data_dir, database_url=None, jwt_secret=SECRET)
    ledger = PlanLedger(env=config.store_env())
    try:
        api = Api(create_app(config, ledger=ledger).test_client())
        plan_id = api.open_plan()["id"]
        ids = people(api, plan_id)
        full_cycle(api, plan_id, ids, cycle=1)
        api.ok("POST", plan_id, "/stage", {"to": "assess"})
        full_cycle(api, plan_id, ids, cycle=2)
        correction = {
            "event_version": 2,
            "changes": {"name": "Pat Parent-Smith"},
            "reason": "Full surname",
        }
        api.ok("POST", plan_id, "/corrections", correction)
        return str(plan_id)
    finally:
        ledger.close()


def test_the_evidence_page_renders_prints_and_shows_the_chain_head_in_chromium(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    plan_id = two_cycles_on(data_dir)
    with serving(data_dir) as base:
        headers = {"Authorization": f"Bearer {token('inspector')}"}
        bundle = requests.get(f"{base}/v1/plans/{plan_id}/evidence", headers=headers, timeout=30)
        page = requests.get(
            f"{base}/v1/plans/{plan_id}/evidence",
            timeout=30,
            headers={**headers, "Accept": "text/html"},
        )
    assert bundle.status_code == 200 and page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    chain_head = bundle.json()["chain_head"]

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    saved = ARTIFACTS / "evidence.html"
    saved.write_bytes(page.content)
    profile = tmp_path / "chromium-profile"

    dom = chromium(profile, "--dump-dom", saved.as_uri()).stdout
    shot = ARTIFACTS / "evidence.png"
    chromium(
        profile,
        "--window-size=1240,1754",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        saved.as_uri(),
    )
    pdf = ARTIFACTS / "evidence.pdf"
    chromium(profile, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", saved.as_uri())

    assert CHILD["name"] in dom and "Sunflower Primary" in dom
    assert chain_head in dom
    assert re.search(r"<h2>Cycle 1</h2>", dom) and re.search(r"<h2>Cycle 2</h2>", dom)
    assert "Full surname" in dom and "Pat Parent-Smith" in dom
    assert "<script" not in dom
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    printed = pdf.read_bytes()
    assert printed.startswith(b"%PDF") and len(printed) > 20_000
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", printed))
    assert pages >= 4, f"cover, two cycles on pages of their own, corrections: {pages} pages"
