"""The ``format`` plugin: registers ``format``, ``tag_count``, ``repetition``, ``overlong`` and
``language_consistency``.

Entry point (``pyproject.toml``)::

    [project.entry-points.verifiers_core]
    format = "verifiers_format.plugin"

This module imports nothing but the core: each factory is a ``"module:attribute"`` string,
imported when the reward is built, so ``python -m verifiers_core list`` stays fast.

>>> import verifiers_core
>>> from verifiers_core.testing import isolated_registry
>>> from verifiers_format import plugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(plugin, name="format")
...     fmt = verifiers_core.get_reward("format/format")
...     fmt(prompts=["2+2?"], completions=["<think>2+2=4</think> \\\\boxed{4}"])
[1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import verifiers_core
from verifiers_core import THINK_OPENED, Param


def _language(value: Any) -> str | None:
    from .language import check_language

    return check_language(value)


def _positive(value: Any) -> str | None:
    return None if value is None or value > 0 else f"must be > 0, got {value!r}"


@verifiers_core.hookimpl
def register_rewards(register: Callable[..., None]) -> None:
    """Register the four rewards of this plugin (see the README for their definitions)."""
    register(
        "format",
        "verifiers_format.format_reward:FormatReward",
        description="1.0 for <think>reasoning</think> then a non-empty answer (R1 shape), else 0.0",
        params=[
            Param(
                "mode",
                str,
                "r1",
                "'r1': <think>…</think>answer; 'strict': open-r1's "
                "<think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>",
                choices=("r1", "strict"),
            ),
            THINK_OPENED,
            Param("allow_empty_think", bool, False, "accept a think block with only whitespace in it"),
        ],
    )
    register(
        "tag_count",
        "verifiers_format.tag_count:TagCountReward",
        description="partial credit per well-placed format tag (0.25 each with open-r1's template)",
        params=[
            Param(
                "tags",
                str,
                "think_answer",
                "'think_answer': open-r1's four tags with their newlines; 'think': <think> and </think>",
                choices=("think_answer", "think"),
            ),
            THINK_OPENED,
        ],
    )
    register(
        "repetition",
        "verifiers_format.repetition:RepetitionReward",
        description="n-gram repetition penalty in [max_penalty, 0] over token ids, or words without ids",
        params=[
            Param("n", int, 3, "n-gram size", min=1),
            Param("max_penalty", float, -1.0, "penalty of a completion that only repeats itself", max=0.0),
            Param(
                "unit",
                str,
                "auto",
                "'auto': token ids when given, else words; 'tokens': ids required; 'words': lower-cased "
                "whitespace-separated words",
                choices=("auto", "tokens", "words"),
            ),
        ],
    )
    register(
        "overlong",
        "verifiers_format.overlong:OverlongReward",
        description="DAPO soft overlong punishment: 0 up to max_length-buffer tokens, down to -1 at max_length",
        params=[
            Param(
                "max_length",
                int,
                512,
                "maximum completion length in tokens (set it to the trainer's max_completion_length)",
                min=1,
            ),
            Param(
                "buffer", int, 128, "soft-punishment zone before max_length, in tokens (< max_length)", min=0
            ),
            Param(
                "tokenizer",
                str,
                None,
                "tokenizer.json (or its folder) to count tokens when completion_ids are absent",
            ),
            Param(
                "chars_per_token",
                float,
                None,
                "approximate tokens as ceil(chars / this) when completion_ids are absent",
                check=_positive,
            ),
        ],
    )
    register(
        "language_consistency",
        "verifiers_format.language:LanguageConsistencyReward",
        description="share of the reasoning's words in the target language (DeepSeek-R1), by Unicode script; "
        "code, math, numbers and symbols ignored",
        params=[
            Param(
                "language",
                str,
                "auto",
                "target language: a code (en, zh, ja, ko, ru, ar, ...) or a script name (latin, han, cyrillic); "
                "auto: the prompt's (its last user message's) language",
                check=_language,
            ),
            Param(
                "language_column",
                str,
                None,
                "dataset column holding each row's target language (wins over language)",
            ),
            Param(
                "scope",
                str,
                "reasoning",
                "reasoning: the text inside <think>...</think> (the whole completion when it has no think tags); "
                "completion: the whole completion",
                choices=("reasoning", "completion"),
            ),
            THINK_OPENED,
            Param(
                "min_words", int, 1, "rows with fewer countable words score None (counted no_words)", min=1
            ),
        ],
    )
