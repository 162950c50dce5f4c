"""``python -m benchmarks`` (``make bench``): every speed claim measured side by side, in one run.

    python -m benchmarks                 # everything (about 4 minutes on 2 cores), writes results.json
    python -m benchmarks --quick         # smoke run: fewer repeats, no 50,000 steps, no 512x512, no browsers
    python -m benchmarks --only single,recompiles

Sections: single, optimizers, batched, data, network, pages, recompiles, interaction, browser, load (first visits
in fresh browser contexts, side by side with a one-chart hello page). A partial or quick run writes
``benchmarks/results-local.json`` (git-ignored) unless ``--out`` says otherwise, so the committed
``results.json`` always holds a full run. With ``JAX_PLATFORMS=cuda`` the same suite runs on a GPU
and the backend is recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

import surfaces  # noqa: F401  (float64 on, before anything traces)
from benchmarks import report
from benchmarks.common import machine, now_iso, versions

SECTIONS = ("single", "optimizers", "batched", "data", "network", "pages", "recompiles", "interaction", "browser",
            "load")
HERE = Path(__file__).resolve().parent


def _section(name: str, quick: bool) -> list[dict]:
    if name == "single":
        from benchmarks import single

        return single.run(quick)
    if name == "optimizers":  # the rest of torch.optim, Lion and L-BFGS against torch, optax and SciPy
        from benchmarks import optimizers

        return optimizers.run(quick)
    if name == "batched":
        from benchmarks import batched

        sizes = (64, 256) if quick else (64, 256, 512)
        return [*batched.basins(sizes, repeat=2 if quick else 3), *batched.sweep(quick), *batched.race(quick)]
    if name == "data":
        from benchmarks import data

        return data.run(quick)
    if name == "network":
        from benchmarks import network

        return network.run(quick)
    if name == "pages":  # the heavier pages' own computations: first call (compiles) and steady
        from benchmarks import federated, regularization

        reg_rows = [{"section": "pages", "case": f"regularization: {r.pop('name')}", **r}
                    for r in regularization.run(2 if quick else 5)]
        fed_rows = [{**r, "section": "pages", "case": f"federated: {r['case']}"} for r in federated.run(quick)]
        return [*reg_rows, *fed_rows]
    if name == "recompiles":
        from benchmarks import recompiles

        return recompiles.run(quick)
    if name == "interaction":
        from benchmarks import interaction

        return interaction.run(quick)
    if name == "browser":
        from benchmarks import browser

        return browser.run(quick)
    if name == "load":
        from benchmarks import load

        return load.run(quick)
    raise ValueError(name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short smoke run (skips 512x512 and the browser)")
    ap.add_argument("--only", default="", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    ap.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    args = ap.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        ap.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    browsers = ("browser", "load")
    chosen = [s for s in SECTIONS if (not only or s in only) and not (args.quick and s in browsers and not only)]
    out = args.out or HERE / ("results.json" if not (args.quick or only) else "results-local.json")

    results = {"date": now_iso(), "machine": machine(), "versions": versions(),
               "mode": {"quick": args.quick, "sections": chosen}, "rows": [], "errors": {}, "seconds": {}}
    t_all = time.perf_counter()
    for name in chosen:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        try:
            results["rows"] += _section(name, args.quick)
        except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others' numbers
            results["errors"][name] = "".join(traceback.format_exception(exc))[-2000:]
            print(f"[bench] {name} failed: {exc!r}", file=sys.stderr, flush=True)
        results["seconds"][name] = time.perf_counter() - t
    results["seconds"]["total"] = time.perf_counter() - t_all
    results["targets"] = report.targets(results)

    print(report.render_terminal(results))
    for name, err in results["errors"].items():
        print(f"\n[{name} failed]\n{err}")
    print("\nMarkdown for the README's Benchmarks section:\n")
    print(report.render_markdown(results))
    out.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(f"written to {out} ({results['seconds']['total']:.0f} s)")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
