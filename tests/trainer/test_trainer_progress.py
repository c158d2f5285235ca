"""The progress bar shows rewards in its postfix instead of printing every logged step."""

from __future__ import annotations

import io
from types import SimpleNamespace

from tqdm import tqdm

from trainer.progress import make_progress_callback, postfix


def test_postfix_picks_total_rewards_and_clip():
    logs = {"loss": 0.1, "reward": 1.25, "rewards/accuracy/mean": 0.5, "rewards/format/mean": 0.75}
    assert postfix(logs, ["accuracy", "format"]) == {"reward": "1.25", "accuracy": "0.5", "format": "0.75"}


def test_step_logs_go_to_the_postfix_not_to_new_lines(capsys):
    out = io.StringIO()
    callback = make_progress_callback(["accuracy"])
    callback.training_bar = tqdm(total=10, file=out)
    state = SimpleNamespace(is_world_process_zero=True)
    callback.on_log(None, state, None, logs={"loss": 0.5, "reward": 0.9, "rewards/accuracy/mean": 0.9})
    callback.training_bar.refresh()
    text = out.getvalue()
    assert "accuracy=0.9" in text
    assert "'loss'" not in text + capsys.readouterr().out  # transformers would print the whole dict
    # a log with none of those keys (an evaluation) is still printed as transformers does
    callback.on_log(None, state, None, logs={"eval_loss": 0.25})
    assert "'eval_loss'" in capsys.readouterr().out
