"""Agreement with TRL's rewards (imported) and open-r1's (re-expressed from their definitions)
wherever theirs are right, and the documented differences where they are not.

TRL 1.16 ships ``think_format_reward``, ``get_repetition_penalty_reward`` and
``get_soft_overlong_punishment`` in ``trl.rewards`` (no tag count). open-r1 (src/open_r1/rewards.py)
defines ``format_reward`` (its template), ``tag_count_reward`` (0.25 per tag string that occurs
exactly once), ``get_repetition_penalty_reward`` (over lower-cased whitespace words) and
``get_soft_overlong_punishment`` (DAPO, over ``len(completion_ids)``). The open-r1 references below
are written from those definitions, not copied.
"""

from __future__ import annotations

import itertools
import random

import pytest
from trl.rewards import get_repetition_penalty_reward, get_soft_overlong_punishment, think_format_reward
from verifiers_format import FormatReward, OverlongReward, RepetitionReward, TagCountReward


def conv(texts):
    return [[{"role": "assistant", "content": t}] for t in texts]


# -- format vs TRL's think_format_reward ---------------------------------------------------------

AGREE_WITH_TRL = {
    "well formed": "<think>\nI add 8 and 6.\n</think>\nThe answer is 64.",
    "demo": "<think>8+6=14, 2+3+1=6</think> \\boxed{64}",
    "multi-line answer": "<think>a\nb</think>\n64\n\nso 64",
    "truncated": "<think>8+6=14, 2+3+1=",
    "text before": "Sure. <think>x</think> 64",
    "second open": "<think>a</think><think>b</think> 64",
    "nested open": "<think>a<think>b</think> 64",
    "no tags": "64",
    "only a close": "x</think> 64",
    "empty": "",
}


@pytest.mark.parametrize("name", AGREE_WITH_TRL)
def test_format_agrees_with_trl(name):
    text = AGREE_WITH_TRL[name]
    ours = FormatReward(think_opened="completion")(completions=conv([text]))
    assert ours == think_format_reward(conv([text]))


# Where TRL's pattern ``^<think>(?!.*<think>)(.*?)</think>.*$`` is too lenient or too strict.
DIFFER_FROM_TRL = [
    # (completion, prompt, TRL, ours, why)
    ("<think>x</think>", "Q", 1.0, 0.0, "no answer after </think>"),
    ("<think>x</think>\n  ", "Q", 1.0, 0.0, "only whitespace after </think>"),
    ("<think>x</think> 64 </think>", "Q", 1.0, 0.0, "a second </think>"),
    ("<think></think> 64", "Q", 1.0, 0.0, "empty reasoning"),
    (" <think>x</think> 64", "Q", 0.0, 1.0, "whitespace before <think>"),
    (
        "x</think> 64",
        "Q <|im_start|>assistant\n<think>\n",
        0.0,
        1.0,
        "<think> opened by the prompt (trl#6966)",
    ),
]


@pytest.mark.parametrize("completion, prompt, trl_value, ours, why", DIFFER_FROM_TRL)
def test_format_differs_from_trl_where_documented(completion, prompt, trl_value, ours, why):
    assert think_format_reward(conv([completion]), prompts=[prompt]) == [trl_value], why
    assert FormatReward()(prompts=[prompt], completions=conv([completion])) == [ours], why


def test_empty_reasoning_agrees_with_trl_when_allowed():
    text = "<think></think> 64"
    assert FormatReward(allow_empty_think=True)(completions=[text]) == think_format_reward(conv([text]))


def test_trl_format_is_conversational_only():
    with pytest.raises(TypeError):
        think_format_reward(["<think>x</think> 64"])  # plain completions: completion[0]["content"]
    assert FormatReward()(completions=["<think>x</think> 64"]) == [1.0]


# -- format (strict) vs open-r1's template -------------------------------------------------------


def openr1_template(text: str) -> bool:
    """open-r1's documented template, for texts with one of each tag: <think>, newline, reasoning,
    newline, </think>, newline, <answer>, newline, answer, newline, </answer>, end."""
    head, middle, tail = "<think>\n", "\n</think>\n<answer>\n", "\n</answer>"
    if not (text.startswith(head) and text.endswith(tail)):
        return False
    return middle in text[len(head) : len(text) - len(tail)]


