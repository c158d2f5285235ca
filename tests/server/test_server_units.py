"""The server's parts without a server: the batching queue on a fake scorer pool, the OpenRLHF
response rule, and the command line's refusals."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from concurrent.futures import Future

import pytest
from pebble import ProcessExpired

from verifiers_core.integrations.common import response_from_query
from verifiers_core.server.batching import Fallback, QueueFull, ScoringQueue
from verifiers_core.suite import RewardOutcome, RowScore, SuiteResult


class FakeScorers:
    """Scores a row as its ``value`` column; ``die_on`` kills the 'scorer' for batches holding it."""

    batch_timeout = 5.0

    def __init__(self, die_on: str | None = None, overrun: bool = False) -> None:
        self.batches: list[list[dict]] = []
        self.die_on, self.overrun = die_on, overrun

    def score(self, rows):
        self.batches.append(list(rows))
        future: Future = Future()
        if self.overrun:
            future.set_exception(TimeoutError())
        elif self.die_on is not None and any(row.get("name") == self.die_on for row in rows):
            future.set_exception(ProcessExpired("killed", code=-9))
        else:
            values = [float(row["value"]) for row in rows]
            outcome = RewardOutcome("r", values, Counter(errors=1))  # a counter no row claims
            result = SuiteResult([RowScore(v, {"r": v}) for v in values], [outcome])
            future.set_result((result, 1234, 0))
        return future


FALLBACK = Fallback(["r"], [1.0], [0.0])


def make_queue(scorers, **kw) -> ScoringQueue:
    options = dict(max_queue_rows=100, max_batch_rows=10, concurrency=1)
    options.update(kw)
    return ScoringQueue(scorers, FALLBACK, **options)


def rows(*values, **extra) -> list[dict]:
    return [{"completion": "x", "value": v, **extra} for v in values]


def test_waiting_requests_merge_and_each_gets_its_own_rows():
    async def main():
        scorers = FakeScorers()
        queue = make_queue(scorers)
        tickets = [queue.submit(rows(i, i + 0.5)) for i in range(4)]  # queued before the dispatcher runs
        queue.start()
        answers = await asyncio.gather(*(t.future for t in tickets))
        await queue.stop()
        return scorers, answers

    scorers, answers = asyncio.run(main())
    assert len(scorers.batches) == 1 and len(scorers.batches[0]) == 8
    assert [[r.total for r in a.rows] for a in answers] == [[i, i + 0.5] for i in range(4)]
    assert all(a.unattributed == Counter() for a in answers)  # shared batch: not split between requests


def test_a_request_alone_gets_the_unattributed_counters():
    async def main():
        queue = make_queue(FakeScorers())
        queue.start()
        answer = await queue.submit(rows(1)).future
        await queue.stop()
        return answer

    assert asyncio.run(main()).unattributed == Counter({"r/errors": 1})


def test_batches_respect_the_row_cap_and_token_id_kinds():
    async def main():
        scorers = FakeScorers()
        queue = make_queue(scorers, max_batch_rows=4)
        with_ids = [{"completion": "x", "value": 1, "completion_ids": [1, 2]}]
        tickets = [
            queue.submit(rows(1, 2, 3)),
            queue.submit(with_ids),
            queue.submit(rows(4)),
            queue.submit(rows(5, 6)),
        ]
        queue.start()
        await asyncio.gather(*(t.future for t in tickets))
        await queue.stop()
        return scorers.batches

    batches = asyncio.run(main())
    assert [[r["value"] for r in b] for b in batches] == [[1, 2, 3, 4], [1], [5, 6]]


def test_full_queue_and_cancelled_requests():
    async def main():
        queue = make_queue(FakeScorers(), max_queue_rows=3)
        first = queue.submit(rows(1, 2))
        with pytest.raises(QueueFull) as full:
            queue.submit(rows(3, 4))
        assert full.value.retry_after >= 1
        assert queue.cancel(first) and first.future.cancelled()
        assert queue.queued_rows == 0 and queue.cancelled_rows == 2
        second = queue.submit(rows(3, 4))  # room again
        queue.start()
        answer = await second.future
        await queue.stop()
        return answer

    assert [r.total for r in asyncio.run(main()).rows] == [3, 4]


def test_a_dead_scorer_costs_only_the_poisonous_request():
    async def main():
        scorers = FakeScorers(die_on="poison")
        restarts: list[str] = []
        queue = ScoringQueue(
            scorers,
            FALLBACK,
            max_queue_rows=100,
            max_batch_rows=10,
            concurrency=1,
            on_restarts=lambda kind, n: restarts.append(kind),
        )
        good = queue.submit(rows(1, 2))
        bad = queue.submit([{"completion": "x", "value": 9, "name": "poison"}])
        queue.start()
        answers = await asyncio.gather(good.future, bad.future)
        await queue.stop()
        return scorers, answers, restarts

    scorers, (good, bad), restarts = asyncio.run(main())
    assert len(scorers.batches) == 3  # merged, then each request alone
    assert [r.total for r in good.rows] == [1, 2] and good.rows[0].counts == {}
    assert bad.rows[0].rewards == {"r": 0.0} and bad.rows[0].counts == {"r/errors": 1.0}
    assert restarts == ["scorer", "scorer"]


def test_a_batch_over_its_deadline_gets_timeout_values():
    async def main():
        queue = make_queue(FakeScorers(overrun=True))
        queue.start()
        answer = await queue.submit(rows(1, 2)).future
        await queue.stop()
        return answer

    answer = asyncio.run(main())
    assert [r.total for r in answer.rows] == [0.0, 0.0]
    assert answer.rows[1].counts == {"r/timeouts": 1.0}


@pytest.mark.parametrize(
    ("query", "prompt", "expected"),
    [
        ("P: q\nA: 4<|im_end|>", "P: q\nA:", (" 4", True)),
        ("P: q\nA: 4", None, ("P: q\nA: 4", True)),
        (
            "nstruction. P: q\nA: 4<|endoftext|>",
            "A long instruction. P: q\nA:",
            (" 4", True),
        ),  # cut from the left
        ("something else 4<|im_end|>", "P: q\nA:", ("something else 4", False)),
        ("P: q\nA: 4 </s></s>", "P: q\nA:", (" 4", True)),
    ],
)
def test_response_from_query(query, prompt, expected):
    assert response_from_query(query, prompt) == expected


def serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "verifiers_core", "serve", "--rewards", "format", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_reachable_address_needs_a_token_or_insecure():
    proc = serve("--host", "0.0.0.0")
    assert proc.returncode == 2 and "give --token" in proc.stderr
    proc = serve("--host", "0.0.0.0", "--token", "short")
    assert proc.returncode == 2 and "at least 16 characters" in proc.stderr


def test_bad_selection_and_limits_fail_before_binding():
    proc = serve("--reward-arg", "format.nope=1")
    assert proc.returncode == 2 and "nope" in proc.stderr
    proc = serve("--max-batch-rows", "0")
    assert proc.returncode == 2 and "--max-batch-rows must be positive" in proc.stderr


def test_insecure_start_says_so_loudly():
    from verifiers_core.server.runner import banner
    from verifiers_core.server.settings import ServerSettings
    from verifiers_core.suite import SuiteSpec

    lines = banner(
        ServerSettings(spec=SuiteSpec.from_options(rewards="format"), host="0.0.0.0", insecure=True)
    )
    assert any(line.startswith("!!! INSECURE") and "NO token" in line for line in lines)
    lines = banner(
        ServerSettings(spec=SuiteSpec.from_options(rewards="format"), host="0.0.0.0", token="x" * 20)
    )
    assert any(line.startswith("WARNING") and "reachable from other machines" in line for line in lines)
