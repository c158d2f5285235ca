"""The ``code`` plugin: registers ``code``, ``code_binary`` and ``code_format``.

Light on purpose: the factories are ``"module:attribute"`` strings, so listing rewards imports
neither the sandbox nor anything else.

>>> import verifiers_core
>>> registry = verifiers_core.Registry(load_entry_points=False)
>>> _ = registry.register_plugin(__import__("verifiers_code.plugin").plugin, name="code")
>>> sorted(e.name for e in registry.entries())
['code', 'code_binary', 'code_format']
"""

from __future__ import annotations

import verifiers_core
from verifiers_core import THINK_OPENED, Param

_LAYERS = ["auto", "bwrap", "unshare", "none"]
_LANGUAGES = ["python", "cpp"]


def _sandbox_params() -> list[Param]:
    return [
        THINK_OPENED,
        Param("timeout", float, 2.0, "wall-clock seconds per test", min=0.05, max=600),
        Param("memory_mb", int, 512, "address-space cap per test (MiB)", min=32),
        Param("max_processes", int, 16, "processes and threads per test", min=1, max=4096),
        Param("max_output_bytes", int, 1 << 20, "stdout/stderr cap per test (bytes)", min=1024),
        Param("max_file_mb", int, 8, "largest file a test may write (MiB)", min=0),
        Param("compile_timeout", float, 20.0, "C++ compile timeout (seconds)", min=1),
        Param("workers", int, 0, "warm sandboxes (0: one per core)", min=0, max=512),
        Param(
            "isolation",
            str,
            "auto",
            "layer: auto (strongest available), bwrap, unshare or none",
            choices=_LAYERS,
        ),
        Param(
            "require_namespaces",
            bool,
            True,
            "refuse to run without namespaces (false allows rlimits+seccomp only)",
        ),
    ]


def _test_params() -> list[Param]:
    return [
        Param(
            "tests_column",
            str,
            "auto",
            "column with the tests (auto: the one known layout present: verification_info, "
            "input_output, test_list, test)",
        ),
        Param("entry_point_column", str, "entry_point", "column naming the function (HumanEval)"),
        Param(
            "setup_column",
            str,
            "auto",
            "column with setup code run before asserts, a string or a list of lines "
            "(auto: test_imports or test_setup_code)",
        ),
        Param("language", str, "python", "language when the tests do not say", choices=_LANGUAGES),
        Param("max_tests", int, 0, "use at most this many tests per row (0: all)", min=0),
        Param("max_timeouts", int, 1, "after this many timeouts the rest fail unrun (0: run all)", min=0),
        Param("float_tolerance", float, 1e-6, "tolerance for floats in values and stdout", min=0),
    ]


@verifiers_core.hookimpl
def register_rewards(register) -> None:  # type: ignore[no-untyped-def]
    """Register the three code rewards."""
    register(
        "code",
        "verifiers_code.rewards:make_code",
        description="fraction of the row's tests the completion's program passes (sandboxed)",
        params=_test_params() + _sandbox_params(),
    )
    register(
        "code_binary",
        "verifiers_code.rewards:make_code_binary",
        description="1.0 only if the completion's program passes every test (sandboxed)",
        params=_test_params() + _sandbox_params(),
    )
    register(
        "code_format",
        "verifiers_code.rewards:make_code_format",
        description="1.0 if the final answer has a fenced block in the expected language that parses",
        params=[
            Param("language", str, "python", "language when the row does not say", choices=_LANGUAGES),
            Param("tests_column", str, "verification_info", "column whose 'language' is used"),
            Param("require_tag", bool, True, "the block must be tagged with the language"),
            *_sandbox_params(),
        ],
    )
