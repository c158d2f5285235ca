"""``language_consistency`` on English, Chinese and mixed reasoning as R1-Zero wrote it, plain and
conversational; what it ignores; targets; truncation; the contract."""

from __future__ import annotations

import pytest
from verifiers_format.language import LanguageConsistencyReward, prompt_language, words

import verifiers_core
from verifiers_core import RewardParamError
from verifiers_core.testing import check_reward_contract

# DeepSeek-R1-Zero's template (a plain prompt), with a question in Chinese or English.
R1_ZERO = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
    "The assistant first thinks about the reasoning process in the mind and then provides the user with "
    "the answer. The reasoning process and answer are enclosed within <think> </think> and <answer> "
    "</answer> tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here "
    "</answer>. User: {question}. Assistant:"
)
ZH_QUESTION = "小明有五个苹果，吃了两个，还剩几个"
EN_QUESTION = "Ming has five apples and eats two of them. How many are left"

ENGLISH = (
    "<think>Ming starts with 5 apples. He eats 2, so 5 - 2 = 3 apples remain.</think> <answer>3</answer>"
)
CHINESE = "<think>小明原来有 5 个苹果，吃了 2 个，所以 $5 - 2 = 3$，还剩三个。</think> <answer>3</answer>"
# Mixed as R1-Zero wrote it: it switches language mid-thought.
MIXED = "<think>首先计算 the total sum 然后 divide it</think> <answer>3</answer>"
MIXED_HAN, MIXED_LATIN = 6, 5  # 首 先 计 算 然 后 / the total sum divide it


def _score(reward, prompts, completions, **columns):
    counts = {}
    values = reward(
        prompts=prompts,
        completions=completions,
        log_metric=lambda name, value: counts.__setitem__(name.split("/", 1)[1], value),
        **columns,
    )
    return values, counts


def _conversational(text):
    return [{"role": "assistant", "content": text}]


@pytest.mark.parametrize("form", ["plain", "conversational"])
def test_english_chinese_and_mixed_reasoning_r1_zero_template(form):
    reward = LanguageConsistencyReward()
    completions = [ENGLISH, CHINESE, MIXED, MIXED]
    if form == "conversational":
        completions = [_conversational(c) for c in completions]
    prompts = [R1_ZERO.format(question=q) for q in (EN_QUESTION, ZH_QUESTION, ZH_QUESTION, EN_QUESTION)]
    values, _ = _score(reward, prompts, completions)
    total = MIXED_HAN + MIXED_LATIN
    assert values == [1.0, 1.0, pytest.approx(MIXED_HAN / total), pytest.approx(MIXED_LATIN / total)]


def test_conversational_prompts_use_the_last_user_message():
    system = {
        "role": "system",
        "content": "You are a helpful assistant. Think step by step before answering.",
    }
    prompts = [[system, {"role": "user", "content": q}] for q in (ZH_QUESTION, EN_QUESTION)]
    completions = [_conversational(CHINESE), _conversational(CHINESE)]
    values, _ = _score(LanguageConsistencyReward(), prompts, completions)
    assert values == [1.0, 0.0]  # Chinese reasoning for an English question scores 0


def test_code_math_numbers_and_symbols_are_not_words():
    reasoning = (
        "<think>设 $x$ 为答案，则 $$x^2 + \\frac{1}{2} = 3$$，所以 x_1 = 2x + sin(x)。验证：\n"
        "```python\nprint(sum(range(10)))  # check the sum\n```\n"
        "用 `numpy.linalg.solve` 和 getValue() 再算一次：3.14 × 2 ≈ 6.28 → √4 = 2 ✓ 😀 https://example.com/docs\n"
        "结果正确。</think> 2"
    )
    values, _ = _score(LanguageConsistencyReward(language="zh"), ["p"], [reasoning])
    assert values == [1.0]
    assert all(script == "Han" for _, script in words(reasoning))


def test_explicit_language_and_per_row_language_column():
    completions = [MIXED, MIXED, MIXED]
    total = MIXED_HAN + MIXED_LATIN
    values, _ = _score(LanguageConsistencyReward(language="en"), [ZH_QUESTION] * 3, completions)
    assert values == [pytest.approx(MIXED_LATIN / total)] * 3
    reward = LanguageConsistencyReward(language="en", language_column="lang")
    values, _ = _score(reward, ["q"] * 3, completions, lang=["zh", "", "fr"])
    # a row's column wins; an empty value falls back to `language`; French is a Latin-script language
    assert values == [
        pytest.approx(MIXED_HAN / total),
        pytest.approx(MIXED_LATIN / total),
        pytest.approx(MIXED_LATIN / total),
    ]
    with pytest.raises(verifiers_core.MissingColumnError, match="'lang'"):
        reward(prompts=["q"], completions=[MIXED])


def test_japanese_counts_kana_and_kanji():
    assert sorted(prompt_language("りんごが五つあります。二つ食べると、いくつ残りますか")) == [
        "Han",
        "Hiragana",
        "Katakana",
    ]
    values, _ = _score(
        LanguageConsistencyReward(),
        ["りんごが五つあります。二つ食べると、いくつ残りますか"],
        ["<think>五から二を引くと三です</think> 3"],
    )
    assert values == [1.0]


def test_truncated_reasoning_is_measured_and_counted():
    reward = LanguageConsistencyReward()
    cut = "<think>首先计算 the total sum 然后"  # never closed
    values, counts = _score(reward, [ZH_QUESTION], [cut])
    assert values == [pytest.approx(6 / 9)] and counts["truncated"] == 1
    # the prompt opened <think>: the reasoning runs up to </think>, the answer is not measured
    values, counts = _score(reward, [ZH_QUESTION + " <think>"], ["首先计算然后 </think> The answer is three"])
    assert values == [1.0] and counts["truncated"] == 0
    values, _ = _score(
        LanguageConsistencyReward(scope="completion"), [ZH_QUESTION], [MIXED.replace("3", "three")]
    )
    assert values == [pytest.approx(MIXED_HAN / (MIXED_HAN + MIXED_LATIN + 1))]


def test_rows_without_words_or_target_score_none_and_are_counted():
    reward = LanguageConsistencyReward()
    values, counts = _score(reward, [ZH_QUESTION, "12 + 7 = ?"], ["<think>$5-2=3$ 3 ✓</think> 3", ENGLISH])
    assert values == [None, None]
    assert counts["no_words"] == 1 and counts["unknown_language"] == 1


def test_contract_and_registry():
    cases = [
        {"prompt": ZH_QUESTION, "completion": CHINESE, "expected": 1.0},
        {"prompt": EN_QUESTION, "completion": ENGLISH, "expected": 1.0},
        {"prompt": ZH_QUESTION, "completion": MIXED, "expected": pytest.approx(6 / 11).expected},
    ]
    check_reward_contract(LanguageConsistencyReward(), cases)
    registry = verifiers_core.Registry(only=["format"])
    built = registry.create("language_consistency", language="zh")
    assert built(prompts=["p"], completions=[CHINESE]) == [1.0]
    with pytest.raises(RewardParamError, match="parameter 'language'.*a language code such as en"):
        registry.create("language_consistency", language="klingon")
