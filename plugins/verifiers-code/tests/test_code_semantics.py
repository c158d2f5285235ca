"""The benchmarks' own semantics, one test per rule (issue 11): values, truth, stdout non-finite
tokens, constant asserts, check() bodies, constant folding, call-based APPS/TACO, test layouts."""

from __future__ import annotations

import json

import pytest
from verifiers_code.cases import TestCase
from verifiers_code.compare import case_passed, stdout_matches, values_match
from verifiers_code.testcases import APPS_PRELUDE, load_tests, parse_asserts

import verifiers_core

SANDBOX = {"timeout": 2.0, "workers": 2}


def py(code: str) -> str:
    return f"```python\n{code.strip()}\n```"


@pytest.fixture(scope="module")
def code():
    return verifiers_core.get_reward("code", **SANDBOX)


def score(reward, completions, **columns):
    metrics: dict[str, float] = {}
    n = len(completions)
    values = reward(
        prompts=["p"] * n,
        completions=completions,
        log_metric=metrics.__setitem__,
        **{k: v if isinstance(v, list) and len(v) == n else [v] * n for k, v in columns.items()},
    )
    return values, metrics


# ---------------------------------------------------------------------------------------------
# Values


def test_numbers_compare_by_value_but_bool_and_str_never_pass_for_numbers(code):
    tests = ["assert find_Volume(10, 8, 6) == 240", "assert find_Volume(3, 2, 2) == 6"]
    values, _ = score(
        code,
        [
            py("def find_Volume(l, b, h):\n    return (l * b * h) / 2"),  # 240.0 == 240: MBPP's reference
            py("def find_Volume(l, b, h):\n    return str(l * b * h // 2)"),  # '240' is not 240
            py("def find_Volume(l, b, h):\n    return (l * b * h) / 2 + 0.5"),  # 240.5 is not 240
        ],
        test_list=[tests] * 3,
    )
    assert values == [1.0, 0.0, 0.0]
    flags = ["assert is_even(2) == True", "assert is_even(3) == False", "assert count(3) == 1"]
    values, _ = score(
        code,
        [
            py("def is_even(n):\n    return n % 2 == 0\ndef count(n):\n    return 1"),
            py("def is_even(n):\n    return int(n % 2 == 0)\ndef count(n):\n    return True"),  # 1 for True
        ],
        test_list=[flags] * 2,
    )
    assert values == [1.0, 0.0]
    assert not values_match(True, 1) and not values_match(1, True) and not values_match(1.0, True)


def test_container_subclasses_are_sent_as_their_base_type(code):
    tests = [
        "assert freq([1, 1, 2]) == {1: 2, 2: 1}",
        "assert ordered({'a': 1}) == {'a': 1}",
        "assert grouped([1, 2]) == {0: [2], 1: [1]}",
        "assert point(1, 2) == (1, 2)",
        "assert items([3]) == [3]",
    ]
    program = py(
        "import collections\n"
        "def freq(xs):\n    return collections.Counter(xs)\n"
        "def ordered(d):\n    return collections.OrderedDict(d)\n"
        "def grouped(xs):\n    g = collections.defaultdict(list)\n    for x in xs:\n        g[x % 2].append(x)\n"
        "    return g\n"
        "P = collections.namedtuple('P', 'x y')\n"
        "def point(x, y):\n    return P(x, y)\n"
        "class L(list):\n    pass\n"
        "def items(xs):\n    return L(xs)\n"
    )
    # A subclass cannot change what is sent: its own __iter__, items() and __eq__ are not used.
    cheat = py(
        "class L(list):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __iter__(self):\n        return iter([3])\n"
        "class D(dict):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def items(self):\n        return [(1, 2), (2, 1)]\n"
        "def freq(xs):\n    return D()\n"
        "def ordered(d):\n    return D()\n"
        "def grouped(xs):\n    return D()\n"
        "def point(x, y):\n    return L()\n"
        "def items(xs):\n    return L([4])\n"
    )
    values, _ = score(code, [program, cheat], test_list=[tests] * 2)
    assert values == [1.0, 0.0]


def test_truth_of_a_value_that_cannot_be_sent_is_computed_by_builtin_types_only(code):
    tests = ['assert check_str("annie")', 'assert not check_str("dawood")', 'assert check_str("Else")']
    reference = py(  # MBPP 737: returns an re.Match or None
        "import re\nregex = '^[aeiouAEIOU][A-Za-z0-9_]*'\ndef check_str(string):\n    return re.search(regex, string)"
    )
    vouching = py(  # an object of the program's own class: its __bool__ never decides
        "class Yes:\n    def __bool__(self):\n        return True\n"
        "class No:\n    def __bool__(self):\n        return False\n"
        "def check_str(s):\n    return Yes() if s[0] in 'aeiouAE' else No()"
    )
    always = py("def check_str(s):\n    return True")
    values, _ = score(code, [reference, vouching, always], test_list=[tests] * 3)
    assert values == [1.0, 0.0, pytest.approx(2 / 3)]


def test_stdout_non_finite_tokens_match_as_judges_validators_do(code):
    info = json.dumps(
        {"test_cases": [{"type": "stdin_stdout", "input": "", "output": "NaN\n-Infinity 2.5\n"}]}
    )
    values, _ = score(
        code,
        [
            py("print('nan')\nprint('-inf', 2.5000000001)"),
            py("print('-nan')\nprint('-INF 2.5')"),
            py("print('nan')\nprint('inf 2.5')"),  # the sign of an infinity matters
            py("print('0')\nprint('-inf 2.5')"),  # a finite number is not nan
        ],
        verification_info=info,
    )
    assert values == [1.0, 1.0, 0.0, 0.0]
    assert not stdout_matches(b"nan", "NaN")  # without a tolerance, lines compare as text
    assert not stdout_matches(b"inf", "1e400", 1e-6)  # an overflow is not an infinity


# ---------------------------------------------------------------------------------------------
# What counts as a test


def test_asserts_that_do_not_depend_on_the_program_are_not_tests(code):
    humaneval = (
        "def check(candidate):\n"
        "    assert candidate(2) == 4\n"
        "    assert True, 'This prints if this assert fails 1 (good for debugging!)'\n"
        "    assert candidate(3) == 6\n"
        "    assert True\n"
    )
    suite = load_tests(humaneval, entry_point="double")
    assert [c.expr for c in suite.cases] == ["candidate(2)", "candidate(3)"]
    assert suite.constant_asserts == 2 and suite.weak == 0
    assert parse_asserts("assert 2 * 3 == 6\nassert f(1) == 1").constant_asserts == 1
    # A cheat that only defines the function used to earn the filler asserts' share.
    values, metrics = score(
        code,
        [py("def double(x):\n    return 2 * x"), py("def double(x):\n    return 0")],
        test=humaneval,
        entry_point="double",
    )
    assert values == [1.0, 0.0]
    assert metrics["code/constant_asserts"] == 4.0 and metrics["code/weak_asserts"] == 0.0


def test_no_op_statements_in_check_do_not_force_the_weaker_guarantee():
    body = (
        "def check(candidate):\n"
        "    '''Checks.'''\n"
        "    print\n"
        "    print('checking')\n"
        "    pass\n"
        "    ...\n"
        "    assert candidate([1, 2]) == 3\n"
    )
    suite = load_tests(body, entry_point="total")
    assert [(c.kind, c.expr, c.expected) for c in suite.cases] == [("call", "candidate([1, 2])", 3)]
    assert suite.weak == 0


def test_check_with_a_loop_keeps_its_literal_asserts_strong():
    body = (
        "def check(candidate):\n"
        "    import random\n"
        "    assert candidate(0, 1) == 1\n"
        "    assert candidate(2, 3) == 5\n"
        "    for i in range(10):\n"
        "        x, y = random.randint(0, 9), random.randint(0, 9)\n"
        "        assert candidate(x, y) == x + y\n"
        "    lst = [1, 2]\n"
        "    assert candidate(*lst) == 3\n"
    )
    suite = load_tests(body, entry_point="add")
    kinds = [(c.kind, c.expr or c.source) for c in suite.cases]
    assert kinds[:2] == [("call", "candidate(0, 1)"), ("call", "candidate(2, 3)")]
    assert kinds[2] == ("assert", "check(add)") and len(kinds) == 3
    weak_setup = suite.cases[2].setup
    # The asserts that became calls are not in the check() that enters the sandbox.
    assert "== 1" not in weak_setup and "== 5" not in weak_setup
    assert "__vc_observe_equal(candidate(*lst), 3)" in weak_setup  # it uses a name bound in check()
    assert "check" not in suite.cases[0].setup


def test_equalities_in_raw_tests_are_compared_in_the_parent(code):
    humaneval = (
        "def check(candidate):\n"
        "    assert candidate(8, 3) == '22'\n"
        "    for x in range(2, 8):\n"
        "        assert candidate(x, x + 1) == str(x)\n"
    )
    right = py(
        "def change_base(x, base):\n    out = ''\n    while x > 0:\n"
        "        out = str(x % base) + out\n        x //= base\n    return out"
    )
    always_equal = py(
        "class Eq(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
        "def change_base(x, base):\n    return Eq('?')"
    )
    values, metrics = score(code, [right, always_equal], test=humaneval, entry_point="change_base")
    assert values == [1.0, 0.0]  # 1 call + 1 raw check() each; the override passes neither
    assert metrics["code/weak_asserts"] == 2.0


RAW_CHECK = (
    "def check(candidate):\n"
    "    import random\n"
    "    rng = random.Random(7)\n"
    "    for _ in range(20):\n"
    "        word = ''.join(rng.choice('abc') for _ in range(5))\n"
    "        assert candidate(word) == word[::-1]\n"
    "    try:\n"
    "        candidate(None)\n"
    "        raise AssertionError('no error')\n"
    "    except TypeError:\n"
    "        pass\n"
)


RAW_ASSERT = "assert rev('abc') in ('cba',)"  # not an (expression, value) pair: a raw test


@pytest.mark.parametrize(
    "program, tests, expected",
    [
        ("def rev(s):\n    return s[::-1]", RAW_CHECK, 1.0),
        ("def rev(s):\n    return s[::-1]", RAW_ASSERT, 1.0),
        # Reads the test's own locals from the caller's frames: the test runs in another process.
        (
            "import sys\ndef rev(s):\n    if s is None:\n        raise TypeError\n"
            "    f = sys._getframe(1)\n    while f is not None:\n"
            "        if 'word' in f.f_locals:\n            return f.f_locals['word'][::-1]\n"
            "        f = f.f_back\n    return s",
            RAW_CHECK,
            0.0,
        ),
        # Forges the result record on an inherited descriptor and exits: none is inherited.
        (
            "import os\nfor fd in range(3, 64):\n    try:\n"
            '        os.write(fd, b\'{"passed":true,"observed":[]}\')\n    except OSError:\n        pass\n'
            "os._exit(0)\ndef rev(s):\n    return s",
            RAW_ASSERT,
            0.0,
        ),
        # Redefines a builtin the test code uses (so the loop never runs): not the test's builtins.
        (
            "import builtins\nbuiltins.range = lambda *a: []\n"
            "def rev(s):\n    if s is None:\n        raise TypeError\n    return s",
            RAW_CHECK,
            0.0,
        ),
        # Reads the test's source from memory: the records it came in were emptied first.
        (
            "import gc\ndef rev(s):\n    for o in gc.get_objects():\n"
            "        if isinstance(o, dict) and isinstance(o.get('source'), str) and 'in (' in o['source']:\n"
            "            return o['source'].split(\"('\")[-1].split(\"'\")[0]\n    return s",
            RAW_ASSERT,
            0.0,
        ),
    ],
    ids=[
        "right check()",
        "right assert",
        "frame walking",
        "forged record",
        "redefined builtins",
        "memory reading",
    ],
)
def test_raw_tests_run_apart_from_the_program(code, program, tests, expected):
    values, metrics = score(code, [py(program)], test=tests, entry_point="rev")
    assert values == [expected]
    assert metrics["code/weak_asserts"] == 1.0


def test_constant_expected_side_is_folded_in_the_parent():
    src = "\n".join(
        [
            "assert f(3) == (3 + 5 + 7, 3 * 5 * 7)",
            "assert set(g()) == set((4, 5))",
            "assert h() == -2 ** 10",
            "assert k() == 1 / 4",
            "assert big() == 9 ** 9 ** 9",  # too big to compute here: left to the sandbox
        ]
    )
    cases = parse_asserts(src).cases
    assert [(c.kind, c.expected) for c in cases[:4]] == [
        ("call", (15, 105)),
        ("call", {4, 5}),
        ("call", -1024),
        ("call", 0.25),
    ]
    assert cases[4].kind == "assert"
    assert cases[1].expr == "set(g())"


# ---------------------------------------------------------------------------------------------
# Call-based APPS/TACO


CALL_BASED = json.dumps(
    {
        "fn_name": "twoSum",
        "inputs": [[[2, 7, 11, 15], 9], [[3, 2, 4], 6], [[3, 3], 6]],
        "outputs": [[[0, 1]], [[1, 2]], [[0, 1]]],
    }
)


