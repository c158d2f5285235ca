"""AReaL: our rewards as AReaL's ``reward_fn``.

Matches AReaL 1.0.4 (PyPI ``areal==1.0.4``): ``areal/api/reward_api.py`` (the signature
``reward_fn(prompt, completions, prompt_ids, completion_ids, **kwargs)`` returning a float, where
``kwargs`` are the other fields of the dataset row; ``AsyncRewardWrapper`` runs it in a
``ProcessPoolExecutor`` with a timeout, so the function must pickle) and
``areal/workflow/rlvr.py`` (the completion is ``tokenizer.decode(output_tokens)``, special tokens
kept; the prompt is the chat-templated text).

Config (the workflow's ``reward_fn``, a function or its import path)::

    reward_fn: verifiers_core.integrations.areal.reward_fn
    # environment: VERIFIERS_CORE_REWARDS=accuracy,format
    #              VERIFIERS_CORE_REWARD_ARGS="accuracy.column=answer accuracy.workers=1"

The gold is read from the dataset column each reward names (``accuracy.column=answer`` for
AReaL's GSM8K rows). Each process-pool worker builds its own rewards once (the per-process cache
survives ``fork``); ``accuracy.workers=1`` keeps the grading processes per worker small.
"""

from __future__ import annotations

from typing import Any

from .common import filled_values, make_row, settings_from, strip_special_tokens, total


def reward_fn(
    prompt: Any,
    completions: Any,
    prompt_ids: Any = None,
    completion_ids: Any = None,
    **kwargs: Any,
) -> float:
    """The weighted total for one completion (``completions`` is one decoded string).

    >>> import os
    >>> os.environ["VERIFIERS_CORE_REWARDS"] = "format"
    >>> reward_fn("Q", "<think>x</think><answer>1</answer><|im_end|>", [1], [2, 3], answer="1")
    1.0
    >>> del os.environ["VERIFIERS_CORE_REWARDS"]
    """
    options = {
        k: kwargs.pop(k)
        for k in list(kwargs)
        if k
        in (
            "rewards",
            "reward_weights",
            "reward_args",
            "config",
            "think_opened",
            "deadline",
            "special_tokens",
        )
    }
    settings = settings_from(options)
    suite = settings.suite
    text = (
        strip_special_tokens(completions, settings.special_tokens)
        if isinstance(completions, str)
        else completions
    )
    row = make_row(text, prompt=prompt if isinstance(prompt, (str, list)) else None, columns=kwargs)
    if isinstance(completion_ids, (list, tuple)):
        try:  # token ids (ints, numpy ints): cosine reads the completion length from them
            row["completion_ids"] = [int(t) for t in completion_ids]
        except (TypeError, ValueError):
            pass
    result = suite.score_rows([row], errors="count", deadline=settings.deadline)
    return total(suite, filled_values(suite, result.rows[0]))


__all__ = ["reward_fn"]
