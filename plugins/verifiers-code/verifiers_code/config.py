"""The parameters of ``code``, ``code_binary`` and ``code_format``, declared once.

Light on purpose (the plugin module imports it to register): the core and the layout names only.

>>> CodeConfig().timeout, CodeConfig(max_tests=3).max_tests
(2.0, 3)
>>> [p.name for p in CodeFormatConfig.params()][:3]
['language', 'tests_column', 'require_tag']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from verifiers_core import THINK_OPENED, RewardConfig, option, option_from

from .layouts import AUTO

#: Tolerance for floats in values and stdout (relative or absolute, see :mod:`verifiers_code.compare`).
DEFAULT_TOLERANCE = 1e-6

Language = Literal["python", "cpp"]


@dataclass(frozen=True)
class SandboxConfig(RewardConfig):
    """Where the answer is read, and the sandbox's limits: what every code reward takes."""

    think_opened: str = option_from(THINK_OPENED)
    timeout: float = option(2.0, "wall-clock seconds per test", min=0.05, max=600)
    memory_mb: int = option(512, "address-space cap per test (MiB)", min=32)
    max_processes: int = option(16, "processes and threads per test", min=1, max=4096)
    max_output_bytes: int = option(1 << 20, "stdout/stderr cap per test (bytes)", min=1024)
    max_file_mb: int = option(8, "largest file a test may write (MiB)", min=0)
    compile_timeout: float = option(20.0, "C++ compile timeout (seconds)", min=1)
    workers: int = option(0, "warm sandboxes (0: one per core)", min=0, max=512)
    isolation: Literal["auto", "bwrap", "unshare", "none"] = option(
        "auto", "layer: auto (strongest available), bwrap, unshare or none"
    )
    require_namespaces: bool = option(
        True, "refuse to run without namespaces (false allows rlimits+seccomp only)"
    )


@dataclass(frozen=True)
class TestsConfig(RewardConfig):
    """Where a row's tests are and how many of them run."""

    __test__ = False  # not a pytest class, whatever its name

    tests_column: str = option(
        AUTO,
        "column with the tests (auto: the one known layout present: verification_info, input_output, "
        "test_list, test)",
    )
    entry_point_column: str = option("entry_point", "column naming the function (HumanEval)")
    setup_column: str = option(
        AUTO,
        "column with setup code run before asserts, a string or a list of lines (auto: test_imports or "
        "test_setup_code)",
    )
    language: Language = option("python", "language when the tests do not say")
    max_tests: int = option(0, "use at most this many tests per row (0: all)", min=0)
    max_timeouts: int = option(1, "after this many timeouts the rest fail unrun (0: run all)", min=0)
    float_tolerance: float = option(DEFAULT_TOLERANCE, "tolerance for floats in values and stdout", min=0)


@dataclass(frozen=True)
class CodeConfig(SandboxConfig, TestsConfig):
    """``code`` and ``code_binary``: the tests, then the sandbox."""


@dataclass(frozen=True)
class BlockConfig(RewardConfig):
    """Which fenced block ``code_format`` checks."""

    language: Language = option("python", "language when the row does not say")
    tests_column: str = option("verification_info", "column whose 'language' is used")
    require_tag: bool = option(True, "the block must be tagged with the language")


@dataclass(frozen=True)
class CodeFormatConfig(SandboxConfig, BlockConfig):
    """``code_format``: the block, then the sandbox (which compiles C++ to check it)."""


__all__ = [
    "DEFAULT_TOLERANCE",
    "BlockConfig",
    "CodeConfig",
    "CodeFormatConfig",
    "SandboxConfig",
    "TestsConfig",
]
