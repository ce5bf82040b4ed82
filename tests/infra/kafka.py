"""A real single-node KRaft Apache Kafka broker for tests, run from Maven Central jars.

The broker's classpath is fetched once by Maven (tests/infra/kafka/pom.xml) into
``.cache/kafka/<version>/libs`` at the repo root; Maven's own local repository is the
default ``~/.m2``. Needs ``java`` (17+) always and ``mvn`` for the first fetch.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from types import TracebackType

HERE = Path(__file__).resolve().parent
POM = HERE / "kafka" / "pom.xml"
LOG4J_CONFIG = HERE / "kafka" / "log4j2.properties"
REPO_ROOT = HERE.parents[1]
READY_LINE = "Kafka Server started"
JVM_OPTS = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1"]


def kafka_version() -> str:
    """The Kafka version pinned in pom.xml (the one source of truth)."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ET.parse(POM).getroot().find("m:properties/m:kafka.version", ns)
    if node is None or not node.text:
        raise RuntimeError(f"{POM} has no <kafka.version> property")
    return node.text.strip()


def _require(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"`{tool}` is not on PATH: {why}")
    return path


def ensure_jars() -> Path:
    """Fetch the broker jars once into .cache/kafka/<version>/libs; return that dir."""
    cache = REPO_ROOT / ".cache" / "kafka" / kafka_version()
    libs, marker = cache / "libs", cache / "libs.complete"

    def complete() -> bool:
        return marker.exists() and all(
            (libs / name).is_file() for name in marker.read_text().split()
        )

    if complete():
        return libs
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:  # serialise concurrent fetches
        fcntl.flock(lock, fcntl.LOCK_EX)
        if complete():
            return libs
        mvn = _require("mvn", "Maven 3 is needed once to fetch the Kafka broker jars")
        tmp = cache / "libs.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={tmp}",
        ]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(
                f"fetching Kafka jars failed ({' '.join(cmd)}):\n{run.stdout}\n{run.stderr}"
            )
        shutil.rmtree(libs, ignore_errors=True)
        tmp.rename(libs)
        marker.write_text("\n".join(sorted(p.name for p in libs.glob("*.jar"))) + "\n")
    return libs


def _free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _cluster_id() -> str:
    while True:  # Kafka's Uuid.randomUuid() also rejects ids that start with '-'
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


# Resolved up front: the forked child must not import or dlopen (other threads may hold locks).
_PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:  # runs in the child: SIGTERM the broker if pytest dies
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class KafkaBroker:
    """Single-node KRaft broker+controller on 127.0.0.1 with its own temp log dir.

    ``stop()`` then ``start()`` restarts it on the same ports and data (an outage).
    """

    def __init__(self, startup_timeout: float = 90.0) -> None:
        self.java = _require("java", "a JDK/JRE 17+ is needed to run the Kafka test broker")
        self.libs = ensure_jars()
        self.startup_timeout = startup_timeout
        self.port, self.controller_port = _free_ports(2)
        self._tmp = tempfile.TemporaryDirectory(prefix="kafka-test-")
        self.dir = Path(self._tmp.name)
        self.log_path = self.dir / "broker.log"
        self.config_path = self.dir / "server.properties"
        self._proc: subprocess.Popen[bytes] | None = None
        self._write_config()
        self._java(
            "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(self.config_path)
        )

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _write_config(self) -> None:
        p, c = self.port, self.controller_port
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{c}",
            "listeners": f"PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{p}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.dir / "data"),
            "num.partitions": "1",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "share.coordinator.state.topic.num.partitions": "1",
            "group.initial.rebalance.delay.ms": "0",
            "group.min.session.timeout.ms": "1000",
        }
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))

    def _java_cmd(self, main: str, *args: str) -> list[str]:
        return [
            self.java,
            *JVM_OPTS,
            "-cp",
            f"{self.libs}/*",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            main,
            *args,
        ]

    def _java(self, main: str, *args: str) -> None:
        run = subprocess.run(self._java_cmd(main, *args), capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"{main} {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}")

    def _log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def start(self) -> None:
        """Start (or restart) the broker and wait until it serves clients."""
        if self.running:
            return
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                self._java_cmd("kafka.Kafka", str(self.config_path)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                if READY_LINE.encode() in f.read():
                    return
            if self._proc.poll() is not None:
                code, self._proc = self._proc.returncode, None
                raise RuntimeError(
                    f"Kafka broker exited with {code} during startup; log "
                    f"{self.log_path}:\n{self._log_tail()}"
                )
            time.sleep(0.1)
        tail = self._log_tail()
        self.stop()
        raise RuntimeError(
            f"Kafka broker not ready after {self.startup_timeout:.0f}s; log "
            f"{self.log_path}:\n{tail}"
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Controlled shutdown (SIGTERM); SIGKILL if it takes longer than ``timeout``."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            self._tmp.cleanup()

    def __enter__(self) -> KafkaBroker:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


if __name__ == "__main__":  # python3 -m tests.infra.kafka: run a broker until Ctrl-C/SIGTERM
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with KafkaBroker() as broker:
        print(f"Kafka {kafka_version()} at {broker.bootstrap_servers} (log {broker.log_path})")
        with contextlib.suppress(KeyboardInterrupt):
            while broker.running:
                time.sleep(1)
