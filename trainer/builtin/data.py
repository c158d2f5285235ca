"""The GRPO training split and the held-out split, as ``datasets.Dataset`` objects.

Both have a conversational ``prompt`` column (one user message, exactly as in the SFT) and the gold
answer in ``solution`` (a string such as ``"64"``), which is what the ``accuracy`` reward reads.
Held-out problems come from a pool that neither the SFT nor GRPO ever draws from.
"""

from __future__ import annotations

import random

from datasets import Dataset

from .sft import prompt_messages
from .task import Problem, ProblemSampler, split_problems

#: How many problems are kept out of every training pool.
HELDOUT_POOL_SIZE = 1000


def to_dataset(problems: list[Problem]) -> Dataset:
    """Turn problems into a dataset with ``prompt`` and ``solution`` columns.

    >>> ds = to_dataset([Problem(28, "+", 36)])
    >>> ds[0]["prompt"][0]["content"], ds[0]["solution"]
    ('28+36=?', '64')
    """
    return Dataset.from_dict(
        {"prompt": [prompt_messages(p) for p in problems], "solution": [str(p.answer) for p in problems]}
    )


def make_splits(
    seed: int, *, train_size: int, heldout_size: int, regroup_share: float
) -> tuple[list[Problem], Dataset, Dataset]:
    """Return the training pool (for SFT), the GRPO training dataset and the held-out dataset.

    The held-out set has exactly ``round(regroup_share * heldout_size)`` regrouping problems, so the
    starting accuracy does not depend on the luck of the draw; GRPO prompts are drawn from the
    training pool with the same share.

    >>> pool, train, heldout = make_splits(0, train_size=8, heldout_size=10, regroup_share=0.6)
    >>> len(train), len(heldout), train.column_names
    (8, 10, ['prompt', 'solution'])
    """
    if not 0 < heldout_size <= HELDOUT_POOL_SIZE // 2:
        raise ValueError(f"heldout_size must be in 1..{HELDOUT_POOL_SIZE // 2}, got {heldout_size}")
    if train_size < 1:
        raise ValueError(f"train_size must be >= 1, got {train_size}")
    pool, heldout_pool = split_problems(seed, HELDOUT_POOL_SIZE)
    n_regroup = round(regroup_share * heldout_size)
    heldout = [p for p in heldout_pool if p.regroups][:n_regroup]
    heldout += [p for p in heldout_pool if not p.regroups][: heldout_size - n_regroup]
    random.Random(f"heldout-{seed}").shuffle(heldout)
    train = ProblemSampler(pool, regroup_share).draw(train_size, random.Random(f"grpo-{seed}"))
    return pool, to_dataset(train), to_dataset(heldout)
