"""PrimeIntellect verifiers: an environment whose ``Rubric`` holds our rewards with their weights.

Matches verifiers 0.3.1 (PyPI ``verifiers==0.3.1``), the classic stack it keeps under
``verifiers.legacy`` and serves as ``import verifiers as vf``: ``legacy/rubrics/rubric.py``
(``Rubric(funcs, weights)``; each function is called with the arguments it names, all of them
(``prompt``, ``completion``, ``answer``, ``info``, ``state`` and the dataset's other columns) when
it takes ``**kwargs``; ``score_group`` gathers one function over a group's rollouts; the metrics
are keyed by each function's ``__name__``), ``legacy/envs/singleturn_env.py`` and
``legacy/utils/env_utils.py`` / ``install_utils.py`` (``vf.load_environment(env_id)`` imports the
module ``env_id`` with ``-`` as ``_`` and calls its ``load_environment(**env_args)``;
``vf-install NAME -p DIR`` pip-installs ``DIR/NAME``). verifiers 0.4 dropped that stack for its
``v1`` task sets.

Install and run (the package ``environments/verifiers_core_env`` of this repository)::

    vf-install verifiers-core-env -p environments        # or: pip install -e environments/verifiers_core_env
    vf-eval verifiers-core-env -a '{"rewards": "accuracy,format", "dataset": "rows.jsonl"}'

One reward function per selected reward, named after it (so ``vf-eval`` and the trainers report
per-reward metrics), with the selection's weights; the rubric's reward is the weighted total. The
rollout's ``answer`` goes to each reward's gold column, ``info`` and the dataset's other columns
become columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..suite import SuiteSpec, ascore_row, get_suite
from .common import filled_values, gold_columns, make_row, settings_from

#: Arguments the Rubric passes that are not dataset columns.
RUBRIC_OBJECTS = ("prompt", "completion", "answer", "state", "info", "task", "parser", "resources")


class RewardFunction:
    """One of our rewards as a verifiers reward function (picklable; ``__name__`` is its name)."""

    def __init__(self, spec: SuiteSpec, name: str) -> None:
        self.spec = spec
        self.__name__ = name

    async def __call__(
        self,
        completion: Any = None,
        answer: Any = None,
        prompt: Any = None,
        info: Any = None,
        **kwargs: Any,
    ) -> float:
        suite = get_suite(self.spec)
        columns = {k: v for k, v in kwargs.items() if k not in RUBRIC_OBJECTS}
        if isinstance(info, Mapping):
            columns.update(info)
        gold: Any = answer if answer not in (None, "") else None
        row = make_row(completion, prompt=prompt, gold=gold, columns=columns, gold_cols=gold_columns(suite))
        result = await ascore_row(suite, row, errors="count")
        return filled_values(suite, result)[suite.keys[0]]


def reward_functions(**options: Any) -> tuple[list[RewardFunction], list[float]]:
    """The selection as verifiers reward functions and their weights (one suite per reward, so
    each function runs only its own reward).

    >>> funcs, weights = reward_functions(rewards="format", reward_weights="0.5")
    >>> [f.__name__ for f in funcs], weights
    (['format'], [0.5])
    """
    settings = settings_from(options)
    funcs = []
    keys = settings.suite.keys
    for key, choice in zip(keys, settings.spec.to_choices()):
        choice.weight = 1.0
        funcs.append(RewardFunction(SuiteSpec.from_choices([choice]), key))
    return funcs, list(settings.spec.weights)


def load_environment(
    rewards: Any = None,
    reward_weights: Any = None,
    reward_args: Any = None,
    config: Any = None,
    think_opened: str | None = None,
    dataset: Any = None,
    eval_dataset: Any = None,
    system_prompt: str | None = None,
    **env_kwargs: Any,
) -> Any:
    """A ``vf.SingleTurnEnv`` scored by our rewards. ``dataset``/``eval_dataset``: a
    ``datasets.Dataset`` or a JSON/JSONL/Parquet file with ``question`` and ``answer`` columns
    (plus any columns the rewards read)."""
    import verifiers as vf

    funcs, weights = reward_functions(
        rewards=rewards,
        reward_weights=reward_weights,
        reward_args=reward_args,
        config=config,
        think_opened=think_opened,
    )
    rubric = vf.Rubric(funcs=funcs, weights=weights)
    return vf.SingleTurnEnv(
        dataset=_dataset(dataset),
        eval_dataset=_dataset(eval_dataset),
        system_prompt=system_prompt,
        rubric=rubric,
        **env_kwargs,
    )


def _dataset(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    from datasets import load_dataset

    kind = "parquet" if value.endswith(".parquet") else "json"
    return load_dataset(kind, data_files=value, split="train")


__all__ = ["RewardFunction", "load_environment", "reward_functions"]
