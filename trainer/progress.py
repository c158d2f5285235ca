"""A progress bar that shows the rewards instead of printing every logged step.

transformers' ``ProgressCallback`` writes the whole metrics dict below the bar at every log step
(``logging_steps=1`` gives hundreds of lines); every value is in ``metrics.jsonl`` anyway. This
keeps one bar and puts the latest reward means in its postfix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def postfix(logs: dict[str, Any], reward_names: Sequence[str]) -> dict[str, str]:
    """The bar's postfix from one log record: total reward, each reward's mean, clip ratio.

    >>> postfix({"reward": 1.5, "rewards/accuracy/mean": 0.75, "clip_ratio/region_mean": 0.0}, ["accuracy"])
    {'reward': '1.5', 'accuracy': '0.75', 'clip': '0'}
    """
    keys = {
        "reward": "reward",
        **{f"rewards/{n}/mean": n for n in reward_names},
        "clip_ratio/region_mean": "clip",
    }
    return {
        label: f"{logs[key]:.3g}" for key, label in keys.items() if isinstance(logs.get(key), (int, float))
    }


def make_progress_callback(reward_names: Sequence[str]):
    """A ``ProgressCallback`` whose log lines go into the bar's postfix (end-of-run logs still print)."""
    from transformers.trainer_callback import ProgressCallback

    class RewardProgressCallback(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or self.training_bar is None or not logs:
                return
            shown = postfix(logs, reward_names)
            if shown:
                self.training_bar.set_postfix(shown, refresh=False)
            elif "train_runtime" not in logs:  # evaluation and other logs: print as transformers would
                super().on_log(args, state, control, logs=logs, **kwargs)

    return RewardProgressCallback()


def install(trainer: Any, reward_names: Sequence[str]) -> None:
    """Swap transformers' progress bar for the reward one, where a progress bar is shown at all."""
    from transformers.trainer_callback import ProgressCallback

    handlers = trainer.callback_handler.callbacks
    if any(type(cb) is ProgressCallback for cb in handlers):
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(make_progress_callback(reward_names))


def close(trainer: Any) -> None:
    """Close the progress bars of a run that stops early, so that what is printed next starts a line."""
    from transformers.trainer_callback import ProgressCallback

    for cb in trainer.callback_handler.callbacks:
        if isinstance(cb, ProgressCallback):
            for attr in ("training_bar", "prediction_bar"):
                bar = getattr(cb, attr, None)
                if bar is not None:
                    bar.close()
                    setattr(cb, attr, None)
