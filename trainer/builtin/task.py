"""The synthetic task: two-digit addition and subtraction with R1-shaped worked answers.

A problem is ``a+b`` or ``a-b`` with two-digit operands (``a >= b`` for subtraction). Its worked
answer has the shape DeepSeek-R1 trains on, reasoning in ``<think>`` then a boxed answer::

    <think>8+6=14, 2+3+1=6</think> \\boxed{64}

The units column comes first, then the tens column with the carry (``+1``) or borrow (``-1``). The
cold-start SFT also sees two kinds of imperfect traces so that the starting policy is only partly
right: a *sloppy* trace drops the carry or borrow (the answer is then wrong in a consistent way), and a
*malformed* trace breaks the ``<think>`` format. GRPO with accuracy and format rewards removes both.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from verifiers_core import final_answer

#: Held-out problems are drawn from a pool no training problem comes from.
PROMPT_TEMPLATE = "{a}{op}{b}=?"

_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


@dataclass(frozen=True)
class Problem:
    """One arithmetic problem ``a op b``.

    >>> Problem(28, "+", 36).answer
    64
    >>> Problem(28, "+", 36).regroups
    True
    """

    a: int
    op: str
    b: int

    def __post_init__(self) -> None:
        if self.op not in "+-" or len(self.op) != 1:
            raise ValueError(f"op must be '+' or '-', got {self.op!r}")
        if not (10 <= self.a <= 99 and 10 <= self.b <= 99):
            raise ValueError(f"operands must have two digits, got {self.a} and {self.b}")
        if self.op == "-" and self.a < self.b:
            raise ValueError(f"subtraction needs a >= b, got {self.a}-{self.b}")

    @property
    def answer(self) -> int:
        """The true result."""
        return self.a + self.b if self.op == "+" else self.a - self.b

    @property
    def regroups(self) -> bool:
        """Whether the units column carries (addition) or borrows (subtraction)."""
        a0, b0 = self.a % 10, self.b % 10
        return a0 + b0 >= 10 if self.op == "+" else a0 < b0

    @property
    def prompt_text(self) -> str:
        """The user message, e.g. ``'28+36=?'``."""
        return PROMPT_TEMPLATE.format(a=self.a, op=self.op, b=self.b)


def trace(problem: Problem, *, drop_regroup: bool = False) -> tuple[str, int]:
    """Return the column-by-column reasoning and the answer it leads to.

    With ``drop_regroup`` the carry or borrow is left out of the tens column, the typical slip; the
    answer then follows from the slip (it is wrong whenever the problem regroups).

    >>> trace(Problem(28, "+", 36))
    ('8+6=14, 2+3+1=6', 64)
    >>> trace(Problem(28, "+", 36), drop_regroup=True)
    ('8+6=14, 2+3=5', 54)
    >>> trace(Problem(63, "-", 58))
    ('13-8=5, 6-1-5=0', 5)
    """
    a1, a0 = divmod(problem.a, 10)
    b1, b0 = divmod(problem.b, 10)
    regroup = problem.regroups and not drop_regroup
    if problem.op == "+":
        units = a0 + b0
        tens = a1 + b1 + (1 if regroup else 0)
        steps = f"{a0}+{b0}={units}, " + (f"{a1}+{b1}+1={tens}" if regroup else f"{a1}+{b1}={tens}")
        units_digit = units % 10
    else:
        top = a0 + 10 if problem.regroups else a0
        units = top - b0
        tens = a1 - b1 - (1 if regroup else 0)
        steps = f"{top}-{b0}={units}, " + (f"{a1}-1-{b1}={tens}" if regroup else f"{a1}-{b1}={tens}")
        units_digit = units
    # The answer is the tens result written before the units digit, as done by hand.
    return steps, int(f"{tens}{units_digit}")


def completion(problem: Problem, *, drop_regroup: bool = False, malformed: int = 0) -> str:
    """Return a worked answer in the R1 shape, or one of two malformed shapes.

    ``malformed=1`` leaves ``</think>`` out (the reasoning never closes, so there is no final answer);
    ``malformed=2`` leaves ``<think>`` out. Both score 0 on the format reward.

    >>> completion(Problem(28, "+", 36))
    '<think>8+6=14, 2+3+1=6</think> \\\\boxed{64}'
    >>> completion(Problem(28, "+", 36), malformed=1)
    '<think>8+6=14, 2+3+1=6 \\\\boxed{64}'
    """
    steps, result = trace(problem, drop_regroup=drop_regroup)
    if malformed == 1:
        return f"<think>{steps} \\boxed{{{result}}}"
    if malformed == 2:
        return f"{steps}</think> \\boxed{{{result}}}"
    if malformed:
        raise ValueError(f"malformed must be 0, 1 or 2, got {malformed!r}")
    return f"<think>{steps}</think> \\boxed{{{result}}}"


def all_problems() -> list[Problem]:
    """Every problem of the task, in a fixed order (8100 additions, 4095 subtractions)."""
    problems = [Problem(a, "+", b) for a in range(10, 100) for b in range(10, 100)]
    problems += [Problem(a, "-", b) for a in range(10, 100) for b in range(10, a + 1)]
    return problems


def split_problems(seed: int, heldout_size: int) -> tuple[list[Problem], list[Problem]]:
    """Split every problem into a training pool and a held-out pool, deterministically from ``seed``.

    >>> train, heldout = split_problems(0, 100)
    >>> len(heldout), set(train).isdisjoint(heldout)
    (100, True)
    """
    problems = all_problems()
    random.Random(f"split-{seed}").shuffle(problems)
    return problems[heldout_size:], problems[:heldout_size]


class ProblemSampler:
    """Draw problems from a pool: half additions, half subtractions, a fixed share regrouping.

    The pool holds twice as many additions as subtractions; drawing the operation first gives
    subtraction (and its harder small results, such as ``63-58``) as much practice as addition.
    Uniform two-digit problems regroup 45% of the time; the share is set explicitly so that the
    starting accuracy (which misses most regrouping problems) lands where intended.

    >>> sampler = ProblemSampler(all_problems(), regroup_share=0.5)
    >>> len(sampler.draw(10, random.Random(0)))
    10
    """

    def __init__(self, pool: list[Problem], regroup_share: float) -> None:
        if not 0.0 <= regroup_share <= 1.0:
            raise ValueError(f"regroup_share must be in [0, 1], got {regroup_share}")
        self.buckets: dict[tuple[str, bool], list[Problem]] = {}
        for p in pool:
            self.buckets.setdefault((p.op, p.regroups), []).append(p)
        for key in (("+", True), ("+", False), ("-", True), ("-", False)):
            if not self.buckets.get(key):
                op, regroups = key
                raise ValueError(f"the pool has no {op!r} problem with regroups={regroups}")
        self.regroup_share = regroup_share

    def draw(self, n: int, rng: random.Random) -> list[Problem]:
        """Return ``n`` problems drawn with replacement."""
        out = []
        for _ in range(n):
            op = "+" if rng.random() < 0.5 else "-"
            out.append(rng.choice(self.buckets[(op, rng.random() < self.regroup_share)]))
        return out


def boxed_answer(text: str) -> str | None:
    """Return the content of the last ``\\boxed{}`` after ``</think>``, or None.

    The reasoning must be closed: a completion whose ``<think>`` never closes has no answer.

    >>> boxed_answer("<think>8+6=14, 2+3+1=6</think> \\\\boxed{64}")
    '64'
    >>> boxed_answer("<think>8+6=14 \\\\boxed{64}") is None
    True
    """
    tail = final_answer(text, think_required=True)
    if tail is None:
        return None
    found = _BOXED.findall(tail)
    return found[-1].strip() if found else None


def is_correct(text: str, solution: str) -> bool:
    """Whether the boxed answer after ``</think>`` equals the gold ``solution`` exactly.

    >>> is_correct("<think>2+2=4</think> \\\\boxed{4}", "4")
    True
    >>> is_correct("\\\\boxed{4}", "4")
    False
    """
    answer = boxed_answer(text)
    return answer is not None and answer == str(solution).strip()
