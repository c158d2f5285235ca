"""slime: our rewards as slime's custom reward model (``--custom-rm-path``).

Matches slime at commit 624b824 (THUDM/slime, ``setup.py`` version 0.3.1; not on PyPI):
``slime/rollout/rm_hub/__init__.py`` (``async_rm`` awaits ``fn(args, sample, **kwargs)``;
``batched_async_rm`` awaits ``fn(args, samples, **kwargs)`` with a list, which
``--group-rm`` and multi-sample rollouts use with the *same* ``--custom-rm-path``), the sample
fields of ``slime/utils/types.py`` (``prompt``: text or messages, ``response``, ``label``,
``metadata``: a dict) and ``slime/utils/misc.py`` (``load_function`` imports ``module.attr``).

Flags::

    --custom-rm-path verifiers_core.integrations.slime.custom_rm          # a float per sample
    --custom-rm-path verifiers_core.integrations.slime.custom_rm_dict \\
        --reward-key score                                                 # a dict per sample
    --group-rm                                                             # either, for groups

Options come from the ``VERIFIERS_CORE_*`` environment variables. ``sample.label`` is the gold
(a mapping label is columns); ``sample.metadata`` keys become columns. Rewards run off the event
loop, in a worker thread; samples that concurrent coroutines send together are scored as one
batch.
"""

from __future__ import annotations

from typing import Any

from ..suite import RowScore, ascore_row
from .common import filled_values, gold_columns, label_parts, make_row, sample_dict, settings_from, total


async def custom_rm(args: Any, sample: Any, **kwargs: Any) -> Any:
    """The weighted total for one sample, or a list of totals for a list of samples (a group).

    >>> import asyncio, os, types
    >>> os.environ["VERIFIERS_CORE_REWARDS"] = "format"
    >>> s = types.SimpleNamespace(prompt="Q", response="<think>x</think><answer>1</answer>", label="1", metadata={})
    >>> asyncio.run(custom_rm(None, s)), asyncio.run(custom_rm(None, [s, s]))
    (1.0, [1.0, 1.0])
    >>> del os.environ["VERIFIERS_CORE_REWARDS"]
    """
    return await _score(sample, kwargs, as_dict=False)


async def custom_rm_dict(args: Any, sample: Any, **kwargs: Any) -> Any:
    """Like :func:`custom_rm`, but each sample's reward is the dict ``{"score", <reward>,
    "<reward>/<counter>"}`` (same keys for every sample); use with ``--reward-key score``."""
    return await _score(sample, kwargs, as_dict=True)


async def custom_rm_group(args: Any, samples: Any, **kwargs: Any) -> list[Any]:
    """The group form: a list of samples in, a list of totals out (``--group-rm``)."""
    return await _score(list(samples), kwargs, as_dict=False)


async def _score(sample: Any, options: dict[str, Any], *, as_dict: bool) -> Any:
    import asyncio

    settings = settings_from(options)
    suite = settings.suite
    if isinstance(sample, (list, tuple)):
        return list(await asyncio.gather(*(_score(s, options, as_dict=as_dict) for s in sample)))
    row = _row(suite, sample)
    result: RowScore = await ascore_row(suite, row, errors="count", deadline=settings.deadline)
    return sample_dict(suite, result) if as_dict else total(suite, filled_values(suite, result))


def _row(suite: Any, sample: Any) -> dict[str, Any]:
    gold, label_columns = label_parts(getattr(sample, "label", None))
    columns = (
        dict(getattr(sample, "metadata", None) or {})
        if isinstance(getattr(sample, "metadata", None), dict)
        else {}
    )
    columns.update(label_columns or {})
    return make_row(
        getattr(sample, "response", None),
        prompt=getattr(sample, "prompt", None),
        gold=gold,
        columns=columns,
        gold_cols=gold_columns(suite),
    )


__all__ = ["custom_rm", "custom_rm_dict", "custom_rm_group"]
