"""What runs in the trainer's process stays light: no sympy, no torch; torch threads are no hazard."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(script: str, timeout: float = 120) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=timeout
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_plugin_module_imports_nothing_heavy():
    out = _run(
        """
        import sys, time
        t = time.perf_counter()
        import verifiers_math.plugin
        elapsed = time.perf_counter() - t
        heavy = [m for m in ("sympy", "math_verify", "torch", "latex2sympy2_extended") if m in sys.modules]
        print(heavy, elapsed < 1.0)
        """
    )
    assert out.split() == ["[]", "True"]


def test_scoring_never_imports_sympy_in_the_caller():
    out = _run(
        """
        import sys, verifiers_core
        r = verifiers_core.get_reward("accuracy", workers=1, timeout=3)
        v = r(prompts=["p"] * 3, completions=["\\\\boxed{\\\\frac{1}{2}}", "x = 2", "\\\\boxed{[0,1)}"],
              solution=["0.5", "2", "[0,1]"])
        print(v, [m for m in ("sympy", "math_verify", "torch") if m in sys.modules])
        """
    )
    assert out.strip() == "[1.0, 1.0, 0.0] []"


def test_works_while_torch_threads_are_busy():
    # The trainer's process has torch (OpenMP) threads running; starting grading processes must
    # neither deadlock nor copy them (the zygote is a fresh interpreter).
    out = _run(
        """
        import threading, torch, verifiers_core
        torch.set_num_threads(2)
        stop = False
        def spin():
            a = torch.randn(256, 256)
            while not stop:
                a = torch.tanh(a @ a)
        t = threading.Thread(target=spin, daemon=True); t.start()
        r = verifiers_core.get_reward("accuracy", workers=1, timeout=3)
        print(r(prompts=["p"] * 2, completions=["\\\\boxed{\\\\sqrt{8}}", "\\\\boxed{3}"], solution=["2\\\\sqrt2", "4"]))
        stop = True
        t.join()
        """
    )
    assert out.strip() == "[1.0, 0.0]"
