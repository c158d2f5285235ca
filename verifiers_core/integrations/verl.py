"""veRL: our rewards as veRL's ``custom_reward_function``.

Matches veRL 0.9.1 (PyPI ``verl==0.9.1``): ``verl/trainer/ppo/reward.py`` (``get_custom_reward_fn``
loads ``path``/``name``, accepts ``pkg://package.module``, merges ``reward_kwargs`` into every
call and awaits a coroutine function), ``verl/workers/reward_manager/naive.py`` and ``batch.py``
(keyword calls ``data_source, solution_str, ground_truth, extra_info`` and ``data_sources,
solution_strs, ground_truths, extra_infos``), ``verl/workers/reward_manager/prime.py``
(positional) and the reward loop, ``verl/experimental/reward_loop/reward_manager/naive.py``
(one sample per coroutine; a sync function runs in the loop's thread pool) and
``reward_loop.py`` (``compute_rm_score`` builds its arrays from the *first* sample's keys, so
every sample must return the same keys).

Config (Hydra overrides)::

    reward.custom_reward_function.path=pkg://verifiers_core.integrations.verl
    reward.custom_reward_function.name=compute_score            # or compute_score_async
    +reward.custom_reward_function.reward_kwargs.rewards=accuracy,format
    # older layout: custom_reward_function.path=... / custom_reward_function.name=...
    # batch manager: reward.reward_manager.name=batch  + name=compute_score_batch

Each sample returns ``{"score": weighted total, "<reward>": value, "<reward>/<counter>": n}``
with the same keys for every sample. ``ground_truth`` (``reward_model.ground_truth`` of the
dataset row) goes to each reward's gold column (``accuracy``: ``solution``; ``code``:
``verification_info``); the keys of ``extra_info`` become columns (and win over the gold when
they name the gold column). veRL decodes the response alone: if the chat template opens
``<think>``, pass ``think_opened=prompt``.

>>> import os
>>> os.environ["VERIFIERS_CORE_REWARDS"] = "format"
>>> compute_score("gsm8k", "<think>6*12=72</think><answer>72</answer>", "72")["score"]
1.0
>>> del os.environ["VERIFIERS_CORE_REWARDS"]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..suite import ascore_row
from .common import gold_columns, make_row, sample_dict, settings_from

#: Keys veRL's managers add to ``extra_info`` that are not dataset columns.
VERL_KEYS = ("num_turns", "rollout_reward_scores", "tool_extra_fields")


def compute_score(
    data_source: Any = None,
    solution_str: Any = None,
    ground_truth: Any = None,
    extra_info: Any = None,
    **kwargs: Any,
) -> dict[str, float]:
    """Score one sample (veRL's ``naive``, ``dapo`` and ``prime`` managers, the reward loop)."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]


def compute_score_batch(
    data_sources: Sequence[Any] | None = None,
    solution_strs: Sequence[Any] | None = None,
    ground_truths: Sequence[Any] | None = None,
    extra_infos: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[dict[str, float]]:
    """Score a batch (veRL's ``batch`` manager): one dict per solution, in order.

    >>> import os
    >>> os.environ["VERIFIERS_CORE_REWARDS"] = "format"
    >>> [d["score"] for d in compute_score_batch(["a", "b"], ["<think>x</think><answer>1</answer>", None], ["1", "1"], None)]
    [1.0, 0.0]
    >>> del os.environ["VERIFIERS_CORE_REWARDS"]
    """
    settings = settings_from(kwargs)
    suite = settings.suite
    rows = _rows(suite, solution_strs, ground_truths, extra_infos)
    result = suite.score_rows(rows, errors="count", deadline=settings.deadline)
    return [sample_dict(suite, row) for row in result.rows]


async def compute_score_async(
    data_source: Any = None,
    solution_str: Any = None,
    ground_truth: Any = None,
    extra_info: Any = None,
    **kwargs: Any,
) -> dict[str, float]:
    """Score one sample from veRL's reward loop without blocking it: the samples that concurrent
    coroutines send at the same moment are scored together, in a worker thread.

    >>> import asyncio, os
    >>> os.environ["VERIFIERS_CORE_REWARDS"] = "format"
    >>> asyncio.run(compute_score_async("gsm8k", "no tags", "72"))["score"]
    0.0
    >>> del os.environ["VERIFIERS_CORE_REWARDS"]
    """
    settings = settings_from(kwargs)
    suite = settings.suite
    row = _rows(suite, [solution_str], [ground_truth], [extra_info])[0]
    result = await ascore_row(suite, row, errors="count", deadline=settings.deadline)
    return sample_dict(suite, result)


def _rows(suite: Any, solutions: Any, golds: Any, extras: Any) -> list[dict[str, Any]]:
    """As many rows as solutions; missing golds or extra infos are ``None``/empty."""
    solutions = list(solutions) if solutions is not None else []
    golds = list(golds) if golds is not None else []
    extras = list(extras) if extras is not None else []
    cols = gold_columns(suite)
    rows = []
    for i, solution in enumerate(solutions):
        gold = golds[i] if i < len(golds) else None
        extra = extras[i] if i < len(extras) else None
        rows.append(make_row(solution, gold=_plain(gold), columns=extra, gold_cols=cols, drop=VERL_KEYS))
    return rows


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (veRL keeps non-tensor data in object arrays) as Python values."""
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) and type(value).__module__ == "numpy" else value


__all__ = ["compute_score", "compute_score_async", "compute_score_batch"]
