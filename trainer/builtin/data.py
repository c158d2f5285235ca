"""The GRPO training split and the held-out split, as ``datasets.Dataset`` objects.

Both have a conversational ``prompt`` column (one user message, exactly as in the SFT) and the gold
answer in ``solution`` (a string such as ``"64"``), which is what the ``accuracy`` reward reads.
Held-out problems come from a pool that neither the SFT nor GRPO ever draws from.
"""

from __future__ import annotations

from datasets import Dataset

from .rows import HELDOUT_POOL_SIZE, heldout_problems, problem_row, train_problems
from .task import Problem, split_problems


def to_dataset(problems: list[Problem]) -> Dataset:
    """Turn problems into a dataset with ``prompt`` and ``solution`` columns.

    >>> ds = to_dataset([Problem(28, "+", 36)])
    >>> ds[0]["prompt"][0]["content"], ds[0]["solution"]
    ('28+36=?', '64')
    """
    rows = [problem_row(p) for p in problems]
    return Dataset.from_dict(
        {"prompt": [r["prompt"] for r in rows], "solution": [r["solution"] for r in rows]}
    )


def make_splits(
    seed: int, *, train_size: int, heldout_size: int, regroup_share: float
) -> tuple[list[Problem], Dataset, Dataset]:
    """Return the training pool (for SFT), the GRPO training dataset and the held-out dataset.

    The held-out set has exactly ``round(regroup_share * heldout_size)`` regrouping problems, so the
    starting accuracy does not depend on the luck of the draw; GRPO prompts are drawn from the
    training pool with the same share. The rows are those of the registered ``arithmetic`` dataset
    (:mod:`trainer.builtin.rows`).

    >>> pool, train, heldout = make_splits(0, train_size=8, heldout_size=10, regroup_share=0.6)
    >>> len(train), len(heldout), train.column_names
    (8, 10, ['prompt', 'solution'])
    """
    heldout = heldout_problems(seed, heldout_size, regroup_share)
    train = train_problems(seed, train_size, regroup_share)
    pool, _ = split_problems(seed, HELDOUT_POOL_SIZE)
    return pool, to_dataset(train), to_dataset(heldout)
