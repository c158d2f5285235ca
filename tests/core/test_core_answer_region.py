"""The answer-region rule, one for every reward: a completion cut off inside a ``<think>`` that the
prompt opened has no answer, and no built-in reward pays for it."""

from __future__ import annotations

import pytest

import verifiers_core
from verifiers_core import Batch, Reward
from verifiers_core.testing import check_reward_contract
from verifiers_core.testing.examples import ExactAnswer

# Cut off mid-reasoning after the template opened <think>: a box and a program inside the
# unfinished reasoning, and the length limit reached.
TRUNCATED = (
    "Let me compute 2+2. It is 4, so \\boxed{4}. Now a program:\n```python\nprint(4)\n```\n"
    "Let me double-check by another route, which goes on and on and"
)
PLAIN_PROMPT = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n"
CHAT_PROMPT = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "<think>\n"},
]
MAX_TOKENS = 64
COLUMNS = {
    "solution": "4",
    "verification_info": '{"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": "4"}]}',
}
ANSWER_REWARDS = ("accuracy", "cosine", "format", "tag_count", "code", "code_binary", "code_format")
PENALTIES = ("repetition", "overlong")  # about the whole completion: never paid, at most 0


def _build(name: str) -> Reward:
    params = {"max_length": MAX_TOKENS, "buffer": 16} if name == "overlong" else {}
    if name in ("accuracy", "cosine"):
        params["workers"] = 1
    if name.startswith("code"):
        params["workers"] = 1
    return verifiers_core.get_reward(name, **params)


@pytest.mark.parametrize("conversational", [False, True], ids=["plain", "conversational"])
@pytest.mark.parametrize("name", ANSWER_REWARDS + PENALTIES)
def test_no_builtin_reward_pays_for_truncated_reasoning(name, conversational):
    reward = _build(name)
    prompt = CHAT_PROMPT if conversational else PLAIN_PROMPT
    completion = [{"role": "assistant", "content": TRUNCATED}] if conversational else TRUNCATED
    metrics: dict[str, float] = {}
    values = reward(
        prompts=[prompt],
        completions=[completion],
        completion_ids=[list(range(MAX_TOKENS))],  # it ran to the length limit
        log_metric=lambda k, v: metrics.__setitem__(k, v),
        **{k: [v] for k, v in COLUMNS.items()},
    )
    assert len(values) == 1
    if name in PENALTIES:
        assert values[0] is not None and values[0] <= 0.0
        if name == "overlong":
            assert values[0] == reward.low  # at the limit: the full penalty
        return
    assert values[0] is not None and values[0] <= reward.low, (name, values, reward.low)
    if name == "cosine":
        assert values[0] == reward.scale(False, MAX_TOKENS)  # its wrong-answer value for that length
    assert name == "tag_count" or metrics[f"{name}/no_answer"] == 1.0
    if name.startswith("code"):
        assert reward._pool is None, "the sandbox must not start for a completion with no answer"


@pytest.mark.parametrize("name", ["accuracy", "code", "code_format", "format"])
def test_the_same_answer_counts_once_the_reasoning_is_closed(name):
    reward = _build(name)
    closed = TRUNCATED.replace("Let me double-check", "</think>\n\\boxed{4}\n```python\nprint(4)\n```\nDone")
    values = reward(prompts=[PLAIN_PROMPT], completions=[closed], **{k: [v] for k, v in COLUMNS.items()})
    assert values == [1.0], (name, values)


def test_think_opened_modes():
    reward = ExactAnswer()
    rows = {"prompts": ["Q <think>", "Q"], "completions": ["4", "4"], "solution": ["4", "4"]}
    assert reward(**rows) == [0.0, 1.0]  # auto: the first prompt opened <think>
    reward.think_opened = "prompt"
    assert reward(**rows) == [0.0, 0.0]
    reward.think_opened = "completion"
    assert reward(**rows) == [1.0, 1.0]


def test_parsed_reasoning_is_not_opened_twice():
    # A response parser split the reasoning out: the core rebuilds <think>…</think> around it.
    completion = [{"role": "assistant", "reasoning_content": "2+2=4", "content": "4"}]
    assert ExactAnswer()(prompts=["Q <think>"], completions=[completion], solution=["4"]) == [1.0]


class CountsFromAnswers(Reward):
    """A third-party reward that never heard of the rule: it scores any text containing the gold."""

    __name__ = "contains"
    required_columns = ("solution",)

    def score(self, batch: Batch) -> list[float | None]:
        self.seen = list(batch.texts)
        return [1.0 if str(g) in t else 0.0 for t, g in zip(batch.texts, batch.column("solution"))]


def test_third_party_rewards_get_the_rule_without_work():
    reward = CountsFromAnswers()
    extra: dict[str, list] = {}

    values = reward(
        prompts=["Q <think>", "Q <think>", "Q"],
        completions=["so 4", "so 4</think> 4", "4"],
        solution=["4"] * 3,
        log_extra=lambda c, v: extra.__setitem__(c, v),
    )
    assert values == [0.0, 1.0, 1.0]
    assert reward.seen == ["so 4</think> 4", "4"]  # the truncated row never reached score()


def test_the_test_kit_catches_a_reward_that_pays_for_truncation():
    class Naive(Reward):
        __name__ = "naive"
        required_columns = ("solution",)

        def score_with_rules(self, batch):  # bypasses the base class's rule, as a hand-rolled reward would
            return [1.0 if str(g) in t else 0.0 for t, g in zip(batch.texts, batch.column("solution"))]

    cases = [{"completion": "<think>2+2</think> 4", "solution": "4", "expected": 1.0}]
    with pytest.raises(AssertionError, match="prompt opened"):
        check_reward_contract(Naive(), cases)
    check_reward_contract(CountsFromAnswers(), cases)


def test_oversized_completions_are_refused_before_parsing():
    reward = ExactAnswer()
    reward.max_completion_chars = 100
    metrics: dict[str, float] = {}
    values = reward(
        prompts=["Q", "Q"],
        completions=["4" + " " * 200, "4"],
        solution=["4", "4"],
        log_metric=lambda k, v: metrics.__setitem__(k, v),
    )
    assert values == [0.0, 1.0]
    assert metrics["exact_answer/oversized"] == 1.0
