"""Tables of the results (terminal and Markdown) and the targets, each marked met or missed.

``tables(results)`` is the one layout both renderers use: a list of (title, header, rows of text).
"""

from __future__ import annotations

import math


def _ms(s) -> str:
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "-"
    return f"{1e3 * s:.3g} ms" if s < 1 else f"{s:.2f} s"


def _rate(x) -> str:
    return "-" if x is None else f"{x:.3g}/s"


def _x(x) -> str:
    return "-" if x is None else (f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x")


def _kb(b) -> str:
    return "-" if b is None else f"{b / 1000:,.0f} kB"


def _rows(results: dict, section: str) -> list[dict]:
    return [r for r in results.get("rows", []) if r.get("section") == section]


def _check(r: dict) -> str:
    c = r.get("check")
    if not c:
        return ""
    if c.get("reference"):
        return "reference"
    if "max_dev" in c:
        ok = "equal" if c.get("ok") else "DIFFERS"
        if c["equal_through"] >= r.get("steps", 0):
            return f"{ok} (max dev {c['max_dev']:.1e})"
        return (f"{ok} to 1e-9 through step {c['equal_through']:,}; Descent vs itself from 1 ulp away: "
                f"{c['self_spread_through']:,}")
    return ", ".join(f"{k} {v:.2g}" if isinstance(v, float) else f"{k} {v}" for k, v in c.items())


def tables(results: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    rows = _rows(results, "single")
    if rows:
        out.append(("Single run: Adam on Rosenbrock, float64, from (-1.2, 1), lr 0.01",
                    ["steps", "implementation", "compile", "steady", "steps/s", "vs NumPy", "vs torch",
                     "vs optax", "trajectory check"],
                    [[f"{r['steps']:,}", r["impl"], _ms(r.get("compile_s")), _ms(r["steady_s"]),
                      _rate(r["steps_per_s"]), _x(r["x_vs_numpy"]), _x(r["x_vs_torch"]), _x(r["x_vs_optax"]),
                      _check(r)] for r in rows]))
    rows = _rows(results, "runner")
    if rows:
        out.append(("Runner per optimizer: one recorded descend() call, host copy included",
                     ["case", "optimizer", "descend()", "ns/step"],
                     [[r["case"], r["impl"], _ms(r["steady_s"]), f"{r['ns_per_step']:.0f}"] for r in rows]))
    rows = [r for r in _rows(results, "optimizers") if "x_vs_torch" in r or "x_vs_optax" in r]
    if rows:
        out.append(("The rest of torch.optim, Lion and L-BFGS: descend() against the same loop in torch.optim "
                    "(float64, autograd) and optax (jitted lax.scan, no record)",
                    ["case", "descend()", "µs/step", "torch.optim", "vs torch", "optax", "vs optax", "path vs torch"],
                    [[r["case"], _ms(r["steady_s"]), f"{r['us_per_step']:.2f}", _ms(r.get("torch_s")),
                      _x(r.get("x_vs_torch")), _ms(r.get("optax_s")), _x(r.get("x_vs_optax")),
                      r.get("check", "-").replace("max |ours - torch| over the path ", "max dev ")] for r in rows]))
    rows = [r for r in _rows(results, "optimizers") if "x_vs_torch" not in r and "x_vs_optax" not in r]
    if rows:
        out.append((rows[0]["case"] + ", from (-1.2, 1)",
                    ["implementation", "steps (iterations) to the target", "evaluations", "time", "note"],
                    [[r["impl"], "-" if r.get("steps") is None else str(r["steps"]),
                      "-" if r.get("evaluations") is None else str(r["evaluations"]), _ms(r["steady_s"]),
                      r.get("note", r.get("check", ""))] for r in rows]))
    rows = _rows(results, "update")
    if rows:
        out.append(("Where a step's time goes: Adam's update alone in a bare scan (no record, no checks)",
                    ["case", "update", "steady", "ns/step", "path vs the first row"],
                    [[r["case"], r["impl"], _ms(r["steady_s"]), f"{r['ns_per_step']:.0f}",
                      f"max dev {r['check']['max_dev']:.1e}" if r.get("check") else "-"] for r in rows]))
    rows = _rows(results, "batched")
    if rows:
        def mem(r):
            a, b = r.get("peak_rss_first_call_mb"), r.get("peak_rss_steady_mb")
            return "-" if a is None else f"{a:.0f} / {b:.0f} MB"

        def note(r):
            if "error" in r:
                return "ERROR " + r["error"][:60]
            if "same_basin_as_float64_runner" in r:
                return f"same basin as float64 runner: {100 * r['same_basin_as_float64_runner']:.2f}%"
            if "x_vs_batched" in r:
                return "; ".join(x for x in (f"{_x(r['x_vs_batched'])} the batched call's time", _check(r)) if x)
            return _check(r)

        out.append(("Batched: many trajectories per call",
                    ["case", "implementation", "compile", "steady", "trajectory-steps/s",
                     "peak RSS (first call / steady)", "notes"],
                    [[r["case"], r["impl"], _ms(r.get("compile_s")), _ms(r.get("steady_s")),
                      _rate(r.get("traj_steps_per_s")), mem(r), note(r)] for r in rows]))
    rows = _rows(results, "data")
    if rows:
        out.append(("Learning from data: mini-batch SGD on the noisy line (N = 200, linear regression), float64",
                    ["case", "implementation", "compile", "steady", "updates/s", "vs NumPy", "vs torch", "vs optax",
                     "trajectory check"],
                    [[r["case"], r["impl"], _ms(r.get("compile_s")), _ms(r["steady_s"]), _rate(r["steps_per_s"]),
                      _x(r.get("x_vs_numpy")), _x(r.get("x_vs_torch")), _x(r.get("x_vs_optax")), _check(r)]
                     for r in rows]))
    rows = _rows(results, "network")
    if rows:
        def acc(r):
            return f"{100 * r['test_accuracy']:.1f} %" if r.get("test_accuracy") is not None else "-"

        def weights(r):
            c = r.get("check") or {}
            if "max_dev" in c and c.get("ok") is None:
                return f"float32: max dev {c['max_dev']:.1e} from float64 (not compared)"
            return _check(r) if c else "-"

        out.append(("The digits network: 64-128-10 MLP, 1,437 training images, float64 unless noted",
                    ["case", "implementation", "compile", "steady", "vs torch (f64)", "vs torch (f32)", "vs NumPy",
                     "test accuracy", "weights check"],
                    [[r["case"], r["impl"], _ms(r.get("compile_s")), _ms(r["steady_s"]), _x(r.get("x_vs_torch")),
                      _x(r.get("x_vs_torch32")), _x(r.get("x_vs_numpy")), acc(r), weights(r)]
                     for r in rows]))
    rows = _rows(results, "pages")
    if rows:
        out.append(("Page computations: first call (compiles included) and steady (best of a few)",
                    ["case", "first call", "steady"],
                    [[r["case"], _ms(r.get("first_s")), _ms(r.get("steady_s"))] for r in rows]))
    rows = _rows(results, "recompiles")
    if rows:
        out.append(("Recompiles (JAX compile log)", ["case", "what", "compilations", "expected", "ok"],
                    [[r["case"], r["impl"], str(r.get("compiles")), str(r.get("expected")),
                      "yes" if r.get("ok") else "NO"] for r in rows]))
    rows = _rows(results, "interaction")
    if rows:
        def stages(r):
            s = r.get("stages_p50_ms")
            if not s:
                return ", ".join(f"{k} {_kb(v)}" for k, v in r.get("figure_bytes", {}).items())
            return ", ".join(f"{k} {v:.1f}" for k, v in s.items())

        out.append(("Interaction, server side (stage medians in ms)",
                    ["case", "p50", "p95", "best", "figure JSON per page", "stages (ms) / figures"],
                    [[r["case"], f"{r['p50_ms']:.0f} ms", f"{r['p95_ms']:.0f} ms", f"{r['min_ms']:.0f} ms",
                      _kb(r.get("page_figure_bytes")), stages(r)] for r in rows]))
    rows = _rows(results, "browser")
    if rows:
        def cells(r):
            if "error" in r:
                return ["-", "-", r["error"]]
            if "new_plot_ms" in r:
                return [f"{r['p50_ms']:.0f} ms", "-", f"redraw (react) p50; first draw {r['new_plot_ms']:.0f} ms; "
                        f"{_kb(r['bytes'])} of JSON"]
            if "first_chart_s" in r:
                fig = r.get("first_figure_arrived_s")
                return [f"{r['first_chart_s']:.1f} s", "-",
                        f"server healthy {r['server_healthy_s']:.1f} s, page loaded {r['page_loaded_s']:.1f} s, "
                        f"first figure received {fig:.1f} s, first chart ({r['first_chart']}) drawn "
                        f"{r['first_chart_s']:.1f} s, 2-D + 3-D drawn {r['charts_2d_3d_s']:.1f} s"
                        if fig else f"server healthy {r['server_healthy_s']:.1f} s"]
            extra = []
            if "figure_arrived_p50_ms" in r:
                extra.append(f"figure arrived p50 {r['figure_arrived_p50_ms']:.0f} ms")
            if "ws_bytes_p50" in r:
                extra.append(f"rerun over p50 {r['last_frame_p50_ms']:.0f} ms, {_kb(r['ws_bytes_p50'])} received, "
                             f"browser long tasks {r['browser_longtasks_p50_ms']:.0f} ms, "
                             f"charts re-created (new div) per move {r.get('new_chart_divs_per_move_p50')}")
            return [f"{r['p50_ms']:.0f} ms", f"{r['p95_ms']:.0f} ms", "; ".join(extra)]

        out.append(("Browser: headless Chromium (software WebGL), real server",
                    ["case", "p50 / time", "p95", "notes"], [[r["case"], *cells(r)] for r in rows]))
    rows = _rows(results, "load")
    if rows:
        def load_cells(r):
            if "error" in r:
                return ["-", "-", "-", r["error"]]
            parts = [f"DOMContentLoaded {r['dcl_p50_ms']:.0f} ms" if r.get("dcl_p50_ms") else None,
                     f"plotly.js fetched {r['plotly_js_end_p50_ms']:.0f} ms" if r.get("plotly_js_end_p50_ms") else None,
                     f"first figure received {r['figure_arrived_p50_ms']:.0f} ms"
                     if r.get("figure_arrived_p50_ms") else None,
                     f"{_kb(r['js_bytes'])} of JavaScript" if r.get("js_bytes") else None]
            return [f"{r['p50_ms'] / 1e3:.2f} s", f"{r['min_ms'] / 1e3:.2f}-{r['max_ms'] / 1e3:.2f} s",
                    f"{r['vs_hello']:.2f}x" if r.get("vs_hello") else "-",
                    ", ".join(p for p in parts if p) + f" (p50 of {r['samples']})"]

        out.append(("First visit: goto -> first chart, fresh browser context, warm server",
                    ["page", "p50", "range", "vs hello", "where the time goes (p50)"],
                    [[r["case"].split(": ", 1)[-1], *load_cells(r)] for r in rows]))
    tg = results.get("targets")
    if tg:
        out.append(("Targets", ["target", "goal", "measured", "met"],
                    [[t["target"], t["goal"], t["measured"],
                      {True: "met", False: "MISSED", None: "reported" if t["goal"] == "report" else "not measured"}[
                          t["met"]]] for t in tg]))
    return out


def _find(rows, **match):
    for r in rows:
        if all(str(v) in str(r.get(k, "")) for k, v in match.items()):
            return r
    return None


def targets(results: dict) -> list[dict]:
    rows = results.get("rows", [])
    out = []

    def add(name, goal, measured, met):
        out.append({"target": name, "goal": goal, "measured": measured, "met": met})

    d5 = _find(rows, section="single", steps=5000, impl="Descent descend()")
    add("single run vs NumPy loop, 5,000 steps", ">= 400x", _x(d5["x_vs_numpy"]) if d5 else "-",
        d5["x_vs_numpy"] >= 400 if d5 else None)
    singles = [r for r in rows if r.get("section") == "single" and r.get("impl") == "Descent descend()"]
    add("single run vs optax + lax.scan", "no slower (>= 1x)",
        ", ".join(f"{r['steps']:,}: {_x(r['x_vs_optax'])}" for r in singles) or "-",
        all(r["x_vs_optax"] >= 1 for r in singles) if singles else None)
    for impl in ("Descent descend_batch", "float32"):
        b = _find(rows, section="batched", case="basins 512x512", impl=impl)
        ok = b is not None and "steady_s" in b
        add(f"basins 512x512 x 500 steps ({b['impl'] if b else impl})",
            "<= 0.25 s (>= 5.2e8 traj-steps/s; 1e9 = 0.13 s)",
            f"{_ms(b['steady_s'])}, {_rate(b['traj_steps_per_s'])}" if ok else "-",
            b["steady_s"] <= 0.25 if ok else None)
    sgd = _find(rows, section="data", impl="Descent train()")
    add("SGD B = 1, 100 epochs of N = 200 (20,000 updates), after compile", "<= 20 ms",
        _ms(sgd["steady_s"]) if sgd else "-", sgd["steady_s"] <= 0.020 if sgd and sgd["epochs"] == 100 else None)
    race = _find(rows, section="data", impl="Descent train_sizes()")
    add("4 batch sizes x 16 seeds x 50 epochs, one call", "<= 0.3 s", _ms(race["steady_s"]) if race else "-",
        race["steady_s"] <= 0.3 if race else None)
    net = _find(rows, section="network", impl="Descent train_network() (jit")
    add("network: Adam 20 epochs x 1,437 images, B = 32, after compile", "<= 1 s",
        _ms(net["steady_s"]) if net else "-", net["steady_s"] <= 1.0 if net else None)
    net32 = _find(rows, section="network", impl="Descent train_network(dtype")
    add("network: Adam training vs the same PyTorch loop, each in PyTorch's default float32 (faster thread "
        "setting)", ">= 5x", _x(net32["x_vs_torch32"]) if net32 else "-", net32["x_vs_torch32"] >= 5 if net32 else None)
    add("network: the same in float64 (Descent's default; torch-exact)", "report",
        _x(net["x_vs_torch"]) if net else "-", None)
    sl = _find(rows, section="network", case="41 x 41 slice, random", impl="float32")
    add("network: 41 x 41 landscape slice on 1,437 images (float32)", "<= 1 s", _ms(sl["steady_s"]) if sl else "-",
        sl["steady_s"] <= 1.0 if sl else None)
    rc = [r for r in rows if r.get("section") == "recompiles" and "random" in r.get("case", "")]
    add("compiles on hyperparameter / start changes", "0",
        ", ".join(f"{r['impl']}: {r['compiles']}" for r in rc) or "-", all(r["ok"] for r in rc) if rc else None)
    st = _find(rows, section="recompiles", case="steps slider")
    add("compiles over the steps slider", "<= 1 per step bucket", f"{st['compiles']} ({st['expected']})" if st else "-",
        st["ok"] if st else None)
    srv = [r for r in rows if r.get("section") == "interaction" and "figure JSON" in r.get("case", "")]
    add("server: new params -> figure JSON (playground figures)", "<= 50 ms",
        "; ".join(f"{r['case'].split('(')[-1].rstrip(')')}: p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms"
                  for r in srv) or "-", all(r["p50_ms"] <= 50 for r in srv) if srv else None)
    both = _find(rows, section="browser", chart="2d")
    add("browser: slider -> 2-D charts redrawn", "p50 <= 400 ms, p95 <= 800 ms",
        f"p50 {both['p50_ms']:.0f} ms, p95 {both['p95_ms']:.0f} ms" if both else "-",
        (both["p50_ms"] <= 400 and both["p95_ms"] <= 800) if both else None)
    d3 = _find(rows, section="browser", chart="surface3d")
    add("browser: slider -> 3-D chart redrawn", "report", f"p50 {d3['p50_ms']:.0f} ms, p95 {d3['p95_ms']:.0f} ms"
        if d3 else "-", None)
    cold = _find(rows, section="browser", case="empty JAX compile cache")
    add("cold start: process start -> first chart", "<= 6 s", f"{cold['first_chart_s']:.1f} s" if cold else "-",
        cold["first_chart_s"] <= 6 if cold else None)
    loads = [r for r in rows if r.get("section") == "load" and r.get("vs_hello") and "hello" not in r["case"]]
    add("first visit (fresh context): every page within 1.3x of a one-chart hello page", "<= 1.3x",
        "; ".join(f"{r['case'].split(': ', 1)[-1]} {r['vs_hello']:.2f}x" for r in loads) or "-",
        all(r["vs_hello"] <= 1.3 for r in loads) if loads else None)
    three = _find(rows, section="interaction", case="first visit")
    pages = [r for r in rows if r.get("section") == "interaction" and "script per rerun" in r.get("case", "")]
    sizes = [r for r in (three, *pages) if r]
    def page_name(r):
        return r["case"].split("whole ")[-1].split(" script")[0] if "script" in r["case"] else "playground's 3 figures"

    add("figure data per page render", "<= 500 kB",
        "; ".join(f"{page_name(r)} {_kb(r['page_figure_bytes'])}" for r in sizes) or "-",
        all(r["page_figure_bytes"] <= 500_000 for r in sizes) if sizes else None)
    add("server: a whole page's script per rerun (heavy pages)", "report",
        "; ".join(f"{page_name(r)} p50 {r['p50_ms']:.0f} ms" for r in pages) or "-", None)
    return out


def _fmt_table(header, rows, widths=None) -> str:
    widths = widths or [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def render_terminal(results: dict) -> str:
    m = results.get("machine", {})
    head = (f"Descent benchmarks, {results.get('date')}: {m.get('cores')} cores, backend {m.get('backend')}, "
            f"{m.get('cpu')}; load at start {m.get('load_average_at_start')}")
    parts = [head]
    for title, header, rows in tables(results):
        parts += ["", title, _fmt_table(header, rows)]
    return "\n".join(parts)


def render_markdown(results: dict) -> str:
    """The README's "Benchmarks" section: one Markdown table per section, machine and versions first."""
    m, v = results.get("machine", {}), results.get("versions", {})
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    parts = [f"Measured {results.get('date', '')[:10]} on {m.get('cores')} CPU cores ({m.get('cpu')}), JAX backend "
             f"`{m.get('backend')}`; JAX {v.get('jax')}, NumPy {v.get('numpy')}, torch {v.get('torch')}, "
             f"optax {v.get('optax')}, Streamlit {v.get('streamlit')}, Plotly {v.get('plotly')}. "
             f"Steady state is the best of N runs; `make bench` reproduces it (`python -m benchmarks --quick` "
             f"for a smoke run)."]
    for title, header, rows in tables(results):
        parts += ["", f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        parts += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # python -m benchmarks.report [results.json]: re-render a finished run
    import json
    import sys
    from pathlib import Path

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    res = json.loads(path.read_text())
    print(render_terminal(res))
    print()
    print(render_markdown(res))