def test_strict_agrees_with_openr1_template():
    reasonings = ["8+6=14", "line one\nline two", "a </b> c"]
    answers = ["64", "\\boxed{64}", "x\ny"]
    texts = []
    for r, a in itertools.product(reasonings, answers):
        good = f"<think>\n{r}\n</think>\n<answer>\n{a}\n</answer>"
        texts += [
            good,
            good.replace("<think>\n", "<think>", 1),
            good.replace("\n</think>\n", "</think>\n", 1),
            good.replace("</think>\n<answer>", "</think><answer>", 1),
            good.replace("\n</answer>", "</answer>", 1),
            good.replace("<answer>\n", "<answer>", 1),
            "x" + good,
            good[: len(good) // 2],  # truncated
            f"<think>\n{r}\n</think>\n{a}",  # no answer tags
        ]
    strict = FormatReward(mode="strict", think_opened="completion")
    ours = strict(completions=conv(texts))
    assert ours == [1.0 if openr1_template(t) else 0.0 for t in texts]
    assert sum(ours) == len(reasonings) * len(answers)  # the well-formed ones, and only those


# -- tag_count vs open-r1's tag_count_reward -----------------------------------------------------

OPENR1_TAGS = ("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>")


def openr1_tag_count(text: str) -> float:
    """open-r1's definition: a quarter for each of its four tag strings that occurs exactly once."""
    return sum(0.25 for tag in OPENR1_TAGS if text.count(tag) == 1)


def _in_order_variants():
    """The template with each tag kept, dropped, or stripped of its newlines, in template order."""
    variants = {
        0: ("<think>\n", "", "<think>"),
        1: ("\n</think>\n", "\n", "</think>"),
        2: ("<answer>\n", "", "<answer>"),
        3: ("\n</answer>", "", "</answer>"),
    }
    for choice in itertools.product(range(3), repeat=4):
        t = [variants[i][c] for i, c in enumerate(choice)]
        yield f"{t[0]}8+6=14{t[1]}{t[2]}64{t[3]}"


def test_tag_count_agrees_with_openr1_on_texts_in_template_order():
    texts = list(_in_order_variants())
    assert len(texts) == 81
    ours = TagCountReward(think_opened="completion")(completions=conv(texts))
    reference = [openr1_tag_count(t) for t in texts]
    assert ours == reference
    assert set(reference) == {0.0, 0.25, 0.5, 0.75, 1.0}  # the grid covers every level


DIFFER_FROM_OPENR1_TAGS = [
    # (completion, prompt, open-r1, ours, why)
    ("\n<answer>\n64\n</answer><think>\nx\n</think>\n", "Q", 1.0, 0.25, "answer before reasoning"),
    ("<think>\nx\n</think>\n<answer>\n64\n</answer>\nmore", "Q", 1.0, 0.75, "text after </answer>"),
    ("Sure.\n<think>\nx\n</think>\n<answer>\n64\n</answer>", "Q", 1.0, 0.75, "text before <think>"),
    ("<think>\na<think>b\n</think>\n<answer>\n64\n</answer>", "Q", 1.0, 0.75, "a second bare <think>"),
    ("x\n</think>\n<answer>\n64\n</answer>", "Q <think>\n", 0.75, 1.0, "<think> opened by the prompt"),
]


@pytest.mark.parametrize("completion, prompt, openr1_value, ours, why", DIFFER_FROM_OPENR1_TAGS)
def test_tag_count_differs_from_openr1_where_documented(completion, prompt, openr1_value, ours, why):
    assert openr1_tag_count(completion) == openr1_value, why
    assert TagCountReward()(prompts=[prompt], completions=[completion]) == [ours], why


# -- repetition vs TRL (token ids) and open-r1 (words) -------------------------------------------


@pytest.mark.parametrize("n, max_penalty", [(1, -1.0), (2, -1.0), (3, -0.5), (4, -2.0)])
def test_repetition_agrees_with_trl_on_token_ids(n, max_penalty):
    rng = random.Random(n)
    ids = [[rng.randrange(6) for _ in range(rng.randrange(0, 40))] for _ in range(200)]
    ids += [[7] * 30, list(range(30)), [1, 2] * 15, []]
    texts = ["ignored"] * len(ids)
    ours = RepetitionReward(n=n, max_penalty=max_penalty)(completions=texts, completion_ids=ids)
    theirs = get_repetition_penalty_reward(ngram_size=n, max_penalty=max_penalty)(completion_ids=ids)
    assert ours == pytest.approx(theirs, abs=1e-12)


def openr1_word_repetition(text: str, n: int, max_penalty: float) -> float:
    """open-r1's definition: over lower-cased whitespace-separated words; 0 below n words."""
    words = text.lower().split()
    if len(words) < n:
        return 0.0
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return (1 - len(set(grams)) / len(grams)) * max_penalty


@pytest.mark.parametrize("n, max_penalty", [(1, -1.0), (2, -1.0), (3, -0.5)])
def test_repetition_agrees_with_openr1_on_words(n, max_penalty):
    rng = random.Random(10 + n)
    vocab = ["the", "The", "cat", "CAT", "sat", "on", "mat", "\n", "  "]
    texts = ["".join(rng.choice(vocab) + " " for _ in range(rng.randrange(0, 30))) for _ in range(200)]
    texts += ["", "one", "go go go go go go"]
    ours = RepetitionReward(n=n, max_penalty=max_penalty)(completions=conv(texts))
    assert ours == pytest.approx([openr1_word_repetition(t, n, max_penalty) for t in texts], abs=1e-12)


# -- overlong vs TRL and DAPO (open-r1 has the same definition as TRL) ---------------------------


def dapo(length: int, max_length: int, buffer: int) -> float:
    """DAPO Eq. 13, written from the paper."""
    if length <= max_length - buffer:
        return 0.0
    if length <= max_length:
        return ((max_length - buffer) - length) / buffer
    return -1.0


@pytest.mark.parametrize("max_length, buffer", [(100, 20), (64, 1), (512, 128), (10, 0), (7, 6)])
def test_overlong_agrees_with_trl_and_dapo(max_length, buffer):
    ids = [[0] * n for n in range(0, 2 * max_length + 2)]
    texts = ["x"] * len(ids)
    ours = OverlongReward(max_length=max_length, buffer=buffer)(completions=texts, completion_ids=ids)
    trl_fn = get_soft_overlong_punishment(max_completion_len=max_length, soft_punish_cache=buffer)
    assert ours == pytest.approx(trl_fn(completion_ids=ids), abs=1e-12)
    assert ours == pytest.approx([dapo(len(i), max_length, buffer) for i in ids], abs=1e-12)


def test_trl_overlong_punishes_every_completion_when_buffer_exceeds_max_length():
    # TRL does not check buffer < max_length: even an empty completion is then punished.
    trl_fn = get_soft_overlong_punishment(max_completion_len=100, soft_punish_cache=200)
    assert trl_fn(completion_ids=[[], [0] * 50]) == [-0.5, -0.75]
    with pytest.raises(ValueError, match="buffer"):
        OverlongReward(max_length=100, buffer=200)
