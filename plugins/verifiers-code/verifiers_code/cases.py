"""The test cases the code rewards run: what the sandbox receives and what the parent compares.

>>> case = TestCase(kind="call", expr="f(1)", expected=2)
>>> case.kind, case.check, case.weak
('call', 'equal', False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class InvalidTests(ValueError):
    """A row's tests cannot be used (malformed JSON, no test cases, unparseable asserts, ...)."""


@dataclass(frozen=True)
class TestCase:
    """One test. ``kind`` is:

    - ``"stdio"``: run the program with ``stdin``; its stdout must equal ``expected_stdout``;
    - ``"call"``: evaluate ``expr`` after the program (and ``setup``); the returned plain value is
      compared in the parent with ``expected`` according to ``check`` (``equal``, ``close``,
      ``truthy``, ``falsy``);
    - ``"invoke"``: call-based APPS/TACO: call ``fn`` (a function, or a method of ``Solution()``)
      with the arguments ``args`` (tagged plain data), ``prelude`` run before the program; the
      value is compared in the parent with APPS's rule (``check="apps"``);
    - ``"assert"``: an assert that could not be turned into a call; it runs inside the sandbox
      (``source``) and only its completing counts: the weaker guarantee.

    ``tolerance`` and ``abs_tolerance`` are the relative and absolute tolerances of a ``close``
    check (``math.isclose`` semantics).
    """

    __test__ = False  # not a pytest class

    kind: str
    stdin: str = ""
    expected_stdout: str | None = None
    expr: str | None = None
    expected: Any = None
    check: str = "equal"
    tolerance: float | None = None
    abs_tolerance: float | None = None
    source: str | None = None
    setup: str = ""
    fn: str | None = None
    args: str | None = None
    prelude: str = ""

    @property
    def weak(self) -> bool:
        """Whether this test only has the weaker guarantee (it runs as a raw assert)."""
        return self.kind == "assert"


@dataclass(frozen=True)
class TestSuite:
    """The tests of one row and the language they are for; ``constant_asserts`` counts asserts
    dropped because their outcome does not depend on the program (``assert True, ...``)."""

    __test__ = False

    language: str
    cases: tuple[TestCase, ...]
    constant_asserts: int = 0

    @property
    def weak(self) -> int:
        """How many tests run as raw asserts inside the sandbox."""
        return sum(1 for c in self.cases if c.weak)
