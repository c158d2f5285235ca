"""The small causal LM: a Qwen2 config with a few layers and a small width (about 0.5M parameters)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM


@dataclass(frozen=True)
class ModelShape:
    """Width and depth of the model; the defaults learn the task within the CPU budget.

    >>> ModelShape().hidden_size
    128
    """

    hidden_size: int = 128
    num_hidden_layers: int = 3
    num_attention_heads: int = 4
    intermediate_size: int = 256
    max_position_embeddings: int = 256


def build_model(tokenizer: PreTrainedTokenizerFast, shape: ModelShape, seed: int) -> Qwen2ForCausalLM:
    """Return a freshly initialised model whose weights depend only on ``shape`` and ``seed``.

    >>> from trainer.builtin.tokenizer import build_tokenizer
    >>> model = build_model(build_tokenizer(), ModelShape(hidden_size=32, num_hidden_layers=1), seed=0)
    >>> model.config.eos_token_id == model.generation_config.eos_token_id
    True
    """
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden_size,
        num_hidden_layers=shape.num_hidden_layers,
        num_attention_heads=shape.num_attention_heads,
        num_key_value_heads=shape.num_attention_heads,
        intermediate_size=shape.intermediate_size,
        max_position_embeddings=shape.max_position_embeddings,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    # TRL reads the EOS from the generation config: make it the end of the assistant turn.
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = None
    return model
