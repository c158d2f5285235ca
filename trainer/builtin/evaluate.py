"""Greedy accuracy on a held-out split, batched."""

from __future__ import annotations

from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from .task import is_correct

#: Longest worked answer of the task is about 30 tokens; leave room for a model that rambles.
MAX_NEW_TOKENS = 48


def _underlying(model: Any) -> PreTrainedModel:
    # Accelerate/DDP wrappers keep the generating model in ``.module``.
    return getattr(model, "module", model)


@torch.no_grad()
def greedy_completions(
    model: Any,
    tokenizer: PreTrainedTokenizerFast,
    prompts: list[list[dict[str, str]]],
    *,
    batch_size: int = 256,
    max_new_tokens: int = MAX_NEW_TOKENS,
) -> list[str]:
    """Decode greedily and return the completion texts as TRL's rewards see them.

    Prompts are conversational; they are rendered with the chat template and left-padded. Special
    tokens (EOS, padding) are dropped from the texts, as in TRL.
    """
    net = _underlying(model)
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    texts: list[str] = []
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start : start + batch_size]
            rendered = [
                tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False) for p in chunk
            ]
            enc = tokenizer(
                rendered, add_special_tokens=False, padding=True, padding_side="left", return_tensors="pt"
            )
            enc = {k: v.to(device) for k, v in enc.items()}
            out = net.generate(
                **enc,
                do_sample=False,
                max_new_tokens=max_new_tokens,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
                temperature=None,
                top_p=None,
                top_k=None,
            )
            texts += tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    finally:
        net.train(was_training)
    return texts


def evaluate(model: Any, tokenizer: PreTrainedTokenizerFast, dataset: Any) -> float:
    """Greedy accuracy of ``model`` on ``dataset`` (columns ``prompt`` and ``solution``), in [0, 1].

    A completion is correct when the last ``\\boxed{}`` after ``</think>`` equals the solution.
    The model's training mode is restored afterwards, so this can run in the middle of training.

    >>> import tempfile
    >>> from transformers import AutoModelForCausalLM
    >>> from trainer.builtin import build_builtin
    >>> from trainer.builtin.sft import SFTRecipe
    >>> setup = build_builtin(0, tempfile.mkdtemp(), sft=SFTRecipe(steps=2, batch_size=4, warmup_steps=1),
    ...                       train_size=8, heldout_size=8, verbose=False)  # a tiny build, for the example
    >>> model = AutoModelForCausalLM.from_pretrained(setup.model_path)
    >>> 0.0 <= evaluate(model, setup.tokenizer, setup.heldout_dataset) <= 1.0
    True
    """
    for column in ("prompt", "solution"):
        if column not in dataset.column_names:
            raise ValueError(
                f"evaluate: the dataset has no {column!r} column (it has {dataset.column_names})"
            )
    if len(dataset) == 0:
        raise ValueError("evaluate: the dataset is empty")
    texts = greedy_completions(model, tokenizer, list(dataset["prompt"]))
    correct = sum(is_correct(t, s) for t, s in zip(texts, dataset["solution"]))
    return correct / len(dataset)
