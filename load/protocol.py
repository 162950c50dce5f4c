"""A virtual student: Streamlit's own websocket protocol, no browser.

A user opens ``/_stcore/stream`` (subprotocol ``streamlit``), sends the ``BackMsg.rerun_script``
that a browser sends for a link, reads ``ForwardMsg`` until ``script_finished``, and then, after a
think time, changes one widget (by default the playground's learning-rate slider) and sends the
rerun a browser would: every widget's current state, the changed one included. The time from
sending a rerun to its ``script_finished`` is the latency: the script ran and every delta (the
figures included) was sent before that message.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FIRST_LOAD_TIMEOUT = 30.0  # a first load slower than this counts as an error (the student gives up)
CHANGE_TIMEOUT = 30.0


@dataclass
class UserResult:
    first_load: float | None = None  # seconds, None when it failed
    changes: list[float] = field(default_factory=list)  # seconds per widget change
    errors: list[str] = field(default_factory=list)
    bytes_received: int = 0
    figures_changed: list[int] = field(default_factory=list)  # per change: charts whose figure differs


def _state_of(element) -> WidgetState | None:
    """The widget state a browser reports for a freshly drawn widget (its default), or None."""
    kind = element.WhichOneof("type")
    sub = getattr(element, kind)
    wid = getattr(sub, "id", "")
    if not wid or kind in ("button", "download_button", "bidi_component"):
        return None
    ws = WidgetState(id=wid)
    if kind == "slider" and sub.options:  # a select_slider: the formatted option text, as the browser sends it
        ws.string_array_value.data.extend(sub.options[int(i)] for i in (sub.value if sub.set_value else sub.default))
    elif kind == "slider":
        ws.double_array_value.data.extend(sub.value if sub.set_value else sub.default)
    elif kind == "selectbox":  # the option text, as the browser sends it
        ws.string_value = sub.raw_value if sub.set_value else (sub.options[sub.default] if sub.options else "")
    elif kind in ("checkbox",):
        ws.bool_value = sub.value if sub.set_value else sub.default
    elif kind == "number_input":
        ws.double_value = sub.value if sub.set_value else sub.default
    elif kind == "text_input":
        ws.string_value = sub.value if sub.set_value else sub.default
    else:
        return None
    return ws


class VirtualUser:
    """One session. ``widget`` is the key of the slider it moves (its element id ends with ``-key``)."""

    def __init__(self, url: str, query: str = "", page: str = "", widget: str = "lr", seed: int = 0):
        self.ws_url = url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        self.query, self.page, self.widget = query, page, widget
        self.rng = random.Random(seed)
        self.route = f"vu{seed}"  # the sticky-session cookie behind nginx (load/replicas.py), one per user
        self.states: dict[str, WidgetState] = {}
        self.options: dict[str, list[str]] = {}  # slider id -> its options' text (a select_slider) or []
        self.result = UserResult()
        self.figures: dict[str, int] = {}  # chart element id -> hash of its last arguments

    async def _rerun(self, ws, states: list[WidgetState] | None, timeout: float) -> float:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = self.page
        if states is not None:
            msg.rerun_script.widget_states.widgets.extend(states)
        begin = time.perf_counter()
        changed = 0
        await ws.send(msg.SerializeToString())
        deadline = begin + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError
            raw = await asyncio.wait_for(ws.recv(), timeout=left)
            self.result.bytes_received += len(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                if el.WhichOneof("type") == "bidi_component":
                    h = hash(el.bidi_component.bytes or el.bidi_component.json)
                    changed += self.figures.get(el.bidi_component.id, h) != h
                    self.figures[el.bidi_component.id] = h
                state = _state_of(el)
                if state is not None and state.id not in self.states:
                    self.states[state.id] = state
                    if el.WhichOneof("type") == "slider":
                        self.options[state.id] = list(el.slider.options)
            elif kind == "script_finished":
                if states is not None:
                    self.result.figures_changed.append(changed)
                return time.perf_counter() - begin

    def _changed(self) -> list[WidgetState]:
        """Every widget's state with the chosen slider moved one or a few stops (as a student drags it)."""
        target = next((i for i in self.states if i.endswith(f"-{self.widget}")), None)
        if target is None:
            raise LookupError(f"no widget with key {self.widget!r} on the page")
        state = self.states[target]
        options = self.options.get(target, [])
        if options:  # a select_slider: move by a few stops
            value = options.index(state.string_array_value.data[0])
            step = self.rng.choice([-3, -2, -1, 1, 2, 3])
            new = min(max(value + step, 0), len(options) - 1)
            if new == value:
                new = value - step
            del state.string_array_value.data[:]
            state.string_array_value.data.append(options[new])
        else:
            value = state.double_array_value.data[0]
            del state.double_array_value.data[:]
            state.double_array_value.data.append(value + self.rng.choice([-1, 1]) * 0.01)
        return list(self.states.values())

    async def run(self, changes: int, think_mean: float, start_delay: float, stop_at: float) -> UserResult:
        await asyncio.sleep(start_delay)
        try:
            async with connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=30,
                               ping_interval=None, additional_headers={"Cookie": f"descent_route={self.route}"}) as ws:
                try:
                    self.result.first_load = await self._rerun(ws, None, FIRST_LOAD_TIMEOUT)
                except TimeoutError:
                    self.result.errors.append(f"first load over {FIRST_LOAD_TIMEOUT:.0f} s")
                    return self.result
                for _ in range(changes):
                    wait = self.rng.expovariate(1.0 / think_mean) if think_mean > 0 else 0.0
                    if time.monotonic() + wait > stop_at:
                        break
                    await asyncio.sleep(wait)
                    try:
                        self.result.changes.append(await self._rerun(ws, self._changed(), CHANGE_TIMEOUT))
                    except TimeoutError:
                        self.result.errors.append(f"change over {CHANGE_TIMEOUT:.0f} s")
                        break
        except Exception as exc:  # a refused or dropped connection is an error of the run, not a crash
            self.result.errors.append(f"{type(exc).__name__}: {str(exc)[:80]}")
        return self.result
