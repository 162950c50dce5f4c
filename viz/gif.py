"""An animated GIF of one or more paths over the contour map: for slides, where no browser runs.

Takes the contour data, time-major paths ``(steps + 1, R, 2)``, labels and colours; returns the
GIF's bytes. Drawn with matplotlib's Agg backend and written by Pillow (no browser, no ffmpeg).
The paths are thinned to at most ``max_frames`` frames; computing stays on the full path.
"""

from __future__ import annotations

import io

import numpy as np

from .race import RACER_COLOURS, frame_steps


def paths_gif(xs, ys, Z, paths, labels, *, colours=RACER_COLOURS, log_scale: bool = False,
              max_frames: int = 60, fps: int = 12, title: str = "") -> bytes:
    """GIF bytes: the contour, each path growing frame by frame, a legend and a step counter."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from PIL import Image

    paths = np.asarray(paths, dtype=float)  # shape (steps + 1, R, 2)
    steps, n = paths.shape[0] - 1, paths.shape[1]
    heights = np.log1p(np.clip(Z - np.nanmin(Z), 0, None)) if log_scale else Z
    shown = frame_steps(steps, 1, max_frames)
    fig, ax = plt.subplots(figsize=(6, 5.4), dpi=80)
    ax.contourf(xs, ys, np.where(np.isfinite(heights), heights, np.nan), levels=30, cmap="Greys_r", alpha=0.85)
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="x", ylabel="y", aspect="equal")
    if title:
        ax.set_title(title)
    lines = [ax.plot([], [], lw=2.2, color=colours[r % len(colours)], label=labels[r])[0] for r in range(n)]
    heads = [ax.plot([], [], "o", ms=8, color=colours[r % len(colours)], mec="white")[0] for r in range(n)]
    ax.plot(*paths[0, 0], "o", ms=9, mfc="none", mec="black")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=10,
                      bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    fig.tight_layout()
    frames = []
    for k in shown:
        for r in range(n):
            drawn = paths[: k + 1, r]
            drawn = drawn[np.isfinite(drawn).all(axis=1)]
            lines[r].set_data(drawn[:, 0], drawn[:, 1])
            if len(drawn):
                heads[r].set_data([drawn[-1, 0]], [drawn[-1, 1]])
        counter.set_text(f"step {int(k)}")
        fig.canvas.draw()
        rgba = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba())
        frames.append(rgba.convert("RGB").quantize(colors=128))
    plt.close(fig)
    out = io.BytesIO()
    hold = [1000 // fps] * (len(frames) - 1) + [2000]  # linger on the finish
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=hold, loop=0)
    return out.getvalue()
