"""The parameters of ``accuracy`` and ``cosine``, declared once (light: the plugin module imports it).

The registry derives what ``list`` shows and what it validates from these fields; the rewards keep
the validated instance and grading reads its settings from it.

>>> AccuracyConfig().answer_format, CosineConfig(max_len=256).timeout
('any', 3.0)
>>> CosineConfig(min_value_correct=2.0)
Traceback (most recent call last):
...
ValueError: min_value_correct (2.0) must not exceed max_value_correct (1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from verifiers_core import THINK_OPENED, RewardConfig, option, option_from

from .compare import DEFAULT_TOLERANCE

#: Where an answer may be written (see :func:`verifiers_math.extract.extract_answer`).
AnswerFormat = Literal["any", "marked", "boxed"]
ANSWER_FORMATS: tuple[str, ...] = get_args(AnswerFormat)


@dataclass(frozen=True)
class AccuracyConfig(RewardConfig):
    """How ``accuracy`` finds answers and grades them."""

    column: str = option("solution", "dataset column holding the gold answer")
    answer_format: AnswerFormat = option(
        "any",
        "where the answer may be: 'boxed' (last \\boxed{} only), 'marked' (also '#### N' and "
        "'the answer is' lines), 'any' (also math-verify's extraction of the final text)",
    )
    think_opened: str = option_from(THINK_OPENED)
    timeout: float = option(
        3.0, "hard limit in seconds per gold parse and per answer, from pick-up", min=0.1, max=600
    )
    workers: int = option(
        0, "grading processes shared by this process; 0 = one per CPU (at most 8)", min=0, max=64
    )
    memory_mb: int = option(1024, "address-space cap per grading process in MiB; 0 = none", min=0)
    max_answer_chars: int = option(2000, "longer extracted answers (and golds) are not parsed", min=1)
    tolerance: float = option(
        DEFAULT_TOLERANCE,
        "relative tolerance where a side is written as a decimal; exact values compare exactly",
        min=0.0,
        max=0.5,
    )


@dataclass(frozen=True)
class CosineSchedule(RewardConfig):
    """The length schedule of ``cosine`` (its own parameters, before the grading ones)."""

    max_len: int = option(1024, "completion length in tokens at which the scale bottoms out", min=1)
    min_value_wrong: float = option(-1.0, "reward of a wrong answer of length 0")
    max_value_wrong: float = option(-0.5, "reward of a wrong answer at max_len or longer")
    min_value_correct: float = option(0.5, "reward of a right answer at max_len or longer")
    max_value_correct: float = option(1.0, "reward of a right answer of length 0")
    chars_per_token: float = option(
        4.0, "length estimate when the trainer passes no completion_ids", min=0.01
    )

    def problem(self) -> str | None:
        for low, high in (("min_value_correct", "max_value_correct"), ("min_value_wrong", "max_value_wrong")):
            if getattr(self, low) > getattr(self, high):
                return f"{low} ({getattr(self, low)}) must not exceed {high} ({getattr(self, high)})"
        return None


@dataclass(frozen=True)
class CosineConfig(AccuracyConfig, CosineSchedule):
    """``cosine``: the schedule, then everything ``accuracy`` takes."""


__all__ = ["ANSWER_FORMATS", "DEFAULT_TOLERANCE", "AccuracyConfig", "CosineConfig", "CosineSchedule"]
