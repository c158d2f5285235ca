"""``overlong``: DAPO's soft overlong punishment over completion tokens."""

from __future__ import annotations

import json
import pickle

import pytest
from verifiers_format import OverlongReward

from verifiers_core import MissingColumnError, RewardParamError
from verifiers_core.testing import check_reward_contract


def penalties(lengths, **params):
    reward = OverlongReward(**params)
    return reward(completions=["x"] * len(lengths), completion_ids=[[0] * n for n in lengths])


def test_dapo_shape():
    # L = 100, B = 20: free up to 80 tokens, linear down to -1 at 100, -1 beyond.
    assert penalties([0, 50, 80, 81, 90, 99, 100, 101, 5000], max_length=100, buffer=20) == pytest.approx(
        [0.0, 0.0, 0.0, -0.05, -0.5, -0.95, -1.0, -1.0, -1.0]
    )


def test_zero_buffer_is_a_hard_limit():
    assert penalties([100, 101], max_length=100, buffer=0) == [0.0, -1.0]


def test_defaults_follow_trl_max_completion_length():
    # TRL's GRPOConfig.max_completion_length defaults to 512; a quarter of it is the buffer.
    assert penalties([384, 448, 512, 513]) == pytest.approx([0.0, -0.5, -1.0, -1.0])


def test_counts_tokens_not_characters():
    reward = OverlongReward(max_length=10, buffer=5)
    long_text = "a very long completion " * 20  # 460 characters in 3 tokens
    assert reward(completions=[long_text], completion_ids=[[1, 2, 3]]) == [0.0]
    # Conversational completions are measured by their ids just the same.
    assert reward(completions=[[{"role": "assistant", "content": long_text}]], completion_ids=[[1] * 8]) == [
        pytest.approx(-0.6)
    ]


def test_no_ids_is_an_error_that_names_the_fixes():
    with pytest.raises(MissingColumnError, match=r"overlong.*completion_ids.*tokenizer=.*chars_per_token="):
        OverlongReward()(completions=["abc"])
    with pytest.raises(MissingColumnError, match=r"rows \[1\]"):
        OverlongReward()(completions=["a", "b"], completion_ids=[[1], None])


def test_chars_per_token_is_an_explicit_approximation():
    reward = OverlongReward(max_length=10, buffer=5, chars_per_token=4.0)
    metrics = []
    values = reward(
        completions=["x" * 20, "x" * 29, "x" * 41],  # ceil(n / 4) = 5, 8, 11 tokens
        completion_ids=None,
        log_metric=lambda name, value: metrics.append((name, value)),
    )
    assert values == pytest.approx([0.0, -0.6, -1.0])
    assert ("overlong/estimated_lengths", 3.0) in metrics
    # Ids win over the approximation where a row has them.
    assert reward(completions=["x" * 41, "x" * 41], completion_ids=[[1], None]) == [0.0, -1.0]


def _word_tokenizer(tmp_path):
    import tokenizers
    from tokenizers import models, pre_tokenizers

    vocab = {"[UNK]": 0, "the": 1, "cat": 2, "sat": 3}
    tok = tokenizers.Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / "tok"
    path.mkdir()
    tok.save(str(path / "tokenizer.json"))
    return path


def test_tokenizer_counts_tokens_by_reencoding(tmp_path):
    path = _word_tokenizer(tmp_path)
    for where in (path, path / "tokenizer.json"):  # the folder or the file
        reward = OverlongReward(max_length=4, buffer=2, tokenizer=str(where))
        assert reward(completions=["the cat", "the cat sat", "the cat sat the cat"]) == [0.0, -0.5, -1.0]
        clone = pickle.loads(pickle.dumps(reward))  # the native tokenizer is reloaded lazily
        assert clone(completions=[[{"role": "assistant", "content": "the cat sat"}]]) == [-0.5]


def test_bad_tokenizer_path_is_a_parameter_error(tmp_path):
    with pytest.raises(RewardParamError, match=r"overlong.*tokenizer.*no tokenizer file"):
        OverlongReward(tokenizer=str(tmp_path / "missing"))
    bad = tmp_path / "tokenizer.json"
    bad.write_text(json.dumps({"not": "a tokenizer"}))
    with pytest.raises(RewardParamError, match=r"overlong.*tokenizer.*cannot load"):
        OverlongReward(tokenizer=str(bad))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_length": 100, "buffer": 100}, r"buffer.*smaller than max_length \(100\)"),
        ({"max_length": 100, "buffer": 200}, r"buffer.*got 200"),
        ({"max_length": 100, "buffer": -1}, r"buffer"),
        ({"chars_per_token": 0.0}, r"chars_per_token.*> 0"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(RewardParamError, match=match):
        OverlongReward(**params)


def test_contract():
    check_reward_contract(
        OverlongReward(max_length=100, buffer=20),
        [
            {"completion": "short", "completion_ids": [1] * 10, "expected": 0.0},
            {"completion": "in the buffer", "completion_ids": [1] * 90, "expected": -0.5},
            {"completion": "past the end", "completion_ids": [1] * 150, "expected": -1.0},
        ],
    )
