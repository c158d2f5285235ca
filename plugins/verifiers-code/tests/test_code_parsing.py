"""Parent-side parsing and comparison: fenced blocks, test formats, assert conversion, verdicts."""

from __future__ import annotations

import json

import pytest
from verifiers_code.compare import BadValue, case_passed, decode_value, stdout_matches, values_match
from verifiers_code.extract import extract_program, fenced_blocks, python_parses
from verifiers_code.testcases import InvalidTests, TestCase, load_tests, parse_asserts


def test_program_is_last_block_of_final_answer():
    text = "<think>```python\nprint('draft')\n```</think>```python\nprint(1)\n```\ntext\n```python\nprint(2)\n```"
    assert extract_program(text, "python") == "print(2)\n"
    assert extract_program("<think>```python\nprint(1)\n```", "python") is None  # unclosed think
    assert extract_program("```python\nprint(1)\n```\n```bash\nls\n```", "python") == "print(1)\n"
    assert extract_program("```cpp\nint main(){}\n```", "cpp") == "int main(){}\n"
    assert extract_program("```python\n\n```", "python") is None
    assert [b.tag for b in fenced_blocks("````python\n```\ninner\n```\n````")] == ["python"]


def test_python_parses_is_parse_only():
    assert python_parses("import os\nos.system('rm -rf /')")  # parsed, never run
    assert not python_parses("(" * 1000)
    assert not python_parses("def f(:\n  pass")


def test_verification_info_forms():
    info = {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "1", "output": "2"}]}
    for value in (info, json.dumps(info)):
        suite = load_tests(value)
        assert [(c.kind, c.stdin, c.expected_stdout) for c in suite.cases] == [("stdio", "1", "2")]
    apps = load_tests({"inputs": ["1\n", "2\n"], "outputs": ["2\n", "4\n"]})
    assert [c.expected_stdout for c in apps.cases] == ["2\n", "4\n"]
    assert load_tests({"language": "C++", "test_cases": info["test_cases"]}).language == "cpp"
    assert len(load_tests(json.dumps({"test_cases": info["test_cases"] * 5}), max_tests=2).cases) == 2


@pytest.mark.parametrize(
    "value, reason",
    [
        (None, "empty"),
        ("{bad json", "not valid JSON"),
        (json.dumps({"test_cases": []}), "no test cases"),
        (json.dumps({"language": "cobol", "test_cases": [{}]}), "unsupported language"),
        (json.dumps({"test_cases": [{"type": "stdin_stdout", "input": "1"}]}), "test case 0 has no output"),
        (json.dumps({"inputs": [1], "outputs": [1], "fn_name": "f"}), "inputs must be a list of arguments"),
        (
            json.dumps({"inputs": [[1]], "outputs": [1], "fn_name": "f()"}),
            "fn_name must be a Python identifier",
        ),
        ("assert 1 == 2", "always fails"),
        ("assert f(1 ==", "do not parse"),
        ("x = 1", "no test cases"),
        (42, "cannot read tests from a int"),
        ("def check(candidate):\n    assert candidate(1) == 1", "entry_point"),
    ],
)
def test_invalid_tests_say_why(value, reason):
    with pytest.raises(InvalidTests, match=reason):
        load_tests(value)


def test_assert_conversion():
    src = "\n".join(
        [
            "import math",
            "assert f(1) == 2",
            "assert [1, 2] == g(3)",
            "assert h() is None",
            "assert ok(1)",
            "assert not ok(0)",
            "assert math.isclose(area(2), 12.566, rel_tol=1e-3)",
            "assert abs(area(1) - 3.1416) < 0.001",
            "assert f(1) == f(1)",  # true for any program that runs: not a test
            "assert f(2) != 3",  # weak
            "assert f(3) == CONST",  # not a constant: weak, its equality observed
        ]
    )
    suite = parse_asserts(src)
    cases = suite.cases
    assert suite.constant_asserts == 1
    got = [(c.kind, c.expr, c.expected, c.check) for c in cases]
    assert got[:7] == [
        ("call", "f(1)", 2, "equal"),
        ("call", "g(3)", [1, 2], "equal"),
        ("call", "h()", None, "equal"),
        ("call", "ok(1)", None, "truthy"),
        ("call", "ok(0)", None, "falsy"),
        ("call", "area(2)", 12.566, "close"),
        ("call", "area(1)", 3.1416, "close"),
    ]
    assert [c.kind for c in cases[7:]] == ["assert"] * 2
    assert cases[7].source == "assert f(2) != 3"
    assert cases[8].source == "__vc_observe_equal(f(3), CONST)"
    assert all(c.setup == "import math" for c in cases)
    # The expected value is never in what the sandbox receives for a call case.
    from verifiers_code.rewards import _wire

    assert "2" not in json.dumps(_wire(cases[0])).replace("f(1)", "")


