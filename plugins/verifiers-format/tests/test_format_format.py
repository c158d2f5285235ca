"""``format``: the R1 shape, the strict open-r1 template, and a <think> opened by the prompt."""

from __future__ import annotations

import pytest
from verifiers_format import FormatReward

from verifiers_core.testing import check_reward_contract

DEMO = "<think>8+6=14, 2+3+1=6</think> \\boxed{64}"
PREFILL = [{"role": "user", "content": "What is 28+36?"}, {"role": "assistant", "content": "<think>\n"}]
STRICT_OK = "<think>\n8+6=14, 2+3+1=6\n</think>\n<answer>\n64\n</answer>"


def score(completion, prompt="What is 28+36?", **params) -> float:
    return FormatReward(**params)(prompts=[prompt], completions=[completion])[0]


# -- the demo model's completions (ChatML, <think> not pre-opened) -------------------------------


@pytest.mark.parametrize(
    "completion, expected",
    [
        (DEMO, 1.0),
        ("<think>8+6=14, 2+3+1=6</think>\\boxed{64}", 1.0),  # no space before the answer
        ("<think>8+6=14, 2+3+1=6 \\boxed{64}", 0.0),  # missing </think>: cut off
        ("<think>8+6=14, 2+3+1=6</think>", 0.0),  # no answer after </think>
        ("<think>8+6=14, 2+3+1=6</think>  \n ", 0.0),  # only whitespace after </think>
        ("\\boxed{64}", 0.0),  # no reasoning block at all
    ],
)
def test_demo_completions(completion, expected):
    assert score(completion) == expected
    assert score([{"role": "assistant", "content": completion}]) == expected


# -- the rules of the R1 shape --------------------------------------------------------------------


def test_empty_reasoning_is_not_reasoning_unless_allowed():
    for empty in ("<think></think> 64", "<think>\n \n</think> 64"):
        assert score(empty) == 0.0
        assert score(empty, allow_empty_think=True) == 1.0


def test_two_think_blocks_score_zero():
    assert score("<think>a</think><think>b</think> 64") == 0.0
    assert score("<think>a<think>b</think> 64") == 0.0  # nested open
    assert score("<think>a</think> 64 </think>") == 0.0  # a stray second close


def test_text_before_think_scores_zero_but_whitespace_is_tolerated():
    assert score("Sure! <think>8+6=14</think> 64") == 0.0
    assert score("64 <think>8+6=14</think> 64") == 0.0
    assert score("\n <think>8+6=14</think> 64") == 1.0


def test_truncated_completion_scores_zero():
    assert score("<think>8+6=14, 2+3+1=") == 0.0
    assert score("<think>") == 0.0
    assert score("") == 0.0


def test_answer_may_hold_anything_but_think_tags():
    assert score("<think>x</think> <answer>64</answer>") == 1.0
    assert score("<think>x</think> The answer is 64.\n\nDone.") == 1.0


def test_tags_are_exact():
    assert score("<THINK>x</THINK> 64") == 0.0
    assert score("<think >x</think> 64") == 0.0


# -- a <think> already opened by the prompt or chat template (trl#6966) ---------------------------


def test_auto_detects_a_plain_prompt_that_opens_think():
    prompt = "<|im_start|>user\nWhat is 28+36?<|im_end|>\n<|im_start|>assistant\n<think>\n"
    assert score("8+6=14, 2+3+1=6</think> 64", prompt=prompt) == 1.0
    # The model opening it again makes two think blocks.
    assert score("<think>8+6=14</think> 64", prompt=prompt) == 0.0
    # Truncated inside the reasoning, or no answer: still 0.
    assert score("8+6=14, 2+3+1=6", prompt=prompt) == 0.0
    assert score("8+6=14</think>", prompt=prompt) == 0.0
    assert score("</think> 64", prompt=prompt) == 0.0  # empty reasoning


def test_auto_detects_an_assistant_prefill_that_opens_think():
    completion = [{"role": "assistant", "content": "8+6=14, 2+3+1=6</think> 64"}]
    assert score(completion, prompt=PREFILL) == 1.0
    # A *user* message ending in <think> is followed by the assistant header: the model opens it.
    user_ends = [{"role": "user", "content": "Answer after <think>"}]
    assert score(completion, prompt=user_ends) == 0.0
    assert score([{"role": "assistant", "content": DEMO}], prompt=user_ends) == 1.0


def test_think_opened_prompt_and_completion_override_detection():
    assert score("8+6=14</think> 64", think_opened="prompt") == 1.0
    assert score(DEMO, think_opened="prompt") == 0.0
    assert score("8+6=14</think> 64", prompt="<think>", think_opened="completion") == 0.0
    assert score(DEMO, prompt="<think>", think_opened="completion") == 1.0


