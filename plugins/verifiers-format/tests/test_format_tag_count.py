"""``tag_count``: partial credit per well-placed tag."""

from __future__ import annotations

import pytest
from verifiers_format import TagCountReward

from verifiers_core.testing import check_reward_contract

FULL = "<think>\n8+6=14, 2+3+1=6\n</think>\n<answer>\n64\n</answer>"
PREFILL = [{"role": "user", "content": "What is 28+36?"}, {"role": "assistant", "content": "<think>\n"}]


def credit(completion, prompt="What is 28+36?", **params) -> float:
    return TagCountReward(**params)(prompts=[prompt], completions=[completion])[0]


@pytest.mark.parametrize(
    "completion, expected",
    [
        (FULL, 1.0),
        (FULL + "\n", 1.0),
        ("<think>\n8+6=14\n</think>\n<answer>\n64", 0.75),  # truncated before </answer>
        ("<think>\n8+6=14\n</think>\n64", 0.5),  # no answer tags yet
        ("<think>\n8+6=14, 2+3+1=", 0.25),  # cut off in the reasoning
        ("<think>8+6=14</think><answer>64</answer>", 0.0),  # the tags, but none with its newlines
        ("8+6=14", 0.0),
        ("", 0.0),
    ],
)
def test_step_by_step(completion, expected):
    assert credit(completion) == expected


def test_each_tag_must_occur_once():
    two_blocks = "<think>\na\n</think>\n<think>\nb\n</think>\n<answer>\n64\n</answer>"
    assert credit(two_blocks) == 0.5  # both think tags lose their share, the answer tags keep theirs
    # open-r1 counts "<think>\n", so a second "<think>" without a newline slipped through there.
    assert credit("<think>\na<think>b\n</think>\n<answer>\n64\n</answer>") == 0.75


def test_order_counts():
    # Answer first, reasoning after: open-r1 gives 1.0 (it counts tags anywhere). Here only
    # </think> is well placed (after its <think>); <think> is not first, and the answer tags
    # come before the think block.
    assert credit("\n<answer>\n64\n</answer><think>\nx\n</think>\n") == 0.25
    # An <answer> inside the reasoning: the answer tags come before </think>.
    assert credit("<think>\n<answer>\n64\n</answer>\n</think>\n") == 0.5


def test_text_before_the_first_tag_and_after_the_last():
    assert credit("Sure.\n" + FULL) == 0.75
    assert credit("  " + FULL) == 1.0  # whitespace is not text
    assert credit(FULL + "\nP.S. more") == 0.75


def test_prompt_opened_think_counts_as_the_first_tag():
    completion = [{"role": "assistant", "content": "8+6=14\n</think>\n<answer>\n64\n</answer>"}]
    assert credit(completion, prompt=PREFILL) == 1.0
    assert credit(completion) == 0.75  # nobody opened it
    # Opened twice: <think> occurs twice and loses its share; the other three keep theirs.
    assert credit([{"role": "assistant", "content": FULL}], prompt=PREFILL) == 0.75
    assert credit("8+6=14\n</think>\n64", think_opened="prompt") == 0.5


def test_think_template():
    assert credit("<think>8+6=14, 2+3+1=6</think> \\boxed{64}", tags="think") == 1.0
    assert credit("<think>8+6=14, 2+3+1=6", tags="think") == 0.5
    assert credit("8+6=14</think> 64", tags="think") == 0.5
    assert credit("8+6=14</think> 64", prompt="...assistant\n<think>", tags="think") == 1.0
    assert credit("<think>a</think><think>b</think> 64", tags="think") == 0.0
    assert credit("so <think>a</think> 64", tags="think") == 0.5


def test_invalid_template_is_an_error():
    with pytest.raises(ValueError, match="tags"):
        TagCountReward(tags="xml")


def test_contract():
    check_reward_contract(
        TagCountReward(),
        [
            {"completion": FULL, "expected": 1.0},
            {"completion": "<think>\n8+6=14\n</think>\n64", "expected": 0.5},
            {"completion": "<think>\n8+6=", "expected": 0.25},
            {"completion": "\n<answer>\n64\n</answer><think>\nx\n</think>\n", "expected": 0.25},
            {"completion": "8+6=14\n</think>\n<answer>\n64\n</answer>", "prompt": PREFILL, "expected": 1.0},
        ],
    )
    check_reward_contract(
        TagCountReward(tags="think"),
        [
            {"completion": "<think>8+6=14</think> 64", "expected": 1.0},
            {"completion": "<think>8+6=14", "expected": 0.5},
        ],
    )
