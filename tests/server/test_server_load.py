"""A bounded load test on 127.0.0.1: N concurrent clients × M requests against a server whose queue
is small enough to fill. Every request is answered (2xx, or 429 and retried), nothing is a 5xx,
and every row is accounted for, with the right values, in the answers and in the metrics."""

from __future__ import annotations

import asyncio
import time

import httpx
from server_test_support import metric

CLIENTS = 8
REQUESTS_PER_CLIENT = 20
ROWS_PER_REQUEST = 8
MAX_ATTEMPTS = 200


def rows_for(client: int, request: int) -> list[dict]:
    """Rows whose right totals are known: completion k is right iff (client + request + k) is even."""
    rows = []
    for k in range(ROWS_PER_REQUEST):
        n = client * 1000 + request * 10 + k
        answer = n if (client + request + k) % 2 == 0 else n + 1
        rows.append({"completion": f"<think>...</think> \\boxed{{{answer}}}", "solution": str(n), "id": n})
    return rows


def test_concurrent_clients_every_row_accounted_for(main_server):
    before = httpx.get(main_server.url + "/metrics", headers=main_server.headers, timeout=30).text
    statuses: list[int] = []
    answered: dict[int, float] = {}

    async def client(c: int, http: httpx.AsyncClient) -> None:
        for m in range(REQUESTS_PER_CLIENT):
            rows = rows_for(c, m)
            for _attempt in range(MAX_ATTEMPTS):
                r = await http.post("/v1/score", json={"rows": rows})
                statuses.append(r.status_code)
                if r.status_code == 429:
                    assert int(r.headers["retry-after"]) >= 1
                    await asyncio.sleep(0.05)  # a polite client waits Retry-After; the test keeps it short
                    continue
                assert r.status_code == 200, r.text
                body = r.json()
                assert len(body["rows"]) == len(rows)
                for row, scored in zip(rows, body["rows"]):
                    assert row["id"] not in answered
                    answered[row["id"]] = scored["total"]
                break
            else:
                raise AssertionError(f"client {c} request {m}: still refused after {MAX_ATTEMPTS} attempts")

    async def main() -> None:
        async with httpx.AsyncClient(
            base_url=main_server.url, headers=main_server.headers, timeout=60
        ) as http:
            await asyncio.wait_for(asyncio.gather(*(client(c, http) for c in range(CLIENTS))), timeout=240)

    start = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - start
    assert all(s in (200, 429) for s in statuses), sorted(set(statuses))
    total_rows = CLIENTS * REQUESTS_PER_CLIENT * ROWS_PER_REQUEST
    assert len(answered) == total_rows
    for c in range(CLIENTS):
        for m in range(REQUESTS_PER_CLIENT):
            for row in rows_for(c, m):
                right = (c + m + row["id"] % 10) % 2 == 0
                # accuracy (weight 1) + format (0.5; these completions are well formed)
                assert answered[row["id"]] == (1.5 if right else 0.5), row
    after = httpx.get(main_server.url + "/metrics", headers=main_server.headers, timeout=30).text
    scored = metric(after, "verifiers_rows_total", endpoint="/v1/score") - metric(
        before, "verifiers_rows_total", endpoint="/v1/score"
    )
    assert scored == total_rows
    refused = metric(after, "verifiers_requests_total", endpoint="/v1/score", status="429") - metric(
        before, "verifiers_requests_total", endpoint="/v1/score", status="429"
    )
    assert refused == statuses.count(429)
    assert metric(after, "verifiers_queue_rows") == 0
    print(f"{total_rows} rows in {elapsed:.1f} s; {statuses.count(429)} answers were 429")
