"""The built-in arithmetic task as rows: the ``arithmetic`` dataset generator (no torch, no datasets).

The CPU demo's training and held-out data come from here (:func:`trainer.builtin.data.make_splits`),
and the trainer registers the same generator as the dataset ``arithmetic``
(:mod:`trainer.arithmetic_plugin`), so ``python -m verifiers_core dataset arithmetic`` and
``python -m trainer --dataset arithmetic`` give the demo's rows for the same seed.
"""

from __future__ import annotations

import random
from typing import Any

from .task import Problem, ProblemSampler, split_problems

#: How many problems are kept out of every training pool.
HELDOUT_POOL_SIZE = 1000
#: Share of problems that carry or borrow (the demo's SFT recipe uses the same value).
REGROUP_SHARE = 0.65
SPLITS = ("train", "heldout")


def train_problems(seed: int, size: int, regroup_share: float) -> list[Problem]:
    """GRPO prompts: ``size`` problems drawn from the training pool of ``seed``.

    >>> [p.prompt_text for p in train_problems(0, 2, 0.65)]
    ['79+90=?', '81-43=?']
    """
    if size < 1:
        raise ValueError(f"train_size must be >= 1, got {size}")
    pool, _ = split_problems(seed, HELDOUT_POOL_SIZE)
    return ProblemSampler(pool, regroup_share).draw(size, random.Random(f"grpo-{seed}"))


def heldout_problems(seed: int, size: int, regroup_share: float) -> list[Problem]:
    """``size`` held-out problems, exactly ``round(regroup_share * size)`` of them regrouping.

    >>> len(heldout_problems(0, 10, 0.6)), sum(p.regroups for p in heldout_problems(0, 10, 0.6))
    (10, 6)
    """
    if not 0 < size <= HELDOUT_POOL_SIZE // 2:
        raise ValueError(f"heldout_size must be in 1..{HELDOUT_POOL_SIZE // 2}, got {size}")
    _, heldout_pool = split_problems(seed, HELDOUT_POOL_SIZE)
    n_regroup = round(regroup_share * size)
    heldout = [p for p in heldout_pool if p.regroups][:n_regroup]
    heldout += [p for p in heldout_pool if not p.regroups][: size - n_regroup]
    random.Random(f"heldout-{seed}").shuffle(heldout)
    return heldout


def problem_row(problem: Problem) -> dict[str, Any]:
    """One row: a one-message conversational ``prompt`` and the gold in ``solution``.

    >>> problem_row(Problem(28, "+", 36))
    {'prompt': [{'role': 'user', 'content': '28+36=?'}], 'solution': '64'}
    """
    return {"prompt": [{"role": "user", "content": problem.prompt_text}], "solution": str(problem.answer)}


def arithmetic_rows(
    size: int = 2000, seed: int = 0, split: str = "train", regroup_share: float = REGROUP_SHARE
) -> list[dict[str, Any]]:
    """Rows of the ``arithmetic`` dataset: the demo's GRPO prompts (``train``) or held-out problems.

    >>> arithmetic_rows(size=1, seed=0)
    [{'prompt': [{'role': 'user', 'content': '79+90=?'}], 'solution': '169'}]
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    pick = train_problems if split == "train" else heldout_problems
    return [problem_row(p) for p in pick(seed, size, regroup_share)]
