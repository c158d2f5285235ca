"""The rewards ``code``, ``code_binary`` and ``code_format``.

>>> from verifiers_code.rewards import CodeReward
>>> reward = CodeReward(workers=1)
>>> reward(prompts=["p"], completions=["```python\\nprint(int(input())*2)\\n```"],
...        verification_info=['{"test_cases": [{"type": "stdin_stdout", "input": "2", "output": "4"}]}'])
[1.0]
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

from verifiers_core import Batch, Reward

from .compare import case_passed
from .config import CodeConfig, CodeFormatConfig, SandboxConfig
from .extract import LANGUAGE_TAGS, extract_program, fenced_blocks, normalize_language, python_parses
from .layouts import AUTO, Layout, explicit_layout, find_layout
from .sandbox.pool import Limits, SandboxPool, shared_pool
from .testcases import InvalidTests, TestCase, TestSuite, load_tests

logger = logging.getLogger("verifiers_code")

#: Sandbox statuses and the counter each one feeds (reported as ``<reward>/<counter>``).
STATUS_COUNTERS = {
    "timeout": "timeouts",
    "memory": "memory_errors",
    "runtime_error": "runtime_errors",
    "output_limit": "output_limits",
    "skipped": "skipped_tests",
}


class _SandboxUser(Reward):
    """Holds the sandbox settings and builds the shared pool lazily (so the reward pickles)."""

    config_class: type[SandboxConfig] = SandboxConfig

    def __init__(self, config: SandboxConfig | None = None, /, **params: Any) -> None:
        self.config = config = self.config_class.resolve(self.__name__, config, params)
        self.think_opened = config.think_opened
        self.limits = Limits(
            timeout=config.timeout,
            memory_mb=config.memory_mb,
            processes=config.max_processes,
            output_bytes=config.max_output_bytes,
            file_size_mb=config.max_file_mb,
            compile_timeout=config.compile_timeout,
        )
        self.workers = config.workers or None
        self.isolation = config.isolation
        self.require_namespaces = config.require_namespaces
        self._pool: SandboxPool | None = None

    @property
    def pool(self) -> SandboxPool:
        """The (shared, per-process) pool of warm sandboxes; started on first use."""
        if self._pool is None or not self._pool.owned:  # a forked child builds its own
            self._pool = shared_pool(self.workers, self.limits, self.isolation, self.require_namespaces)
        return self._pool

    @property
    def isolation_layer(self) -> str:
        """The layer in use: ``bwrap``, ``unshare`` or ``none``."""
        return self.pool.layer

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_pool"] = None  # processes do not pickle; the copy starts its own on first use
        return state


class CodeReward(_SandboxUser):
    """The fraction of a row's tests that the program of the completion passes.

    The program is the last fenced block of the final answer; a completion without one scores 0,
    a row whose tests cannot be read scores ``None``. Tests run in the sandbox, the verdict is
    made here (see :mod:`verifiers_code.compare`). With ``tests_column="auto"`` the tests are found
    from the batch's columns (:mod:`verifiers_code.layouts`).
    """

    reported_counts = (
        "errors",
        "timeouts",
        "memory_errors",
        "runtime_errors",
        "output_limits",
        "compile_errors",
        "weak_asserts",
        "sandbox_errors",
        "sandbox_restarts",
        "invalid_tests",
    )
    binary = False

    __name__ = "code"
    config_class = CodeConfig
    config: CodeConfig

    def __init__(self, config: CodeConfig | None = None, /, **params: Any) -> None:
        super().__init__(config, **params)
        config = self.config
        self.tests_column = config.tests_column
        self.entry_point_column = config.entry_point_column
        self.setup_column = config.setup_column
        self.language = config.language
        self.max_tests = config.max_tests or None
        self.max_timeouts = config.max_timeouts
        self.float_tolerance = config.float_tolerance
        self.required_columns = () if self.tests_column == AUTO else (self.tests_column,)

    @property
    def gold_column(self) -> str:
        """Where a trainer's single ground-truth value goes (veRL's ``ground_truth``, OpenRLHF's
        label): the tests column, or ``verification_info`` (open-r1's layout) with ``auto``.

        >>> CodeReward().gold_column, CodeReward(tests_column="test_list").gold_column
        ('verification_info', 'test_list')
        """
        return "verification_info" if self.tests_column == AUTO else self.tests_column

    def layout(self, columns: Mapping[str, Any] | Any) -> Layout:
        """Where this batch keeps its tests: the parameters' choice, or the one known layout
        present (an error naming ``tests_column`` when there are several or none).

        >>> CodeReward().layout({"test_list": [], "test_imports": []}).tests_column
        'test_list'
        >>> CodeReward(tests_column="asserts").layout({"test_list": []}).tests_column
        'asserts'
        """
        if self.tests_column != AUTO:
            return explicit_layout(self.tests_column, self.entry_point_column, self.setup_column)
        found = find_layout(columns, self.__name__)
        if self.setup_column != AUTO:
            found = Layout(found.name, found.tests_column, found.entry_point_column, (self.setup_column,))
        return found

    def _check_columns(self, columns: dict[str, Any], n: int) -> None:
        super()._check_columns(columns, n)
        self.layout(columns)  # a missing or ambiguous layout is an error before anything runs

    def score(self, batch: Batch) -> list[float | None]:
        layout = self.layout(batch.columns)
        out: list[float | None] = [self.low] * len(batch)
        jobs: list[dict[str, Any]] = []
        owners: list[tuple[int, TestSuite]] = []
        parsed: dict[Any, TestSuite | InvalidTests] = {}  # GRPO: a group's completions share tests
        for i in range(len(batch)):
            suite = self._suite(batch, i, layout, parsed)
            if suite is None:
                out[i] = None
                continue
            program = extract_program(batch.answer(i) or "", suite.language)
            if program is None:
                continue
            if suite.language == "cpp" and any(c.kind != "stdio" for c in suite.cases):
                batch.count("invalid_tests", row=i)
                out[i] = None
                continue
            if suite.weak:
                batch.count("weak_asserts", suite.weak, row=i)
            if suite.constant_asserts:
                batch.count("constant_asserts", suite.constant_asserts, row=i)
            jobs.append(self._job(program, suite))
            owners.append((i, suite))
        if not jobs:
            return out
        answers = self.pool.run(jobs)
        for (i, suite), answer in zip(owners, answers):
            out[i] = self._grade(suite, answer, batch, i)
        return out

    def _suite(
        self, batch: Batch, i: int, layout: Layout, parsed: dict[Any, TestSuite | InvalidTests]
    ) -> TestSuite | None:
        def cell(name: str | None) -> Any:
            column = batch.columns.get(name) if name else None
            return column[i] if column is not None else None

        value = cell(layout.tests_column)
        entry = cell(layout.entry_point_column)
        setups = [cell(name) for name in layout.setup_columns]
        setup = next((s for s in setups if s), None)
        cells = (value, entry, setup)
        key = (
            tuple(tuple(c) if isinstance(c, list) else c for c in cells)
            if all(map(_hashable_text, cells))
            else None
        )
        found = parsed.get(key) if key is not None else None
        if found is None:
            try:
                found = load_tests(
                    value,
                    entry_point=entry,
                    setup=setup,
                    default_language=self.language,
                    max_tests=self.max_tests,
                )
            except InvalidTests as exc:
                found = exc
            if key is not None:
                parsed[key] = found
        if isinstance(found, InvalidTests):
            batch.count("invalid_tests", row=i)
            _warn_once(
                f"reward {self.__name__!r}: row {i}: column {layout.tests_column!r}: {found} (scored None)"
            )
            return None
        return found

    def _job(self, program: str, suite: TestSuite) -> dict[str, Any]:
        return {
            "lang": suite.language,
            "code": program,
            "tests": [_wire(case) for case in suite.cases],
            "max_timeouts": self.max_timeouts,
        }

    def _grade(self, suite: TestSuite, answer: dict[str, Any], batch: Batch, i: int) -> float:
        restarts = answer.get("restarts")
        if type(restarts) is int and restarts > 0:
            batch.count("sandbox_restarts", restarts, row=i)
        if "error" in answer:
            batch.count("sandbox_errors", row=i)
            logger.warning(
                "reward %r: the sandbox failed on a completion: %s", self.__name__, answer["error"]
            )
            return self.low
        build = answer.get("compile")
        if isinstance(build, dict) and not build.get("ok"):
            batch.count("compile_errors", row=i)
            if build.get("status") == "timeout":
                batch.count("timeouts", row=i)
            return self.low
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(suite.cases):
            batch.count("sandbox_errors", row=i)
            return self.low
        passed = 0
        for case, result in zip(suite.cases, results):
            status = result.get("status") if isinstance(result, dict) else None
            if status in STATUS_COUNTERS:
                batch.count(STATUS_COUNTERS[status], row=i)
            if case_passed(case, result, self.float_tolerance):
                passed += 1
        fraction = passed / len(suite.cases)
        if self.binary:
            return 1.0 if passed == len(suite.cases) else 0.0
        return fraction


def _hashable_text(value: Any) -> bool:
    """Whether a cell can key the per-call cache of parsed tests (text, a list of text, None)."""
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


class CodeBinaryReward(CodeReward):
    """1.0 only when the program passes every test of the row."""

    __name__ = "code_binary"
    binary = True


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    """Warn about a kind of problem once per process (a bad dataset would otherwise flood the log)."""
    key = message.split(": ", 2)[-1][:80]
    if key in _warned:
        logger.debug(message)
        return
    _warned.add(key)
    logger.warning(message + " [further rows like this are logged at debug level]")


def _wire(case: TestCase) -> dict[str, Any]:
    """The part of a test the sandbox may see: never the expected output or value (nor whether
    an ``assert E`` is negated: ``truth`` only allows a builtin type's truth to be sent)."""
    if case.kind == "stdio":
        return {
            "kind": "stdio",
            "stdin": base64.b64encode(case.stdin.encode("utf-8", "surrogatepass")).decode(),
        }
    if case.kind == "call":
        wire = {"kind": "call", "expr": case.expr, "setup": case.setup}
        if case.check in ("truthy", "falsy"):
            wire["truth"] = True
        return wire
    if case.kind == "invoke":
        return {"kind": "invoke", "fn": case.fn, "args": case.args, "prelude": case.prelude}
    return {"kind": "assert", "source": case.source, "setup": case.setup}


class CodeFormatReward(_SandboxUser):
    """1.0 when the final answer holds a closed fenced block in the expected language that parses.

    The language is the row's (``verification_info.language``) when the tests column is present,
    else the ``language`` parameter. Python is parsed with :mod:`ast` (never run); C++ is checked
    with ``g++ -fsyntax-only`` inside the sandbox.
    """

    reported_counts = ("errors", "sandbox_errors", "sandbox_restarts")

    __name__ = "code_format"
    config_class = CodeFormatConfig
    config: CodeFormatConfig

    def __init__(self, config: CodeFormatConfig | None = None, /, **params: Any) -> None:
        super().__init__(config, **params)
        self.language = self.config.language
        self.tests_column = self.config.tests_column
        self.require_tag = self.config.require_tag
        self.required_columns = ()

    def _row_language(self, batch: Batch, i: int) -> str:
        column = batch.columns.get(self.tests_column)
        value = column[i] if column is not None else None
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if isinstance(value, Mapping):
            lang = normalize_language(value.get("language"))
            if lang:
                return lang
        return self.language

    def _block(self, answer: str | None, language: str) -> str | None:
        if answer is None:
            return None
        for block in reversed(fenced_blocks(answer)):
            if block.tag in LANGUAGE_TAGS[language] or (not self.require_tag and block.tag == ""):
                return block.code if block.code.strip() else None
        return None

    def score(self, batch: Batch) -> list[float | None]:
        out: list[float | None] = [self.low] * len(batch)
        cpp_jobs: list[dict[str, Any]] = []
        cpp_rows: list[int] = []
        for i in range(len(batch)):
            language = self._row_language(batch, i)
            code = self._block(batch.answer(i), language)
            if code is None:
                continue
            if language == "python":
                out[i] = 1.0 if python_parses(code) else 0.0
            else:
                cpp_jobs.append({"lang": "cpp", "code": code, "tests": [], "syntax_only": True})
                cpp_rows.append(i)
        if cpp_jobs:
            for i, answer in zip(cpp_rows, self.pool.run(cpp_jobs)):
                restarts = answer.get("restarts")
                if type(restarts) is int and restarts > 0:
                    batch.count("sandbox_restarts", restarts, row=i)
                if "error" in answer:
                    batch.count("sandbox_errors", row=i)
                    continue
                out[i] = 1.0 if answer.get("compile", {}).get("ok") else 0.0
        return out
