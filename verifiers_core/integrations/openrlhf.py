"""OpenRLHF: this file is a reward-function file for ``--reward.remote_url <path>.py``.

Matches OpenRLHF 0.11.2 (PyPI ``openrlhf==0.11.2``): ``openrlhf/utils/agent.py``
(``SingleTurnAgentExecutor`` loads the file with ``importlib.util.spec_from_file_location`` under
the module name ``reward_func``, decodes prompt + response **with** special tokens into the query,
and calls ``reward_func([query], [prompt], [label])`` one sample at a time in a thread,
``asyncio.to_thread``, with no timeout) and ``openrlhf/cli/train_ppo_ray.py``
(``--reward.remote_url``; releases before the config regrouping called it ``--remote_rm_url``).
The file is executed outside its package, so it imports only absolute names.

Pass the path that ``python -m verifiers_core integrations openrlhf`` prints::

    --reward.remote_url $(python -c "import verifiers_core.integrations.openrlhf as m; print(m.__file__)")
    --data.label_key answer            # the dataset column with the gold (or a dict of columns)

and select rewards in the environment (``VERIFIERS_CORE_REWARDS=accuracy,format``...): OpenRLHF
passes no options to the function.

The response is the query minus its prompt, with chat-template special tokens stripped without a
tokenizer (``<|...|>`` markers such as ``<|im_end|>``, ``<|endoftext|>``, ``<|eot_id|>``;
DeepSeek's ``<｜...｜>``; ``</s>``, ``<eos>``, ``<end_of_turn>``, ``[INST]``; add others with
``VERIFIERS_CORE_SPECIAL_TOKENS``); ``<think>`` tags are text and stay. A label is the gold (any
non-mapping value goes to every reward's gold column) or a mapping of columns.

Returns ``{"rewards": weighted totals, "scores": totals in [0, 1] (divided by the sum of the
positive weights, clamped; OpenRLHF's dynamic filtering reads them), "extra_logs": {reward name:
value, "<reward>/<counter>": count, "prompt_mismatch": 1 where the prompt was not found at the
start of the query, "unscored": 1 where no reward could score the row}}``, all float tensors with
one entry per query. The reward server's ``/get_reward`` answers the same, as JSON lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifiers_core.integrations.common import (
    gold_columns,
    label_parts,
    make_row,
    response_from_query,
    sample_dict,
    settings_from,
    unit_score,
)


def reward_func(queries: Any, prompts: Any = None, labels: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Score OpenRLHF queries (prompt + response text); one value per query, in order.

    >>> import os
    >>> os.environ["VERIFIERS_CORE_REWARDS"] = "format"
    >>> out = reward_func(["<|im_start|>assistant\\n<think>x</think><answer>1</answer><|im_end|>"],
    ...                   ["<|im_start|>assistant\\n"], ["1"])
    >>> out["rewards"].tolist(), out["scores"].tolist(), out["extra_logs"]["format"].tolist()
    ([1.0], [1.0], [1.0])
    >>> del os.environ["VERIFIERS_CORE_REWARDS"]
    """
    import torch

    settings = settings_from(kwargs)
    suite = settings.suite
    queries = list(queries) if queries is not None else []
    prompts = list(prompts) if prompts is not None else []
    labels = list(labels) if labels is not None else []
    cols = gold_columns(suite)
    rows, mismatch = [], []
    for i, query in enumerate(queries):
        prompt = prompts[i] if i < len(prompts) else None
        label = labels[i] if i < len(labels) else None
        if isinstance(query, str):
            response, found = response_from_query(query, prompt, settings.special_tokens)
        else:
            response, found = query, True  # malformed: the suite scores it low and counts an error
        mismatch.append(0.0 if found else 1.0)
        gold, columns = label_parts(label)
        rows.append(
            make_row(
                response,
                prompt=prompt if isinstance(prompt, str) else None,
                gold=gold,
                columns=columns,
                gold_cols=cols,
            )
        )
    result = suite.score_rows(rows, errors="count", deadline=settings.deadline)
    answer = answer_lists(suite, result.rows, mismatch)
    return {
        "rewards": torch.tensor(answer["rewards"], dtype=torch.float32),
        "scores": torch.tensor(answer["scores"], dtype=torch.float32),
        "extra_logs": {k: torch.tensor(v, dtype=torch.float32) for k, v in answer["extra_logs"].items()},
    }


def answer_lists(suite: Any, rows: Sequence[Any], mismatch: Sequence[float]) -> dict[str, Any]:
    """OpenRLHF's answer as plain lists, the same for this file and the reward server's
    ``/get_reward``: ``rewards`` (weighted totals, a reward that could not score a row counting as
    its ``low``), ``scores`` (those totals in [0, 1]), ``extra_logs`` (each reward's value, every
    counter, ``prompt_mismatch``, and ``unscored``: 1 where no reward could score the row).

    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.suite import RewardSuite
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> suite = RewardSuite(ResolvedRewards([ExactAnswer()], [2.0]))
    >>> out = answer_lists(suite, suite.score_rows([{"completion": "4", "solution": "4"}]).rows, [0.0])
    >>> out["rewards"], out["scores"], out["extra_logs"]["exact_answer"], out["extra_logs"]["unscored"]
    ([2.0], [1.0], [1.0], [0.0])
    """
    samples = [sample_dict(suite, row) for row in rows]
    totals = [s["score"] for s in samples]
    logs: dict[str, list[float]] = {
        key: [s[key] for s in samples] for key in [*suite.keys, *suite.counter_keys()]
    }
    logs["prompt_mismatch"] = [float(m) for m in mismatch]
    logs["unscored"] = [1.0 if row.total is None else 0.0 for row in rows]
    return {"rewards": totals, "scores": [unit_score(suite, t) for t in totals], "extra_logs": logs}


__all__ = ["answer_lists", "reward_func"]
