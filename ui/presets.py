"""The course's examples as one-click presets: each is a complete playground state."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    label: str
    surface: str
    optimizer: str
    start: tuple[float, float]
    steps: int
    hyperparameters: dict[str, float] = field(default_factory=dict)
    note: str = ""  # what to look at, shown on the page once the preset is loaded


PRESETS: dict[str, Preset] = {
    p.label: p
    for p in (
        Preset(
            "Example 3.1.2 (course)", "radial", "gd", (0.5, 1.0), 200, {"lr": 0.01},
            "The first step lands on (0.425, 0.85), the second near (0.35, 0.69); after 200 steps "
            "the point is about (0.03, 0.06), close to the global minimum at the origin.",
        ),
        Preset(
            "Learning rate too small", "radial", "gd", (0.5, 1.0), 200, {"lr": 0.0002},
            "Same start as Example 3.1.2 with η fifty times smaller: after 200 steps the point has "
            "covered only half the way to the minimum (course Figure 3.3, left).",
        ),
        Preset(
            "Learning rate too big: overshoot", "radial", "gd", (0.5, 1.0), 100, {"lr": 0.1},
            "With η = 0.1 the first step jumps past the minimum to (−0.25, −0.5); the path crosses "
            "the origin back and forth before it settles (course Figure 3.3, right).",
        ),
        Preset(
            "Learning rate too big: divergence", "radial", "gd", (0.5, 1.0), 20, {"lr": 0.15},
            "With η = 0.15 the first step lands on the far side, on the steep outer wall, where the "
            "gradient is larger still: each step overshoots more until the numbers overflow, and the "
            "run reports the step where it diverged.",
        ),
        Preset(
            "Saddle point", "saddle", "gd", (1.5, 0.001), 75, {"lr": 0.05},
            "Started almost on the x-axis, GD slides towards the saddle at the origin where the "
            "gradient nearly vanishes (watch ‖∇f‖ dip), then the tiny y-offset grows and carries it away.",
        ),
        Preset(
            "Ill-conditioned valley: GD", "elongated", "gd", (-9.0, 2.0), 50, {"lr": 0.4},
            "η close to the stability limit 2/4 = 0.5 of the steep y-direction: y zig-zags while "
            "x, with curvature 0.2, crawls.",
        ),
        Preset(
            "Ill-conditioned valley: momentum", "elongated", "momentum", (-9.0, 2.0), 50,
            {"lr": 0.4, "momentum": 0.5},
            "The same η = 0.4 as plain GD, plus momentum μ = 0.5: speed builds along the shallow "
            "x-direction (the effective step grows towards η/(1 − μ) = 0.8) while the y-oscillations "
            "cancel. After 50 steps ‖∇f‖ is about 1e-5, against about 0.03 for plain GD. With μ = 0.9 "
            "the path overshoots and is still swinging after 50 steps: momentum needs tuning too.",
        ),
        Preset(
            "Adam on Rosenbrock", "rosenbrock", "adam", (-1.5, 2.0), 1000, {"lr": 0.05},
            "Adam's per-coordinate scaling walks the curved valley to (1, 1).",
        ),
    )
}
