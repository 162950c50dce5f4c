"""Counting what JAX compiles: its monitoring events, collected inside a ``with`` block."""

from contextlib import contextmanager

import jax

TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"  # one per function traced
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"  # one per XLA module compiled


@contextmanager
def compile_log(events=(TRACE_EVENT, COMPILE_EVENT)):
    """Collects ``(event, function name)`` for every event of ``events`` inside the block."""
    seen: list[tuple[str, str]] = []

    def listener(event, duration, **kwargs):
        if event in events:
            seen.append((event, str(kwargs.get("fun_name", ""))))

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield seen
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


def xla_compiles():
    """Only the XLA compiles (what costs time), not the traces."""
    return compile_log(events=(COMPILE_EVENT,))
