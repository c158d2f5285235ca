"""Where a batch keeps its tests: the known dataset layouts, found from the columns present.

With ``tests_column="auto"`` (the default) the ``code`` rewards look for exactly one of:

- ``verification_info`` (open-r1, with ``test_cases`` or ``inputs``/``outputs``);
- ``input_output`` (APPS, TACO: stdin/stdout, or call-based with ``fn_name``);
- ``test_list`` (MBPP), with its setup in ``test_imports`` (sanitized) or ``test_setup_code``;
- ``test`` (HumanEval's ``check(candidate)`` with ``entry_point``, or a string of asserts).

Several of them, or none, is an error that names the parameter to set and the columns present.

>>> find_layout({"prompt": 1, "test_list": 1, "test_imports": 1}).setup_columns
('test_imports', 'test_setup_code')
>>> find_layout({"verification_info": 1}).tests_column
'verification_info'
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from verifiers_core import MissingColumnError, RewardParamError

AUTO = "auto"


@dataclass(frozen=True)
class Layout:
    """A dataset layout: the column with the tests, and the columns read with it."""

    name: str
    tests_column: str
    entry_point_column: str | None = None
    setup_columns: tuple[str, ...] = ()


#: The layouts found without a parameter, in the order the error messages list them.
KNOWN_LAYOUTS: tuple[Layout, ...] = (
    Layout("open-r1 verification_info", "verification_info"),
    Layout("APPS/TACO input_output", "input_output"),
    Layout("MBPP test_list", "test_list", setup_columns=("test_imports", "test_setup_code")),
    Layout("HumanEval test + entry_point", "test", entry_point_column="entry_point"),
)


def describe_known() -> str:
    """The known layouts, for messages.

    >>> describe_known().split("; ")[0]
    'verification_info (open-r1 verification_info)'
    """
    return "; ".join(f"{layout.tests_column} ({layout.name})" for layout in KNOWN_LAYOUTS)


def find_layout(columns: Collection[str], reward: str = "code") -> Layout:
    """The one known layout whose tests column is present; an error naming ``tests_column`` and
    the columns present when there are several or none.

    >>> find_layout({"test": 1, "test_list": 1})
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardParamError: reward 'code': this batch has the tests of several known layouts (test_list, test); set tests_column= to the one to use (columns present: test, test_list)
    """
    present = ", ".join(sorted(columns)) or "none"
    found = [layout for layout in KNOWN_LAYOUTS if layout.tests_column in columns]
    if len(found) == 1:
        return found[0]
    if not found:
        raise MissingColumnError(
            f"reward {reward!r} found no tests in this batch: none of the known layouts "
            f"({describe_known()}) is present (columns present: {present}); set tests_column= "
            f"to the column holding the tests"
        )
    names = ", ".join(layout.tests_column for layout in found)
    raise RewardParamError(
        f"reward {reward!r}: this batch has the tests of several known layouts ({names}); set "
        f"tests_column= to the one to use (columns present: {present})"
    )


def explicit_layout(tests_column: str, entry_point_column: str, setup_column: str) -> Layout:
    """The layout a user chose with parameters (``setup_column="auto"`` keeps the usual ones).

    >>> explicit_layout("tests", "fn", AUTO).setup_columns
    ('test_setup_code', 'test_imports')
    """
    setup = ("test_setup_code", "test_imports") if setup_column == AUTO else (setup_column,)
    return Layout(f"column {tests_column!r}", tests_column, entry_point_column, setup)