def test_call_based_tests_run_in_the_sandbox_and_compare_in_the_parent(code):
    solution_class = py(  # LeetCode style: a method of Solution, List from APPS's prelude
        "class Solution:\n"
        "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
        "        seen = {}\n"
        "        for i, x in enumerate(nums):\n"
        "            if target - x in seen:\n"
        "                return [seen[target - x], i]\n"
        "            seen[x] = i\n"
    )
    function = py(  # Codewars style: a function; a tuple result compares as a list
        "def twoSum(nums, target):\n"
        "    for i in range(len(nums)):\n"
        "        for j in range(i + 1, len(nums)):\n"
        "            if nums[i] + nums[j] == target:\n"
        "                return (i, j)\n"
    )
    wrong = py("def twoSum(nums, target):\n    return [0, 1]")
    cheat = py(
        "class Any(list):\n    def __eq__(self, other):\n        return True\n"
        "def twoSum(nums, target):\n    return Any()"
    )
    missing = py("def two_sum(nums, target):\n    return [0, 1]")
    values, metrics = score(code, [solution_class, function, wrong, cheat, missing], input_output=CALL_BASED)
    assert values == [1.0, 1.0, pytest.approx(2 / 3), 0.0, 0.0]
    assert metrics["code/invalid_tests"] == 0.0


def test_call_based_outputs_follow_apps_rules():
    info = {"fn_name": "f", "inputs": [[{"1": "a"}], [2]], "outputs": [{"3": 4}, [[5, 6]]]}
    cases = load_tests(info).cases
    assert [c.kind for c in cases] == ["invoke", "invoke"]
    assert cases[0].expected == [{3: 4}]  # JSON's string keys back to int, as APPS does
    assert "'1'" not in cases[0].args and cases[0].prelude == APPS_PRELUDE
    ok = {"status": "ok", "record": json.dumps({"value": ["d", [[["i", "3"], ["i", "4"]]]]})}
    assert case_passed(cases[0], ok)
    as_tuple = {"status": "ok", "record": json.dumps({"value": ["t", [["i", "5"], ["i", "6"]]]})}
    assert case_passed(cases[1], as_tuple)
    as_bools = {"status": "ok", "record": json.dumps({"value": ["l", [["b", True], ["i", "6"]]]})}
    assert not case_passed(TestCase("invoke", expected=[[1, 6]], check="apps"), as_bools)


# ---------------------------------------------------------------------------------------------
# Layouts and columns

MIN3 = py("def min_of_three(a, b, c):\n    return min(a, b, c)")
MIN3_TESTS = ["assert min_of_three(10, 20, 0) == 0", "assert min_of_three(19, 15, 18) == 15"]


@pytest.mark.parametrize(
    "completion, columns",
    [
        (
            py("print(int(input()) * 2)"),
            {"verification_info": json.dumps({"test_cases": [{"input": "2\n", "output": "4\n"}]})},
        ),
        (
            py("print(int(input()) * 2)"),
            {"input_output": json.dumps({"inputs": ["2\n"], "outputs": ["4\n"]})},
        ),
        (MIN3, {"test_list": MIN3_TESTS, "test_imports": []}),
        (MIN3, {"test_list": MIN3_TESTS, "test_setup_code": ""}),
        (
            py("def double(x):\n    return 2 * x"),
            {"test": "def check(candidate):\n    assert candidate(2) == 4\n", "entry_point": "double"},
        ),
    ],
    ids=["verification_info", "input_output", "mbpp-sanitized", "mbpp", "humaneval"],
)
def test_known_layouts_need_no_parameter(code, completion, columns):
    values, _ = score(code, [completion], prompt="p", task_id=1, **columns)
    assert values == [1.0]


def test_several_or_no_layouts_name_the_parameter_and_the_columns(code):
    with pytest.raises(
        verifiers_core.RewardParamError, match=r"tests_column=.*columns present: test, test_list"
    ):
        score(code, [MIN3], test_list=MIN3_TESTS, test="assert f() == 1")
    with pytest.raises(
        verifiers_core.MissingColumnError, match=r"columns present: answer.*set tests_column="
    ):
        score(code, [MIN3], answer="3")
    chosen = verifiers_core.get_reward("code", tests_column="test_list", **SANDBOX)
    assert score(chosen, [MIN3], test_list=MIN3_TESTS, test="assert f() == 1")[0] == [1.0]


def test_a_list_in_the_setup_column_is_joined(code):
    tests = ["assert math.floor(half(5)) == 2", "assert re.sub('a', '', strip('abc')) == 'bc'"]
    program = py("def half(x):\n    return x / 2\ndef strip(s):\n    return s")
    values, _ = score(code, [program], test_list=tests, test_imports=[["import math", "import re"]])
    assert values == [1.0]
    explicit = verifiers_core.get_reward("code", tests_column="test_list", setup_column="imports", **SANDBOX)
    assert score(explicit, [program], test_list=tests, imports=[["import math", "import re"]])[0] == [1.0]
