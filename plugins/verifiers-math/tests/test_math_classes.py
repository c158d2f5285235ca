"""One test per class of answer the grader must get right (issue 10), through the registered reward."""

from __future__ import annotations

import pytest

import verifiers_core

JEAN = (
    "Jean has 30 lollipops. Jean eats 2 of the lollipops. With the remaining lollipops, Jean wants to "
    "package 2 lollipops in one bag. How many bags can Jean fill?"
)


def _grade(reward, cases, prompt="Solve."):
    completions = [c[1] for c in cases]
    return reward(prompts=[prompt] * len(cases), completions=completions, solution=[c[0] for c in cases])


def _check(reward, cases, prompt="Solve."):
    values = _grade(reward, cases, prompt)
    wrong = [
        (gold, completion, want, got) for (gold, completion, want), got in zip(cases, values) if got != want
    ]
    assert not wrong, wrong


def test_several_boxes_are_one_answer_read_by_the_golds_form(accuracy):
    _check(
        accuracy,
        [
            ("(1,2),(2,1),(-1,-20)", "\\boxed{(1, 2)}, \\boxed{(2, 1)}, \\boxed{(-1, -20)}", 1.0),
            ("-3, 2", "The roots are $\\boxed{2}$ and $\\boxed{-3}$.", 1.0),
            ("k = 45, n = 2", "\\boxed{k = 45} \\quad \\text{and} \\quad \\boxed{n = 2}", 1.0),
            ("(3, 5)", "$x = \\boxed{3}$ and $y = \\boxed{5}$", 1.0),
            ("\\{1, 2\\}", "\\boxed{2} and \\boxed{1}", 1.0),
        ],
    )


def test_hedging_never_pays(accuracy):
    _check(
        accuracy,
        [
            ("2", "\\boxed{1} \\boxed{2}", 0.0),
            ("2", "\\boxed{2} \\boxed{1}", 0.0),
            ("\\{1, 2\\}", "\\boxed{1}, \\boxed{2}, \\boxed{3}", 0.0),  # must equal the set, not contain it
            ("1, 2", "\\boxed{1}, \\boxed{2}, \\boxed{3}", 0.0),
            ("2", "\\boxed{2}, and to be sure: \\boxed{2}", 1.0),  # the same answer twice is no hedge
            ("B", "\\boxed{A} or \\boxed{B}", 0.0),
        ],
    )


def test_exact_values_compare_exactly(accuracy):
    _check(
        accuracy,
        [
            ("\\frac{1}{2004!}", "\\boxed{\\frac{1}{2006!}}", 0.0),
            ("\\frac{1}{2^{99}}", "\\boxed{\\frac{1}{2^{98}}}", 0.0),
            ("2^{100}", "\\boxed{2^{100}+1}", 0.0),
            ("\\pi", "\\boxed{\\frac{355}{113}}", 0.0),
            ("e^{-100}", "\\boxed{e^{-101}}", 0.0),
            ("\\frac{1}{2004!}", "\\boxed{\\frac{1}{2004 \\cdot 2003!}}", 1.0),
            ("\\frac{1}{2^{99}}", "\\boxed{2^{-99}}", 1.0),
            ("\\sqrt{3}+\\sqrt{2}", "\\boxed{\\sqrt{5+2\\sqrt{6}}}", 1.0),
        ],
    )


