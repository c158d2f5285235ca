"""A character-level tokenizer trained in-process with ``tokenizers``: nothing is downloaded.

Byte-level BPE with no merges: every byte is one token, so any text round-trips. On top: three
special tokens (``<|endoftext|>`` for padding, the ChatML markers ``<|im_start|>`` / ``<|im_end|>``,
the latter the end of a turn and so the EOS), and ``<think>`` / ``</think>`` as *non-special* added
tokens: TRL decodes completions with ``skip_special_tokens=True``, which would delete special think
tags before any reward sees them.
"""

from __future__ import annotations

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

PAD_TOKEN = "<|endoftext|>"
BOS_TOKEN = "<|im_start|>"
EOS_TOKEN = "<|im_end|>"
SPECIAL_TOKENS = (PAD_TOKEN, BOS_TOKEN, EOS_TOKEN)
THINK_TOKENS = ("<think>", "</think>")

#: ChatML, as Qwen models use it; ``add_generation_prompt`` opens the assistant turn.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Train the character-level tokenizer (deterministic: it depends on no data).

    >>> tok = build_tokenizer()
    >>> ids = tok("<think>1+2=3</think> \\\\boxed{3}")["input_ids"]
    >>> tok.decode(ids, skip_special_tokens=True)
    '<think>1+2=3</think> \\\\boxed{3}'
    >>> tok.convert_ids_to_tokens(ids[0])
    '<think>'
    """
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = byte_level
    core.decoder = decoders.ByteLevel()
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    # vocab_size = alphabet + specials leaves no room for merges: one token per byte.
    trainer = trainers.BpeTrainer(
        vocab_size=len(alphabet) + len(SPECIAL_TOKENS),
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=alphabet,
        show_progress=False,
    )
    core.train_from_iterator([""], trainer=trainer)
    core.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token=PAD_TOKEN,
        eos_token=EOS_TOKEN,
        padding_side="left",
        model_max_length=256,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer
