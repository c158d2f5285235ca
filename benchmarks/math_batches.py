"""The batches ``bench_math.py`` times: a realistic GRPO batch and the easy one it used to time alone.

**Realistic** (``realistic_batch``): GRPO's shape, ``groups`` golds × ``per_gold`` completions (64 × 16 by
default). Golds are bare answers (as TRL's ``accuracy_reward`` expects them): half come from the
real-generation corpus (GSM8K numbers, MATH answers: fractions, radicals, intervals, tuples, matrices,
expressions), half are the hard formats of the labelled corpus (sets, lists of equations, sequences,
text and choice answers, factorials and powers). Each group holds the real model generations for that
problem when the corpus has them (verbatim, with their prompts), and completions built from real
reasoning text (a slice of another real generation, inside ``<think>``) followed by a final answer in one
of the formats models use (boxed, ``Final Answer: ... I hope it is correct.``, ``<answer>`` tags,
``####``, an ``Answer:`` line, plain prose, several boxes, cut off). About half the answers restate the
gold in another form, half are other answers (near misses in the same form). Forms are drawn with
replacement from small pools, so answers repeat inside a group as much as a sampled group's do, and no
two completions are the same text.

**Easy** (``easy_batch``): the batch this benchmark used to time alone: synthetic GSM8K-style and
MATH-style solutions as golds, simple answers, most of them exact repeats the fast path decides.

>>> batch = realistic_batch(groups=4, per_gold=16, seed=0)
>>> len(batch.completions), len(set(batch.golds))
(64, 4)
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "plugins" / "verifiers-math" / "tests" / "data"


@dataclass
class Batch:
    """Aligned columns of one benchmark batch; ``labels`` are the generator's (or the corpus's) verdicts."""

    prompts: list = field(default_factory=list)
    completions: list[str] = field(default_factory=list)
    golds: list[str] = field(default_factory=list)
    labels: list[float] = field(default_factory=list)

    def add(self, prompt: str, completion: str, gold: str, label: float) -> None:
        self.prompts.append(prompt)
        self.completions.append(completion)
        self.golds.append(gold)
        self.labels.append(label)


def _last_boxed(text: str) -> str | None:
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    brace = text.find("{", start)
    depth = 0
    for j in range(brace, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : j].strip()
    return None


def _bare_gold(solution: str) -> str:
    if "####" in solution:
        return solution.rsplit("####", 1)[1].strip()
    return _last_boxed(solution) or solution.strip()


def _perturb(text: str, rng: random.Random) -> str:
    """A near miss in the same form: one digit changed (or a sign flipped when there is none)."""
    digits = [m.start() for m in re.finditer(r"\d", text)]
    if not digits:
        return "-" + text if not text.startswith("-") else text[1:]
    at = rng.choice(digits)
    return text[:at] + str((int(text[at]) + rng.randint(1, 8)) % 10) + text[at + 1 :]


def _number_forms(value: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Right and wrong ways to write a GSM8K-style number."""
    n = Fraction(value.replace(",", ""))
    right = [value, value]  # the plain form is the most common
    if n.denominator == 1:
        k = int(n)
        right += [f"{k}.00", f"\\${k}", f"{k} units"]
        if abs(k) >= 1000:
            right.append(f"{k:,}")
        wrong = [str(k + d) for d in (-10, -1, 1, 2) if k + d != k] + [str(2 * k + 1), str(k * 10)]
    else:
        right += [f"{float(n):.2f}" if float(n) * 100 == int(float(n) * 100) else value]
        wrong = [f"{float(n) + 1:g}", f"{float(n) * 2:g}", _perturb(value, rng)]
    return right, wrong


