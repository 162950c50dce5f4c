"""Two app servers behind Debian's nginx (load/replicas.py): WebSocket upgrade, sticky sessions, both used."""

import asyncio
import os
import shutil
import time
import urllib.request

import pytest

from load.__main__ import LINK
from load.protocol import VirtualUser
from load.server import local_servers

if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the replica test: install Debian's nginx (see .ci/run)")
    pytest.skip("Debian's nginx is not installed", allow_module_level=True)


def replica(url: str, cookie: str) -> str:
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": f"descent_route={cookie}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        return r.headers["X-Descent-Replica"]


def test_nginx_spreads_sessions_over_two_replicas_and_keeps_each_on_its_own():
    with local_servers(2) as (url, pids):
        assert len(pids) == 2
        first_visit = urllib.request.urlopen(url + "/_stcore/health", timeout=10)
        cookies = first_visit.headers.get_all("Set-Cookie")
        assert any(c.startswith("descent_route=") for c in cookies)  # a browser's first request gets a route
        routes = {c: replica(url, c) for c in (f"student{i}" for i in range(12))}
        assert len(set(routes.values())) == 2, routes  # both replicas take students
        for cookie, where in list(routes.items())[:4]:
            assert {replica(url, cookie) for _ in range(3)} == {where}  # and each student stays on one

        users = [VirtualUser(url, query=LINK, seed=i) for i in range(4)]
        by_replica = {where: [c for c, w in routes.items() if w == where] for where in set(routes.values())}
        for i, u in enumerate(users):  # two students on each replica
            u.route = list(by_replica.values())[i % 2][i // 2]
        stop_at = time.monotonic() + 90

        async def crowd():
            return await asyncio.gather(*(u.run(changes=1, think_mean=0.2, start_delay=0.1 * i, stop_at=stop_at)
                                          for i, u in enumerate(users)))

        results = asyncio.run(crowd())
        assert [r.errors for r in results] == [[]] * 4  # the websocket went through nginx both ways
        assert all(r.first_load is not None and len(r.changes) == 1 for r in results)
