"""The three code rewards: the reward contract, the input formats, C++, counts and pickling."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

import verifiers_core
from verifiers_core.testing import check_reward_contract

STDIO = json.dumps(
    {
        "language": "python",
        "test_cases": [
            {"type": "stdin_stdout", "input": "2 3\n", "output": "5\n"},
            {"type": "stdin_stdout", "input": "10 -4\n", "output": "6\n"},
            {"type": "stdin_stdout", "input": "0 0\n", "output": "0\n"},
            {"type": "stdin_stdout", "input": "7 1\n", "output": "8\n"},
        ],
    }
)
CPP = {"language": "cpp", "test_cases": [{"type": "stdin_stdout", "input": "2 3\n", "output": "5\n"}]}
ADD = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
ADD_CPP = "```cpp\n#include <iostream>\nint main(){ long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n```"
# Right on two of four tests (2 + 3 and 0 + 0 are wrong).
HALF = "```python\na, b = map(int, input().split())\nprint(a + b if a > 5 else 1)\n```"
MBPP = [
    "assert min_of_three(10, 20, 0) == 0",
    "assert min_of_three(19, 15, 18) == 15",
    "assert min_of_three(-10, -20, -30) == -30",
]
MIN3 = "```python\ndef min_of_three(a, b, c):\n    return min(a, b, c)\n```"
HUMANEVAL = """
METADATA = {"author": "x"}


def check(candidate):
    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True
    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05) == False
    assert candidate([1.0, 2.0], 0.5) is False
