"""What every run writes to its output directory.

- ``metrics.jsonl``: one JSON object per logged step, TRL's keys as they are plus ``step``;
- ``metrics.png``: each reward, the total reward, completion length, KL and clip ratio over steps;
- ``samples.jsonl``: every ``sample_every`` steps, a few completions with their per-reward scores;
- ``run.json``: resolved rewards (names, parameters, plugin versions), the clip plan, the data and the
  full configuration;
- ``summary.json``: each reward's mean over the first and the last tenth of the logged steps (plus, for
  the built-in demo, held-out accuracy before and after).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

from verifiers_core.text import message_text

METRICS_FILE = "metrics.jsonl"
SAMPLES_FILE = "samples.jsonl"
PLOT_FILE = "metrics.png"
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"


def is_main_process() -> bool:
    """Rank 0 (or a single process): only it writes the run's files.

    >>> is_main_process() in (True, False)
    True
    """
    return os.environ.get("RANK", "0") in ("0", "")


def json_safe(value: Any) -> Any:
    """Turn a value into something ``json.dumps`` accepts: NaN/inf become None, unknown types ``str``.

    >>> json_safe({"a": float("nan"), "b": (1, 2.5), "c": {3}})
    {'a': None, 'b': [1, 2.5], 'c': '{3}'}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        try:
            return json_safe(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def write_json(path: str, data: Any) -> None:
    """Write ``data`` as indented JSON (made safe with :func:`json_safe`), atomically."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(json_safe(data), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)


def read_metrics(path: str) -> list[dict[str, Any]]:
    """Read ``metrics.jsonl`` (skipping blank lines).

    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "m.jsonl"); _ = open(p, "w").write('{"step": 1}\\n\\n')
    >>> read_metrics(p)
    [{'step': 1}]
    """
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def reward_means(records: Sequence[dict[str, Any]], reward_names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each reward's mean over the first and the last tenth of the steps where it was logged.

    A tenth is at least one step. With ``mu > 1`` TRL logs rewards only on generation steps, so the
    tenths are taken over the steps that carry the reward.

    >>> recs = [{"step": s, "rewards/format/mean": v} for s, v in enumerate([0.0] * 2 + [0.5] * 16 + [1.0] * 2)]
    >>> reward_means(recs, ["format"])
    {'format': {'first_tenth_mean': 0.0, 'last_tenth_mean': 1.0, 'steps_logged': 20, 'steps_per_tenth': 2}}
    """
    out: dict[str, dict[str, Any]] = {}
    for name in reward_names:
        values = []
        for rec in records:
            value = rec.get(f"rewards/{name}/mean")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                values.append(float(value))
        if not values:
            out[name] = {
                "first_tenth_mean": None,
                "last_tenth_mean": None,
                "steps_logged": 0,
                "steps_per_tenth": 0,
            }
            continue
        k = max(1, math.ceil(len(values) / 10))
        out[name] = {
            "first_tenth_mean": sum(values[:k]) / k,
            "last_tenth_mean": sum(values[-k:]) / k,
            "steps_logged": len(values),
            "steps_per_tenth": k,
        }
    return out


def _message_text(value: Any) -> Any:
    """The last message's text of a chat prompt/completion, or the text itself."""
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        return message_text(value[-1])
    return value


def make_run_log_callback(output_dir: str, reward_names: Sequence[str], sample_every: int, num_samples: int):
    """Build the callback that writes ``metrics.jsonl`` and ``samples.jsonl`` while training.

    Set ``callback.trainer = trainer`` after building the trainer so that samples can be read from it.
    (A callback, not a reward wrapper: the rewards stay the registry's picklable objects with their
    ``__name__``.)
    """
    from transformers import TrainerCallback

    class RunLogCallback(TrainerCallback):
        """Append each logged step to metrics.jsonl; every ``sample_every`` steps, dump sample completions."""

        def __init__(self) -> None:
            self.trainer = None
            self.records: list[dict[str, Any]] = []
            self.final_logs: dict[str, Any] = {}
            self.metrics_path = os.path.join(output_dir, METRICS_FILE)
            self.samples_path = os.path.join(output_dir, SAMPLES_FILE)
            self._last_sampled_step = -1

        def on_train_begin(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                os.makedirs(output_dir, exist_ok=True)
                for path in (self.metrics_path, self.samples_path):
                    open(path, "w").close()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            if "train_runtime" in logs:  # Trainer's end-of-training summary, not a step
                self.final_logs = dict(logs)
                return
            record = json_safe({"step": state.global_step, **logs})
            self.records.append(record)
            with open(self.metrics_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            step = state.global_step
            due = sample_every > 0 and (step % sample_every == 0 or self._last_sampled_step < 0)
            if due and step != self._last_sampled_step:
                self._last_sampled_step = step
                self._write_samples(step)

        def _write_samples(self, step: int) -> None:
            logs = getattr(self.trainer, "_logs", None)
            if not logs or not logs.get("completion"):
                return
            prompts, completions = list(logs["prompt"]), list(logs["completion"])
            rewards = {name: list(values) for name, values in logs.get("rewards", {}).items()}
            advantages = list(logs.get("advantages", []))
            n = len(completions)
            picks = sorted({round(i * (n - 1) / max(1, num_samples - 1)) for i in range(min(num_samples, n))})
            with open(self.samples_path, "a", encoding="utf-8") as fh:
                for i in picks:
                    row = {
                        "step": step,
                        "prompt": _message_text(prompts[i]) if i < len(prompts) else None,
                        "completion": _message_text(completions[i]),
                        "rewards": {
                            name: values[i] if i < len(values) else None for name, values in rewards.items()
                        },
                        "advantage": advantages[i] if i < len(advantages) else None,
                    }
                    fh.write(json.dumps(json_safe(row), ensure_ascii=False) + "\n")

    return RunLogCallback()


__all__ = [
    "METRICS_FILE",
    "PLOT_FILE",
    "RUN_FILE",
    "SAMPLES_FILE",
    "SUMMARY_FILE",
    "is_main_process",
    "json_safe",
    "make_run_log_callback",
    "read_metrics",
    "reward_means",
    "write_json",
]