def test_rows_with_a_prompt_opened_think_are_reported():
    metrics = []
    FormatReward()(
        prompts=["Q <think>", "Q", PREFILL],
        completions=["x</think> 1"] * 3,
        log_metric=lambda name, value: metrics.append((name, value)),
    )
    assert ("format/prompt_opened", 2.0) in metrics and ("format/errors", 0.0) in metrics


def test_auto_without_prompts_means_the_completion_opens_think():
    fmt = FormatReward()
    assert fmt(completions=[DEMO, "8+6=14</think> 64"]) == [1.0, 0.0]


def test_detection_is_per_row():
    fmt = FormatReward()
    values = fmt(prompts=["Q <think>", "Q"], completions=["x</think> 1", "x</think> 1"])
    assert values == [1.0, 0.0]


def test_reasoning_split_by_a_response_parser_is_rebuilt():
    """transformers' parse_response puts the reasoning in its own field and strips the tags."""
    parsed = [{"role": "assistant", "reasoning_content": "8+6=14", "content": "64"}]
    assert score(parsed) == 1.0
    assert score(parsed, prompt=PREFILL) == 1.0  # the parser already saw the prefilled opener
    assert score([{"role": "assistant", "reasoning_content": "8+6=14", "content": ""}]) == 0.0
    assert score([{"role": "assistant", "reasoning_content": "", "content": "64"}]) == 0.0


# -- strict: open-r1's template ------------------------------------------------------------------


@pytest.mark.parametrize(
    "completion, expected",
    [
        (STRICT_OK, 1.0),
        (STRICT_OK + "\n", 1.0),  # a trailing newline (the end of sequence) is fine
        (STRICT_OK + "\nP.S. more text", 0.0),  # open-r1's `$` under re.MULTILINE lets this pass
        (" " + STRICT_OK, 0.0),  # nothing before <think>
        ("<think>8+6=14</think><answer>64</answer>", 0.0),  # the template's newlines
        ("<think>\nx\n</think>\n<answer>\n\n</answer>", 0.0),  # empty answer
        ("<think>\n\n</think>\n<answer>\n64\n</answer>", 0.0),  # empty reasoning
        ("<think>\na\n</think>\n<think>\nb\n</think>\n<answer>\n64\n</answer>", 0.0),  # two blocks
        ("<think>\nx\n</think>\n<answer>\n64\n</answer><answer>\n1\n</answer>", 0.0),
        ("<think>\nx\n</think>\n<answer>\n64", 0.0),  # truncated
        (DEMO, 0.0),  # the R1 shape is not the strict template
    ],
)
def test_strict_template(completion, expected):
    assert score(completion, mode="strict") == expected


def test_strict_with_a_prompt_that_opened_think():
    prompt = "...<|im_start|>assistant\n<think>\n"
    assert score("8+6=14\n</think>\n<answer>\n64\n</answer>", prompt=prompt, mode="strict") == 1.0
    assert score("\n8+6=14\n</think>\n<answer>\n64\n</answer>", prompt="<think>", mode="strict") == 1.0
    assert score(STRICT_OK, prompt=prompt, mode="strict") == 0.0


def test_invalid_mode_is_an_error():
    with pytest.raises(ValueError, match="mode"):
        FormatReward(mode="loose")
    with pytest.raises(ValueError, match="think_opened"):
        FormatReward(think_opened="maybe")


# -- the reward contract -------------------------------------------------------------------------


def test_contract_r1():
    report = check_reward_contract(
        FormatReward(),
        [
            {"completion": DEMO, "expected": 1.0},
            {"completion": "<think>8+6=14, 2+3+1=6 \\boxed{64}", "expected": 0.0},
            {"completion": "<think>8+6=14</think>", "expected": 0.0},
            {"completion": "Hi <think>x</think> 64", "expected": 0.0},
            {"completion": "<think>a</think><think>b</think> 64", "expected": 0.0},
            {"completion": "<think></think> 64", "expected": 0.0},
            {"completion": "8+6=14</think> 64", "prompt": PREFILL, "expected": 1.0},
            {"completion": DEMO, "prompt": PREFILL, "expected": 0.0},
        ],
    )
    # The kit's edge cases: nothing there has the R1 shape except the long and non-ASCII ones.
    assert report.edge_values["unclosed think"] == 0.0
    assert report.edge_values["only closing tag"] == 0.0
    assert report.edge_values["non-ASCII"] == 1.0
    assert report.edge_values["very long"] == 1.0


def test_contract_strict():
    check_reward_contract(
        FormatReward(mode="strict", think_opened="completion"),
        [
            {"completion": STRICT_OK, "expected": 1.0},
            {"completion": STRICT_OK + "\nmore", "expected": 0.0},
            {"completion": DEMO, "expected": 0.0},
        ],
    )
