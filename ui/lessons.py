"""The course's ideas as links: each lesson opens one page in one state (its query holds that page's URL keys).

One table, read by pages/lessons.py (the cards) and tests/test_app_lessons.py (which opens every link, so a
renamed URL key or a value off a slider's stops fails a test, not a lecture).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

# The page files and the URL path app.py gives each (st.navigation's url_path; the playground is the root).
URL_PATHS = {
    "pages/playground.py": "",
    "pages/landscape.py": "landscape",
    "pages/oned.py": "one-dimension",
    "pages/learning_rate.py": "learning-rate",
    "pages/race.py": "race",
    "pages/stochastic.py": "stochastic",
    "pages/regularization.py": "regularization",
    "pages/gradients.py": "gradients",
    "pages/federated.py": "federated",
    "pages/network.py": "network",
}


@dataclass(frozen=True)
class Lesson:
    title: str
    look_for: str  # two sentences: what to watch once the page opens
    page: str  # the page file, as app.py registers it
    query: dict[str, str] = field(default_factory=dict)
    source: str = ""  # where the course says it
    shows: str = ""  # text the opened page shows in this state (the test checks it: the card's claim holds)

    def available(self) -> bool:
        """The page is part of this app (a lesson for a page not merged yet is not shown)."""
        return (ROOT / self.page).exists()

    def href(self) -> str:
        """The relative link (for a plain Markdown link or to copy)."""
        query = urlencode(self.query)
        return f"./{URL_PATHS[self.page]}" + (f"?{query}" if query else "")


EXAMPLE_312 = {"surface": "radial", "opt": "gd", "x0": "0.5", "y0": "1", "steps": "200"}

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "Gradient descent on Example 3.1.2",
        "The course's surface, start (0.5, 1) and η = 0.01: the first step lands on (0.425, 0.85) and the second "
        "near (0.35, 0.69), exactly as in the text. After 200 steps the point is about (0.03, 0.06); the step table "
        "and the loss curve show the steps shrinking as the gradient does.",
        "pages/playground.py", {**EXAMPLE_312, "lr": "0.01"}, "Section 3.1.2",
        shows="Final point **(0.03109, 0.06218)**",
    ),
    Lesson(
        "Learning rate too small",
        "The same start with η = 0.0002, fifty times smaller: after 200 steps the point has covered only about half "
        "the way to the minimum. The loss curve is still falling steeply when the run ends (Figure 3.3, left).",
        "pages/playground.py", {**EXAMPLE_312, "lr": "0.0002"}, "Section 3.1.3",
    ),
    Lesson(
        "Learning rate too big: overshoot",
        "With η = 0.1 the first step jumps past the minimum to (−0.25, −0.5). The path crosses the origin back and "
        "forth before it settles (Figure 3.3, right).",
        "pages/playground.py", {**EXAMPLE_312, "lr": "0.1", "steps": "100"}, "Section 3.1.3",
    ),
    Lesson(
        "Learning rate too big: divergence",
        "With η = 0.15 the first step lands on the steep outer wall, where the gradient is larger still. Each step "
        "overshoots more until the numbers overflow, and the page names the step where the run diverged.",
        "pages/playground.py", {**EXAMPLE_312, "lr": "0.15", "steps": "20"}, "Section 3.1.3",
        shows="Diverged at step 8",
    ),
    Lesson(
        "Every learning rate at once",
        "Hundreds of η values run from the same start in one batched call; the final loss against η shows the "
        "three regimes: too small (slow), good, too big (diverged). The cliff sits at η = 2/L, L the largest "
        "curvature, and the example paths below it show one run from each regime.",
        "pages/learning_rate.py", {"surface": "bowl", "opt": "gd"}, "Section 3.1.3",
    ),
    Lesson(
        "Halve η when the loss stops falling",
        "η = 0.15 diverges at step 8 with a constant step (the card above). The plateau schedule applies the "
        "course's own heuristic, halving η whenever the loss fails to decrease: watch the step-size curve drop "
        "after the first overshoots and the run settle near the minimum instead of overflowing.",
        "pages/playground.py",
        {**EXAMPLE_312, "lr": "0.15", "steps": "100", "sched": "plateau", "factor": "0.5", "patience": "0"},
        "Section 3.1.3 (training schedules); Learning rate schedule", shows="After 100 steps",
    ),
    Lesson(
        "The quartic's two minima (Example 3.1.3)",
        "f(w) = w⁴/3 − w³/2 − w² + w has two minima, near w = −1.03 and w = 1.74 (the text rounds them to −1 "
        "and 2), with a maximum at w ≈ 0.418 between them. Start at w₀ = 0.3 and GD ends in the left one; move w₀ "
        "past 0.418 and it ends in the right one: the answer depends on the start.",
        "pages/oned.py", {"curve": "quartic", "w0": "0.3"}, "Section 3.1.4, Example 3.1.3",
        shows="w^* = −1.0322",
    ),
    Lesson(
        "Basins: where each start ends",
        "Every start of a grid runs at once on Himmelblau's function, coloured by the minimum it reaches. The "
        "borders between the colours run through the saddles and the maximum: starts there can go either way.",
        "pages/landscape.py", {"surface": "himmelblau", "opt": "gd", "lr": "0.01"}, "Section 3.1.4",
    ),
    Lesson(
        "A saddle point",
        "Started almost on the x-axis of x² − y², GD slides towards the saddle at the origin, where the gradient "
        "nearly vanishes (watch ‖∇f‖ dip). Then the tiny y-offset grows and carries the point away.",
        "pages/playground.py",
        {"surface": "saddle", "opt": "gd", "lr": "0.05", "x0": "1.5", "y0": "0.001", "steps": "75"},
        "Section 3.1.4, footnote 3",
    ),
    Lesson(
        "Momentum in a narrow valley",
        "Plain GD with η = 0.4 zig-zags across the steep direction and crawls along the shallow one; momentum "
        "μ = 0.5 builds speed along the valley while the zig-zags cancel. After 50 steps ‖∇f‖ is about 1e-5, "
        "against about 0.03 for plain GD (set the optimizer to gd to compare).",
        "pages/playground.py",
        {"surface": "elongated", "opt": "momentum", "lr": "0.4", "momentum": "0.5", "x0": "-9", "y0": "2",
         "steps": "50"},
        "Adding momentum",
    ),
    Lesson(
        "Momentum's effective learning rate η/(1 − μ)",
        "On a steady slope the past gradients add up to η(1 + μ + μ² + …) = η/(1 − μ), so momentum raises the step. "
        "In the (η, μ) map below the sweep, the stable region reaches η < 2(1 + μ)/L, far beyond "
        "η/(1 − μ) < 2/L: across an oscillating direction the contributions cancel.",
        "pages/learning_rate.py", {"surface": "elongated", "opt": "momentum"},
        "Adding momentum: effective learning rate",
    ),
    Lesson(
        "Adagrad, RMSprop and Adam race",
        "GD, Adagrad, RMSprop and Adam start together in Rosenbrock's curved valley; press Play on the map. The "
        "adaptive methods scale each coordinate by its own gradient history; press Fair race to give each its best η.",
        "pages/race.py",
        {"surface": "rosenbrock", "racers": "4", "r1_opt": "gd", "r1_lr": "0.001", "r2_opt": "adagrad",
         "r2_lr": "0.5", "r3_opt": "rmsprop", "r3_lr": "0.01", "r4_opt": "adam", "r4_lr": "0.02"},
        "Adaptive learning rates",
    ),
    Lesson(
        "SGD and mini-batches",
        "Batch GD uses every sample for each step, SGD one, mini-batch SGD a handful: cheaper steps, noisier paths. "
        "Switch the x-axis between updates, epochs and samples processed to see which gets there for less work.",
        "pages/stochastic.py", {"data": "line", "b": "8"}, "Section 3.2.1 and 3.2.2",
    ),
    Lesson(
        "ℓ2 regularization and Example 3.3.1",
        "Without a penalty Example 3.3.1 has a whole line of minimizers and GD stops wherever it meets it; with "
        "λ‖w‖² there is exactly one. Raise λ and watch the minimum move towards the origin and the weights shrink.",
        "pages/regularization.py", {"lam": "0.1"}, "Section 3.3, Example 3.3.1",
    ),
    Lesson(
        "Federated averaging",
        "The data is split among clients who keep it; each runs a few local steps and the server averages their "
        "models. Split the data by label and watch FedAvg's path drift from the centralised one.",
        "pages/federated.py", {"fed_split": "labels"}, "Section 3.2.3",
    ),
    Lesson(
        "Finite differences against automatic differentiation",
        "The error of a finite-difference gradient against its step h falls with h, then rises again as "
        "round-off takes over: there is a best h and it is never exact. Automatic differentiation is exact, "
        "and reverse mode costs about one pass however many parameters there are.",
        "pages/gradients.py", {}, "How to compute the gradient? (lecture notes)",
    ),
    Lesson(
        "Descent with a finite-difference gradient",
        "Example 3.1.2 with forward differences and a large step h = 0.05: each gradient is off by about h/2 "
        "times the curvature, so after 200 steps the run ends near (0.016, 0.039), not at the course's "
        "(0.03, 0.06). Set h to 1e-08, or the method back to reverse-mode AD, and the course's path returns.",
        "pages/playground.py", {**EXAMPLE_312, "lr": "0.01", "grad": "fd-forward", "fd_h": "0.05"},
        "How to compute the gradient? (lecture notes)", shows="Final point **(0.01619, 0.03875)**",
    ),
    Lesson(
        "A real network",
        "A small network learns handwritten digits with several optimizers side by side; the loss and accuracy "
        "curves compare them per epoch. The slice of the loss landscape along the two directions the weights moved "
        "most (PCA) shows the path the training took.",
        "pages/network.py", {"dirs": "pca"}, "Training loop (lecture notes)",
    ),
)
