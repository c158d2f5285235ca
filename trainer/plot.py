"""The run's plot: each reward, the total reward, completion length, KL and clip ratio over steps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def series(records: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """Steps and finite values of one metric across logged records (steps where it is missing are skipped).

    >>> series([{"step": 1, "reward": 0.5}, {"step": 2}, {"step": 3, "reward": None}, {"step": 4, "reward": 1}], "reward")
    ([1, 4], [0.5, 1.0])
    """
    steps, values = [], []
    for i, rec in enumerate(records):
        value = rec.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            continue
        steps.append(int(rec.get("step", i + 1)))
        values.append(float(value))
    return steps, values


def panels(reward_names: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The plot's panels: a title and the metric keys drawn in it (TRL's names).

    >>> [title for title, _ in panels(["accuracy"])]
    ['reward: accuracy', 'total reward (weighted)', 'completion length', 'KL to reference (logged when beta > 0)', 'clip ratio']
    """
    out = [(f"reward: {name}", [f"rewards/{name}/mean"]) for name in reward_names]
    out += [
        ("total reward (weighted)", ["reward"]),
        ("completion length", ["completions/mean_length"]),
        ("KL to reference (logged when beta > 0)", ["kl"]),
        ("clip ratio", ["clip_ratio/region_mean", "clip_ratio/low_mean", "clip_ratio/high_mean"]),
    ]
    return out


def plot_metrics(records: Sequence[dict[str, Any]], reward_names: Sequence[str], path: str) -> str:
    """Draw the run's metrics into one PNG (matplotlib, Agg backend: no display needed); returns ``path``.

    A panel whose metric was never logged (KL with ``beta=0``) says so instead of staying blank.

    >>> import os, tempfile
    >>> out = plot_metrics([{"step": 1, "reward": 0.1}, {"step": 2, "reward": 0.4}], [],
    ...                    os.path.join(tempfile.mkdtemp(), "m.png"))
    >>> os.path.getsize(out) > 0
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    layout = panels(reward_names)
    cols = 2 if len(layout) > 3 else len(layout)
    rows = math.ceil(len(layout) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.2 * rows), squeeze=False)
    for ax, (title, keys) in zip(axes.flat, layout):
        drawn = False
        for key in keys:
            steps, values = series(records, key)
            if steps:
                ax.plot(steps, values, marker="." if len(steps) < 60 else None, label=key)
                drawn = True
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if drawn and len(keys) > 1:
            ax.legend(fontsize=7)
        if not drawn:
            ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes, color="grey")
    for ax in list(axes.flat)[len(layout) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


__all__ = ["panels", "plot_metrics", "series"]
