"""The examples in the package's docstrings run and stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "verifiers_code",
    "verifiers_code.plugin",
    "verifiers_code.extract",
    "verifiers_code.testcases",
    "verifiers_code.cases",
    "verifiers_code.asserts",
    "verifiers_code.constfold",
    "verifiers_code.layouts",
    "verifiers_code.compare",
    "verifiers_code.rewards",
    "verifiers_code.sandbox.layers",
    "verifiers_code.sandbox.pool",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_listing_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, verifiers_core\n"
        "verifiers_core.list_rewards()\n"
        "heavy = [m for m in ('verifiers_code.rewards', 'verifiers_code.sandbox.pool', 'pyseccomp')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    env_code = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert env_code.stdout.strip() == "[]", env_code.stderr
