"""A small load run in CI: virtual users over Streamlit's websocket protocol against a fresh server."""

import asyncio
import time

from load.__main__ import LINK, pct
from load.protocol import VirtualUser
from load.server import ProcessMeter, local_servers


def test_three_virtual_users_load_the_link_and_move_the_slider():
    with local_servers(1) as (url, pids):
        meter = ProcessMeter(pids)
        meter.start()
        stop_at = time.monotonic() + 90
        users = [VirtualUser(url, query=LINK, seed=i) for i in range(3)]

        async def crowd():
            return await asyncio.gather(*(u.run(changes=2, think_mean=0.3, start_delay=0.2 * i, stop_at=stop_at)
                                          for i, u in enumerate(users)))

        results = asyncio.run(crowd())
        cpu, peak = meter.stop()
    assert [r.errors for r in results] == [[], [], []]
    assert all(r.first_load is not None for r in results)
    changes = [c for r in results for c in r.changes]
    assert len(changes) == 6 and pct(changes, 0.5) < 30
    moved = [n for r in results for n in r.figures_changed]
    assert len(moved) == 6 and all(n >= 1 for n in moved), f"a slider move did not redraw a chart: {moved}"
    assert all(r.bytes_received > 50_000 for r in results)  # the figures came with the runs
    assert cpu > 0 and peak > 100