def _latex_forms(gold: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Right and wrong ways to write a MATH-style answer."""
    right = [gold, gold, gold.replace("\\frac", "\\dfrac"), gold.replace(",", ", ")]
    if gold.startswith("(") and gold.endswith(")"):
        right.append("\\left" + gold[:-1] + "\\right)")
    m = re.fullmatch(r"\\frac\{(\d+)\}\{(\d+)\}", gold)
    if m:
        p, q = int(m.group(1)), int(m.group(2))
        right += [f"{p}/{q}", f"{p / q:.6f}"]
    wrong = [_perturb(gold, rng) for _ in range(4)] + ["0", "1"]
    return right, [w for w in wrong if w != gold]


#: Hard formats (from the labelled corpus's classes): gold, right forms, wrong forms.
HARD = [
    ("\\{1, 2\\}", ["\\{1, 2\\}", "\\{2, 1\\}", "1, 2"], ["\\{1, 2, 3\\}", "\\{1\\}", "\\{2, 3\\}"]),
    ("-3, 2", ["-3, 2", "2, -3", "2,-3"], ["2", "3, -2", "-3, 2, 5"]),
    (
        "(1,2),(2,1),(-1,-20)",
        ["(1,2),(2,1),(-1,-20)", "(2, 1), (1, 2), (-1, -20)"],
        ["(1,2),(2,1)", "(1,2),(2,1),(1,20)"],
    ),
    (
        "k = 45, n = 2",
        ["k = 45, n = 2", "n = 2, k = 45", "k=45,n=2"],
        ["k = 44, n = 2", "k = 45", "k = 2, n = 45"],
    ),
    (
        "1, 2, \\ldots, n",
        ["1, 2, \\ldots, n", "1,2,\\dots,n"],
        ["1, 3, 5, \\ldots, 2n-1", "1, 2, \\ldots, n-1"],
    ),
    ("\\frac{1}{2004!}", ["\\frac{1}{2004!}", "\\dfrac{1}{2004!}"], ["\\frac{1}{2006!}", "\\frac{1}{2003!}"]),
    ("\\frac{1}{2^{99}}", ["\\frac{1}{2^{99}}", "2^{-99}"], ["\\frac{1}{2^{98}}", "\\frac{1}{2^{100}}"]),
    (
        "\\sqrt{1/n}",
        ["\\frac{1}{\\sqrt{n}}", "\\sqrt{\\frac{1}{n}}", "\\frac{\\sqrt{n}}{n}"],
        ["\\sqrt{n}", "\\frac{1}{n}"],
    ),
    (
        "11,\\! 111,\\! 111,\\! 100",
        ["11111111100", "11,111,111,100", "11{,}111{,}111{,}100"],
        ["11111111000", "1111111100"],
    ),
    ("\\text{east}", ["\\textbf{East}", "east", "\\text{East}"], ["\\text{west}", "north"]),
    ("\\text{(B)}", ["B", "(B)", "\\text{(B)}"], ["C", "(D)", "A"]),
    ("\\mathrm{e}^2", ["e^2", "e^{2}", "\\mathrm{e}^{2}"], ["2e", "e^3", "e"]),
    ("2+3\\mathrm{i}", ["2+3i", "3i+2"], ["2-3i", "3+2i"]),
    ("[-2, 7]", ["[-2,7]", "\\left[-2, 7\\right]"], ["(-2, 7)", "[-2, 7)", "[-2, 6]"]),
    (
        "(-\\infty, 2) \\cup (3, \\infty)",
        ["(-\\infty,2)\\cup(3,\\infty)"],
        ["(-\\infty, 2] \\cup [3, \\infty)", "(2, 3)"],
    ),
    (
        "\\begin{pmatrix} -2 \\\\ -14 \\\\ -7 \\end{pmatrix}",
        ["\\begin{pmatrix}-2\\\\-14\\\\-7\\end{pmatrix}"],
        ["\\begin{pmatrix} 2 \\\\ 14 \\\\ 7 \\end{pmatrix}"],
    ),
    ("x^2 + 7x + 10", ["(x+2)(x+5)", "x^2+7x+10", "10 + 7x + x^2"], ["(x+2)(x+3)", "x^2 + 10x + 7"]),
    ("\\frac{x+2}{7}", ["\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}"], ["\\frac{x-2}{7}", "7x - 2"]),
    ("2\\sqrt{13}", ["\\sqrt{52}", "2\\sqrt{13}"], ["\\sqrt{26}", "4\\sqrt{13}"]),
    (
        "\\frac{\\pi}{3}",
        ["\\frac{\\pi}{3}", "\\dfrac{\\pi}{3}", "\\frac{1}{3}\\pi"],
        ["\\frac{\\pi}{6}", "60^\\circ", "\\frac{2\\pi}{3}"],  # degrees are stripped: 60 is not pi/3
    ),
    ("5.4", ["5.4", "5.40", "\\frac{27}{5}"], ["5.5", "54"]),
    ("10\\%", ["10\\%", "10"], ["0.1\\%", "20\\%"]),
    ("y = 2x + 1", ["y=2x+1", "y = 1 + 2x"], ["y = 2x - 1", "y = x + 2"]),
    ("\\frac{14}{3}", ["\\frac{14}{3}", "4\\frac{2}{3}", "14/3"], ["\\frac{13}{3}", "4.67", "\\frac{3}{14}"]),
]


def _ending(answer: str, style: str, gold_is_list: bool, rng: random.Random) -> str:
    if style == "boxed":
        return rng.choice(
            [
                f"Therefore, the final answer is $\\boxed{{{answer}}}$.",
                f"So the answer is:\n\\[\n\\boxed{{{answer}}}\n\\]",
                f"Thus we get \\(\\boxed{{{answer}}}\\).",
            ]
        )
    if style == "boxes" and gold_is_list:
        parts = [p.strip() for p in re.split(r",(?![^()\[\]{}]*[)\]}])", answer) if p.strip()]
        return "The solutions are " + " and ".join(f"$\\boxed{{{p}}}$" for p in parts) + "."
    if style == "minerva":
        return f"Final Answer: The final answer is ${answer}$. I hope it is correct."
    if style == "tags":
        return f"<answer> {answer} </answer>"
    if style == "line":
        return f"The answer is: {answer}"
    if style == "prose":
        return rng.choice([f"So the result is ${answer}$.", f"Putting it all together, we get ${answer}$."])
    if style == "cut":
        return f"So far we have \\boxed{{{answer}"
    return f"\\boxed{{{answer}}}"


STYLES = ["boxed"] * 10 + ["boxes", "minerva", "minerva", "tags", "tags", "line", "prose", "cut"]


def _load_real() -> list[dict]:
    with (DATA / "real_generations.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def realistic_batch(groups: int = 64, per_gold: int = 16, seed: int = 0) -> Batch:
    """The realistic GRPO batch (see the module docstring)."""
    rng = random.Random(seed)
    real = _load_real()
    by_problem: dict[str, list[dict]] = {}
    for row in real:
        by_problem.setdefault(row["prompt"], []).append(row)
    problems = [rows for rows in by_problem.values() if _bare_gold(rows[0]["solution"])]
    rng.shuffle(problems)
    texts = [r["completion"].replace("<think>", "").replace("</think>", "") for r in real]
    hard = list(HARD)
    rng.shuffle(hard)
    batch = Batch()
    for g in range(groups):
        if (g % 2 == 0 or not hard) and problems:
            rows = problems.pop()
            gold = _bare_gold(rows[0]["solution"])
            is_number = re.fullmatch(r"-?[\d,]+(\.\d+)?", gold) is not None
            right, wrong = _number_forms(gold, rng) if is_number else _latex_forms(gold, rng)
            question = rows[0]["prompt"]
            verbatim = rows[: min(len(rows), 4)]
        else:
            gold, right, wrong = hard.pop()
            question = f"Solve problem {g}."
            verbatim = []
        for row in verbatim:
            batch.add(row["prompt"], row["completion"], gold, row["expected"] or 0.0)
        # a list (`-3, 2`), not a number with separators (`11,\\! 111`) or a pair, interval or matrix
        gold_is_list = re.search(r",(?!\\!|\d{3})", gold) is not None and not gold.startswith(
            ("(", "[", "\\begin")
        )
        for _ in range(per_gold - len(verbatim)):
            correct = rng.random() < 0.5
            answer = rng.choice(right if correct else wrong)
            style = rng.choice(STYLES)
            source = rng.choice(texts)
            start = rng.randrange(0, max(1, len(source) - 200))
            reasoning = source[start : start + rng.randint(200, 1200)].replace("\\boxed", "")
            completion = f"<think>\n{reasoning}\n</think>\n\n{_ending(answer, style, gold_is_list, rng)}"
            batch.add(question, completion, gold, 1.0 if correct and style != "cut" else 0.0)
    return batch


NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Mark", "Albert", "Ken", "Alexis", "Tina"]
THINGS = ["clips", "pages", "eggs", "pens", "cookies", "marbles", "stickers", "apples"]


def _reasoning(rng: random.Random) -> str:
    steps = []
    for _ in range(rng.randint(3, 9)):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        steps.append(
            rng.choice(
                [
                    f"First, {a} + {b} = {a + b}.",
                    f"Then multiply: {a} \\times {b} = {a * b}.",
                    f"Let me double-check {a} - {b} = {a - b}.",
                    f"So we have $\\frac{{{a}}}{{{b}}}$ of the total, hmm.",
                    f"Wait, {a} items at {b} each is {a * b}.",
                ]
            )
        )
    return " ".join(steps)


def _gsm_problem(rng: random.Random) -> tuple[str, list[str], list[str]]:
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a, b, c = rng.randint(3, 60), rng.randint(2, 40), rng.randint(1, 500)
    ab = a * b
    answer = ab + c if rng.random() < 0.7 else ab * c
    op = "+" if answer == ab + c else "*"
    gold = (
        f"{name} buys {b} packs of {a} {thing}, so {a}*{b} = <<{a}*{b}={ab}>>{ab} {thing}.\n"
        f"Then {ab}{op}{c} = <<{ab}{op}{c}={answer}>>{answer}.\n#### {answer}"
    )
    right = [str(answer)]
    if answer >= 1000:
        right.append(f"{answer:,}")
    right.append(f"{answer}.00" if rng.random() < 0.3 else str(answer))
    wrong = [str(answer + rng.choice([-10, -1, 1, 2, 100])), str(ab), str(c), str(answer * 10)]
    return gold, right, [w for w in wrong if int(w) != answer]


def _math_problem(rng: random.Random) -> tuple[str, list[str], list[str]]:
    kind = rng.choice(["frac", "sqrt", "interval", "poly", "tuple", "pi", "int"])
    if kind == "frac":
        q = rng.choice([3, 4, 5, 6, 7, 8, 9, 12])
        p = rng.choice([k for k in range(1, 3 * q) if math.gcd(k, q) == 1])
        box = f"\\frac{{{p}}}{{{q}}}"
        right = [box, f"\\dfrac{{{2 * p}}}{{{2 * q}}}", f"{p}/{q}"]
        if q in (4, 5, 8):
            right.append(str(float(Fraction(p, q))))
        wrong = [f"\\frac{{{q}}}{{{p}}}", f"\\frac{{{p + 1}}}{{{q}}}", str(p)]
        if Fraction(f"{p / q:.2f}") != Fraction(p, q):
            wrong.append(f"{p / q:.2f}")
    elif kind == "sqrt":
        k, m = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10])
        box = f"{k}\\sqrt{{{m}}}"
        right = [box, f"\\sqrt{{{k * k * m}}}", f"{k}\\sqrt {m}"]
        wrong = [f"{k}\\sqrt{{{m + 1}}}", f"\\sqrt{{{k * m}}}", str(k * m), f"{k + 1}\\sqrt{{{m}}}"]
    elif kind == "interval":
        a = rng.randint(-9, 3)
        b = a + rng.randint(1, 9)
        box = f"[{a}, {b})"
        right = [box, f"[{a},{b})", f"\\left[{a}, {b}\\right)"]
        wrong = [f"({a}, {b})", f"[{a}, {b}]", f"({a}, {b}]", f"[{a}, {b + 1})"]
    elif kind == "poly":
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        box = f"x^2 + {a + b}x + {a * b}"
        right = [box, f"(x+{a})(x+{b})", f"{a * b} + {a + b}x + x^2"]
        wrong = [f"x^2 + {a * b}x + {a + b}", f"(x-{a})(x-{b})", f"x^2 + {a + b}x"]
    elif kind == "tuple":
        a, b = rng.randint(-9, 9), rng.randint(-9, 9)
        if a == b:
            b += 1
        box = f"({a}, {b})"
        right = [box, f"({a},{b})", f"\\left({a}, {b}\\right)"]
        wrong = [f"({b}, {a})", f"({a}, {-b})", f"({a + 1}, {b})"]
    elif kind == "pi":
        k = rng.randint(2, 30)
        box = f"{k}\\pi"
        right = [box, f"\\pi \\cdot {k}", f"{k} \\pi"]
        wrong = [f"{k + 1}\\pi", str(k), f"{2 * k}\\pi", f"{k * 3.14:.2f}"]
    else:
        n = rng.randint(2, 2000)
        box = str(n)
        right = [box, f"{n}"]
        wrong = [str(n + 1), str(n - 1), str(2 * n)]
    gold = f"We simplify step by step. {_reasoning(rng)} Therefore the answer is $\\boxed{{{box}}}$."
    return gold, right, wrong


def _easy_completion(rng: random.Random, answer: str, gsm: bool) -> str:
    think = f"<think>\n{_reasoning(rng)}\n</think>\n"
    style = rng.random()
    if style < 0.55:
        return f"{think}So the final answer is $\\boxed{{{answer}}}$."
    if gsm and style < 0.68:
        return f"{think}{_reasoning(rng)}\n#### {answer}"
    if style < 0.82:
        return f"{think}The answer is {answer}." if gsm else f"{think}The final answer is ${answer}$."
    if style < 0.92:
        return (
            f"{think}Putting it together, we get {answer}"
            if gsm
            else f"{think}Putting it together: ${answer}$"
        )
    return f"<think>{_reasoning(rng)} so maybe \\boxed{{{answer}}}"  # cut off: no answer


def easy_batch(groups: int = 64, per_gold: int = 16, seed: int = 0) -> Batch:
    """The easy batch: synthetic GSM8K/MATH solutions as golds, mostly simple, repeated answers."""
    rng = random.Random(seed)
    batch = Batch()
    for g in range(groups):
        gsm = g % 2 == 0
        gold, right, wrong = _gsm_problem(rng) if gsm else _math_problem(rng)
        for _ in range(per_gold):
            correct = rng.random() < 0.45
            text = _easy_completion(rng, rng.choice(right if correct else wrong), gsm)
            batch.add("p", text, gold, 1.0 if correct and "</think>" in text else 0.0)
    return batch