def test_decimals_compare_relatively_within_the_tolerance_parameter(pool_settings):
    cases = [
        ("\\frac{1}{3}", "\\boxed{0.333333}", 1.0),
        ("\\frac{1}{3}", "\\boxed{0.33}", 0.0),
        ("1000000", "\\boxed{1000000.1}", 0.0),  # within 1e-6 relatively, but not to its last digit
        ("\\frac{\\pi}{2}", "\\boxed{1.5707963}", 1.0),
        ("3.14", "\\boxed{\\pi}", 0.0),
    ]
    _check(verifiers_core.get_reward("accuracy", **pool_settings), cases)
    loose = verifiers_core.get_reward("accuracy", tolerance=0.02, **pool_settings)
    assert _grade(loose, [("\\frac{1}{3}", "\\boxed{0.33}", 1.0), ("3.14", "\\boxed{\\pi}", 1.0)]) == [
        1.0,
        1.0,
    ]
    # no tolerance ever reaches exact values
    assert _grade(loose, [("\\frac{1}{2}", "\\boxed{\\frac{51}{100}}", 0.0)]) == [0.0]


def test_sequences_with_an_ellipsis_compare_their_explicit_terms(accuracy):
    _check(
        accuracy,
        [
            ("1, 2, \\ldots, n", "\\boxed{1, 3, 5, \\ldots, 2n-1}", 0.0),
            ("1, 2, \\ldots, n", "\\boxed{1, 2, \\dots, n}", 1.0),
            ("2, 4, 6, \\ldots, 2n", "\\boxed{2, 4, 6, \\ldots, 2n+2}", 0.0),
            ("3, 2, 1", "\\boxed{3, 2, \\ldots, 1}", 0.0),
        ],
    )


def test_minerva_endings(accuracy):
    _check(
        accuracy,
        [
            ("10455", "Final Answer: The final answer is $10,455$. I hope it is correct.", 1.0),
            ("\\frac{3}{4}", "Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", 1.0),
            ("120", "Final Answer: The volume of $ABCDEFGH$ is 120.", 1.0),
            ("24", "Final Answer: The area of the triangle is $24$ square units.", 1.0),
            ("4", "Final Answer: The final answer is $3$. I hope it is correct.", 0.0),
        ],
    )


def test_stray_dollar_signs_in_prose(accuracy):
    _check(
        accuracy,
        [
            ("18", "<answer> she earns $2 \\times (16 - 7) = $2 \\times 9 = \\$18 $. </answer>", 1.0),
            ("5125", "Thus the total is $5,000 + $125 = $5,125.", 1.0),
            ("460", "40 hours x $10 / hour + 5 hours x 1.2 x $10/hour = $460.", 1.0),
        ],
    )


def test_the_last_value_of_a_plain_prose_answer(accuracy):
    _check(
        accuracy,
        [
            ("14", "28 ÷ 2 = 14 bags. Therefore, Jean can fill 14 bags", 1.0),
            (
                "14",
                "So, 28 ÷ 2 = 14 bags. Therefore, Jean can fill 14 bags with 2 lollipops in each bag.",
                1.0,
            ),
            ("27", "We get $x=3$, so the area is 27 square units.", 1.0),
            ("28", "Jean has 30 - 2 = 28 lollipops. Therefore, Jean can fill 14 bags.", 0.0),
        ],
        prompt=JEAN,
    )


def test_an_expression_copied_from_the_prompt_is_not_an_answer(accuracy):
    question = "What is $\\sqrt{49}$?"
    assert accuracy(prompts=[question], completions=[question], solution=["7"]) == [0.0]
    prompt = "Evaluate $2^{10}$."
    assert accuracy(
        prompts=[prompt], completions=["We are asked to evaluate $2^{10}$."], solution=["1024"]
    ) == [0.0]
    assert accuracy(prompts=[prompt], completions=["We evaluate $2^{10} = 1024$."], solution=["1024"]) == [
        1.0
    ]


def test_unsure_is_unparsed_not_a_guess(accuracy):
    metrics: dict[str, float] = {}
    sheep = "Seattle has 20 sheep, Charleston 4 times as many, Toulouse twice Charleston. How many together?"
    values = accuracy(
        prompts=["p", "p", sheep],
        completions=[
            "By Vieta the sum is 6/5. However, we need to interpret this correctly in the context of the",
            "<answer> Yes, the answer above is correct. </answer>",
            "Toulouse has 160 sheep, Charleston has 80 sheep, and Seattle has 20 sheep.",
        ],
        solution=["\\frac{6}{5}", "4", "260"],
        log_metric=lambda name, value: metrics.__setitem__(name, value),
    )
    assert values == [0.0, 0.0, 0.0]
    assert metrics["accuracy/unparsed"] == 3.0