def test_humaneval_check_unrolled_or_weak():
    simple = "def check(candidate):\n    '''doc'''\n    import math\n    assert candidate(2) == 4\n"
    suite = load_tests(simple, entry_point="double")
    assert [(c.kind, c.expr, c.expected) for c in suite.cases] == [("call", "candidate(2)", 4)]
    assert suite.cases[0].setup.endswith("import math\ncandidate = double")
    assert "4" not in suite.cases[0].setup  # the expected value stays in the parent
    loop = "def check(candidate):\n    for i in range(3):\n        assert candidate(i) == 2 * i\n\ncheck(double)\n"
    suite = load_tests(loop, entry_point="double")
    assert [(c.kind, c.source) for c in suite.cases] == [("assert", "check(double)")]
    assert suite.weak == 1


def test_decode_rebuilds_plain_data_only():
    enc = ["d", [[["s", "k"], ["t", [["i", "1"], ["f", "nan"], ["y", "AAE="], ["S", [["b", True]]]]]]]]
    value = decode_value(enc)
    assert value["k"][0] == 1 and value["k"][2] == b"\x00\x01" and value["k"][3] == {True}
    for bad in (["x", 1], ["i", "1e5"], "i", ["l", "notalist"], ["d", [[["s", "a"]]]], ["i", 5]):
        with pytest.raises(BadValue):
            decode_value(bad)
    deep = ["N"]
    for _ in range(200):
        deep = ["l", [deep]]
    with pytest.raises(BadValue):
        decode_value(deep)


def test_values_match_by_exact_type():
    assert values_match([1, (2, "a")], [1, (2, "a")])
    assert not values_match(True, 1)
    assert values_match(1.0, 1)  # an int-valued float equals an int, as Python's == says
    assert not values_match(1.5, 1)
    assert values_match(1, 1.0)  # a float expected accepts an int result
    assert values_match(0.1 + 0.2, 0.3)
    assert not values_match(float("nan"), 0.3)
    assert not values_match([1, 2], (1, 2))
    assert not values_match({1}, {True})
    assert values_match({"a": [1.0000000001]}, {"a": [1.0]})
    assert not values_match({"a": 1}, {"a": 1, "b": 2})


def test_case_verdicts():
    stdio = TestCase("stdio", expected_stdout="42\n")
    assert case_passed(stdio, {"status": "ok", "stdout": "NDIK"})
    assert not case_passed(stdio, {"status": "timeout", "stdout": "NDIK"})
    assert not case_passed(stdio, {"status": "ok", "stdout": "!!notbase64"})
    call = TestCase("call", expr="f()", expected=3)
    assert case_passed(call, {"status": "ok", "record": '{"value":["i","3"]}'})
    for record in ('{"value":["i","3"]}{"value":["i","3"]}', "[]", '{"passed":true}', "", None):
        assert not case_passed(call, {"status": "ok", "record": record})
    weak = TestCase("assert", source="assert f()")
    assert case_passed(weak, {"status": "ok", "record": '{"passed":true}'})
    assert not case_passed(weak, {"status": "ok", "record": '{"passed":1}'})


def test_stdout_matches():
    assert stdout_matches(b"1\r\n2  \n\n\n", "1\n2")
    assert not stdout_matches(b"1\n", "1\n2")
    assert not stdout_matches(b"\xff", "\xff")
    assert stdout_matches(b"x 0.50000001", "x 0.5", 1e-6)
    assert not stdout_matches(b"x  0.5", "x 0.5", 1e-6)
    assert stdout_matches(b"nan", "nan ", 1e-6)  # equal text; no number comparison needed
    assert not stdout_matches(b"inf", "1e400", 1e-6)  # infinities never count as close
