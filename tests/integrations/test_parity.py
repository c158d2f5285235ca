"""The same rows through every adapter and through ``python -m verifiers_core score``: the same
per-reward values. Also: adapters import nothing heavy, the CLI prints each framework's lines."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import types

import pytest

from verifiers_core.integrations import areal, openrlhf, slime, verl

from .support import ENV, SAMPLES, jsonl_rows, values_only


def cli_values(tmp_path) -> list[dict[str, float]]:
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in jsonl_rows()))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "verifiers_core",
            "score",
            "--rewards",
            ENV["VERIFIERS_CORE_REWARDS"],
            "--reward-weights",
            ENV["VERIFIERS_CORE_REWARD_WEIGHTS"],
            *[a for pair in ENV["VERIFIERS_CORE_REWARD_ARGS"].split() for a in ("--reward-arg", pair)],
            "--input",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    # `score` leaves None where a reward cannot score a row; adapters give that row the reward's low
    return [
        {k: (0.0 if v is None else v) for k, v in json.loads(line)["rewards"].items()}
        for line in out.stdout.splitlines()
    ]


def test_every_adapter_gives_the_score_command_values(reward_env, tmp_path):
    want = cli_values(tmp_path)
    assert len(want) == len(SAMPLES)
    assert [w["code"] for w in want[4:]] == [1.0, 0.5, 0.0] and [w["accuracy"] for w in want[:4]] == [
        1.0,
        0.0,
        1.0,
        0.0,
    ]

    golds = [g for _, _, g, _ in SAMPLES]
    extras = [e for _, _, _, e in SAMPLES]
    completions = [c for _, c, _, _ in SAMPLES]
    questions = [q for q, _, _, _ in SAMPLES]

    got = {"verl": [values_only(d) for d in verl.compute_score_batch(["x"] * 7, completions, golds, extras)]}
    got["verl-single"] = [
        values_only(verl.compute_score("x", c, g, e)) for c, g, e in zip(completions, golds, extras)
    ]

    async def verl_async():
        return await asyncio.gather(
            *(verl.compute_score_async("x", c, g, e) for c, g, e in zip(completions, golds, extras))
        )

    got["verl-async"] = [values_only(d) for d in asyncio.run(verl_async())]
    out = openrlhf.reward_func([q + c for q, c in zip(questions, completions)], questions, golds)
    got["openrlhf"] = [
        {k: out["extra_logs"][k][i].item() for k in ("accuracy", "format", "code")} for i in range(7)
    ]
    samples = [types.SimpleNamespace(prompt=q, response=c, label=g, metadata=e) for q, c, g, e in SAMPLES]
    got["slime"] = [values_only(d) for d in asyncio.run(slime.custom_rm_dict(None, samples))]
    totals = [
        areal.reward_fn(q, c, None, None, solution=g, verification_info=g, **e) for q, c, g, e in SAMPLES
    ]
    for name, values in got.items():
        assert values == want, name  # 0, 0.5 and 1: exact
    weights = [float(w) for w in ENV["VERIFIERS_CORE_REWARD_WEIGHTS"].split(",")]
    assert totals == pytest.approx([sum(w * v for w, v in zip(weights, row.values())) for row in want])


def test_adapters_import_nothing_heavy():
    code = (
        "import sys\n"
        "import verifiers_core.integrations.verl, verifiers_core.integrations.openrlhf\n"
        "import verifiers_core.integrations.slime, verifiers_core.integrations.areal\n"
        "import verifiers_core.integrations.prime, verifiers_core.commands.integrations\n"
        "heavy = [m for m in ('torch', 'ray', 'verl', 'openrlhf', 'verifiers', 'sympy', 'numpy', 'verifiers_math') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["verl", "openrlhf", "slime", "areal", "prime"])
def test_integrations_command_prints_each_framework(name):
    out = subprocess.run(
        [sys.executable, "-m", "verifiers_core", "integrations", name],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert f"== {name} ==" in out and "VERIFIERS_CORE_REWARDS" in out
    needles = {
        "verl": "reward.custom_reward_function.path=pkg://verifiers_core.integrations.verl",
        "openrlhf": str(openrlhf.__file__),
        "slime": "--custom-rm-path verifiers_core.integrations.slime.custom_rm",
        "areal": "verifiers_core.integrations.areal.reward_fn",
        "prime": "vf-install verifiers-core-env -p environments",
    }
    assert needles[name] in out
