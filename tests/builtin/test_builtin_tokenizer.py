"""The character-level tokenizer: think tags survive decoding, the chat template matches TRL's use."""

from __future__ import annotations

from transformers import AutoTokenizer

from trainer.builtin.sft import prompt_messages
from trainer.builtin.task import Problem, completion
from trainer.builtin.tokenizer import build_tokenizer

TEXT = "<think>8+6=14, 2+3+1=6</think> \\boxed{64}"


def test_builtin_think_tags_are_single_non_special_tokens():
    tok = build_tokenizer()
    for tag in ("<think>", "</think>"):
        ids = tok(tag, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1
        assert ids[0] not in tok.all_special_ids
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    assert tok.padding_side == "left"


def test_builtin_think_tags_survive_skip_special_tokens():
    tok = build_tokenizer()
    ids = tok(TEXT, add_special_tokens=False)["input_ids"] + [tok.eos_token_id, tok.pad_token_id]
    decoded = tok.batch_decode([ids, ids[:5]], skip_special_tokens=True)
    assert decoded[0] == TEXT
    assert decoded[1] == "<think>8+6="


def test_builtin_any_text_round_trips():
    tok = build_tokenizer()
    text = "naïve ∑ 日本 \\frac{1}{2}\n\t <thinking> </thin"
    assert tok.decode(tok(text)["input_ids"]) == text


def test_builtin_chat_template_is_chatml_and_tokenizes_consistently(tmp_path):
    tok = build_tokenizer()
    messages = prompt_messages(Problem(28, "+", 36))
    rendered = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert rendered == "<|im_start|>user\n28+36=?<|im_end|>\n<|im_start|>assistant\n"
    # TRL tokenizes through apply_chat_template; the SFT tokenizes the rendered text: same ids.
    via_template = tok.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=True
    )
    assert via_template["input_ids"] == tok(rendered, add_special_tokens=False)["input_ids"]

    tok.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded.padding_side == "left"
    assert loaded.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) == rendered
    text = completion(Problem(99, "+", 99))
    assert loaded(text)["input_ids"] == tok(text)["input_ids"]


def test_builtin_tokenizer_is_deterministic():
    a, b = build_tokenizer(), build_tokenizer()
    assert a.get_vocab() == b.get_vocab()
    assert len(a) == 256 + 3 + 2
