"""The parameters of ``reasoning_gym``, declared once (light: the plugin module imports it).

>>> ReasoningGymConfig().credit, ReasoningGymConfig(credit="task").timeout
('binary', 5.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from verifiers_core import THINK_OPENED, RewardConfig, option, option_from


@dataclass(frozen=True)
class ReasoningGymConfig(RewardConfig):
    """How ``reasoning_gym`` reads a row and how much its scoring processes may spend."""

    credit: Literal["binary", "task", "substring"] = option(
        "binary",
        "binary: 1.0 when the task's check gives full credit, else 0.0; task: the task scorer's own values "
        "(graded and small 'well-formed' credits); substring: task, plus reasoning-gym's default "
        "len(gold)/len(answer) credit when the gold is inside the answer (HACKABLE: padding an answer "
        "around the gold earns credit)",
    )
    answer_column: str = option("answer", "column holding the gold answer")
    metadata_column: str = option("metadata", "column holding the task metadata (a JSON string)")
    think_opened: str = option_from(THINK_OPENED)
    timeout: float = option(5.0, "hard limit in seconds per answer (the worker is killed)", min=0.1, max=600)
    workers: int = option(
        0, "scoring processes shared by this process; 0 = one per CPU (at most 4)", min=0, max=64
    )
    memory_mb: int = option(2048, "address-space cap per scoring process in MiB; 0 = none", min=0)
    max_answer_chars: int = option(10_000, "longer extracted answers score 0.0 unparsed", min=1)


__all__ = ["ReasoningGymConfig"]
