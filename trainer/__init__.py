"""A thin GRPO trainer on TRL's ``GRPOTrainer`` with rewards selected by name.

Run it as ``python -m trainer --rewards accuracy,format --model Qwen/Qwen2.5-0.5B-Instruct
--dataset openai/gsm8k --dataset_config main``; ``python -m trainer --help`` lists every option.
Importing this package is cheap: torch, transformers and TRL load only when a run starts.

>>> import trainer
>>> callable(trainer.main)
True
"""

from __future__ import annotations

from .errors import TrainerConfigError


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status (see :func:`trainer.run.main`)."""
    from .run import main as _main

    return _main(argv)


__all__ = ["TrainerConfigError", "main"]
