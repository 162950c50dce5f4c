"""What every benchmark shares: timers, the compile counter, memory readings and the machine record.

Timing rules: ``time.perf_counter``; steady state is the best of N (the minimum is the least
disturbed by the other processes on a shared machine); JAX results are ``block_until_ready``-ed
inside the timed region. A first call (trace + compile + run) is reported apart from steady state.
"""

from __future__ import annotations

import datetime
import logging
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parent.parent


def block(x):
    """Wait for every JAX array in ``x``; anything else passes through."""
    return jax.block_until_ready(x)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = block(fn())
    return time.perf_counter() - t, out


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` calls, in seconds."""
    return min(timed(fn)[0] for _ in range(max(int(repeat), 1)))


def first_and_steady(fn: Callable[[], object], repeat: int) -> dict:
    """``first_s`` (trace + compile + run when ``fn`` is new), ``steady_s`` (best of ``repeat``) and
    ``compile_s`` = first - steady, the part of the first call a second call does not pay."""
    first, _ = timed(fn)
    steady = best_of(fn, repeat)
    return {"first_s": first, "steady_s": steady, "compile_s": max(first - steady, 0.0)}


def percentile(values, q: float) -> float:
    """Linear-interpolation percentile (q in 0..100) of a non-empty sequence."""
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    k = (len(xs) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (k - lo))


def summary_ms(seconds) -> dict:
    ms = [1e3 * s for s in seconds]
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "min_ms": min(ms), "max_ms": max(ms), "mean_ms": statistics.fmean(ms)}


# --- compile counting -----------------------------------------------------------------------------
# With ``jax_log_compiles`` on, JAX 0.10.2 logs one "Compiling jit(NAME) with global shapes ..." record
# (logger jax._src.interpreters.pxla) per XLA compilation, and "Finished tracing ... / Finished XLA
# compilation of jit(NAME) in S sec" (jax._src.dispatch) with the durations. A cache hit logs nothing.
_COMPILING = re.compile(r"^Compiling (\S+)")
_FINISHED = re.compile(r"^Finished (tracing|jaxpr to MLIR module conversion|XLA compilation)\b.*? in ([0-9.eE+-]+) sec")


@dataclass
class CompileLog:
    names: list[str] = field(default_factory=list)  # one entry per XLA compilation
    seconds: dict[str, float] = field(default_factory=dict)  # tracing / lowering / compilation totals

    @property
    def count(self) -> int:
        return len(self.names)


class _Handler(logging.Handler):
    def __init__(self, log: CompileLog):
        super().__init__(level=logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        m = _COMPILING.match(msg)
        if m:
            self.log.names.append(m.group(1))
            return
        m = _FINISHED.match(msg)
        if m:
            kind = {"tracing": "trace_s", "XLA compilation": "xla_compile_s"}.get(m.group(1), "lower_s")
            self.log.seconds[kind] = self.log.seconds.get(kind, 0.0) + float(m.group(2))


@contextmanager
def count_compiles():
    """Collect every XLA compilation inside the block (see ``CompileLog``); prints nothing."""
    log = CompileLog()
    logger = logging.getLogger("jax")
    handler = _Handler(log)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # keep the records off the terminal
    try:
        with jax.log_compiles(True):
            yield log
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def compile_counter_works() -> bool:
    """Positive control: a new jitted function called on a new shape must count exactly one compile."""
    import numpy as np

    f = jax.jit(lambda x: x * 3.0 + 1.0)
    with count_compiles() as log:
        block(f(np.zeros(7)))
    with count_compiles() as again:
        block(f(np.ones(7)))
    return log.count == 1 and again.count == 0


# --- memory ---------------------------------------------------------------------------------------
def proc_status_kb(key: str) -> int | None:
    """``VmRSS`` / ``VmHWM`` of this process in kB (Linux), else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs); False where refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def device_peak_bytes() -> int | None:
    """The accelerator's own peak, where the backend reports one (GPU); None on CPU."""
    try:
        stats = jax.devices()[0].memory_stats()
    except Exception:  # noqa: BLE001 - not every backend implements it
        return None
    return int(stats["peak_bytes_in_use"]) if stats and "peak_bytes_in_use" in stats else None


# --- the machine ------------------------------------------------------------------------------------
def machine() -> dict:
    devices = jax.devices()
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in devices],
        "device_kind": devices[0].device_kind if devices else None,
        "jax_platforms_env": os.environ.get("JAX_PLATFORMS"),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average_at_start": list(load) if load else None,
    }


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("jax", "jaxlib", "numpy", "optax", "torch", "streamlit", "plotly", "playwright"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
