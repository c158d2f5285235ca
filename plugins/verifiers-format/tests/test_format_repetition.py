"""``repetition``: n-gram repetition penalty over token ids, or words without ids."""

from __future__ import annotations

import pytest
from verifiers_format import RepetitionReward

from verifiers_core import MissingColumnError
from verifiers_core.testing import check_reward_contract


def test_token_ids_when_given():
    rep = RepetitionReward(n=2, max_penalty=-1.0)
    # 4 bigrams, 1 unique: 1 - 1/4 = 0.75 of the maximum penalty.
    assert rep(completions=["x", "y"], completion_ids=[[1, 2, 3, 4], [5, 5, 5, 5, 5]]) == [0.0, -0.75]
    # The ids decide, not the text: a text that repeats itself scores by its ids.
    assert rep(completions=["go go go go"], completion_ids=[[1, 2, 3, 4]]) == [0.0]


def test_words_without_ids():
    rep = RepetitionReward(n=2, max_penalty=-1.0)
    # Lower-cased, split on whitespace: "The cat / cat the / the CAT" -> 3 bigrams, 2 unique.
    assert rep(completions=["The cat the CAT"]) == [pytest.approx(-1 / 3)]
    assert rep(completions=["a b c d e"]) == [0.0]


def test_row_without_ids_falls_back_to_words_in_auto():
    rep = RepetitionReward(n=2)
    assert rep(completions=["b b b b b", "b b b b b"], completion_ids=[[1, 2, 3, 4, 5], None]) == [0.0, -0.75]


def test_scale_and_n():
    text = "one two three one two three one two three"  # 7 trigrams, 3 unique
    assert RepetitionReward(n=3, max_penalty=-0.5)(completions=[text]) == [pytest.approx(-0.5 * (1 - 3 / 7))]
    assert RepetitionReward(n=1, max_penalty=-1.0)(completions=[text]) == [pytest.approx(-(1 - 3 / 9))]
    assert RepetitionReward(n=3, max_penalty=0.0)(completions=[text]) == [0.0]


def test_shorter_than_n_is_no_penalty():
    rep = RepetitionReward(n=3)
    assert rep(completions=["a a", ""], completion_ids=[[7, 7], []]) == [0.0, 0.0]


def test_value_is_never_negative_zero():
    value = RepetitionReward()(completions=["a b c d"], completion_ids=[[1, 2, 3, 4]])[0]
    assert value == 0.0 and str(value) == "0.0"


def test_unit_words_ignores_ids_and_unit_tokens_requires_them():
    assert RepetitionReward(n=2, unit="words")(completions=["a a a"], completion_ids=[[1, 2, 3]]) == [-0.5]
    tokens = RepetitionReward(unit="tokens")
    with pytest.raises(MissingColumnError, match=r"repetition.*completion_ids.*rows \[0\]"):
        tokens(completions=["a a a"])
    with pytest.raises(MissingColumnError, match=r"rows \[1\]"):
        tokens(completions=["a", "b"], completion_ids=[[1], None])


def test_tensor_like_rows_are_read_as_lists():
    class Row:  # stands in for a torch tensor row: elements would hash by identity
        def __init__(self, ids):
            self.ids = ids

        def tolist(self):
            return list(self.ids)

    assert RepetitionReward(n=2)(completions=["x"], completion_ids=[Row([5, 5, 5, 5, 5])]) == [-0.75]


@pytest.mark.parametrize(
    "params, match",
    [({"n": 0}, "'n'.*must be"), ({"max_penalty": 0.5}, "max_penalty"), ({"unit": "chars"}, "unit")],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        RepetitionReward(**params)


def test_contract():
    report = check_reward_contract(
        RepetitionReward(n=2, max_penalty=-1.0),
        [
            {"completion": "x", "completion_ids": [1, 2, 3, 4], "expected": 0.0},
            {"completion": "x", "completion_ids": [5, 5, 5, 5, 5], "expected": -0.75},
            {"completion": "x", "completion_ids": [1], "expected": 0.0},
        ],
    )
    # The kit passes a completion's UTF-8 bytes as ids when a case has none: the long edge case
    # ("so 1+1=2. " over and over) is nearly all repeats.
    assert report.edge_values["very long"] < -0.9
    assert report.edge_values["empty"] == 0.0
