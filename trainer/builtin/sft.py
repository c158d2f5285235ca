"""Cold-start SFT: a plain torch loop that teaches the R1 shape on the arithmetic task.

As DeepSeek-R1 does before RL, the model first imitates worked answers. The traces are deliberately
imperfect (some drop the carry or borrow, some break the format), so the policy it ends with is right
only part of the time and leaves GRPO something to learn. The loss covers completion tokens only.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from .task import Problem, ProblemSampler, completion


@dataclass(frozen=True)
class SFTRecipe:
    """What the cold start trains on and how long.

    ``drop_share`` of regrouping traces drop the carry/borrow; ``malformed_share`` of all traces break
    the format. ``regroup_share`` of the problems regroup.

    >>> SFTRecipe(steps=10).steps
    10
    """

    steps: int = 600
    batch_size: int = 64
    learning_rate: float = 3e-3
    warmup_steps: int = 30
    regroup_share: float = 0.65
    drop_share: float = 0.75
    malformed_share: float = 0.1

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(f"steps and batch_size must be >= 1, got {self.steps} and {self.batch_size}")
        for name in ("regroup_share", "drop_share", "malformed_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"SFTRecipe.{name} must be in [0, 1], got {value}")


def prompt_messages(problem: Problem) -> list[dict[str, str]]:
    """The conversational prompt of a problem (the same for SFT, GRPO and evaluation).

    >>> prompt_messages(Problem(28, "+", 36))
    [{'role': 'user', 'content': '28+36=?'}]
    """
    return [{"role": "user", "content": problem.prompt_text}]


def _sft_example(problem: Problem, rng: random.Random, recipe: SFTRecipe) -> str:
    drop = problem.regroups and rng.random() < recipe.drop_share
    malformed = rng.choice((1, 2)) if rng.random() < recipe.malformed_share else 0
    return completion(problem, drop_regroup=drop, malformed=malformed)


def _batch(
    tokenizer: PreTrainedTokenizerFast, problems: list[Problem], completions: list[str]
) -> dict[str, torch.Tensor]:
    """Tokenise prompt + completion + EOS, right-padded, with labels on the completion only."""
    prompts = [
        tokenizer.apply_chat_template(prompt_messages(p), add_generation_prompt=True, tokenize=False)
        for p in problems
    ]
    prompt_ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    completion_ids = tokenizer(completions, add_special_tokens=False)["input_ids"]
    rows = [(p, c + [tokenizer.eos_token_id]) for p, c in zip(prompt_ids, completion_ids)]
    width = max(len(p) + len(c) for p, c in rows)
    input_ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (p, c) in enumerate(rows):
        n = len(p) + len(c)
        input_ids[i, :n] = torch.tensor(p + c)
        labels[i, len(p) : n] = torch.tensor(c)
        mask[i, :n] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}


def run_sft(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    pool: list[Problem],
    recipe: SFTRecipe,
    seed: int,
    progress: Callable[[int, float], None] | None = None,
) -> dict[str, float]:
    """Train ``model`` in place on traces of problems from ``pool``; return loss and time figures.

    Deterministic for a fixed ``seed`` (data order from a seeded ``random.Random``, no dropout).
    ``progress(step, loss)`` is called every 50 steps and at the end.

    >>> from trainer.builtin.model import ModelShape, build_model
    >>> from trainer.builtin.task import all_problems
    >>> from trainer.builtin.tokenizer import build_tokenizer
    >>> tok = build_tokenizer()
    >>> model = build_model(tok, ModelShape(hidden_size=32, num_hidden_layers=1), seed=0)
    >>> stats = run_sft(model, tok, all_problems(), SFTRecipe(steps=2, batch_size=4), seed=0)
    >>> stats["steps"]
    2
    """
    rng = random.Random(f"sft-{seed}")
    sampler = ProblemSampler(pool, recipe.regroup_share)
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=recipe.learning_rate, betas=(0.9, 0.98), weight_decay=0.0
    )

    def lr_factor(step: int) -> float:
        # Linear warm-up, then cosine decay to a tenth of the peak.
        if step < recipe.warmup_steps:
            return (step + 1) / recipe.warmup_steps
        done = (step - recipe.warmup_steps) / max(1, recipe.steps - recipe.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * done))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    model.train()
    start = time.perf_counter()
    loss_value = float("nan")
    for step in range(recipe.steps):
        problems = sampler.draw(recipe.batch_size, rng)
        texts = [_sft_example(p, rng, recipe) for p in problems]
        loss = model(**_batch(tokenizer, problems, texts)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        loss_value = loss.item()
        if progress is not None and ((step + 1) % 50 == 0 or step + 1 == recipe.steps):
            progress(step + 1, loss_value)
    model.eval()
    return {"steps": recipe.steps, "final_loss": loss_value, "seconds": time.perf_counter() - start}
