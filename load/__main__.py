"""``make load``: virtual students against a fresh local server (or replicas behind nginx), one table.

    python -m load                       # N = 1, 10, 30, 100 and a burst, one server
    python -m load --users 1 10 --duration 30
    python -m load --replicas 2          # the same through nginx in front of 2 servers (load/replicas.py)
    python -m load --browser             # one real Chromium session alongside (load/browser_check.py)

Each scenario: N users arrive uniformly over 10 s, each opens the same playground link and then
moves the learning-rate slider after an exponential think time (mean 5 s), until the scenario's
duration is over. The burst: N users arrive within 10 s and only load the link. Reported per
scenario: first-load and change latency (p50, p95, max), errors, server CPU seconds per change
and in total, peak and final memory of the server processes, and the load average of the
machine (these 2 cores are shared: the load average says how noisy a row is). Traffic goes to
127.0.0.1 only; every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from load.protocol import VirtualUser
from load.server import ProcessMeter, local_servers

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "load" / "results.json"
LINK = "surface=rosenbrock&opt=momentum&lr=0.001&momentum=0.9&x0=-1.2&y0=1&steps=200"


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


async def scenario(url: str, users: int, duration: float, think: float, arrivals: float, changes: int,
                   seed: int) -> list:
    stop_at = time.monotonic() + duration
    vus = [VirtualUser(url, query=LINK, seed=seed * 1000 + i) for i in range(users)]
    delays = [arrivals * i / max(users, 1) for i in range(users)]
    return await asyncio.gather(*(vu.run(changes, think, d, stop_at) for vu, d in zip(vus, delays, strict=True)))


def run_one(url: str, meter: ProcessMeter, name: str, users: int, duration: float, think: float,
            changes: int, seed: int, settle: float = 5.0) -> dict:
    load_before = os.getloadavg()[0]
    meter.start()
    begin = time.monotonic()
    results = asyncio.run(scenario(url, users, duration, think, 10.0, changes, seed))
    wall = time.monotonic() - begin
    cpu, peak = meter.stop()
    time.sleep(settle)  # the sessions have closed; what memory stays
    first = [r.first_load for r in results if r.first_load is not None]
    change = [c for r in results for c in r.changes]
    errors = [e for r in results for e in r.errors]
    row = {
        "scenario": name, "users": users, "duration_s": round(wall, 1),
        "first_load_p50": pct(first, 0.5), "first_load_p95": pct(first, 0.95), "first_load_max": max(first or [0]),
        "changes": len(change), "change_p50": pct(change, 0.5), "change_p95": pct(change, 0.95),
        "change_max": max(change or [0]), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
        "server_cpu_s": round(cpu, 1), "cpu_per_request_s": round(cpu / max(1, len(change) + len(first)), 3),
        "rss_before_mb": meter.rss_before, "rss_peak_mb": peak, "rss_after_mb": meter.rss_now(),
        "loadavg_before": round(load_before, 2), "loadavg_after": round(os.getloadavg()[0], 2),
        "kb_per_user": round(sum(r.bytes_received for r in results) / 1024 / max(users, 1)),
    }
    return row


def fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def table(rows: list[dict], replicas: int) -> str:
    head = ("| replicas | scenario | users | first load p50 / p95 (s) | changes | change p50 / p95 / max (s) | errors "
            "| server CPU s (per request) | RSS MB before / peak / after | load avg before / after |")
    out = [head, "|" + "---|" * 10]
    for r in rows:
        out.append(
            f"| {replicas} | {r['scenario']} | {r['users']} | {fmt(r['first_load_p50'])} / {fmt(r['first_load_p95'])} "
            f"| {r['changes']} | {fmt(r['change_p50'])} / {fmt(r['change_p95'])} / {fmt(r['change_max'])} "
            f"| {r['errors']} | {r['server_cpu_s']} ({r['cpu_per_request_s']}) "
            f"| {r['rss_before_mb']} / {r['rss_peak_mb']} / {r['rss_after_mb']} "
            f"| {r['loadavg_before']} / {r['loadavg_after']} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, nargs="+", default=[1, 10, 30, 100])
    ap.add_argument("--burst", type=int, default=100, help="users in the burst (0: none)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per scenario (bounded)")
    ap.add_argument("--think", type=float, default=5.0, help="mean think time between changes, s")
    ap.add_argument("--changes", type=int, default=40, help="at most this many changes per user")
    ap.add_argument("--replicas", type=int, default=1, help="servers; 2 or more go behind nginx")
    ap.add_argument("--browser", action="store_true", help="one real Chromium session alongside the largest N")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if max(args.users + [args.burst]) > 200 or args.duration > 600 or args.changes > 200:
        ap.error("bounded: at most 200 users, 600 s per scenario, 200 changes per user")

    rows = []
    with local_servers(args.replicas) as (url, pids):
        meter = ProcessMeter(pids)
        # Warm-up: a few users per server, so JAX's compilations are not billed to the first scenario
        # (behind nginx each user's route cookie picks a server).
        asyncio.run(scenario(url, 4 * args.replicas, 30.0, 0.5, 2.0, 3, 0))
        for n in args.users:
            checker = None
            if args.browser and n == max(args.users):
                from load.browser_check import BrowserCheck
                checker = BrowserCheck(url, LINK)
                checker.start()
            row = run_one(url, meter, "follow", n, args.duration, args.think, args.changes, args.seed)
            if checker is not None:
                row["browser"] = checker.finish()
            rows.append(row)
            print(json.dumps(row), flush=True)
        if args.burst:
            row = run_one(url, meter, "burst", args.burst, 40.0, 0.0, 0, args.seed)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(table(rows, args.replicas))
    record = {"replicas": args.replicas, "argv": sys.argv[1:], "cpus": os.cpu_count(), "rows": rows,
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    old = json.loads(args.out.read_text()) if args.out.exists() else {}
    old[f"replicas={args.replicas}"] = record
    args.out.write_text(json.dumps(old, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
