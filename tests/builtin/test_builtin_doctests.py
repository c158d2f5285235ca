"""The runnable examples in the docstrings of ``trainer.builtin`` stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["task", "tokenizer", "model", "sft", "data", "build", "defaults"]


@pytest.mark.parametrize("name", MODULES)
def test_builtin_doctests(name):
    module = importlib.import_module(f"trainer.builtin.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