def test_thousands_separators(accuracy):
    gold = "11,\\! 111,\\! 111,\\! 100"
    _check(
        accuracy,
        [
            (gold, "\\boxed{11111111100}", 1.0),
            (gold, "\\boxed{11,111,111,100}", 1.0),
            (gold, "\\boxed{11\\,111\\,111\\,100}", 1.0),
            (gold, "\\boxed{11{,}111{,}111{,}100}", 1.0),
            (gold, "\\boxed{11111111000}", 0.0),
        ],
    )


def test_text_answers_ignore_case_and_text_commands(accuracy):
    _check(
        accuracy,
        [
            ("\\text{east}", "\\boxed{\\textbf{East}}", 1.0),
            ("\\text{east}", "\\boxed{\\mathrm{EAST}}", 1.0),
            ("\\text{east}", "\\boxed{\\text{West}}", 0.0),
            ("\\text{no solution}", "\\boxed{\\text{No Solution}}", 1.0),
        ],
    )


def test_choice_letters(accuracy):
    _check(
        accuracy,
        [
            ("B", "The correct option is (B).", 1.0),
            ("B", "B) 12", 1.0),
            ("B", "Answer: B", 1.0),
            ("B", "\\boxed{B}", 1.0),
            ("(B)", "\\boxed{B}", 1.0),
            ("(B)", "Answer: B", 1.0),
            ("\\text{(C)}", "\\boxed{\\textbf{(C)}}", 1.0),
            ("B", "\\boxed{C}", 0.0),
            ("B", "The answer is (D).", 0.0),
        ],
    )


def test_roman_e_and_i_are_eulers_number_and_the_imaginary_unit(accuracy):
    _check(
        accuracy,
        [
            ("\\mathrm{e}^2", "\\boxed{e^2}", 1.0),
            ("\\mathrm{e}^2", "\\boxed{2e}", 0.0),
            ("2+3\\mathrm{i}", "\\boxed{3i+2}", 1.0),
            ("2+3\\mathrm{i}", "\\boxed{2-3i}", 0.0),
        ],
    )


def test_equivalent_radical_forms(accuracy):
    _check(
        accuracy,
        [
            ("\\sqrt{1/n}", "\\boxed{\\frac{1}{\\sqrt{n}}}", 1.0),
            ("\\sqrt{1/n}", "\\boxed{\\frac{\\sqrt{n}}{n}}", 1.0),
            ("\\sqrt{\\frac{a}{b}}", "\\boxed{\\frac{\\sqrt{ab}}{b}}", 1.0),
            ("\\sqrt{1/n}", "\\boxed{\\sqrt{n}}", 0.0),
            ("|x|", "\\boxed{x}", 0.0),  # positive symbols never reach absolute values
        ],
    )


def test_units_are_read_without_eating_variables(accuracy):
    _check(
        accuracy,
        [
            ("12", "\\boxed{12\\text{ cm}}", 1.0),
            ("12", "\\boxed{12 cm}", 1.0),
            ("3t", "\\boxed{3}", 0.0),
            ("2ab", "\\boxed{2}", 0.0),
            ("\\sin^2 t", "\\boxed{1 - \\cos^2 t}", 1.0),
        ],
    )


@pytest.mark.parametrize("bad", [-0.1, 0.6, "x"])
def test_a_bad_tolerance_names_the_parameter(bad):
    with pytest.raises((verifiers_core.RewardParamError, verifiers_core.PluginError), match="tolerance"):
        verifiers_core.get_reward("accuracy", tolerance=bad)