"""
CLOSE = (
    "```python\ndef has_close_elements(numbers, threshold):\n"
    "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n```"
)

SANDBOX = {"timeout": 2.0, "workers": 2}


@pytest.fixture(scope="module")
def code():
    return verifiers_core.get_reward("code", **SANDBOX)


def test_code_contract(code):
    check_reward_contract(
        code,
        [
            {"completion": f"<think>easy</think>\n{ADD}", "verification_info": STDIO, "expected": 1.0},
            {"completion": HALF, "verification_info": STDIO, "expected": 0.5},
            {"completion": "print(5)", "verification_info": STDIO, "expected": 0.0},  # no fenced block
            {"completion": ADD, "verification_info": "{not json", "expected": None},
            {"completion": ADD, "verification_info": json.loads(STDIO), "expected": 1.0},  # an object
            {"completion": ADD_CPP, "verification_info": json.dumps(CPP), "expected": 1.0},
        ],
    )


def test_code_binary_contract():
    reward = verifiers_core.get_reward("code_binary", **SANDBOX)
    check_reward_contract(
        reward,
        [
            {"completion": ADD, "verification_info": STDIO, "expected": 1.0},
            {"completion": HALF, "verification_info": STDIO, "expected": 0.0},
            {
                "completion": "<think>never closed ```python\nprint(5)\n```",
                "verification_info": STDIO,
                "expected": 0.0,
            },
        ],
    )


def test_code_format_contract():
    reward = verifiers_core.get_reward("code_format", **SANDBOX)
    check_reward_contract(
        reward,
        [
            {"completion": ADD, "verification_info": STDIO, "expected": 1.0},
            {"completion": "```python\ndef f(:\n```", "verification_info": STDIO, "expected": 0.0},
            {"completion": "```\nprint(1)\n```", "verification_info": STDIO, "expected": 0.0},  # untagged
            {"completion": "```python\nprint(1)", "verification_info": STDIO, "expected": 0.0},  # unclosed
            {"completion": ADD, "verification_info": json.dumps(CPP), "expected": 0.0},  # wrong language
            {"completion": ADD_CPP, "verification_info": json.dumps(CPP), "expected": 1.0},
            {"completion": "```cpp\nint main( {\n```", "verification_info": json.dumps(CPP), "expected": 0.0},
        ],
    )


def test_mbpp_and_humaneval_asserts():
    reward = verifiers_core.get_reward("code", tests_column="test", **SANDBOX)
    assert reward(
        prompts=["p"] * 2,
        completions=[MIN3, "```python\ndef min_of_three(a, b, c):\n    return min(a, b)\n```"],
        test=[MBPP, MBPP],
    ) == [1.0, pytest.approx(1 / 3)]
    # MBPP's test_list (a list) with setup code.
    setup = "OFFSET = 0"
    assert reward(
        prompts=["p"],
        completions=[MIN3],
        test=[["assert min_of_three(1, 2, 3) == 1 + OFFSET"]],
        test_setup_code=[setup],
    ) == [1.0]
    # HumanEval: check(candidate) unrolled with the entry point; the third assert stays weak.
    metrics: dict[str, float] = {}
    wrong = "```python\ndef has_close_elements(n, t):\n    return len(n) > 3\n```"
    # Returning 1 for True: `1 == True` in Python, but values compare by exact type here.
    ints = "```python\ndef has_close_elements(n, t):\n    return int(any(abs(a - b) < t for a in n for b in n if a is not b))\n```"
    scores = reward(
        prompts=["p"] * 3,
        completions=[CLOSE, wrong, ints],
        test=[HUMANEVAL] * 3,
        entry_point=["has_close_elements"] * 3,
        log_metric=lambda k, v: metrics.__setitem__(k, v),
    )
    assert scores == [1.0, pytest.approx(2 / 3), 0.0]
    assert metrics["code/weak_asserts"] == 0.0


def test_weak_asserts_are_counted():
    reward = verifiers_core.get_reward("code", tests_column="test", **SANDBOX)
    metrics: dict[str, float] = {}
    tests = "assert sorted(f([3, 1])) == [1, 3]\nassert f([1]) != [2]\nassert len(f([1, 2])) in (2, 3)"
    scores = reward(
        prompts=["p"],
        completions=["```python\ndef f(x):\n    return list(x)\n```"],
        test=[tests],
        log_metric=lambda k, v: metrics.__setitem__(k, v),
    )
    assert scores == [1.0]
    assert metrics["code/weak_asserts"] == 2.0


def test_counts_are_reported(code, caplog):
    metrics: dict[str, float] = {}
    comps = [
        "```python\nwhile True:\n    pass\n```",
        "```python\nx = bytearray(10**10)\n```",
        "```python\nraise ValueError\n```",
        "```python\nprint('x' * 3_000_000)\n```",
        "```cpp\nint main( {\n```",
    ]
    infos = [STDIO] * 4 + [json.dumps(CPP)]
    reward = verifiers_core.get_reward("code", timeout=0.5, workers=2)
    with caplog.at_level(logging.INFO, logger="verifiers_code"):
        scores = reward(
            prompts=["p"] * 5,
            completions=comps,
            verification_info=infos,
            log_metric=lambda k, v: metrics.__setitem__(k, v),
        )
    assert scores == [0.0] * 5
    assert metrics["code/timeouts"] == 1.0  # max_timeouts=1: the other three tests are not run
    assert metrics["code/memory_errors"] == 4.0
    assert metrics["code/runtime_errors"] == 4.0
    assert metrics["code/output_limits"] == 4.0
    assert metrics["code/compile_errors"] == 1.0
    assert metrics["code/errors"] == 0.0


def test_stdout_rules(code):
    two = json.dumps({"test_cases": [{"type": "stdin_stdout", "input": "", "output": "1 2\n3\n"}]})
    floats = json.dumps({"test_cases": [{"type": "stdin_stdout", "input": "", "output": "0.333333333\n"}]})
    cases = {
        "print('1 2   \\n3\\n\\n')": 1.0,  # trailing whitespace and blank lines
        "print('1 2\\r\\n3')": 1.0,  # CRLF
        "print('1 2')": 0.0,  # one line of two
        "print('1 2\\n3\\n4')": 0.0,  # an extra line
        "print(' 1 2\\n3')": 0.0,  # leading whitespace matters
    }
    comps = [f"```python\n{c}\n```" for c in cases]
    assert code(prompts=["p"] * len(comps), completions=comps, verification_info=[two] * len(comps)) == list(
        cases.values()
    )
    assert code(
        prompts=["p"] * 2,
        completions=["```python\nprint(1/3)\n```", "```python\nprint(0.34)\n```"],
        verification_info=[floats] * 2,
    ) == [1.0, 0.0]


def test_cpp_compiled_once_and_binary_sealed(code):
    # The program tries to rewrite its own binary (sealed memfd) and leave state for the next test.
    cases = [{"type": "stdin_stdout", "input": f"{i} 1\n", "output": f"{i + 1}\n"} for i in range(5)]
    info = json.dumps({"language": "cpp", "test_cases": cases})
    prog = (
        "```cpp\n#include <cstdio>\n#include <fcntl.h>\n#include <unistd.h>\n"
        'int main(){ int fd = open("/proc/self/exe", O_WRONLY); if (fd >= 0 && write(fd, "x", 1) == 1) return 0;\n'
        ' long a, b; if (scanf("%ld %ld", &a, &b) != 2) return 1; printf("%ld\\n", a + b); }\n```'
    )
    assert code(prompts=["p"], completions=[prog], verification_info=[info]) == [1.0]


def test_unscorable_rows_are_none(code):
    bad = [
        None,
        "{}",
        json.dumps({"test_cases": []}),
        json.dumps({"language": "rust", "test_cases": [{"input": "", "output": ""}]}),
        json.dumps({"test_cases": [{"type": "function_call", "input": "", "output": ""}]}),
    ]
    assert code(prompts=["p"] * len(bad), completions=[ADD] * len(bad), verification_info=bad) == [
        None
    ] * len(bad)


def test_pickle_and_isolation_layer(code):
    clone = pickle.loads(pickle.dumps(code))
    assert clone.__name__ == "code"
    assert clone(prompts=["p"], completions=[ADD], verification_info=[STDIO]) == [1.0]
    assert code.isolation_layer == "bwrap"


def test_missing_column_names_reward_and_column():
    reward = verifiers_core.get_reward("code", **SANDBOX)
    with pytest.raises(verifiers_core.MissingColumnError, match="verification_info"):
        reward(prompts=["p"], completions=[ADD], solution=["x"])


def test_cpp_compile_timeout_and_binary_size_cap():
    from verifiers_code.rewards import CodeReward
    from verifiers_code.sandbox.pool import Limits, SandboxPool

    info = json.dumps(CPP)
    big = (
        "```cpp\n#include <cstdio>\nchar blob[8 << 20] = {1};\n"
        'int main(int argc, char **argv){ printf("%d\\n", blob[argc - 1] + 4); }\n```'
    )
    for limits, completion in (
        (Limits(compile_timeout=0.05), ADD_CPP),  # <iostream> alone takes longer than that
        (Limits(binary_size_mb=1), big),  # an 8 MiB binary
    ):
        pool = SandboxPool(workers=1, limits=limits)
        reward = CodeReward()
        reward.__name__ = "code"
        reward._pool = pool
        metrics: dict[str, float] = {}
        scores = reward(
            prompts=["p"],
            completions=[completion],
            verification_info=[info],
            log_metric=metrics.__setitem__,
        )
        assert scores == [0.0]
        assert metrics["code/compile_errors"] == 1.0
        pool.close()
    # The same big program is fine under the default cap.
    code = verifiers_core.get_reward("code", **SANDBOX)
    assert code(prompts=["p"], completions=[big], verification_info=[info]) == [1.0]
