"""Fresh local servers for a load run, and what their processes cost (from /proc: CPU time, RSS)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server at {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not answer within {timeout:.0f} s")


def start_server(port: int, script: str = "app.py", log_name: str = "load-server") -> subprocess.Popen:
    """``streamlit run script`` on a loopback port, its output in ``test-artifacts/{log_name}-{port}.log``."""
    LOGS.mkdir(exist_ok=True)
    with open(LOGS / f"{log_name}-{port}.log", "w") as log:  # the server writes to its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


@contextmanager
def local_servers(replicas: int = 1):
    """Yield ``(url, pids)``: one server, or ``replicas`` servers behind nginx (load/replicas.py)."""
    ports = [free_port() for _ in range(replicas)]
    procs = [start_server(p) for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        if replicas == 1:
            yield f"http://127.0.0.1:{ports[0]}", [p.pid for p in procs]
        else:
            from load.replicas import nginx

            with nginx(ports) as url:
                yield url, [p.pid for p in procs]
    finally:
        stop(procs)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


class ProcessMeter:
    """CPU seconds used and peak resident memory of the server processes while a scenario runs."""

    def __init__(self, pids: list[int], every: float = 0.25):
        self.pids, self.every = pids, every
        self.rss_before = 0
        self._peak = 0
        self._cpu0 = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rss_now(self) -> int:
        return sum(_rss_mb(p) for p in self.pids)

    def _cpu(self) -> float:
        return sum(_cpu_seconds(p) for p in self.pids)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self._peak = max(self._peak, self.rss_now())

    def start(self) -> None:
        self.rss_before = self._peak = self.rss_now()
        self._cpu0 = self._cpu()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> tuple[float, int]:
        self._stop.set()
        self._thread.join()
        return self._cpu() - self._cpu0, max(self._peak, self.rss_now())
