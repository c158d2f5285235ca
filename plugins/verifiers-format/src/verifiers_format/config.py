"""The parameters of the format plugin's rewards, declared once (light: the plugin module imports it).

>>> OverlongConfig(max_length=256, buffer=64).buffer
64
>>> OverlongConfig(max_length=100, buffer=100)
Traceback (most recent call last):
...
ValueError: parameter 'buffer': must be smaller than max_length (100), got 100 (accepts an integer from 0 to max_length - 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from verifiers_core import THINK_OPENED, RewardConfig, option, option_from


def _language(value: Any) -> str | None:
    from .language import check_language  # the script tables load only when checked

    return check_language(value)


def _positive(value: Any) -> str | None:
    return None if value is None or value > 0 else f"must be > 0, got {value!r}"


@dataclass(frozen=True)
class FormatConfig(RewardConfig):
    """``format``: which shape counts."""

    mode: Literal["r1", "strict"] = option(
        "r1",
        "'r1': <think>…</think>answer; 'strict': open-r1's <think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>",
    )
    think_opened: str = option_from(THINK_OPENED)
    allow_empty_think: bool = option(False, "accept a think block with only whitespace in it")


@dataclass(frozen=True)
class TagCountConfig(RewardConfig):
    """``tag_count``: which tags earn credit."""

    tags: Literal["think_answer", "think"] = option(
        "think_answer",
        "'think_answer': open-r1's four tags with their newlines; 'think': <think> and </think>",
    )
    think_opened: str = option_from(THINK_OPENED)


@dataclass(frozen=True)
class RepetitionConfig(RewardConfig):
    """``repetition``: the n-grams counted and the largest penalty."""

    n: int = option(3, "n-gram size", min=1)
    max_penalty: float = option(-1.0, "penalty of a completion that only repeats itself", max=0.0)
    unit: Literal["auto", "tokens", "words"] = option(
        "auto",
        "'auto': token ids when given, else words; 'tokens': ids required; 'words': lower-cased "
        "whitespace-separated words",
    )


@dataclass(frozen=True)
class OverlongConfig(RewardConfig):
    """``overlong``: the length limit, its soft zone, and how to count tokens without ids."""

    max_length: int = option(
        512, "maximum completion length in tokens (set it to the trainer's max_completion_length)", min=1
    )
    buffer: int = option(128, "soft-punishment zone before max_length, in tokens (< max_length)", min=0)
    tokenizer: str | None = option(
        None, "tokenizer.json (or its folder) to count tokens when completion_ids are absent"
    )
    chars_per_token: float | None = option(
        None, "approximate tokens as ceil(chars / this) when completion_ids are absent", check=_positive
    )

    def problem(self) -> str | None:
        if self.buffer >= self.max_length:
            return (
                f"parameter 'buffer': must be smaller than max_length ({self.max_length}), got {self.buffer} "
                "(accepts an integer from 0 to max_length - 1)"
            )
        return None


@dataclass(frozen=True)
class LanguageConsistencyConfig(RewardConfig):
    """``language_consistency``: the target language, where it is read and what is counted."""

    language: str = option(
        "auto",
        "target language: a code (en, zh, ja, ko, ru, ar, ...) or a script name (latin, han, cyrillic); "
        "auto: the prompt's (its last user message's) language",
        check=_language,
    )
    language_column: str | None = option(
        None, "dataset column holding each row's target language (wins over language)"
    )
    scope: Literal["reasoning", "completion"] = option(
        "reasoning",
        "reasoning: the text inside <think>...</think> (the whole completion when it has no think tags); "
        "completion: the whole completion",
    )
    think_opened: str = option_from(THINK_OPENED)
    min_words: int = option(1, "rows with fewer countable words score None (counted no_words)", min=1)


__all__ = [
    "FormatConfig",
    "LanguageConsistencyConfig",
    "OverlongConfig",
    "RepetitionConfig",
    "TagCountConfig",
]
