"""Run a main process (gunicorn) with sidecar processes beside it, and leave no orphans.

`oneplan serve` starts the projector this way on the embedded default; the Kafka relay can be
one more sidecar command. The supervisor:

- starts each sidecar, then the main process, every one a child that the kernel sends SIGTERM
  should the supervisor itself die (Linux's parent-death signal), so none outlives it;
- restarts a sidecar that exits while the main process runs (after `restart_delay`);
- on SIGTERM or SIGINT passes the signal on to the main process, and once the main process
  has exited, stops the sidecars (SIGTERM, then SIGKILL after `grace` seconds);
- answers the main process's exit status.

With no sidecars it simply becomes the main process (`os.execve`), as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from types import FrameType

Command = Sequence[str]

_PR_SET_PDEATHSIG = 1


def run_with_sidecars(
    main: Command,
    sidecars: Sequence[Command],
    env: Mapping[str, str],
    *,
    grace: float = 10.0,
    restart_delay: float = 1.0,
) -> int:
    """Run `main` with `sidecars` beside it until `main` exits; answers its exit status."""
    if not sidecars:
        os.execve(main[0], list(main), dict(env))
    running = {tuple(command): _start(command, env) for command in sidecars}
    server = _start(main, env)
    stopping: list[int] = []
    forward = _forward_to(server, stopping)
    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while server.poll() is None:
            for command, process in running.items():
                if process.poll() is not None and not stopping:
                    name = " ".join(command[-2:])
                    print(f"oneplan: {name} exited ({process.returncode}); restarting",
                          file=sys.stderr)  # fmt: skip
                    time.sleep(restart_delay)
                    running[command] = _start(command, env)
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop(server, grace)
        for process in running.values():
            _stop(process, grace)
    return server.returncode


def _start(command: Command, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(command), env=dict(env), preexec_fn=_die_with_parent)  # noqa: PLW1509


def _die_with_parent() -> None:
    """In the child, before exec: ask the kernel for SIGTERM when the parent dies (Linux)."""
    # Not Linux: no such call, but the supervisor's own cleanup still stops its children.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _forward_to(
    server: subprocess.Popen[bytes], stopping: list[int]
) -> Callable[[int, FrameType | None], None]:
    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)  # from now on, a sidecar that exits is not restarted
        if server.poll() is None:
            server.send_signal(signum)

    return forward


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
